"""tests/support/engine.py: the wrapper others use to make real submissions."""

from __future__ import annotations

import pytest
from lxml import etree

from tests.forms.samples import sample
from tests.support import engine
from tests.support.engine import EngineError, EngineUnavailable, FillJob, fill, fill_many


def test_missing_node_modules_is_a_clear_error(tmp_path, monkeypatch, xform):
    monkeypatch.setattr(engine, "ENGINE_DIR", tmp_path)
    with pytest.raises(EngineUnavailable, match="npm ci"):
        fill(xform("home_visit"), {})


def test_unknown_path_and_bad_choice_are_clear_errors(xform):
    with pytest.raises(EngineError, match='no node "nonexistent"'):
        fill(xform("home_visit"), {"team/nonexistent": "x"})
    with pytest.raises(EngineError, match=r"\"maybe\" is not a choice here \(choices: yes, no\)"):
        fill(xform("home_visit"), {"request_group/request_listed": "maybe"})
    with pytest.raises(EngineError, match="computed by the form"):
        fill(xform("home_visit"), {"response_minutes": "5"})


def test_repeats_by_index_and_submission_xml(xform):
    answers, _ = sample("household_registration")
    answers += [("members[2]/member_name", "Cucu"), ("members[2]/sex", "male"), ("members[2]/dob", "2023-01-15"),
                ("members[2]/relation", "grandchild"), ("members[2]/lives_alone", "no"),
                ("members[2]/disability", "none"), ("members[2]/jkn", "pbi")]
    r = fill(xform("household_registration"), answers)
    assert r.valid, r.violations
    assert r["members[2]/member_name"] == "Cucu" and r["members[1]/member_name"] == "Mbah Sarmi"
    assert r["member_count"] == "2" and r["under_five_count"] == "1"
    root = etree.fromstring(r.xml)
    assert [m.findtext("member_name") for m in root.findall("members")] == ["Mbah Sarmi", "Cucu"]
    assert root.get("id") == "household_registration"


def test_fill_many_keeps_order(xform):
    jobs = [FillJob(xform("home_visit"), {"request_group/request_listed": v}) for v in ("no", "yes", "no")]
    results = fill_many(jobs)
    assert [r["request_group/request_listed"] for r in results] == ["no", "yes", "no"]
