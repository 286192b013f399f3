"""The ingest path on both databases: raw first, projection in the same transaction."""

from __future__ import annotations

import hashlib
import re
import uuid

import pytest
from sqlalchemy import func, select

from chips import entities as entity_lists
from chips.db import schema as s
from chips.ingest import IngestError, ingest, mark_deleted
from chips.records.xml import submission_from_xml
from chips.submission import AttachmentIn
from tests.support.db import dump_tables
from tests.support.submissions import household_answers, instance_xml

ALL = [t.name for t in (s.submissions, s.attachments, *s.PROJECTION_TABLES)]


def _ingest(store, xml: bytes, attachments=(), **fields):
    sub = submission_from_xml(xml, source="test", attachments=attachments, **fields)
    with store.engine.begin() as conn:
        return ingest(conn, sub, store.settings)


def _one(store, query):
    with store.engine.connect() as conn:
        return conn.execute(query).one()


def _count(store, table, *where):
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table).where(*where)).scalar_one()


def registration(store, **kw):
    answers = kw.pop("answers", None) or household_answers()
    return instance_xml(store.forms["household_registration"], answers, entity_label=kw.pop("label", "Pak Slamet – Sempu"), **kw)


def test_new_submission_is_stored_and_projected(store):
    entity = str(uuid.uuid4())
    xml = registration(store, entity_id=entity, instance_id="uuid:reg-1")
    result = _ingest(store, xml, submitter="tim1")
    assert result.status == "created"
    assert result.missing_attachments == ("sticker.jpg",)

    raw = _one(store, select(s.submissions).where(s.submissions.c.instance_id == "uuid:reg-1"))
    assert bytes(raw.raw) == xml and raw.raw_sha256 == hashlib.sha256(xml).hexdigest()
    assert (raw.state, raw.status, raw.logical_id, raw.submitter) == ("current", "projected", "uuid:reg-1", "tim1")

    hh = _one(store, select(s.households))
    assert hh.uuid == entity and hh.village_code == "35.10.20.2001" and hh.rt == "2" and hh.rw == "5"
    assert (hh.latitude, hh.longitude, hh.altitude, hh.accuracy) == (-8.2812, 114.2201, 95.0, 4.5)
    assert hh.lone_elderly_count == 1 and hh.poverty_status == "dtks" and str(hh.registered_on) == "2026-11-24"
    assert _count(store, s.members, s.members.c.household_uuid == entity) == 2
    kinds = {r.kind for r in _store_rows(store, s.installations)}
    assert kinds == {"sticker", "kenthongan"}

    ent = _one(store, select(s.entities))
    assert (ent.dataset, ent.uuid, ent.version, ent.label) == ("households", entity, 1, "Pak Slamet – Sempu")
    assert ent.properties["geometry"] == "-8.2812 114.2201 95.0 4.5"
    assert ent.properties["village"] == "35.10.20.2001"


def _store_rows(store, table):
    with store.engine.connect() as conn:
        return conn.execute(select(table)).all()


def test_no_consent_stores_raw_but_registers_no_household(store):
    xml = registration(store, answers=household_answers(consent="no"), entity_create="0")
    assert _ingest(store, xml).status == "created"
    assert _count(store, s.submissions) == 1
    assert _count(store, s.households) == 0 and _count(store, s.entities) == 0


def test_identical_resend_changes_nothing(store):
    xml = registration(store)
    _ingest(store, xml)
    before = dump_tables(store.engine, ALL)
    result = _ingest(store, xml)
    assert result.status == "duplicate"
    assert dump_tables(store.engine, ALL) == before


def test_attachments_arrive_later_and_are_content_addressed(store):
    xml = registration(store, instance_id="uuid:reg-photo")
    assert _ingest(store, xml).missing_attachments == ("sticker.jpg",)
    photo = b"\xff\xd8\xff" + b"jpeg bytes" * 100
    result = _ingest(store, xml, attachments=[AttachmentIn("sticker.jpg", "image/jpeg", data=photo)])
    assert result.status == "attachments_added" and result.attachments_added == ("sticker.jpg",)
    assert result.missing_attachments == ()
    row = _one(store, select(s.attachments))
    sha = hashlib.sha256(photo).hexdigest()
    assert (row.present, row.sha256, row.size, row.media_type) == (True, sha, len(photo), "image/jpeg")
    assert (store.settings.attachments_dir / row.path).read_bytes() == photo
    assert row.path == f"{sha[:2]}/{sha}"
    # the same photo again: nothing new
    assert _ingest(store, xml, attachments=[AttachmentIn("sticker.jpg", "image/jpeg", data=photo)]).status == "duplicate"


