"""OpenRosa endpoints for ODK Collect: form list, form download, manifest, submission.

Shaped as ODK Collect reads them and as ODK Central answers them
(docs.getodk.org/openrosa-form-list, openrosa-form-submission, openrosa-http;
getodk/central-backend lib/formats/openrosa.js and lib/resources/forms.js /
submissions.js; our own observations in central-observed.md). Differences from Central
are on purpose and said where they are.

Mounted twice: at ``/`` (Digest/Basic) and at ``/key/<token>/`` (app-user token, for a
phone configured from a QR code).
"""

from __future__ import annotations

import hashlib
import re
import threading
import uuid as uuidlib
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache, wraps
from typing import Any, Callable, Iterator
from urllib.parse import unquote
from xml.sax.saxutils import escape

from flask import Blueprint, Response, current_app, g, request
from sqlalchemy import Connection
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.http import parse_options_header
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData

from chips import attachment_store
from chips import entities as entity_lists
from chips import formdefs
from chips.attachment_store import AttachmentError, check_name
from chips.db.schema import ID
from chips.db.engine import reading
from chips.group_commit import GroupCommitter
from chips.ingest import IngestError, attachment_names, write_files_unflushed
from chips.records.xml import XmlSubmissionError, parse_submission
from chips.submission import AttachmentIn, Submission
from server import auth

OPENROSA_NS = "http://openrosa.org/http/response"
XML_TYPE = "text/xml; charset=utf-8"  # Collect refuses application/xml for these answers

DEFAULTS = {
    # a reverse proxy in front terminates HTTPS: trust its X-Forwarded-Proto (then Basic is
    # allowed). `chips serve` hands this to waitress, which takes the header only from
    # `proxy_address`; the check in _secure() is for other WSGI servers that pass it through.
    "trust_proxy": False,
    "proxy_address": "127.0.0.1",
}


def engine():
    return current_app.extensions["chips.engine"]


def settings():
    return current_app.extensions["chips.settings"]


def accept_length() -> int:
    return int(settings().max_attachment_bytes)


def openrosa_headers(resp: Response) -> Response:
    resp.headers["X-OpenRosa-Version"] = "1.0"
    resp.headers["X-OpenRosa-Accept-Content-Length"] = str(accept_length())
    return resp


def message(text: str, status: int, *, error: bool | None = None) -> Response:
    nature = "error" if (error if error is not None else status >= 400) else ""
    body = (
        f'<OpenRosaResponse xmlns="{OPENROSA_NS}" items="0">'
        f'<message nature="{nature}">{escape(text)}</message></OpenRosaResponse>'
    )
    return openrosa_headers(Response(body, status=status, content_type=XML_TYPE))


def _secure() -> bool:
    if request.is_secure:
        return True
    trust = settings().section("server", DEFAULTS).get("trust_proxy")
    return bool(trust) and request.headers.get("X-Forwarded-Proto", "").lower() == "https"


def _challenge(stale: bool = False) -> Response:
    resp = message("Authentication required.", 401)
    domain = (request.script_root or "") + "/"
    resp.headers.add("WWW-Authenticate", auth.digest_challenge(settings().secret_key, domain, stale))
    if _secure():
        resp.headers.add("WWW-Authenticate", f'Basic realm="{auth.REALM}", charset="UTF-8"')
    return resp


