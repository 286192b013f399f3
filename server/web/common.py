"""Helpers the web pages share: the rules' settings, paging arguments, the audit log."""

from __future__ import annotations

from datetime import date, datetime, timezone

from flask import current_app, request
from sqlalchemy import Connection

from chips.queries.paging import clamp
from chips.rules import anc as anc_rules
from chips.rules import response as response_rules
from chips.rules import risk as risk_rules
from chips.rules import spm as spm_rules
from chips.rules.anc_standards import PRESETS, get_standard
from chips.rules.clock import to_wib
from server.access import current_user, settings
from chips.db.web_tables import audit_log

WEB_DEFAULTS = {
    "per_page": 50,
    "login_max_failures": 5,  # per user name …
    "login_max_failures_ip": 20,  # … and per address, within the window
    "login_window_minutes": 15,
}


def web_settings() -> dict:
    return settings().section("web", WEB_DEFAULTS)


def response_config():
    return response_rules.from_settings(settings().section("response", response_rules.DEFAULTS))


def anc_config():
    return anc_rules.from_settings(settings().section("anc", anc_rules.DEFAULTS))


def risk_config():
    return risk_rules.from_settings(settings().section("risk", risk_rules.DEFAULTS))


def spm_config():
    return spm_rules.from_settings(settings().section("spm", spm_rules.DEFAULTS))


def chosen_standard():
    """The preset named in ``?standard=`` when valid, else the one in settings."""
    key = request.args.get("standard")
    return get_standard(key if key in PRESETS else anc_config().standard)


def now() -> datetime:
    """Naive UTC, as the store keeps time; tests may pin it with app.config["CHIPS_NOW"]."""
    pinned = current_app.config.get("CHIPS_NOW")
    return pinned if pinned is not None else datetime.now(timezone.utc).replace(tzinfo=None)


def today() -> date:
    return to_wib(now()).date()


def page_args() -> tuple[int, int]:
    return clamp(request.args.get("page"), request.args.get("per_page"), int(web_settings()["per_page"]))


def client_ip() -> str:
    return (request.remote_addr or "-")[:64]


def audit(conn: Connection, action: str, detail: str = "", user_name: str | None = None) -> None:
    user = current_user()
    conn.execute(audit_log.insert().values(
        at=datetime.now(timezone.utc).replace(tzinfo=None),
        user_name=user_name or (user.name if user else None),
        action=action, detail=detail[:2000], ip=client_ip()))


def request_choices(conn: Connection) -> dict[str, dict[str, dict[str, str]]]:
    """Labels of the visit-request form's urgency and channel choices, from its newest
    published version, so the pages show "Gawat darurat (perlu ambulans)", not "emergency"."""
    from chips import formdefs

    fd = formdefs.newest(conn, "visit_request")
    if fd is None:
        return {"urgency": {}, "channel": {}}
    return {name: formdefs.choice_labels(fd, name) for name in ("urgency", "channel")}
