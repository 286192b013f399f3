"""The Flask application factory: ``create_app(settings)``.

The app holds no state of its own: the engine and the settings sit in ``app.extensions``;
the database is migrated by ``chips serve`` (or ``chips db upgrade``) before the app runs.
"""

from __future__ import annotations

from typing import Any

from flask import Flask

from chips.db.engine import make_engine

# (module, blueprint attribute, url prefix): each package of the web side adds one line.
BLUEPRINTS: list[tuple[str, str, str | None]] = [
    ("server.openrosa", "bp", None),
    ("server.map_views", "bp", None),
    ("server.web", "bp", None),
    ("server.api", "bp", "/api/v1"),
]


def create_app(settings: Any) -> Flask:
    import importlib

    app = Flask(__name__)
    app.config["SECRET_KEY"] = settings.secret_key
    # one POST carries at most one attachment over the advertised size plus the XML;
    # Collect splits bigger submissions into several POSTs
    app.config["MAX_CONTENT_LENGTH"] = int(settings.max_attachment_bytes) + 8 * 1024 * 1024
    app.config["SESSION_COOKIE_SECURE"] = bool(getattr(settings, "secure_cookies", False))
    app.extensions["chips.settings"] = settings
    app.extensions["chips.engine"] = make_engine(settings)

    for module_name, attr, prefix in BLUEPRINTS:
        bp = getattr(importlib.import_module(module_name), attr)
        app.register_blueprint(bp, url_prefix=prefix)
    # the same OpenRosa endpoints under an app-user token, like ODK Central's /key/<token>/
    from server.openrosa import bp as openrosa_bp

    app.register_blueprint(openrosa_bp, url_prefix="/key/<token>", name="openrosa_key")

    _openrosa_errors(app)
    _refuse_nul(app)
    if not app.testing:
        # pulls from ODK Central / Kobo on the interval of the settings (off when it is 0)
        from sync.schedule import start_scheduler

        app.extensions["chips.scheduler"] = start_scheduler(settings)
    return app


def _openrosa_errors(app: Flask) -> None:
    """Body too large (413) and the like: an OpenRosa message, not an HTML page."""
    from werkzeug.exceptions import HTTPException

    from server.openrosa import message

    @app.errorhandler(413)
    def too_large(_exc: HTTPException):
        return message("The request is larger than this server accepts.", 413)


def _refuse_nul(app: Flask) -> None:
    """A NUL in the address (``?village=%00``) is refused with 400 before any view runs:
    PostgreSQL text cannot hold one, so it would otherwise end as a 500 deep in a query
    (SQLite just finds nothing). Found by schemathesis (tests/reliability)."""
    from flask import jsonify, request

    from server.openrosa import message

    @app.before_request
    def no_nul():
        if "\x00" not in request.path and not any("\x00" in v for vs in request.args.listvalues() for v in vs):
            return None
        text = "The address contains a NUL character."
        if request.path.startswith("/api/"):
            response = jsonify({"error": text})
            response.status_code = 400
            return response
        return message(text, 400)
