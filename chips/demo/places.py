"""Where the demo's households live: points on the sample Sempu layers (maps/data/sempu).

The brief of the programme says most poor families live in the forest, the rice fields, on
riverbanks and along the railway (DOMAIN.md). We decide each household's area class first
(``CLASS_SHARES``) and then draw its point inside the zone that the map's classifier
(``maps.classify``) would put in that class, using the same layers, setbacks and class
priority, so the map shows the shares the demo meant. Everything is array work (shapely 2
vectorised functions), in the metric CRS the classifier uses.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from maps.classify import area_options
from maps.layers import read_layer
from maps.store import SAMPLE_DIR, SAMPLE_LAYERS

# Share of households per area class (the classifier's names). "Most live in forest, rice
# fields, riverbanks and along the railway" (DOMAIN.md): 70 % outside the settlement.
CLASS_SHARES: dict[str, float] = {
    "forest": 0.13,
    "river": 0.21,
    "railway": 0.11,
    "ricefield": 0.25,
    "settlement": 0.30,
}
# Margin kept from every zone edge, so GPS rounding never moves a point across it.
EDGE_M = 3.0


@dataclass(frozen=True)
class Placed:
    """Points drawn for ``n`` households, in the order of ``area_class``."""

    area_class: np.ndarray  # str per household
    latitude: np.ndarray
    longitude: np.ndarray
    village_code: np.ndarray
    village_name: np.ndarray
    # metric coordinates, for grouping households into hamlets
    x: np.ndarray
    y: np.ndarray


def sample_layers() -> dict[str, gpd.GeoDataFrame]:
    """The bundled layers, normalised exactly as ``chips areas import-sample`` stores them."""
    return {kind: read_layer(SAMPLE_DIR / filename, kind, **options) for kind, filename, options in SAMPLE_LAYERS}


def _zones(layers: dict[str, gpd.GeoDataFrame], options: dict) -> dict[str, shapely.Geometry]:
    """One (multi)polygon per class, each outside the zones of the classes that beat it."""
    crs = options["metric_crs"]
    metric = {kind: frame.to_crs(crs) for kind, frame in layers.items()}
    villages = shapely.union_all(metric["village"].geometry.to_numpy())
    river = metric["river"]
    setbacks = np.where(river["size_class"].fillna("small").to_numpy() == "large",
                        options["river_setback_large_m"], options["river_setback_small_m"])
    river_lines = river.geometry.to_numpy()
    rail_lines = metric["railway"].geometry.to_numpy()
    corridor = options["railway_corridor_m"]

    def around(lines: np.ndarray, widths: np.ndarray | float) -> shapely.Geometry:
        return shapely.union_all(shapely.buffer(lines, widths))

    forest_full = shapely.union_all(metric["forest"].geometry.to_numpy())
    river_full = around(river_lines, setbacks + EDGE_M)
    rail_full = around(rail_lines, corridor + EDGE_M)
    rice_full = shapely.union_all(metric["ricefield"].geometry.to_numpy())
    inner = shapely.buffer(villages, -EDGE_M)

    taken = shapely.buffer(forest_full, EDGE_M)
    zones = {"forest": shapely.intersection(shapely.buffer(forest_full, -EDGE_M), inner)}
    zones["river"] = shapely.difference(shapely.intersection(around(river_lines, setbacks - EDGE_M), inner), taken)
    taken = shapely.union(taken, river_full)
    zones["railway"] = shapely.difference(shapely.intersection(around(rail_lines, corridor - EDGE_M), inner), taken)
    taken = shapely.union(taken, rail_full)
    zones["ricefield"] = shapely.difference(shapely.intersection(shapely.buffer(rice_full, -EDGE_M), inner), taken)
    taken = shapely.union(taken, shapely.buffer(rice_full, EDGE_M))
    zones["settlement"] = shapely.difference(inner, taken)
    return zones


def _inside(zone: shapely.Geometry, xy: np.ndarray) -> np.ndarray:
    shapely.prepare(zone)
    return shapely.contains_xy(zone, xy[:, 0], xy[:, 1])


def _uniform(rng: np.random.Generator, zone: shapely.Geometry, n: int) -> np.ndarray:
    """``n`` points uniformly inside ``zone`` (rejection sampling in its bounding box)."""
    minx, miny, maxx, maxy = zone.bounds
    fill = max(zone.area / ((maxx - minx) * (maxy - miny)), 1e-3)
    out = np.empty((0, 2))
    while len(out) < n:
        k = int((n - len(out)) / fill * 1.5) + 16
        xy = np.column_stack([rng.uniform(minx, maxx, k), rng.uniform(miny, maxy, k)])
        out = np.vstack([out, xy[_inside(zone, xy)]])
    return out[:n]


def _hamlets(rng: np.random.Generator, zone: shapely.Geometry, n: int, centres: int, spread_m: float) -> np.ndarray:
    """``n`` points gathered around ``centres`` hamlet centres, all inside ``zone``."""
    hubs = _uniform(rng, zone, centres)
    out = np.empty((0, 2))
    while len(out) < n:
        k = (n - len(out)) * 2 + 16
        xy = hubs[rng.integers(0, len(hubs), k)] + rng.normal(0, spread_m, (k, 2))
        out = np.vstack([out, xy[_inside(zone, xy)]])
    return out[:n]


def place_households(n: int, rng: np.random.Generator, layers: dict[str, gpd.GeoDataFrame] | None = None,
                     options: dict | None = None) -> Placed:
    """Points for ``n`` households: class counts from ``CLASS_SHARES``, order shuffled."""
    layers = layers or sample_layers()
    options = options or area_options()
    zones = _zones(layers, options)
    counts = {cls: int(round(share * n)) for cls, share in CLASS_SHARES.items()}
    counts["settlement"] += n - sum(counts.values())
    parts, classes = [], []
    for cls, count in counts.items():
        zone = zones[cls]
        if cls == "settlement":
            xy = _hamlets(rng, zone, count, centres=45, spread_m=180.0)
        elif cls in ("ricefield", "forest"):
            xy = _hamlets(rng, zone, count, centres=30, spread_m=300.0)  # scattered huts and clearings
        else:
            xy = _hamlets(rng, zone, count, centres=40, spread_m=120.0)  # strings of houses along the line
        parts.append(xy)
        classes += [cls] * count
    xy = np.vstack(parts)
    order = rng.permutation(n)
    xy, area_class = xy[order], np.array(classes, dtype=object)[order]

    villages = layers["village"].to_crs(options["metric_crs"])
    points = shapely.points(xy)
    which = np.full(n, -1)
    for i, geom in enumerate(villages.geometry.to_numpy()):
        which[shapely.contains(geom, points) & (which < 0)] = i
    if (which < 0).any():  # cannot happen: every zone lies inside the villages
        raise RuntimeError("a demo household fell outside every village")
    lonlat = gpd.GeoSeries(points, crs=options["metric_crs"]).to_crs("EPSG:4326")
    return Placed(
        area_class=area_class,
        latitude=lonlat.y.to_numpy(),
        longitude=lonlat.x.to_numpy(),
        village_code=villages["code"].to_numpy(dtype=object)[which],
        village_name=villages["name"].to_numpy(dtype=object)[which],
        x=xy[:, 0],
        y=xy[:, 1],
    )
