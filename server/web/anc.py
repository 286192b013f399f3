"""The ANC page: ongoing pregnancies of the reader's villages judged under a named standard."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request

from chips.queries import anc as anc_queries
from chips.queries import households as household_queries
from chips.queries.paging import Page
from chips.rules.anc import TEN_T
from chips.rules.anc_standards import PRESETS
from server.access import BIDAN, PLANNER, engine, roles_required, scope
from server.web.common import anc_config, chosen_standard, page_args, risk_config, today

bp = Blueprint("anc", __name__)

FILTERS = ("all", "high_risk", "overdue", "missing_10t", "not_met")


def _keep(view, show: str) -> bool:
    if show == "high_risk":
        return view.high_risk
    if show == "overdue":
        return view.next.overdue
    if show == "missing_10t":
        return bool(view.evaluation.visits_missing_10t)
    if show == "not_met":
        return not view.evaluation.met
    return True


def summary(views) -> dict:
    return {
        "ongoing": len(views),
        "high_risk": sum(v.high_risk for v in views),
        "overdue": sum(v.next.overdue for v in views),
        "missing_10t": sum(bool(v.evaluation.visits_missing_10t) for v in views),
        "by_trimester": anc_queries.trimester_counts(views),
    }


@bp.get("/anc")
@roles_required(PLANNER, BIDAN)
def index():
    page, per_page = page_args()
    show = request.args.get("show") if request.args.get("show") in FILTERS else "all"
    village = request.args.get("village") or None
    standard = chosen_standard()
    with engine().connect() as conn:
        views = anc_queries.ongoing(conn, today(), standard, anc_config(), risk_config(), scope(), village)
        villages = household_queries.villages(conn, scope())
    shown = [v for v in views if _keep(v, show)]
    shown.sort(key=lambda v: (not v.next.overdue, -v.next.days_overdue, not v.high_risk, v.row.edd or today()))
    pg = Page(shown[(page - 1) * per_page: page * per_page], page, per_page, len(shown))
    return render_template("anc.html", pg=pg, s=summary(views), standard=standard, presets=PRESETS, show=show,
                           filters=FILTERS, villages=villages, village=village, names=dict(villages), ten_t=dict((k, (i, e)) for k, i, e in TEN_T))


@bp.get("/anc/<uuid>")
@roles_required(PLANNER, BIDAN)
def pregnancy(uuid: str):
    standard = chosen_standard()
    with engine().connect() as conn:
        found = anc_queries.pregnancy_view(conn, uuid, today(), standard, anc_config(), risk_config(), scope())
    if found is None:
        abort(404)
    view, visit_rows = found
    dated = {str(d.visit.visit_id): d for d in view.pregnancy.visits}
    return render_template("anc_pregnancy.html", v=view, visit_rows=visit_rows, dated=dated, standard=standard,
                           presets=PRESETS, ten_t=dict((k, (i, e)) for k, i, e in TEN_T),
                           end=anc_queries.end_info(view, today(), anc_config()))
