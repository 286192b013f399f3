"""Fixtures shared by every test package.

``db_url``: one fresh database per test, run once on SQLite (a file under tmp_path) and
once on PostgreSQL (a database of its own, see tests/support/db.py).
"""

from __future__ import annotations

import pytest

from tests.support.db import fresh_pg_database, require_pg


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'chips.sqlite'}"
        yield url
        from chips.db.engine import dispose_engine

        dispose_engine(url)
        return
    require_pg()
    with fresh_pg_database() as url:
        yield url


def pytest_terminal_summary(terminalreporter):
    """The figures of the reliability tests (requests, faults, bad inputs, lost), shown
    even when every test passed (tests/reliability/figures.py)."""
    from tests.reliability.figures import LINES

    if LINES:
        terminalreporter.write_sep("=", "reliability figures")
        for line in LINES:
            terminalreporter.write_line(line)
