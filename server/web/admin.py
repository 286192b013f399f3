"""Admin pages: users, data sources, settings, API tokens, the audit log (admin only)."""

from __future__ import annotations


from flask import Blueprint, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from chips.db.schema import users
from chips.queries.paging import paginate
from server import auth
from server.access import ADMIN, current_user, engine, roles_required, settings
from server.api_tokens import issue, revoke
from server.web.common import WEB_DEFAULTS, audit, page_args
from server.web.i18n import t
from chips.db.web_tables import api_tokens, audit_log

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
@roles_required(ADMIN)
def index():
    return redirect(url_for("web.admin.users_page"))


@bp.get("/users")
@roles_required(ADMIN)
def users_page():
    with engine().connect() as conn:
        rows = conn.execute(select(users).order_by(users.c.name)).all()
        tokens = conn.execute(
            select(api_tokens, users.c.name).join(users, users.c.id == api_tokens.c.user_id)
            .where(api_tokens.c.revoked_at.is_(None)).order_by(api_tokens.c.created_at.desc())
        ).all()
    return render_template("admin_users.html", rows=rows, tokens=tokens, roles=auth.ROLES)


@bp.post("/users/add")
@roles_required(ADMIN)
def add_user():
    name = request.form.get("name", "").strip()
    role = request.form.get("role", "")
    password = request.form.get("password", "")
    villages = [v.strip() for v in request.form.get("villages", "").split(",") if v.strip()]
    if len(password) < 8:
        flash("password: at least 8 characters / kata sandi minimal 8 karakter", "error")
        return redirect(url_for("web.admin.users_page"), 303)
    with engine().begin() as conn:
        try:
            auth.add_user(conn, name, role, password, villages)
        except ValueError as exc:
            flash(str(exc), "error")
            return redirect(url_for("web.admin.users_page"), 303)
        audit(conn, "user_added", f"{name} role={role} villages={','.join(villages)}")
    flash(t("saved"), "ok")
    return redirect(url_for("web.admin.users_page"), 303)


@bp.post("/users/<int:user_id>")
@roles_required(ADMIN)
def update_user(user_id: int):
    values = {}
    if "role" in request.form and request.form["role"] in auth.ROLES:
        values["role"] = request.form["role"]
    if "villages" in request.form:
        values["villages"] = [v.strip() for v in request.form["villages"].split(",") if v.strip()]
    if "active" in request.form:
        values["active"] = request.form["active"] == "1"
    if user_id == current_user().id and (values.get("active") is False or values.get("role", ADMIN) != ADMIN):
        flash("you cannot lock yourself out / tidak bisa mengunci akun sendiri", "error")
        return redirect(url_for("web.admin.users_page"), 303)
    with engine().begin() as conn:
        conn.execute(users.update().where(users.c.id == user_id).values(**values))
        audit(conn, "user_changed", f"id={user_id} {values}")
    auth.forget_tokens()   # a phone of a deactivated user is refused at its next request
    flash(t("saved"), "ok")
    return redirect(url_for("web.admin.users_page"), 303)


@bp.post("/tokens")
@roles_required(ADMIN)
def issue_token():
    name = request.form.get("user", "")
    label = request.form.get("label", "").strip()[:200]
    with engine().begin() as conn:
        row = conn.execute(select(users.c.id).where(users.c.name == name)).first()
        if row is None:
            flash(f"no user {name!r}", "error")
            return redirect(url_for("web.admin.users_page"), 303)
        token = issue(conn, row.id, label)
        audit(conn, "api_token_issued", f"user={name} label={label}")
    return render_template("admin_token.html", token=token, user=name, label=label)


@bp.post("/tokens/<int:token_id>/revoke")
@roles_required(ADMIN)
def revoke_token(token_id: int):
    with engine().begin() as conn:
        revoke(conn, token_id)
        audit(conn, "api_token_revoked", f"id={token_id}")
    flash(t("saved"), "ok")
    return redirect(url_for("web.admin.users_page"), 303)


@bp.get("/sources")
@roles_required(ADMIN)
def sources():
    """The sync sources of the settings (secrets never shown) and their last runs."""
    configured = []
    for name, table in (settings().sections.get("sources") or {}).items():
        if isinstance(table, dict):
            configured.append({"name": name, "type": table.get("type", "?"), "url": table.get("url", ""),
                               "forms": table.get("forms") or list((table.get("assets") or {}).values())})
    from sync.tables import sync_runs

    with engine().connect() as conn:
        runs = conn.execute(select(sync_runs).order_by(sync_runs.c.id.desc()).limit(50)).all()
    return render_template("admin_sources.html", configured=configured, runs=runs)


@bp.get("/settings")
@roles_required(ADMIN)
def settings_page():
    """The rules' settings in force (defaults laid under the config file's tables)."""
    from chips.rules import anc, response, risk, spm

    s = settings()
    tables = {
        "response": s.section("response", response.DEFAULTS),
        "anc": s.section("anc", anc.DEFAULTS),
        "risk": s.section("risk", risk.DEFAULTS),
        "spm": s.section("spm", spm.DEFAULTS),
        "web": s.section("web", WEB_DEFAULTS),
    }
    top = {"database": s.database_url.split("@")[-1], "instance_dir": str(s.instance_dir), "base_url": s.base_url,
           "secure_cookies": s.secure_cookies, "config_file": str(s.config_file or "-")}
    return render_template("admin_settings.html", tables=tables, top=top)


@bp.get("/audit")
@roles_required(ADMIN)
def audit_page():
    page, per_page = page_args()
    with engine().connect() as conn:
        pg = paginate(conn, select(audit_log).order_by(audit_log.c.at.desc(), audit_log.c.id.desc()), page, per_page)
    return render_template("admin_audit.html", pg=pg)
