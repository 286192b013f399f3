"""Area class of every household: forest, river(bank), railway, rice field or settlement.

Everything is array work on the whole set of households at once (numpy and shapely 2
vectorised functions), never a Python loop per household. Distances are computed in
a metric CRS (UTM 50S, EPSG:32750), never in degrees: a degree is ~110 km here, so a
setback of "50" computed in degrees would swallow all of Java (tests/maps/test_classify.py
shows the trap).

How the work is kept small (measured, see bench/classify.py and bench/README.md):
- long rivers and railways are cut into pieces of ~20 vertices first, so that each
  piece's bounding box is tight and a distance is computed against 20 vertices, not
  thousands (whole-line joins were ~17× slower in the measurements of issue 7);
- the points are sorted by x once; each piece takes the points of its box (grown by the
  corridor or search distance) with a binary search and measures them against its
  segments in plain numpy; polygons test the points of their box with prepared
  ``contains_xy``. No point geometry and no spatial index over 1,000,000 points is
  built: that alone took more time than the whole classification does now (an STRtree
  over the points and shapely ``dwithin`` queries measured ~3.5× slower at 1,000,000);
- the nearest distance is only looked for within ``distance_search_m``.

Settings: the ``[areas]`` table of the config file overrides :data:`DEFAULTS`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

CLASSES = ("forest", "river", "railway", "ricefield", "settlement")
LAYER_KINDS = ("forest", "river", "railway", "ricefield", "village")

DEFAULTS: dict[str, Any] = {
    # Sempadan sungai outside urban areas, rivers without levees: at least 100 m from the
    # bank for a large river (catchment over 500 km²) and 50 m for a small one
    # (PP 38/2011 on rivers, art. 9; Permen PUPR 28/2015 art. 5). Measured here from the
    # river line we have (a centre line for OSM waterways), which is the usual proxy.
    "river_setback_small_m": 50.0,
    "river_setback_large_m": 100.0,
    # Railway corridor from the centre line: the track's own strip (ruang manfaat, ~5 m
    # each side for a 1,067 mm single track with ballast), plus ruang milik of at least
    # 6 m (PP 56/2009 art. 58), plus ruang pengawasan of 9 m (PP 56/2009 art. 61).
    "railway_corridor_m": 20.0,
    # When a household lies in several areas, the first class in this list wins (all the
    # flags are kept too). Forest first: Perhutani land is where tenure and access are
    # hardest; the two legal corridors next; rice field is the broadest class.
    "priority": ["forest", "river", "railway", "ricefield"],
    # A point less precise than this is reported, not classified: with 50 m of doubt it
    # could be on either side of a 20 m railway corridor. ODK's geopoint accuracy is the
    # radius (m) of 68 % confidence; a point without an accuracy value is accepted.
    "max_accuracy_m": 50.0,
    # Distances to the nearest river and railway are kept up to this far (else empty):
    # the cost of the search grows with this radius.
    "distance_search_m": 200.0,
    # A point this close to a polygon's edge is on it, and so inside (numerical noise only).
    "border_tolerance_m": 0.01,
    "piece_vertices": 20,
    "metric_crs": "EPSG:32750",
}


class AreaSettingsError(ValueError):
    """An ``[areas]`` setting is malformed; the message names it."""


def area_options(settings: Any = None, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The effective ``[areas]`` options, checked."""
    options = settings.section("areas", DEFAULTS) if settings is not None else dict(DEFAULTS)
    options.update(overrides or {})
    for key in ("river_setback_small_m", "river_setback_large_m", "railway_corridor_m", "max_accuracy_m", "distance_search_m", "border_tolerance_m"):
        try:
            options[key] = float(options[key])
        except (TypeError, ValueError):
            raise AreaSettingsError(f"[areas] {key} = {options[key]!r} is not a number of metres") from None
        if options[key] < 0:
            raise AreaSettingsError(f"[areas] {key} must not be negative")
    priority = list(options["priority"])
    unknown = [p for p in priority if p not in CLASSES[:-1]]
    if unknown or len(set(priority)) != len(priority):
        raise AreaSettingsError(
            f"[areas] priority = {priority!r}: use each of {', '.join(CLASSES[:-1])} at most once"
        )
    # a class left out of the list still gets its flag, it just never wins
    options["priority"] = priority
    options["piece_vertices"] = max(2, int(options["piece_vertices"]))
    return options


