"""What every reader of the map data needs, current: households with classes, and layers.

Refreshes the stale classifications first (in its own transaction, so a reader never
sees half of them), then reads.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
from sqlalchemy import Engine, inspect

from maps.households import load_households
from maps.refresh import refresh_household_areas
from maps.store import load_layers


class NotMigrated(RuntimeError):
    """The database has no map tables yet."""


def ensure_tables(engine: Engine) -> None:
    names = set(inspect(engine).get_table_names())
    missing = {"households", "area_layers", "household_areas"} - names
    if missing:
        raise NotMigrated(
            f"the database has no {', '.join(sorted(missing))} table: run `chips db upgrade` first"
        )


def snapshot(engine: Engine, settings: Any) -> tuple[gpd.GeoDataFrame, dict[str, gpd.GeoDataFrame], dict[str, int]]:
    ensure_tables(engine)
    with engine.begin() as conn:
        counts = refresh_household_areas(conn, settings)
    with engine.connect() as conn:
        return load_households(conn), load_layers(conn), counts
