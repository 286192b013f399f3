"""ODK Validate (JavaRosa, as in ODK Collect) accepts every form, and its errors are traced
back to the sheet and row of the source."""

from __future__ import annotations

from pathlib import Path

import pytest

from forms.build import build_one
from forms.validate import ValidatorUnavailable, validate_many, validate_xform

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def test_every_form_passes_odk_validate(built_forms):
    results = validate_many([(b.xml_path, b.form_id, b.source) for b in built_forms.values()])
    for result in results:
        assert result.valid, f"{result.form}: {[str(p) for p in result.problems]}\n{result.output}"
        assert "Xform is valid" in result.output  # Validate really ran


def test_validate_problem_names_sheet_and_row(tmp_path):
    source = FIXTURES / "broken_xpath" / "broken_xpath.md"
    built = build_one(source, tmp_path)  # pyxform accepts it; JavaRosa does not
    result = validate_xform(built.xml_path, built.form_id, source)
    assert not result.valid
    problem = result.problems[0]
    assert (problem.form, problem.sheet, problem.row) == ("broken_xpath", "survey", 3)
    assert problem.line == 6  # the line of that row in the markdown file
    assert "Mismatched brackets" in problem.message
    assert "\tat org.javarosa" not in problem.message


def test_java_missing_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))  # no java on this PATH
    with pytest.raises(ValidatorUnavailable, match="Install Java"):
        validate_xform(tmp_path / "any.xml")
