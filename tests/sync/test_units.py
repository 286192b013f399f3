"""Records from Central and Kobo rows equal the record of the XML; cursor and retry rules."""

from __future__ import annotations

import random

import pytest
import requests

from chips.records.central import record_from_central
from chips.records.kobo import record_from_kobo
from chips.records.xml import record_from_xml
from sync.cursor import Cursor, end_of_pass
from sync.retry import Policy, SourceError, send
from sync.runner import run
from tests.fakes.central import FakeCentral
from tests.fakes.server import Fault, ThreadedServer
from tests.fakes.xforms import FormSchema, central_data, fill, kobo_data
from tests.sync.conftest import PASSWORD_ENV, REG, make_settings, prepare_store, write_config
from tests.sync.helpers import held


_NUMBERS = __import__("re").compile(r"^-?\d+(\.\d+)?( -?\d+(\.\d+)?)*$")


def _comparable(node):
    """The XML record without what JSON cannot carry: empty answers, XML attributes
    (meta/entity's @id, @dataset …) and the trailing zeros of numbers in a geopoint
    (Central sends decimals and geopoints through parseFloat: "113.0" comes back as 113)."""
    if isinstance(node, str) and _NUMBERS.match(node):
        return tuple(float(x) for x in node.split())
    if isinstance(node, dict):
        out = {k: _comparable(v) for k, v in node.items() if not k.startswith("@") and v != ""}
        return {k: v for k, v in out.items() if v not in ({}, [])}
    if isinstance(node, list):
        return [_comparable(v) for v in node]
    return node


def _as_lists(node, schema: FormSchema, path: str):
    """XML records hold a one-row repeat as a dict; make every repeat a list."""
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            p = f"{path}/{k}"
            if p in schema.repeats and isinstance(v, dict):
                v = [v]
            out[k] = [_as_lists(i, schema, p) for i in v] if isinstance(v, list) else _as_lists(v, schema, p)
        return out
    return node


@pytest.mark.parametrize("form_id", ["household_registration", "anc_visit", "home_visit",
                                     "visit_request", "house_condition"])
def test_central_and_kobo_rows_give_the_record_of_the_xml(forms, form_id):
    import json
    schema = FormSchema(forms[form_id])
    rng = random.Random(41)
    for i in range(5):
        xml = fill(schema, i, rng)
        expected = _comparable(_as_lists(record_from_xml(xml), schema, f"/{schema.root}"))
        row = central_data(schema, xml, "uuid:x")
        row.update({"__id": "uuid:x", "__system": {"submissionDate": "2026-01-01T00:00:00.000Z"}})
        assert _comparable(record_from_central(json.dumps(row).encode())) == expected
        krow = kobo_data(schema, xml)
        krow.update({"_id": 5, "_uuid": "x", "formhub/uuid": "f", "meta/rootUuid": "uuid:x",
                     "__version__": "vAbc", "_attachments": [], "_geolocation": [None, None]})
        assert _comparable(record_from_kobo(json.dumps(krow).encode())) == expected


def test_central_geojson_and_numbers_back_to_xml_strings():
    row = {"__id": "uuid:1", "n": 12, "d": 2.5, "whole": 3.0, "empty": None,
           "gps": {"type": "Point", "coordinates": [114.2, -8.3, 120.5], "properties": {"accuracy": 4.2}},
           "line": {"type": "LineString", "coordinates": [[114.2, -8.3, 1], [114.3, -8.4, 2]],
                    "properties": {"accuracies": [3, None]}},
           "kids@odata.navigationLink": "Submissions('uuid:1')/kids",
           "kids": [{"__id": "h1", "__Submissions-id": "uuid:1", "name": "Ani"}]}
    import json
    assert record_from_central(json.dumps(row)) == {
        "n": "12", "d": "2.5", "whole": "3", "gps": "-8.3 114.2 120.5 4.2",
        "line": "-8.3 114.2 1 3;-8.4 114.3 2 0", "kids": [{"name": "Ani"}]}


def test_a_multi_page_pass_keeps_its_cursor_at_or_before_the_time_it_began():
    cur = Cursor("central:c", "f", since="2026-01-01T00:00:00.000Z", pass_pages=2,
                 pass_newest="2026-03-01T10:00:05.123Z", pass_started="2026-03-01T10:00:02.000Z",
                 pass_url="x")
    assert end_of_pass(cur).since == "2026-03-01T10:00:02.000Z" and not end_of_pass(cur).in_pass
    single = cur.evolve(pass_pages=0)
    assert end_of_pass(single).since == "2026-03-01T10:00:05.123Z"
    empty = cur.evolve(pass_pages=0, pass_newest=None)
    assert end_of_pass(empty).since == "2026-01-01T00:00:00.000Z"


def test_an_edit_made_while_a_pass_reads_older_pages_is_not_lost(tmp_path, central, forms):
    ids = central.seed(REG, 600, random.Random(42))
    write_config(tmp_path, central_url=central.url)
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    engine = prepare_store(settings, forms)
    done = []

    def meddle(path, query):
        if ".svc/Submissions" in path and "skiptoken" in query and not done:
            done.append(True)
            central.edit(REG, ids[-1])                   # newest: already read on page 1
            central.review(REG, ids[0], "hasIssues")     # oldest: read later, with a newer time
    central.on_request = meddle
    run(settings, ["c"], environ=PASSWORD_ENV)
    central.on_request = None
    run(settings, ["c"], environ=PASSWORD_ENV)
    assert held(engine, "central:c") == central.content(REG)


def test_retry_after_is_waited_and_4xx_is_not_retried(central):
    waits = []
    central.faults.append(Fault("429", "/v1/sessions", times=2, retry_after="7"))
    session = requests.Session()
    resp, body = send(session, "POST", f"{central.url}/v1/sessions", what="source t",
                      policy=Policy(attempts=4, backoff=0.5, sleep=waits.append), check=lambda r: r.json(),
                      json={"email": "sync@example.org", "password": "rahasia"})
    assert resp.status_code == 200 and "token" in body and waits == [7.0, 7.0]
    with pytest.raises(SourceError, match="source t: HTTP 403"):
        send(session, "GET", f"{central.url}/v1/projects/9/forms", what="source t",
             policy=Policy(attempts=4, sleep=waits.append),
             headers={"Authorization": f"Bearer {body['token']}"})
    assert central.log.count("GET", "/v1/projects/9/forms") == 1
