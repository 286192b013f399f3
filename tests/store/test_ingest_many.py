"""``ingest_many`` (the batch path of sync and the demo) answers and stores exactly what
``ingest`` one by one does, on both databases — including the cases its batch look-ups and
its single savepoint could get wrong: keys repeated inside one batch, an edit of a
submission of the same batch, an out-of-order edit, a remote id seen again, a projection
that fails (the whole batch is then redone one savepoint each) and a refused submission."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest

from chips.db import schema as s
from chips.ingest import IngestError, IngestResult, ingest_many
from chips.records.xml import submission_from_xml
from chips.submission import AttachmentIn
from tests.support.db import dump_tables, fresh_pg_database
from tests.support.store import make_store
from tests.support.store import ingest_one_by_one
from tests.support.submissions import household_answers, instance_xml

TABLES = [t.name for t in (s.submissions, s.attachments, *s.PROJECTION_TABLES)]
# surrogate keys: PostgreSQL does not give back the ids of a batch rolled back to its savepoint
SKIP = {"id", "submission_id", "creator_submission_id", "last_submission_id", "seq", "received_at"}
AT = datetime(2026, 11, 24, 2, 0)


@pytest.fixture
def other_db_url(db_url, tmp_path):
    """A second empty database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'other.sqlite'}"
        yield url
        from chips.db.engine import dispose_engine

        dispose_engine(url)
        return
    with fresh_pg_database() as url:
        yield url


def _batch(forms: dict[str, bytes], *, failing: bool) -> list:
    reg = forms["household_registration"]
    e1, e2 = str(uuid.uuid4()), str(uuid.uuid4())

    def sub(xml, **kw):
        return submission_from_xml(xml, source="central:x", submitted_at=AT, **kw)

    def household(iid, label, **kw):
        return instance_xml(reg, household_answers(), instance_id=iid, entity_label=label, **kw)

    first = household("uuid:b1", "A", entity_id=e1)
    photo_answers = household_answers()
    photo_answers["sticker"] = dict(photo_answers.get("sticker") or {}, sticker_installed="yes", sticker_photo="s.jpg")
    photo = instance_xml(reg, photo_answers, instance_id="uuid:p1", entity_label="P")
    jpeg = [AttachmentIn("s.jpg", "image/jpeg", data=b"jpeg")]
    subs = [
        sub(first),
        sub(first),                                           # the same again in this batch: duplicate
        sub(household("uuid:b1", "X", entity_id=e2)),         # same instanceID, other XML: conflict
        sub(household("uuid:b1-v2", "A2", deprecated_id="uuid:b1", entity_id=e1)),  # edits one of this batch
        sub(household("uuid:c1-v2", "C2", deprecated_id="uuid:c1", entity_id=e2)),  # an edit before …
        sub(household("uuid:c1", "C", entity_id=e2)),         # … the version it edits: born superseded
        sub(household("uuid:r1", "R"), source_ref="r1"),
        sub(household("uuid:r1-v2", "R2"), source_ref="r1"),  # the same remote id: r1's new version
        sub(photo, attachments=[AttachmentIn("s.jpg", "image/jpeg", data=b"x" * 4096)]),  # too large: refused
        sub(photo),                                           # created, waiting for s.jpg
        sub(photo, attachments=jpeg),                         # attachments_added
        sub(photo, attachments=jpeg),                         # duplicate
    ]
    if failing:  # an ANC visit without a visit date: its projection raises
        bad = instance_xml(forms["anc_visit"], {"first_visit": "no", "pregnancy": str(uuid.uuid4())},
                           instance_id="uuid:anc-bad")
        subs.insert(4, sub(bad))
    return subs


def _plain(outcome):
    if isinstance(outcome, IngestError):
        return ("error", str(outcome))
    assert isinstance(outcome, IngestResult)
    return (outcome.status, outcome.instance_id, outcome.logical_id, outcome.message, outcome.attachments_added,
            outcome.missing_attachments, outcome.projection_error)


_one_by_one = ingest_one_by_one


@pytest.mark.parametrize("failing", [False, True], ids=["all-project", "one-projection-fails"])
def test_batch_equals_one_by_one(db_url, other_db_url, tmp_path, built_forms, failing):
    one = make_store(db_url, tmp_path / "one", built_forms, max_attachment_bytes=2048)
    many = make_store(other_db_url, tmp_path / "many", built_forms, max_attachment_bytes=2048)
    subs = _batch(built_forms, failing=failing)
    expected = _one_by_one(one, subs)
    # twice: the second batch must see what the first stored (all duplicates now)
    got = []
    for _ in range(2):
        with many.engine.begin() as conn:
            got += ingest_many(conn, subs, many.settings)
    expected += _one_by_one(one, subs)
    assert [_plain(r) for r in got] == [_plain(r) for r in expected]
    statuses = {r.status if isinstance(r, IngestResult) else "error" for r in got}
    assert {"created", "duplicate", "conflict", "updated", "attachments_added", "error"} <= statuses
    assert any(isinstance(r, IngestResult) and r.projection_error for r in got) == failing
    assert dump_tables(many.engine, TABLES, skip_columns=SKIP) == dump_tables(one.engine, TABLES, skip_columns=SKIP)
