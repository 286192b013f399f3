"""One HTTP request with retries for what is transient, a clear stop for what is not.

Transient: time-outs, connection resets, 429 (waiting ``Retry-After`` when given), 5xx, and a
body that ends early (truncated JSON, or bytes that do not match their ETag). These are
retried with exponential backoff up to a limit. Anything else 4xx stops the source: retrying
a 401, 403 or 404 only hammers the server, and the user has to fix the settings.
"""

from __future__ import annotations

import email.utils
import time
from dataclasses import dataclass
from typing import Any, Callable

import requests

TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}


class SourceError(Exception):
    """The source cannot go on (bad credentials, no access, no such form, retries spent)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Incomplete(Exception):
    """The body arrived but is not whole (truncated JSON, wrong checksum)."""


@dataclass
class Policy:
    attempts: int = 6
    backoff: float = 1.0
    cap: float = 60.0
    timeout: float | tuple[float, float] = 60.0
    sleep: Callable[[float], None] = time.sleep


def retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        when = email.utils.parsedate_to_datetime(value)
        return max(0.0, when.timestamp() - time.time()) if when else None


def error_message(resp: requests.Response) -> str:
    """Central answers {"message","code"}, Kobo {"detail"}; either may be HTML behind a proxy."""
    try:
        body = resp.json()
    except ValueError:
        return resp.reason or ""
    if isinstance(body, dict):
        return str(body.get("message") or body.get("detail") or body.get("error") or body)
    return str(body)


def send(session: requests.Session, method: str, url: str, *, policy: Policy, what: str,
         check: Callable[[requests.Response], Any] | None = None,
         on_401: Callable[[], bool] | None = None, **kwargs: Any) -> tuple[requests.Response, Any]:
    """Send until success; return the response and what ``check`` made of it.

    ``check`` parses or verifies the body and raises ``Incomplete`` (or ValueError) when it
    is not whole. ``on_401`` may renew credentials once and return True to try again.
    ``what`` names the source and form for the error message.
    """
    delay = policy.backoff
    renewed = False
    last = ""
    for attempt in range(1, policy.attempts + 1):
        wait = None
        try:
            resp = session.request(method, url, timeout=policy.timeout, **kwargs)
            if resp.status_code == 401 and on_401 and not renewed:
                renewed = True
                if on_401():
                    continue
            if resp.status_code in TRANSIENT_STATUS:
                last = f"HTTP {resp.status_code}"
                wait = retry_after(resp) if resp.status_code in (429, 503) else None
            elif resp.status_code >= 400:
                raise SourceError(f"{what}: HTTP {resp.status_code} {error_message(resp)}".rstrip(),
                                  resp.status_code)
            else:
                result = check(resp) if check else None
                return resp, result
        except (requests.Timeout, requests.ConnectionError) as exc:
            last = type(exc).__name__
        except (requests.exceptions.ChunkedEncodingError,  # body shorter than Content-Length
                requests.exceptions.ContentDecodingError, Incomplete, ValueError) as exc:
            last = f"incomplete body ({type(exc).__name__})"
        if attempt == policy.attempts:
            break
        policy.sleep(min(policy.cap, wait if wait is not None else delay))
        delay *= 2
    raise SourceError(f"{what}: gave up after {policy.attempts} attempts ({last})")


def json_body(resp: requests.Response) -> Any:
    if resp.status_code == 304:
        return None
    return resp.json()  # ValueError on a truncated body: retried by send()
