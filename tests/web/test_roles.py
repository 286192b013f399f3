"""Every page and API route refuses the roles it is not for, and needs a login at all."""

from __future__ import annotations

import pytest

ADMIN, PLANNER, BIDAN, TEAM = "admin1", "planner1", "bidan1", "team1"
EVERYONE = (ADMIN, PLANNER, BIDAN, TEAM)

# path -> users who may open it (everyone else: 403)
PAGES = {
    "/requests": (ADMIN, PLANNER, TEAM),
    "/visits": (ADMIN, PLANNER, TEAM),
    "/households": (ADMIN, PLANNER, TEAM),
    "/households/hh-0001": (ADMIN, PLANNER, TEAM),
    "/anc": (ADMIN, PLANNER, BIDAN),
    "/anc/preg-a": (ADMIN, PLANNER, BIDAN),
    "/spm": (ADMIN, PLANNER),
    "/spm/targets": (ADMIN, PLANNER),
    "/followups": (ADMIN, PLANNER),
    "/export/households.csv": (ADMIN, PLANNER),
    "/export/requests.xlsx": (ADMIN, PLANNER),
    "/export/spm.csv": (ADMIN, PLANNER),
    "/admin/users": (ADMIN,),
    "/admin/sources": (ADMIN,),
    "/admin/settings": (ADMIN,),
    "/admin/audit": (ADMIN,),
    "/api/v1/households": (ADMIN, PLANNER, TEAM),
    "/api/v1/households/hh-0001": (ADMIN, PLANNER, TEAM),
    "/api/v1/requests": (ADMIN, PLANNER, TEAM),
    "/api/v1/visits": (ADMIN, PLANNER, TEAM),
    "/api/v1/pregnancies": (ADMIN, PLANNER, BIDAN),
    "/api/v1/indicators": (ADMIN, PLANNER),
}


@pytest.mark.parametrize("user", EVERYONE)
def test_each_page_opens_for_its_roles_and_refuses_the_others(client_for, user):
    client = client_for(user)
    for path, allowed in PAGES.items():
        response = client.get(path)
        expected = 200 if user in allowed else 403
        assert response.status_code == expected, f"{user} {path}: {response.status_code}"


def test_home_page_per_role(client_for):
    for user in (ADMIN, PLANNER, TEAM):
        assert client_for(user).get("/").status_code == 200
    # a bidan's home is the ANC page of her villages
    response = client_for(BIDAN).get("/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/anc")


def test_planner_cannot_reach_any_admin_page(web, client_for):
    app, _ = web
    client = client_for(PLANNER)
    admin_paths = [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/admin") and "GET" in r.methods and "<" not in r.rule]
    assert len(admin_paths) >= 4
    for path in admin_paths:
        assert client.get(path).status_code in (403, 302), path
    assert client.post("/admin/users/add", data={"name": "x", "role": "admin", "password": "12345678"}).status_code in (400, 403)


def _sample_path(app, rule) -> str:
    from werkzeug.routing import IntegerConverter

    values = {arg: (1 if isinstance(conv, IntegerConverter) else "csv" if arg == "fmt" else "x")
              for arg, conv in rule._converters.items()}
    return app.url_map.bind("localhost").build(rule.endpoint, values, method="GET")


PUBLIC = {"static", "web.auth.login", "web.set_language", "api.openapi"}


def test_every_route_needs_a_login(web):
    """Health data is private: without a login every GET route of the web app, the API and
    the map answers a redirect to the login page or 401 (bar the login page, the language
    switch, the CSS and the OpenAPI document)."""
    app, _ = web
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PUBLIC or rule.endpoint.startswith("openrosa") or "GET" not in rule.methods:
            continue
        path = _sample_path(app, rule)
        response = client.get(path)
        checked += 1
        if path.startswith("/api/"):
            assert response.status_code == 401, path
        else:
            assert response.status_code == 302 and "/login" in response.headers["Location"], f"{path}: {response.status_code}"
    assert checked >= 20


def test_every_web_and_api_view_declares_its_roles(web):
    app, _ = web
    for endpoint, view in app.view_functions.items():
        if not endpoint.startswith(("web.", "api.")) or endpoint in PUBLIC | {"web.auth.logout", "web.home.index"}:
            continue
        assert getattr(view, "chips_roles", None), f"{endpoint} has no roles_required"


def test_post_routes_refuse_other_roles(client_for):
    from tests.web.conftest import csrf_token

    team = client_for(TEAM)
    token = csrf_token(team, "/requests")
    assert team.post("/followups/step", data={"key": "fu-0:no_latrine", "to_state": "reported", "csrf_token": token}).status_code == 403
    assert team.post("/spm/targets", data={"year": "2026", "csrf_token": token}).status_code == 403
    assert team.post("/admin/tokens", data={"user": "team1", "csrf_token": token}).status_code == 403
