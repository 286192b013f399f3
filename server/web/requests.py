"""Request and visit lists (team, planners)."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from chips.queries import households as household_queries
from chips.queries import requests as request_queries
from chips.queries import visits as visit_queries
from server.access import PLANNER, TEAM, engine, roles_required, scope
from server.web.common import now, page_args, request_choices, response_config

bp = Blueprint("requests", __name__)


@bp.get("/requests")
@roles_required(PLANNER, TEAM)
def index():
    page, per_page = page_args()
    village = request.args.get("village") or None
    with engine().connect() as conn:
        pg, lines = request_queries.request_page(conn, now(), response_config(), scope(), page, per_page, village=village)
        villages = household_queries.villages(conn, scope())
        choices = request_choices(conn)
    return render_template("requests.html", pg=pg, lines=lines, villages=villages, village=village, names=dict(villages),
                           choices=choices)


@bp.get("/visits")
@roles_required(PLANNER, TEAM)
def visits():
    page, per_page = page_args()
    village = request.args.get("village") or None
    with engine().connect() as conn:
        pg = visit_queries.visit_page(conn, scope(), page, per_page, village=village)
        villages = household_queries.villages(conn, scope())
    return render_template("visits.html", pg=pg, villages=villages, village=village)
