"""The store fixtures of tests/store (a migrated database with the forms published), for the
tests here that go through the ingest path."""

from tests.store.conftest import built_forms, store  # noqa: F401 - pytest finds fixtures by name
