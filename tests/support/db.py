"""Test databases: a fresh SQLite file or a fresh PostgreSQL database per test.

Every PostgreSQL test gets its own database ``chips_t_<random>`` on 127.0.0.1:5432 (user
postgres), dropped afterwards, so engineers and CI jobs running at once never collide.
When no PostgreSQL answers, the test is skipped saying why — except under ``CI=true``,
where a missing database is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import Engine, MetaData, create_engine, select, text

PG_HOST = os.environ.get("CHIPS_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("CHIPS_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("CHIPS_TEST_PG_USER", "postgres")


def _admin_url() -> str:
    return f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"


def pg_unreachable_reason() -> str | None:
    """None when PostgreSQL answers, else why not."""
    engine = create_engine(_admin_url(), connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("select 1"))
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable here"
        return f"PostgreSQL at {PG_HOST}:{PG_PORT} unreachable: {type(exc).__name__}: {str(exc).splitlines()[0]}"
    finally:
        engine.dispose()


def require_pg() -> None:
    reason = pg_unreachable_reason()
    if reason is None:
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: PostgreSQL tests must run)")
    pytest.skip(reason)


@contextmanager
def fresh_pg_database() -> Iterator[str]:
    """Create ``chips_t_<random>``; yield its URL; drop it (closing any leftover session)."""
    name = f"chips_t_{secrets.token_hex(6)}"
    admin = create_engine(_admin_url(), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        from chips.db.engine import dispose_engine

        dispose_engine(f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def dump_tables(engine: Engine, table_names: list[str], *, skip_columns: set[str] = frozenset({"id"})) -> dict:
    """Every row of each table, as sorted tuples without the surrogate ``id``: two dumps are
    equal when the tables hold the same facts, whatever order rows were inserted in."""
    meta = MetaData()
    meta.reflect(bind=engine, only=table_names)
    dump = {}
    with engine.connect() as conn:
        for name in table_names:
            table = meta.tables[name]
            cols = [c for c in table.columns if c.name not in skip_columns]
            rows = conn.execute(select(*cols)).all()
            dump[name] = sorted((tuple(repr(v) for v in row) for row in rows))
    return dump
