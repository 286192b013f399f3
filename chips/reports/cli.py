"""``chips report spm`` and ``chips report table NAME``: the SPM report and the web app's
tables as CSV or XLSX, to a file or standard output (CSV only)."""

from __future__ import annotations

import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from chips.cli import get_settings
from chips.reports.tables import TABLES
from chips.reports.write import FORMATS


def _engine():
    from chips.db.engine import make_engine
    from chips.db.migrate import current_heads

    settings = get_settings()
    engine = make_engine(settings)
    try:
        heads = current_heads(engine)
    except Exception as exc:  # noqa: BLE001 - an unreachable database is a clean error
        raise click.ClickException(f"cannot open the database: {exc}") from None
    if "0301_web" not in heads:
        raise click.ClickException("the database is not migrated (run: chips db upgrade)")
    return engine


def _emit(body: bytes, fmt: str, out: Path | None) -> None:
    if out is None:
        if fmt == "xlsx":
            raise click.ClickException("XLSX needs --out FILE")
        sys.stdout.buffer.write(body)
        sys.stdout.flush()
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(body)
    click.echo(f"wrote {out}", err=True)


def _standard(key: str | None):
    from chips.rules import anc as anc_rules
    from chips.rules.anc_standards import get_standard

    config = anc_rules.from_settings(get_settings().section("anc", anc_rules.DEFAULTS))
    try:
        return get_standard(key or config.standard), config
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("report")
def report_group() -> None:
    """The SPM report and table exports as CSV or XLSX."""


@report_group.command("spm")
@click.option("--year", type=int, default=None, help="Report year (default: this year).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--standard", help="ANC standard preset: permenkes-21-2021 (default), spm-permenkes-4-2019, k4.")
@click.option("--village", help="One village code only.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (needed for xlsx).")
def spm_cmd(year, fmt, standard, village, out):
    """One row per indicator and village (and the total): numerator, denominator, percent,
    target-based percent, the definition and the ANC standard applied."""
    from chips.queries import households as household_queries
    from chips.queries import spm as spm_queries
    from chips.reports import spm as spm_report
    from chips.reports.write import render
    from chips.rules import spm as spm_rules
    from chips.rules.clock import to_wib

    settings = get_settings()
    std, anc_config = _standard(standard)
    today = to_wib(datetime.now(timezone.utc)).date()
    year = year or today.year
    config = spm_rules.from_settings(settings.section("spm", spm_rules.DEFAULTS))
    with _engine().connect() as conn:
        rows = spm_queries.report(conn, year, today, std, anc_config, config, village=village)
        names = dict(household_queries.villages(conn))
    body = render(fmt, spm_report.HEADER, spm_report.rows(rows, std, today, names), sheet=f"SPM {year}",
                  notes=spm_report.notes(std, year, today))
    click.echo(f"SPM {year}, ANC standard applied: {std.name_en} ({std.key})", err=True)
    _emit(body, fmt, out)


@report_group.command("table")
@click.argument("name", type=click.Choice(sorted(TABLES)))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="csv", show_default=True)
@click.option("--standard", help="ANC standard preset for the pregnancies table.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE (needed for xlsx).")
def table_cmd(name, fmt, standard, out):
    """Export table NAME (every row, all villages)."""
    from chips.reports.tables import ExportContext
    from chips.reports.write import render
    from chips.rules import response as response_rules
    from chips.rules import risk as risk_rules
    from chips.rules.clock import to_wib

    settings = get_settings()
    std, anc_config = _standard(standard)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    ctx = ExportContext(
        now=now, today=to_wib(now).date(), anc=anc_config, standard=std,
        response=response_rules.from_settings(settings.section("response", response_rules.DEFAULTS)),
        risk=risk_rules.from_settings(settings.section("risk", risk_rules.DEFAULTS)),
    )
    with _engine().connect() as conn:
        header, rows = TABLES[name](conn, ctx)
        body = render(fmt, header, rows, sheet=name)
    _emit(body, fmt, out)
