"""The tables of the map package, on the shared ``metadata`` (migration ``0101_areas``).

Geometry is stored as WKB in WGS84 (EPSG:4326) in a plain binary column, so the same
code runs on SQLite and on PostgreSQL without PostGIS; GeoPandas does the spatial work.
``household_areas`` is derived data: it can be dropped and recomputed at any time from
``households`` and the layers, so it has no foreign key to ``households`` (a
reprojection deletes and recreates those rows).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from chips.db.schema import metadata

area_layers = Table(
    "area_layers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("kind", String(20), nullable=False, index=True),  # forest|river|railway|ricefield|village
    Column("source", Text),  # the file it was imported from, for the record
    Column("feature_count", Integer, nullable=False),
    # Bumped on every re-import: classifications made under another version are stale.
    Column("version", Integer, nullable=False, default=1),
    Column("content_sha256", String(64), nullable=False),
    Column("imported_at", DateTime, nullable=False),
)

area_features = Table(
    "area_features",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("layer_id", ForeignKey("area_layers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", Text),
    # river: "large" (catchment > 500 km², 100 m setback) or "small" (50 m); else empty
    Column("size_class", String(10)),
    Column("code", String(40)),  # village: the Kemendagri code
    Column("properties", JSON, nullable=False, default=dict),
    Column("geometry_wkb", LargeBinary, nullable=False),  # EPSG:4326
)

household_areas = Table(
    "household_areas",
    metadata,
    Column("household_uuid", String(64), primary_key=True),
    # ok | no_point | low_accuracy: the last two are reported, never guessed
    Column("status", String(20), nullable=False),
    Column("area_class", String(20), index=True),  # forest|river|railway|ricefield|settlement
    Column("in_forest", Boolean),
    Column("in_river_setback", Boolean),
    Column("in_railway_corridor", Boolean),
    Column("in_ricefield", Boolean),
    Column("river_distance_m", Float),  # to the nearest river within the search radius
    Column("river_name", Text),
    Column("railway_distance_m", Float),
    Column("village_code", String(40)),  # from the village polygons, not the form
    Column("village_name", Text),
    # what the row was computed from: a changed point or layer set makes it stale
    Column("point_hash", String(16), nullable=False),
    Column("layers_version", String(16), nullable=False),
    Column("classified_at", DateTime, nullable=False),
    Index("ix_household_areas_village", "village_code"),
)