def authenticated(view: Callable[..., Any]) -> Callable[..., Any]:
    """Find the user (token in the path, Bearer, Digest, or Basic over HTTPS) or answer 401/403."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        token = kwargs.pop("token", None)
        header = request.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        scheme = scheme.lower()
        # One connection serves the request's reads (authentication, look-ups): each
        # check-out costs a ping and a reset. Reading takes no SQLite write lock. It is
        # checked out when first used: a phone's token found in the cache and a form
        # version already loaded leave a submission nothing to read.
        conn = _RequestConnection(engine())
        try:
            if token is not None or scheme == "bearer":
                user = auth.user_by_token_cached(conn, token if token is not None else value.strip())
                if user is None:
                    return message("The app-user token is not valid.", 403)  # as Central
            elif scheme == "digest":
                outcome = auth.check_digest(
                    conn, settings().secret_key, value, request.method,
                    unquote((request.script_root or "") + request.path),
                )
                if outcome.user is None:
                    return _challenge(stale=outcome.stale)
                user = outcome.user
            elif scheme == "basic" and _secure():
                user = auth.check_basic(conn, value)
                if user is None:
                    return _challenge()
            else:
                return _challenge()
            g.user = user
            g.token = token
            g.db = conn
            return view(*args, **kwargs)
        finally:
            conn.close()

    return wrapper


class _RequestConnection:
    """The request's reading connection (``chips.db.engine.reading``), checked out from
    the pool on first use; ``engine`` (what the per-process caches are keyed by) needs
    none, and ``rollback``/``close`` of one never opened do nothing."""

    def __init__(self, engine) -> None:
        self.engine = engine
        self._conn: Connection | None = None

    def __getattr__(self, name: str) -> Any:
        if self._conn is None:
            self._conn = reading(self.engine.connect())
        return getattr(self._conn, name)

    def rollback(self) -> None:
        if self._conn is not None:
            self._conn.rollback()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


@contextmanager
def connection() -> Iterator[Connection]:
    """The request's connection (see ``authenticated``), for reading."""
    yield g.db


