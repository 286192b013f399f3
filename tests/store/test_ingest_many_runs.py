"""``ingest_many`` inserts the raw rows of consecutive plain new submissions with one
statement and projects them afterwards, in order (``chips.ingest._store_new``). It must still
store and answer exactly what ``ingest`` one by one does, on both databases: here runs of
new submissions that update an entity created earlier in the run
(versions and conflicts follow the submissions' order), name attachments that have not
come, are of a form not published, or are refused, broken by submissions that must look
the store up (a resend, an edit, a remote id seen again, files) and the run that follows."""

from __future__ import annotations

import uuid
from datetime import datetime

from pyxform.xls2xform import convert
from sqlalchemy import select

from chips import formdefs
from chips.db import schema as s
from chips.ingest import IngestResult, ingest_many
from chips.records.xml import submission_from_xml
from chips.submission import AttachmentIn
from tests.store.test_ingest_many import SKIP, TABLES, _plain, other_db_url  # noqa: F401 - a fixture
from tests.store.test_entity_updates import UPDATE_FORM
from tests.support.db import dump_tables
from tests.support.store import ingest_one_by_one, make_store
from tests.support.submissions import household_answers, instance_xml

AT = datetime(2026, 11, 24, 3, 0)


def _subs(forms: dict[str, bytes], update_form: bytes) -> list:
    reg = forms["household_registration"]
    shared, other = str(uuid.uuid4()), str(uuid.uuid4())

    def sub(xml, **kw):
        return submission_from_xml(xml, source="central:x", submitted_at=AT, **kw)

    def household(iid, label, entity_id=None, **answers):
        return sub(instance_xml(reg, household_answers(**answers), instance_id=iid, entity_label=label,
                                entity_id=entity_id or str(uuid.uuid4())), source_ref=iid)

    def update(iid, hh, phone, base):
        xml = instance_xml(update_form, {"hh": hh, "phone": phone}, instance_id=iid, entity_id=hh,
                           entity_label=f"Updated {phone}")
        return sub(xml.replace(b'baseVersion=""', f'baseVersion="{base}"'.encode()))

    unknown = instance_xml(reg, household_answers(), instance_id="uuid:v9").replace(
        b'version="', b'version="9', 1)
    too_long = instance_xml(reg, household_answers(), instance_id="uuid:" + "x" * 300)
    no_consent = household_answers(consent="no")
    return [
        household("uuid:a1", "first", shared),        # a run of plain new ones …
        household("uuid:a2", "second"),
        update("uuid:u1", shared, "0811", 1),         # updates it (version 2)
        update("uuid:u2", shared, "0822", 1),         # made from version 1: a conflict
        sub(unknown),                                 # a form version not published
        sub(too_long),                                # refused, nothing stored
        sub(instance_xml(reg, no_consent, instance_id="uuid:n1")),
        household("uuid:a3", "third", other),
        household("uuid:a1", "first", shared),        # not plain: the run goes in first
        household("uuid:b1", "B"),
        household("uuid:b2", "B2"),
        sub(instance_xml(reg, household_answers(), instance_id="uuid:a3-v2", deprecated_id="uuid:a3",
                         entity_id=other, entity_label="third edited")),  # edits one of the run
        household("uuid:c1", "C"),
        sub(instance_xml(reg, household_answers(), instance_id="uuid:b1-v2", entity_label="B edited"),
            source_ref="uuid:b1"),                    # b1's remote id: its new version
        household("uuid:c2", "C2"),
        sub(instance_xml(reg, household_answers(), instance_id="uuid:f1", entity_label="F"),
            attachments=[AttachmentIn("sticker.jpg", "image/jpeg", data=b"jpeg")]),
        household("uuid:c3", "C3"),
        update("uuid:u3", other, "0833", 2),
    ]


def _order_and_entities(engine):
    """The submissions in id order, and each entity with its creating and last submission:
    what surrogate keys say, in terms the two stores share."""
    with engine.connect() as conn:
        iid = dict(conn.execute(select(s.submissions.c.id, s.submissions.c.instance_id)).all())
        order = [iid[i] for i in sorted(iid)]
        entities = sorted((e.uuid, e.label, e.version, e.conflict, iid[e.creator_submission_id],
                           iid[e.last_submission_id]) for e in conn.execute(select(s.entities)))
        events = sorted((iid[e.submission_id], e.uuid, e.action, iid[e.seq])
                        for e in conn.execute(select(s.entity_events)))
    return order, entities, events


def test_runs_of_new_submissions_store_what_ingest_one_by_one_stores(db_url, other_db_url, tmp_path,  # noqa: F811
                                                                     built_forms):
    update_form = convert(xlsform=UPDATE_FORM, file_type=".md").xform.encode()
    one = make_store(db_url, tmp_path / "one", built_forms)
    many = make_store(other_db_url, tmp_path / "many", built_forms)
    for store in (one, many):
        with store.engine.begin() as conn:
            formdefs.publish(conn, [update_form])
    subs = _subs(built_forms, update_form)

    expected = ingest_one_by_one(one, subs)
    with many.engine.begin() as conn:
        got = ingest_many(conn, subs, many.settings)

    assert [_plain(r) for r in got] == [_plain(r) for r in expected]
    statuses = [r.status if isinstance(r, IngestResult) else "error" for r in got]
    assert statuses.count("created") >= 10 and {"unknown_form", "duplicate", "updated", "error"} <= set(statuses)
    assert any(isinstance(r, IngestResult) and r.missing_attachments for r in got)
    assert dump_tables(many.engine, TABLES, skip_columns=SKIP) == dump_tables(one.engine, TABLES, skip_columns=SKIP)
    order, entities, events = _order_and_entities(many.engine)
    assert (order, entities, events) == _order_and_entities(one.engine)
    first = next(e for e in entities if e[1] in ("first", "Updated 0822"))
    assert first[2:] == (3, True, "uuid:a1", "uuid:u2")   # a1 created it, two updates, u2 a conflict
