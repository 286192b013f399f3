"""The JSON API under ``/api/v1``: households, requests, visits, pregnancies, indicators.

Read-only. Authentication: ``Authorization: Bearer <token>`` with a token an admin issued
(``api_tokens``), or the web session of a logged-in user. The roles and the bidan's village
scope are the web app's (:mod:`server.access`). Lists are paginated (``page``,
``per_page`` ≤ 500) and answer ``{"items", "page", "per_page", "total", "next"}``. The
OpenAPI 3.0 description is at ``/api/v1/openapi.json``.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import wraps
from typing import Any, Callable

from flask import Blueprint, g, jsonify, request, url_for
from sqlalchemy import select

from chips.db.schema import pregnancies
from chips.queries import anc as anc_queries
from chips.queries import households as household_queries
from chips.queries import requests as request_queries
from chips.queries import spm as spm_queries
from chips.queries import visits as visit_queries
from chips.queries.paging import MAX_PER_PAGE, Page, paginate
from chips.rules.anc_standards import PRESETS
from server import access
from server.access import BIDAN, PLANNER, TEAM
from server.api_tokens import user_for

bp = Blueprint("api", __name__)


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value.tzinfo is None else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _problem(status: int, message: str):
    response = jsonify({"error": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="chips"'
    return response


@bp.before_request
def _authenticate():
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        with access.engine().begin() as conn:
            g.user = user_for(conn, header[7:].strip())
        if g.user is None:
            return _problem(401, "invalid or revoked token")
        return None
    if access.current_user() is None:  # a logged-in browser may read its own data
        return _problem(401, "authentication required: Authorization: Bearer <token>")
    return None


def api_roles(*roles: str) -> Callable:
    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            user = access.current_user()
            if user is None:
                return _problem(401, "authentication required")
            if not access.has_role(*roles):
                return _problem(403, "your role may not read this")
            return view(*args, **kwargs)

        wrapped.chips_roles = roles
        return wrapped

    return decorate


class BadParameter(Exception):
    pass


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    """A query parameter as the OpenAPI document declares it; anything else is a 400."""
    raw = request.args.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number") from None
    if not low <= value <= high:
        raise BadParameter(f"{name} must be between {low} and {high}")
    return value


def _page_args() -> tuple[int, int]:
    return _int_arg("page", 1, 1, 10**9), _int_arg("per_page", 50, 1, MAX_PER_PAGE)


def _standard():
    from chips.rules.anc_standards import get_standard
    from server.web.common import anc_config

    key = request.args.get("standard")
    if key is not None and key not in PRESETS:
        raise BadParameter(f"standard must be one of {', '.join(PRESETS)}")
    return get_standard(key or anc_config().standard)


@bp.errorhandler(BadParameter)
def _bad_parameter(exc: BadParameter):
    return _problem(400, str(exc))


def _listing(pg: Page, items: list[dict]):
    nxt = None
    if pg.has_next:
        args = dict(request.args)
        args.update(page=pg.page + 1, per_page=pg.per_page)
        nxt = url_for(request.endpoint, **args)
    return jsonify({"items": items, "page": pg.page, "per_page": pg.per_page, "total": pg.total, "next": nxt})


HOUSEHOLD_FIELDS = ("uuid", "village_code", "village_name", "dusun", "rw", "rt", "address", "head_name", "latitude",
                    "longitude", "poverty_status", "member_count", "elderly_count", "lone_elderly_count",
                    "pregnant_count", "under_five_count", "sticker_serial", "kenthongan_status", "registered_on")


def _pick(row, fields) -> dict:
    m = row._mapping
    return {f: _json_value(m[f]) for f in fields}


@bp.get("/households")
@api_roles(PLANNER, TEAM)
def households():
    page, per_page = _page_args()
    with access.engine().connect() as conn:
        pg = household_queries.household_page(conn, access.scope(), page, per_page, request.args.get("village") or None)
    return _listing(pg, [_pick(r, HOUSEHOLD_FIELDS) for r in pg.items])


@bp.get("/households/<uuid>")
@api_roles(PLANNER, TEAM)
def household(uuid: str):
    with access.engine().connect() as conn:
        d = household_queries.household_detail(conn, uuid, access.scope())
    if d is None:
        return _problem(404, "no such household")
    body = _pick(d.household, HOUSEHOLD_FIELDS)
    body["members"] = [_pick(m, ("position", "name", "sex", "birth_date", "age_years", "relation")) for m in d.members]
    body["submissions"] = [_pick(s, ("instance_id", "form_id", "form_version", "received_at", "state")) for s in d.submissions]
    return jsonify(body)


def _now():
    from server.web.common import now

    return now()


@bp.get("/requests")
@api_roles(PLANNER, TEAM)
def requests_():
    from server.web.common import response_config

    page, per_page = _page_args()
    with access.engine().connect() as conn:
        pg, lines = request_queries.request_page(conn, _now(), response_config(), access.scope(), page, per_page,
                                                 village=request.args.get("village") or None)
    items = []
    for line in lines:
        s, r = line.status, line.row
        items.append({
            "request_id": r.request_id, "received_at": _json_value(r.received_at), "village_code": r.village_code,
            "household_uuid": r.household_uuid, "patient_name": r.patient_name, "channel": r.channel,
            "urgency": r.urgency, "status": s.status, "open": s.open,
            "elapsed_minutes": None if s.elapsed is None else int(s.elapsed.total_seconds() // 60),
            "compensation_owed": s.compensation_owed, "compensation_given": s.compensation_given,
            "matched_by": s.matched_by,
        })
    return _listing(pg, items)


VISIT_FIELDS = ("id", "request_id", "household_uuid", "village_code", "patient_name", "received_at", "departed_at",
                "arrived_at", "response_minutes", "response_status", "compensation_owed", "compensation_given",
                "diagnosis", "icd10", "referral")


@bp.get("/visits")
@api_roles(PLANNER, TEAM)
def visits():
    page, per_page = _page_args()
    with access.engine().connect() as conn:
        pg = visit_queries.visit_page(conn, access.scope(), page, per_page, village=request.args.get("village") or None)
    return _listing(pg, [_pick(r, VISIT_FIELDS) for r in pg.items])


@bp.get("/pregnancies")
@api_roles(PLANNER, BIDAN)
def pregnancies_():
    from server.web.common import anc_config, risk_config, today

    page, per_page = _page_args()
    standard = _standard()
    scope = access.scope()
    stmt = select(pregnancies).where(scope.where(pregnancies.c.village_code))
    if request.args.get("village"):
        stmt = stmt.where(pregnancies.c.village_code == request.args["village"])
    with access.engine().connect() as conn:
        pg = paginate(conn, stmt.order_by(pregnancies.c.first_visit_on.desc(), pregnancies.c.id.desc()), page, per_page)
        views = {v.row.uuid: v for v in anc_queries.views(conn, pg.items, today(), standard, anc_config(), risk_config())}
    items = []
    for row in pg.items:
        v = views.get(row.uuid)
        item = _pick(row, ("uuid", "household_uuid", "village_code", "mother_name", "hpht", "edd", "first_visit_on"))
        if v is not None:
            e = v.evaluation
            item.update({
                "standard": standard.key, "meets_standard": e.met, "reasons": list(e.reasons),
                "visits_by_trimester": {str(k): n for k, n in e.visits_by_trimester.items()},
                "visits_missing_10t": len(e.visits_missing_10t), "ongoing": v.next.ongoing,
                "next_visit_due": _json_value(v.next.due_on), "overdue": v.next.overdue,
                "risk_markers": [m.code for m in v.risks],
            })
        items.append(item)
    return _listing(pg, items)


@bp.get("/indicators")
@api_roles(PLANNER)
def indicators():
    from server.web.common import anc_config, spm_config, today

    year, standard = _int_arg("year", today().year, 2000, 2100), _standard()
    with access.engine().connect() as conn:
        rows = spm_queries.report(conn, year, today(), standard, anc_config(), spm_config(), access.scope(),
                                  request.args.get("village") or None)
    items = [{
        "code": r.code, "service_no": r.service.number, "year": r.year, "village_code": r.village,
        "numerator": r.numerator, "denominator": r.denominator, "percent": r.percent, "target": r.target,
        "target_percent": r.target_percent, "definition_id": r.definition_id, "definition_en": r.definition_en,
    } for r in rows]
    return jsonify({"year": year, "standard": {"key": standard.key, "name_id": standard.name_id, "name_en": standard.name_en},
                    "items": items})


@bp.get("/openapi.json")
def openapi():
    from server.openapi_doc import document

    return jsonify(document(list(PRESETS)))
