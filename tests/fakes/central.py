"""A fake ODK Central that behaves as a real one answered (tests/fakes/central-observed.md).

What it follows, and where from:
- tests/fakes/central-observed.md (observed on Central v2026.2.2): sessions and their
  401.2 body, OData rows with ``__id``/``__system``, newest-first paging with an opaque
  ``$skiptoken`` in ``@odata.nextLink`` that keeps ``$filter``/``$top``/``$count``,
  ``$orderby`` with a skiptoken → 501.1, a filter on a form field → 501.5, a garbage
  skiptoken → 400.35, soft deletion that leaves every listing unless the filter names
  ``__system/deletedAt`` and does not touch ``updatedAt``, edits (``__id`` stays, new
  instanceID, ``reviewState`` ``edited``, ``edits`` + 1), attachments that arrive later
  without touching ``updatedAt``, attachment ETag = quoted MD5 with ``If-None-Match`` → 304.
- getodk/central-backend ``lib/util/db.js`` (skiptoken ``"01" + base64(JSON)`` naming the
  last row's instanceId; still valid when that row is deleted) and ``lib/data/odata.js``
  (row shape, made by tests/fakes/xforms.py).
- Central API docs (docs.getodk.org/central-api): forms, drafts, draft attachments linked
  to a dataset with ``PATCH … {"dataset": true}``, ``/draft/publish?version=``, datasets.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import re
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable
from urllib.parse import urlencode

from flask import Flask, Response, request
from lxml import etree

from tests.fakes.server import Fault, Log, reset_connection, slow, take_fault, truncate_marked_bodies
from tests.fakes.xforms import FormSchema, central_data, instance_id, with_new_instance
from tests.fakes.xforms import bases as made_bases

ENTITIES_NS = "http://www.opendatakit.org/xforms/entities"


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def parse_time(text: str) -> datetime:
    text = text.strip("'")
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass
class Sub:
    seq: int
    logical_id: str
    instance_id: str
    xml: bytes
    data: dict
    created_at: datetime
    form_version: str
    attachments: dict[str, bytes | None]
    updated_at: datetime | None = None
    deleted_at: datetime | None = None
    review_state: str | None = None
    edits: int = 0
    status: str | None = None   # "notDecrypted" for an encrypted form
    submitter_id: str = "5"
    device_id: str = "collect:abc123"


@dataclass
class Form:
    xml_form_id: str
    schema: FormSchema
    versions: list[str] = field(default_factory=list)   # published, oldest first
    draft: FormSchema | None = None
    draft_links: dict[str, bool] = field(default_factory=dict)
    subs: list[Sub] = field(default_factory=list)         # oldest first
    encrypted: bool = False

    @property
    def published(self) -> bool:
        return bool(self.versions)


def _problem(status: int, code: float, message: str) -> Response:
    return Response(json.dumps({"message": message, "code": code}), status=status,
                    mimetype="application/json")


def _json(body: Any, status: int = 200, headers: dict | None = None) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json", headers=headers)


# -- the OData $filter, as FakeCentral's compile_filter reads it: OR of ANDs of comparisons ----
_ATTR = {"submissionDate": "created_at", "updatedAt": "updated_at", "deletedAt": "deleted_at",
         "reviewState": "review_state"}
_SYMBOLS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<=", "eq": "==", "ne": "!="}


def predicate(alternatives, show_deleted: bool) -> Callable[[Sub], bool]:
    """Whether a row is in the answer: the filter and the deleted check compiled to one
    expression, as a database compiles its WHERE (a generic matcher called for each of the
    50,000 rows of bench/sync.py took 0.15 s to find the one empty page of a re-sync, most
    of that whole re-sync; tests/sync/test_fake_filter.py holds the two equal). A
    comparison with a missing value is false, except ``eq``/``ne``. The values are bound as
    names, never written into the source."""
    env: dict[str, Any] = {}
    where = "True"
    if alternatives is not None:
        ors = []
        for i, terms in enumerate(alternatives):
            ands = []
            for j, (f, op, v) in enumerate(terms):
                name, a = f"v{i}_{j}", f"s.{_ATTR[f]}"
                env[name] = v
                if op in ("eq", "ne"):
                    ands.append(f"{a} {_SYMBOLS[op]} {name}")
                else:
                    ands.append(f"({a} is not None and {name} is not None and {a} {_SYMBOLS[op]} {name})")
            ors.append("(" + (" and ".join(ands) or "True") + ")")
        where = " or ".join(ors) or "False"
    alive = "True" if show_deleted else "s.deleted_at is None"
    return eval(f"lambda s: {alive} and ({where})", env)  # noqa: S307 - text made here, values bound


class FakeCentral:
    def __init__(self, project: int = 1, email: str = "sync@example.org", password: str = "rahasia",
                 session_lifetime: timedelta = timedelta(hours=24)):
        self.project = project
        self.email, self.password = email, password
        self.session_lifetime = session_lifetime
        self.tokens: dict[str, datetime] = {}
        self.forms: dict[str, Form] = {}
        self.datasets: dict[str, dict] = {}
        self.log = Log()
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self._seq = 0
        self._last_time = datetime(2000, 1, 1, tzinfo=timezone.utc)
        self.clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)
        # called with (path, query) before each request is answered: lets a test change
        # the data while a pull is between two pages
        self.on_request: Callable[[str, str], None] | None = None
        self.not_modified = 0   # attachment requests answered 304
        self.app = self._make_app()

    # -- time: strictly increasing, millisecond steps, as Postgres timestamps sort --------
    def now(self) -> datetime:
        with self.lock:
            t = self.clock().replace(microsecond=self.clock().microsecond // 1000 * 1000)
            if t <= self._last_time:
                t = self._last_time + timedelta(milliseconds=1)
            self._last_time = t
            return t

    # -- forms ----------------------------------------------------------------------------
    def add_form(self, xml: bytes, encrypted: bool = False) -> Form:
        schema = FormSchema(xml)
        with self.lock:
            form = Form(schema.form_id, schema, versions=[schema.version], encrypted=encrypted)
            self.forms[schema.form_id] = form
            self._make_dataset(schema)
            return form

    def _make_dataset(self, schema: FormSchema) -> None:
        doc = etree.fromstring(schema.xml)
        props = [b.get("nodeset").rsplit("/", 1)[-1] and b.get(f"{{{ENTITIES_NS}}}saveto")
                 for b in doc.iter("{http://www.w3.org/2002/xforms}bind")
                 if b.get(f"{{{ENTITIES_NS}}}saveto")]
        for ent in doc.iter("{http://www.w3.org/2002/xforms}entity"):
            ds = self.datasets.setdefault(ent.get("dataset"), {"properties": [], "entities": []})
            for p in props:
                if p not in ds["properties"]:
                    ds["properties"].append(p)

    # -- submissions ----------------------------------------------------------------------
    def submit(self, form_id: str, xml: bytes, attachments: dict[str, bytes | None] | None = None,
               at: datetime | None = None) -> str:
        form = self.forms[form_id]
        with self.lock:
            self._seq += 1
            iid = instance_id(xml)
            data = central_data(form.schema, xml, iid)
            sub = Sub(self._seq, iid, iid, xml, data, at or self.now(), form.schema.version,
                      dict(attachments or {}), status="notDecrypted" if form.encrypted else None)
            form.subs.append(sub)
            self._entity_from(sub)
            return iid

    def _entity_from(self, sub: Sub) -> None:
        root = etree.fromstring(sub.xml)
        ent = root.find("meta/entity")
        if ent is None or ent.get("create") not in ("1", "true") or not ent.get("id"):
            return
        ds = self.datasets.setdefault(ent.get("dataset"), {"properties": [], "entities": []})
        props = {}
        for name, rel in self._savetos(root.get("id")):
            el = root.find(rel)
            props[name] = el.text if el is not None and el.text else ""
        ds["entities"].insert(0, {"uuid": ent.get("id"), "label": (ent.findtext("label") or ""),
                                  "properties": props, "createdAt": iso(sub.created_at),
                                  "deletedAt": None, "version": 1})

    def _savetos(self, form_id: str) -> list[tuple[str, str]]:
        cache = self.__dict__.setdefault("_saveto_cache", {})
        if form_id not in cache:
            doc = etree.fromstring(self.forms[form_id].schema.xml)
            cache[form_id] = [(b.get(f"{{{ENTITIES_NS}}}saveto"), b.get("nodeset").split("/", 2)[2])
                              for b in doc.iter("{http://www.w3.org/2002/xforms}bind")
                              if b.get(f"{{{ENTITIES_NS}}}saveto")]
        return cache[form_id]

    def find(self, form_id: str, logical_id: str) -> Sub:
        return next(s for s in self.forms[form_id].subs if s.logical_id == logical_id)

    def edit(self, form_id: str, logical_id: str, change: tuple[str, str] | None = None) -> str:
        """An edit as Collect sends it: new instanceID, deprecatedID = the current one."""
        with self.lock:
            sub = self.find(form_id, logical_id)
            new_id = f"uuid:{uuid.uuid4()}"
            sub.xml = with_new_instance(sub.xml, new_id, sub.instance_id, change)
            sub.instance_id = new_id
            sub.data = central_data(self.forms[form_id].schema, sub.xml, logical_id)
            sub.review_state = "edited"
            sub.edits += 1
            sub.updated_at = self.now()
            return new_id

    def review(self, form_id: str, logical_id: str, state: str) -> None:
        with self.lock:
            sub = self.find(form_id, logical_id)
            sub.review_state = state
            sub.updated_at = self.now()

    def delete(self, form_id: str, logical_id: str) -> None:
        with self.lock:
            self.find(form_id, logical_id).deleted_at = self.now()  # updatedAt untouched

    def restore(self, form_id: str, logical_id: str) -> None:
        """``POST …/submissions/<instanceId>/restore``: undeleted, updatedAt untouched
        (central-observed.md; central-backend lib/model/query/submissions.js ``restore``)."""
        with self.lock:
            self.find(form_id, logical_id).deleted_at = None

    def upload_attachment(self, form_id: str, logical_id: str, name: str, content: bytes) -> None:
        with self.lock:  # updatedAt untouched (tests/fakes/central-observed.md)
            self.find(form_id, logical_id).attachments[name] = content

    def seed(self, form_id: str, n: int, rng: random.Random | None = None, *, variants: int = 8,
             attachment_every: int = 10, start: datetime | None = None) -> list[str]:
        """``n`` submissions made from ``variants`` filled instances, one second apart,
        ending a minute ago; every ``attachment_every``-th carries its photo."""
        rng = rng or random.Random(1)
        form = self.forms[form_id]
        bases = made_bases(form.schema, variants, rng)
        binaries = set(form.schema.binaries())
        t0 = start or (datetime.now(timezone.utc) - timedelta(seconds=n + 60))
        ids = []
        for i in range(n):
            new_id = f"uuid:{uuid.UUID(int=rng.getrandbits(128))}"
            xml = with_new_instance(bases[i % variants], new_id)
            atts: dict[str, bytes | None] = {}
            root = etree.fromstring(xml)
            for path in binaries:
                el = root.find(path.split("/", 2)[2])
                if el is not None and el.text:
                    el.text = f"photo-{i}.jpg"
                    atts[el.text] = (f"JPEG {new_id}".encode() if attachment_every
                                     and i % attachment_every == 0 else None)
            if atts:
                xml = etree.tostring(root, encoding="UTF-8")
                if not any(atts.values()):
                    for p in binaries:  # no photo taken: the field is empty, nothing expected
                        el = root.find(p.split("/", 2)[2])
                        if el is not None:
                            el.text = None
                    xml, atts = etree.tostring(root, encoding="UTF-8"), {}
            ids.append(self.submit(form_id, xml, atts, at=t0 + timedelta(seconds=i)))
        with self.lock:
            self._last_time = max(self._last_time, t0 + timedelta(seconds=n))
        return ids

    def content(self, form_id: str) -> dict[str, str]:
        """What a complete pull must hold: __id -> current instanceID, deleted ones left out."""
        return {s.logical_id: s.instance_id for s in self.forms[form_id].subs if s.deleted_at is None}

    # -- rows -----------------------------------------------------------------------------
    def row(self, sub: Sub, expand: bool) -> dict:
        expected = [n for n in sub.attachments]
        present = [n for n, v in sub.attachments.items() if v is not None]
        if sub.status == "notDecrypted":
            data: dict = {"meta": {"instanceID": sub.instance_id}}
        elif expand:
            data = sub.data
        else:
            data = {k: v for k, v in sub.data.items() if not isinstance(v, list)}
        return {**data, "__id": sub.logical_id, "__system": {
            "submissionDate": iso(sub.created_at), "updatedAt": iso(sub.updated_at),
            "submitterId": sub.submitter_id, "submitterName": "Petugas Sempu",
            "attachmentsPresent": len(present), "attachmentsExpected": len(expected),
            "status": sub.status, "reviewState": sub.review_state, "deviceId": sub.device_id,
            "edits": sub.edits, "formVersion": sub.form_version, "deletedAt": iso(sub.deleted_at)}}

    # -- the app --------------------------------------------------------------------------
    def _make_app(self) -> Flask:
        app = Flask("fake_central")
        fake = self

        @app.before_request
        def _faults():
            fake.log.add(request.method, request.path, request.query_string.decode())
            if fake.on_request is not None:
                fake.on_request(request.path, request.query_string.decode())
            fault = take_fault(fake.faults, fake.lock, request.path, request.query_string.decode())
            if fault is None:
                return None
            if fault.kind == "timeout":
                slow(fault.delay)
                return None
            if fault.kind == "429":
                return _json({"message": "Too many requests", "code": 429}, 429,
                             {"Retry-After": fault.retry_after})
            if fault.kind in ("500", "502", "503"):
                return _problem(int(fault.kind), 500.1, "Internal Server Error")
            if fault.kind == "reset":
                reset_connection(request.environ)
                return Response(status=500)
            request.environ["fake.truncate"] = fault.kind == "truncate"
            return None

        truncate_marked_bodies(app)

        def authed() -> Response | None:
            header = request.headers.get("Authorization", "")
            token = header[7:] if header.startswith("Bearer ") else None
            expires = fake.tokens.get(token) if token else None
            if expires is None or expires <= datetime.now(timezone.utc):
                return _problem(401, 401.2, "Could not authenticate with the provided credentials.")
            return None

        def project_ok(pid: int) -> Response | None:
            return authed() or (None if pid == fake.project else
                                _problem(403, 403.1, "The authenticated actor does not have rights to perform that action."))

        def get_form(form_id: str) -> Form | Response:
            form = fake.forms.get(form_id)
            if form is None:
                return _problem(404, 404.1, "Could not find the resource you were looking for.")
            return form

        def form_for(pid: int, form_id: str) -> Form | Response:
            """The form of a project route, or the error Central answers first (auth, project)."""
            return project_ok(pid) or get_form(form_id)

        @app.post("/v1/sessions")
        def sessions():
            body = request.get_json(silent=True) or {}
            if body.get("email") != fake.email or body.get("password") != fake.password:
                return _problem(401, 401.2, "Could not authenticate with the provided credentials.")
            token = secrets.token_urlsafe(48)
            now = datetime.now(timezone.utc)
            fake.tokens[token] = now + fake.session_lifetime
            return _json({"token": token, "csrf": secrets.token_hex(16),
                          "expiresAt": iso(now + fake.session_lifetime), "createdAt": iso(now)})

        def form_json(form: Form) -> dict:
            return {"projectId": fake.project, "xmlFormId": form.xml_form_id,
                    "version": form.versions[-1] if form.versions else None,
                    "name": form.xml_form_id, "state": "open",
                    "publishedAt": iso(datetime.now(timezone.utc)) if form.published else None,
                    "enketoId": None, "keyId": 1 if form.encrypted else None}

        @app.get("/v1/projects/<int:pid>/forms")
        def forms(pid):
            err = project_ok(pid)
            if err:
                return err
            return _json([form_json(f) for f in fake.forms.values() if f.published])

        @app.get("/v1/projects/<int:pid>/forms/<form_id>")
        def form(pid, form_id):
            err = project_ok(pid)
            if err:
                return err
            f = get_form(form_id)
            return f if isinstance(f, Response) else _json(form_json(f))

        @app.post("/v1/projects/<int:pid>/forms")
        def create_form(pid):
            err = project_ok(pid)
            if err:
                return err
            try:
                schema = FormSchema(request.get_data())
            except Exception:
                return _problem(400, 400.2, "Could not parse the given data.")
            with fake.lock:
                if schema.form_id in fake.forms:
                    return _problem(409, 409.3, "A resource already exists with xmlFormId,projectId "
                                    f"value(s) of {schema.form_id},{pid}.")
                form = Form(schema.form_id, schema)
                fake.forms[schema.form_id] = form
                if request.args.get("publish") == "true":
                    form.versions.append(schema.version)
                    fake._make_dataset(schema)
                else:
                    form.draft = schema
                return _json(form_json(form))

        @app.post("/v1/projects/<int:pid>/forms/<form_id>/draft")
        def draft(pid, form_id):
            f = form_for(pid, form_id)
            if isinstance(f, Response):
                return f
            with fake.lock:
                f.draft = FormSchema(request.get_data()) if request.get_data() else f.schema
                f.draft_links = {}
            return _json({"success": True})

        def draft_attachments_of(f: Form) -> list[dict]:
            if f.draft is None:
                return []
            doc = etree.fromstring(f.draft.xml)
            out = []
            for inst in doc.iter("{http://www.w3.org/2002/xforms}instance"):
                src = inst.get("src") or ""
                if src.startswith("jr://file-csv/") or src.startswith("jr://file/"):
                    name = src.rsplit("/", 1)[-1]
                    ds = name.rsplit(".", 1)[0]
                    linked = f.draft_links.get(name, False)
                    out.append({"name": name, "type": "file", "exists": linked, "blobExists": False,
                                "datasetExists": linked, "updatedAt": None,
                                "_dataset_available": ds in fake.datasets})
            return out

        @app.get("/v1/projects/<int:pid>/forms/<form_id>/draft/attachments")
        def draft_attachments(pid, form_id):
            f = form_for(pid, form_id)
            if isinstance(f, Response):
                return f
            if f.draft is None:
                return _problem(404, 404.1, "Could not find the resource you were looking for.")
            return _json([{k: v for k, v in a.items() if not k.startswith("_")}
                          for a in draft_attachments_of(f)])

        @app.patch("/v1/projects/<int:pid>/forms/<form_id>/draft/attachments/<name>")
        def link(pid, form_id, name):
            f = form_for(pid, form_id)
            if isinstance(f, Response):
                return f
            atts = {a["name"]: a for a in draft_attachments_of(f)}
            if name not in atts:
                return _problem(404, 404.1, "Could not find the resource you were looking for.")
            if (request.get_json(silent=True) or {}).get("dataset") is True:
                if not atts[name]["_dataset_available"]:
                    return _problem(404, 404.6, f"The dataset ({name.rsplit('.', 1)[0]}) could not be found.")
                f.draft_links[name] = True
            return _json({"name": name, "type": "file", "exists": True, "blobExists": False,
                          "datasetExists": f.draft_links.get(name, False)})

        @app.post("/v1/projects/<int:pid>/forms/<form_id>/draft/publish")
        def publish(pid, form_id):
            f = form_for(pid, form_id)
            if isinstance(f, Response):
                return f
            with fake.lock:
                if f.draft is None:
                    return _problem(404, 404.1, "Could not find the resource you were looking for.")
                version = request.args.get("version") or f.draft.version
                if version in f.versions:
                    return _problem(409, 409.6, "The form version you are trying to publish "
                                    "already exists. Please specify a new version.")
                before = set(fake.datasets)
                f.schema = f.draft
                f.versions.append(version)
                fake._make_dataset(f.schema)
                # a list made by this publish is linked to the form's own <list>.csv
                # (central-backend lib/model/query/forms.js, autoLinkWithDataset)
                for att in draft_attachments_of(f):
                    if att["name"][:-4] in set(fake.datasets) - before:
                        f.draft_links[att["name"]] = True
                f.draft = None
            return _json({"success": True})

        filter_re = re.compile(r"^\(?\s*(\S+)\s+(gt|ge|lt|le|eq|ne)\s+('?[^'\s)]*'?)\s*\)?$")

        def compile_filter(text: str):
            """OR of ANDs of comparisons on __system fields; other fields are 501.5."""
            alternatives = []
            for part in re.split(r"\s+or\s+", text.strip()):
                terms = []
                for cmp in re.split(r"\s+and\s+", part.strip()):
                    m = filter_re.match(cmp.strip())
                    if not m:
                        raise ValueError(cmp)
                    fld, op, value = m.groups()
                    if not fld.startswith("__system/"):
                        raise NotImplementedError(fld)
                    terms.append((fld.split("/", 1)[1], op, None if value == "null" else parse_time(value)
                                  if fld.split("/", 1)[1].endswith(("Date", "At")) else value.strip("'")))
                alternatives.append(terms)
            return alternatives

        @app.get("/v1/projects/<int:pid>/forms/<form_id>.svc/Submissions")
        def odata(pid, form_id):
            f = form_for(pid, form_id)
            if isinstance(f, Response):
                return f
            q = request.args
            if "$orderby" in q and "$skiptoken" in q:
                return _problem(501, 501.1, "The requested feature $orderby with $skiptoken is not supported by this server.")
            if "$select" in q and q.get("$expand") == "*":
                return _problem(501, 501.1, "The requested feature $select with $expand is not supported by this server.")
            alternatives = None
            flt = q.get("$filter")
            if flt:
                try:
                    alternatives = compile_filter(flt)
                except NotImplementedError as exc:
                    return _problem(501, 501.5, f"The given OData filter expression references fields not supported by this server: {exc}.")
                except ValueError:
                    return _problem(400, 400.18, "The OData filter expression could not be parsed.")
            show_deleted = bool(flt) and "__system/deletedAt" in flt
            keep = predicate(alternatives, show_deleted)
            with fake.lock:
                rows = [s for s in reversed(f.subs) if keep(s)]
                count = len(rows)
                if "$skiptoken" in q:
                    token = q["$skiptoken"]
                    try:
                        assert token.startswith("01")
                        after = json.loads(base64.b64decode(token[2:]))["instanceId"]
                        seq = next(s.seq for s in f.subs if s.logical_id == after)
                    except Exception:
                        return _problem(400, 400.35, "The odata skiptoken provided is invalid.")
                    rows = [s for s in rows if s.seq < seq]
                top = int(q["$top"]) if q.get("$top") else None
                page = rows[:top] if top is not None else rows
                body: dict[str, Any] = {
                    "@odata.context": f"{request.host_url}v1/projects/{pid}/forms/{form_id}.svc/$metadata#Submissions",
                    "value": [fake.row(s, q.get("$expand") == "*") for s in page]}
                if q.get("$count") == "true":
                    body["@odata.count"] = count
                if top is not None and len(rows) > top:
                    keep = {k: v for k, v in q.items() if k in ("$filter", "$top", "$count", "$expand", "$wkt")}
                    keep["$skiptoken"] = "01" + base64.b64encode(
                        json.dumps({"instanceId": page[-1].logical_id}).encode()).decode()
                    body["@odata.nextLink"] = (f"{request.host_url}v1/projects/{pid}/forms/{form_id}.svc/Submissions?"
                                               + urlencode(keep))
            return _json(body, headers={"OData-Version": "4.0"})

        # One row by its instanceId, deleted ones not found: central-backend
        # lib/resources/odata.js ``singleRecord`` (Submissions('<uuid>'), the id quoted) over
        # ``Submissions.getForExport``, which excludes deleted submissions; the body is the
        # list's shape with one row in ``value``.
        @app.get("/v1/projects/<int:pid>/forms/<form_id>.svc/Submissions(<quoted>)")
        def odata_one(pid, form_id, quoted):
            f = form_for(pid, form_id)
            if isinstance(f, Response):
                return f
            m = re.fullmatch(r"'((?:uuid:)?[a-z0-9-]+)'", quoted, re.IGNORECASE)
            with fake.lock:
                found = next((x for x in f.subs if m and x.logical_id == m.group(1) and x.deleted_at is None), None)
                if found is None:
                    return _problem(404, 404.1, "Could not find the resource you were looking for.")
                body = {"@odata.context": f"{request.host_url}v1/projects/{pid}/forms/{form_id}.svc/$metadata#Submissions",
                        "value": [fake.row(found, True)]}
            return _json(body, headers={"OData-Version": "4.0"})

        def sub_or_404(form_id: str, iid: str) -> Sub | Response:
            f = get_form(form_id)
            if isinstance(f, Response):
                return f
            for s in f.subs:
                if s.logical_id == iid and s.deleted_at is None:
                    return s
            return _problem(404, 404.1, "Could not find the resource you were looking for.")

        @app.get("/v1/projects/<int:pid>/forms/<form_id>/submissions/<iid>/attachments")
        def attachments(pid, form_id, iid):
            s = project_ok(pid) or sub_or_404(form_id, iid)
            if isinstance(s, Response):
                return s
            return _json([{"name": n, "exists": v is not None} for n, v in s.attachments.items()])

        @app.get("/v1/projects/<int:pid>/forms/<form_id>/submissions/<iid>/attachments/<name>")
        def attachment(pid, form_id, iid, name):
            s = project_ok(pid) or sub_or_404(form_id, iid)
            if isinstance(s, Response):
                return s
            content = s.attachments.get(name)
            if content is None:
                return _problem(404, 404.1, "Could not find the resource you were looking for.")
            etag = f'"{hashlib.md5(content).hexdigest()}"'
            if request.headers.get("If-None-Match") == etag:
                fake.not_modified += 1
                return Response(status=304, headers={"ETag": etag})
            return Response(content, mimetype="image/jpeg", headers={
                "ETag": etag, "Content-Disposition": f"inline; filename={name}"})

        @app.delete("/v1/projects/<int:pid>/forms/<form_id>/submissions/<iid>")
        def delete(pid, form_id, iid):
            s = project_ok(pid) or sub_or_404(form_id, iid)
            if isinstance(s, Response):
                return s
            fake.delete(form_id, iid)
            return _json({"success": True})

        @app.get("/v1/projects/<int:pid>/datasets")
        def datasets(pid):
            err = project_ok(pid)
            if err:
                return err
            return _json([{"name": n, "projectId": pid, "approvalRequired": False}
                          for n in fake.datasets])

        @app.get("/v1/projects/<int:pid>/datasets/<name>.svc/Entities")
        def entities(pid, name):
            err = project_ok(pid)
            if err:
                return err
            ds = fake.datasets.get(name)
            if ds is None:
                return _problem(404, 404.1, "Could not find the resource you were looking for.")
            rows = [e for e in ds["entities"] if e["deletedAt"] is None]
            if "$skiptoken" in request.args:
                after = json.loads(base64.b64decode(request.args["$skiptoken"][2:]))["uuid"]
                idx = next(i for i, e in enumerate(rows) if e["uuid"] == after)
                rows = rows[idx + 1:]
            top = int(request.args.get("$top") or 0) or None
            page = rows[:top] if top else rows
            body: dict[str, Any] = {"value": [
                {"__id": e["uuid"], "label": e["label"],
                 "__system": {"createdAt": e["createdAt"], "creatorId": "5", "creatorName": "Petugas",
                              "updates": 0, "updatedAt": None, "deletedAt": None,
                              "version": e["version"], "conflict": None},
                 **{p: e["properties"].get(p, "") for p in ds["properties"]}} for e in page]}
            if top and len(rows) > top:
                token = "01" + base64.b64encode(json.dumps({"uuid": page[-1]["uuid"]}).encode()).decode()
                body["@odata.nextLink"] = (f"{request.host_url}v1/projects/{pid}/datasets/{name}.svc/Entities?"
                                           + urlencode({"$top": top, "$skiptoken": token}))
            return _json(body, headers={"OData-Version": "4.0"})

        return app