def test_edit_replaces_projection_and_keeps_history(store):
    entity = str(uuid.uuid4())
    _ingest(store, registration(store, entity_id=entity, instance_id="uuid:v1"))
    answers = household_answers()
    answers["household"] = {"head_name": "Pak Slamet Raharjo", "phone": "0822", "poverty": "near_poor"}
    answers["members"] = answers["members"][:1]
    edit = registration(store, answers=answers, entity_id=entity, instance_id="uuid:v2", deprecated_id="uuid:v1",
                        label="Pak Slamet Raharjo – Sempu")
    result = _ingest(store, edit)
    assert result.status == "updated" and result.logical_id == "uuid:v1"
    states = {r.instance_id: (r.state, r.logical_id) for r in _store_rows(store, s.submissions)}
    assert states == {"uuid:v1": ("superseded", "uuid:v1"), "uuid:v2": ("current", "uuid:v1")}
    hh = _one(store, select(s.households))
    assert (hh.head_name, hh.poverty_status, hh.logical_id) == ("Pak Slamet Raharjo", "near_poor", "uuid:v1")
    assert _count(store, s.members) == 1
    ent = _one(store, select(s.entities))
    # an edit replaces the creating submission: the entity is re-created from it, not updated
    assert (ent.version, ent.label) == (1, "Pak Slamet Raharjo – Sempu")
    assert ent.properties["poverty"] == "near_poor"


def test_edit_of_a_superseded_version_is_a_conflict(store):
    _ingest(store, registration(store, instance_id="uuid:a1"))
    _ingest(store, registration(store, instance_id="uuid:a2", deprecated_id="uuid:a1"))
    before = dump_tables(store.engine, ALL)
    result = _ingest(store, registration(store, instance_id="uuid:a3", deprecated_id="uuid:a1"))
    assert result.status == "conflict" and "out of date" in result.message
    assert dump_tables(store.engine, ALL) == before


def test_same_instance_id_different_xml_is_a_conflict(store):
    _ingest(store, registration(store, instance_id="uuid:same"))
    before = dump_tables(store.engine, ALL)
    other = registration(store, answers=household_answers(consent="yes", today="2026-11-25"), instance_id="uuid:same")
    result = _ingest(store, other)
    assert result.status == "conflict" and "different XML" in result.message
    assert dump_tables(store.engine, ALL) == before


def test_edit_arriving_before_its_original(store):
    entity = str(uuid.uuid4())
    v1 = registration(store, entity_id=entity, instance_id="uuid:o1")
    answers = household_answers()
    answers["household"] = {"head_name": "Edited", "phone": "", "poverty": "dtks"}
    v2 = registration(store, answers=answers, entity_id=entity, instance_id="uuid:o2", deprecated_id="uuid:o1")
    assert _ingest(store, v2).status == "created"
    assert _ingest(store, v1).status == "created"
    states = {r.instance_id: (r.state, r.logical_id) for r in _store_rows(store, s.submissions)}
    assert states == {"uuid:o1": ("superseded", "uuid:o1"), "uuid:o2": ("current", "uuid:o1")}
    assert _one(store, select(s.households)).head_name == "Edited"


def test_deleted_submission_leaves_projection_keeps_raw(store):
    entity = str(uuid.uuid4())
    _ingest(store, registration(store, entity_id=entity, instance_id="uuid:del"))
    with store.engine.begin() as conn:
        assert mark_deleted(conn, source="test", instance_id="uuid:del").status == "deleted"
    assert _count(store, s.households) == 0 and _count(store, s.members) == 0 and _count(store, s.entities) == 0
    row = _one(store, select(s.submissions))
    assert row.state == "deleted" and row.deleted_at is not None
    with store.engine.begin() as conn:
        assert mark_deleted(conn, source="test", instance_id="uuid:del").status == "already_deleted"
        assert mark_deleted(conn, source="test", source_ref="nope").status == "not_found"
    assert _ingest(store, registration(store, entity_id=entity, instance_id="uuid:del")).status == "conflict"


