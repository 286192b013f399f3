"""The synthetic programme: reproducible, and shaped as DOMAIN.md describes Sempu."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from chips.demo import calc
from chips.demo.generate import generate
from chips.demo.places import CLASS_SHARES
from chips.demo.submissions import programme_submissions
from tests.demo.conftest import NOW, SEED


def test_same_seed_same_submissions(programme, demo_submissions, templates):
    again = list(programme_submissions(generate(SEED, NOW), templates))
    assert [(s.instance_id, s.xml) for s in again] == [(s.instance_id, s.xml) for s in demo_submissions]


def test_another_seed_another_programme(programme):
    other = generate(SEED + 1, NOW)
    assert other.households[0].instance_id != programme.households[0].instance_id
    assert [h.head_name for h in other.households[:50]] != [h.head_name for h in programme.households[:50]]


def test_instance_ids_unique(demo_submissions):
    ids = [s.instance_id for s in demo_submissions]
    assert len(ids) == len(set(ids))
    assert all(i.startswith("uuid:") and len(i) == 41 for i in ids)


def test_people_counts(programme):
    hhs = programme.households
    assert len(hhs) == 1666
    members = [(h, m) for h in hhs for m in h.members]
    assert sum(m.pregnant for _, m in members) == 62
    assert sum(calc.form_age(m.dob, h.registered_on) < 5 for h, m in members) == 102
    lone = [(h, m) for h, m in members if m.lives_alone and calc.form_age(m.dob, h.registered_on) >= 60]
    assert len(lone) == 69
    # nobody else is counted elderly-alone by the form, and stickers are on most houses
    assert all(len(h.members) == 1 for h, _ in lone)
    assert 0.8 < sum(h.sticker_serial is not None for h in hhs) / len(hhs) < 0.97
    kenthongan = [h.kenthongan_installed for h, _ in lone]
    assert 0.7 < sum(kenthongan) / len(kenthongan) < 1


def test_households_follow_the_area_shares(programme):
    counts = Counter(h.area_class for h in programme.households)
    for cls, share in CLASS_SHARES.items():
        assert abs(counts[cls] / 1666 - share) < 0.01, cls
    assert len({h.village_code for h in programme.households}) == 7
    accuracy = [h.accuracy for h in programme.households]
    assert max(accuracy) <= 50  # the form refuses a worse point
    assert 5 <= sum(a > 20 for a in accuracy) <= 80  # a few poor fixes


def test_pregnancies_have_anc_histories(programme):
    today = NOW.date()
    pregs = programme.pregnancies
    assert len(pregs) == 62 and all(p.visits for p in pregs)
    assert len({(p.household, p.member) for p in pregs}) == 62
    ended = [p for p in pregs if p.hpht + timedelta(weeks=42) <= today]
    assert len(ended) >= 15
    assert all((p.hpht + timedelta(days=280)).year == today.year for p in ended)
    categories = Counter(p.category for p in pregs)
    assert {"complete", "late_booking", "missing_10t", "overdue"} <= set(categories)
    assert 8 <= sum(p.risk is not None for p in pregs) <= 20
    for p in pregs:
        hh = programme.households[p.household]
        dates = [v.visit_date for v in p.visits]
        assert dates == sorted(set(dates))
        assert hh.registered_on <= dates[0] and dates[-1] < today
        assert p.visits[0].first and not any(v.first for v in p.visits[1:])


def test_a_year_of_requests(programme):
    reqs, visits = programme.requests, programme.visits
    assert 300 <= len(reqs) <= 600
    first = min(r.received_at for r in reqs)
    assert NOW - timedelta(days=366) <= first
    outcomes = Counter(r.outcome for r in reqs)
    assert outcomes["open"] == 4
    assert all(NOW - r.received_at <= timedelta(hours=6) for r in reqs if r.outcome == "open")
    assert outcomes["on_time"] > outcomes["late"] > outcomes["breach"] > 0
    for v in visits:
        received = reqs[v.request].received_at if v.request is not None else v.received_at_manual
        assert received <= v.departed_at <= v.arrived_at <= NOW
        minutes = int(calc.response(received, v.arrived_at)["response_minutes"])
        if v.request is not None:
            expected = reqs[v.request].outcome
            assert calc.response(received, v.arrived_at)["response_status"] == expected, minutes
    owed = [v for v in visits if v.compensation_given is not None]
    assert 0.6 < sum(v.compensation_given for v in owed) / len(owed) < 1
    # a request picks a household registered before the report came in
    for r in reqs:
        if r.household is not None:
            assert programme.households[r.household].finished <= r.received_at


def test_house_findings_make_plausible_follow_ups(programme):
    findings = [calc.house_findings({k: getattr(s, k) for k in ("floor", "wall", "roof", "ventilation", "lighting",
                                                                 "windows", "latrine", "water_source", "waste")},
                                    s.nutrition_concern) for s in programme.surveys]
    unhealthy = sum(f["unhealthy_house"] == "yes" for f in findings)
    no_latrine = sum(s.latrine == "none" for s in programme.surveys)
    nutrition = sum(s.nutrition_concern for s in programme.surveys)
    # recorded outcomes (DOMAIN.md): 63 renovations, 23 latrines, 69 food deliveries
    assert 63 < unhealthy < 63 * 2
    assert 23 < no_latrine < 23 * 2
    assert 69 < nutrition < 69 * 2
    for s in programme.surveys:
        assert programme.households[s.household].registered_on < s.survey_date < NOW.date()


def test_follow_up_steps_end_in_the_recorded_outcomes(programme):
    outcomes = Counter(st.outcome for st in programme.followup_steps if st.state == "resolved")
    assert outcomes == {"renovated": 63, "latrine_built": 23, "food_aid": 69}
    by_finding: dict[tuple[int, str], list] = {}
    for st in programme.followup_steps:
        by_finding.setdefault((st.survey, st.kind), []).append(st)
    order = ["reported", "coordinated", "resolved"]
    for (n, _), steps in by_finding.items():
        assert [st.state for st in steps] == order[: len(steps)]  # one step at a time, never backwards
        assert programme.surveys[n].survey_date <= steps[0].at.date()
        assert all(a.at <= b.at for a, b in zip(steps, steps[1:])) and steps[-1].at < NOW