def needs_openrosa_header(view: Callable[..., Any]) -> Callable[..., Any]:
    """Central refuses OpenRosa calls without the version header (400); so do we."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not request.headers.get("X-OpenRosa-Version"):
            return message("This is an OpenRosa endpoint: send the X-OpenRosa-Version: 1.0 header.", 400)
        return view(*args, **kwargs)

    return wrapper


bp = Blueprint("openrosa", __name__)


def url(path: str) -> str:
    """An absolute URL on this server, keeping the ``/key/<token>`` prefix of the request."""
    base = settings().base_url.rstrip("/") if settings().base_url else request.host_url.rstrip("/") + (request.script_root or "")
    prefix = f"/key/{g.token}" if g.get("token") else ""
    return f"{base}{prefix}{path}"


# --- forms -------------------------------------------------------------------------------


def _current_forms(conn) -> list[formdefs.FormDef]:
    """What the form list offers: the newest published version of each form.
    Every role sees every form (as a Central app user assigned to all of them)."""
    return formdefs.current(conn)


def _media_dir():
    return settings().instance_dir / "forms"


@bp.get("/formList")
@authenticated
@needs_openrosa_header
def form_list() -> Response:
    wanted = request.args.get("formID")
    with connection() as conn:
        forms = _current_forms(conn)
    items = []
    for fd in forms:
        if wanted and fd.form_id != wanted:
            continue
        manifest = ""
        if fd.media:
            manifest = f"<manifestUrl>{escape(url(f'/forms/{fd.form_id}/manifest'))}</manifestUrl>"
        items.append(
            "<xform>"
            f"<formID>{escape(fd.form_id)}</formID>"
            f"<name>{escape(fd.title)}</name>"
            f"<version>{escape(fd.version)}</version>"
            f"<hash>md5:{fd.md5}</hash>"
            f"<downloadUrl>{escape(url(f'/forms/{fd.form_id}.xml'))}</downloadUrl>"
            f"{manifest}"
            "</xform>"
        )
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<xforms xmlns="http://openrosa.org/xforms/xformsList">' + "".join(items) + "</xforms>"
    return openrosa_headers(Response(body, status=200, content_type=XML_TYPE))


@bp.get("/forms/<form_id>.xml")
@authenticated
def form_xml(form_id: str) -> Response:
    with connection() as conn:
        fd = next((f for f in _current_forms(conn) if f.form_id == form_id), None)
    if fd is None:
        return message(f"No form {form_id} on this server.", 404)
    # exactly the bytes the formList hash covers
    return openrosa_headers(Response(fd.xml, status=200, content_type="application/xml"))


@bp.get("/forms/<form_id>/manifest")
@authenticated
@needs_openrosa_header
def manifest(form_id: str) -> Response:
    with connection() as conn:
        forms = _current_forms(conn)
        fd = next((f for f in forms if f.form_id == form_id), None)
        if fd is None:
            return message(f"No form {form_id} on this server.", 404)
        known = set(formdefs.datasets(forms))
        entries = []
        for name in fd.media:
            dataset = name[:-4] if name.endswith(".csv") else None
            if dataset in known:
                data = entity_lists.entity_list_csv(conn, dataset, formdefs.dataset_properties(forms, dataset))
                entries.append(
                    '<mediaFile type="entityList">'
                    f"<filename>{escape(name)}</filename>"
                    f"<hash>{entity_lists.csv_hash(data)}</hash>"
                    f"<downloadUrl>{escape(url(f'/forms/{form_id}/attachments/{name}'))}</downloadUrl>"
                    f"<integrityUrl>{escape(url(f'/datasets/{dataset}/integrity'))}</integrityUrl>"
                    "</mediaFile>"
                )
                continue
            path = _media_dir() / name
            if path.is_file():
                entries.append(
                    "<mediaFile>"
                    f"<filename>{escape(name)}</filename>"
                    f"<hash>md5:{hashlib.md5(path.read_bytes()).hexdigest()}</hash>"
                    f"<downloadUrl>{escape(url(f'/forms/{form_id}/attachments/{name}'))}</downloadUrl>"
                    "</mediaFile>"
                )
            else:
                current_app.logger.warning("form %s names media %s, which the build did not produce", form_id, name)
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest xmlns="http://openrosa.org/xforms/xformsManifest">'
        + "".join(entries)
        + "</manifest>"
    )
    return openrosa_headers(Response(body, status=200, content_type=XML_TYPE))


@bp.get("/forms/<form_id>/attachments/<name>")
@authenticated
def form_attachment(form_id: str, name: str) -> Response:
    try:
        check_name(name)
    except AttachmentError:
        return message("Not a file name.", 400)
    with connection() as conn:
        forms = _current_forms(conn)
        fd = next((f for f in forms if f.form_id == form_id), None)
        if fd is None or name not in fd.media:
            return message(f"Form {form_id} has no media file {name}.", 404)
        dataset = name[:-4] if name.endswith(".csv") else None
        if dataset in set(formdefs.datasets(forms)):
            data = entity_lists.entity_list_csv(conn, dataset, formdefs.dataset_properties(forms, dataset))
            etag = entity_lists.csv_hash(data)
            if request.if_none_match and request.if_none_match.contains(etag):
                return Response(status=304, headers={"ETag": f'"{etag}"'})
            return Response(data, status=200, content_type="text/csv; charset=utf-8", headers={"ETag": f'"{etag}"'})
    path = _media_dir() / name
    if not path.is_file():
        return message(f"Media file {name} is missing on the server.", 404)
    return Response(path.read_bytes(), status=200, content_type="application/octet-stream")


@bp.get("/datasets/<dataset>/integrity")
@authenticated
def integrity(dataset: str) -> Response:
    ids = None
    if request.args.get("id"):
        ids = [i.strip().lower() for i in request.args["id"].split(",") if i.strip()]
        try:
            for i in ids:
                uuidlib.UUID(i)
        except ValueError:
            return message("Every id must be a UUID.", 400)
    with connection() as conn:
        rows = entity_lists.integrity(conn, dataset, ids)
    body = "<data><entities>" + "".join(
        f'<entity id="{escape(u)}"><deleted>{"true" if d else "false"}</deleted></entity>' for u, d in rows
    ) + "</entities></data>"
    return openrosa_headers(Response(body, status=200, content_type=XML_TYPE))


# --- submissions -------------------------------------------------------------------------


@bp.route("/submission", methods=["HEAD"])
@authenticated
@needs_openrosa_header
def submission_head() -> Response:
    return openrosa_headers(Response(status=204, content_type=XML_TYPE))


def _metadata(value: str | None) -> str | None:
    """A device id or part media type as the phone sent it, cut to what the column holds and
    without control characters (PostgreSQL refuses both a longer value and a NUL: a 500
    where SQLite stored it); it labels the submission, so it never refuses it."""
    if value is None:
        return None
    return "".join(c for c in value if c.isprintable())[:ID] or None


# --- the multipart body of a submission ---------------------------------------------------
#
# Read with werkzeug's own sans-IO decoder, as ``request.files`` would be, but without the
# two regular expressions werkzeug compiles for every boundary: a phone sends a new random
# boundary with every POST, so each compile (0.2 ms of CPU, more than parsing the XML) was
# paid on every submission.

_LINE_BREAK = rb"(?:\r\n|\n|\r)"


@lru_cache(maxsize=64)
def _boundary_regex(length: int, preamble: bool) -> re.Pattern[bytes]:
    """werkzeug's boundary expression (werkzeug/sansio/multipart.py, ``preamble_re`` and
    ``boundary_re``) with the boundary left as any ``length`` bytes: one per length, not
    one per request. Group 1 is the same as in werkzeug's."""
    return re.compile(
        rb"%s%s--.{%d}(--[^\S\n\r]*%s?|[^\S\n\r]*%s)"
        % (_LINE_BREAK, b"?" if preamble else b"", length, _LINE_BREAK, _LINE_BREAK),
        re.DOTALL,
    )


