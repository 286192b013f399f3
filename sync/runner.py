"""Pull one source into the store: every page ingested in one transaction with its cursor.

A page is fetched (and its attachments downloaded) before the transaction opens, so the
database is never locked while waiting on the network; then its rows, the files' ETags,
what we hold and the cursor are written together. Killed at any moment, a pull has either
stored a page with its cursor or neither, and the next run goes on from there. From
Central the next pages are fetched and read by a child process while one is stored
(sync/page_worker.py); pages are still stored one at a time and in order.
"""

from __future__ import annotations

import json
import posixpath
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator

from sqlalchemy import Connection, Engine, select

from chips.db.schema import submissions
from chips.ingest import IngestError, IngestResult, ingest, ingest_many, mark_deleted, mark_restored
from chips.records.central import record_from_central_row
from chips.records.kobo import record_from_kobo_row
from chips.submission import AttachmentIn, Submission
from sync import cursor as cursors
from sync import held, page_worker
from sync.central import CentralClient
from sync.kobo import KoboClient
from sync.retry import SourceError
from sync.sources import Source

Progress = Callable[[str, int, "int | None"], None]   # (form, rows done now, total or None)

# Kobo validation statuses (kpi) as the review states our store shares with Central.
KOBO_REVIEW = {"validation_status_approved": "approved",
               "validation_status_not_approved": "rejected",
               "validation_status_on_hold": "hasIssues"}


@dataclass
class Tally:
    new: int = 0
    updated: int = 0
    deleted: int = 0
    attachments: int = 0
    errors: int = 0
    unchanged: int = 0
    encrypted: int = 0
    pages: int = 0
    messages: list[str] = field(default_factory=list)
    stopped: str | None = None   # why the source stopped, if it did

    def note(self, message: str) -> None:
        if message not in self.messages:
            self.messages.append(message)


def _utc(ts: str | None) -> datetime | None:
    return cursors.parse(ts) if ts else None


def _raw(row: dict) -> bytes:
    """A Kobo row serialised again (a Central row is kept as the bytes Central sent)."""
    return json.dumps(row, ensure_ascii=False, separators=(",", ":")).encode()


@contextmanager
def page_transaction(engine: Engine) -> Iterator[Connection]:
    """The transaction of one pulled page. On SQLite it commits with ``synchronous=NORMAL``
    (in WAL mode a commit is still atomic and survives the process being killed; only a
    power cut may undo the last ones) instead of FULL's flush per commit, a tenth of a first
    pull: a page's rows and the cursor that says they were pulled are one transaction, so a
    page undone that way is pulled again and nothing the source holds is lost. The
    OpenRosa endpoint keeps FULL (a phone deletes what was answered 201), so the pooled
    connection goes back to FULL before anything else may use it."""
    with engine.connect() as conn:
        raw = conn.connection.driver_connection if conn.dialect.name == "sqlite" else None
        if raw is not None:
            raw.execute("PRAGMA synchronous=NORMAL")   # outside a transaction, as SQLite requires
        try:
            with conn.begin():
                yield conn
        finally:
            if raw is not None:
                try:
                    raw.execute("PRAGMA synchronous=FULL")
                except Exception:  # noqa: BLE001 - never reuse a connection left relaxed
                    conn.invalidate()


