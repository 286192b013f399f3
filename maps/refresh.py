"""Keep ``household_areas`` current: classify only what changed.

A stored row is stale when its household's point (latitude, longitude, accuracy) hashes
differently now, or when the layers or the ``[areas]`` settings changed since
(``layers_version``). Called by every reader (map, exports, ``chips areas classify``)
before it reads, so a new or moved household and a re-imported layer show up at once;
its cost grows with what changed, not with the number of households.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, delete, insert, select

from maps.classify import area_options, classify, options_fingerprint, point_hashes
from maps.households import load_points
from maps.store import layer_count, layers_version, load_layers
from maps.tables import household_areas

CHUNK = 500  # ids per DELETE … IN (…): below SQLite's variable limit


def current_version(conn: Connection, options: dict[str, Any]) -> str:
    return (layers_version(conn)[:8] + options_fingerprint(options)[:8])


def refresh_household_areas(conn: Connection, settings: Any = None, *, force: bool = False) -> dict[str, int]:
    """Reclassify stale households; returns counts (classified, unchanged, removed, …)."""
    options = area_options(settings)
    counts = {"classified": 0, "unchanged": 0, "removed": 0, "no_point": 0, "low_accuracy": 0, "layers": layer_count(conn)}
    if counts["layers"] == 0:
        return counts
    version = current_version(conn, options)
    points = load_points(conn)
    points["point_hash"] = point_hashes(points) if len(points) else []
    stored = pd.DataFrame(
        conn.execute(select(household_areas.c.household_uuid, household_areas.c.point_hash, household_areas.c.layers_version)).all(),
        columns=["uuid", "stored_hash", "stored_version"],
    )
    merged = points.merge(stored, on="uuid", how="left")
    stale = force | merged["stored_hash"].ne(merged["point_hash"]) | merged["stored_version"].ne(version)
    gone = stored.loc[~stored["uuid"].isin(points["uuid"]), "uuid"]
    counts["removed"] = len(gone)
    counts["unchanged"] = int((~stale).sum())

    todo = merged.loc[stale.to_numpy()]
    drop = np.concatenate([gone.to_numpy(), todo.loc[todo["stored_hash"].notna(), "uuid"].to_numpy()])
    if len(drop) == len(stored) and len(stored):
        conn.execute(delete(household_areas))
    else:
        for start in range(0, len(drop), CHUNK):
            conn.execute(delete(household_areas).where(household_areas.c.household_uuid.in_(list(drop[start : start + CHUNK]))))
    if todo.empty:
        return counts

    result = classify(todo[["uuid", "latitude", "longitude", "accuracy"]], load_layers(conn), options)
    result["point_hash"] = todo["point_hash"].to_numpy()
    result["layers_version"] = version
    result["classified_at"] = datetime.now(timezone.utc).replace(tzinfo=None)
    conn.execute(insert(household_areas), _records(result))
    counts["classified"] = len(result)
    counts["no_point"] = int((result["status"] == "no_point").sum())
    counts["low_accuracy"] = int((result["status"] == "low_accuracy").sum())
    return counts


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows with NULL for NaN and plain Python values (psycopg cannot adapt numpy.bool_).

    The drivers bind row by row anyway, so building the dicts costs less than the insert.
    """
    columns = {}
    for name in frame.columns:
        values = frame[name].to_numpy(dtype=object)
        missing = pd.isna(values)
        columns[name] = [None if gone else (v.item() if isinstance(v, np.generic) else v) for v, gone in zip(values, missing)]
    return [dict(zip(columns, row)) for row in zip(*columns.values())]


def unplaced(conn: Connection) -> pd.DataFrame:
    """Households that could not be placed (no point, or accuracy worse than the limit)."""
    from chips.db.schema import households

    rows = conn.execute(
        select(
            households.c.uuid,
            households.c.village_name,
            households.c.dusun,
            households.c.latitude,
            households.c.longitude,
            households.c.accuracy,
            household_areas.c.status,
        )
        .join(household_areas, household_areas.c.household_uuid == households.c.uuid)
        .where(household_areas.c.status != "ok")
        .order_by(households.c.village_name, households.c.uuid)
    )
    return pd.DataFrame(rows.all(), columns=list(rows.keys()))
