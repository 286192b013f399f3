"""The one ingest path: every submission, whatever its source, comes in through ``ingest``.

``ingest(conn, submission, settings)`` stores the submission raw (attachments to disk,
fsynced, content-addressed) and projects it into the domain tables *in the caller's
transaction*: it never commits, so the caller decides (the OpenRosa endpoint commits before
answering 201; sync commits together with its cursor). The rules follow what ODK Central
does (central-observed.md), with the differences said where they are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable, Iterable

from sqlalchemy import Connection, bindparam, func, literal, or_, select, union_all, update
from sqlalchemy.exc import DBAPIError

from chips import attachment_store, formdefs
from chips.attachment_store import AttachmentError
from chips.db.rows import insert_rows, render_script, run_script
from chips.db.schema import ID, attachments, submissions
from chips.entities import entity_acts
from chips.projection import Origin, Run, project, unproject
from chips.records import record_from_raw
from chips.submission import AttachmentIn, Submission

STATUSES = ("created", "duplicate", "updated", "attachments_added", "conflict", "unknown_form")


class IngestError(ValueError):
    """The submission cannot be taken at all (nothing was stored); the message says why."""

    def __init__(self, message: str, *, too_large: bool = False) -> None:
        super().__init__(message)
        self.too_large = too_large


@dataclass(frozen=True)
class IngestResult:
    status: str
    instance_id: str
    submission_id: int | None = None
    logical_id: str | None = None
    message: str = ""
    attachments_added: tuple[str, ...] = ()
    # names the submission refers to that have not arrived
    missing_attachments: tuple[str, ...] = ()
    # the projection of a stored submission failed (kept raw, status "failed")
    projection_error: str | None = None


@dataclass(frozen=True)
class DeleteResult:
    status: str  # deleted | already_deleted | restored | not_found
    instance_ids: tuple[str, ...] = field(default_factory=tuple)


def utc_naive(moment: datetime | None) -> datetime | None:
    """Every DateTime column holds naive UTC (see chips.db.schema)."""
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _check(sub: Submission, settings: Any) -> None:
    if not (sub.instance_id or "").strip():
        raise IngestError("the submission has no instanceID")
    if not (sub.form_id or "").strip():
        raise IngestError("the submission has no form id")
    # the columns hold ID characters: PostgreSQL would refuse a longer value mid-insert
    # (a 500) while SQLite stored it, so both refuse it here, before anything is written
    for label, value in (("instanceID", sub.instance_id), ("deprecatedID", sub.deprecated_id),
                         ("form id", sub.form_id), ("form version", sub.form_version)):
        if value and len(value) > ID:
            raise IngestError(f"the submission's {label} is longer than {ID} characters")
    for att in sub.attachments:
        try:
            attachment_store.check_name(att.name)
        except AttachmentError as exc:
            raise IngestError(str(exc)) from None
        size = len(att.data) if att.data is not None else att.path.stat().st_size
        if size > settings.max_attachment_bytes:
            raise IngestError(
                f"attachment {att.name!r} is {size} bytes, more than the {settings.max_attachment_bytes} allowed",
                too_large=True,
            )


# The hot path's statements are built once: SQLAlchemy then reuses their cache keys and
# compiled forms, where a fresh ``.values(...)`` per row cost more than running the SQL.
# (SQLAlchemy docs, "SQL Compilation Caching"; executemany with bindparam for updates.)
_BY_INSTANCE = select(submissions).where(submissions.c.instance_id == bindparam("b_instance"))
# Only the (source, source_ref) index fits; the state is checked in Python, so SQLite never
# picks the (state, status) index and scans every current row (bench/README.md).
_BY_SOURCE_REF = (
    select(submissions)
    .where(submissions.c.source == bindparam("b_source"), submissions.c.source_ref == bindparam("b_ref"))
    .order_by(submissions.c.id)
)
_NEWER = select(submissions.c.id).where(submissions.c.deprecated_id == bindparam("b_instance")).limit(1)
# both of the above in one round trip, for a submission that comes alone (OpenRosa)
_IS_OR_EDITS = or_(submissions.c.instance_id == bindparam("b_instance"),
                   submissions.c.deprecated_id == bindparam("b_instance"))
_SAME_OR_NEWER = select(submissions).where(_IS_OR_EDITS)
_INSERT_SUBMISSION = submissions.insert()
_IDS_OF = select(submissions.c.instance_id, submissions.c.id).where(
    submissions.c.instance_id.in_(bindparam("b_instances", expanding=True)))
_UPDATE_SUBMISSION = update(submissions).where(submissions.c.id == bindparam("b_id"))
_ATTACHMENTS_OF = select(attachments).where(attachments.c.submission_id == bindparam("b_sub"))
_MISSING_OF = select(attachments.c.name).where(
    attachments.c.submission_id == bindparam("b_sub"), attachments.c.present.is_(False)
)
_UPDATE_ATTACHMENT = update(attachments).where(attachments.c.id == bindparam("b_id"))


def write_files_unflushed(sub: Submission, settings: Any) -> list[attachment_store.Unflushed]:
    """Write a submission's attachment files before it is handed to the writer, leaving
    their flush (fsync) to the caller, who must flush them before the submission commits
    (``chips.group_commit.GroupCommitter.store(sub, flush=…)`` overlaps the two).

    For a caller that holds the bytes before the transaction opens (the OpenRosa
    endpoint): the writes happen outside SQLite's single write lock, so parallel uploads
    overlap them, and ``ingest`` finds the files in place (content-addressed: a hash).
    Meant for a submission that is not an edit (no deprecatedID): new ones and resends,
    whose files are the same bytes again or the rest of a multi-part upload. A
    submission then refused as a conflict (409) leaves its files unreferenced on disk, as
    a rolled-back transaction does; an edit keeps writing its files inside its
    transaction. Raises ``IngestError`` as ``ingest`` would, with whatever it wrote
    flushed."""
    _check(sub, settings)
    pending: list[attachment_store.Unflushed] = []
    try:
        for att in sub.attachments:
            if att.data is None:   # a file on disk (not the OpenRosa case): stored and flushed now
                _store_file(att, settings)
                continue
            _, unflushed = attachment_store.write_unflushed(
                settings.attachments_dir, att.data, max_bytes=settings.max_attachment_bytes)
            if unflushed is not None:
                pending.append(unflushed)
    except BaseException as exc:
        attachment_store.flush_all(pending)   # never leave a file in flight
        if isinstance(exc, AttachmentError):
            raise IngestError(str(exc), too_large=exc.too_large) from None
        raise
    return pending


def _store_file(att: AttachmentIn, settings: Any) -> attachment_store.StoredFile:
    """``att`` in the attachment store, or the ``IngestError`` that refuses its submission."""
    try:
        return attachment_store.store(settings.attachments_dir, data=att.data, path=att.path,
                                      max_bytes=settings.max_attachment_bytes)
    except AttachmentError as exc:
        raise IngestError(str(exc), too_large=exc.too_large) from None


def _by_instance(conn: Connection, instance_id: str):
    return conn.execute(_BY_INSTANCE, {"b_instance": instance_id}).first()


def _current_by_source_ref(conn: Connection, source: str, source_ref: str):
    for row in conn.execute(_BY_SOURCE_REF, {"b_source": source, "b_ref": source_ref}):
        if row.state == "current":
            return row
    return None


def _update_submission(conn: Connection, row_id: int, **values: Any) -> None:
    conn.execute(_UPDATE_SUBMISSION, {"b_id": row_id, **values})


def attachment_names(formdef: formdefs.FormDef | None, record: dict[str, Any]) -> list[str]:
    """File names in the record's attachment fields (image, audio, file …)."""
    if formdef is None:
        return []
    names = []
    for path in formdef.binary_paths:
        level: list[Any] = [record]
        for part in path:
            nxt = []
            for node in level:
                value = node.get(part) if isinstance(node, dict) else None
                nxt.extend(value if isinstance(value, list) else [value])
            level = nxt
        names.extend(v.strip() for v in level if isinstance(v, str) and v.strip())
    return names


