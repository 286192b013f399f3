"""Tokens for the JSON API: random, shown once, only their SHA-256 stored."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Connection, select

from chips.db.schema import users
from server.auth import User, new_token, token_hash
from chips.db.web_tables import api_tokens


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def issue(conn: Connection, user_id: int, label: str = "") -> str:
    token = new_token()
    conn.execute(api_tokens.insert().values(user_id=user_id, label=label, token_hash=token_hash(token), created_at=_now()))
    return token


def revoke(conn: Connection, token_id: int) -> None:
    conn.execute(api_tokens.update().where(api_tokens.c.id == token_id).values(revoked_at=_now()))


def user_for(conn: Connection, token: str) -> User | None:
    if not token:
        return None
    row = conn.execute(
        select(users, api_tokens.c.id.label("token_id"))
        .join(api_tokens, api_tokens.c.user_id == users.c.id)
        .where(api_tokens.c.token_hash == token_hash(token), api_tokens.c.revoked_at.is_(None), users.c.active.is_(True))
    ).first()
    if row is None:
        return None
    conn.execute(api_tokens.update().where(api_tokens.c.id == row.token_id).values(last_used_at=_now()))
    return User(id=row.id, name=row.name, role=row.role, villages=list(row.villages or []))
