import pytest

from chips.rules.anc import build_pregnancies
from chips.rules.anc_standards import PRESETS, evaluate, evaluate_all_presets, get_standard
from tests.rules.anc_helpers import ALL_10T, anc


def one(visits):
    [p] = build_pregnancies(visits)
    return p


FULL_2021 = [
    anc("t1a", 50, doctor=True), anc("t1b", 80),
    anc("t2", 120),
    anc("t3a", 200, doctor=True), anc("t3b", 230), anc("t3c", 260),
]


def test_presets_are_the_three_named_standards():
    assert set(PRESETS) == {"permenkes-21-2021", "spm-permenkes-4-2019", "k4"}
    assert {k: dict(s.min_visits) for k, s in PRESETS.items()} == {
        "permenkes-21-2021": {1: 2, 2: 1, 3: 3},
        "spm-permenkes-4-2019": {1: 1, 2: 2, 3: 3},
        "k4": {1: 1, 2: 1, 3: 2},
    }
    assert get_standard().key == "permenkes-21-2021"
    with pytest.raises(ValueError, match="unknown ANC standard"):
        get_standard("k6")


def test_full_2021_schedule_meets_2021_and_k4_but_not_the_seed_spm():
    results = evaluate_all_presets(one(FULL_2021))
    assert results["permenkes-21-2021"].met and results["k4"].met
    seed = results["spm-permenkes-4-2019"]
    assert not seed.met and seed.missing_visits == {1: 0, 2: 1, 3: 0}


def test_same_pregnancy_under_each_preset():
    # 1 visit in T1 by the bidan, 2 in T2, 3 in T3 with a doctor: the seed's 1-2-3
    p = one([anc("t1", 60), anc("t2a", 100), anc("t2b", 150),
             anc("t3a", 190, doctor=True), anc("t3b", 220), anc("t3c", 250)])
    r2021 = evaluate(p, "permenkes-21-2021")
    assert not r2021.met
    assert r2021.missing_visits == {1: 1, 2: 0, 3: 0}
    assert r2021.missing_doctor == (1,)
    assert r2021.standard_name_en.startswith("Permenkes 21/2021")
    assert "no doctor contact in T1" in r2021.reasons
    seed = evaluate(p, "spm-permenkes-4-2019")
    assert seed.met and seed.standard_key == "spm-permenkes-4-2019" and seed.reasons == ()
    assert evaluate(p, "k4").met
    assert evaluate(p, PRESETS["k4"]).standard_name_id.startswith("K4")


def test_visits_only_in_t3():
    p = one([anc("a", 180, doctor=True), anc("b", 210), anc("c", 240), anc("d", 260)])
    for key, standard in PRESETS.items():
        result = evaluate(p, standard)
        assert not result.met, key
        assert result.visits_by_trimester == {1: 0, 2: 0, 3: 4}
        assert result.missing_visits[1] == standard.min_visits[1]
        assert result.missing_visits[2] == standard.min_visits[2]
        assert result.missing_visits[3] == 0
    assert evaluate(p).missing_doctor == (1,)


def test_boundary_week_12_and_24_visits_fall_in_t1_and_t2():
    # day 84 (exactly 12 weeks) counts for T1, day 168 (exactly 24 weeks) for T2
    p = one([anc("a", 40, doctor=True), anc("b", 84), anc("c", 168),
             anc("d", 200, doctor=True), anc("e", 230), anc("f", 260)])
    result = evaluate(p)
    assert result.visits_by_trimester == {1: 2, 2: 1, 3: 3} and result.met
    # one day later each: T1 is short and T2/T3 gain a visit
    q = one([anc("a", 40, doctor=True), anc("b", 85), anc("c", 169),
             anc("d", 200, doctor=True), anc("e", 230), anc("f", 260)])
    shifted = evaluate(q)
    assert shifted.visits_by_trimester == {1: 1, 2: 1, 3: 4}
    assert not shifted.met and shifted.missing_visits == {1: 1, 2: 0, 3: 0}


def test_each_visit_needs_the_10t_under_2021_but_not_under_the_seed():
    visits = list(FULL_2021)
    visits[1] = anc("t1b", 80, items=ALL_10T - {"counselling"})
    p = one(visits)
    r2021 = evaluate(p)
    assert not r2021.met
    assert r2021.visits_by_trimester[1] == 2 and r2021.counted_by_trimester[1] == 1
    assert r2021.missing_visits == {1: 1, 2: 0, 3: 0}
    [gap] = r2021.visits_missing_10t
    assert (gap.visit_id, gap.trimester, gap.missing_10t) == ("t1b", 1, frozenset({"counselling"}))
    assert "lack 10T" in r2021.reasons[0]
    # the seed's standard wants the 10T over the pregnancy as a whole: other visits gave counselling
    assert evaluate(p, "k4").met
    assert evaluate(p, "k4").visits_missing_10t == r2021.visits_missing_10t


def test_10t_item_never_given_fails_the_whole_pregnancy_standards():
    p = one([anc(v.visit.visit_id, v.gestational_days, doctor=v.visit.by_doctor, items=ALL_10T - {"tetanus"})
             for v in one(FULL_2021).visits])
    k4 = evaluate(p, "k4")
    assert not k4.met and k4.missing_10t_overall == {"tetanus"}
    assert any("tetanus" in r for r in k4.reasons)


def test_undated_visits_are_reported_and_do_not_count():
    from datetime import date
    from chips.rules.anc import AncVisit
    [p] = build_pregnancies([AncVisit("x", "M9", date(2026, 5, 1), items_10t=ALL_10T)])
    result = evaluate(p, "k4")
    assert result.undated_visits == ("x",) and result.visits_by_trimester == {1: 0, 2: 0, 3: 0}
    assert not result.met
