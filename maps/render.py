"""The household map as one HTML page (Folium + our own client-side layer).

Folium gives the page and the Leaflet map; the households go in as one columnar data
object drawn by ``maps/static/chips-map.js`` (clustering, colours, filters, popups,
heat map, legend), never as one Python-built marker per household: at 100,000
households that is what keeps the page a few megabytes, built in about a second and
loaded in the browser within the 3 s target (bench/map.py).

Leaflet and the plugins are the files vendored in ``maps/static/`` (see the README
there): inlined into a stand-alone file for ``chips map``, or linked from the app's own
``/map/static/`` for the web page. Folium's CDN links are replaced, so the page works
without internet; online background tiles are optional (``[map] tiles``).
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any, Mapping

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from jinja2 import Template

from maps import aggregate
from maps.classify import CLASSES, area_options
from maps.households import STATUSES, has_place, village_of

STATIC = Path(__file__).resolve().parent / "static"
METRIC = "EPSG:32750"

MAP_DEFAULTS: dict[str, Any] = {
    # "" draws no background tiles (works offline); "osm" uses OpenStreetMap's tiles
    # (online); any other value is taken as a tile URL template.
    "tiles": "",
    "tiles_attribution": "",
    # hexagon circumradius for the aggregated view: 500 m is ~0.65 km², a few RT
    "hex_size_m": 500.0,
    # cells and villages with fewer households only say "fewer than N" when shared
    "min_cell_count": 5,
    # anonymised maps and exports: 3 decimals is ~110 m at Sempu, a neighbourhood, not a house
    "anonymised_decimals": 3,
    # above this zoom every household is drawn on its own (a view of ~1 km²)
    "cluster_max_zoom": 15,
    # clusters show the mix of colours (a pie) up to this many households; above it they
    # are plain, which halves the time to index 100,000 households in the browser
    "pie_limit": 20_000,
    "max_zoom": 19,
}

# (kind, type, file): the order is the order on the page
ASSETS = (
    ("css", "leaflet", "leaflet/leaflet.css"),
    ("css", "chips", "chips-map.css"),
    ("js", "leaflet", "leaflet/leaflet.js"),
    ("js", "supercluster", "supercluster/supercluster.min.js"),
    ("js", "leaflet.heat", "leaflet.heat/leaflet-heat.js"),
    ("js", "chips", "chips-map.js"),
)

CLASS_STYLE: dict[str, tuple[str, str, str]] = {
    "forest": ("Hutan", "Forest", "#2e7d32"),
    "river": ("Sempadan sungai", "Riverbank", "#1e88e5"),
    "railway": ("Sempadan rel KA", "Along the railway", "#6d4c41"),
    "ricefield": ("Sawah", "Rice field", "#c0a000"),
    "settlement": ("Permukiman", "Settlement", "#8e24aa"),
    "unclassified": ("Belum terpetakan", "Not classified", "#9e9e9e"),
}

LAYER_ORDER = (
    ("village", "Batas desa", "Village boundaries", {"color": "#555555", "weight": 1.5, "fill": False, "dashArray": "4 3"}),
    ("forest", "Hutan", "Forest", {"color": "#2e7d32", "weight": 1, "fillColor": "#66bb6a", "fillOpacity": 0.35}),
    ("ricefield", "Sawah", "Rice fields", {"color": "#9e9d24", "weight": 1, "fillColor": "#dce775", "fillOpacity": 0.4}),
    ("river_corridor", "Sempadan sungai", "River setback", {"color": "#64b5f6", "weight": 0.5, "fillColor": "#90caf9", "fillOpacity": 0.35}),
    ("railway_corridor", "Ruang jalur KA", "Railway corridor", {"color": "#a1887f", "weight": 0.5, "fillColor": "#bcaaa4", "fillOpacity": 0.45}),
    ("river", "Sungai", "Rivers", {"color": "#1565c0", "weight": 2.5}),
    ("railway", "Rel kereta api", "Railway", {"color": "#3e2723", "weight": 3, "dashArray": "8 4"}),
)


def map_options(settings: Any = None) -> dict[str, Any]:
    options = settings.section("map", MAP_DEFAULTS) if settings is not None else dict(MAP_DEFAULTS)
    options["hex_size_m"] = float(options["hex_size_m"])
    options["min_cell_count"] = int(options["min_cell_count"])
    options["anonymised_decimals"] = int(options["anonymised_decimals"])
    return options


def _tiles(options: Mapping[str, Any]) -> dict[str, str] | None:
    tiles = str(options.get("tiles") or "").strip()
    if not tiles:
        return None
    if tiles.lower() == "osm":
        return {
            "name": "OpenStreetMap",
            "url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "attribution": "&copy; OpenStreetMap contributors",
        }
    return {"name": "Peta dasar / Base map", "url": tiles, "attribution": str(options.get("tiles_attribution", ""))}


# --- assets -----------------------------------------------------------------------------


def _inline_css(text: str, folder: Path) -> str:
    """Leaflet's CSS names its images relatively; a stand-alone file carries them inline."""

    def data_uri(match: re.Match) -> str:
        path = folder / match.group(1)
        if not path.exists():
            return match.group(0)
        return f"url(data:image/png;base64,{base64.b64encode(path.read_bytes()).decode()})"

    return re.sub(r"url\((images/[^)]+\.png)\)", data_uri, text)