class Puller:
    def __init__(self, engine: Engine, settings: Any, source: Source, tally: Tally,
                 progress: Progress | None = None, session=None):
        self.engine, self.settings, self.source, self.tally = engine, settings, source, tally
        self.progress = progress or (lambda form, n, total: None)
        self.key = f"{source.type}:{source.name}"
        self.page_size = int(source.opt("page_size"))
        self.session = session
        self._versions: dict[str, str] | None = None   # form id -> newest version we know

    # -- shared -----------------------------------------------------------------------
    def _ingest(self, conn, sub: Submission, had: held.Item | None, form: str,
                late_files: bool = False) -> None:
        try:
            if sub.attachments:
                # storing a file may fail after the row went in: keep the page's other rows
                with conn.begin_nested():
                    result = ingest(conn, sub, self.settings)
            else:
                result = ingest(conn, sub, self.settings)  # it raises before writing anything
        except IngestError as exc:
            result = exc
        self._count(sub, result, had, form, late_files)

    def _count(self, sub: Submission, result: IngestResult | IngestError, had: held.Item | None, form: str,
               late_files: bool = False) -> None:
        if isinstance(result, IngestError):
            self.tally.errors += 1
            self.tally.note(f"{self.source.name}/{form}: {sub.instance_id}: {result}")
            return
        status = result.status
        self.tally.attachments += len(result.attachments_added)
        if status in ("created", "unknown_form"):
            self.tally.new += 1
            if status == "unknown_form":
                self.tally.note(f"{self.source.name}/{form}: stored, but form {sub.form_id} version "
                                f"{sub.form_version!r} is not published here (chips forms publish)")
        elif status == "updated":
            self.tally.updated += 1
        elif status in ("duplicate", "attachments_added"):
            if late_files:
                pass                            # counted as attachments only
            elif had is not None and had.version != "notDecrypted":
                self.tally.updated += 1        # a review-state change or late files
            else:
                self.tally.unchanged += 1
        elif status == "conflict":
            self.tally.errors += 1
            self.tally.note(f"{self.source.name}/{form}: {sub.instance_id}: {result.message}")

    def _stored_raw(self, conn, instance_id: str):
        return conn.execute(select(submissions).where(submissions.c.instance_id == instance_id)).first()

    # -- ODK Central ------------------------------------------------------------------
    def central(self, client: CentralClient, form: str) -> None:
        self._central_restores(client, form)
        self._central_recheck(client, form)
        with self.engine.connect() as conn:
            cur = cursors.load(conn, self.key, form)
        if not cur.in_pass:
            cur = cur.evolve(pass_since=cur.since, pass_pages=0, pass_newest=None, pass_started=None,
                             pass_url=client.first_page_url(form, cur.since, self.page_size))
        total = None
        # Pages after the first are fetched, parsed and converted to records by a child
        # process (sync/page_worker.py) while this one stores them: a real Central is
        # another server, so its time and ours overlap, and so do the child's work and
        # ours. Pages are still stored one by one, in order, each with the pass it belongs to.
        prepared = page_worker.prepare(client.page(form, cur.pass_url))
        stream: page_worker.PageStream | None = None
        try:
            while True:
                page = prepared.page
                nxt = page.next_link
                if nxt and stream is None:
                    stream = page_worker.PageStream(client, form, client.follow(form, nxt))
                cur = self._central_page(client, form, cur, page, prepared.records)
                total = page.body.get("@odata.count", total)
                self.progress(f"{self.source.name}/{form}", len(page.rows), total)
                if not nxt:
                    break
                prepared = stream.next()   # a SourceError of the fetch is raised here, in order
        finally:
            if stream is not None:
                stream.close()
        with self.engine.connect() as conn:
            locked = held.count_version(conn, self.key, form, "notDecrypted")
        if locked:
            self.tally.encrypted += locked
            self.tally.note(f"{self.source.name}/{form}: {locked} submission(s) are encrypted "
                            f"(__system/status = notDecrypted) and were not stored; decrypting "
                            f"with the form's private key is not supported yet")

    def _central_page(self, client: CentralClient, form: str, cur: cursors.Cursor, page,
                      records: list) -> cursors.Cursor:
        """Store one page with its pass in one transaction; the cursor as saved."""
        self.tally.pages += 1
        rows, nxt = page.rows, page.next_link
        if cur.pass_pages == 0 and page.server_time is not None:
            cur = cur.evolve(pass_started=cursors.iso(page.server_time.replace(microsecond=0)))
        refs = [r["__id"] for r in rows]
        with self.engine.connect() as conn:
            had = held.items(conn, self.key, form, refs)
            known_files = held.etags_of(conn, self.key, form, [
                (r.get("meta") or {}).get("instanceID") or r["__id"] for r in rows
                if r["__system"].get("attachmentsExpected")])
        work = [self._central_prepare(client, form, r, raw, had.get(r["__id"]), known_files, record)
                for r, raw, record in zip(rows, page.raw_rows, records)]
        newest = cur.pass_newest
        stamps = [ts for r in rows for key in ("submissionDate", "updatedAt", "deletedAt")
                  if (ts := r["__system"].get(key))]
        if stamps:
            newest = cursors.later(newest, max(stamps, key=cursors.parse))
        with page_transaction(self.engine) as conn:
            batch = []
            for item in work:
                if item[0] == "ingest":
                    batch.append(item)  # stored together below (one row per __id: no order between them)
                else:
                    self._central_apply(conn, form, item)
            self._central_ingest(conn, form, batch)
            if nxt:
                cur = cur.evolve(pass_url=client.follow(form, nxt), pass_newest=newest,
                                 pass_pages=cur.pass_pages + 1)
            else:
                cur = cursors.end_of_pass(cur.evolve(pass_newest=newest))
            cursors.save(conn, cur)
        return cur

    def _central_files(self, client: CentralClient, form: str, ref: str, known: dict[str, str | None]):
        listing = client.attachments(form, ref)
        files, etags, waiting = [], {}, False
        for att in listing:
            name = att["name"]
            if not att.get("exists"):
                waiting = True
                continue
            content, etag, ctype = client.attachment(form, ref, name, known.get(name))
            if content is None:
                continue  # 304: we hold this very file
            files.append(AttachmentIn(name, ctype or "application/octet-stream", data=content))
            etags[name] = etag
        return files, etags, waiting, [a["name"] for a in listing]

    def _central_prepare(self, client, form: str, row: dict, raw: bytes, had: held.Item | None,
                         known_files: dict[str, dict], record: Any = None) -> tuple:
        s = row["__system"]
        ref = row["__id"]
        if s.get("deletedAt"):
            return ("delete", ref, s["deletedAt"]) if had is not None and not had.deleted else ("skip",)
        instance = (row.get("meta") or {}).get("instanceID") or ref
        if s.get("status") == "notDecrypted":
            return ("encrypted", ref, instance)
        version = f"{instance}|{s.get('reviewState') or ''}"
        if had is not None and had.version == version and not had.deleted:
            return ("same",)
        files, etags, waiting, names = [], {}, False, []
        if s.get("attachmentsExpected") and not (had and had.instance_id == instance and not had.pending):
            files, etags, waiting, names = self._central_files(client, form, ref, known_files.get(instance, {}))
        waiting = waiting or (s.get("attachmentsPresent", 0) < s.get("attachmentsExpected", 0))
        return ("ingest", row, raw, had, instance, version, files, etags, waiting, names, record)

    def _central_apply(self, conn, form: str, work: tuple) -> None:
        kind = work[0]
        if kind == "same":
            self.tally.unchanged += 1
        elif kind == "delete":
            _, ref, when = work
            result = mark_deleted(conn, source=self.key, source_ref=ref, deleted_at=_utc(when))
            if result.status == "deleted":
                self.tally.deleted += 1
            old = held.items(conn, self.key, form, [ref])[ref]
            held.put(conn, self.key, form, held.Item(ref, old.instance_id, old.version, True, False))
        elif kind == "encrypted":
            _, ref, instance = work
            held.put(conn, self.key, form, held.Item(ref, instance, "notDecrypted", False, False))
        elif kind == "ingest":
            self._central_ingest(conn, form, [work])

    def _central_ingest(self, conn, form: str, batch: list[tuple]) -> None:
        """Store a page's new and changed rows with one ``ingest_many``, then note them."""
        subs = []
        for work in batch:
            _, row, raw, had, instance, version, files, etags, waiting, names, record = work
            if record is None:   # not prepared by the page reader (a restore)
                record = record_from_central_row(row)
            elif isinstance(record, Exception):
                raise record   # as converting it here would have
            s = row["__system"]
            meta = row.get("meta") or {}
            # Our chain must continue from the version we hold, even when the source was
            # edited several times between two pulls (meta/deprecatedID then names a version
            # we never saw).
            deprecated = had.instance_id if had and had.instance_id != instance else meta.get("deprecatedID")
            subs.append(Submission(
                form_id=form, form_version=s.get("formVersion") or "", instance_id=instance,
                deprecated_id=deprecated, data=record, raw=raw,
                raw_format="central-json", source=self.key, source_ref=row["__id"],
                submitter=s.get("submitterName") or s.get("submitterId"), device_id=s.get("deviceId"),
                submitted_at=_utc(s.get("submissionDate")), review_state=s.get("reviewState"),
                attachments=tuple(files), expected_attachments=tuple(names)))
        results = ingest_many(conn, subs, self.settings)
        fresh, changed = [], []
        for work, sub, result in zip(batch, subs, results):
            _, row, raw, had, instance, version, files, etags, waiting, names, _ = work
            self._count(sub, result, had, form)
            (fresh if had is None else changed).append(held.Item(row["__id"], instance, version, False, waiting))
            for name, etag in etags.items():
                held.put_file(conn, self.key, form, instance, name, etag)
        # what we hold of the page, in two statements (one row per __id in a page)
        held.insert_many(conn, self.key, form, fresh)
        held.update_many(conn, self.key, form, changed)

    def _central_restores(self, client: CentralClient, form: str) -> None:
        """Submissions we hold as deleted that the server restored. Central's restore
        touches neither updatedAt nor anything else a filter can ask for
        (tests/fakes/central-observed.md), so no incremental pass sees it: when we hold
        deleted submissions, the server's list of deleted ones is asked (one short listing),
        and each of ours missing from it is fetched by its id. Not found either: purged
        (Central purges deleted submissions after 30 days), it stays deleted here."""
        with self.engine.connect() as conn:
            gone = {item.ref: item for item in held.deleted(conn, self.key, form)}
        if not gone:
            return
        still = client.deleted_refs(form, self.page_size)
        for ref, item in sorted(gone.items()):
            if ref in still:
                continue
            found = client.submission(form, ref)
            if found is None:
                continue
            row, raw = found
            back = held.Item(ref, item.instance_id, item.version, False, item.pending)
            with self.engine.connect() as conn:
                known = held.etags_of(conn, self.key, form, [item.instance_id])
            # prepared before the transaction: an edit since may need its files downloaded
            work = self._central_prepare(client, form, row, raw, back, known)
            with self.engine.begin() as conn:
                if mark_restored(conn, source=self.key, source_ref=ref).status == "restored":
                    self.tally.updated += 1
                    self.tally.note(f"{self.source.name}/{form}: {ref} was restored on the server")
                held.put(conn, self.key, form, back)
                if work[0] == "ingest":
                    self._central_ingest(conn, form, [work])  # edited since it was deleted

    def _central_recheck(self, client: CentralClient, form: str) -> None:
        """Submissions whose files had not all arrived: Central does not touch updatedAt
        when they come (tests/fakes/central-observed.md), so no filter finds them; ask each again."""
        with self.engine.connect() as conn:
            waiting = held.pending(conn, self.key, form)
            known = held.etags_of(conn, self.key, form, [i.instance_id for i in waiting])
        for item in waiting:
            files, etags, still, names = self._central_files(client, form, item.ref, known[item.instance_id])
            with self.engine.begin() as conn:
                stored = self._stored_raw(conn, item.instance_id)
                if stored is not None and files:
                    sub = Submission(
                        form_id=stored.form_id, form_version=stored.form_version, instance_id=stored.instance_id,
                        deprecated_id=stored.deprecated_id, data=record_from_central_row(json.loads(stored.raw)),
                        raw=bytes(stored.raw), raw_format=stored.raw_format, source=self.key,
                        source_ref=item.ref, attachments=tuple(files), expected_attachments=tuple(names))
                    self._ingest(conn, sub, item, form, late_files=True)
                held.put(conn, self.key, form, held.Item(item.ref, item.instance_id, item.version,
                                                         item.deleted, still))
                for name, etag in etags.items():
                    held.put_file(conn, self.key, form, item.instance_id, name, etag)

    # -- KoboToolbox ------------------------------------------------------------------
    def kobo(self, client: KoboClient, uid: str) -> None:
        form = self.source.assets.get(uid, uid)
        with self.engine.connect() as conn:
            cur = cursors.load(conn, self.key, uid)
        # 1. new submissions: _id above the last one held, oldest first; keyset paging
        # (a fresh $gt each page) so deletions between pages shift nothing.
        while True:
            page = client.data(uid, query={"_id": {"$gt": cur.last_id or 0}}, limit=self.page_size)
            self.tally.pages += 1
            rows = page["results"]
            if not rows:
                break
            self._kobo_store(client, uid, form, rows)
            with self.engine.begin() as conn:
                cur = cursors.load(conn, self.key, uid).evolve(
                    last_id=max(int(r["_id"]) for r in rows))
                cursors.save(conn, cur)
            self.progress(f"{self.source.name}/{form}", len(rows), page.get("count"))
            if not page.get("next"):
                break
        # 2. edits, hard deletions and late _ids: nothing in a row says when it changed or
        # went, so compare a light listing with what we hold (tests/fakes/kobo-from-source.md).
        every = float(self.source.opt("listing_every_minutes") or 0)
        now = datetime.now(timezone.utc).replace(tzinfo=None)
        if every and cur.listed_at and now - cur.listed_at < timedelta(minutes=every):
            return
        remote: dict[str, str] = {}
        after = 0
        while True:
            page = client.data(uid, query={"_id": {"$gt": after}},
                               fields=["_id", "_uuid", "_validation_status"], limit=1000)
            self.tally.pages += 1
            for r in page["results"]:
                remote[str(r["_id"])] = self._kobo_version(r)
            if not page["results"] or not page.get("next"):
                break
            after = max(int(r["_id"]) for r in page["results"])
        with self.engine.connect() as conn:
            mine = {ref: it for ref, it in held.items(conn, self.key, uid).items() if not it.deleted}
        fetch = sorted((int(ref) for ref, v in remote.items() if ref not in mine or mine[ref].version != v))
        for i in range(0, len(fetch), 200):
            chunk = fetch[i:i + 200]
            rows = client.data(uid, query={"_id": {"$in": chunk}}, limit=1000)["results"]
            self.tally.pages += 1
            self._kobo_store(client, uid, form, rows)
        gone = [ref for ref in mine if ref not in remote]
        with self.engine.begin() as conn:
            for ref in gone:
                result = mark_deleted(conn, source=self.key, source_ref=ref)
                if result.status == "deleted":
                    self.tally.deleted += 1
                it = mine[ref]
                held.put(conn, self.key, uid, held.Item(ref, it.instance_id, it.version, True, False))
            latest = cursors.load(conn, self.key, uid)
            cursors.save(conn, latest.evolve(listed_at=now))

    @staticmethod
    def _kobo_version(row: dict) -> str:
        status = row.get("_validation_status") or {}
        return f"{row.get('_uuid')}|{status.get('uid') or ''}"

    def _kobo_form_version(self, conn, form: str, row: dict) -> str:
        # Kobo replaces the XForm's version with its own asset version (__version__); the
        # store knows forms by ours, so a Kobo row is taken as the newest version we have.
        from chips import formdefs
        if self._versions is None:
            self._versions = {fd.form_id: fd.version for fd in formdefs.current(conn)}
        return self._versions.get(form) or str(row.get("__version__") or "")

    def _kobo_store(self, client: KoboClient, uid: str, form: str, rows: list[dict]) -> None:
        refs = [str(r["_id"]) for r in rows]
        with self.engine.connect() as conn:
            had = held.items(conn, self.key, uid, refs)
            done_files = held.etags_of(conn, self.key, uid, [
                r.get("meta/instanceID") or f"uuid:{r['_uuid']}" for r in rows])
        prepared = []
        for r in rows:
            iid = r.get("meta/instanceID") or f"uuid:{r['_uuid']}"
            files, etags = [], {}
            for att in r.get("_attachments") or []:
                if att.get("is_deleted"):
                    continue
                name = att.get("media_file_basename") or posixpath.basename(att.get("filename", ""))
                tag = att.get("uid") or att.get("download_url")
                if done_files[iid].get(name) == tag:
                    continue  # downloaded once already
                content, _etag, ctype = client.download(uid, att["download_url"], name)
                files.append(AttachmentIn(name, att.get("mimetype") or ctype or "application/octet-stream",
                                          data=content))
                etags[name] = tag
            prepared.append((r, iid, files, etags))
        with page_transaction(self.engine) as conn:
            batch = []
            for r, iid, files, etags in prepared:
                ref = str(r["_id"])
                old = had.get(ref)
                version = self._kobo_version(r)
                if old is not None and old.version == version and not old.deleted and not files:
                    self.tally.unchanged += 1
                    continue
                deprecated = old.instance_id if old and old.instance_id != iid else r.get("meta/deprecatedID")
                review = KOBO_REVIEW.get((r.get("_validation_status") or {}).get("uid") or "")
                sub = Submission(
                    form_id=form, form_version=self._kobo_form_version(conn, form, r), instance_id=iid,
                    deprecated_id=deprecated, data=record_from_kobo_row(r), raw=_raw(r),
                    raw_format="kobo-json", source=self.key, source_ref=ref,
                    submitter=r.get("_submitted_by"),
                    submitted_at=datetime.fromisoformat(r["_submission_time"]) if r.get("_submission_time") else None,
                    review_state=review, attachments=tuple(files),
                    expected_attachments=tuple(a.get("media_file_basename") or posixpath.basename(a.get("filename", ""))
                                               for a in r.get("_attachments") or [] if not a.get("is_deleted")))
                batch.append((sub, old, ref, iid, version, etags))
            # one ingest_many per page (one row per _id: no order between them)
            results = ingest_many(conn, [b[0] for b in batch], self.settings)
            fresh, changed = [], []
            for (sub, old, ref, iid, version, etags), result in zip(batch, results):
                self._count(sub, result, old, form)
                (fresh if old is None else changed).append(held.Item(ref, iid, version, False, False))
                for name, tag in etags.items():
                    held.put_file(conn, self.key, uid, iid, name, tag)
            # what we hold of the page in two statements, as for Central (one row per _id)
            held.insert_many(conn, self.key, uid, fresh)
            held.update_many(conn, self.key, uid, changed)


