"""Area layers in the database: save, list, load, delete, and the bundled Sempu sample.

A layer is a named set of features of one kind. Importing a file under a name that
exists replaces that layer's features and bumps its ``version``; :func:`layers_version`
changes with it, which makes every stored household classification stale.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely
from sqlalchemy import Connection, delete, func, insert, select, update

from maps.layers import read_layer
from maps.tables import area_features, area_layers

SAMPLE_DIR = Path(__file__).resolve().parent / "data" / "sempu"
# kind, file, options: the approximate Sempu set (see maps/data/sempu/README.md)
SAMPLE_LAYERS = (
    ("village", "villages.geojson", {}),
    ("forest", "forest.geojson", {}),
    ("river", "rivers.geojson", {}),
    ("railway", "railway.geojson", {}),
    ("ricefield", "ricefields.geojson", {}),
)


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _content_hash(frame: gpd.GeoDataFrame) -> str:
    digest = hashlib.sha256()
    for wkb in shapely.to_wkb(frame.geometry.to_numpy(), hex=False):
        digest.update(wkb)
    for column in ("name", "size_class", "code"):
        digest.update(repr(list(frame[column])).encode())
    return digest.hexdigest()


def save_layer(conn: Connection, frame: gpd.GeoDataFrame, *, kind: str, name: str, source: str = "") -> dict[str, Any]:
    """Store a normalised layer (see :func:`maps.layers.normalise`) under ``name``."""
    sha = _content_hash(frame)
    row = conn.execute(select(area_layers).where(area_layers.c.name == name)).mappings().first()
    values = dict(kind=kind, source=source, feature_count=len(frame), content_sha256=sha, imported_at=_now())
    if row is None:
        layer_id = conn.execute(insert(area_layers).values(name=name, version=1, **values)).inserted_primary_key[0]
        version = 1
    else:
        layer_id, version = row["id"], row["version"] + 1
        conn.execute(delete(area_features).where(area_features.c.layer_id == layer_id))
        conn.execute(update(area_layers).where(area_layers.c.id == layer_id).values(version=version, **values))
    wkbs = shapely.to_wkb(frame.geometry.to_numpy(), hex=False)
    conn.execute(
        insert(area_features),
        [
            {
                "layer_id": layer_id,
                "name": name_,
                "size_class": size,
                "code": code,
                "properties": props,
                "geometry_wkb": wkb,
            }
            for name_, size, code, props, wkb in zip(frame["name"], frame["size_class"], frame["code"], frame["properties"], wkbs)
        ],
    )
    return {"id": layer_id, "name": name, "kind": kind, "features": len(frame), "version": version}


def import_file(conn: Connection, path: str | Path, *, kind: str, name: str | None = None, **options: Any) -> dict[str, Any]:
    path = Path(path)
    frame = read_layer(path, kind, **options)
    base = path.name.split(".")[0]
    return save_layer(conn, frame, kind=kind, name=name or f"{kind}:{base}", source=str(path))


def import_sample(conn: Connection) -> list[dict[str, Any]]:
    """Load the approximate Sempu layer set (names ``sempu-<kind>``)."""
    return [
        import_file(conn, SAMPLE_DIR / filename, kind=kind, name=f"sempu-{kind}", **options)
        for kind, filename, options in SAMPLE_LAYERS
    ]


def list_layers(conn: Connection) -> list[dict[str, Any]]:
    rows = conn.execute(select(area_layers).order_by(area_layers.c.kind, area_layers.c.name)).mappings()
    return [dict(r) for r in rows]


def delete_layer(conn: Connection, name: str) -> bool:
    layer_id = conn.execute(select(area_layers.c.id).where(area_layers.c.name == name)).scalar()
    if layer_id is None:
        return False
    conn.execute(delete(area_features).where(area_features.c.layer_id == layer_id))
    conn.execute(delete(area_layers).where(area_layers.c.id == layer_id))
    return True


def load_layers(conn: Connection) -> dict[str, gpd.GeoDataFrame]:
    """Every stored feature, as one WGS84 GeoDataFrame per kind."""
    rows = conn.execute(
        select(
            area_layers.c.kind,
            area_layers.c.name.label("layer"),
            area_features.c.name,
            area_features.c.size_class,
            area_features.c.code,
            area_features.c.geometry_wkb,
        )
        .join(area_layers, area_layers.c.id == area_features.c.layer_id)
        .order_by(area_layers.c.kind, area_layers.c.name, area_features.c.id)
    ).all()
    if not rows:
        return {}
    frame = gpd.GeoDataFrame(
        [r[:5] for r in rows],
        columns=["kind", "layer", "name", "size_class", "code"],
        geometry=shapely.from_wkb([r[5] for r in rows]),
        crs="EPSG:4326",
    )
    return {kind: part.drop(columns="kind").reset_index(drop=True) for kind, part in frame.groupby("kind")}


def layers_version(conn: Connection) -> str:
    """Changes whenever any layer is imported again, added or deleted."""
    rows = conn.execute(
        select(area_layers.c.id, area_layers.c.version, area_layers.c.content_sha256).order_by(area_layers.c.id)
    ).all()
    return hashlib.sha256(repr([tuple(r) for r in rows]).encode()).hexdigest()[:16]


def layer_count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(area_layers)).scalar_one()
