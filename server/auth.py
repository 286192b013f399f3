"""Who is calling: Digest and Basic for ODK Collect, app-user tokens for QR-configured phones.

Follows the OpenRosa Authentication API (docs.getodk.org/openrosa-authentication, RFC 2617):
Digest with MD5 and ``qop="auth"`` over plain HTTP; Basic only over HTTPS, because over
HTTP it would hand the password to anyone on the way. The server keeps, per user, the
argon2 hash of the password (web login, Basic) and the Digest ``HA1`` =
MD5(name:realm:password) — Digest cannot work from an argon2 hash, and HA1 is not the
password. App users (like ODK Central's) carry a random token in the URL path
(``/key/<token>/…``) or as ``Authorization: Bearer``; only its SHA-256 is stored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import bindparam, Connection, select

from chips.db.schema import users

REALM = "chips"  # part of every stored HA1: changing it invalidates all Digest passwords
ROLES = ("admin", "planner", "bidan", "team")
NONCE_SECONDS = 600

_hasher = PasswordHasher()


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: str
    villages: list[str] = field(default_factory=list)


def ha1(name: str, password: str, realm: str = REALM) -> str:
    return hashlib.md5(f"{name}:{realm}:{password}".encode()).hexdigest()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> str:
    return secrets.token_urlsafe(48)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row: Any) -> User:
    return User(id=row.id, name=row.name, role=row.role, villages=list(row.villages or []))


def user_by_name(conn: Connection, name: str):
    return conn.execute(select(users).where(users.c.name == name, users.c.active.is_(True))).first()


# built once: every OpenRosa request from a phone asks it
_BY_TOKEN = select(users.c.id, users.c.name, users.c.role, users.c.villages).where(
    users.c.token_hash == bindparam("b_hash"), users.c.active.is_(True))


def user_by_token(conn: Connection, token: str) -> User | None:
    if not token:
        return None
    row = conn.execute(_BY_TOKEN, {"b_hash": token_hash(token)}).first()
    return _user(row) if row else None


# App-user tokens found lately, per process. A phone back in coverage sends a day's
# submissions one after the other, each asking the database the same question (a pooled
# connection and a round trip per request: a tenth of the OpenRosa server's CPU with
# eight phones, bench/ingest.py). Only tokens that were found are kept, so a wrong token
# always asks the database. A change made through this process (a new token, a user
# changed or deactivated) forgets them all at once; one made by another process (the
# `chips users` command, another gunicorn worker) is seen within TOKEN_CACHE_SECONDS.
TOKEN_CACHE_SECONDS = 5.0
_TOKEN_CACHE_LIMIT = 10_000
_found_tokens: dict[tuple[str, str], tuple[float, User]] = {}


def user_by_token_cached(conn: Any, token: str, *, now: float | None = None) -> User | None:
    """``user_by_token``, answered from the cache while its answer is fresh; ``conn`` is
    used only when the database must be asked (a lazily opened connection stays closed)."""
    if not token:
        return None
    key = (str(conn.engine.url), token_hash(token))
    now = time.monotonic() if now is None else now
    found = _found_tokens.get(key)
    if found is not None and now - found[0] < TOKEN_CACHE_SECONDS:
        return found[1]
    row = conn.execute(_BY_TOKEN, {"b_hash": key[1]}).first()
    if row is None:
        _found_tokens.pop(key, None)
        return None
    if len(_found_tokens) >= _TOKEN_CACHE_LIMIT:
        _found_tokens.clear()
    user = _user(row)
    _found_tokens[key] = (now, user)
    return user


def forget_tokens() -> None:
    """Users changed: the next request of every app user asks the database again."""
    _found_tokens.clear()


# --- Digest ------------------------------------------------------------------------------


def make_nonce(secret: str, now: float | None = None) -> str:
    """A nonce the server can check without remembering it: a time signed with the secret."""
    stamp = str(int(now if now is not None else time.time()))
    mac = hmac.new(secret.encode(), stamp.encode(), hashlib.sha256).hexdigest()[:32]
    return base64.urlsafe_b64encode(f"{stamp}:{mac}".encode()).decode().rstrip("=")


def nonce_state(secret: str, nonce: str, now: float | None = None) -> str:
    """``ok``, ``stale`` (ours but old: the client retries with a fresh one) or ``bad``."""
    try:
        padded = nonce + "=" * (-len(nonce) % 4)
        stamp, mac = base64.urlsafe_b64decode(padded.encode()).decode().split(":", 1)
        issued = int(stamp)
    except (ValueError, UnicodeDecodeError):
        return "bad"
    expected = hmac.new(secret.encode(), stamp.encode(), hashlib.sha256).hexdigest()[:32]
    if not hmac.compare_digest(mac, expected):
        return "bad"
    age = (now if now is not None else time.time()) - issued
    return "ok" if 0 <= age <= NONCE_SECONDS else "stale"


_PARAM = re.compile(r'(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))')


def parse_auth_params(value: str) -> dict[str, str]:
    return {m.group(1).lower(): (m.group(2) if m.group(2) is not None else m.group(3)) for m in _PARAM.finditer(value)}


def digest_challenge(secret: str, domain: str, stale: bool = False) -> str:
    parts = [
        f'realm="{REALM}"',
        'qop="auth"',
        'algorithm=MD5',
        f'nonce="{make_nonce(secret)}"',
        f'opaque="{hashlib.md5(secret.encode()).hexdigest()}"',
        f'domain="{domain}"',
    ]
    if stale:
        parts.append("stale=true")
    return "Digest " + ", ".join(parts)


class _SeenCounts:
    """(nonce, cnonce, nc) triples this process has accepted, for as long as their nonce
    lives: the very same Authorization header sent again (a replay) is refused (RFC 7616
    section 5.3 leaves the nonce-count check to the server). Exact triples rather than
    "nc must grow", because a phone's parallel requests may arrive out of order. Per
    process: behind several gunicorn workers a replay could still reach another one within
    the nonce's ten minutes."""

    def __init__(self, lifetime: float, limit: int = 200_000) -> None:
        self.lifetime, self.limit = lifetime, limit
        self._seen: dict[tuple[str, str, str], float] = {}
        self._lock = threading.Lock()
        self._swept = 0.0

    def first_use(self, nonce: str, cnonce: str, nc: str, now: float | None = None) -> bool:
        now = time.time() if now is None else now
        key = (nonce, cnonce, nc)
        with self._lock:
            if now - self._swept > 60 or len(self._seen) >= self.limit:
                self._seen = {k: t for k, t in self._seen.items() if now - t <= self.lifetime}
                self._swept = now
            if key in self._seen:
                return False
            if len(self._seen) < self.limit:  # full of live entries: accept rather than refuse everyone
                self._seen[key] = now
            return True


