"""The page reader of a Central pull (sync/page_worker.py): the pages it hands over are the
pages read in the pull's own process, its errors are the ones the pull would have raised,
and it never outlives the pull.
"""

from __future__ import annotations

import io
import json
import os
import random
from pathlib import Path

import pytest

from sync import page_worker
from sync.central import CentralClient
from sync.retry import SourceError
from sync.runner import run
from sync.sources import load_sources
from tests.fakes.server import Fault
from tests.sync.conftest import PASSWORD_ENV, REG, make_settings, prepare_store, write_config
from tests.sync.helpers import held, page_readers


def _client(tmp_path, central, page_size=400) -> CentralClient:
    write_config(tmp_path, central_url=central.url, page_size=page_size)
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    return CentralClient(load_sources(settings, PASSWORD_ENV)["c"])


def _frames(client: CentralClient, url: str, form: str = REG) -> list:
    """Everything ``serve`` writes for the pages from ``url``, read back as the pull reads it."""
    out = io.BytesIO()
    page_worker.serve((client.source, form, url, client.handover()), out)
    out.seek(0)
    frames = []
    while True:
        try:
            frames.append(page_worker.read_frame(out))
        except EOFError:
            return frames
        except SourceError as exc:
            frames.append(exc)
            return frames


def test_the_pages_it_hands_over_are_the_pages_read_in_process(tmp_path, central):
    central.seed(REG, 1000, random.Random(31), attachment_every=3)
    client = _client(tmp_path, central)
    first = client.first_page_url(REG, None, 400)
    got = _frames(client, first)
    assert len(got) == 3
    url = first
    for prepared in got:
        mine = page_worker.prepare(client.page(REG, url))
        assert prepared.page.raw_rows == mine.page.raw_rows
        assert prepared.records == mine.records   # the records survive their trip as JSON
        assert prepared.page.next_link == mine.page.next_link
        assert prepared.page.body["@odata.count"] == 1000
        assert prepared.page.rows == [{k: r[k] for k in ("__id", "__system", "meta") if k in r}
                                      for r in mine.page.rows]
        url = client.follow(REG, mine.page.next_link) if mine.page.next_link else None
    assert url is None
    assert central.log.count("POST", "/v1/sessions") == 1   # the reader used the pull's session


def test_a_failed_fetch_reaches_the_pull_with_its_message_and_status(tmp_path, central):
    central.seed(REG, 10, random.Random(32), attachment_every=0)
    client = _client(tmp_path, central)
    got = _frames(client, client.first_page_url("no_such_form", None, 400), "no_such_form")
    assert len(got) == 1 and isinstance(got[0], SourceError)
    assert got[0].status == 404 and str(got[0]).startswith("source c, form no_such_form: HTTP 404")

    central.faults.append(Fault("500", ".svc/Submissions", times=100))
    got = _frames(client, client.first_page_url(REG, None, 400))
    assert [str(e) for e in got] == [f"source c, form {REG}: gave up after 5 attempts (HTTP 500)"]


def test_a_conversion_failure_crosses_the_pipe_at_its_row(tmp_path, central, monkeypatch):
    central.seed(REG, 5, random.Random(34), attachment_every=0)
    client = _client(tmp_path, central)
    convert = page_worker.record_from_central_row
    bad = central.forms[REG].subs[2].logical_id

    def failing_on_one(row):
        if row["__id"] == bad:
            raise IndexError("no coordinates")
        return convert(row)
    monkeypatch.setattr(page_worker, "record_from_central_row", failing_on_one)
    [prepared] = _frames(client, client.first_page_url(REG, None, 400))
    failed = [(r["__id"], rec) for r, rec in zip(prepared.page.rows, prepared.records) if isinstance(rec, Exception)]
    assert [(ref, type(e), str(e)) for ref, e in failed] == [(bad, IndexError, "no coordinates")]
    assert all(isinstance(rec, dict) and rec for rec in prepared.records if not isinstance(rec, Exception))


def test_a_row_that_cannot_be_converted_raises_where_it_is_stored():
    rows = [{"__id": "a", "name": "Siti"}, {"__id": "b", "home": {"type": "Point", "coordinates": []}}]
    records = page_worker.records_of(rows)
    assert records[0] == {"name": "Siti"}
    assert isinstance(records[1], IndexError)   # what converting it in the pull raises


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads the process table in /proc (Linux)")
def test_the_reader_ends_with_the_pull_whether_it_ends_well_or_not(tmp_path, central, forms):
    central.seed(REG, 900, random.Random(33), attachment_every=0)
    write_config(tmp_path, central_url=central.url, page_size=300)
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    engine = prepare_store(settings, forms)
    central.faults.append(Fault("500", ".svc/Submissions", query="skiptoken", times=100))
    assert "gave up" in run(settings, ["c"], environ=PASSWORD_ENV)["c"].stopped
    assert page_readers(os.getpid()) == set()
    central.faults.clear()
    assert run(settings, ["c"], environ=PASSWORD_ENV)["c"].stopped is None
    assert page_readers(os.getpid()) == set()
    assert held(engine, "central:c") == central.content(REG)


@pytest.mark.parametrize("row", [
    b'{"__id":"a","n":1.25,"s":"kali \\u00e9","deep":[{"x":null,"y":true}]}',
    b'{"__id":"a","n":123456789012345678901234567890}',   # beyond 64 bits: orjson refuses it
    b'{"__id":"a","s":"\\ud800"}',                        # a lone surrogate: not UTF-8
    b'{"__id":"a","n":NaN,"m":-Infinity}',                 # the standard decoder reads these
])
def test_what_crosses_the_pipe_is_what_was_parsed(row):
    parsed = [json.loads(row)]
    kind, data = page_worker._encode(parsed, [row])
    back = page_worker._decode(kind, data)
    # repr: NaN is not equal to itself, and 1 == 1.0 would hide a changed type
    assert repr(back) == repr(parsed)
    assert kind == ("orjson" if row.startswith(b'{"__id":"a","n":1.25') else "json")


def test_a_lone_surrogate_on_a_later_page_does_not_stop_the_pull(tmp_path, central, forms, monkeypatch):
    # valid JSON (an escape), not UTF-8: it once stopped the reader, and every sync after it
    central.seed(REG, 30, random.Random(35), attachment_every=0)
    write_config(tmp_path, central_url=central.url, page_size=10)
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    engine = prepare_store(settings, forms)
    odd = central.forms[REG].subs[3].logical_id   # the list is newest first: the third page
    row = central.row

    def with_a_surrogate(sub, expand):
        out = row(sub, expand)
        if sub.logical_id == odd:
            out["household"]["head_name"] = "Sarmi \ud800"
        return out
    monkeypatch.setattr(central, "row", with_a_surrogate)
    tally = run(settings, ["c"], environ=PASSWORD_ENV)["c"]
    assert tally.stopped is None and tally.pages == 3 and tally.new == 30
    assert held(engine, "central:c") == central.content(REG)
