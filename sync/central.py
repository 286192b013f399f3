"""ODK Central REST/OData client: one ``requests.Session``, time-outs on every call.

Followed: Central's API docs (docs.getodk.org/central-api) and, where they differ, what a
real Central answered (tests/fakes/central-observed.md), checked against
getodk/central-backend: sessions (``lib/resources/sessions.js``, 24 h lifetime,
``expiresAt``), OData paging (``lib/formats/odata.js``, ``lib/util/db.js``
``QueryOptions.getSkiptoken``: the skiptoken is opaque, we only ever follow nextLink) and
the row shape (``lib/data/odata.js``).

A client's requests take turns (one lock), so a session renewal never races another request
of the same client; the pages after a pull's first are read by a second client in a child
process, which starts with this one's session (``handover``, sync/page_worker.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from datetime import datetime, timedelta, timezone
from typing import Any, Iterator
from urllib.parse import quote, urlencode, urlsplit

import requests

from sync.retry import Incomplete, Policy, SourceError, json_body, send
from sync.sources import Source

# Renew the session this long before Central's expiresAt, so a long pull never sends a
# token that dies on the way.
RENEW_MARGIN = timedelta(hours=1)


def _parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def incremental_filter(since: str | None) -> str | None:
    """The $filter that catches new, edited, re-reviewed and soft-deleted rows after ``since``.

    Deletion does not touch updatedAt, and deleted rows only come back when the filter names
    __system/deletedAt (tests/fakes/central-observed.md), hence the third clause.
    """
    if not since:
        return None
    return (f"__system/submissionDate gt {since} or __system/updatedAt gt {since}"
            f" or __system/deletedAt gt {since}")


_DECODE = json.JSONDecoder().raw_decode
_SPACE = re.compile(r"[ \t\n\r]*")   # JSON's whitespace (RFC 8259 section 2)


def _expect(text: str, i: int, chars: str) -> tuple[str, int]:
    """The character at ``i`` (after whitespace), which must be one of ``chars``, and the index after it."""
    i = _SPACE.match(text, i).end()
    c = text[i:i + 1]
    if not c or c not in chars:
        raise ValueError(f"OData page: expected one of {chars!r} at {i}")
    return c, i + 1


def parse_page(text: str) -> tuple[dict, list[str]]:
    """An OData page as ``json.loads`` gives it, and each row of its ``value`` as the very text
    Central sent, so a row is stored raw as it came and not serialised again.

    The page object is read here key by key and its ``value`` array element by element;
    every value and row is read by the standard C decoder (``raw_decode``), which gives the
    index where the row ends. Malformed or truncated JSON raises ``ValueError`` as
    ``json.loads`` does (a truncated page is retried, sync/retry.py)."""
    body: dict = {}
    rows_text: list[str] = []
    c, i = _expect(text, 0, "{")
    c, i = _expect(text, i, '"}')
    while c == '"':
        key, i = json.decoder.scanstring(text, i)
        _, i = _expect(text, i, ":")
        i = _SPACE.match(text, i).end()
        if key == "value" and text.startswith("[", i):
            rows, rows_text = [], []
            i = _SPACE.match(text, i + 1).end()
            if text.startswith("]", i):
                i += 1
            else:
                while True:
                    row, end = _DECODE(text, i)
                    rows.append(row)
                    rows_text.append(text[i:end])
                    c, i = _expect(text, end, ",]")
                    if c == "]":
                        break
                    i = _SPACE.match(text, i).end()
            body[key] = rows
        else:
            body[key], i = _DECODE(text, i)
        c, i = _expect(text, i, ",}")
        if c == ",":
            c, i = _expect(text, i, '"')
    if _SPACE.match(text, i).end() != len(text):
        raise ValueError("OData page: data after the object")
    return body, rows_text


@dataclass
class Page:
    """One OData page: the parsed body, each row's bytes as sent, the server's clock."""

    body: dict
    raw_rows: list[bytes]
    server_time: datetime | None

    @property
    def rows(self) -> list[dict]:
        return self.body["value"]

    @property
    def next_link(self) -> str | None:
        return self.body.get("@odata.nextLink")


def _page_body(resp: requests.Response) -> tuple[Any, list[str]]:
    # JSON on the wire is UTF-8 (RFC 8259 section 8.1); requests' .text would guess the charset
    text = resp.content.decode("utf-8")
    if not text.lstrip(" \t\n\r").startswith("{"):
        return json.loads(text), []   # not a page: page() says so
    return parse_page(text)


class CentralClient:
    def __init__(self, source: Source, session: requests.Session | None = None,
                 policy: Policy | None = None, now=lambda: datetime.now(timezone.utc)):
        self.source = source
        self.base = source.url.rstrip("/") + "/v1"
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "chips-sync"})
        self.policy = policy or Policy(attempts=source.opt("retries"), backoff=source.opt("backoff"),
                                       cap=source.opt("backoff_cap"), timeout=source.opt("timeout"))
        self.session.verify = source.opt("verify_tls")
        self._now = now
        self._lock = threading.RLock()   # one request at a time
        self._token = source.token
        self._expires: datetime | None = None if source.token else self._now()

    # -- auth -------------------------------------------------------------------------
    def _login(self) -> bool:
        if self.source.token:  # a fixed token cannot be renewed; a 401 is final
            return False
        resp, body = send(self.session, "POST", f"{self.base}/sessions", policy=self.policy,
                          what=f"source {self.source.name}: login as {self.source.email}",
                          json={"email": self.source.email, "password": self.source.password},
                          check=json_body, headers={"Authorization": ""})
        self._token = body["token"]
        self._expires = _parse_time(body["expiresAt"])
        return True

    def _auth(self) -> dict[str, str]:
        if self._expires is not None and self._now() >= self._expires - RENEW_MARGIN:
            self._login()
        return {"Authorization": f"Bearer {self._token}"}

    def handover(self) -> tuple[str | None, datetime | None]:
        """This client's session token and its expiry, for ``adopt`` by another client of
        the same source (the pull's page reader, sync/page_worker.py)."""
        with self._lock:
            self._auth()   # renewed first when due, so the other client starts with a live one
            return self._token, self._expires

    def adopt(self, login: tuple[str | None, datetime | None]) -> None:
        self._token, self._expires = login

    def _renew(self) -> bool:
        self._expires = None
        return self._login()

    def request(self, method: str, url: str, *, what: str, check=json_body, headers=None, **kw):
        with self._lock:
            hdrs = dict(self._auth())
            hdrs.update(headers or {})

            def resend_after_renewal():
                ok = self._renew()
                hdrs.update(self._auth())
                return ok
            return send(self.session, method, url, policy=self.policy, check=check, headers=hdrs,
                        what=what, on_401=resend_after_renewal, **kw)

    def _what(self, form: str | None = None) -> str:
        return f"source {self.source.name}" + (f", form {form}" if form else "")

    # -- forms ------------------------------------------------------------------------
    def project_url(self) -> str:
        return f"{self.base}/projects/{self.source.project}"

    def form_url(self, form: str) -> str:
        return f"{self.project_url()}/forms/{quote(form, safe='')}"

    def list_forms(self) -> list[dict]:
        return self.request("GET", f"{self.project_url()}/forms", what=self._what())[1]

    def form_ids(self) -> list[str]:
        if self.source.forms:
            return list(self.source.forms)
        return [f["xmlFormId"] for f in self.list_forms() if f.get("state", "open") != "closed"]

    # -- submissions ------------------------------------------------------------------
    def first_page_url(self, form: str, since: str | None, top: int) -> str:
        # $count: the total for the progress bar (Central repeats it on every page)
        params = {"$top": str(top), "$expand": "*", "$count": "true"}
        flt = incremental_filter(since)
        if flt:
            params["$filter"] = flt
        # no $orderby: with a skiptoken Central answers 501.1 (tests/fakes/central-observed.md)
        return f"{self.form_url(form)}.svc/Submissions?" + urlencode(params, quote_via=quote)

    def follow(self, form: str, next_link: str) -> str:
        """Our own URL for a nextLink: keep its query (filter, top, skiptoken) but not its host,
        which Central builds from its configured domain and may not be how we reach it."""
        query = urlsplit(next_link).query
        return f"{self.form_url(form)}.svc/Submissions?{query}"

    def page(self, form: str, url: str) -> Page:
        """One OData page, its rows' bytes as sent, and the server's clock when it answered
        (its Date header)."""
        resp, (body, rows_text) = self.request("GET", url, what=self._what(form), check=_page_body)
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise SourceError(f"{self._what(form)}: OData answer without 'value'")
        date = resp.headers.get("Date")
        return Page(body, [t.encode("utf-8") for t in rows_text],
                    parsedate_to_datetime(date) if date else None)

    def deleted_refs(self, form: str, top: int = 1000) -> set[str]:
        """The ``__id`` of every submission of ``form`` deleted (and not yet purged) on the
        server: deleted rows show only when the filter names deletedAt
        (tests/fakes/central-observed.md)."""
        params = {"$top": str(top), "$filter": "__system/deletedAt ne null"}
        url: str | None = f"{self.form_url(form)}.svc/Submissions?" + urlencode(params, quote_via=quote)
        refs: set[str] = set()
        while url:
            page = self.page(form, url)
            refs.update(r["__id"] for r in page.rows)
            url = self.follow(form, page.next_link) if page.next_link else None
        return refs

    def submission(self, form: str, instance_id: str) -> tuple[dict, bytes] | None:
        """One current submission's OData row and its bytes as sent, None when the server
        has none (deleted or purged): ``Submissions('<instanceId>')``, central-backend
        lib/resources/odata.js ``singleRecord``."""
        quoted = quote(f"'{instance_id}'", safe="'")
        try:
            page = self.page(form, f"{self.form_url(form)}.svc/Submissions({quoted})")
        except SourceError as exc:
            if exc.status == 404:
                return None
            raise
        return (page.rows[0], page.raw_rows[0]) if page.rows else None

    def attachments(self, form: str, instance_id: str) -> list[dict]:
        url = f"{self.form_url(form)}/submissions/{quote(instance_id, safe='')}/attachments"
        return self.request("GET", url, what=self._what(form))[1]

    def attachment(self, form: str, instance_id: str, name: str, etag: str | None
                   ) -> tuple[bytes | None, str | None, str | None]:
        """(bytes or None when unchanged, ETag, content type).

        Central's ETag is the quoted MD5 of the content (tests/fakes/central-observed.md), so a body cut
        short is caught and retried."""
        url = (f"{self.form_url(form)}/submissions/{quote(instance_id, safe='')}"
               f"/attachments/{quote(name, safe='')}")

        def check(resp: requests.Response):
            if resp.status_code == 304:
                return None
            tag = (resp.headers.get("ETag") or "").strip('"').removeprefix("W/").strip('"')
            if len(tag) == 32 and hashlib.md5(resp.content).hexdigest() != tag:
                raise Incomplete(f"{name}: content does not match its ETag")
            return resp.content

        headers = {"If-None-Match": etag} if etag else {}
        resp, content = self.request("GET", url, what=f"{self._what(form)}, attachment {name}",
                                     check=check, headers=headers)
        if resp.status_code == 304:
            return None, etag, None
        return content, resp.headers.get("ETag"), resp.headers.get("Content-Type")

    # -- entity lists -----------------------------------------------------------------
    def entities(self, dataset: str = "households", top: int = 1000) -> Iterator[dict]:
        """Rows of an entity list through OData ``…/datasets/<name>.svc/Entities``."""
        url = (f"{self.project_url()}/datasets/{quote(dataset, safe='')}.svc/Entities?"
               + urlencode({"$top": str(top)}))
        while url:
            body = self.request("GET", url, what=f"{self._what()}, entity list {dataset}")[1]
            yield from body.get("value", [])
            nxt = body.get("@odata.nextLink")
            url = (f"{self.project_url()}/datasets/{quote(dataset, safe='')}.svc/Entities?"
                   + urlsplit(nxt).query) if nxt else None

    def datasets(self) -> list[dict]:
        return self.request("GET", f"{self.project_url()}/datasets", what=self._what())[1]

    # -- publishing (sync/publish.py) -------------------------------------------------
    def create_form(self, xml: bytes) -> dict:
        return self.request("POST", f"{self.project_url()}/forms?publish=false", what=self._what(),
                            data=xml, headers={"Content-Type": "application/xml"})[1]

    def create_draft(self, form: str, xml: bytes) -> dict:
        return self.request("POST", f"{self.form_url(form)}/draft", what=self._what(form),
                            data=xml, headers={"Content-Type": "application/xml"})[1]

    def draft_attachments(self, form: str) -> list[dict]:
        return self.request("GET", f"{self.form_url(form)}/draft/attachments", what=self._what(form))[1]

    def link_dataset(self, form: str, name: str) -> dict:
        url = f"{self.form_url(form)}/draft/attachments/{quote(name, safe='')}"
        return self.request("PATCH", url, what=self._what(form),
                            json={"dataset": True})[1]

    def publish_draft(self, form: str, version: str | None = None) -> dict:
        url = f"{self.form_url(form)}/draft/publish"
        if version:
            url += "?" + urlencode({"version": version})
        return self.request("POST", url, what=self._what(form))[1]

    def get_form(self, form: str) -> dict | None:
        try:
            return self.request("GET", self.form_url(form), what=self._what(form))[1]
        except SourceError as exc:
            if exc.status == 404:
                return None
            raise
