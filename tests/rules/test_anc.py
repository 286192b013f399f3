from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chips.rules.anc import (
    AncConfig, AncVisit, PregnancyEnd, build_pregnancies, ended_in_year, from_settings, pregnancy_end,
    trimester_of_days, trimester_of_weeks, trimester_window,
)
from chips.rules.clock import WIB
from tests.rules.anc_helpers import ALL_10T, HPHT, anc, on_day


@pytest.mark.parametrize(
    "days, trimester",
    [(0, 1), (83, 1), (84, 1), (85, 2), (90, 2), (167, 2), (168, 2), (169, 3), (175, 3), (280, 3)],
)
def test_trimester_boundaries_in_days_as_the_form(days, trimester):
    assert trimester_of_days(days) == trimester
    [p] = build_pregnancies([anc("V", days)])
    assert p.visits[0].trimester == trimester


def test_exactly_12_and_24_weeks():
    assert trimester_of_weeks(12) == 1
    assert trimester_of_weeks(12 + 1 / 7) == 2
    assert trimester_of_weeks(24) == 2
    assert trimester_of_weeks(24 + 1 / 7) == 3


def test_week_shown_is_completed_weeks():
    [p] = build_pregnancies([anc("V", 90)])
    assert (p.visits[0].weeks, p.visits[0].gestational_days, p.visits[0].basis) == (12, 90, "hpht")


def test_recorded_weeks_used_when_no_hpht_and_pregnancy_hpht_for_undated_visit():
    v1 = AncVisit("a", "M1", date(2026, 3, 1), gestational_weeks=20)
    v2 = AncVisit("b", "M1", date(2026, 4, 12))
    [p] = build_pregnancies([v1, v2])
    assert p.hpht == date(2026, 3, 1) - timedelta(days=140)
    assert [d.basis for d in p.visits] == ["recorded_weeks", "pregnancy_hpht"]
    assert p.visits[1].gestational_days == 140 + 42


def test_visit_without_any_dating_is_undated():
    [p] = build_pregnancies([AncVisit("a", "M1", date(2026, 3, 1))])
    assert p.visits[0].trimester is None and p.hpht is None


def test_gestation_going_backwards_starts_a_new_pregnancy():
    visits = [
        AncVisit("a", "M1", date(2025, 3, 1), gestational_weeks=30),
        AncVisit("b", "M1", date(2025, 11, 1), gestational_weeks=8),
    ]
    p1, p2 = build_pregnancies(visits)
    assert [d.visit.visit_id for d in p1.visits] == ["a"] and [d.visit.visit_id for d in p2.visits] == ["b"]
    assert (p1.key, p2.key) == ("M1/1", "M1/2")


def test_hpht_more_than_four_weeks_later_is_a_new_pregnancy_but_two_weeks_is_not():
    same = [anc("a", 60), AncVisit("b", "M1", on_day(100), hpht=HPHT + timedelta(days=14))]
    assert len(build_pregnancies(same)) == 1
    other = [anc("a", 60), AncVisit("b", "M1", on_day(100), hpht=HPHT + timedelta(days=29))]
    assert len(build_pregnancies(other)) == 2


def test_earlier_implied_hpht_is_the_same_pregnancy_redated():
    visits = [anc("a", 60), AncVisit("b", "M1", on_day(120), gestational_weeks=22)]
    [p] = build_pregnancies(visits)
    assert len(p.visits) == 2 and p.notes and "re-dated" in p.notes[0]


def test_gap_setting():
    visits = [anc("a", 60), AncVisit("b", "M1", on_day(100), hpht=HPHT + timedelta(days=20))]
    assert len(build_pregnancies(visits, config=from_settings({"new_pregnancy_gap_days": 14}))) == 2


def test_form_pregnancy_id_decides():
    a = anc("a", 60, pregnancy_id="P-1")
    b = AncVisit("b", "M1", on_day(100), hpht=HPHT + timedelta(days=40), pregnancy_id="P-1")
    c = anc("c", 70, pregnancy_id="P-2")
    pregnancies = build_pregnancies([a, b, c])
    assert {p.key: [d.visit.visit_id for d in p.visits] for p in pregnancies} == {"P-1": ["a", "b"], "P-2": ["c"]}


