"""Households with their area classes as GeoJSON, GeoPackage or CSV.

The anonymised variant is for sharing outside the puskesmas: no household id, name,
phone, NIK (none is stored in ``households``; nothing named like it is written either),
address, dusun or RT/RW, and coordinates rounded to ``[map] anonymised_decimals``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from maps.households import STATUSES, has_place

FORMATS = {"geojson": "GeoJSON", "gpkg": "GPKG", "csv": None}

COLUMNS = [
    "uuid",
    "head_name",
    "phone",
    "village_code",
    "village_name",
    "dusun",
    "rt",
    "rw",
    "poverty_status",
    "area_status",
    "area_class",
    "area_village_code",
    "area_village_name",
    "in_forest",
    "in_river_setback",
    "in_railway_corridor",
    "in_ricefield",
    "river_distance_m",
    "river_name",
    "railway_distance_m",
    *STATUSES,
    "days_since_visit",
    "latitude",
    "longitude",
    "accuracy",
]
PERSONAL = {"uuid", "head_name", "phone", "dusun", "rt", "rw", "address", "nik", "accuracy"}


def export_frame(frame: pd.DataFrame, *, anonymised: bool, decimals: int) -> gpd.GeoDataFrame:
    columns = [c for c in COLUMNS if c in frame.columns and not (anonymised and c in PERSONAL)]
    out = frame[columns].copy()
    placed = has_place(frame).to_numpy()
    lat = pd.to_numeric(frame["latitude"], errors="coerce")
    lon = pd.to_numeric(frame["longitude"], errors="coerce")
    if anonymised:
        lat, lon = lat.round(decimals), lon.round(decimals)
        # a household that could not be placed keeps no coordinates in the shared file
        lat, lon = lat.where(placed), lon.where(placed)
        out["latitude"], out["longitude"] = lat, lon
        out = out.sort_values(["area_village_name", "area_class"], na_position="last").reset_index(drop=True)
        lat, lon = out["latitude"], out["longitude"]
        placed = out["latitude"].notna().to_numpy()
    for column in ("in_forest", "in_river_setback", "in_railway_corridor", "in_ricefield", *STATUSES):
        if column in out:
            # 1/0, empty when unknown: every format and every reader agrees on that
            out[column] = pd.array([None if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) else int(bool(v)) for v in out[column]], dtype="Int8")
    for column in ("river_distance_m", "railway_distance_m"):
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce").round(1)  # GPS is not finer
    for column in ("days_since_visit",):
        if column in out:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype("Int64")
    geometry = gpd.points_from_xy(lon.where(placed), lat.where(placed), crs="EPSG:4326")
    result = gpd.GeoDataFrame(out, geometry=geometry, crs="EPSG:4326")
    result.loc[~placed, "geometry"] = None
    return result


def write_export(frame: pd.DataFrame, path: str | Path, fmt: str, *, anonymised: bool = False, decimals: int = 3) -> dict[str, Any]:
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    out = export_frame(frame, anonymised=anonymised, decimals=decimals)
    if fmt == "csv":
        out.drop(columns="geometry").to_csv(path, index=False)
    else:
        path.unlink(missing_ok=True)
        out.to_file(path, driver=FORMATS[fmt], layer="households" if fmt == "gpkg" else None, engine="pyogrio")
    return {"path": str(path), "rows": len(out), "placed": int(out.geometry.notna().sum()), "format": fmt, "anonymised": anonymised}
