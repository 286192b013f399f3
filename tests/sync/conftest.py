"""Fixtures of the sync tests: the fake servers on loopback, settings naming them as
sources, and a migrated store that knows the forms."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.fakes.central import FakeCentral
from tests.fakes.kobo import FakeKobo
from tests.fakes.server import ThreadedServer
from tests.fakes.xforms import built_forms

PASSWORD_ENV = {"CHIPS_SOURCE_C_PASSWORD": "rahasia", "CHIPS_SOURCE_K_TOKEN": "kobo-token-123"}
REG = "household_registration"


@pytest.fixture(scope="session")
def forms() -> dict[str, bytes]:
    return built_forms()


@pytest.fixture
def central(forms):
    fake = FakeCentral()
    fake.add_form(forms[REG])
    with ThreadedServer(fake.app) as server:
        fake.url = server.url
        yield fake


@pytest.fixture
def kobo(forms):
    fake = FakeKobo()
    fake.uid = fake.add_asset(forms[REG], uid="aRegSempu01")
    with ThreadedServer(fake.app) as server:
        fake.url = server.url
        yield fake


def write_config(instance: Path, central_url: str | None = None, kobo_url: str | None = None,
                 kobo_assets: dict | None = None, extra: str = "", page_size: int = 500) -> Path:
    lines = []
    if central_url:
        lines += ["[sources.c]", 'type = "central"', f'url = "{central_url}"', "project = 1",
                  'email = "sync@example.org"', f"page_size = {page_size}", "timeout = 1.0",
                  "backoff = 0.01", "retries = 5", ""]
    if kobo_url:
        lines += ["[sources.k]", 'type = "kobo"', f'url = "{kobo_url}"', f"page_size = {page_size}",
                  "timeout = 1.0", "backoff = 0.01", "retries = 5",
                  "assets = { " + ", ".join(f'{u} = "{f}"' for u, f in (kobo_assets or {}).items()) + " }", ""]
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / "chips.toml"
    path.write_text("\n".join(lines) + extra)
    return path


def make_settings(instance: Path, db_url: str):
    from chips.settings import load_settings
    return load_settings(environ={}, instance_dir=instance, database_url=db_url)


def prepare_store(settings, forms: dict[str, bytes]):
    """A migrated database in which every built form is published (so nothing is unknown)."""
    from chips import formdefs
    from chips.db.engine import make_engine
    from chips.db.migrate import upgrade

    engine = upgrade(make_engine(settings))
    with engine.begin() as conn:
        formdefs.publish(conn, list(forms.values()))
    return engine


@pytest.fixture
def store(tmp_path, forms):
    """(settings factory, engine) on SQLite under tmp_path."""
    url = f"sqlite:///{tmp_path / 'chips.sqlite'}"
    yield url
    from chips.db.engine import dispose_engine
    dispose_engine(url)
