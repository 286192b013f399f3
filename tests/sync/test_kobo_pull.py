"""Pulls from the fake KoboToolbox: new rows by _id, edits/deletions/late ids by listing."""

from __future__ import annotations

import random

from sqlalchemy import select

from chips.db.schema import submissions
from sync.runner import run
from tests.fakes.server import Fault
from tests.fakes.xforms import fill, with_new_instance
from tests.sync.conftest import PASSWORD_ENV, REG, make_settings, prepare_store, write_config
from tests.sync.helpers import count_rows, held, present_files, report_pull

SRC = "kobo:k"


def _setup(tmp_path, kobo, forms):
    write_config(tmp_path, kobo_url=kobo.url, kobo_assets={kobo.uid: REG})
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    return settings, prepare_store(settings, forms)


def _sync(settings, **kw):
    tally = run(settings, ["k"], environ=PASSWORD_ENV, **kw)["k"]
    assert tally.stopped is None, tally.stopped
    return tally


def _by_instance(engine):
    with engine.connect() as conn:
        return {r.instance_id: r for r in conn.execute(select(submissions).where(submissions.c.source == SRC))}


def test_first_pull_then_an_empty_one_that_only_lists_ids(tmp_path, kobo, forms):
    kobo.seed(kobo.uid, 2100, random.Random(21), attachment_every=9)
    settings, engine = _setup(tmp_path, kobo, forms)
    tally = _sync(settings)
    assert held(engine, SRC) == kobo.content(kobo.uid)
    assert count_rows(engine, SRC) == 2100 and tally.new == 2100
    assert tally.messages == []            # every row taken as a known form version
    with engine.connect() as conn:
        statuses = {r[0] for r in conn.execute(select(submissions.c.status).where(submissions.c.source == SRC))}
    assert statuses == {"projected"}
    files = {r["meta/instanceID"]: {a["media_file_basename"] for a in r["_attachments"]}
             for r in kobo.assets[kobo.uid].rows.values() if r["_attachments"]}
    assert present_files(engine, SRC) == files and tally.attachments == len(files)
    assert kobo.log.count("GET", "/attachments/") == len(files)
    # every data request asked for JSON, oldest _id first, at most 1000 a page
    data = [q for _, p, q in kobo.log.entries if p.endswith("/data/")]
    assert all("format=json" in q and "sort=" in q for q in data)
    assert all(int(dict(x.split("=", 1) for x in q.split("&"))["limit"]) <= 1000 for q in data)

    kobo.log.clear()
    again = _sync(settings)
    assert (again.new, again.updated, again.deleted, again.attachments) == (0, 0, 0, 0)
    full_pages = [q for _, p, q in kobo.log.entries if p.endswith("/data/") and "fields" not in q]
    listing = [q for _, p, q in kobo.log.entries if p.endswith("/data/") and "fields" in q]
    assert len(full_pages) == 1          # the first, empty page of new submissions
    assert len(listing) == 3             # 2100 _id/_uuid pairs, 1000 a page
    assert kobo.log.count("GET", "/attachments/") == 0


def test_edit_validation_hard_delete_and_late_id_show_up(tmp_path, kobo, forms):
    ids = kobo.seed(kobo.uid, 120, random.Random(22), attachment_every=0)
    reserved = kobo.reserve_id()         # handed out now, committed after the next pull
    kobo.seed(kobo.uid, 5, random.Random(23), attachment_every=0)
    settings, engine = _setup(tmp_path, kobo, forms)
    _sync(settings)
    assert held(engine, SRC) == kobo.content(kobo.uid)

    new_iid = kobo.edit(kobo.uid, ids[3], ("location/dusun", "Krajan"))
    kobo.validate(kobo.uid, ids[4], "approved")
    old_deleted = kobo.assets[kobo.uid].rows[ids[5]]["meta/instanceID"]
    kobo.delete(kobo.uid, ids[5])
    schema = kobo.assets[kobo.uid].schema
    late_xml = with_new_instance(fill(schema, 99, random.Random(24)), "uuid:11111111-2222-3333-4444-555555555555")
    kobo.submit(kobo.uid, late_xml, _id=reserved)   # below the last _id we hold

    tally = _sync(settings)
    assert held(engine, SRC) == kobo.content(kobo.uid)
    assert (tally.new, tally.updated, tally.deleted) == (1, 2, 1)
    rows = _by_instance(engine)
    assert rows[new_iid].state == "current" and rows[new_iid].source_ref == str(ids[3])
    assert rows[new_iid].logical_id == rows[kobo.assets[kobo.uid].rows[ids[3]]["meta/deprecatedID"]].logical_id
    assert rows[kobo.assets[kobo.uid].rows[ids[4]]["meta/instanceID"]].review_state == "approved"
    assert rows[old_deleted].state == "deleted"
    assert rows["uuid:11111111-2222-3333-4444-555555555555"].state == "current"


def test_kobo_faults_and_clear_stops(tmp_path, kobo, forms):
    kobo.seed(kobo.uid, 700, random.Random(25), attachment_every=30)
    settings, engine = _setup(tmp_path, kobo, forms)
    kobo.faults += [Fault("429", "/data/", times=1), Fault("500", "/data/", times=1),
                    Fault("truncate", "/data/", query="fields", times=1),
                    Fault("timeout", "/data/", query="fields", times=1, delay=1.5),
                    Fault("reset", "/attachments/", times=1), Fault("502", "/attachments/", times=1)]
    injected = sum(f.times for f in kobo.faults)
    _sync(settings)
    report_pull("sync faults[kobo]", engine, SRC, kobo.content(kobo.uid), requests=len(kobo.log.entries),
                faults=injected - sum(f.times for f in kobo.faults))
    assert all(f.times == 0 for f in kobo.faults)
    assert held(engine, SRC) == kobo.content(kobo.uid)

    bad = run(settings, ["k"], environ={"CHIPS_SOURCE_K_TOKEN": "salah"})["k"]
    assert bad.stopped == f"source k, form {REG} (asset {kobo.uid}): HTTP 401 Invalid token."
    write_config(tmp_path, kobo_url=kobo.url, kobo_assets={"aHilang": "anc_visit"})
    gone = run(make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}"), ["k"],
               environ=PASSWORD_ENV)["k"]
    assert gone.stopped == "source k, form anc_visit (asset aHilang): HTTP 404 Not found."


def test_listing_runs_on_its_interval_when_one_is_set(tmp_path, kobo, forms):
    kobo.seed(kobo.uid, 30, random.Random(26), attachment_every=0)
    write_config(tmp_path, kobo_url=kobo.url, kobo_assets={kobo.uid: REG}, extra="listing_every_minutes = 60\n")
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    prepare_store(settings, forms)
    _sync(settings)
    assert kobo.log.count("GET", "/data/", query="fields") == 1
    kobo.log.clear()
    kobo.seed(kobo.uid, 2, random.Random(27), attachment_every=0)
    assert _sync(settings).new == 2
    assert kobo.log.count("GET", "/data/", query="fields") == 0    # not due for an hour