class _BoundarySearch:
    """``search`` answering as werkzeug's per-boundary expression would: the leftmost match
    of the any-bytes expression whose bytes are the boundary. At a given start the two
    expressions can only match the same way (the line break before ``--`` is decided by the
    byte there), so the first candidate holding the boundary is werkzeug's match."""

    __slots__ = ("regex", "boundary")

    def __init__(self, boundary: bytes, preamble: bool) -> None:
        self.regex = _boundary_regex(len(boundary), preamble)
        self.boundary = boundary

    def search(self, data: bytes | bytearray, pos: int = 0) -> re.Match[bytes] | None:
        size = len(self.boundary)
        match = self.regex.search(data, pos)
        while match is not None:
            end = match.start(1)
            if data[end - size:end] == self.boundary:
                return match
            match = self.regex.search(data, match.start() + 1)
        return None


class _Decoder(MultipartDecoder):
    """werkzeug's decoder with its boundary expressions from ``_boundary_regex``."""

    def __init__(self, boundary: bytes, max_form_memory_size: int | None = None, *,
                 max_parts: int | None = None) -> None:
        # a stand-in boundary of the same length: its expressions come from re's cache
        super().__init__(b"-" * len(boundary), max_form_memory_size, max_parts=max_parts)
        self.boundary = boundary
        self.preamble_re = _BoundarySearch(boundary, preamble=True)
        self.boundary_re = _BoundarySearch(boundary, preamble=False)


@dataclass(frozen=True)
class _FilePart:
    filename: str | None
    mimetype: str  # lower case, without parameters; "" when the part has no Content-Type
    data: bytes


_CHUNK = 64 * 1024  # as werkzeug's MultiPartParser reads


def _file_parts() -> dict[str, list[_FilePart]]:
    """The body's file parts by field name, as ``request.files`` holds them (names in the
    order first sent): same limits (``MAX_CONTENT_LENGTH``, ``MAX_FORM_MEMORY_SIZE`` and
    ``MAX_FORM_PARTS`` answer 413), and a body werkzeug cannot read gives no parts, as its
    form parser does (``silent``). Non-file fields are read and dropped: we use none."""
    if request.mimetype != "multipart/form-data":
        return {}
    try:
        boundary = request.mimetype_params.get("boundary", "").encode("ascii")
    except ValueError:
        return {}
    if not boundary:
        return {}
    limit = request.max_form_memory_size
    decoder = _Decoder(boundary, limit, max_parts=request.max_form_parts)
    files: dict[str, list[_FilePart]] = {}
    read = request.stream.read
    chunks: list[bytes] = []
    part: Field | File | None = None
    field_size = 0
    try:
        while True:
            data = read(_CHUNK)
            decoder.receive_data(data or None)
            event = decoder.next_event()
            while not isinstance(event, (Epilogue, NeedData)):
                if isinstance(event, (Field, File)):
                    part, chunks, field_size = event, [], 0
                elif isinstance(event, Data):
                    if isinstance(part, Field):
                        field_size += len(event.data)
                        if limit is not None and field_size > limit:
                            raise RequestEntityTooLarge()
                    else:
                        chunks.append(event.data)
                    if not event.more_data and isinstance(part, File):
                        mimetype = parse_options_header(part.headers.get("content-type"))[0].lower()
                        files.setdefault(part.name, []).append(
                            _FilePart(part.filename or None, mimetype, b"".join(chunks)))
                event = decoder.next_event()
            if not data:
                return files
    except ValueError:
        return {}


