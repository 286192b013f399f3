"""A fake KoboToolbox data API, as tests/fakes/kobo-from-source.md reads kpi's source.

Followed, with kpi's files: ``Authorization: Token`` and its 401 ``{"detail":"Invalid
token."}`` (kpi/authentication.py); 404 ``{"detail":"Not found."}`` for an asset one may not
see; ``start``/``limit`` paging with ``limit`` cut to 1000 and ``next`` as the absolute URL
with ``start`` replaced (kpi/paginators.py); ``query`` as a Mongo-style filter on ``_id``
(``$gt $gte $lt $lte $in $nin $ne``), ``sort`` and ``fields`` as JSON, bad JSON → 400
(kpi/views/v2/data.py, kpi/utils/mongo_helper.py); rows with flat paths, strings, ``_id``
shared by every project, ``_uuid``, ``_attachments`` with ``download_url``,
``_validation_status``, ``_geolocation`` (parsed_instance.py); an edit keeps ``_id`` and
``_submission_time`` with a new ``_uuid`` and ``meta/deprecatedID`` (logger_tools.py); a
deletion is hard (openrosa_backend.py); a 500 is JSON only when ``Accept`` asks for it;
imports and deployment (kpi/views/v2/import_task.py).
"""

from __future__ import annotations

import json
import random
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, request
from lxml import etree

from tests.fakes.server import Fault, Log, reset_connection, slow, take_fault, truncate_marked_bodies
from tests.fakes.xforms import FormSchema, kobo_data, with_new_instance
from tests.fakes.xforms import bases as made_bases

MAX_LIMIT = 1000


@dataclass
class Asset:
    uid: str
    schema: FormSchema | None
    rows: dict[int, dict] = field(default_factory=dict)       # _id -> row without host
    files: dict[str, bytes] = field(default_factory=dict)     # attachment uid -> bytes
    deployed: bool = True
    version_id: str = ""
    deployed_version_id: str | None = None


