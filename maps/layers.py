"""Reading an area layer from any vector file GeoPandas reads, into one normal shape.

The normal shape is a GeoDataFrame in WGS84 with the columns ``name``, ``size_class``
(rivers: ``large``/``small``), ``code`` (villages) and ``properties`` (the other
attributes, JSON-able), ready for :mod:`maps.store`. GeoPackage, GeoJSON, Shapefile and
OpenStreetMap extracts (``.osm.pbf``/``.osm``, through GDAL's OSM driver) are read the
same way; for OSM the right GDAL layer and tags are chosen by kind.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from maps.classify import LAYER_KINDS

POLYGON_KINDS = {"forest", "ricefield", "village"}
LINE_KINDS = {"river", "railway"}

# Which attribute holds a feature's name / village code in common sources: OSM and our
# samples (name), Indonesian RBI shapefiles (NAMOBJ), BIG/Kemendagri boundaries (WADMKD,
# KDEPUM), cahyadsn/wilayah_boundaries (nama, kode).
NAME_FIELDS = ("name", "nama", "NAMOBJ", "WADMKD", "NAME", "Name", "desa", "DESA")
CODE_FIELDS = ("code", "kode", "KDEPUM", "kode_desa", "KODE", "kd_desa")

# A large river has a catchment over 500 km² (Permen PUPR 28/2015); a source may say so
# with one of these attributes.
LARGE_RIVER_KM2 = 500.0

# OSM: the GDAL layer and the tag filter (an OGR SQL WHERE) for each kind.
# https://gdal.org/drivers/vector/osm.html (layers points/lines/multilinestrings/
# multipolygons/other_relations; other tags land in the hstore-like other_tags).
OSM_QUERIES: dict[str, tuple[str, str]] = {
    "river": ("lines", "waterway IN ('river', 'stream', 'canal')"),
    "railway": ("lines", "railway IN ('rail', 'narrow_gauge', 'light_rail')"),
    "forest": ("multipolygons", "landuse = 'forest' OR \"natural\" = 'wood'"),
    "ricefield": (
        "multipolygons",
        "landuse IN ('paddy', 'rice') OR (landuse = 'farmland' AND other_tags LIKE '%\"crop\"=>\"rice%')",
    ),
    "village": ("multipolygons", "boundary = 'administrative' AND admin_level = '7'"),
}


class LayerError(ValueError):
    """The file cannot be used as a layer of this kind; the message says why."""


def is_osm(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith((".osm.pbf", ".pbf", ".osm"))


def read_frame(path: Path, kind: str, layer: str | None = None, where: str | None = None) -> gpd.GeoDataFrame:
    if not path.exists():
        raise LayerError(f"{path}: no such file")
    try:
        if is_osm(path):
            osm_layer, osm_where = OSM_QUERIES[kind]
            clause = f"({osm_where}) AND ({where})" if where else osm_where
            return gpd.read_file(path, layer=layer or osm_layer, where=clause, engine="pyogrio")
        return gpd.read_file(path, layer=layer, where=where, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, pyogrio.errors.FieldError) as exc:
        raise LayerError(f"{path}: {exc}") from None


def _first_column(frame: pd.DataFrame, preferred: str | None, candidates: tuple[str, ...]) -> str | None:
    if preferred:
        if preferred not in frame.columns:
            raise LayerError(f"no attribute {preferred!r}; the file has {', '.join(map(str, frame.columns))}")
        return preferred
    return next((c for c in candidates if c in frame.columns), None)


def _river_sizes(frame: pd.DataFrame, forced: str | None) -> pd.Series:
    if forced:
        return pd.Series(forced, index=frame.index)
    size = pd.Series("small", index=frame.index)
    for column in ("size_class", "river_size", "size"):
        if column in frame.columns:
            given = frame[column].astype(str).str.lower()
            size = size.where(~given.isin(["large", "besar"]), "large")
    for column in ("catchment_km2", "das_km2", "luas_das"):
        if column in frame.columns:
            area = pd.to_numeric(frame[column], errors="coerce")
            size = size.where(~(area > LARGE_RIVER_KM2), "large")
    return size


def _jsonable(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def _text(column: pd.Series) -> np.ndarray:
    return np.where(column.isna(), None, column.astype(str)).astype(object)


def normalise(
    frame: gpd.GeoDataFrame,
    kind: str,
    *,
    name_field: str | None = None,
    code_field: str | None = None,
    river_size: str | None = None,
    source: str = "",
) -> gpd.GeoDataFrame:
    if kind not in LAYER_KINDS:
        raise LayerError(f"unknown kind {kind!r}; use one of {', '.join(LAYER_KINDS)}")
    geoms = frame.geometry.to_numpy()
    frame = frame[~shapely.is_missing(geoms) & ~shapely.is_empty(geoms)].copy()
    if frame.empty:
        raise LayerError(f"{source}: no {kind} features found")
    if frame.crs is None:
        minx, miny, maxx, maxy = frame.total_bounds
        if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
            raise LayerError(f"{source}: the file has no CRS and its coordinates are not degrees")
        frame = frame.set_crs("EPSG:4326")
    frame = frame.to_crs("EPSG:4326")

    types = set(frame.geom_type)
    if kind in POLYGON_KINDS and not types <= {"Polygon", "MultiPolygon"}:
        raise LayerError(f"{source}: a {kind} layer needs polygons, the file has {', '.join(sorted(types))}")
    if kind in LINE_KINDS and not types <= {"LineString", "MultiLineString", "Polygon", "MultiPolygon"}:
        raise LayerError(f"{source}: a {kind} layer needs lines (or areas), the file has {', '.join(sorted(types))}")
    if types & {"Polygon", "MultiPolygon"}:
        # self-touching rings are common in OSM and digitised data; fix rather than reject
        frame["geometry"] = shapely.make_valid(frame.geometry.to_numpy())

    name_col = _first_column(frame, name_field, NAME_FIELDS)
    code_col = _first_column(frame, code_field, CODE_FIELDS) if kind == "village" else None
    attrs = frame.drop(columns=frame.geometry.name)
    properties = [
        {str(k): _jsonable(v) for k, v in row.items()} for row in attrs.to_dict(orient="records")
    ]  # one dict per *feature* of a layer (tens to thousands), not per household
    return gpd.GeoDataFrame(
        {
            "name": _text(attrs[name_col]) if name_col else None,
            "size_class": _river_sizes(attrs, river_size).to_numpy() if kind == "river" else None,
            "code": _text(attrs[code_col]) if code_col else None,
            "properties": properties,
        },
        geometry=frame.geometry.to_numpy(),
        crs="EPSG:4326",
    )


def read_layer(path: str | Path, kind: str, *, layer: str | None = None, where: str | None = None, **options: Any) -> gpd.GeoDataFrame:
    path = Path(path)
    return normalise(read_frame(path, kind, layer, where), kind, source=str(path), **options)
