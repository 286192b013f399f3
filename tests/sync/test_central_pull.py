"""Pulls from the fake Central: complete, incremental, edits, deletions, attachments."""

from __future__ import annotations

import random

from sqlalchemy import select

from chips.db.schema import submissions
from sync.runner import run
from tests.sync.conftest import PASSWORD_ENV, REG, make_settings, prepare_store, write_config
from tests.sync.helpers import count_rows, held, present_files

SRC = "central:c"


def _setup(tmp_path, central, forms, db_url=None):
    write_config(tmp_path, central_url=central.url)
    settings = make_settings(tmp_path, db_url or f"sqlite:///{tmp_path / 'chips.sqlite'}")
    return settings, prepare_store(settings, forms)


def _sync(settings, **kw):
    tally = run(settings, ["c"], environ=PASSWORD_ENV, **kw)["c"]
    assert tally.stopped is None, tally.stopped
    return tally


def test_first_pull_stores_everything_once_and_second_fetches_one_empty_page(tmp_path, central, forms):
    central.seed(REG, 2000, random.Random(3), attachment_every=7)
    settings, engine = _setup(tmp_path, central, forms)

    tally = _sync(settings)
    assert held(engine, SRC) == central.content(REG)
    assert count_rows(engine, SRC) == 2000
    expected_files = {s.instance_id: set(s.attachments) for s in central.forms[REG].subs if s.attachments}
    assert present_files(engine, SRC) == expected_files
    assert tally.new == 2000 and tally.attachments == len(expected_files)
    assert tally.messages == []
    with engine.connect() as conn:
        statuses = {r[0] for r in conn.execute(select(submissions.c.status).where(submissions.c.source == SRC))}
    assert statuses == {"projected"}          # the records project like XML ones
    # each file fetched once; pages newest first, never $orderby
    assert central.log.count("GET", "/attachments/photo-") == len(expected_files)
    assert central.log.count("GET", ".svc/Submissions") == 4          # 2000 rows, 500 a page
    assert not any("orderby" in q for _, _, q in central.log.entries)

    central.log.clear()
    again = _sync(settings)
    assert (again.new, again.updated, again.deleted, again.attachments) == (0, 0, 0, 0)
    assert central.log.count("GET", ".svc/Submissions") == 1
    assert central.log.count("GET", "/attachments") == 0
    _, _, query = [e for e in central.log.entries if ".svc/Submissions" in e[1]][0]
    assert "deletedAt" in query and "updatedAt" in query and "submissionDate" in query


class TestChangesBetweenPulls:
    """On SQLite and on PostgreSQL (the db_url fixture of tests/conftest.py)."""

    def test_edits_reviews_deletions_and_late_attachments_show_up(self, tmp_path, central, forms, db_url):
        _changes_show_up(tmp_path, central, forms, db_url)


def _changes_show_up(tmp_path, central, forms, db_url):
    ids = central.seed(REG, 300, random.Random(4), attachment_every=0)
    # one submission whose photo has not arrived yet
    # one submission whose second file has not arrived yet
    late = central.submit(REG, _with_photo(central, ids[5]), {"late.jpg": None, "early.jpg": b"JPEG early"})
    settings, engine = _setup(tmp_path, central, forms, db_url)
    _sync(settings)
    assert held(engine, SRC) == central.content(REG)
    assert present_files(engine, SRC).get(central.find(REG, late).instance_id) == {"early.jpg"}
    assert central.log.count("GET", "/attachments/early.jpg") == 1

    new_id = central.edit(REG, ids[10], ("location/dusun", "Krajan"))
    central.review(REG, ids[11], "approved")
    central.delete(REG, ids[12])
    central.upload_attachment(REG, late, "late.jpg", b"JPEG late")
    added = central.submit(REG, _with_id(central, ids[20]))

    tally = _sync(settings)
    assert held(engine, SRC) == central.content(REG)
    assert (tally.new, tally.updated, tally.deleted, tally.attachments) == (1, 2, 1, 1)
    with engine.connect() as conn:
        rows = {r.instance_id: r for r in conn.execute(select(submissions).where(submissions.c.source == SRC))}
    assert rows[new_id].state == "current" and rows[ids[10]].state == "superseded"
    assert rows[ids[11]].review_state == "approved"
    assert rows[ids[12]].state == "deleted"
    assert rows[added].state == "current"
    assert present_files(engine, SRC)[central.find(REG, late).instance_id] == {"late.jpg", "early.jpg"}
    # the file we had was asked with If-None-Match and not sent again
    assert central.log.count("GET", "/attachments/early.jpg") == 2 and central.not_modified == 1

    central.log.clear()
    _sync(settings)
    # the pass, and the server's deleted list (we hold a deleted one: was it restored?)
    assert central.log.count("GET", ".svc/Submissions") == 2
    assert central.log.count("GET", ".svc/Submissions", query="deletedAt%20ne%20null") == 1
    assert central.log.count("GET", "/attachments") == 0   # nothing pending any more


def test_a_submission_restored_on_central_comes_back(tmp_path, central, forms):
    from chips.db.schema import households

    ids = central.seed(REG, 40, random.Random(5), attachment_every=0)
    settings, engine = _setup(tmp_path, central, forms)
    _sync(settings)
    consenting = [i for i in ids if (central.find(REG, i).data.get("consent") == "yes")]
    kept, edited, purged = consenting[:3]
    for ref in (kept, edited, purged):
        central.delete(REG, ref)
    _sync(settings)

    def state(ref):
        with engine.connect() as conn:
            return conn.execute(select(submissions.c.state).where(
                submissions.c.source_ref == ref, submissions.c.state != "superseded")).scalar_one()

    def household_count():
        with engine.connect() as conn:
            return len(conn.execute(select(households.c.id)).all())

    assert {state(r) for r in (kept, edited, purged)} == {"deleted"}
    before = household_count()
    # restored (updatedAt untouched), restored then edited, and one Central purged for good
    central.restore(REG, kept)
    central.restore(REG, edited)
    new_id = central.edit(REG, edited, ("location/dusun", "Krajan"))
    with central.lock:
        central.forms[REG].subs.remove(central.find(REG, purged))
    tally = _sync(settings)
    assert state(kept) == "current" and state(edited) == "current" and state(purged) == "deleted"
    with engine.connect() as conn:
        assert conn.execute(select(submissions.c.instance_id).where(
            submissions.c.source_ref == edited, submissions.c.state == "current")).scalar_one() == new_id
    assert household_count() == before + 2           # projected again
    assert tally.updated == 3 and tally.deleted == 0   # two restores and the edit
    assert sum("restored on the server" in m for m in tally.messages) == 2
    assert held(engine, SRC) == central.content(REG)


def _with_id(central, ref: str) -> bytes:
    import uuid
    from tests.fakes.xforms import with_new_instance
    return with_new_instance(central.find(REG, ref).xml, f"uuid:{uuid.uuid4()}")


def _with_photo(central, ref: str) -> bytes:
    from lxml import etree
    root = etree.fromstring(_with_id(central, ref))
    root.find("sticker/sticker_photo").text = "late.jpg"
    return etree.tostring(root)
