"""The planners' web app: one parent blueprint ``web`` holding the page blueprints.

Registered in ``server/app.py`` with one line. On registration it also sets up, for the
whole app: CSRF protection (checked by this blueprint's pages only, so the OpenRosa
endpoints ODK Collect posts to and the token-authenticated JSON API are not affected),
session-cookie flags, the message catalogue and the error pages.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_wtf.csrf import CSRFError, CSRFProtect

from server.web import admin, anc, auth, exports, followups, home, households, requests, spm
from server.web.i18n import LANGUAGES, lang, pick, t

csrf = CSRFProtect()

bp = Blueprint("web", __name__)
for child in (auth.bp, home.bp, requests.bp, anc.bp, spm.bp, followups.bp, households.bp, admin.bp, exports.bp):
    bp.register_blueprint(child)


@bp.record_once
def _setup(state) -> None:
    app = state.app
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked in _csrf below, for our pages only
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", 8 * 3600)
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    app.config.setdefault("PERMANENT_SESSION_LIFETIME", timedelta(hours=12))
    csrf.init_app(app)
    app.jinja_env.globals.update(t=t, pick=pick, lang=lang, LANGUAGES=LANGUAGES)

    from chips.formdefs import choice_label

    def choice(labels, value):
        """A form answer shown by its label in the page's language (``request_choices``)."""
        return choice_label(labels or {}, value, lang())

    app.jinja_env.globals.update(choice=choice)

    from server.access import current_user, has_role

    from chips.rules.response import STATUS_LABELS

    def has_map() -> bool:
        return any(rule.rule == "/map" for rule in app.url_map.iter_rules())

    app.jinja_env.globals.update(current_user=current_user, has_role=has_role, has_map=has_map, STATUS_LABELS=STATUS_LABELS)
    from server.web import filters

    filters.register(app)

    @app.errorhandler(CSRFError)
    def _csrf_error(exc):
        return render_template("error.html", message=t("csrf_error")), 400

    @app.errorhandler(403)
    def _forbidden(exc):
        if not (request.blueprint or "").startswith(("web", "maps", "api")):
            return exc  # other packages (OpenRosa) answer in their own format
        if request.path.startswith("/api/"):
            return {"error": "forbidden"}, 403
        return render_template("error.html", message=t("forbidden")), 403


@bp.before_app_request
def _csrf():
    # our pages only: every state-changing form carries the token
    from flask import current_app

    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.blueprint and request.blueprint.startswith("web"):
        csrf.protect()


@bp.after_app_request
def _no_store(response):
    # pages about people must not linger in shared caches or the browser's back history
    if request.blueprint and request.blueprint.startswith("web") and response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in LANGUAGES:
        session["lang"] = code
    target = request.args.get("next") or "/"
    return redirect(target if target.startswith("/") and not target.startswith("//") else url_for("web.home.index"))