def _json(body: Any, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


class FakeKobo:
    def __init__(self, token: str = "kobo-token-123"):
        self.token = token
        self.assets: dict[str, Asset] = {}
        self.imports: dict[str, dict] = {}
        self.log = Log()
        self.faults: list[Fault] = []
        self.lock = threading.RLock()
        self.next_id = 1000
        self.app = self._make_app()

    # -- data -------------------------------------------------------------------------
    def add_asset(self, xml: bytes, uid: str | None = None) -> str:
        uid = uid or "a" + secrets.token_hex(10)
        self.assets[uid] = Asset(uid, FormSchema(xml), version_id="v" + secrets.token_hex(8),
                                 deployed_version_id=None)
        self.assets[uid].deployed_version_id = self.assets[uid].version_id
        return uid

    def _row(self, asset: Asset, _id: int, xml: bytes, attachments: dict[str, bytes],
             submitted: str, validation: dict) -> dict:
        root = etree.fromstring(xml)
        iid = root.findtext("meta/instanceID")
        row = kobo_data(asset.schema, xml)
        row.update({
            "_id": _id, "_uuid": iid.removeprefix("uuid:"), "meta/rootUuid": row.get("meta/rootUuid", iid),
            "formhub/uuid": "f" * 32, "__version__": asset.deployed_version_id,
            "_xform_id_string": asset.schema.form_id, "_submission_time": submitted,
            "_submitted_by": "petugas", "_status": "submitted_via_web", "_tags": [], "_notes": [],
            "_validation_status": validation, "_geolocation": [None, None], "_attachments": []})
        for path, kind in asset.schema.types.items():
            if kind == "geopoint":
                value = row.get(path.split("/", 2)[2])
                if value:
                    lat, lon = (float(x) for x in value.split()[:2])
                    row["_geolocation"] = [lat, lon]
                    break
        for name, content in attachments.items():
            att_uid = "att" + secrets.token_hex(8)
            asset.files[att_uid] = content
            base = f"/api/v2/assets/{asset.uid}/data/{_id}/attachments/{att_uid}/"
            row["_attachments"].append({
                "download_url": base, "download_large_url": base, "download_medium_url": base,
                "download_small_url": base, "mimetype": "image/jpeg",
                "filename": f"petugas/attachments/{'f' * 32}/{iid[5:]}/{name}",
                "media_file_basename": name, "uid": att_uid, "question_xpath": "photo",
                "is_deleted": False})
        return row

    def submit(self, uid: str, xml: bytes, attachments: dict[str, bytes] | None = None,
               _id: int | None = None) -> int:
        asset = self.assets[uid]
        with self.lock:
            if _id is None:
                self.next_id += random.randint(1, 3)  # shared by all projects: gaps per form
                _id = self.next_id
            when = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
            asset.rows[_id] = self._row(asset, _id, xml, attachments or {}, when, {})
            return _id

    def reserve_id(self) -> int:
        """An _id handed out now whose row is committed later (it lands below LAST)."""
        with self.lock:
            self.next_id += 1
            return self.next_id

    def seed(self, uid: str, n: int, rng: random.Random | None = None, variants: int = 8,
             attachment_every: int = 10) -> list[int]:
        rng = rng or random.Random(2)
        asset = self.assets[uid]
        bases = made_bases(asset.schema, variants, rng)
        binaries = asset.schema.binaries()
        ids = []
        for i in range(n):
            xml = with_new_instance(bases[i % variants], f"uuid:{uuid.UUID(int=rng.getrandbits(128))}")
            root = etree.fromstring(xml)
            atts = {}
            for path in binaries:
                el = root.find(path.split("/", 2)[2])
                if el is None:
                    continue
                if attachment_every and i % attachment_every == 0:
                    el.text = f"photo-{i}.jpg"
                    atts[el.text] = f"JPEG kobo {i}".encode()
                else:
                    el.text = None
            ids.append(self.submit(uid, etree.tostring(root, encoding="UTF-8"), atts))
        return ids

    def edit(self, uid: str, _id: int, change: tuple[str, str] | None = None) -> str:
        asset = self.assets[uid]
        with self.lock:
            old = asset.rows[_id]
            prev = old["meta/instanceID"]
            new_id = f"uuid:{uuid.uuid4()}"
            # rebuild the XML from the row is not needed: keep the answers, change one
            xml = self._xml_of(asset, old)
            xml = with_new_instance(xml, new_id, prev, change)
            atts = {a["media_file_basename"]: asset.files[a["uid"]] for a in old["_attachments"]}
            row = self._row(asset, _id, xml, atts, old["_submission_time"], old["_validation_status"])
            row["meta/rootUuid"] = old["meta/rootUuid"]
            asset.rows[_id] = row
            return new_id

    def _xml_of(self, asset: Asset, row: dict) -> bytes:
        root = etree.Element(asset.schema.root, id=asset.schema.form_id)

        def put(parent, key: str, value: Any, prefix: str) -> None:
            rel = key[len(prefix):] if key.startswith(prefix) else key
            parts = rel.split("/")
            node = parent
            for p in parts[:-1]:
                found = node.find(p)
                node = found if found is not None else etree.SubElement(node, p)
            if isinstance(value, list):
                for item in value:
                    el = etree.SubElement(node, parts[-1])
                    for k, v in item.items():
                        put(el, k, v, key + "/")
            else:
                etree.SubElement(node, parts[-1]).text = value

        for key, value in row.items():
            if not key.startswith("_") and key not in ("formhub/uuid", "meta/rootUuid"):
                put(root, key, value, "")
        return etree.tostring(root, encoding="UTF-8")

    def validate(self, uid: str, _id: int, status: str) -> None:
        with self.lock:
            self.assets[uid].rows[_id]["_validation_status"] = {
                "timestamp": 1700000000, "uid": f"validation_status_{status}", "by_whom": "admin",
                "label": status.replace("_", " ").title()}

    def delete(self, uid: str, _id: int) -> None:
        with self.lock:
            del self.assets[uid].rows[_id]

    def content(self, uid: str) -> dict[str, str]:
        return {str(i): r["meta/instanceID"] for i, r in self.assets[uid].rows.items()}

    # -- query ------------------------------------------------------------------------
    @staticmethod
    def _match(row: dict, query: dict) -> bool:
        for key, cond in query.items():
            value = row.get(key)
            if not isinstance(cond, dict):
                if value != cond:
                    return False
                continue
            for op, arg in cond.items():
                v = int(value) if key == "_id" else value
                ok = {"$gt": lambda: v > arg, "$gte": lambda: v >= arg, "$lt": lambda: v < arg,
                      "$lte": lambda: v <= arg, "$in": lambda: v in arg, "$nin": lambda: v not in arg,
                      "$ne": lambda: v != arg}.get(op, lambda: False)()  # unknown op matches nothing
                if not ok:
                    return False
        return True

    def _make_app(self) -> Flask:
        app = Flask("fake_kobo")
        fake = self

        def server_error() -> Response:
            if "application/json" in request.headers.get("Accept", ""):
                return _json({"error": "Server Error (500)"}, 500)
            return Response("<html><body><h1>Server Error (500)</h1></body></html>", 500,
                            mimetype="text/html")

        @app.before_request
        def _gate():
            fake.log.add(request.method, request.path, request.query_string.decode())
            fault = take_fault(fake.faults, fake.lock, request.path, request.query_string.decode())
            if fault is not None:
                if fault.kind == "timeout":
                    slow(fault.delay)
                elif fault.kind == "429":
                    return Response("Too Many Requests", 429, headers={"Retry-After": fault.retry_after})
                elif fault.kind == "500":
                    return server_error()
                elif fault.kind == "502":
                    return Response("<html>Bad Gateway</html>", 502, mimetype="text/html")
                elif fault.kind == "reset":
                    reset_connection(request.environ)
                    return Response(status=500)
                elif fault.kind == "truncate":
                    request.environ["fake.truncate"] = True
            if request.headers.get("Authorization") != f"Token {fake.token}":
                return _json({"detail": "Invalid token."}, 401)
            return None

        truncate_marked_bodies(app)

        def asset_or_404(uid: str) -> Asset | Response:
            asset = fake.assets.get(uid)
            return asset if asset is not None else _json({"detail": "Not found."}, 404)

        @app.get("/api/v2/assets/<uid>/data/")
        def data(uid):
            asset = asset_or_404(uid)
            if isinstance(asset, Response):
                return asset
            if not asset.deployed:
                return _json({"detail": "The specified asset has not been deployed"}, 400)
            q = request.args
            try:
                query = json.loads(q["query"]) if q.get("query") else {}
            except ValueError:
                return _json({"query": "Value must be valid JSON."}, 400)
            try:
                sort = json.loads(q["sort"]) if q.get("sort") else {"_id": 1}
                fields = json.loads(q["fields"]) if q.get("fields") else None
            except ValueError:
                return _json({"detail": "Value must be valid JSON."}, 400)
            start = max(0, int(q.get("start") or 0))
            limit = min(MAX_LIMIT, max(1, int(q.get("limit") or 100)))
            with fake.lock:
                rows = [r for _, r in sorted(asset.rows.items()) if fake._match(r, query)]
            if sort.get("_id") == -1:
                rows.reverse()
            count = len(rows)
            page = rows[start:start + limit]
            host = request.host_url.rstrip("/")
            out = []
            for r in page:
                if fields:
                    keep = set(fields) | {"_id", "_uuid", "meta/rootUuid"}
                    out.append({k: v for k, v in r.items() if k in keep})
                else:
                    r = dict(r)
                    r["_attachments"] = [{**a, **{k: host + a[k] for k in a if k.startswith("download")}}
                                         for a in r["_attachments"]]
                    out.append(r)

            def link(s: int) -> str:
                params = {k: v for k, v in q.items()}
                params["start"], params["limit"] = str(s), str(limit)
                return f"{host}{request.path}?{urlencode(params)}"

            return _json({"count": count,
                          "next": link(start + limit) if start + limit < count else None,
                          "previous": link(max(0, start - limit)) if start > 0 else None,
                          "results": out})

        @app.get("/api/v2/assets/<uid>/data/<int:_id>/attachments/<att>/")
        def attachment(uid, _id, att):
            asset = asset_or_404(uid)
            if isinstance(asset, Response):
                return asset
            row = asset.rows.get(_id)
            if row is None or att not in asset.files:
                return _json({"detail": "Not found."}, 404)
            return Response(asset.files[att], mimetype="image/jpeg")

        @app.post("/api/v2/imports/")
        def imports():
            upload = request.files.get("file")
            if upload is None:
                return _json({"detail": "No file"}, 400)
            import_uid = "i" + secrets.token_hex(8)
            fake.imports[import_uid] = {"content": upload.read(), "polls": 0,
                                        "destination": request.form.get("destination")}
            return _json({"uid": import_uid, "status": "processing"}, 201)

        @app.get("/api/v2/imports/<import_uid>/")
        def import_status(import_uid):
            job = fake.imports.get(import_uid)
            if job is None:
                return _json({"detail": "Not found."}, 404)
            job["polls"] += 1
            if job["polls"] < 2:
                return _json({"uid": import_uid, "status": "processing", "messages": {}})
            if "asset" not in job:
                dest = (job["destination"] or "").rstrip("/").rsplit("/", 1)[-1]
                if dest and dest in fake.assets:
                    asset = fake.assets[dest]
                    asset.version_id = "v" + secrets.token_hex(8)
                else:
                    dest = "a" + secrets.token_hex(10)
                    fake.assets[dest] = Asset(dest, None, deployed=False, version_id="v" + secrets.token_hex(8))
                job["asset"] = dest
            return _json({"uid": import_uid, "status": "complete",
                          "messages": {"created" if not job["destination"] else "updated":
                                       [{"uid": job["asset"], "kind": "asset", "owner__username": "admin"}]}})

        @app.get("/api/v2/assets/<uid>/")
        def asset_detail(uid):
            asset = asset_or_404(uid)
            if isinstance(asset, Response):
                return asset
            return _json({"uid": uid, "version_id": asset.version_id,
                          "deployed_version_id": asset.deployed_version_id,
                          "has_deployment": asset.deployed_version_id is not None,
                          "deployment__active": asset.deployed})

        @app.route("/api/v2/assets/<uid>/deployment/", methods=["POST", "PATCH"])
        def deployment(uid):
            asset = asset_or_404(uid)
            if isinstance(asset, Response):
                return asset
            body = request.get_json(silent=True) or {}
            if request.method == "POST" and asset.deployed_version_id:
                return _json({"detail": "This form has already been deployed"}, 400)
            if request.method == "PATCH" and body.get("version_id") != asset.version_id:
                return _json({"detail": "version_id does not match the current version"}, 400)
            asset.deployed = bool(body.get("active", True))
            asset.deployed_version_id = asset.version_id
            return _json({"backend": "openrosa", "active": asset.deployed,
                          "version_id": asset.version_id})

        return app