def _store_attachments(
    conn: Connection, submission_id: int, incoming: Iterable[AttachmentIn], expected: Iterable[str], settings: Any,
    *, new: bool = False,
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Save what came, note what is expected; returns (added, still missing).

    ``new``: the submission row was inserted in this very call, so it has no attachment
    rows yet and the two look-ups can be skipped."""
    rows = {} if new else {r.name: r for r in conn.execute(_ATTACHMENTS_OF, {"b_sub": submission_id})}
    known = set(rows)
    added = []
    inserts = []
    for att in incoming:
        row = rows.get(att.name)
        if (row is not None and row.present) or att.name in added:
            continue  # a resend of a file we hold
        stored = _store_file(att, settings)
        values = _attachment_row(submission_id, att.name, att, stored)
        if row is None:
            inserts.append(values)
        else:
            conn.execute(_UPDATE_ATTACHMENT, {"b_id": row.id, **values})  # the row's own id and name again
        known.add(att.name)
        added.append(att.name)
    absent = []
    for name in expected:
        # names read from the answers are only labels until a file of that name arrives
        if name not in known and len(name) <= 255:
            absent.append(name)
            known.add(name)
    inserts += [_attachment_row(submission_id, name) for name in absent]   # one statement for both
    if inserts:
        insert_rows(conn, attachments, inserts)
    if new and len(absent) <= 1:
        return tuple(added), tuple(absent)  # what the query below would find
    missing = tuple(r.name for r in conn.execute(_MISSING_OF, {"b_sub": submission_id}))
    return tuple(added), missing


def _same(existing: Any, sub: Submission) -> bool:
    """An identical resend: the same bytes, or the same answers in the same format."""
    if existing.raw_sha256 == hashlib.sha256(sub.raw).hexdigest():
        return True
    if existing.raw_format != sub.raw_format:
        return False
    try:
        return record_from_raw(existing.raw_format, bytes(existing.raw)) == sub.data
    except Exception:  # an old raw that no longer parses is not "the same"
        return False


class ProjectionFailed(Exception):
    """A projection failed in a pass without savepoints: redo it carefully."""


def _raw_row(sub: Submission, formdef: formdefs.FormDef | None, *, logical_id: str, state: str,
             received_at: datetime) -> dict[str, Any]:
    """The ``submissions`` row of ``sub``."""
    return dict(
        instance_id=sub.instance_id, logical_id=logical_id, deprecated_id=sub.deprecated_id,
        form_id=sub.form_id, form_version=sub.form_version or "", source=sub.source,
        source_ref=sub.source_ref, submitter=sub.submitter, device_id=sub.device_id,
        received_at=received_at, submitted_at=utc_naive(sub.submitted_at), raw=sub.raw,
        raw_format=sub.raw_format, raw_sha256=hashlib.sha256(sub.raw).hexdigest(),
        review_state=sub.review_state, state=state,
        status="projected" if formdef else "unknown_form",
        status_detail=None if formdef else f"form {sub.form_id} version {sub.form_version!r} is not published",
    )


def _outcome(sub: Submission, formdef: formdefs.FormDef | None, edit: bool, missing: tuple[str, ...]
             ) -> tuple[str, str]:
    """(status, message) of a submission stored as a new row."""
    if formdef is None:
        return "unknown_form", f"Stored; the form {sub.form_id} version {sub.form_version!r} is not known here yet."
    if missing:
        return ("updated" if edit else "created",
                f"Received; waiting for {len(missing)} attachment(s): {', '.join(missing)}.")
    if edit:
        return "updated", "Edit received: this is the new version of the submission."
    return "created", "full submission upload was successful!"


def _attachment_row(submission_id: int, name: str, att: AttachmentIn | None = None,
                    stored: attachment_store.StoredFile | None = None) -> dict[str, Any]:
    """An ``attachments`` row: a file that came (``att``, stored as ``stored``) or a name
    still missing. Both have the same keys, so one executemany takes them together."""
    if att is None or stored is None:
        return dict(submission_id=submission_id, name=name, media_type=None, size=None, sha256=None, path=None,
                    present=False)
    return dict(submission_id=submission_id, name=name, media_type=att.media_type, size=stored.size,
                sha256=stored.sha256, path=stored.path, present=True)


def _origin(row_id: int, sub: Submission, logical_id: str, received_at: datetime) -> Origin:
    return Origin(
        submission_id=row_id, logical_id=logical_id, instance_id=sub.instance_id, form_id=sub.form_id,
        form_version=sub.form_version, received_at=received_at, submitted_at=utc_naive(sub.submitted_at),
        submitter=sub.submitter,
    )


def _project_current(conn: Connection, row_id: int, sub: Submission, logical_id: str, received_at: datetime,
                     formdef: formdefs.FormDef | None, isolate: bool = True) -> str | None:
    """Project inside a savepoint: a projection bug never costs the raw submission.

    ``isolate=False`` (``ingest_many``'s fast pass, itself inside one savepoint) skips the
    savepoint and raises ``ProjectionFailed`` instead."""
    if formdef is None:
        return None
    run = Run(conn)
    origin = _origin(row_id, sub, logical_id, received_at)
    if not isolate:
        try:
            project(run, origin, sub.data, formdef)
            run.flush()
        except Exception as exc:  # noqa: BLE001 - the caller rolls the batch back and redoes it
            raise ProjectionFailed() from exc
        return None
    try:
        with conn.begin_nested():
            project(run, origin, sub.data, formdef)
            run.flush()
    except Exception as exc:  # noqa: BLE001 - recorded on the raw row and reported
        run.discard()
        detail = f"{type(exc).__name__}: {exc}"[:2000]
        _update_submission(conn, row_id, status="failed", status_detail=detail)
        return detail
    return None


def ingest(conn: Connection, sub: Submission, settings: Any, *, isolate: bool = True) -> IngestResult:
    """Store one submission (raw first, then its projection) in the caller's transaction.

    ``isolate=False`` projects without a savepoint and raises :class:`ProjectionFailed`
    when the projection fails: the caller rolls its transaction back and calls again with
    ``isolate=True``, which records the failure on the stored raw row. It saves the two
    savepoint round trips of every submission whose projection succeeds (the OpenRosa
    endpoint)."""
    return _ingest_one(conn, sub, settings, {}, isolate=isolate)


# PostgreSQL, ``ingest_new_in_one_trip``: the look-up of ``_SAME_OR_NEWER`` with the id the
# new row will take, in one round trip. The sequence is read once, in its subquery; the
# row comes back even when nothing matches (the submission's columns then null). A value
# taken and not used leaves a gap, as a rolled-back INSERT does.
_NEXT_ID = select(func.nextval(func.pg_get_serial_sequence("submissions", "id")).label("next_id")).subquery("next")
_SAME_OR_NEWER_NEXT_ID = select(_NEXT_ID.c.next_id, submissions.c.id).select_from(
    _NEXT_ID.outerjoin(submissions, _IS_OR_EDITS))


def ingest_new_in_one_trip(conn: Connection, sub: Submission, settings: Any,
                           before_commit: Callable[[], None] = lambda: None) -> IngestResult | None:
    """Store a new submission on PostgreSQL with its writes in one round trip, committed;
    None when it needs ``ingest`` (nothing of it was written then).

    The OpenRosa writer with one phone waits on every statement of a submission in turn:
    BEGIN, the look-up, the INSERT of the raw row, its attachment rows, the entity
    look-up, the projection, COMMIT — seven round trips, each 0.1 – 0.3 ms on a small
    server (bench/ingest.py). Here the reads come first (the look-up with the new row's
    id, and the entity look-up), then ``BEGIN``, every INSERT with its values as
    literals (``chips.db.rows.render_script``) and ``COMMIT`` go as one script.
    Reading before ``BEGIN`` changes nothing under PostgreSQL's READ COMMITTED, where each
    statement reads what was committed when it started and a plain read takes no lock;
    what guards against a parallel upload of the same submission is still the unique
    instanceID, whose violation fails the script: it is rolled back and the caller goes
    the ordinary way, which answers it as a resend.

    ``conn`` is in autocommit (``isolation_level="AUTOCOMMIT"``), not in a transaction.
    Taken only by a new submission editing nothing (no deprecatedID, no remote id) of a
    published form version, whose entities are all new and whose projection reads
    nothing back (an ANC visit refreshes its pregnancy's tallies: ordinary way);
    ``before_commit()`` runs before the script is sent (the writer waits for the
    submission's files to be on disk there) and may raise, with nothing written."""
    if conn.dialect.name != "postgresql" or sub.deprecated_id or sub.source_ref:
        return None
    _check(sub, settings)
    found = conn.execute(_SAME_OR_NEWER_NEXT_ID, {"b_instance": sub.instance_id}).all()
    if found[0].id is not None:
        return None   # stored already, or a newer version is: the ordinary way says which
    row_id = found[0].next_id
    formdef = formdefs.load(conn, sub.form_id, sub.form_version)
    if formdef is None:
        return None
    files = _files_first(sub, settings)
    run = Run(conn)
    received_at = _now()
    raw = _raw_row(sub, formdef, logical_id=sub.instance_id, state="current", received_at=received_at)
    run.rows.add(submissions, {"id": row_id, **raw})   # first: the other rows refer to it
    acts = entity_acts(formdef, sub.data)
    if not run.entities.all_new((act.dataset, act.uuid) for act in acts):
        return None
    expected = list(dict.fromkeys([*sub.expected_attachments, *attachment_names(formdef, sub.data)]))
    try:
        missing = _add_new(run, row_id, sub, formdef, received_at, expected, files, acts)
    except Exception:  # noqa: BLE001 - the ordinary way records the failure on the raw row
        return None
    if run.rows.reads_after_flush:
        return None
    try:
        script = "BEGIN;\n" + render_script(conn, run.rows.take()) + ";\nCOMMIT"
    except Exception:  # noqa: BLE001 - a value with no literal form: the ordinary way binds it
        return None
    before_commit()
    try:
        run_script(conn, script)
    except DBAPIError as exc:
        if not exc.connection_invalidated:
            conn.exec_driver_sql("ROLLBACK")   # the failed script left its transaction open
        raise
    status, message = _outcome(sub, formdef, False, missing)
    return IngestResult(status, sub.instance_id, row_id, sub.instance_id, message, tuple(files), missing)


class _Known:
    """What one query per batch says is already stored, so that a submission new to the
    store (nearly all of a first pull) skips its three look-ups. A key written earlier in
    the same batch is looked up for real, so the answers are those of ``ingest`` one by one."""

    CHUNK = 500  # bound parameters per IN (SQLite's limit is far above)

    # Built once, with expanding IN parameters: a statement built per batch cost its
    # construction and cache key every time (the OpenRosa writer with eight phones, a
    # pulled page). Stored instanceIDs and deprecatedIDs come in one round trip, each row
    # saying which of the two it is.
    _KEYS = union_all(
        select(submissions.c.instance_id.label("key"), literal(True).label("is_instance"))
        .where(submissions.c.instance_id.in_(bindparam("b_ids", expanding=True))),
        select(submissions.c.deprecated_id.label("key"), literal(False).label("is_instance"))
        .where(submissions.c.deprecated_id.in_(bindparam("b_ids", expanding=True))),
    )
    _REFS = select(submissions.c.source_ref).where(
        submissions.c.source == bindparam("b_source"), submissions.c.source_ref.in_(bindparam("b_refs", expanding=True)))

    def __init__(self, conn: Connection, subs: list[Submission]) -> None:
        ids = sorted({i for s in subs for i in (s.instance_id, s.deprecated_id) if i})
        self.instances: set[str] = set()
        self.deprecated: set[str] = set()
        for part in self._chunks(ids):
            for key, is_instance in conn.execute(self._KEYS, {"b_ids": part}):
                (self.instances if is_instance else self.deprecated).add(key)
        self.refs: set[tuple[str, str]] = set()
        by_source: dict[str, set[str]] = {}
        for s in subs:
            if s.source_ref and not s.deprecated_id:
                by_source.setdefault(s.source, set()).add(s.source_ref)
        for source, refs in by_source.items():
            for part in self._chunks(sorted(refs)):
                self.refs.update((source, r) for r in conn.execute(
                    self._REFS, {"b_source": source, "b_refs": part}).scalars())

    def _chunks(self, items: list[str]):
        for i in range(0, len(items), self.CHUNK):
            yield items[i:i + self.CHUNK]

    def plain_new(self, sub: Submission) -> bool:
        """Nothing stored (nor earlier in the batch) shares a key with ``sub`` and it edits
        nothing: ``_store_new`` may take it (its files stored first by ``_files_first``)."""
        return (not sub.deprecated_id
                and sub.instance_id not in self.instances and sub.instance_id not in self.deprecated
                and not (sub.source_ref and (sub.source, sub.source_ref) in self.refs))

    def stored(self, sub: Submission) -> None:
        """A row for ``sub`` went in: later look-ups of its keys must ask the database."""
        self.instances.add(sub.instance_id)
        if sub.deprecated_id:
            self.deprecated.add(sub.deprecated_id)
        if sub.source_ref:
            self.refs.add((sub.source, sub.source_ref))


def ingest_many(conn: Connection, subs: Iterable[Submission], settings: Any,
                isolate: bool | None = None) -> list[IngestResult | IngestError]:
    """``ingest`` each submission in order, in the caller's transaction, with the answers
    ``ingest`` one by one would give: a result each, or the ``IngestError`` that refused it
    (that submission then left nothing behind; the others are stored).

    Faster than a loop of ``ingest``: the look-ups of a batch take a few queries, form
    definitions are read once, the raw rows of consecutive new submissions go in with one
    statement (``_store_new``), and the batch's projections run in one savepoint instead of
    one each; should any projection fail, the batch is rolled back to that savepoint and
    done again one savepoint per projection, so a failure is recorded exactly as ``ingest``
    records it.

    ``isolate``: a caller that owns the whole transaction may take over that retry, as
    ``ingest``'s callers do: False runs the batch without the savepoint (two round trips
    less on PostgreSQL) and raises ``ProjectionFailed`` should a projection fail, the
    transaction then to be rolled back and the batch done again with True (one savepoint
    per projection)."""
    subs = list(subs)
    if not subs:
        return []
    if isolate is not None:
        return _ingest_batch(conn, subs, settings, isolate=isolate)
    try:
        with conn.begin_nested():
            return _ingest_batch(conn, subs, settings, isolate=False)
    except ProjectionFailed:
        pass
    return _ingest_batch(conn, subs, settings, isolate=True)


def _ingest_batch(conn: Connection, subs: list[Submission], settings: Any, isolate: bool
                  ) -> list[IngestResult | IngestError]:
    forms: dict[tuple[str, str], formdefs.FormDef | None] = {}
    known = _Known(conn, subs)
    out: list[IngestResult | IngestError | None] = [None] * len(subs)
    run: list[int] = []   # plain new submissions whose rows go in together
    files: dict[int, dict[str, tuple[AttachmentIn, attachment_store.StoredFile]]] = {}
    for i, sub in enumerate(subs):
        if known.plain_new(sub):
            try:
                _check(sub, settings)
                files[i] = _files_first(sub, settings)
            except IngestError as exc:
                out[i] = exc
                continue
            known.stored(sub)
            run.append(i)
            continue
        # anything else looks the store up: the rows of the run must be in first
        _store_new(conn, subs, run, files, out, settings, forms, isolate)
        run = []
        try:
            if sub.attachments:
                # storing a file may fail after the row went in: take the row back with it
                with conn.begin_nested():
                    result = _ingest_one(conn, sub, settings, forms, known, isolate)
            else:
                result = _ingest_one(conn, sub, settings, forms, known, isolate)  # raises before writing
        except IngestError as exc:
            out[i] = exc
            continue
        out[i] = result
    _store_new(conn, subs, run, files, out, settings, forms, isolate)
    return out  # type: ignore[return-value]  # every slot is filled


def _files_first(sub: Submission, settings: Any) -> dict[str, tuple[AttachmentIn, attachment_store.StoredFile]]:
    """Store a plain new submission's files before its row goes in (``write_files_unflushed``
    may have done it already: then each costs a hash), so that a file that cannot be stored
    refuses its submission alone, before the run's rows are written. Returns the files by
    name, the first of a repeated name only, as ``_store_attachments`` keeps them."""
    stored: dict[str, tuple[AttachmentIn, attachment_store.StoredFile]] = {}
    for att in sub.attachments:
        if att.name in stored:
            continue
        stored[att.name] = (att, _store_file(att, settings))
    return stored


def _add_new(run: Run, row_id: int, sub: Submission, formdef: formdefs.FormDef | None, received_at: datetime,
             expected: list[str], files: dict[str, tuple[AttachmentIn, attachment_store.StoredFile]],
             acts: list) -> tuple[str, ...]:
    """Into ``run``, for a new submission whose raw row is ``row_id``: the attachment rows
    ``_store_attachments`` would insert for it (the files that came, then each expected
    name that did not) and its projection. Returns the names still missing; a failing
    projection raises."""
    missing = tuple(name for name in expected if name not in files and len(name) <= 255)
    run.rows.add_many(attachments, [_attachment_row(row_id, name, att, f) for name, (att, f) in files.items()]
                      + [_attachment_row(row_id, name) for name in missing])
    if formdef is not None:
        project(run, _origin(row_id, sub, sub.instance_id, received_at), sub.data, formdef, acts)
    return missing


def _store_new(conn: Connection, subs: list[Submission], run: list[int],
               files: dict[int, dict[str, tuple[AttachmentIn, attachment_store.StoredFile]]], out: list,
               settings: Any, forms: dict[tuple[str, str], formdefs.FormDef | None], isolate: bool) -> None:
    """Store the plain new submissions ``subs[i] for i in run`` as ``_ingest_one`` would, one
    by one in order, but with their raw rows inserted by one statement.

    Plain new (``_Known.plain_new``, checked, its files stored by ``_files_first``): not
    stored yet, no edit of anything, no newer version; so each is ``created`` (or ``unknown_form``), in
    its own chain, current, and its row does not depend on the others'. Its projection
    reads only what earlier projections wrote (entity events, never another raw row), so
    projecting them in order after all their rows went in gives the rows ``ingest`` one by
    one gives."""
    if not run:
        return
    rows = []
    now = _now()   # received together
    for i in run:
        sub = subs[i]
        key = (sub.form_id, sub.form_version)
        if key not in forms:
            forms[key] = formdefs.load(conn, sub.form_id, sub.form_version)
        formdef = forms[key]
        rows.append(_raw_row(sub, formdef, logical_id=sub.instance_id, state="current", received_at=now))
    # one INSERT for all (executemany, rows in order: their ids follow the submissions'
    # order as one by one, and entity events are ordered by them); the ids, which the
    # projection needs, read back by instanceID (unique), a query per 500
    insert_rows(conn, submissions, rows)
    ids: dict[str, int] = {}
    names = [r["instance_id"] for r in rows]
    for part in range(0, len(names), _Known.CHUNK):
        ids.update(conn.execute(_IDS_OF, {"b_instances": names[part:part + _Known.CHUNK]}).all())
    batch = None if isolate else Run(conn)
    acts: dict[int, list] = {}
    if batch is not None:
        # the run's entities looked up at once; the projections of the whole run are
        # written per table at the end (chips.db.rows)
        for i in run:
            acts[i] = entity_acts(forms[(subs[i].form_id, subs[i].form_version)], subs[i].data)
        batch.entities.prefetch((a.dataset, a.uuid) for i in run for a in acts[i])
    for i, values in zip(run, rows):
        sub = subs[i]
        formdef = forms[(sub.form_id, sub.form_version)]
        row_id = ids[sub.instance_id]
        expected = list(dict.fromkeys([*sub.expected_attachments, *attachment_names(formdef, sub.data)]))
        error = None
        held = files.get(i, {})
        added = tuple(held)
        if batch is None:
            _, missing = _store_attachments(conn, row_id, [att for att, _ in held.values()], expected, settings,
                                            new=True)
            error = _project_current(conn, row_id, sub, sub.instance_id, values["received_at"], formdef, isolate)
        else:
            try:
                missing = _add_new(batch, row_id, sub, formdef, values["received_at"], expected, held, acts[i])
            except Exception as exc:  # noqa: BLE001 - the caller redoes the batch, isolated
                raise ProjectionFailed() from exc
        status, message = _outcome(sub, formdef, False, missing)
        out[i] = IngestResult(status, sub.instance_id, row_id, sub.instance_id, message, added, missing, error)
    if batch is not None:
        try:
            batch.flush()
        except Exception as exc:  # noqa: BLE001 - as a projection's failure: redone one by one
            raise ProjectionFailed() from exc


def _ingest_one(conn: Connection, sub: Submission, settings: Any,
                forms: dict[tuple[str, str], formdefs.FormDef | None],
                known: _Known | None = None, isolate: bool = True) -> IngestResult:
    _check(sub, settings)
    existing = newer = None
    if known is None:
        for row in conn.execute(_SAME_OR_NEWER, {"b_instance": sub.instance_id}):
            if row.instance_id == sub.instance_id:
                existing = row
            elif newer is None:
                newer = row
    elif sub.instance_id in known.instances:
        existing = _by_instance(conn, sub.instance_id)
    if existing is not None:
        return _resend(conn, existing, sub, settings)

    logical_id = sub.instance_id
    previous = None
    if sub.deprecated_id:
        if known is None or sub.deprecated_id in known.instances:
            previous = _by_instance(conn, sub.deprecated_id)
        if previous is None:
            # The version it edits has not reached us (yet): start the chain at that id,
            # so the earlier version joins this chain as superseded when it comes.
            logical_id = sub.deprecated_id
    elif sub.source_ref and (known is None or (sub.source, sub.source_ref) in known.refs):
        # A pull may see only the newest version of an edited submission: the remote id
        # ties it to the chain we hold.
        previous = _current_by_source_ref(conn, sub.source, sub.source_ref)
    if previous is not None:
        if previous.state == "deleted":
            return IngestResult("conflict", sub.instance_id, message="This submission has been deleted. You may not edit it.")
        if previous.state == "superseded":
            return IngestResult(
                "conflict", sub.instance_id,
                message=f"The submission {sub.deprecated_id} this edits is now out of date: it was already edited.",
            )
        logical_id = previous.logical_id

    # A newer version that came first (out-of-order pull): this one is born superseded.
    if known is not None and sub.instance_id in known.deprecated:
        newer = conn.execute(_NEWER, {"b_instance": sub.instance_id}).first()
    state = "superseded" if newer is not None else "current"

    key = (sub.form_id, sub.form_version)
    if key not in forms:
        forms[key] = formdefs.load(conn, sub.form_id, sub.form_version)
    formdef = forms[key]
    received_at = _now()
    row_id = conn.execute(
        _INSERT_SUBMISSION, _raw_row(sub, formdef, logical_id=logical_id, state=state, received_at=received_at)
    ).inserted_primary_key[0]
    if known is not None:
        known.stored(sub)
    expected = list(dict.fromkeys([*sub.expected_attachments, *attachment_names(formdef, sub.data)]))
    added, missing = _store_attachments(conn, row_id, sub.attachments, expected, settings, new=True)

    error = None
    if state == "current":
        if previous is not None:
            _update_submission(conn, previous.id, state="superseded")
            unproject(conn, logical_id)
        error = _project_current(conn, row_id, sub, logical_id, received_at, formdef, isolate)

    status, message = _outcome(sub, formdef, previous is not None, missing)
    return IngestResult(status, sub.instance_id, row_id, logical_id, message, added, missing, error)


def _resend(conn: Connection, existing: Any, sub: Submission, settings: Any) -> IngestResult:
    if existing.state == "deleted":
        return IngestResult(
            "conflict", sub.instance_id, existing.id, existing.logical_id,
            "This submission has been deleted. You may not resubmit it.",
        )
    if not _same(existing, sub):
        return IngestResult(
            "conflict", sub.instance_id, existing.id, existing.logical_id,
            "A submission already exists with this ID, but with different XML. "
            "Resubmissions to an existing ID must be identical; an edit needs a new instanceID "
            "and meta/deprecatedID.",
        )
    added, missing = _store_attachments(conn, existing.id, sub.attachments, sub.expected_attachments, settings)
    if sub.review_state and sub.review_state != existing.review_state:
        # review state is the source's metadata about the submission, not its answers
        _update_submission(conn, existing.id, review_state=sub.review_state)
    if added:
        return IngestResult(
            "attachments_added", sub.instance_id, existing.id, existing.logical_id,
            "Attachments received." if not missing else f"Attachments received; still waiting for {', '.join(missing)}.",
            added, missing,
        )
    return IngestResult(
        "duplicate", sub.instance_id, existing.id, existing.logical_id,
        "This submission was already received.", (), missing,
    )


def mark_deleted(
    conn: Connection, *, source: str, instance_id: str | None = None, source_ref: str | None = None,
    deleted_at: datetime | None = None,
) -> DeleteResult:
    """The source deleted a submission: drop it from the projection, keep it raw."""
    if instance_id is None and source_ref is None:
        raise ValueError("mark_deleted needs instance_id or source_ref")
    query = select(submissions).where(submissions.c.state != "superseded")
    if instance_id is not None:
        query = query.where(submissions.c.instance_id == instance_id)
    else:
        query = query.where(submissions.c.source == source, submissions.c.source_ref == source_ref)
    rows = conn.execute(query).all()
    if not rows:
        return DeleteResult("not_found")
    current = [r for r in rows if r.state == "current"]
    if not current:
        return DeleteResult("already_deleted", tuple(r.instance_id for r in rows))
    for row in current:
        conn.execute(
            update(submissions).where(submissions.c.id == row.id).values(
                state="deleted", deleted_at=utc_naive(deleted_at) or _now()
            )
        )
        unproject(conn, row.logical_id)
    return DeleteResult("deleted", tuple(r.instance_id for r in current))


def _project_stored(conn: Connection, row: Any) -> tuple[str, str | None]:
    """Project one stored current submission from its raw bytes; returns (status, detail)."""
    formdef = formdefs.load(conn, row.form_id, row.form_version)
    if formdef is None:
        return "unknown_form", f"form {row.form_id} version {row.form_version!r} is not published"
    try:
        record = record_from_raw(row.raw_format, bytes(row.raw))
        sub = Submission(
            form_id=row.form_id, form_version=row.form_version, instance_id=row.instance_id,
            deprecated_id=row.deprecated_id, data=record, raw=bytes(row.raw), raw_format=row.raw_format,
            source=row.source, source_ref=row.source_ref, submitter=row.submitter,
            submitted_at=row.submitted_at,
        )
    except Exception as exc:  # noqa: BLE001 - a raw that no longer reads is reported, not fatal
        return "failed", f"{type(exc).__name__}: {exc}"[:2000]
    error = _project_current(conn, row.id, sub, row.logical_id, row.received_at, formdef)
    return ("failed", error) if error else ("projected", None)


def mark_restored(
    conn: Connection, *, source: str, instance_id: str | None = None, source_ref: str | None = None
) -> DeleteResult:
    """The source undeleted a submission (Central's restore): project it again."""
    if instance_id is None and source_ref is None:
        raise ValueError("mark_restored needs instance_id or source_ref")
    query = select(submissions).where(submissions.c.state == "deleted")
    if instance_id is not None:
        query = query.where(submissions.c.instance_id == instance_id)
    else:
        query = query.where(submissions.c.source == source, submissions.c.source_ref == source_ref)
    rows = conn.execute(query).all()
    for row in rows:
        conn.execute(update(submissions).where(submissions.c.id == row.id).values(state="current", deleted_at=None))
        status, detail = _project_stored(conn, row)
        conn.execute(update(submissions).where(submissions.c.id == row.id).values(status=status, status_detail=detail))
    return DeleteResult("restored" if rows else "not_found", tuple(r.instance_id for r in rows))


def reproject(conn: Connection, settings: Any | None = None) -> dict[str, int]:
    """Empty the projection and rebuild it from every current raw submission, in order.

    Submissions stored as ``unknown_form`` are projected once their form is published.
    Returns counts by resulting status.
    """
    from chips.db.schema import PROJECTION_TABLES

    for table in PROJECTION_TABLES:
        conn.execute(table.delete())
    counts: dict[str, int] = {}
    ids = [r.id for r in conn.execute(select(submissions.c.id).where(submissions.c.state == "current").order_by(submissions.c.id))]
    for row_id in ids:
        row = conn.execute(select(submissions).where(submissions.c.id == row_id)).one()
        status, detail = _project_stored(conn, row)
        conn.execute(update(submissions).where(submissions.c.id == row.id).values(status=status, status_detail=detail))
        counts[status] = counts.get(status, 0) + 1
    return counts
