"""Login and logout, with throttling and an audit trail.

Throttling: at most ``[web] login_max_failures`` failed attempts per user name and
``login_max_failures_ip`` per address within ``login_window_minutes``; past that every
attempt is refused with 429 (even a right password) until the window has moved on. A
successful login clears the failures of that name. Every attempt goes to the audit log.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import Blueprint, redirect, render_template, request, session, url_for
from sqlalchemy import delete, func, select

from server.access import current_user, engine
from server.auth import user_by_name, verify_password
from server.web.common import audit, client_ip, web_settings
from server.web.i18n import t
from chips.db.web_tables import login_failures

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("web.home.index")


def throttled(conn, name: str, ip: str, now: datetime) -> bool:
    cfg = web_settings()
    since = now - timedelta(minutes=int(cfg["login_window_minutes"]))
    by_name = conn.execute(select(func.count()).where(login_failures.c.user_name == name, login_failures.c.at >= since)).scalar_one()
    by_ip = conn.execute(select(func.count()).where(login_failures.c.ip == ip, login_failures.c.at >= since)).scalar_one()
    return by_name >= int(cfg["login_max_failures"]) or by_ip >= int(cfg["login_max_failures_ip"])


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        if current_user() is not None:
            return redirect(_safe_next(request.args.get("next")))
        return render_template("login.html", next=request.args.get("next", ""))

    name = (request.form.get("username") or "").strip()[:255]
    password = request.form.get("password") or ""
    ip = client_ip()
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with engine().begin() as conn:
        if throttled(conn, name, ip, now):
            audit(conn, "login_throttled", f"name={name}", user_name=name)
            return render_template("login.html", error=t("login_throttled"), next=request.form.get("next", "")), 429
        row = user_by_name(conn, name) if name else None
        if row is None or not verify_password(row.password_hash, password):
            conn.execute(login_failures.insert().values(user_name=name, ip=ip, at=now))
            audit(conn, "login_failed", f"name={name}", user_name=name)
            return render_template("login.html", error=t("login_failed"), next=request.form.get("next", "")), 401
        conn.execute(delete(login_failures).where(login_failures.c.user_name == name))
        # forget old failures for good so the table stays small
        conn.execute(delete(login_failures).where(login_failures.c.at < now - timedelta(days=1)))
        audit(conn, "login", f"role={row.role}", user_name=row.name)
    lang = session.get("lang")
    session.clear()  # a fresh session: no fixation across the login
    session["user_id"] = row.id
    session.permanent = True
    if lang:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    user = current_user()
    if user is not None:
        with engine().begin() as conn:
            audit(conn, "logout", "", user_name=user.name)
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("web.auth.login"))