def _inline_assets() -> str:
    parts = []
    for kind, _, rel in ASSETS:
        path = STATIC / rel
        text = path.read_text(encoding="utf-8")
        if kind == "css":
            parts.append(f"<style>\n{_inline_css(text, path.parent)}\n</style>")
        else:
            safe = text.replace("</script", "<\\/script")
            parts.append(f"<script>\n{safe}\n</script>")
    return "\n".join(parts)


def _use_assets(m: folium.Map, static_url: str | None) -> None:
    # Folium's own defaults point at CDNs (leaflet, jQuery, Bootstrap, Font Awesome …):
    # none of them is needed here and none must be fetched.
    if static_url:
        base = static_url.rstrip("/")
        # the names key the page header's children: one per file, or a CSS link replaces a script
        m.default_js = [(f"{name}_js", f"{base}/{rel}") for kind, name, rel in ASSETS if kind == "js"]
        m.default_css = [(f"{name}_css", f"{base}/{rel}") for kind, name, rel in ASSETS if kind == "css"]
    else:
        m.default_js, m.default_css = [], []


# --- data ---------------------------------------------------------------------------------


def _json(value: Any) -> str:
    # inside <script>: a name like "</script>" must not end the block
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")


def _geojson(frame: gpd.GeoDataFrame | None, columns: list[str]) -> dict[str, Any]:
    if frame is None or frame.empty:
        return {"type": "FeatureCollection", "features": []}
    keep = [c for c in columns if c in frame.columns]
    out = frame[keep + [frame.geometry.name]].copy()
    out[frame.geometry.name] = shapely.set_precision(out.geometry.to_numpy(), 1e-6)
    for column in keep:
        out[column] = out[column].astype(object).where(out[column].notna(), None)
    return json.loads(out.to_json(drop_id=True))


def _simplified(frame: gpd.GeoDataFrame, tolerance_m: float = 3.0) -> gpd.GeoDataFrame:
    metric = frame.to_crs(METRIC)
    metric["geometry"] = metric.geometry.simplify(tolerance_m)
    return metric.to_crs("EPSG:4326")


def _corridor(frame: gpd.GeoDataFrame | None, widths: np.ndarray) -> gpd.GeoDataFrame | None:
    if frame is None or frame.empty:
        return None
    metric = frame.to_crs(METRIC).geometry.to_numpy()
    shape = shapely.union_all(shapely.buffer(metric, widths, quad_segs=4)).simplify(2.0)
    return gpd.GeoDataFrame({"name": [None]}, geometry=[shape], crs=METRIC).to_crs("EPSG:4326")


def area_geojson(layers: Mapping[str, gpd.GeoDataFrame], area: Mapping[str, Any]) -> dict[str, Any]:
    """The area layers and the corridors the classification used, ready for the page."""
    out: dict[str, Any] = {}
    for kind in ("village", "forest", "ricefield", "river", "railway"):
        frame = layers.get(kind)
        out[kind] = _geojson(_simplified(frame) if frame is not None and not frame.empty else None, ["name", "size_class", "code"])
    river = layers.get("river")
    if river is not None and not river.empty:
        sizes = river["size_class"].fillna("small").to_numpy()
        widths = np.where(sizes == "large", area["river_setback_large_m"], area["river_setback_small_m"])
        out["river_corridor"] = _geojson(_corridor(river, widths), ["name"])
    railway = layers.get("railway")
    if railway is not None and not railway.empty:
        out["railway_corridor"] = _geojson(_corridor(railway, np.full(len(railway), area["railway_corridor_m"])), ["name"])
    return out


def _packed(values: np.ndarray, kind: str) -> dict[str, str]:
    """A numeric column as a little-endian typed array in base64 (``Int32Array`` …).

    A page of a few long strings parses several times faster than one of arrays with a
    hundred thousand number literals each, and is smaller.
    """
    dtype = {"Int8": "<i1", "Uint8": "<u1", "Int16": "<i2", "Uint16": "<u2", "Int32": "<i4"}[kind]
    limits = np.iinfo(np.dtype(dtype))
    values = np.asarray(values)
    if len(values) and (values.min() < limits.min or values.max() > limits.max):
        raise ValueError(f"value out of range for {kind}")
    return {"type": kind, "b64": base64.b64encode(values.astype(dtype).tobytes()).decode("ascii")}


