"""Group commit: submissions that arrive together are stored in one transaction.

Every OpenRosa POST must be durable before its 201, and each commit costs a flush to disk
(SQLite's WAL with ``synchronous=FULL``, PostgreSQL's WAL). With several phones sending at
once, each request taking its own transaction meant one flush per submission and, on
SQLite, requests queueing for the single write lock in SQLite's busy handler, which sleeps
in growing steps (1, 2, 5, 10 … ms) instead of waking when the lock is free. Here one
writer thread per database takes whatever submissions are waiting, stores them with one
:func:`chips.ingest.ingest_many` and one commit, then wakes their requests: a request
still answers only after its own submission is committed (the same promise as before,
the technique databases themselves call group commit). One submission alone goes
straight through :func:`chips.ingest.ingest`, without waiting for company.

The writer thread starts on the first submission and ends after ``IDLE_SECONDS`` without
work, so an app that receives nothing keeps no thread.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from chips import attachment_store
from chips.ingest import IngestError, IngestResult, ProjectionFailed, ingest, ingest_many, ingest_new_in_one_trip
from chips.submission import Submission

IDLE_SECONDS = 30.0
MAX_BATCH = 64


@dataclass
class _Item:
    sub: Submission
    done: Future
    flushed: Future | None = None              # its files' flush, done by the request's thread
    files: frozenset[str] = frozenset()        # those files (attachment_store keys)


class _FlushFailed(Exception):
    """Files of some of a batch's submissions could not be flushed to disk."""

    def __init__(self, failed: list[tuple[_Item, BaseException]]) -> None:
        super().__init__(f"{len(failed)} submission(s) whose files could not be flushed")
        self.failed = failed


