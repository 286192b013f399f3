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
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from chips.ingest import IngestError, IngestResult, ProjectionFailed, ingest, ingest_many
from chips.submission import Submission

IDLE_SECONDS = 30.0
MAX_BATCH = 64


class GroupCommitter:
    """One per app (``server.openrosa`` keeps it in ``app.extensions``); thread-safe."""

    def __init__(self, engine: Engine, settings: Any, max_batch: int = MAX_BATCH) -> None:
        self.engine, self.settings, self.max_batch = engine, settings, max_batch
        self._queue: queue.SimpleQueue[tuple[Submission, Future]] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None  # the writer thread's, while it runs

    def store(self, sub: Submission) -> IngestResult:
        """Ingest ``sub`` and return once it is committed; raises ``IngestError`` when it is
        refused, or the database's error when its batch could not be stored."""
        done: Future = Future()
        with self._lock:
            self._queue.put((sub, done))
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="chips-group-commit", daemon=True)
                self._thread.start()
        return done.result()

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

    def _drop_connection(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # noqa: BLE001 - it is being thrown away
                pass
            self._conn = None

    def _commit(self, batch: list[tuple[Submission, Future]]) -> None:
        for attempt in (1, 2):
            try:
                results = self._store_all([sub for sub, _ in batch])
                break
            except DBAPIError as exc:
                self._drop_connection()
                if exc.connection_invalidated and attempt == 1:
                    continue  # the server closed the kept connection: once more on a new one
                self._fail(batch, exc)
                return
            except BaseException as exc:  # noqa: BLE001 - handed to every waiting request
                self._drop_connection()
                self._fail(batch, exc)
                return
        for (_, done), result in zip(batch, results):
            if isinstance(result, IngestError):
                done.set_exception(result)
            else:
                done.set_result(result)

    @staticmethod
    def _fail(batch: list[tuple[Submission, Future]], exc: BaseException) -> None:
        for _, done in batch:
            done.set_exception(exc)

    def _store_all(self, subs: list[Submission]) -> list[IngestResult | IngestError]:
        conn = self._connection()
        if len(subs) > 1:
            try:
                with conn.begin():
                    return ingest_many(conn, subs, self.settings)
            except IntegrityError:
                pass  # another process stored one of them meanwhile: each on its own
        return [self._store_one(conn, sub) for sub in subs]

    def _store_one(self, conn: Connection, sub: Submission) -> IngestResult | IngestError:
        isolate = False  # no savepoint unless the projection fails (then again, with one)
        for attempt in (1, 2, 3):
            try:
                with conn.begin():
                    return ingest(conn, sub, self.settings, isolate=isolate)
            except ProjectionFailed:
                isolate = True  # rolled back: stored raw, with the failure recorded
            except IngestError as exc:
                return exc
            except IntegrityError:
                # the same instanceID committed by a parallel POST in another process (a
                # phone retrying while its first upload was still running): the next
                # look-up sees it and answers as a resend
                if attempt == 3:
                    raise
        raise AssertionError("unreachable")