def test_mark_deleted_and_restored_by_source_ref(store):
    from chips.ingest import mark_restored

    _ingest(store, registration(store, instance_id="uuid:r1"), source_ref="central-1")
    projected = dump_tables(store.engine, [t.name for t in s.PROJECTION_TABLES])
    with store.engine.begin() as conn:
        result = mark_deleted(conn, source="test", source_ref="central-1")
    assert result.status == "deleted" and result.instance_ids == ("uuid:r1",)
    assert _count(store, s.households) == 0
    with store.engine.begin() as conn:
        assert mark_restored(conn, source="test", source_ref="central-1").status == "restored"
        assert mark_restored(conn, source="test", source_ref="central-1").status == "not_found"
    assert dump_tables(store.engine, [t.name for t in s.PROJECTION_TABLES]) == projected
    assert _one(store, select(s.submissions.c.state)).state == "current"


def test_unknown_form_version_is_kept_and_reprojected_once_published(store):
    from chips import formdefs
    from chips.ingest import reproject

    newer = re.sub(rb'version="\d{10}"', b'version="2099010101"', store.forms["household_registration"], count=1)
    xml = instance_xml(newer, household_answers(), instance_id="uuid:future")
    result = _ingest(store, xml)
    assert result.status == "unknown_form"
    assert _one(store, select(s.submissions)).status == "unknown_form"
    assert _count(store, s.households) == 0
    with store.engine.begin() as conn:
        formdefs.publish(conn, [newer])
        counts = reproject(conn, store.settings)
    assert counts == {"projected": 1}
    assert _count(store, s.households) == 1


def test_projection_failure_keeps_the_raw_submission(store):
    xml = instance_xml(store.forms["anc_visit"], {"first_visit": "no", "pregnancy": str(uuid.uuid4())})
    result = _ingest(store, xml)  # no visit_date: the projection refuses it
    assert result.status == "created" and "visit_date" in result.projection_error
    row = _one(store, select(s.submissions))
    assert row.status == "failed" and "visit_date" in row.status_detail
    assert _count(store, s.anc_visits) == 0


@pytest.mark.parametrize(
    "change, message",
    [
        (dict(instance_id=""), "instanceID"),
        (dict(attachments=[AttachmentIn("../etc/passwd", data=b"x")]), "plain file name"),
        (dict(attachments=[AttachmentIn("a/b.jpg", data=b"x")]), "plain file name"),
        (dict(attachments=[AttachmentIn("big.jpg", data=b"x" * 2049)]), "more than"),
    ],
)
def test_bad_submissions_are_refused_whole(store, change, message):
    import dataclasses

    store.settings = store.settings.with_overrides(max_attachment_bytes=2048)
    sub = dataclasses.replace(submission_from_xml(registration(store), source="test"), **change)
    with store.engine.begin() as conn:
        with pytest.raises(IngestError, match=message):
            ingest(conn, sub, store.settings)
    assert _count(store, s.submissions) == 0


def test_entity_list_csv_and_hash_follow_the_list(store):
    from chips import formdefs

    with store.engine.connect() as conn:
        props = formdefs.dataset_properties(formdefs.current(conn), "households")
        empty = entity_lists.entity_list_csv(conn, "households", props)
    assert empty.decode().splitlines() == ["name,label,__version," + ",".join(props)]
    a, b = str(uuid.uuid4()), str(uuid.uuid4())
    _ingest(store, registration(store, entity_id=a, label='Pak "A", Sempu'))
    with store.engine.connect() as conn:
        one = entity_lists.entity_list_csv(conn, "households", props)
    _ingest(store, registration(store, entity_id=b, label="Bu B"))
    with store.engine.connect() as conn:
        two = entity_lists.entity_list_csv(conn, "households", props)
        assert entity_lists.integrity(conn, "households", [a, str(uuid.uuid4())]) == [(a, False)]
    assert len({entity_lists.csv_hash(x) for x in (empty, one, two)}) == 3
    lines = two.decode().split("\n")
    assert lines[-1] == "" and not two.startswith(b"\xef\xbb\xbf")
    assert lines[1].startswith(f"{b},Bu B,1,")  # newest first
    assert lines[2].startswith(f'{a},"Pak ""A"", Sempu",1,35.10.20.2001,Sempu,')