def options_fingerprint(options: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(dict(options), sort_keys=True, default=str).encode()).hexdigest()[:16]


# --- geometry helpers ----------------------------------------------------------------


def _is_polygonal(geometries: np.ndarray) -> np.ndarray:
    return np.isin(shapely.get_type_id(geometries), (3, 6))  # Polygon, MultiPolygon


def cut_lines(geometries: np.ndarray, max_vertices: int = 20) -> tuple[np.ndarray, np.ndarray]:
    """Cut (multi)lines into pieces of at most ``max_vertices`` vertices.

    Returns the pieces and, for each, the index of the geometry it came from. Polygons
    contribute their rings (a river drawn as an area is measured from its banks).
    """
    geometries = np.asarray(geometries, dtype=object)
    polygonal = _is_polygonal(geometries)
    lines = np.where(polygonal, shapely.boundary(geometries), geometries)
    parts, part_of = shapely.get_parts(lines, return_index=True)
    linear = np.isin(shapely.get_type_id(parts), (1, 2))  # LineString, LinearRing
    parts, part_of = parts[linear], part_of[linear]
    coords, coord_of = shapely.get_coordinates(parts, return_index=True)
    counts = np.bincount(coord_of, minlength=len(parts))
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    step = max_vertices - 1
    piece_coords, piece_ids, piece_source = [], [], []
    piece = 0
    # One iteration per line part (tens to thousands), never per household.
    for part, (start, count) in enumerate(zip(starts, counts)):
        if count < 2:
            continue
        for first in range(0, count - 1, step):
            last = min(first + step, count - 1)
            piece_coords.append(coords[start + first : start + last + 1])
            piece_ids.append(np.full(last - first + 1, piece))
            piece_source.append(part_of[part])
            piece += 1
    if not piece_coords:
        return np.array([], dtype=object), np.array([], dtype=np.intp)
    pieces = shapely.linestrings(np.vstack(piece_coords), indices=np.concatenate(piece_ids))
    return pieces, np.asarray(piece_source, dtype=np.intp)


class Points:
    """Household coordinates in metres, with an index sorted by x for sweeping."""

    def __init__(self, x: np.ndarray, y: np.ndarray):
        self.x, self.y = x, y
        self.order = np.argsort(x, kind="stable")
        self.sorted_x = x[self.order]

    def __len__(self) -> int:
        return len(self.x)

    def in_box(self, minx: float, miny: float, maxx: float, maxy: float) -> np.ndarray:
        """Indexes of the points in a box: a binary search on x, then a mask on y."""
        lo = np.searchsorted(self.sorted_x, minx, side="left")
        hi = np.searchsorted(self.sorted_x, maxx, side="right")
        candidates = self.order[lo:hi]
        y = self.y[candidates]
        return candidates[(y >= miny) & (y <= maxy)]


def _covered(points: Points, polygons: np.ndarray, tolerance: float) -> np.ndarray:
    """For each point, the index of the first polygon holding it (on the border counts), or -1.

    "On the border" has a tolerance: a point and an edge that met exactly in degrees are
    nanometres apart once both are projected, so each polygon is grown by ``tolerance``
    (1 cm) first. Prepared polygons answer ``contains_xy`` for many points at once, and
    no point geometry is ever built.
    """
    which = np.full(len(points), -1, dtype=np.intp)
    for index, polygon in enumerate(polygons):  # one per polygon of a layer, not per household
        grown = shapely.buffer(polygon, tolerance, quad_segs=2) if tolerance > 0 else polygon
        shapely.prepare(grown)
        candidates = points.in_box(*shapely.bounds(grown))
        candidates = candidates[which[candidates] < 0]  # a shared border: the first polygon keeps it
        inside = shapely.contains_xy(grown, points.x[candidates], points.y[candidates])
        which[candidates[inside]] = index
    return which


