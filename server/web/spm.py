"""The SPM indicator table by year and village, under a selectable ANC standard."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from chips.queries import households as household_queries
from chips.queries import spm as spm_queries
from chips.rules.anc_standards import PRESETS
from chips.rules.spm import SERVICES
from server.access import PLANNER, engine, roles_required, scope
from server.web.common import anc_config, chosen_standard, spm_config, today

bp = Blueprint("spm", __name__)


def chosen_year() -> int:
    try:
        year = int(request.args.get("year", ""))
    except ValueError:
        year = today().year
    return year if 2000 <= year <= 2100 else today().year


@bp.get("/spm")
@roles_required(PLANNER)
def index():
    year = chosen_year()
    standard = chosen_standard()
    village = request.args.get("village") or None
    with engine().connect() as conn:
        rows = spm_queries.report(conn, year, today(), standard, anc_config(), spm_config(), scope(), village)
        names = dict(household_queries.villages(conn, scope()))
    return render_template("spm.html", rows=rows, year=year, standard=standard, presets=PRESETS, village=village,
                           villages=sorted(names.items()), names=names,
                           unsupported=[s for s in SERVICES if s.support == "no"], years=range(today().year - 5, today().year + 2))


@bp.route("/spm/targets", methods=["GET", "POST"])
@roles_required(PLANNER)
def targets():
    """Planners enter the district's target (sasaran) per indicator, village and year."""
    from flask import flash, redirect, url_for

    from server.access import current_user
    from server.web.common import audit
    from server.web.i18n import t

    year = chosen_year() if request.method == "GET" else int(request.form.get("year", today().year))
    codes = [s.code for s in SERVICES if s.support != "no"]
    with engine().begin() as conn:
        names = dict(household_queries.villages(conn))
        if request.method == "POST":
            changed = []
            for code in codes:
                for village in [None, *names]:
                    field = f"t_{code}_{village or 'all'}"
                    if field not in request.form:
                        continue
                    raw = request.form[field].strip().replace(",", ".")
                    try:
                        value = float(raw) if raw else None
                    except ValueError:
                        continue
                    if value is not None and value <= 0:
                        value = None
                    spm_queries.set_target(conn, code, village, year, value, current_user().name)
                    changed.append(f"{code}/{village or '*'}={raw or '-'}")
            audit(conn, "spm_targets", f"year={year} " + " ".join(changed)[:1500])
            flash(t("saved"), "ok")
            return redirect(url_for("web.spm.targets", year=year), 303)
        current = spm_queries.targets(conn, year)
    services = [s for s in SERVICES if s.support != "no"]
    return render_template("spm_targets.html", year=year, services=services, names=names, current=current,
                           years=range(today().year - 5, today().year + 2))
