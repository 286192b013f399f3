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
    calls = {"n": 0}

    def failing_once(real):
        def call(conn, sub, settings, **kw):
            calls["n"] += 1
            if calls["n"] == 1:
                raise RuntimeError("disk on fire")
            return real(conn, sub, settings, **kw)
        return call

    # whichever way the writer takes first fails (PostgreSQL tries the one-trip way first)
    for name in ("ingest", "ingest_new_in_one_trip"):
        monkeypatch.setattr(group_commit, name, failing_once(getattr(group_commit, name)))
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


# -- files flushed while the rows are written ----------------------------------------------


def _with_photo(store, data: bytes):
    from chips.ingest import write_files_unflushed
    from chips.submission import AttachmentIn

    sub = _sub(store, attachments=(AttachmentIn("rumah.jpg", "image/jpeg", data=data),))
    return sub, write_files_unflushed(sub, store.settings)


def test_a_submission_commits_only_after_its_files_are_flushed(store, monkeypatch):
    from sqlalchemy import event

    from chips import attachment_store

    order = []
    real_flush = attachment_store.Unflushed.flush

    def slow_flush(self):
        if not self._done:
            threading.Event().wait(0.3)   # a slow disk: the writer is done with its rows long before
            order.append("flushed")
        real_flush(self)

    monkeypatch.setattr(attachment_store.Unflushed, "flush", slow_flush)
    event.listen(store.engine, "commit", lambda conn: order.append("commit"))

    def one_trip_commit(conn, cursor, statement, *_):
        if statement.rstrip().endswith("COMMIT"):   # chips.ingest.ingest_new_in_one_trip
            order.append("commit")

    event.listen(store.engine, "before_cursor_execute", one_trip_commit)
    committer = GroupCommitter(store.engine, store.settings)
    sub, unflushed = _with_photo(store, b"photo " + uuid.uuid4().bytes)
    assert len(unflushed) == 1 and unflushed[0].key in attachment_store._FLUSHING
    assert committer.store(sub, flush=unflushed).status == "created"
    assert order == ["flushed", "commit"]
    assert unflushed[0].key not in attachment_store._FLUSHING and unflushed[0].key in attachment_store._DURABLE
    with store.engine.connect() as conn:
        present = conn.execute(select(s.attachments.c.name, s.attachments.c.sha256)
                               .where(s.attachments.c.present.is_(True))).all()
    assert present == [("rumah.jpg", unflushed[0].stored.sha256)]


def test_a_failed_flush_fails_its_submission_alone_and_stores_nothing_of_it(store, monkeypatch):
    from chips import attachment_store

    good_sub, good_files = _with_photo(store, b"good " + uuid.uuid4().bytes)
    bad_sub, bad_files = _with_photo(store, b"bad " + uuid.uuid4().bytes)
    bad_fd = bad_files[0].fd
    real_fsync = attachment_store.os.fsync

    def fsync(fd):
        if fd == bad_fd:
            raise OSError(5, "Input/output error")
        return real_fsync(fd)

    monkeypatch.setattr(attachment_store.os, "fsync", fsync)
    committer = GroupCommitter(store.engine, store.settings)
    out: list = [None, None]
    start = threading.Barrier(2)

    def send(i, sub, files):
        start.wait()
        try:
            out[i] = committer.store(sub, flush=files)
        except Exception as exc:  # noqa: BLE001 - compared below
            out[i] = exc

    threads = [threading.Thread(target=send, args=(0, good_sub, good_files)),
               threading.Thread(target=send, args=(1, bad_sub, bad_files))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not isinstance(out[0], Exception) and out[0].status == "created", out[0]
    assert isinstance(out[1], OSError) and "Input/output" in str(out[1])
    with store.engine.connect() as conn:
        stored = set(conn.execute(select(s.submissions.c.instance_id)).scalars())
    assert stored == {good_sub.instance_id}
    # removed when its flush failed; the writer may have written it again, whole, before
    # its transaction was rolled back: then it stays, unreferenced, as after any rollback
    final = bad_files[0].final
    assert not final.exists() or final.read_bytes() == bad_sub.attachments[0].data
    assert bad_files[0].key not in attachment_store._FLUSHING
    monkeypatch.setattr(attachment_store.os, "fsync", real_fsync)
    again, files = _with_photo(store, b"bad " + uuid.uuid4().bytes)
    assert committer.store(again, flush=files).status == "created"   # the writer goes on


def test_a_failing_projection_in_a_batch_is_recorded_and_the_others_projected(store):
    bad_xml = instance_xml(store.forms["anc_visit"], {"first_visit": "no", "pregnancy": str(uuid.uuid4())},
                           instance_id="uuid:anc-no-date")   # no visit date: its projection raises
    bad = submission_from_xml(bad_xml, source="openrosa")
    good = [_sub(store) for _ in range(5)]
    committer = GroupCommitter(store.engine, store.settings)
    # held back until all six are queued, so that they go as one batch
    gate = threading.Lock()
    gate.acquire()
    real_store_all = committer._store_all
    batches = []

    def store_all_after_gate(items):
        with gate:
            batches.append(len(items))
        return real_store_all(items)

    committer._store_all = store_all_after_gate
    results: list = []
    threads = [threading.Thread(target=lambda sub=sub: results.append(committer.store(sub))) for sub in [*good, bad]]
    import time
    threads[0].start()   # the writer takes this one alone and waits at the gate
    deadline = time.monotonic() + 10
    while not batches and committer._queue.qsize() and time.monotonic() < deadline:
        time.sleep(0.01)
    for t in threads[1:]:
        t.start()
    while committer._queue.qsize() < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    gate.release()
    for t in threads:
        t.join(60)
    assert batches == [1, 5]             # the failing projection was in a batch of five
    assert sorted(r.status for r in results) == ["created"] * 6
    failed = [r for r in results if r.projection_error]
    assert [r.instance_id for r in failed] == ["uuid:anc-no-date"] and "visit_date" in failed[0].projection_error
    assert _count(store, s.households) == 5 and _count(store, s.submissions) == 6
