"""The home page the head of the puskesmas opens every morning."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for

from chips.queries import followups as followup_queries
from chips.queries import households as household_queries
from chips.queries import requests as request_queries
from server.access import BIDAN, PLANNER, TEAM, current_user, engine, login_required, roles_required, scope
from server.web.common import now, request_choices, response_config

bp = Blueprint("home", __name__)


@bp.get("/")
@login_required
def index():
    if current_user().role == BIDAN:
        return redirect(url_for("web.anc.index"))
    return dashboard()


@roles_required(PLANNER, TEAM)
def dashboard():
    with engine().connect() as conn:
        figures = request_queries.home_figures(conn, now(), response_config(), scope())
        counts = followup_queries.counts(conn, scope())
        names = dict(household_queries.villages(conn, scope()))
        choices = request_choices(conn)
    open_followups = sum(n for (_, state), n in counts.items() if state != "resolved")
    return render_template("home.html", f=figures, rules=response_config(), open_followups=open_followups, names=names,
                           choices=choices)
