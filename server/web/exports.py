"""Downloads of every table and the SPM report as CSV or XLSX (planners, admins); each is
written to the audit log."""

from __future__ import annotations

from flask import Blueprint, Response, abort, request

from chips.queries import households as household_queries
from chips.queries import spm as spm_queries
from chips.reports import spm as spm_report
from chips.reports.tables import TABLES, ExportContext
from chips.reports.write import FORMATS, MEDIA_TYPES, render
from server.access import PLANNER, engine, roles_required, scope
from server.web.common import anc_config, audit, chosen_standard, now, response_config, risk_config, spm_config, today
from server.web.spm import chosen_year

bp = Blueprint("exports", __name__)


def _download(body: bytes, fmt: str, filename: str) -> Response:
    return Response(body, mimetype=MEDIA_TYPES[fmt].split(";")[0], headers={
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Cache-Control": "no-store",
    })


@bp.get("/export/spm.<fmt>")
@roles_required(PLANNER)
def spm(fmt: str):
    if fmt not in FORMATS:
        abort(404)
    year, standard = chosen_year(), chosen_standard()
    with engine().begin() as conn:
        rows = spm_queries.report(conn, year, today(), standard, anc_config(), spm_config(), scope(),
                                  request.args.get("village") or None)
        names = dict(household_queries.villages(conn, scope()))
        audit(conn, "export", f"spm year={year} standard={standard.key} format={fmt}")
    body = render(fmt, spm_report.HEADER, spm_report.rows(rows, standard, today(), names), sheet=f"SPM {year}",
                  notes=spm_report.notes(standard, year, today()))
    return _download(body, fmt, f"spm-{year}-{standard.key}.{fmt}")


@bp.get("/export/<name>.<fmt>")
@roles_required(PLANNER)
def table(name: str, fmt: str):
    if name not in TABLES or fmt not in FORMATS:
        abort(404)
    ctx = ExportContext(now=now(), today=today(), scope=scope(), response=response_config(), anc=anc_config(),
                        risk=risk_config(), standard=chosen_standard())
    with engine().begin() as conn:
        header, rows = TABLES[name](conn, ctx)
        body = render(fmt, header, rows, sheet=name)
        audit(conn, "export", f"{name} format={fmt}")
    return _download(body, fmt, f"{name}-{today().isoformat()}.{fmt}")
