"""The JSON API: token auth, roles and village scope, pagination, the OpenAPI document."""

from __future__ import annotations

import pytest

from server.api_tokens import issue, revoke
from tests.web.seed import V1


def _token(app, user_name: str) -> tuple[str, int]:
    from sqlalchemy import select

    from chips.db.schema import users
    from chips.db.web_tables import api_tokens

    with app.extensions["chips.engine"].begin() as conn:
        user_id = conn.execute(select(users.c.id).where(users.c.name == user_name)).scalar_one()
        token = issue(conn, user_id, "test")
        token_id = conn.execute(select(api_tokens.c.id).order_by(api_tokens.c.id.desc())).scalars().first()
    return token, token_id


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def test_token_auth(web):
    app, _ = web
    client = app.test_client()
    assert client.get("/api/v1/households").status_code == 401
    assert client.get("/api/v1/households").headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/households", headers=bearer("not-a-token")).status_code == 401
    token, token_id = _token(app, "planner1")
    assert client.get("/api/v1/households", headers=bearer(token)).status_code == 200
    with app.extensions["chips.engine"].begin() as conn:
        revoke(conn, token_id)
    assert client.get("/api/v1/households", headers=bearer(token)).status_code == 401


def test_token_roles_and_scope(web):
    app, s = web
    client = app.test_client()
    team, _ = _token(app, "team1")
    assert client.get("/api/v1/requests", headers=bearer(team)).status_code == 200
    assert client.get("/api/v1/pregnancies", headers=bearer(team)).status_code == 403
    assert client.get("/api/v1/indicators", headers=bearer(team)).status_code == 403
    bidan, _ = _token(app, "bidan1")
    assert client.get("/api/v1/households", headers=bearer(bidan)).status_code == 403
    items = client.get("/api/v1/pregnancies?per_page=500", headers=bearer(bidan)).get_json()["items"]
    assert {i["village_code"] for i in items} == {V1}
    assert s.pregnancies["c"] not in {i["uuid"] for i in items}


def test_pagination(web):
    app, s = web
    client = app.test_client()
    token, _ = _token(app, "planner1")
    first = client.get("/api/v1/households?per_page=3", headers=bearer(token)).get_json()
    assert first["total"] == len(s.households) and len(first["items"]) == 3 and first["page"] == 1
    assert first["next"]
    second = client.get(first["next"], headers=bearer(token)).get_json()
    assert second["page"] == 2 and second["next"] is None
    seen = [i["uuid"] for i in first["items"] + second["items"]]
    assert sorted(seen) == sorted(s.households.values())  # no overlap, nothing lost
    assert client.get("/api/v1/households?per_page=0", headers=bearer(token)).status_code == 400
    assert client.get("/api/v1/households?page=x", headers=bearer(token)).status_code == 400


def test_indicators_name_the_standard(web):
    app, s = web
    client = app.test_client()
    token, _ = _token(app, "planner1")
    year = s.expected["spm_year"]
    body = client.get(f"/api/v1/indicators?year={year}&standard=k4", headers=bearer(token)).get_json()
    assert body["standard"]["key"] == "k4"
    total = next(i for i in body["items"] if i["code"] == "anc" and i["village_code"] is None)
    assert (total["numerator"], total["denominator"]) == s.expected["spm_anc"]["k4"][None]


def test_openapi_document_is_valid_and_the_api_conforms(web):
    """schemathesis loads and checks the document, then calls every operation with a few
    generated inputs and checks status codes, content types and response schemas."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings

    app, _ = web
    client = app.test_client()
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"].startswith("3.") and set(doc["paths"]) >= {"/households", "/requests", "/visits", "/pregnancies", "/indicators"}
    token, _ = _token(app, "admin1")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 6
    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=8, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        def call(case):
            case.call_and_validate(headers=bearer(token))

        call()


@pytest.mark.parametrize("path", ["/api/v1/households", "/api/v1/requests", "/api/v1/visits", "/api/v1/pregnancies"])
def test_a_logged_in_browser_may_read_the_api(client_for, path):
    assert client_for("planner1").get(path).status_code == 200
