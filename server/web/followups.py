"""The follow-up board: every house-condition finding and its state; planners move them on."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from chips.queries import followups as followup_queries
from chips.queries import households as household_queries
from chips.rules.followups import KINDS, OUTCOMES, STATE_LABELS, STATES, InvalidTransition, allowed_next
from server.access import PLANNER, current_user, engine, require_village, roles_required, scope
from server.web.common import audit, page_args
from server.web.i18n import t

bp = Blueprint("followups", __name__)


@bp.get("/followups")
@roles_required(PLANNER)
def index():
    page, per_page = page_args()
    state = request.args.get("state") if request.args.get("state") in STATES else None
    kind = request.args.get("kind") if request.args.get("kind") in KINDS else None
    village = request.args.get("village") or None
    with engine().connect() as conn:
        pg, items = followup_queries.board_page(conn, scope(), page, per_page, state, village, kind)
        counts = followup_queries.counts(conn, scope())
        outcomes = followup_queries.outcome_counts(conn, scope())
        names = dict(household_queries.villages(conn, scope()))
    villages_in_counts = sorted({v for v, _ in counts}, key=lambda v: v or "")
    return render_template("followups.html", pg=pg, items=items, counts=counts, outcomes=outcomes, names=names,
                           count_villages=villages_in_counts, states=STATES, state_labels=STATE_LABELS, kinds=KINDS,
                           outcome_labels=OUTCOMES, state=state, kind=kind, village=village, allowed_next=allowed_next)


@bp.post("/followups/step")
@roles_required(PLANNER)
def step():
    key = request.form.get("key", "")
    to_state = request.form.get("to_state", "")
    outcome = request.form.get("outcome") or None
    note = (request.form.get("note") or "").strip()[:1000]
    with engine().begin() as conn:
        current = followup_queries.get(conn, key)
        if current is None:
            abort(404)
        require_village(current.village)
        try:
            followup_queries.record_step(conn, key, to_state, current_user().name, outcome if to_state == "resolved" else None, note)
        except InvalidTransition as exc:
            flash(str(exc), "error")
            return redirect(request.form.get("back") or url_for("web.followups.index")), 303
        audit(conn, "followup_step", f"{key} -> {to_state}{' (' + outcome + ')' if outcome and to_state == 'resolved' else ''}")
    flash(t("step_saved"), "ok")
    back = request.form.get("back") or ""
    return redirect(back if back.startswith("/") and not back.startswith("//") else url_for("web.followups.index"), 303)
