"""/map in the web app: login, the page with local Leaflet, its data and exports."""

from __future__ import annotations

import json

import geopandas as gpd
import pytest

from maps.store import import_sample
from maps.synthetic import synthetic_points
from tests.maps.browser import open_page
from tests.maps.conftest import ARTIFACTS, insert_households


USERS = {"perencana": "planner", "bidan1": "bidan"}


@pytest.fixture
def app(map_db):
    from server.app import create_app
    from server.auth import add_user

    points = synthetic_points(200, seed=4)
    with map_db.engine.begin() as conn:
        # the first 50 registered in Sempu, the rest in Jambewangi
        insert_households(conn, points.iloc[:50], village_code="35.10.20.2001")
        insert_households(conn, points.iloc[50:], village_code="35.10.20.2002")
        import_sample(conn)
        ids = {name: add_user(conn, name, role, "rahasia-123", villages=["35.10.20.2001"] if role == "bidan" else None) for name, role in USERS.items()}
    app = create_app(map_db.settings)
    app.config["TESTING"] = True
    if "web" not in app.blueprints:  # until the web app is registered: where its login redirect goes
        app.add_url_rule("/login", endpoint="web.auth.login", view_func=lambda: "login")
    app.chips_user_ids = ids
    return app


def client_as(app, name=None):
    client = app.test_client()
    if name:
        with client.session_transaction() as session:
            session["user_id"] = app.chips_user_ids[name]
    return client


def test_login_required(app):
    client = client_as(app)
    for url in ("/map", "/map/data.json", "/map/static/leaflet/leaflet.js", "/map/export/households.csv"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url


def test_bidan_sees_her_villages_only(app):
    data = client_as(app, "bidan1").get("/map/data.json").get_json()
    assert 40 <= data["n"] <= 50
    full = client_as(app, "perencana").get("/map/data.json").get_json()
    assert full["n"] > 150
    # bulk exports are for planners
    assert client_as(app, "bidan1").get("/map/export/households.csv").status_code == 403


def test_page_data_static_and_exports(app, tmp_path):
    client = client_as(app, "perencana")
    page = client.get("/map")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<script src="/map/static/leaflet/leaflet.js"></script>' in text
    assert "/map/data.json" in text and "cdn" not in text.lower()
    assert client.get("/map/static/leaflet/leaflet.js").status_code == 200
    assert client.get("/map/static/../tables.py").status_code == 404
    data = client.get("/map/data.json").get_json()
    assert data["n"] > 150 and data["villages"] and data["lat"]["type"] == "Int32"
    anonymous = client.get("/map/data.json?anonymised=1").get_json()
    assert "name" not in anonymous and "phone" not in anonymous
    hexes = client.get("/map/aggregates.geojson?by=hexagon")
    assert hexes.status_code == 200 and json.loads(hexes.data)["features"]
    gpkg = client.get("/map/export/households.gpkg?anonymised=1")
    assert gpkg.status_code == 200 and "attachment" in gpkg.headers["Content-Disposition"]
    (tmp_path / "h.gpkg").write_bytes(gpkg.data)
    back = gpd.read_file(tmp_path / "h.gpkg")
    assert len(back) == 200 and "head_name" not in back.columns
    assert client.get("/map/export/households.xls").status_code == 404


@pytest.mark.browser
def test_served_map_loads_in_chromium(app, chromium):
    from tests.support.live_server import serving

    from flask.sessions import SecureCookieSessionInterface

    # a session cookie as the login page would set it
    signer = SecureCookieSessionInterface().get_signing_serializer(app)
    cookie = signer.dumps({"user_id": app.chips_user_ids["perencana"]})
    with serving(app) as base:
        report = open_page(
            f"{base}/map",
            screenshot=ARTIFACTS / "map-served.png",
            cookies=[{"name": app.config.get("SESSION_COOKIE_NAME", "session"), "value": cookie, "url": base}],
        )
    assert report.errors == [] and report.blocked == [] and report.failed == []
    assert int(report.ready) > 150
