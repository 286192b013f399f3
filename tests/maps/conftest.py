"""Fixtures of the map tests: the sample layers, a migrated database with households."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from sqlalchemy import Engine, insert

from chips.db.migrate import upgrade
from chips.db.schema import households, submissions
from chips.settings import Settings, load_settings
from maps.layers import read_layer
from maps.store import SAMPLE_DIR, SAMPLE_LAYERS

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "maps"


@pytest.fixture
def chromium() -> str:
    """Chromium's path; skipped without it, except under CI=true where that is a failure."""
    import os

    from tests.maps.browser import chromium_path

    path = chromium_path()
    if path is None:
        reason = "Chromium missing: scripts/ensure-runtime.sh --tests installs it (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    return path


@pytest.fixture(scope="session")
def sample_layers() -> dict[str, gpd.GeoDataFrame]:
    out = {}
    for kind, filename, options in SAMPLE_LAYERS:
        frame = read_layer(SAMPLE_DIR / filename, kind, **options)
        frame["layer"] = f"sempu-{kind}"
        out[kind] = frame
    return out


@dataclass
class MapDb:
    settings: Settings
    engine: Engine


@pytest.fixture
def map_db(db_url, tmp_path) -> MapDb:
    settings = load_settings(environ={}, instance_dir=tmp_path / "instance", database_url=db_url)
    return MapDb(settings, upgrade(settings))


def insert_households(conn, points: pd.DataFrame, **columns) -> None:
    """Household rows as the projection would leave them (one placeholder submission)."""
    sub_id = conn.execute(
        insert(submissions).values(
            instance_id=f"uuid:test-{len(points)}-{id(points)}",
            logical_id=f"uuid:test-{len(points)}-{id(points)}",
            form_id="household_registration",
            form_version="test",
            source="test",
            received_at=datetime(2026, 1, 1),
            raw=b"<data/>",
            raw_format="xml",
            raw_sha256="0" * 64,
            state="current",
            status="projected",
        )
    ).inserted_primary_key[0]
    rows = []
    for i, row in enumerate(points.itertuples(index=False)):
        rows.append(
            {
                "uuid": row.uuid,
                "latitude": None if pd.isna(row.latitude) else float(row.latitude),
                "longitude": None if pd.isna(row.longitude) else float(row.longitude),
                "accuracy": None if pd.isna(row.accuracy) else float(row.accuracy),
                "head_name": getattr(row, "head_name", f"Kepala {i}"),
                "phone": getattr(row, "phone", f"0812{i:08d}"),
                "village_name": getattr(row, "village_name", None),
                "dusun": "Krajan",
                "rt": "01",
                "rw": "02",
                "submission_id": sub_id,
                "logical_id": f"uuid:reg-{row.uuid}",
                **columns,
            }
        )
    conn.execute(insert(households), rows)
