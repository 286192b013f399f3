from datetime import datetime, timedelta, timezone

import pytest

from chips.rules.anc_form import hiv_tested, ten_t_items
from chips.rules.anc import TEN_T_KEYS
from chips.rules.clock import WIB, to_utc, to_wib, wib_date
from chips.rules.coverage import Household, coverage, last_home_visit
from chips.rules.followups import (
    COORDINATED, FOUND, REPORTED, RESOLVED, InvalidTransition, advance, allowed_next,
    counts_by_village_state, kinds_from_form, open_followup, outcome_counts,
)

T = datetime(2026, 4, 1, 9, 0, tzinfo=WIB)


def fresh(fid="F1", village="Sempu", kind="no_latrine"):
    return open_followup(fid, "H1", village, kind, T, "dr. Sari")


def resolved(fid="F1", village="Sempu", outcome="latrine_built"):
    f = advance(fresh(fid, village), REPORTED, T + timedelta(hours=2), "driver Budi")
    f = advance(f, COORDINATED, T + timedelta(days=3), "kepala puskesmas")
    return advance(f, RESOLVED, T + timedelta(days=40), "kepala puskesmas", outcome=outcome)


def test_full_path_records_who_and_when():
    f = resolved()
    assert f.state == RESOLVED and f.outcome == "latrine_built" and not f.is_open
    assert [s.state for s in f.history] == [FOUND, REPORTED, COORDINATED, RESOLVED]
    assert f.history[1].by == "driver Budi" and f.history[1].at == to_utc(T + timedelta(hours=2))
    assert allowed_next(f) == () and allowed_next(fresh()) == (REPORTED,)


@pytest.mark.parametrize("to_state", [COORDINATED, RESOLVED, FOUND, "renovated"])
def test_no_skipping_no_going_back(to_state):
    with pytest.raises(InvalidTransition):
        advance(fresh(), to_state, T + timedelta(days=1), "x", outcome="renovated" if to_state == RESOLVED else None)


def test_resolving_needs_a_known_outcome_and_only_resolving_takes_one():
    f = advance(advance(fresh(), REPORTED, T, "a"), COORDINATED, T, "b")
    with pytest.raises(InvalidTransition, match="outcome"):
        advance(f, RESOLVED, T, "c")
    with pytest.raises(InvalidTransition, match="outcome"):
        advance(f, RESOLVED, T, "c", outcome="new_car")
    with pytest.raises(InvalidTransition, match="only recorded when resolving"):
        advance(fresh(), REPORTED, T, "a", outcome="food_aid")


def test_resolved_is_final_and_time_cannot_run_backwards():
    with pytest.raises(InvalidTransition, match="already resolved"):
        advance(resolved(), REPORTED, T + timedelta(days=50), "a")
    with pytest.raises(InvalidTransition, match="before the previous step"):
        advance(fresh(), REPORTED, T - timedelta(minutes=1), "a")
    with pytest.raises(InvalidTransition, match="who"):
        advance(fresh(), REPORTED, T, "")
    with pytest.raises(InvalidTransition, match="unknown finding"):
        open_followup("F", "H", None, "leaky_tap", T, "a")


def test_counts_by_village_and_state_and_outcomes():
    items = [fresh("1"), fresh("2", "Gendoh"), resolved("3"), resolved("4", outcome="renovated"),
             advance(fresh("5"), REPORTED, T, "a")]
    assert counts_by_village_state(items) == {
        ("Sempu", FOUND): 1, ("Gendoh", FOUND): 1, ("Sempu", RESOLVED): 2, ("Sempu", REPORTED): 1}
    assert outcome_counts(items) == {"latrine_built": 1, "renovated": 1}


def test_form_reasons_become_findings():
    assert kinds_from_form("unhealthy_house no_latrine nutrition ") == ("unhealthy_house", "no_latrine", "nutrition")
    assert kinds_from_form("") == ()


def test_coverage_of_stickers_and_kenthongan():
    households = [
        Household("1", "Sempu", "dtks", sticker_installed=True),
        Household("2", "Sempu", "poor_unregistered", sticker_installed=False, lone_elderly_count=1, kenthongan_installed=True),
        Household("3", "Sempu", "near_poor", sticker_installed=True),  # not in the poor denominator
        Household("4", "Gendoh", "dtks", sticker_installed=True, lone_elderly_count=2),
    ]
    rows = {r.village: r for r in coverage(households)}
    assert (rows["Sempu"].poor_households, rows["Sempu"].with_sticker, rows["Sempu"].sticker_percent) == (2, 1, 50.0)
    assert (rows["Gendoh"].lone_elderly_households, rows["Gendoh"].with_kenthongan, rows["Gendoh"].kenthongan_percent) == (1, 0, 0.0)
    total = rows[None]
    assert (total.poor_households, total.with_sticker, total.lone_elderly_households, total.with_kenthongan) == (3, 2, 2, 1)
    [empty] = coverage([])
    assert empty.village is None and empty.sticker_percent is None


def test_last_home_visit_per_household():
    latest = last_home_visit([
        ("H1", T), ("H1", T + timedelta(days=3)), ("H2", datetime(2026, 4, 1, 1, 0)), ("", T), ("H3", None),
    ])
    assert latest == {"H1": to_utc(T + timedelta(days=3)), "H2": datetime(2026, 4, 1, 1, 0, tzinfo=timezone.utc)}


def test_clock_store_utc_display_wib():
    naive = datetime(2026, 4, 1, 20, 0)
    assert to_utc(naive).tzinfo == timezone.utc
    assert to_wib(naive).hour == 3 and wib_date(naive).day == 2


FULL_FORM = {
    "weight_kg": "52.5", "bp_systolic": "110", "bp_diastolic": "70", "lila_cm": "24",
    "fundal_height_cm": "20", "fetal_presentation": "cephalic", "fetal_heart_rate": "",
    "tt_status": "tt5", "iron_tablets": "30", "hb_tested": "no", "urine_protein": "not_done",
    "hiv": "done_before", "syphilis": "not_done", "hepatitis_b": "not_done",
    "case_management": "none_needed", "counselling": "nutrition danger_signs",
}


def test_anc_form_answers_to_10t():
    assert ten_t_items(FULL_FORM) == frozenset(TEN_T_KEYS)
    assert hiv_tested(FULL_FORM)
    partial = {**FULL_FORM, "iron_tablets": "0", "tt_status": "unknown", "hiv": "not_done", "counselling": ""}
    assert frozenset(TEN_T_KEYS) - ten_t_items(partial) == {"iron_tablets", "tetanus", "lab_tests", "counselling"}
    assert not hiv_tested(partial)
