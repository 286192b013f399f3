"""App-user tokens found lately are answered from a per-process cache (server.auth), and an
OpenRosa request that needs nothing from the database checks no connection out of the pool.
A change made in this process is seen at once; one made elsewhere within the cache's time."""

from __future__ import annotations

import uuid

import pytest
import requests
from sqlalchemy import event

from chips.db.schema import users
from server import auth
from server.app import create_app
from tests.server.conftest import OR, USER, Running, start
from tests.support.live_server import serving
from tests.support.submissions import household_answers, instance_xml
from tests.web.conftest import csrf_token, login


@pytest.fixture(autouse=True)
def _empty_cache():
    auth.forget_tokens()
    yield
    auth.forget_tokens()


def _registration(server) -> bytes:
    return instance_xml(server.store.forms["household_registration"], household_answers(),
                        instance_id=f"uuid:{uuid.uuid4()}", entity_id=str(uuid.uuid4()), entity_label="Bu Sri")


def _submit(server, token: str) -> requests.Response:
    return requests.post(f"{server.url}/key/{token}/submission", headers=OR,
                         files={"xml_submission_file": ("submission.xml", _registration(server), "text/xml")})


def test_a_new_token_refuses_the_old_one_at_once(server):
    assert _submit(server, server.token).status_code == 201   # now in the cache
    with server.store.engine.begin() as conn:
        fresh = auth.issue_token(conn, USER)
    assert _submit(server, server.token).status_code == 403
    assert _submit(server, fresh).status_code == 201


def test_a_change_made_elsewhere_is_seen_within_the_cache_time(server):
    """Another process (the ``chips users`` command, another worker) changes the table
    without clearing this process's cache: the cached answer lasts TOKEN_CACHE_SECONDS."""
    engine = server.store.engine
    with engine.connect() as conn:
        assert auth.user_by_token_cached(conn, server.token, now=100.0).name == USER
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.name == USER).values(active=False))
    with engine.connect() as conn:
        assert auth.user_by_token_cached(conn, server.token, now=100.0 + auth.TOKEN_CACHE_SECONDS / 2).name == USER
        assert auth.user_by_token_cached(conn, server.token, now=100.0 + auth.TOKEN_CACHE_SECONDS) is None
        assert auth.user_by_token(conn, server.token) is None


def test_a_wrong_token_is_never_kept(server):
    """Only tokens found are cached: a token refused once works as soon as it is issued."""
    engine = server.store.engine
    token = auth.new_token()
    with engine.connect() as conn:
        assert auth.user_by_token_cached(conn, token, now=5.0) is None
    with engine.begin() as conn:
        conn.execute(users.update().where(users.c.name == USER).values(token_hash=auth.token_hash(token)))
    with engine.connect() as conn:
        assert auth.user_by_token_cached(conn, token, now=5.0).name == USER


def test_deactivating_a_user_on_the_admin_page_refuses_the_phone_at_once(db_url, tmp_path, built_forms):
    store, token = start(db_url, tmp_path, built_forms)
    app = create_app(store.settings)
    with store.engine.begin() as conn:
        auth.add_user(conn, "admin1", "admin", "admin-pass-123")
        user_id = conn.execute(users.select().where(users.c.name == USER)).one().id
    with serving(app) as url:
        running = Running(url, store, token)
        assert _submit(running, token).status_code == 201   # now in the cache
        web = app.test_client()
        assert login(web, "admin1", "admin-pass-123").status_code in (302, 303)
        resp = web.post(f"/admin/users/{user_id}", data={"active": "0", "csrf_token": csrf_token(web, "/admin/users")})
        assert resp.status_code == 303
        assert _submit(running, token).status_code == 403


def test_a_submission_with_a_known_token_checks_out_no_connection(server):
    """The token is in the cache and the form version loaded: the request reads nothing, so
    it takes no connection from the pool (the writer thread keeps its own)."""
    assert _submit(server, server.token).status_code == 201   # token cached, form loaded, writer connected
    checkouts = []
    listener = lambda *_: checkouts.append(1)  # noqa: E731
    event.listen(server.store.engine, "checkout", listener)
    try:
        assert _submit(server, server.token).status_code == 201
    finally:
        event.remove(server.store.engine, "checkout", listener)
    assert checkouts == []
