"""Counts and rates per village and per hexagon: the view that can be shared without
exact household points.

Hexagons are computed in UTM 50S (metres) with axial coordinates and cube rounding
(the construction in Red Blob Games, "Hexagonal Grids", redblobgames.com/grids/hexagons),
all in numpy, so 100,000 households are binned in milliseconds. A cell or village with
fewer households than ``min_count`` keeps only "fewer than N": small counts can point
at a single family.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from maps.classify import CLASSES
from maps.households import STATUSES

METRIC = "EPSG:32750"
SQRT3 = np.sqrt(3.0)


def hex_index(x: np.ndarray, y: np.ndarray, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial (q, r) of the pointy-top hexagon of circumradius ``size`` holding each point."""
    qf = (SQRT3 / 3 * x - y / 3) / size
    rf = (2 / 3 * y) / size
    sf = -qf - rf
    q, r, s = np.round(qf), np.round(rf), np.round(sf)
    dq, dr, ds = np.abs(q - qf), np.abs(r - rf), np.abs(s - sf)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    q = np.where(fix_q, -r - s, q)
    r = np.where(fix_r, -q - s, r)
    return q.astype(np.int64), r.astype(np.int64)


def hex_polygons(q: np.ndarray, r: np.ndarray, size: float) -> np.ndarray:
    cx = size * SQRT3 * (q + r / 2)
    cy = size * 1.5 * r
    angles = np.radians(60 * np.arange(7) - 30)  # 7: the ring closes on itself
    xs = cx[:, None] + size * np.cos(angles)[None, :]
    ys = cy[:, None] + size * np.sin(angles)[None, :]
    return shapely.polygons(np.stack([xs, ys], axis=-1))


def _counts(frame: pd.DataFrame, key: pd.Series) -> pd.DataFrame:
    parts = {"households": frame.groupby(key).size()}
    classes = frame["area_class"].fillna("unclassified")
    for cls in (*CLASSES, "unclassified"):
        parts[f"n_{cls}"] = (classes == cls).groupby(key).sum()
    for status in STATUSES:
        parts[f"n_{status}"] = frame[status].astype(bool).groupby(key).sum()
    return pd.DataFrame(parts).fillna(0).astype(int)


def _suppress(table: pd.DataFrame, min_count: int) -> pd.DataFrame:
    table = table.copy()
    small = table["households"] < min_count
    table["suppressed"] = small
    detail = [c for c in table.columns if c.startswith("n_")] + ["households"]
    table[detail] = table[detail].astype(object)
    table.loc[small, detail] = None
    return table


def by_hexagon(placed: pd.DataFrame, size_m: float, min_count: int) -> gpd.GeoDataFrame:
    """Hexagon cells (WGS84) with the counts of the households placed in them."""
    if placed.empty:
        return gpd.GeoDataFrame(columns=["households", "geometry"], geometry="geometry", crs="EPSG:4326")
    to_metric = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)
    x, y = to_metric.transform(placed["longitude"].to_numpy(dtype=float), placed["latitude"].to_numpy(dtype=float))
    q, r = hex_index(np.asarray(x), np.asarray(y), size_m)
    key = pd.Series(q * 1_000_003 + r, index=placed.index)  # one integer per cell
    table = _counts(placed, key)
    first = pd.DataFrame({"key": key, "q": q, "r": r}).drop_duplicates("key").set_index("key").loc[table.index]
    cells = gpd.GeoDataFrame(
        _suppress(table, min_count).reset_index(drop=True),
        geometry=hex_polygons(first["q"].to_numpy(), first["r"].to_numpy(), size_m),
        crs=METRIC,
    )
    return cells.to_crs("EPSG:4326")


def by_village(frame: pd.DataFrame, villages: gpd.GeoDataFrame | None, min_count: int) -> gpd.GeoDataFrame:
    """Village polygons with the counts of the households classified into each."""
    if villages is None or villages.empty:
        return gpd.GeoDataFrame(columns=["name", "households", "geometry"], geometry="geometry", crs="EPSG:4326")
    placed = frame[frame["area_village_name"].notna()]
    table = _counts(placed, placed["area_village_name"])
    shapes = villages[["name", "code", "geometry"]].dissolve(by="name", as_index=False, aggfunc="first")
    merged = shapes.merge(table, left_on="name", right_index=True, how="left")
    count_cols = [c for c in table.columns]
    merged[count_cols] = merged[count_cols].fillna(0).astype(int)
    out = _suppress(merged.drop(columns="geometry"), min_count)
    return gpd.GeoDataFrame(out, geometry=merged.geometry.to_numpy(), crs=villages.crs or "EPSG:4326")


def summary(frame: pd.DataFrame) -> dict[str, Any]:
    classes = frame["area_class"].fillna("unclassified").value_counts().to_dict()
    return {"households": len(frame), "classes": {k: int(v) for k, v in classes.items()}}