def _lines(values: pd.Series) -> dict[str, str]:
    """Strings joined by newlines (split in the page): no quotes and commas per value."""
    text = values.fillna("").astype(str).str.replace(r"[\r\n]+", " ", regex=True)
    return {"lines": "\n".join(text.tolist())}


def unpack(value: Any) -> Any:
    """The Python side of the page's ``unpack``: for tests and other readers."""
    if isinstance(value, dict) and "b64" in value:
        dtype = {"Int8": "<i1", "Uint8": "<u1", "Int16": "<i2", "Uint16": "<u2", "Int32": "<i4"}[value["type"]]
        return np.frombuffer(base64.b64decode(value["b64"]), dtype=dtype)
    if isinstance(value, dict) and "lines" in value:
        return value["lines"].split("\n")
    return value


def point_data(frame: pd.DataFrame, villages: list[str], *, anonymised: bool, decimals: int) -> dict[str, Any]:
    """The columnar data object chips-map.js draws, for the placed households."""
    classes = list(CLASSES) + ["unclassified"]
    cls = pd.Categorical(frame["area_class"].fillna("unclassified"), categories=classes).codes
    vil = pd.Categorical(village_of(frame), categories=villages).codes
    bits = np.zeros(len(frame), dtype=np.int64)
    for position, key in enumerate(STATUSES):
        bits |= frame[key].fillna(False).to_numpy(dtype=bool).astype(np.int64) << position

    def metres(column: str) -> dict[str, str]:
        values = pd.to_numeric(frame[column], errors="coerce").round().clip(upper=30_000)
        return _packed(values.fillna(-1).to_numpy(dtype=np.int64), "Int16")

    # Coordinates as integer offsets from a base, in units of the kept precision.
    places = decimals if anonymised else 6
    scale = 10**places
    lat = frame["latitude"].to_numpy(dtype=float)
    lon = frame["longitude"].to_numpy(dtype=float)
    lat0 = float(np.floor(lat.min())) if len(lat) else 0.0
    lon0 = float(np.floor(lon.min())) if len(lon) else 0.0
    days = pd.to_numeric(frame["days_since_visit"], errors="coerce").clip(upper=30_000).fillna(-1)
    data: dict[str, Any] = {
        "n": len(frame),
        "scale": scale,
        "lat0": lat0,
        "lon0": lon0,
        "lat": _packed(np.rint((lat - lat0) * scale).astype(np.int64), "Int32"),
        "lon": _packed(np.rint((lon - lon0) * scale).astype(np.int64), "Int32"),
        "cls": _packed(cls, "Uint8"),
        "vil": _packed(vil, "Int16"),
        "bits": _packed(bits, "Uint16"),
        "days": _packed(days.to_numpy(dtype=np.int64), "Int16"),
        "rd": metres("river_distance_m"),
        "td": metres("railway_distance_m"),
    }
    if not anonymised:
        data["ref"] = _lines(frame["uuid"].astype(str).str.replace("uuid:", "", regex=False).str[:8])
        data["name"] = _lines(frame["head_name"])
        data["phone"] = _lines(frame["phone"])
        place = frame["dusun"].fillna("").astype(str)
        rt_rw = frame["rt"].fillna("").astype(str) + "/" + frame["rw"].fillna("").astype(str)
        # few distinct places: each once, and an index per household
        codes, uniques = pd.factorize((place + " " + rt_rw.where(rt_rw != "/", "")).str.strip())
        data["place"] = _packed(codes, "Int32")
        data["places"] = uniques.tolist()
    return data


# Where the configuration, the household data and the inlined libraries go into the
# rendered page. They are put in after Folium/branca rendered it: branca compiles every
# rendered script again as a Jinja template, which took 2 s over 9 MB of data at 100,000
# households and would choke on a "{{" in a household name.
PAYLOAD_MARK = "<!--chips-payload-->"


class ChipsLayer(MacroElement):
    """Hands the configuration and the household data to chipsMap.init in the page."""

    _template = Template(
        """
{% macro script(this, kwargs) %}
{% if this.data_url %}
fetch({{ this.data_url_json }}, {credentials: "same-origin"})
  .then(function (r) { if (!r.ok) throw new Error("map data: HTTP " + r.status); return r.json(); })
  .then(function (d) { chipsMap.init({{ this._parent.get_name() }}, window.CHIPS_CONFIG, d); });
{% else %}
chipsMap.init({{ this._parent.get_name() }}, window.CHIPS_CONFIG, window.CHIPS_DATA);
{% endif %}
{% endmacro %}
"""
    )

    def __init__(self, data_url: str | None = None):
        super().__init__()
        self._name = "ChipsLayer"
        self.data_url = data_url
        self.data_url_json = _json(data_url)


