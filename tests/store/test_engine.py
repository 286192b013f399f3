"""chips.db.engine: reading connections, and PostgreSQL connections checked when they have
sat idle instead of at every check-out."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from chips.db import engine as engine_module
from chips.db.engine import make_engine, reading
from tests.support.db import fresh_pg_database, require_pg


@pytest.mark.postgres
def test_a_connection_killed_while_idle_is_replaced_before_use(monkeypatch):
    require_pg()
    with fresh_pg_database() as url:
        engine = make_engine(url)
        with engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        # the server drops it (a restart, a firewall) while it sits in the pool
        import psycopg
        with psycopg.connect(engine.url.set(drivername="postgresql").render_as_string(hide_password=False),
                             autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        monkeypatch.setattr(engine_module, "PING_AFTER_IDLE_S", 0.0)   # everything counts as idle
        for _ in range(3):   # whichever pooled connection comes out, it works
            with engine.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar_one() == 1
                assert conn.execute(text("SELECT pg_backend_pid()")).scalar_one() != pid


@pytest.mark.postgres
def test_a_connection_used_a_moment_ago_is_not_pinged():
    require_pg()
    with fresh_pg_database() as url:
        engine = make_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        statements = []
        from sqlalchemy import event

        @event.listens_for(engine, "before_cursor_execute")
        def _seen(conn, cursor, statement, *args):
            statements.append(statement)

        raw_before = []
        with engine.connect() as conn:
            raw_before.append(conn.connection.driver_connection.pgconn.transaction_status)
            conn.execute(text("SELECT 2"))
        assert statements == ["SELECT 2"]
        assert raw_before[0] == 0   # handed out idle, not inside a transaction a ping began


def test_a_reading_connection_sees_what_is_committed(db_url):
    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    with reading(engine.connect()) as reader:
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
        reader.rollback()
        with engine.begin() as writer:   # on SQLite a reader takes no write lock
            writer.execute(text("INSERT INTO t VALUES (1)"))
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
        if reader.dialect.name == "postgresql":
            # autocommit: no transaction left open between the look-ups
            assert reader.connection.driver_connection.pgconn.transaction_status == 0
