from datetime import date

import pytest

from chips.rules.anc import AncConfig, build_pregnancies, from_settings as anc_settings
from chips.rules.anc_schedule import next_visit, overdue_pregnancies
from chips.rules.risk import RiskThresholds, from_settings, is_high_risk, risk_markers
from tests.rules.anc_helpers import anc, on_day


def markers(**kw):
    [p] = build_pregnancies([anc("a", 100, **kw)])
    return {m.code for m in risk_markers(p)}


@pytest.mark.parametrize(
    "kw, expected",
    [
        ({"lila": 23.5}, set()), ({"lila": 23.4}, {"kek"}),
        ({"hb": 11.0}, set()), ({"hb": 10.9}, {"anaemia"}),
        ({"sbp": 140, "dbp": 80}, {"hypertension"}), ({"sbp": 139, "dbp": 90}, {"hypertension"}),
        ({"sbp": 139, "dbp": 89}, set()),
        ({"mother_age": 20}, set()), ({"mother_age": 19}, {"young"}),
        ({"mother_age": 35}, set()), ({"mother_age": 36}, {"old"}),
        ({"parity": 3}, set()), ({"parity": 4}, {"grand_multipara"}),
    ],
)
def test_risk_thresholds_at_their_boundaries(kw, expected):
    assert markers(**kw) == expected


def test_age_from_birth_date_at_each_visit_as_the_form():
    # 19 at the first visit (day 100 = 11 April 2026), 20 afterwards: young from the first
    born = date(2006, 4, 12)
    assert on_day(100) == date(2026, 4, 11)
    [p] = build_pregnancies([anc("a", 100, mother_birth_date=born), anc("b", 200, mother_birth_date=born)])
    [m] = risk_markers(p)
    assert (m.code, m.value, m.visit_id) == ("young", "19 y", "a")
    assert m.label_en == "Mother too young"


def test_thresholds_from_settings():
    thresholds = from_settings({"hb_below_g_dl": 10})
    [p] = build_pregnancies([anc("a", 100, hb=10.5)])
    assert not is_high_risk(p, thresholds) and is_high_risk(p, RiskThresholds())


def test_each_marker_once_from_the_first_visit_showing_it():
    [p] = build_pregnancies([anc("a", 100, lila=22), anc("b", 150, lila=21, hb=9)])
    found = risk_markers(p)
    assert [(m.code, m.visit_id) for m in found] == [("kek", "a"), ("anaemia", "b")]


def test_next_visit_in_t1_is_due_before_t1_closes():
    [p] = build_pregnancies([anc("a", 56, doctor=True)])  # 8 weeks
    nxt = next_visit(p, today=on_day(60))
    assert nxt.ongoing and nxt.due_on == on_day(84) and not nxt.overdue
    # under K4 one T1 visit is enough: due four weeks later
    assert next_visit(p, today=on_day(60), standard="k4").due_on == on_day(84)
    assert next_visit(p, today=on_day(60), standard="k4", config=anc_settings({"visit_interval_weeks_t1": 3})).due_on == on_day(77)


def test_overdue_after_grace_and_not_once_ended():
    [p] = build_pregnancies([anc("a", 200)])  # T3: due two weeks later
    assert next_visit(p, today=on_day(214)).due_on == on_day(214)
    assert not next_visit(p, today=on_day(221)).overdue
    late = next_visit(p, today=on_day(222))
    assert late.overdue and late.days_overdue == 8 and late.gestational_weeks_today == 31
    assert not next_visit(p, today=on_day(294)).ongoing
    [q] = build_pregnancies([anc("a", 200, pregnancy_ended_on=on_day(205))])
    assert not next_visit(q, today=on_day(240)).overdue


def test_overdue_list_longest_first():
    pregnancies = build_pregnancies([
        anc("a", 200, mother="M1"),
        anc("b", 190, mother="M2"),
        anc("c", 230, mother="M3"),
    ])
    found = overdue_pregnancies(pregnancies, today=on_day(240), config=AncConfig())
    assert [n.pregnancy_key for n in found] == ["M2/1", "M1/1"]


def test_mother_turning_36_during_pregnancy_is_flagged_at_that_visit():
    born = date(1990, 6, 1)
    [p] = build_pregnancies([anc("a", 100, mother_birth_date=born), anc("b", 200, mother_birth_date=born)])
    [m] = risk_markers(p)
    assert (m.code, m.visit_id) == ("old", "b")  # 35 on 11 April 2026, 36 on 20 July 2026