class GroupCommitter:
    """One per app (``server.openrosa`` keeps it in ``app.extensions``); thread-safe."""

    def __init__(self, engine: Engine, settings: Any, max_batch: int = MAX_BATCH) -> None:
        self.engine, self.settings, self.max_batch = engine, settings, max_batch
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None  # the writer thread's, while it runs
        # PostgreSQL: a second one, in autocommit, for a new submission stored in one
        # round trip (chips.ingest.ingest_new_in_one_trip)
        self._trip: Connection | None = None
        self._one_trip = engine.dialect.name == "postgresql"

    def store(self, sub: Submission, flush: list[attachment_store.Unflushed] | None = None) -> IngestResult:
        """Ingest ``sub`` and return once it is committed; raises ``IngestError`` when it is
        refused, or the database's error when its batch could not be stored.

        ``flush``: files of ``sub`` written but not yet flushed
        (``chips.ingest.write_files_unflushed``). They are flushed here, in the caller's
        thread, while the writer stores the submission; the writer waits for that flush
        before it commits, so nothing that refers to a file commits before the file is on
        disk. A photo's fsync and the transaction's statements then overlap instead of
        following each other (bench/ingest.py, one phone). A failed flush fails this
        submission alone, with the error, and nothing of it is committed."""
        item = _Item(sub, Future())
        if flush:
            item.flushed, item.files = Future(), frozenset(f.key for f in flush)
        with self._lock:
            self._queue.put(item)
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="chips-group-commit", daemon=True)
                self._thread.start()
        if item.flushed is not None:
            try:
                attachment_store.flush_all(flush)
            except BaseException as exc:  # noqa: BLE001 - the writer raises it for this submission
                item.flushed.set_exception(exc)
            else:
                item.flushed.set_result(None)
        return item.done.result()

    # -- the writer thread ------------------------------------------------------------
    def _run(self) -> None:
        # The writer keeps one connection while it has work (no pool check-out and ping
        # per batch); it is dropped when the thread ends or the database drops it.
        try:
            while True:
                try:
                    first = self._queue.get(timeout=IDLE_SECONDS)
                except queue.Empty:
                    with self._lock:  # a submission put under the lock is never left behind
                        if self._queue.empty():
                            self._thread = None
                            return
                    continue
                batch = [first]
                while len(batch) < self.max_batch:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                self._commit(batch)
        finally:
            self._drop_connection()

    def _connection(self) -> Connection:
        if self._conn is None:
            self._conn = self.engine.connect()
        return self._conn

    def _trip_connection(self) -> Connection:
        if self._trip is None:
            self._trip = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._trip

    def _drop_connection(self) -> None:
        self._drop("_conn")
        self._drop("_trip")

    def _drop(self, name: str) -> None:
        conn = getattr(self, name)
        if conn is not None:
            setattr(self, name, None)
            try:
                conn.close()
            except Exception:  # noqa: BLE001 - it is being thrown away
                pass

    def _commit(self, batch: list[_Item]) -> None:
        attempt = 1
        while True:
            try:
                results = self._store_all(batch)
                break
            except _FlushFailed as exc:
                # rolled back: those whose files are not on disk fail, the others go again
                for item, error in exc.failed:
                    item.done.set_exception(error)
                failed = {id(item) for item, _ in exc.failed}
                batch = [item for item in batch if id(item) not in failed]
                if not batch:
                    return
                continue
            except DBAPIError as exc:
                self._drop_connection()
                if exc.connection_invalidated and attempt == 1:
                    attempt += 1
                    continue  # the server closed the kept connection: once more on a new one
                self._fail(batch, exc)
                return
            except BaseException as exc:  # noqa: BLE001 - handed to every waiting request
                self._drop_connection()
                self._fail(batch, exc)
                return
        for item, result in zip(batch, results):
            if isinstance(result, BaseException):   # refused (IngestError), or its files not on disk
                item.done.set_exception(result)
            else:
                item.done.set_result(result)

    @staticmethod
    def _fail(batch: list[_Item], exc: BaseException) -> None:
        for item in batch:
            item.done.set_exception(exc)

    @staticmethod
    def _await_flushes(items: list[_Item]) -> None:
        """Before a commit: every file of these submissions on disk, or _FlushFailed."""
        failed = []
        for item in items:
            if item.flushed is not None:
                error = item.flushed.exception()   # waits for the request's thread
                if error is not None:
                    failed.append((item, error))
        if failed:
            raise _FlushFailed(failed)

    def _store_all(self, items: list[_Item]) -> list[IngestResult | BaseException]:
        conn = self._connection()
        files = frozenset().union(*(item.files for item in items))
        with attachment_store.flushes_awaited(files):
            if len(items) > 1:
                isolate = False  # no savepoint unless a projection fails (then again, with them)
                for _ in (1, 2):
                    try:
                        with conn.begin():
                            results = ingest_many(conn, [item.sub for item in items], self.settings,
                                                  isolate=isolate)
                            self._await_flushes(items)
                            return results
                    except ProjectionFailed:
                        isolate = True   # rolled back: each projection in a savepoint of its own
                    except IntegrityError:
                        break  # another process stored one of them meanwhile: each on its own
            return [self._store_one(conn, item) for item in items]

    def _store_one(self, conn: Connection, item: _Item) -> IngestResult | BaseException:
        if self._one_trip:
            try:
                result = ingest_new_in_one_trip(self._trip_connection(), item.sub, self.settings,
                                                before_commit=lambda: self._await_flushes([item]))
            except IngestError as exc:
                return exc
            except _FlushFailed as exc:
                return exc.failed[0][1]   # nothing of it was sent
            except DBAPIError as exc:
                # rolled back (a parallel upload of the same submission, a dropped
                # connection …): the ordinary way below, which answers a resend as one
                if exc.connection_invalidated:
                    self._drop("_trip")
                result = None
            if result is not None:
                return result
        isolate = False  # no savepoint unless the projection fails (then again, with one)
        for attempt in (1, 2, 3):
            try:
                with conn.begin():
                    result = ingest(conn, item.sub, self.settings, isolate=isolate)
                    self._await_flushes([item])
                    return result
            except ProjectionFailed:
                isolate = True  # rolled back: stored raw, with the failure recorded
            except IngestError as exc:
                return exc
            except _FlushFailed as exc:
                return exc.failed[0][1]   # rolled back; the others of a batch are committed on their own
            except IntegrityError:
                # the same instanceID committed by a parallel POST in another process (a
                # phone retrying while its first upload was still running): the next
                # look-up sees it and answers as a resend
                if attempt == 3:
                    raise
        raise AssertionError("unreachable")