def _bounds(frame: pd.DataFrame, layers: Mapping[str, gpd.GeoDataFrame]) -> list[list[float]] | None:
    if len(frame):
        lat, lon = frame["latitude"].astype(float), frame["longitude"].astype(float)
        return [[lat.min(), lon.min()], [lat.max(), lon.max()]]
    frames = [f for f in layers.values() if f is not None and not f.empty]
    if not frames:
        return None
    minx, miny, maxx, maxy = pd.concat(frames).total_bounds
    return [[miny, minx], [maxy, maxx]]


def placed_households(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return frame[has_place(frame)].reset_index(drop=True)


def build_map(
    households: gpd.GeoDataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    settings: Any = None,
    *,
    anonymised: bool = False,
    aggregated_only: bool = False,
    static_url: str | None = None,
    data_url: str | None = None,
    title: str = "Peta rumah tangga CHIPS / CHIPS household map",
) -> folium.Map:
    """The map page. ``households`` is :func:`maps.households.load_households`' frame.

    ``aggregated_only``: villages and hexagons with counts, no household point at all (the
    view to share). ``static_url``: link Leaflet from there instead of inlining it.
    ``data_url``: the page fetches the household data from there (the web app) instead of
    carrying it.
    """
    area = area_options(settings)
    options = map_options(settings)
    placed = placed_households(households)
    villages = sorted(village_of(placed).unique().tolist())
    unplaced = int(len(households) - len(placed))
    layer_names = set()
    for frame in layers.values():
        if "layer" in frame:
            layer_names.update(frame["layer"].dropna())

    bounds = _bounds(placed, layers)
    m = folium.Map(
        location=[-8.2822, 114.1517],  # Kecamatan Sempu; fitBounds moves it to the data
        zoom_start=12,
        tiles=None,
        max_zoom=options["max_zoom"],
        prefer_canvas=True,
        control_scale=True,
    )
    _use_assets(m, static_url)
    m.get_root().header.add_child(Element(f"<title>{title}</title>"), name="chips_title")

    cfg = {
        "title": title,
        "classes": [
            {"key": key, "id": CLASS_STYLE[key][0], "en": CLASS_STYLE[key][1], "color": CLASS_STYLE[key][2]}
            for key in (*CLASSES, "unclassified")
        ],
        "statuses": [{"key": key, "id": ind, "en": en} for key, (ind, en) in STATUSES.items()],
        "villages": villages,
        "layers": area_geojson(layers, area),
        "layerOrder": [{"key": key, "id": ind, "en": en, "show": True} for key, ind, en, _ in LAYER_ORDER],
        "areaStyles": {key: style for key, _, _, style in LAYER_ORDER},
        "aggregates": {
            "villages": _geojson(
                aggregate.by_village(placed, layers.get("village"), options["min_cell_count"]),
                ["name", "code", "households", "suppressed"] + [c for c in _count_columns()],
            ),
            "hexagons": _geojson(
                aggregate.by_hexagon(placed, options["hex_size_m"], options["min_cell_count"]),
                ["households", "suppressed"] + [c for c in _count_columns()],
            ),
        },
        "minCount": options["min_cell_count"],
        "aggregatedOnly": aggregated_only,
        "unplaced": unplaced,
        "tiles": _tiles(options),
        "bounds": bounds,
        "clusterMaxZoom": options["cluster_max_zoom"],
        "pieLimit": options["pie_limit"],
        "maxZoom": options["max_zoom"],
        "note": (
            "Lapisan area contoh Sempu bersifat perkiraan / The Sempu sample area layers are approximate"
            if any(str(n).startswith("sempu-") for n in layer_names)
            else ""
        ),
    }
    if aggregated_only:
        data = {}
        data_url = None
    else:
        data = point_data(placed, villages, anonymised=anonymised, decimals=options["anonymised_decimals"])
    if data_url:
        data = None
    m.add_child(ChipsLayer(data_url))
    m.get_root().header.add_child(Element(PAYLOAD_MARK), name="chips_payload")
    payload = [] if static_url else [_inline_assets()]
    payload.append(f"<script>\nwindow.CHIPS_CONFIG = {_json(cfg)};\nwindow.CHIPS_DATA = {_json(data or {})};\n</script>")
    m.chips_payload = "\n".join(payload)
    return m


def _count_columns() -> list[str]:
    return [f"n_{c}" for c in (*CLASSES, "unclassified")] + [f"n_{s}" for s in STATUSES]


def page_html(m: folium.Map) -> str:
    """The page of a map made by :func:`build_map`, with its payload in place."""
    return m.get_root().render().replace(PAYLOAD_MARK, m.chips_payload, 1)


def map_html(*args: Any, **kwargs: Any) -> str:
    return page_html(build_map(*args, **kwargs))
