"""A migrated database with the forms published, for the tests that go through the ingest
path (tests/support/store.py, as tests/store uses it)."""

from __future__ import annotations

import pytest

from tests.support.store import build_forms, make_store


@pytest.fixture(scope="session")
def built_forms(tmp_path_factory):
    return build_forms(tmp_path_factory.mktemp("forms"))


@pytest.fixture
def store(db_url, tmp_path, built_forms):
    return make_store(db_url, tmp_path / "instance", built_forms)