def test_visit_after_recorded_end_is_a_new_pregnancy():
    # the same HPHT, so only the recorded end separates the two visits
    visits = [anc("a", 100), anc("b", 275)]
    p1, p2 = build_pregnancies(visits, ends=[PregnancyEnd("M1", on_day(270), "live_birth")])
    assert p1.ended_on == on_day(270) and p1.outcome == "live_birth" and p2.ended_on is None


def test_mothers_are_kept_apart():
    pregnancies = build_pregnancies([anc("a", 50, mother="M1"), anc("b", 50, mother="M2")])
    assert [p.mother_key for p in pregnancies] == ["M1", "M2"]


def test_items_10t_accepts_mapping_list_and_select_multiple_string():
    as_map = AncVisit("a", "M", date(2026, 1, 1), items_10t={"weight": True, "lila": "yes", "counselling": False})
    as_str = AncVisit("b", "M", date(2026, 1, 1), items_10t="weight lila")
    assert as_map.items_10t == as_str.items_10t == frozenset({"weight", "lila"})
    with pytest.raises(ValueError, match="unknown 10T"):
        AncVisit("c", "M", date(2026, 1, 1), items_10t=["weight", "massage"])


def test_visit_datetime_becomes_its_wib_day():
    v = AncVisit("a", "M", datetime(2026, 1, 1, 20, 0))  # naive = UTC: 2 January 03:00 WIB
    assert v.visit_date == date(2026, 1, 2)
    assert AncVisit("b", "M", datetime(2026, 1, 1, 20, 0, tzinfo=WIB)).visit_date == date(2026, 1, 1)


def test_fundal_height_and_djj_not_due_before_12_weeks():
    early_items = ALL_10T - {"fundal_height", "fetal_presentation_djj"}
    [p] = build_pregnancies([anc("a", 83, items=early_items)])
    assert p.visits[0].missing_10t == frozenset()
    [p] = build_pregnancies([anc("a", 84, items=early_items)])
    assert p.visits[0].missing_10t == {"fundal_height", "fetal_presentation_djj"}


def test_end_recorded_or_estimated():
    [p] = build_pregnancies([anc("a", 100)])
    assert p.expected_delivery == on_day(280)
    # not yet ended a week after the expected date: we wait until 42 weeks
    assert not pregnancy_end(p, on_day(287)).ended
    info = pregnancy_end(p, on_day(294))
    assert (info.ended, info.on, info.basis) == (True, on_day(280), "estimated")
    assert ended_in_year(p, on_day(280).year, on_day(400))
    [q] = build_pregnancies([anc("a", 100, pregnancy_ended_on=on_day(250))])
    assert pregnancy_end(q, on_day(251)) .basis == "recorded"
    assert pregnancy_end(q, on_day(249)).ended is False


def test_trimester_windows():
    assert trimester_window(HPHT, 1) == (HPHT, on_day(84))
    assert trimester_window(HPHT, 2) == (on_day(85), on_day(168))
    assert trimester_window(HPHT, 3) == (on_day(169), on_day(280))


def test_settings_defaults():
    config = from_settings({})
    assert config == AncConfig()


def test_early_redating_within_the_gap_stays_one_pregnancy():
    visits = [anc("a", 35), AncVisit("b", "M1", on_day(70), hpht=HPHT + timedelta(days=20))]
    assert len(build_pregnancies(visits)) == 1


@settings(max_examples=60, deadline=None)
@given(
    hpht=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
    days=st.lists(st.integers(min_value=0, max_value=300), min_size=1, max_size=10, unique=True),
)
def test_visits_of_one_dated_pregnancy_stay_together_in_form_trimesters(hpht, days):
    [p] = build_pregnancies([anc(f"v{d}", d, hpht=hpht) for d in days])
    for dated in p.visits:
        d = dated.gestational_days
        assert dated.trimester == (1 if d <= 84 else 2 if d <= 168 else 3)  # the XLSForm's formula
