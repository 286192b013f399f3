"""A form's version must change whenever its source changes (forms/versions.lock)."""

from __future__ import annotations

import shutil

from forms.catalog import SOURCE_DIR, VERSIONS_LOCK, load_catalog
from forms.versions import check_lock, read_lock, updated_lock


def test_committed_lock_matches_the_sources():
    problems = check_lock(load_catalog(), read_lock(VERSIONS_LOCK))
    assert problems == [], "\n".join(str(p) for p in problems)


def _copy_sources(tmp_path):
    src = tmp_path / "xlsform"
    shutil.copytree(SOURCE_DIR, src)
    return src


def _edit(path, old, new):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_changed_source_without_new_version_is_an_error(tmp_path):
    src = _copy_sources(tmp_path)
    lock = read_lock(VERSIONS_LOCK)
    _edit(src / "home_visit.md", "Nama dokter", "Nama dokter jaga")
    problems = check_lock(load_catalog(src), lock)
    assert [p.form for p in problems] == ["home_visit"]
    assert "version is still" in problems[0].message
    # and the lock refuses to record it
    _, refusals = updated_lock(load_catalog(src), lock)
    assert [p.form for p in refusals] == ["home_visit"]


def test_new_version_must_be_recorded(tmp_path):
    src = _copy_sources(tmp_path)
    lock = read_lock(VERSIONS_LOCK)
    old_version = lock["home_visit"]["version"]
    _edit(src / "home_visit.md", "Nama dokter", "Nama dokter jaga")
    _edit(src / "home_visit.md", old_version, "2099010101")
    problems = check_lock(load_catalog(src), lock)
    assert [p.form for p in problems] == ["home_visit"] and "not recorded" in problems[0].message
    new, refusals = updated_lock(load_catalog(src), lock)
    assert refusals == []
    assert new["home_visit"]["version"] == "2099010101"
    assert check_lock(load_catalog(src), new) == []


def test_unknown_and_missing_forms_in_lock():
    catalog = load_catalog()
    lock = read_lock(VERSIONS_LOCK)
    lock["retired_form"] = {"version": "1", "sha256": "0" * 64}
    del lock["anc_visit"]
    forms = sorted(p.form for p in check_lock(catalog, lock))
    assert forms == ["anc_visit", "retired_form"]