def _segment_distances(px: np.ndarray, py: np.ndarray, coords: np.ndarray) -> np.ndarray:
    """Distance from each point to a polyline of a few vertices, in plain numpy."""
    ax, ay = coords[:-1, 0], coords[:-1, 1]
    dx, dy = coords[1:, 0] - ax, coords[1:, 1] - ay
    length2 = dx * dx + dy * dy
    length2[length2 == 0] = 1.0  # a repeated vertex: t is 0 and the distance is to the vertex
    t = np.clip(((px[:, None] - ax) * dx + (py[:, None] - ay) * dy) / length2, 0.0, 1.0)
    ex = px[:, None] - (ax + t * dx)
    ey = py[:, None] - (ay + t * dy)
    return np.sqrt((ex * ex + ey * ey).min(axis=1))


def _near(
    points: Points,
    geometries: np.ndarray,
    limits: np.ndarray,
    search_m: float,
    max_vertices: int,
    tolerance: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point: within its geometry's limit of any geometry; nearest distance; nearest index.

    ``limits[i]`` is the corridor width of geometry ``i``; distances beyond ``search_m``
    (and beyond every limit) are not looked for and come back as NaN. Each ~20-vertex
    piece takes the points in its bounding box grown by the reach (a binary search) and
    measures them against its few segments; the loop is over pieces, never households.
    """
    n = len(points)
    inside = np.zeros(n, dtype=bool)
    best = np.full(n, np.inf)
    nearest = np.full(n, -1, dtype=np.intp)
    if len(geometries) == 0:
        return inside, np.full(n, np.nan), nearest
    reach = max(search_m, float(limits.max()))
    # Areas (a river mapped as a polygon) hold their points at distance 0.
    for index in np.flatnonzero(_is_polygonal(geometries)):
        held = _covered(points, geometries[index : index + 1], tolerance) >= 0
        best[held], nearest[held] = 0.0, index
        inside |= held
    pieces, source = cut_lines(geometries, max_vertices)
    for piece, index in zip(pieces, source):
        coords = shapely.get_coordinates(piece)
        minx, miny = coords.min(axis=0)
        maxx, maxy = coords.max(axis=0)
        candidates = points.in_box(minx - reach, miny - reach, maxx + reach, maxy + reach)
        if len(candidates) == 0:
            continue
        d = _segment_distances(points.x[candidates], points.y[candidates], coords)
        inside[candidates[d <= limits[index]]] = True
        closer = d < best[candidates]
        best[candidates[closer]] = d[closer]
        nearest[candidates[closer]] = index
    far = best > search_m
    nearest[far] = -1
    return inside, np.where(far, np.nan, best), nearest


def point_hashes(frame: pd.DataFrame) -> np.ndarray:
    """A 16-hex-digit fingerprint of each household's point and accuracy."""
    values = frame[["latitude", "longitude", "accuracy"]].astype(float).round(7)
    h = pd.util.hash_pandas_object(values, index=False).to_numpy(dtype=np.uint64)
    nibbles = (h[:, None] >> np.arange(60, -4, -4, dtype=np.uint64)) & np.uint64(15)
    chars = np.array(list("0123456789abcdef"))[nibbles.astype(np.intp)]
    return np.ascontiguousarray(chars).view("<U16").ravel()


def _metric(layer: gpd.GeoDataFrame | None, crs: str) -> gpd.GeoDataFrame | None:
    if layer is None or len(layer) == 0:
        return None
    if layer.crs is None:
        layer = layer.set_crs("EPSG:4326")
    return layer.to_crs(crs)


def _strings(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    out = np.full(len(index), None, dtype=object)
    ok = index >= 0
    out[ok] = values[index[ok]]
    return out


def classify(
    households: pd.DataFrame,
    layers: Mapping[str, gpd.GeoDataFrame],
    options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Classify households (``uuid``, ``latitude``, ``longitude``, ``accuracy``).

    ``layers`` maps a kind (forest, river, railway, ricefield, village) to a GeoDataFrame
    (WGS84 unless it says otherwise) with optional columns ``name``, ``size_class``
    (rivers: large/small) and ``code`` (villages). A kind may be missing. Returns one row
    per household, in input order, with the columns of ``household_areas``.
    """
    opts = area_options(None, options) if options is not None else area_options()
    lat = pd.to_numeric(households["latitude"], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(households["longitude"], errors="coerce").to_numpy(dtype=float)
    acc = pd.to_numeric(households.get("accuracy", pd.Series(np.nan, index=households.index)), errors="coerce").to_numpy(dtype=float)
    has_point = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    # ODK writes "0 0 0 0" when no fix was taken; no household lives at 0°, 0°.
    has_point &= ~((lat == 0) & (lon == 0))
    precise = ~(acc > opts["max_accuracy_m"])  # NaN accuracy counts as precise
    ok = has_point & precise

    out = pd.DataFrame(
        {
            "household_uuid": households["uuid"].to_numpy(),
            "status": np.where(ok, "ok", np.where(has_point, "low_accuracy", "no_point")),
            "area_class": None,
            "in_forest": None,
            "in_river_setback": None,
            "in_railway_corridor": None,
            "in_ricefield": None,
            "river_distance_m": np.nan,
            "river_name": None,
            "railway_distance_m": np.nan,
            "village_code": None,
            "village_name": None,
        }
    )
    if not ok.any():
        return out

    x, y = Transformer.from_crs("EPSG:4326", opts["metric_crs"], always_xy=True).transform(lon[ok], lat[ok])
    points = Points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
    m = len(points)
    crs = opts["metric_crs"]
    tolerance = opts["border_tolerance_m"]

    flags: dict[str, np.ndarray] = {}
    for kind in ("forest", "ricefield"):
        layer = _metric(layers.get(kind), crs)
        geoms = layer.geometry.to_numpy() if layer is not None else np.array([], dtype=object)
        flags[kind] = _covered(points, geoms, tolerance) >= 0

    search = opts["distance_search_m"]
    river = _metric(layers.get("river"), crs)
    if river is not None:
        size = river["size_class"] if "size_class" in river else pd.Series("small", index=river.index)
        limits = np.where(size.fillna("small").to_numpy() == "large", opts["river_setback_large_m"], opts["river_setback_small_m"])
        flags["river"], river_dist, river_idx = _near(points, river.geometry.to_numpy(), limits, search, opts["piece_vertices"], tolerance)
        names = river["name"].to_numpy(dtype=object) if "name" in river else np.full(len(river), None, dtype=object)
        out.loc[ok, "river_distance_m"] = river_dist
        out.loc[ok, "river_name"] = _strings(names, river_idx)
    else:
        flags["river"] = np.zeros(m, dtype=bool)

    railway = _metric(layers.get("railway"), crs)
    if railway is not None:
        limits = np.full(len(railway), opts["railway_corridor_m"])
        flags["railway"], rail_dist, _ = _near(points, railway.geometry.to_numpy(), limits, search, opts["piece_vertices"], tolerance)
        out.loc[ok, "railway_distance_m"] = rail_dist
    else:
        flags["railway"] = np.zeros(m, dtype=bool)

    area_class = np.full(m, "settlement", dtype=object)
    for kind in reversed(opts["priority"]):  # the first in the list is written last and wins
        area_class[flags[kind]] = kind
    out.loc[ok, "area_class"] = area_class
    out.loc[ok, "in_forest"] = flags["forest"]
    out.loc[ok, "in_river_setback"] = flags["river"]
    out.loc[ok, "in_railway_corridor"] = flags["railway"]
    out.loc[ok, "in_ricefield"] = flags["ricefield"]

    villages = _metric(layers.get("village"), crs)
    if villages is not None:
        which = _covered(points, villages.geometry.to_numpy(), tolerance)
        for column, source in (("village_code", "code"), ("village_name", "name")):
            if source in villages:
                out.loc[ok, column] = _strings(villages[source].to_numpy(dtype=object), which)
    return out
