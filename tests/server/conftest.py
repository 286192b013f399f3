from dataclasses import dataclass

import pytest

from server import auth
from server.app import create_app
from tests.support.live_server import serving
from tests.support.store import Store, build_forms, make_store

USER, PASSWORD = "tim1", "rahasia-123"
OR = {"X-OpenRosa-Version": "1.0"}


@dataclass
class Running:
    url: str
    store: Store
    token: str


@pytest.fixture(scope="session")
def built_forms(tmp_path_factory):
    return build_forms(tmp_path_factory.mktemp("forms"))


def start(db_url, tmp_path, built_forms, **overrides):
    store = make_store(db_url, tmp_path / "instance", built_forms, **overrides)
    with store.engine.begin() as conn:
        auth.add_user(conn, USER, "team", PASSWORD)
        token = auth.issue_token(conn, USER)
    return store, token


@pytest.fixture
def server(db_url, tmp_path, built_forms):
    store, token = start(db_url, tmp_path, built_forms)
    with serving(create_app(store.settings)) as url:
        yield Running(url, store, token)
