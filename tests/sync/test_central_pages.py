"""Central pages: read once, rows kept as sent, the next one fetched while one is stored.

- ``parse_page`` gives what ``json.loads`` gives, plus each row's own text, and refuses
  what ``json.loads`` refuses (a truncated page is then retried);
- the raw stored for a pulled row is the row's bytes as Central sent them;
- the next page is asked for while the current one is being stored, and a next page that
  fails stops the source after the pages before it are stored with their pass;
- what we hold of a page's rows, new or changed, is written with the page.
"""

from __future__ import annotations

import json
import random
import threading

import pytest
from sqlalchemy import select

from chips.db.schema import submissions
from sync import cursor as cursors
from sync import runner
from sync.central import parse_page
from sync.runner import run
from sync.tables import sync_items
from tests.fakes.server import Fault
from tests.sync.conftest import PASSWORD_ENV, REG, make_settings, prepare_store, write_config
from tests.sync.helpers import count_rows, held

SRC = "central:c"

PAGES = [
    '{"value":[]}',
    '{}',
    ' {\n "@odata.context" : "x" ,\t"value" : [ {"a": [1, {"b": "\\u00e9 é \\"]\\""}]} ,{"z":null}, 2, "s" ] ,'
    ' "@odata.nextLink":"u", "@odata.count": 3 } \n',
    '{"value":"not rows","x":{"value":[1]}}',
    '{"value":[{"members":[{"__id":"1"}],"members@odata.navigationLink":"Submissions(\'x\')/members"}]}',
]
BROKEN = ['{"value":[{"a":1}', '{"value":[{"a":1},]}', '{"value":[{"a":1}]', '{"value":[{"a":1}]}x', '',
          '{"a" 1}', '{"value":[{"a":1} {"b":2}]}', '{,}', '{"value":[{"a":1}],}', '[]']


@pytest.mark.parametrize("text", PAGES)
def test_a_page_reads_as_json_loads_and_keeps_each_rows_text(text):
    body, rows = parse_page(text)
    assert body == json.loads(text)
    if isinstance(body.get("value"), list):
        assert [json.loads(r) for r in rows] == body["value"]
        assert all(r in text for r in rows)


@pytest.mark.parametrize("text", BROKEN)
def test_a_broken_page_raises_value_error(text):
    with pytest.raises(ValueError):
        parse_page(text)


def _setup(tmp_path, central, forms, page_size=500):
    write_config(tmp_path, central_url=central.url, page_size=page_size)
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    return settings, prepare_store(settings, forms)


def test_the_raw_of_a_pulled_row_is_the_row_as_central_sent_it(tmp_path, central, forms):
    central.seed(REG, 30, random.Random(21), attachment_every=0)
    settings, engine = _setup(tmp_path, central, forms)
    assert run(settings, ["c"], environ=PASSWORD_ENV)["c"].stopped is None
    with engine.connect() as conn:
        stored = {r.source_ref: bytes(r.raw) for r in conn.execute(select(submissions))}
    # the fake writes its pages with json.dumps, which writes a nested row as json.dumps(row)
    sent = {s.logical_id: json.dumps(central.row(s, True)).encode() for s in central.forms[REG].subs}
    assert stored == sent


def test_the_next_page_is_fetched_while_a_page_is_stored(tmp_path, central, forms, monkeypatch):
    central.seed(REG, 1000, random.Random(22), attachment_every=0)
    settings, engine = _setup(tmp_path, central, forms)
    second_asked, storing = threading.Event(), threading.Event()
    seen = {}

    def on_request(path, query):   # in the fake's thread, as page 2 is asked for
        if "skiptoken" in query and not second_asked.is_set():
            second_asked.set()
            seen["page 1 being stored when page 2 was asked for"] = storing.wait(timeout=10)
    central.on_request = on_request
    real = runner.ingest_many

    def storing_first_page(conn, subs, settings):
        if not storing.is_set():   # inside page 1's transaction
            storing.set()
            seen["page 2 asked for while page 1 was stored"] = second_asked.wait(timeout=10)
        return real(conn, subs, settings)

    monkeypatch.setattr(runner, "ingest_many", storing_first_page)
    tally = run(settings, ["c"], environ=PASSWORD_ENV)["c"]
    assert tally.stopped is None
    assert seen == {"page 1 being stored when page 2 was asked for": True,
                    "page 2 asked for while page 1 was stored": True}
    # asked once: a fetch made before storing began would have waited in on_request past
    # the client's time-out (1 s) and been asked again
    assert central.log.count("GET", ".svc/Submissions", query="skiptoken") == 1
    assert held(engine, SRC) == central.content(REG)


def test_a_failing_next_page_stops_the_source_after_the_pages_before_it(tmp_path, central, forms):
    central.seed(REG, 1000, random.Random(23), attachment_every=0)
    settings, engine = _setup(tmp_path, central, forms)
    central.faults.append(Fault("500", ".svc/Submissions", query="skiptoken", times=100))
    tally = run(settings, ["c"], environ=PASSWORD_ENV)["c"]
    assert tally.stopped == f"source c, form {REG}: gave up after 5 attempts (HTTP 500)"
    assert central.log.count("GET", ".svc/Submissions", query="skiptoken") == 5
    assert count_rows(engine, SRC) == 500 and tally.new == 500          # page 1, with its pass
    with engine.connect() as conn:
        cur = cursors.load(conn, SRC, REG)
    assert cur.in_pass and "skiptoken" in cur.pass_url and cur.pass_pages == 1

    central.faults.clear()
    assert run(settings, ["c"], environ=PASSWORD_ENV)["c"].stopped is None
    assert held(engine, SRC) == central.content(REG) and count_rows(engine, SRC) == 1000


def test_what_we_hold_follows_edits_and_reviews_of_a_page(tmp_path, central, forms):
    ids = central.seed(REG, 40, random.Random(24), attachment_every=0)
    settings, engine = _setup(tmp_path, central, forms)
    assert run(settings, ["c"], environ=PASSWORD_ENV)["c"].stopped is None
    central.edit(REG, ids[3], ("location/dusun", "Krajan"))
    central.review(REG, ids[4], "approved")
    tally = run(settings, ["c"], environ=PASSWORD_ENV)["c"]
    assert tally.updated == 2
    with engine.connect() as conn:
        items = {r.ref: (r.instance_id, r.version) for r in conn.execute(select(sync_items))}
    for ref in ids:
        sub = central.find(REG, ref)
        assert items[ref] == (sub.instance_id, f"{sub.instance_id}|{sub.review_state or ''}")
