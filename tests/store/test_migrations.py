"""The migrations build exactly the tables chips/db/schema.py declares, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import MetaData, inspect, text

from chips.db import schema
from chips.db.engine import make_engine
from chips.db.migrate import alembic_config, current_heads, upgrade

CORE = {t.name for t in (schema.submissions, schema.attachments, schema.xforms, schema.users, *schema.PROJECTION_TABLES)}


def test_upgrade_creates_the_core_schema_without_drift(db_url):
    engine = upgrade(db_url)
    script = ScriptDirectory.from_config(alembic_config())
    assert current_heads(db_url) == set(script.get_heads())
    assert CORE <= set(inspect(engine).get_table_names())
    core = MetaData(naming_convention=schema.metadata.naming_convention)
    for table in schema.metadata.sorted_tables:
        if table.name in CORE:
            table.to_metadata(core)
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = [d for d in compare_metadata(ctx, core) if _table_of(d) in CORE]
    assert diff == []


def _table_of(diff) -> str:
    op = diff[0] if isinstance(diff, list) else diff
    kind = op[0]
    if kind in ("add_table", "remove_table"):
        return op[1].name
    if kind in ("add_column", "remove_column") or kind.startswith("modify_"):
        return op[2]
    return op[1].table.name  # indexes, constraints, foreign keys


def test_upgrade_is_idempotent_and_sqlite_is_durable(db_url):
    upgrade(db_url)
    upgrade(db_url)
    engine = make_engine(db_url)
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
