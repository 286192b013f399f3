"""`chips forms list|build|check|lock` through click, as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner

from chips.cli import cli
from forms.catalog import SOURCE_DIR, VERSIONS_LOCK

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FORM_IDS = ["anc_visit", "home_visit", "house_condition", "household_registration", "visit_request"]


def run(*args):
    result = CliRunner().invoke(cli, ["forms", *args], obj={})
    # a clean error is SystemExit from click; anything else is a traceback for the user
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def test_help():
    for command in ([], ["list"], ["build"], ["check"], ["lock"]):
        result = run(*command, "--help")
        assert result.exit_code == 0 and "Usage:" in result.output


def test_list_prints_id_version_title():
    result = run("list")
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert [line.split()[0] for line in lines] == FORM_IDS
    lock = json.loads(VERSIONS_LOCK.read_text())
    for line in lines:
        form_id, version = line.split()[:2]
        assert version == lock[form_id]["version"]
    assert "Kunjungan ANC bidan desa" in result.output
    assert "creates households" in result.output


def test_build_writes_xml_and_xlsx(tmp_path):
    out = tmp_path / "out"
    result = run("build", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        [f"{f}.xml" for f in FORM_IDS] + [f"{f}.xlsx" for f in FORM_IDS])
    assert "5 forms built" in result.output


def test_check_runs_odk_validate_on_every_form():
    result = run("check")
    assert result.exit_code == 0, result.output
    for form_id in FORM_IDS:
        assert f"{form_id} " in result.output
    assert result.output.count("ODK Validate v") == 5
    assert result.output.count(": valid") == 5
    assert "versions lock" in result.output and "all 5 forms are valid" in result.output


def test_broken_xlsform_gives_form_sheet_and_row(tmp_path):
    result = run("check", "--sources", str(FIXTURES / "broken_reference"))
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert "broken_reference, sheet survey, row 3" in result.output
    assert "nothere" in result.output

    result = run("build", "--out", str(tmp_path / "out"), "--sources", str(FIXTURES / "broken_reference"))
    assert result.exit_code == 1 and "broken_reference, sheet survey, row 3" in result.output
    assert not (tmp_path / "out" / "broken_reference.xml").exists()


def test_odk_validate_error_gives_form_sheet_and_row():
    result = run("check", "--sources", str(FIXTURES / "broken_xpath"))
    assert result.exit_code == 1
    assert "broken_xpath 1: ODK Validate v" in result.output and "INVALID" in result.output
    assert "broken_xpath, sheet survey, row 3" in result.output
    assert "Traceback" not in result.output and "\tat org." not in result.output


def test_check_without_java_says_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    result = run("check", "--sources", str(FIXTURES / "broken_xpath"))
    assert result.exit_code == 1 and "Install Java" in result.output


def test_check_fails_when_source_changed_without_version(tmp_path):
    # one form is enough (each form checked costs a JVM start)
    src = tmp_path / "xlsform"
    src.mkdir()
    path = src / "house_condition.md"
    shutil.copy(SOURCE_DIR / path.name, path)
    lock = tmp_path / "versions.lock"
    lock.write_text(json.dumps({"house_condition": json.loads(VERSIONS_LOCK.read_text())["house_condition"]}))
    path.write_text(path.read_text(encoding="utf-8").replace("Catatan lain", "Catatan"), encoding="utf-8")
    result = run("check", "--sources", str(src), "--lock", str(lock))
    assert result.exit_code == 1
    assert "house_condition, sheet settings" in result.output and "version is still" in result.output
    result = run("lock", "--sources", str(src), "--lock", str(lock))
    assert result.exit_code == 1 and "raise `version` first" in result.output


def test_missing_sources_dir_is_a_clear_error(tmp_path):
    result = run("list", "--sources", str(tmp_path / "nope"))
    assert result.exit_code == 1 and "no such directory" in result.output
    result = run("list", "--sources", str(tmp_path))
    assert result.exit_code == 1 and "no forms" in result.output
