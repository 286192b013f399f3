"""Households: the list and one household's page (members, map, every form about it)."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, render_template, request, url_for

from chips.queries import households as household_queries
from server.access import PLANNER, TEAM, engine, roles_required, scope
from server.web.common import page_args

bp = Blueprint("households", __name__)


def leaflet_urls() -> tuple[str, str] | None:
    """Leaflet from the maps package's static files, served by the map blueprint when it
    is registered; else our own copy if one exists; None: no map, just the coordinates."""
    from flask import current_app

    for endpoint in ("maps.map_static",):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, filename="leaflet/leaflet.js"), url_for(endpoint, filename="leaflet/leaflet.css")
    static = Path(current_app.static_folder or "")
    if (static / "leaflet" / "leaflet.js").exists():
        return url_for("static", filename="leaflet/leaflet.js"), url_for("static", filename="leaflet/leaflet.css")
    return None


@bp.get("/households")
@roles_required(PLANNER, TEAM)
def index():
    page, per_page = page_args()
    village = request.args.get("village") or None
    q = (request.args.get("q") or "").strip()[:100] or None
    with engine().connect() as conn:
        pg = household_queries.household_page(conn, scope(), page, per_page, village, q)
        villages = household_queries.villages(conn, scope())
        coverage = household_queries.coverage(conn, scope())
    return render_template("households.html", pg=pg, villages=villages, village=village, q=q or "", coverage=coverage,
                           names=dict(villages))


@bp.get("/households/<uuid>")
@roles_required(PLANNER, TEAM)
def detail(uuid: str):
    with engine().connect() as conn:
        d = household_queries.household_detail(conn, uuid, scope())
    if d is None:
        abort(404)
    return render_template("household.html", d=d, h=d.household, leaflet=leaflet_urls())