def pull(engine: Engine, settings: Any, source: Source, *, form: str | None = None,
         progress: Progress | None = None, session=None) -> Tally:
    """Pull one source (or one form of it); a SourceError stops it and is kept in the tally."""
    tally = Tally()
    puller = Puller(engine, settings, source, tally, progress, session)
    try:
        if source.type == "central":
            client = CentralClient(source, session=session)
            forms = [form] if form else client.form_ids()
            for f in forms:
                puller.central(client, f)
        else:
            client = KoboClient(source, session=session)
            uids = list(source.assets)
            if form:
                uids = [u for u, f in source.assets.items() if form in (u, f)]
                if not uids:
                    raise SourceError(f"source {source.name}: no asset for form {form} in its settings")
            for uid in uids:
                puller.kobo(client, uid)
    except SourceError as exc:
        tally.errors += 1
        tally.stopped = str(exc)
    return tally


def run(settings: Any, names: list[str] | None = None, *, form: str | None = None,
        trigger: str = "command", progress: Progress | None = None, session=None,
        environ=None) -> dict[str, Tally]:
    """Pull the named sources (all when none named), each recorded in ``sync_runs``."""
    from chips.db.engine import make_engine
    from chips.db.migrate import upgrade
    from sync import status
    from sync.sources import load_sources

    sources = load_sources(settings, environ)
    if names:
        unknown = [n for n in names if n not in sources]
        if unknown:
            raise SourceError(f"no source named {', '.join(unknown)} in the settings "
                              f"(known: {', '.join(sorted(sources)) or 'none'})")
        sources = {n: sources[n] for n in names}
    if not sources:
        return {}
    engine = upgrade(make_engine(settings))
    out: dict[str, Tally] = {}
    for name, source in sources.items():
        run_id = status.start(engine, name, form, trigger)
        try:
            tally = pull(engine, settings, source, form=form, progress=progress, session=session)
        except BaseException as exc:   # record the run as failed even on Ctrl-C, then go on up
            tally = Tally(errors=1, stopped=f"source {name}: {type(exc).__name__}: {exc}")
            status.finish(engine, run_id, tally)
            raise
        status.finish(engine, run_id, tally)
        out[name] = tally
    return out
