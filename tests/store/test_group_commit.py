"""chips.group_commit: concurrent submissions share a transaction, each gets its own answer."""

from __future__ import annotations

import threading
import uuid

import pytest
from sqlalchemy import func, select

from chips import group_commit
from chips.db import schema as s
from chips.group_commit import GroupCommitter
from chips.ingest import IngestError
from chips.records.xml import submission_from_xml
from tests.support.submissions import household_answers, instance_xml


def _sub(store, instance_id=None, **fields):
    xml = instance_xml(store.forms["household_registration"], household_answers(),
                       instance_id=instance_id or f"uuid:{uuid.uuid4()}", entity_id=str(uuid.uuid4()))
    return submission_from_xml(xml, source="openrosa", **fields)


def _count(store, table):
    with store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def _together(committer, subs):
    """Store ``subs`` from as many threads at once; each thread's result or exception."""
    out: list = [None] * len(subs)
    start = threading.Barrier(len(subs))

    def send(i):
        start.wait()
        try:
            out[i] = committer.store(subs[i])
        except Exception as exc:  # noqa: BLE001 - compared below
            out[i] = exc

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(subs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return out


def test_concurrent_submissions_are_each_stored_and_answered(store):
    committer = GroupCommitter(store.engine, store.settings)
    subs = [_sub(store) for _ in range(12)]
    results = _together(committer, subs)
    assert [r.status for r in results] == ["created"] * 12
    assert sorted(r.instance_id for r in results) == sorted(sub.instance_id for sub in subs)
    assert _count(store, s.submissions) == 12 and _count(store, s.households) == 12


def test_a_refused_submission_does_not_cost_its_batch_companions(store):
    committer = GroupCommitter(store.engine, store.settings)
    first = _sub(store)
    assert committer.store(first).status == "created"
    # the same instanceID with other XML is a conflict; an over-long instanceID is refused
    clash = submission_from_xml(
        instance_xml(store.forms["household_registration"], household_answers(head_name="Lain"),
                     instance_id=first.instance_id), source="openrosa")
    bad = _sub(store, instance_id="uuid:" + "7" * 400)  # longer than the column
    good = [_sub(store) for _ in range(6)]
    results = _together(committer, [clash, bad, *good])
    assert results[0].status == "conflict"
    assert isinstance(results[1], IngestError)
    assert [r.status for r in results[2:]] == ["created"] * 6
    assert _count(store, s.submissions) == 7


def test_the_same_submission_twice_at_once_is_stored_once(store):
    committer = GroupCommitter(store.engine, store.settings)
    sub = _sub(store)
    results = _together(committer, [sub, sub, sub])
    assert sorted(r.status for r in results) == ["created", "duplicate", "duplicate"]
    assert _count(store, s.submissions) == 1


def test_a_database_error_reaches_the_waiting_requests_and_the_writer_goes_on(store, monkeypatch):
    committer = GroupCommitter(store.engine, store.settings)
    real = group_commit.ingest
    calls = {"n": 0}

    def failing_once(conn, sub, settings, **kw):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("disk on fire")
        return real(conn, sub, settings, **kw)

    monkeypatch.setattr(group_commit, "ingest", failing_once)
    with pytest.raises(RuntimeError, match="disk on fire"):
        committer.store(_sub(store))
    assert _count(store, s.submissions) == 0  # rolled back, nothing half-stored
    assert committer.store(_sub(store)).status == "created"


def test_the_writer_thread_ends_when_idle_and_comes_back(store, monkeypatch):
    monkeypatch.setattr(group_commit, "IDLE_SECONDS", 0.05)
    committer = GroupCommitter(store.engine, store.settings)
    assert committer.store(_sub(store)).status == "created"
    writer = committer._thread
    assert writer is not None
    writer.join(5)
    assert not writer.is_alive() and committer._thread is None
    assert committer.store(_sub(store)).status == "created"
    assert _count(store, s.submissions) == 2
