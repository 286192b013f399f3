"""Who may see what: ``login_required``, ``roles_required(...)`` and village scoping.

Every page and API route that shows people goes through these (health data is private).
Roles (DOMAIN.md "Who uses the software" and issue 5): admin (users, sources, settings;
may also read everything), planner (everything read-only, follow-up updates, exports),
bidan (ANC of her villages only), team (doctor and driver: requests, visits, households).
The user is read from the database on every request, so a deactivated account or a
changed role takes effect at once.
"""

from __future__ import annotations

from functools import wraps
from typing import Callable

from flask import abort, current_app, g, redirect, request, session, url_for
from sqlalchemy import select

from chips.db.schema import users
from chips.queries.scope import ALL, Scope
from server.auth import User

ADMIN, PLANNER, BIDAN, TEAM = "admin", "planner", "bidan", "team"
READERS = (ADMIN, PLANNER)  # may read every table


def engine():
    return current_app.extensions["chips.engine"]


def settings():
    return current_app.extensions["chips.settings"]


def load_user(user_id: int | None) -> User | None:
    if not user_id:
        return None
    with engine().connect() as conn:
        row = conn.execute(select(users).where(users.c.id == user_id, users.c.active.is_(True))).first()
    if row is None:
        return None
    return User(id=row.id, name=row.name, role=row.role, villages=list(row.villages or []))


def current_user() -> User | None:
    """The logged-in user of this request (cached on ``g``); API routes set ``g.user`` themselves."""
    if "user" not in g:
        g.user = load_user(session.get("user_id"))
    return g.user


def scope() -> Scope:
    """A bidan sees her villages only; every other role sees all of them."""
    user = current_user()
    if user is None:
        return Scope.of([])
    if user.role == BIDAN:
        return Scope.of(user.villages)
    return ALL


def has_role(*roles: str) -> bool:
    user = current_user()
    return user is not None and (user.role in roles or user.role == ADMIN)


def login_required(view: Callable) -> Callable:
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user() is None:
            return redirect(url_for("web.auth.login", next=request.full_path if request.query_string else request.path))
        return view(*args, **kwargs)

    return wrapped


def roles_required(*roles: str) -> Callable[[Callable], Callable]:
    """Logged in (else to the login page) and one of ``roles`` (else 403); admin always passes."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if current_user() is None:
                return redirect(url_for("web.auth.login", next=request.full_path if request.query_string else request.path))
            if not has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapped.chips_roles = roles  # read by the tests that walk every route
        return wrapped

    return decorate


def require_village(village: str | None) -> None:
    """404 (not 403: do not confirm the record exists) for a record outside the scope."""
    if not scope().allows(village):
        abort(404)
