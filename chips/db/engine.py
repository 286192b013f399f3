"""One way to open the database, with the settings each backend needs."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc
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

# A pooled PostgreSQL connection idle longer than this is pinged before use.
PING_AFTER_IDLE_S = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has sat idle a while.

    ``pool_pre_ping`` pings at every check-out: one more round trip for each OpenRosa
    request, whose connection was usually used a few milliseconds before. A connection
    that has been idle (PostgreSQL restarted, a firewall dropped it overnight) is pinged;
    a dead one is replaced before the request sees it, by raising DisconnectionError from
    the check-out, as SQLAlchemy documents for custom pessimistic checks ("Dealing with
    Disconnects"). A server that dies within the last few seconds fails one statement; the
    pool is then invalidated, and an OpenRosa client retries (a phone keeps a submission
    until it is answered 201)."""

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_conn, record):  # pragma: no cover - exercised by every PG test
        record.info["chips_idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_conn, record, _proxy):  # pragma: no cover
        since = record.info.get("chips_idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_conn)   # what pool_pre_ping runs (outside a transaction)
        except Exception as err:  # noqa: BLE001 - any failure: a new connection instead
            raise exc.DisconnectionError(f"pooled connection failed its ping: {err}") from err


def reading(conn: Connection) -> Connection:
    """Mark ``conn`` (before its transaction begins) as only reading.

    On SQLite a writing transaction takes the single write lock when it begins; a reading
    one begins DEFERRED and takes none. On PostgreSQL the connection reads in autocommit:
    each statement sees what is committed when it runs, and the BEGIN and ROLLBACK round
    trips around a request's two or three look-ups go (two of the five the OpenRosa
    endpoint made per submission, bench/ingest.py). Nothing that must see one snapshot
    across statements should read through it."""
    if conn.dialect.name == "postgresql":
        return conn.execution_options(**{READ_ONLY: True}, isolation_level="AUTOCOMMIT")
    return conn.execution_options(**{READ_ONLY: True})


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
        engine = create_engine(url)
        _ping_when_idle(engine)
    _ENGINES[url] = engine
    return engine


def dispose_engine(settings_or_url: Any) -> None:
    """Close the pool of one database (tests drop their PostgreSQL database after this)."""
    engine = _ENGINES.pop(_url_of(settings_or_url), None)
    if engine is not None:
        engine.dispose()
