"""Apply the Alembic migrations: ``upgrade(settings_or_url_or_engine)``.

All packages put their migrations in ``chips/db/migrations/versions``; the core chain is
``0001_core`` and each package branches from it, so we always upgrade to ``heads``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from chips.db.engine import make_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


@lru_cache(maxsize=1)
def _script_heads() -> frozenset[str]:
    """The heads of the migration scripts this code ships (read once per process)."""
    from alembic.script import ScriptDirectory

    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


def upgrade(target: Any, revision: str = "heads") -> Engine:
    """Migrate the database of ``target`` (settings, URL or Engine); returns the engine."""
    engine = target if isinstance(target, Engine) else make_engine(target)
    with engine.begin() as conn:
        if revision == "heads" and _db_heads(conn) == _script_heads():
            # at the heads already: Alembic's own run (its env.py, every script loaded
            # again) was a quarter of an empty scheduled sync (bench/sync.py)
            _after_upgrade(conn)
            return engine
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
        if revision == "heads":
            _after_upgrade(conn)
    return engine


def _after_upgrade(conn) -> None:
    """Work a migration leaves to the application's code: fold the pregnancies queued for
    their SPM tally (migration 0401 queues every existing one; nothing when none is)."""
    from chips.queries.anc_counts import refresh_tallies

    refresh_tallies(conn)


def current_heads(target: Any) -> set[str]:
    """The revisions the database is at (empty before the first upgrade)."""
    engine = target if isinstance(target, Engine) else make_engine(target)
    with engine.connect() as conn:
        return set(_db_heads(conn))


def _db_heads(conn) -> frozenset[str]:
    from alembic.runtime.migration import MigrationContext

    return frozenset(MigrationContext.configure(conn).get_current_heads())
