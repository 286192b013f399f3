"""schemathesis against ``/api/v1/openapi.json`` over real HTTP, on data that came in through
the one ingest path (not a seed): positive and negative inputs for every operation with
tokens of four roles — no 500s, every answer as the document says (status, content type,
schema), out-of-schema input refused with a 4xx — then a walk of the paginated lists that
finds every ingested household exactly once, each with a detail page that conforms.

tests/web/test_api.py checks the document and positive inputs in-process over a seeded
projection; this is the over-the-wire, negative-data, ingested-data variant.
"""

from __future__ import annotations

from collections import Counter

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

from chips.ingest import ingest
from chips.records.xml import submission_from_xml
from server import auth
from server.api_tokens import issue
from server.app import create_app
from tests.reliability.figures import report
from tests.reliability.workload import make_items
from tests.support.live_server import serving
from tests.support.store import make_store

USERS = {"admin1": ("admin", []), "planner1": ("planner", []), "bidan1": ("bidan", ["35.10.20.2001"]),
         "team1": ("team", [])}
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 10}


def _load(store, items) -> None:
    with store.engine.begin() as conn:
        for item in items:
            sub = submission_from_xml(item.xml, source="openrosa", submitter="tim1")
            assert ingest(conn, sub, store.settings).status == "created"


def test_api_conforms_to_its_document_over_http(db_url, tmp_path, built_forms):
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    store = make_store(db_url, tmp_path / "instance", built_forms)
    items = make_items(built_forms, 120, seed=31)
    _load(store, items)
    registered = {i.instance_id for i in items if i.form_id == "household_registration"}
    tokens = {}
    with store.engine.begin() as conn:
        for name, (role, villages) in USERS.items():
            user_id = auth.add_user(conn, name, role, "rahasia-123", villages)
            tokens[name] = issue(conn, user_id, "reliability")

    calls, statuses, not_negatable = Counter(), Counter(), set()
    with serving(create_app(store.settings)) as url:
        schema = schemathesis.openapi.from_url(f"{url}/api/v1/openapi.json")
        # unknown query parameters are ignored, as web servers do (Collect and browsers add
        # their own), and the token is ours to send: negative data means wrong values and
        # types of the declared parameters. A NUL anywhere in the address is refused with 400
        # by the app before any view (server/app.py), which the document does not spell out
        # for each string: it is checked on its own below.
        schema.config.generation.update(allow_extra_parameters=False, with_security_parameters=False,
                                        allow_x00=False)
        operations = [result.ok() for result in schema.get_all_operations()]
        session = requests.Session()
        for name, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"}
            for operation in operations:
                for mode, count in EXAMPLES.items():
                    if name != "admin1" and mode is GenerationMode.NEGATIVE:
                        continue  # the other roles: positive input, for their 403s and scopes

                    @given(case=operation.as_strategy(generation_mode=mode))
                    @settings(max_examples=count if name == "admin1" else 4, deadline=None, database=None,
                              suppress_health_check=list(HealthCheck))
                    def call(case):
                        response = case.call_and_validate(base_url=f"{url}/api/v1", session=session, headers=headers)
                        calls[mode.value] += 1
                        statuses[response.status_code] += 1

                    try:
                        call()
                    except Unsatisfiable:
                        # nothing in the operation can be out of schema (a free string path)
                        assert mode is GenerationMode.NEGATIVE
                        not_negatable.add(operation.path)

        # every household ingested is listed exactly once across the pages, and its detail conforms
        detail = next(op for op in operations if op.path == "/households/{uuid}")
        listing = next(op for op in operations if op.path == "/households")
        headers = {"Authorization": f"Bearer {tokens['planner1']}"}
        seen, page = Counter(), 1
        while page:
            case = listing.Case(query={"page": page, "per_page": 7})
            body = case.call_and_validate(base_url=f"{url}/api/v1", session=session, headers=headers).json()
            seen.update(h["uuid"] for h in body["items"])
            page = body["page"] + 1 if body["next"] else None
            calls["walk"] += 1
        instance_ids = set()
        for uuid in list(seen)[:15]:
            one = detail.Case(path_parameters={"uuid": uuid}).call_and_validate(
                base_url=f"{url}/api/v1", session=session, headers=headers).json()
            instance_ids.update(s["instance_id"] for s in one["submissions"])
            calls["walk"] += 1

        # a NUL in the address: PostgreSQL cannot compare text with it (once a 500, found here)
        nul = [session.get(f"{url}/api/v1/households?village=%00", headers=headers),
               session.get(f"{url}/api/v1/households/a%00", headers=headers)]
        nul_statuses = [r.status_code for r in nul if "error" in r.json()]
        nul_statuses.append(requests.get(f"{url}/households?q=%00", allow_redirects=False).status_code)
        calls["NUL"] += len(nul_statuses)

    report(f"api schema[{kind}]", requests=sum(calls.values()), operations=len(operations), roles=len(tokens),
           positive=calls["positive"], negative=calls["negative"], walk=calls["walk"], nul=calls["NUL"],
           not_negatable=",".join(sorted(not_negatable)) or "none",
           statuses=dict(sorted(statuses.items())), server_errors=sum(n for c, n in statuses.items() if c >= 500),
           households_listed=len(seen), lost=len(registered) - len(seen))
    assert len(operations) == 6
    assert not [c for c in statuses if c >= 500]
    assert calls["negative"] > 0 and 400 in statuses and 403 in statuses
    assert nul_statuses == [400, 400, 400]
    assert len(seen) == len(registered) and set(seen.values()) == {1}
    assert instance_ids and instance_ids <= registered | {i.instance_id for i in items}
