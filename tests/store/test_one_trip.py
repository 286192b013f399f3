"""PostgreSQL: a new submission stored in one round trip (``chips.ingest.ingest_new_in_one_trip``)
must leave exactly what ``ingest`` leaves, fall back having written nothing whenever it is not
its case, and survive a parallel upload of the same submission between its look-up and its
script."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import event, func, select

from chips import formdefs
from chips import ingest as ingest_module
from chips.db import schema as s
from chips.demo.generate import DEFAULT_SEED, WIB, generate
from chips.demo.submissions import FormTemplate, placeholder_photo, programme_submissions
from chips.group_commit import GroupCommitter
from chips.ingest import IngestResult, ingest, ingest_new_in_one_trip
from chips.records.xml import submission_from_xml
from chips.submission import AttachmentIn
from tests.store.test_ingest_many import SKIP, TABLES
from tests.support.db import dump_tables, fresh_pg_database, require_pg
from tests.support.store import ingest_one_by_one, make_store
from tests.support.submissions import household_answers, instance_xml

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url():
    require_pg()
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def store(pg_url, tmp_path, built_forms):
    return make_store(pg_url, tmp_path / "instance", built_forms)


@pytest.fixture
def other(tmp_path, built_forms):
    """A second store on a database of its own, for ``ingest`` one by one."""
    with fresh_pg_database() as url:
        yield make_store(url, tmp_path / "other", built_forms)


def _trip(store):
    return store.engine.connect().execution_options(isolation_level="AUTOCOMMIT")


def _demo_subs(forms: dict[str, bytes], n: int) -> list:
    """``n`` of the demo's submissions, every form in its share, photos included."""
    templates = {fd.form_id: FormTemplate.from_xform(fd.xml)
                 for fd in (formdefs.parse_xform(x) for x in forms.values())}
    every = list(programme_submissions(generate(DEFAULT_SEED, datetime(2026, 11, 1, 9, 0, tzinfo=WIB)), templates))
    photo = placeholder_photo()
    picked = [every[i * len(every) // n] for i in range(n)]
    # submitted_at fixed: an entity's dates come from it, or else from the moment of storing
    return [submission_from_xml(item.xml, source="openrosa", submitter="tim1", submitted_at=item.submitted_at,
                                attachments=tuple(AttachmentIn(name, "image/jpeg", data=photo + name.encode())
                                                  for name in item.photos))
            for item in picked]


def _one_trip_or_ingest(store, subs) -> tuple[list, int]:
    out, trips = [], 0
    with _trip(store) as trip:
        for sub in subs:
            result = ingest_new_in_one_trip(trip, sub, store.settings)
            if result is None:
                with store.engine.begin() as conn:
                    result = ingest(conn, sub, store.settings)
            else:
                trips += 1
            out.append(result)
    return out, trips


def _count(store) -> int:
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(s.submissions)).scalar_one()


def test_leaves_the_tables_ingest_leaves(store, other):
    subs = _demo_subs(store.forms, 120)
    got, trips = _one_trip_or_ingest(store, subs)
    want = ingest_one_by_one(other, subs)
    assert [(r.status, r.attachments_added, r.missing_attachments) for r in got] == \
           [(r.status, r.attachments_added, r.missing_attachments) for r in want]
    assert dump_tables(store.engine, TABLES, skip_columns=SKIP) == dump_tables(other.engine, TABLES, skip_columns=SKIP)
    anc = sum(1 for sub in subs if sub.form_id == "anc_visit")
    assert anc and trips == len(subs) - anc   # every one but the ANC visits (tallies read back)


def test_a_registration_with_a_photo_takes_three_round_trips(store):
    sub = _demo_subs(store.forms, 40)
    sub = next(x for x in sub if x.form_id == "household_registration" and x.attachments)
    with _trip(store) as trip:
        formdefs.load(trip, sub.form_id, sub.form_version)   # loaded once per process
        statements = []
        event.listen(trip, "before_cursor_execute", lambda *a: statements.append(a[2].split()[0]))
        result = ingest_new_in_one_trip(trip, sub, store.settings)
    assert isinstance(result, IngestResult) and result.status == "created"
    # the look-up with the new id, the entity look-up, then BEGIN … every INSERT … COMMIT
    assert statements == ["SELECT", "SELECT", "BEGIN;"]
    with store.engine.connect() as conn:
        assert conn.execute(select(s.households.c.submission_id)).scalar_one() == result.submission_id
        assert conn.execute(select(s.attachments.c.present)).scalar_one() is True


def _registration(store, instance_id=None, **kw):
    return submission_from_xml(instance_xml(store.forms["household_registration"], household_answers(),
                                            instance_id=instance_id or f"uuid:{uuid.uuid4()}",
                                            entity_id=str(uuid.uuid4())), source="openrosa", **kw)


def test_falls_back_having_written_nothing(store, monkeypatch):
    stored = _registration(store)
    with store.engine.begin() as conn:
        ingest(conn, stored, store.settings)
    edit = submission_from_xml(instance_xml(store.forms["household_registration"], household_answers(),
                                            instance_id=f"uuid:{uuid.uuid4()}", deprecated_id=stored.instance_id,
                                            entity_id=str(uuid.uuid4())), source="openrosa")
    anc = next(x for x in _demo_subs(store.forms, 60) if x.form_id == "anc_visit")
    unknown = submission_from_xml(instance_xml(store.forms["household_registration"], household_answers(),
                                               instance_id="uuid:v9").replace(b'version="', b'version="9', 1),
                                  source="openrosa")
    with _trip(store) as trip:
        for sub in (stored, edit, anc, unknown, _registration(store, source_ref="remote-1")):
            assert ingest_new_in_one_trip(trip, sub, store.settings) is None, sub.instance_id
        monkeypatch.setattr(ingest_module, "project", lambda *a, **k: 1 / 0)
        assert ingest_new_in_one_trip(trip, _registration(store), store.settings) is None
        monkeypatch.undo()

        def no_disk():
            raise OSError(5, "Input/output error")
        with pytest.raises(OSError):
            ingest_new_in_one_trip(trip, _registration(store), store.settings, before_commit=no_disk)
        assert _count(store) == 1
        assert ingest_new_in_one_trip(trip, _registration(store), store.settings).status == "created"
    assert _count(store) == 2


def test_a_parallel_upload_of_the_same_submission_is_answered_as_a_resend(store, monkeypatch):
    """Another process stores the same submission between the look-up and the script: the
    script fails on the unique instanceID and is rolled back, and the writer answers the
    ordinary way (a resend); its connection goes on."""
    sub = _registration(store)
    real = ingest_module.run_script

    def after_a_parallel_upload(conn, script):
        with store.engine.begin() as other:
            ingest(other, sub, store.settings)
        monkeypatch.setattr(ingest_module, "run_script", real)
        real(conn, script)

    monkeypatch.setattr(ingest_module, "run_script", after_a_parallel_upload)
    committer = GroupCommitter(store.engine, store.settings)
    assert committer.store(sub).status == "duplicate"
    assert _count(store) == 1
    assert committer.store(_registration(store)).status == "created"
    assert _count(store) == 2
