"""Exports from the pages and ``chips report``: CSV and XLSX read back."""

from __future__ import annotations

import csv
import io

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from chips.cli import cli
from tests.web.seed import V1, V2


def read_csv(body: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def read_xlsx(body: bytes, sheet: int = 0) -> list[dict]:
    wb = load_workbook(io.BytesIO(body), read_only=True)
    rows = list(wb.worksheets[sheet].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def test_spm_export_csv_and_xlsx_agree(client_for, web):
    _, s = web
    planner = client_for("planner1")
    year = s.expected["spm_year"]
    csv_rows = read_csv(planner.get(f"/export/spm.csv?year={year}&standard=k4").data)
    response = planner.get(f"/export/spm.xlsx?year={year}&standard=k4")
    assert response.mimetype.endswith("spreadsheetml.sheet")
    xlsx_rows = read_xlsx(response.data)
    assert len(csv_rows) == len(xlsx_rows) > 0
    anc = {r["village_code"]: r for r in csv_rows if r["indicator"] == "anc"}
    for village, (num, den) in s.expected["spm_anc"]["k4"].items():
        row = anc[village or "*"]
        assert (int(row["numerator"]), int(row["denominator_registered"])) == (num, den)
        assert row["anc_standard_key"] == "k4" and row["definition_en"].startswith("Women whose pregnancy ended")
    x = {r["village_code"]: r for r in xlsx_rows if r["indicator"] == "anc"}
    assert x["*"]["numerator"] == 2 and x["*"]["percent_registered"] == 100.0


@pytest.mark.parametrize("name", ["households", "requests", "visits", "pregnancies", "anc_visits", "followups"])
def test_every_table_exports(client_for, web, name):
    _, s = web
    planner = client_for("planner1")
    rows = read_csv(planner.get(f"/export/{name}.csv").data)
    xrows = read_xlsx(planner.get(f"/export/{name}.xlsx").data)
    assert len(rows) == len(xrows) > 0
    if name == "households":
        assert sorted(r["uuid"] for r in rows) == sorted(s.households.values())
    if name == "requests":
        by_id = {r["request_id"]: r for r in rows}
        assert by_id["CH-LATE"]["status"] == "late" and by_id["CH-LATE"]["compensation_given"] == "True"
        assert by_id["CH-BREACH"]["status"] == "breach" and by_id["CH-ONTIME"]["status"] == "on_time"
        assert by_id["CH-OPEN-FRESH"]["open"] == "True"


def test_bidan_cannot_export(client_for):
    assert client_for("bidan1").get("/export/pregnancies.csv").status_code == 403


def _run(args, db_url, tmp_path):
    env = {"CHIPS_DATABASE_URL": db_url, "CHIPS_INSTANCE_DIR": str(tmp_path)}
    return CliRunner().invoke(cli, args, env=env, obj={}, catch_exceptions=False)


def test_chips_report_spm(web, tmp_path):
    app, s = web
    url = app.extensions["chips.settings"].database_url
    year = s.expected["spm_year"]
    result = _run(["report", "spm", "--year", str(year), "--format", "csv"], url, tmp_path)
    assert result.exit_code == 0, result.output
    rows = read_csv(result.stdout_bytes)
    anc = {r["village_code"]: r for r in rows if r["indicator"] == "anc"}
    expected = s.expected["spm_anc"]["permenkes-21-2021"]
    assert {v: (int(anc[v]["numerator"]), int(anc[v]["denominator_registered"])) for v in (V1, V2, "*")} == {
        V1: expected[V1], V2: expected[V2], "*": expected[None]}
    assert all(r["anc_standard_key"] == "permenkes-21-2021" for r in rows)
    assert "Permenkes 21/2021" in rows[0]["anc_standard_applied"]
    assert anc["*"]["percent_registered"] == "50.0"

    out = tmp_path / "spm.xlsx"
    result = _run(["report", "spm", "--year", str(year), "--format", "xlsx", "--standard", "k4", "--out", str(out)], url, tmp_path)
    assert result.exit_code == 0, result.output
    rows = read_xlsx(out.read_bytes())
    total = next(r for r in rows if r["indicator"] == "anc" and r["village_code"] == "*")
    assert (total["numerator"], total["denominator_registered"]) == (2, 2)
    about = dict((k, v) for k, v, *_ in load_workbook(out, read_only=True)["about"].iter_rows(values_only=True))
    assert "k4" in about["anc_standard_applied"]


def test_chips_report_errors_are_clean(web, tmp_path):
    app, _ = web
    url = app.extensions["chips.settings"].database_url
    result = _run(["report", "spm", "--standard", "nope"], url, tmp_path)
    assert result.exit_code != 0 and "unknown ANC standard" in result.output
    result = _run(["report", "spm", "--format", "xlsx"], url, tmp_path)
    assert result.exit_code != 0 and "--out" in result.output
    empty = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    result = _run(["report", "table", "households"], empty, tmp_path)
    assert result.exit_code != 0 and "chips db upgrade" in result.output


def test_chips_report_table(web, tmp_path):
    app, s = web
    url = app.extensions["chips.settings"].database_url
    result = _run(["report", "table", "households"], url, tmp_path)
    assert result.exit_code == 0
    assert len(read_csv(result.stdout_bytes)) == len(s.households)