_SEEN_COUNTS = _SeenCounts(NONCE_SECONDS)


@dataclass(frozen=True)
class DigestOutcome:
    user: User | None
    stale: bool = False


def check_digest(conn: Connection, secret: str, header_value: str, method: str, request_path: str) -> DigestOutcome:
    p = parse_auth_params(header_value)
    name, nonce, uri, response = p.get("username"), p.get("nonce"), p.get("uri"), p.get("response")
    if not (name and nonce and uri and response) or p.get("realm") != REALM:
        return DigestOutcome(None)
    if p.get("algorithm", "MD5").upper() != "MD5":
        return DigestOutcome(None)
    # the uri the client signed must be this request (path; the query may differ in encoding)
    if uri.split("?", 1)[0] != request_path:
        return DigestOutcome(None)
    state = nonce_state(secret, nonce)
    if state == "bad":
        return DigestOutcome(None)
    row = user_by_name(conn, name)
    if row is None or not row.digest_ha1:
        return DigestOutcome(None)
    ha2 = hashlib.md5(f"{method}:{uri}".encode()).hexdigest()
    qop = p.get("qop")
    if qop == "auth":
        nc, cnonce = p.get("nc", ""), p.get("cnonce", "")
        expected = hashlib.md5(f"{row.digest_ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
    elif qop is None:
        expected = hashlib.md5(f"{row.digest_ha1}:{nonce}:{ha2}".encode()).hexdigest()  # RFC 2069 clients
    else:
        return DigestOutcome(None)
    if not hmac.compare_digest(expected, response.lower()):
        return DigestOutcome(None)
    if state == "stale":
        return DigestOutcome(None, stale=True)
    if qop == "auth" and not _SEEN_COUNTS.first_use(nonce, p.get("cnonce", ""), p.get("nc", "")):
        return DigestOutcome(None)  # a replayed header
    return DigestOutcome(_user(row))


def check_basic(conn: Connection, header_value: str) -> User | None:
    try:
        decoded = base64.b64decode(header_value.strip(), validate=True).decode("utf-8")
        name, password = decoded.split(":", 1)
    except (ValueError, UnicodeDecodeError):
        return None
    row = user_by_name(conn, name)
    if row is None or not verify_password(row.password_hash, password):
        return None
    return _user(row)


# --- users -------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def add_user(conn: Connection, name: str, role: str, password: str | None, villages: list[str] | None = None) -> int:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if not re.fullmatch(r"[A-Za-z0-9_.@-]{1,100}", name):
        raise ValueError("a user name is 1-100 letters, digits or _ . @ -")
    if conn.execute(select(users.c.id).where(users.c.name == name)).first():
        raise ValueError(f"user {name!r} exists already")
    return conn.execute(
        users.insert().values(
            name=name, role=role, villages=list(villages or []),
            password_hash=hash_password(password) if password else None,
            digest_ha1=ha1(name, password) if password else None,
            active=True, created_at=_now(),
        )
    ).inserted_primary_key[0]


def issue_token(conn: Connection, name: str) -> str:
    """A new app-user token for ``name`` (the old one stops working)."""
    row = conn.execute(select(users.c.id).where(users.c.name == name)).first()
    if row is None:
        raise ValueError(f"no user {name!r}")
    token = new_token()
    conn.execute(users.update().where(users.c.id == row.id).values(token_hash=token_hash(token)))
    forget_tokens()
    return token
