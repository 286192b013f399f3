"""Fixtures of the web tests: an app over a seeded database, and logged-in clients."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from chips.db.migrate import upgrade
from chips.settings import load_settings
from server.app import create_app
from tests.web.seed import PASSWORD, seed

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_token(client, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    match = CSRF.search(page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def login(client, name: str, password: str = PASSWORD):
    token = csrf_token(client)
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token})


def make_web(db_url: str, tmp_path):
    settings = load_settings(environ={}, instance_dir=tmp_path, database_url=db_url)
    engine = upgrade(settings)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with engine.begin() as conn:
        s = seed(conn, now)
    app = create_app(settings)
    app.config["CHIPS_NOW"] = now  # the seed's figures are worked out at this instant
    app.config["TESTING"] = True
    return app, s


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    """One seeded SQLite app per test module (the role matrix makes many requests)."""
    from chips.db.engine import dispose_engine

    tmp = tmp_path_factory.mktemp("web")
    url = f"sqlite:///{tmp / 'chips.sqlite'}"
    app, s = make_web(url, tmp)
    yield app, s
    dispose_engine(url)


@pytest.fixture
def client_for(web):
    app, _ = web

    def make(role_user: str | None):
        client = app.test_client()
        if role_user:
            response = login(client, role_user)
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return make