@bp.post("/submission")
@authenticated
@needs_openrosa_header
def submission_post() -> Response:
    parts = _file_parts()
    if "xml_submission_file" not in parts:
        return message("Required multipart POST field xml_submission_file missing.", 400)
    raw = parts["xml_submission_file"][0].data
    try:
        parsed = parse_submission(raw)
    except XmlSubmissionError as exc:
        return message(f"The submission XML cannot be read: {exc}.", 400)

    conn = g.db
    fd = formdefs.load(conn, parsed.form_id, parsed.form_version)
    versions = fd is not None or formdefs.is_known_form(conn, parsed.form_id)
    conn.rollback()
    if not versions:
        return message(f"The form {parsed.form_id} is not on this server.", 404)
    # A known form id with a version we never published is still stored (raw, status
    # unknown_form) and answered 201, unlike Central's 404: the data is safe here and
    # `chips db reproject` projects it once that version is published.
    declared = None
    if fd is not None:
        declared = set(attachment_names(fd, parsed.record))

    max_bytes = accept_length()
    incoming = []
    for field_name, file_parts in parts.items():
        if field_name == "xml_submission_file":
            continue
        for file_part in file_parts:
            name = file_part.filename or field_name
            try:
                check_name(name)
            except AttachmentError as exc:
                return message(str(exc), 400)
            if declared is not None and name not in declared:
                continue  # a part the XML does not name: ignored, as Central does
            if len(file_part.data) > max_bytes:
                return message(f"Attachment {name} is larger than the {max_bytes} bytes allowed.", 413)
            incoming.append(AttachmentIn(name=name, media_type=_metadata(file_part.mimetype) or "application/octet-stream",
                                         data=file_part.data))

    sub = Submission(
        form_id=parsed.form_id, form_version=parsed.form_version, instance_id=parsed.instance_id,
        deprecated_id=parsed.deprecated_id, data=parsed.record, raw=raw, raw_format="xml",
        source="openrosa", submitter=g.user.name, device_id=_metadata(request.args.get("deviceID")),
        attachments=tuple(incoming),
    )
    unflushed: list[attachment_store.Unflushed] = []
    # Not an edit: its files are written before the writer takes it. Whether this
    # instanceID is stored already is left to the writer, which must look anyway: asking
    # here too was a round trip per submission, and a resend's files are the same bytes
    # (content-addressed: a hash and a stat), only a refused conflict (409) leaves its
    # files unreferenced, as any rolled-back transaction does.
    if incoming and not parsed.deprecated_id:
        try:
            # its files written here, in the request's thread, so parallel uploads overlap
            # them; flushed to disk by the committer's store() while the writer thread
            # writes the rows (the commit waits for the flush)
            unflushed = write_files_unflushed(sub, settings())
        except IngestError as exc:
            return message(str(exc), 413 if exc.too_large else 400)
    conn.close()  # the writer thread stores it: don't hold a pooled connection meanwhile
    try:
        result = committer().store(sub, flush=unflushed)
    except IngestError as exc:
        return message(str(exc), 413 if exc.too_large else 400)
    except OSError as exc:
        # its files could not be flushed to disk (the commit waited for them, so nothing
        # of it is kept): the phone keeps the submission and sends it again later
        current_app.logger.error("submission %s: its files could not be written to disk: %s",
                                 sub.instance_id, exc)
        return message("The server could not write this submission's files to disk; nothing of it "
                       "was kept. Please send it again later.", 503)
    finally:
        attachment_store.flush_all(unflushed)   # done by store(); never left in flight should it not run
    if result.status == "conflict":
        return message(result.message, 409)
    if result.status == "duplicate":
        # Central answers 201 to an identical resend; 202 says "nothing new", and Collect
        # treats any 2xx as delivered.
        return message(result.message, 202)
    return message(result.message, 201)


_COMMITTER_LOCK = threading.Lock()


def committer() -> GroupCommitter:
    """The app's writer (chips.group_commit): concurrent submissions share a commit."""
    found = current_app.extensions.get("chips.committer")
    if found is None:
        with _COMMITTER_LOCK:
            found = current_app.extensions.setdefault("chips.committer", GroupCommitter(engine(), settings()))
    return found
