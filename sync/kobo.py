"""KoboToolbox data API client (``/api/v2/assets/<uid>/data/``), one ``requests.Session``.

Followed: tests/fakes/kobo-from-source.md, checked against kobotoolbox/kpi:
``kpi/paginators.py`` (``start``/``limit``, max_limit cuts larger limits to 1000),
``kpi/views/v2/data.py`` (``query``, ``sort``, ``fields`` as JSON), ``kpi/authentication.py``
(``Authorization: Token``). ``Accept: application/json`` is sent on every call so that a 500
is JSON rather than an HTML page.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlencode

import requests

from sync.retry import Policy, SourceError, json_body, send
from sync.sources import Source

MAX_LIMIT = 1000


class KoboClient:
    def __init__(self, source: Source, session: requests.Session | None = None,
                 policy: Policy | None = None):
        self.source = source
        self.base = source.url.rstrip("/")
        self.session = session or requests.Session()
        self.session.headers.update({"Accept": "application/json", "User-Agent": "chips-sync",
                                     "Authorization": f"Token {source.token}"})
        self.session.verify = source.opt("verify_tls")
        self.policy = policy or Policy(attempts=source.opt("retries"), backoff=source.opt("backoff"),
                                       cap=source.opt("backoff_cap"), timeout=source.opt("timeout"))

    def _what(self, uid: str | None = None) -> str:
        form = self.source.assets.get(uid, uid) if uid else None
        return f"source {self.source.name}" + (f", form {form} (asset {uid})" if uid else "")

    def get(self, url: str, uid: str | None = None, **kw) -> Any:
        return send(self.session, "GET", url, policy=self.policy, what=self._what(uid),
                    check=json_body, **kw)[1]

    def data_url(self, uid: str) -> str:
        return f"{self.base}/api/v2/assets/{quote(uid, safe='')}/data/"

    def data(self, uid: str, *, query: dict | None = None, fields: list[str] | None = None,
             start: int = 0, limit: int = MAX_LIMIT) -> dict:
        """One page, oldest ``_id`` first; ``{count, next, previous, results}``."""
        params: dict[str, str] = {"format": "json", "sort": json.dumps({"_id": 1}),
                                  "start": str(start), "limit": str(min(limit, MAX_LIMIT))}
        if query:
            params["query"] = json.dumps(query, separators=(",", ":"))
        if fields:
            params["fields"] = json.dumps(fields)
        body = self.get(self.data_url(uid) + "?" + urlencode(params), uid)
        if not isinstance(body, dict) or "results" not in body:
            raise SourceError(f"{self._what(uid)}: data answer without 'results'")
        return body

    def download(self, uid: str, url: str, name: str) -> tuple[bytes, str | None, str | None]:
        # the URL comes from the row's _attachments[].download_url; same token as the data
        resp, content = send(self.session, "GET", url, policy=self.policy,
                             what=f"{self._what(uid)}, attachment {name}",
                             check=lambda r: r.content, headers={"Accept": "*/*"})
        return content, resp.headers.get("ETag"), resp.headers.get("Content-Type")

    # -- publishing (kpi/views/v2/import_task.py, deployment) ---------------------------
    def import_xlsform(self, filename: str, content: bytes, destination: str | None = None) -> str:
        data = {"library": "false"}
        if destination:
            data["destination"] = f"{self.base}/api/v2/assets/{destination}/"
        body = send(self.session, "POST", f"{self.base}/api/v2/imports/", policy=self.policy,
                    what=self._what(), check=json_body, data=data,
                    files={"file": (filename, content,
                                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")})[1]
        return body["uid"]

    def import_status(self, import_uid: str) -> dict:
        return self.get(f"{self.base}/api/v2/imports/{quote(import_uid, safe='')}/")

    def asset(self, uid: str) -> dict:
        return self.get(f"{self.base}/api/v2/assets/{quote(uid, safe='')}/", uid)

    def deploy(self, uid: str, version_id: str | None, redeploy: bool) -> dict:
        url = f"{self.base}/api/v2/assets/{quote(uid, safe='')}/deployment/"
        payload: dict[str, Any] = {"active": True}
        if redeploy:
            payload["version_id"] = version_id
        return send(self.session, "PATCH" if redeploy else "POST", url, policy=self.policy,
                    what=self._what(uid), check=json_body, json=payload)[1]
