"""Login throttling and the audit log of logins, logouts and exports."""

from __future__ import annotations

from sqlalchemy import select

from chips.db.web_tables import audit_log
from tests.web.conftest import csrf_token, login, make_web
from tests.web.seed import PASSWORD


def _actions(app):
    with app.extensions["chips.engine"].connect() as conn:
        return [(r.user_name, r.action, r.detail) for r in conn.execute(select(audit_log).order_by(audit_log.c.id))]


def test_login_is_throttled_after_repeated_failures(tmp_path):
    app, _ = make_web(f"sqlite:///{tmp_path / 'c.sqlite'}", tmp_path)
    client = app.test_client()
    for _ in range(5):
        assert login(client, "planner1", "wrong-password").status_code == 401
    # the sixth attempt is refused even with the right password
    response = login(client, "planner1", PASSWORD)
    assert response.status_code == 429
    assert "/" not in response.headers.get("Location", "")
    # another user from the same address is not locked out yet (the per-address limit is higher)
    assert login(app.test_client(), "team1", PASSWORD).status_code == 302
    actions = _actions(app)
    assert [a for _, a, _ in actions].count("login_failed") == 5
    assert ("planner1", "login_throttled", "name=planner1") in actions
    assert ("team1", "login", "role=team") in actions


def test_throttle_by_address(tmp_path):
    app, _ = make_web(f"sqlite:///{tmp_path / 'c.sqlite'}", tmp_path)
    client = app.test_client()
    for i in range(20):  # twenty names from one address
        login(client, f"nobody{i}", "x")
    assert login(client, "admin1", PASSWORD).status_code == 429


def test_a_good_login_clears_the_failures_and_logout_is_logged(tmp_path):
    app, _ = make_web(f"sqlite:///{tmp_path / 'c.sqlite'}", tmp_path)
    client = app.test_client()
    for _ in range(4):
        login(client, "planner1", "wrong-password")
    assert login(client, "planner1", PASSWORD).status_code == 302
    token = csrf_token(client, "/requests")
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/requests").status_code == 302  # logged out
    for _ in range(4):  # four more failures do not lock: the count restarted
        login(client, "planner1", "wrong-password")
    assert login(client, "planner1", PASSWORD).status_code == 302
    assert ("planner1", "logout", "") in _actions(app)


def test_login_redirects_only_to_local_paths(client_for, web):
    app, _ = web
    client = app.test_client()
    token = csrf_token(client)
    response = client.post("/login", data={"username": "planner1", "password": PASSWORD, "csrf_token": token,
                                           "next": "//evil.example/x"})
    assert response.status_code == 302 and response.headers["Location"] == "/"
    anonymous = app.test_client().get("/anc?show=overdue")
    assert anonymous.status_code == 302 and "next=" in anonymous.headers["Location"]


def test_exports_are_audited(client_for, web):
    app, _ = web
    client = client_for("planner1")
    assert client.get("/export/households.csv").status_code == 200
    assert ("planner1", "export", "households format=csv") in _actions(app)
