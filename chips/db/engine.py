"""One way to open the database, with the settings each backend needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url

# Per URL, so the app, the commands and the tests share one pool per database.
_ENGINES: dict[str, Engine] = {}


def _url_of(settings_or_url: Any) -> str:
    return settings_or_url if isinstance(settings_or_url, str) else settings_or_url.database_url


def _sqlite_setup(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
        # Take transaction control away from the sqlite3 module (it would not issue
        # BEGIN before SAVEPOINT) and start each transaction ourselves, below.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        # FULL: a committed submission survives a power cut, so a 201 is a promise kept.
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # pragma: no cover
        # IMMEDIATE takes the write lock at the start: two ingests never deadlock on a
        # read-then-write lock upgrade. A connection marked read-only (``reading``) begins
        # DEFERRED instead, so its reads never wait behind a writer (WAL gives them a snapshot).
        if conn.get_execution_options().get(READ_ONLY):
            conn.exec_driver_sql("BEGIN")
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


READ_ONLY = "chips_read_only"


def reading(conn: Connection, read_only: bool = True) -> Connection:
    """Mark ``conn`` (before its transaction begins) as only reading, or writing again.

    On SQLite a writing transaction takes the single write lock when it begins; a reading
    one does not. PostgreSQL ignores the mark."""
    return conn.execution_options(**{READ_ONLY: read_only})


def make_engine(settings_or_url: Any) -> Engine:
    """The engine for ``settings.database_url`` (or a URL), created once per URL."""
    url = _url_of(settings_or_url)
    engine = _ENGINES.get(url)
    if engine is not None:
        return engine
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            from pathlib import Path

            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})
        _sqlite_setup(engine)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    _ENGINES[url] = engine
    return engine


def dispose_engine(settings_or_url: Any) -> None:
    """Close the pool of one database (tests drop their PostgreSQL database after this)."""
    engine = _ENGINES.pop(_url_of(settings_or_url), None)
    if engine is not None:
        engine.dispose()
