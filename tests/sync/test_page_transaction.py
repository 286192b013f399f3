"""A pulled page commits with SQLite's synchronous=NORMAL, and the pooled connection goes
back to FULL afterwards, whether the page was stored or failed (sync.runner.page_transaction)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from chips.db.engine import make_engine
from sync.runner import page_transaction

NORMAL, FULL = 1, 2


def _level(conn) -> int:
    return conn.exec_driver_sql("PRAGMA synchronous").scalar_one()


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'chips.sqlite'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield engine
    engine.dispose()


def test_a_page_commits_relaxed_and_the_connection_returns_to_full(engine):
    with page_transaction(engine) as conn:
        assert _level(conn) == NORMAL
        conn.execute(text("INSERT INTO t VALUES (1)"))
        page_connection = conn.connection.driver_connection
    with engine.connect() as conn:
        assert conn.connection.driver_connection is page_connection  # the pool gave it back
        assert _level(conn) == FULL
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 1


def test_a_failed_page_is_rolled_back_and_leaves_the_connection_full(engine):
    with pytest.raises(RuntimeError):
        with page_transaction(engine) as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            raise RuntimeError("the page could not be stored")
    with engine.connect() as conn:
        assert _level(conn) == FULL
        assert conn.execute(text("SELECT count(*) FROM t")).scalar_one() == 0

