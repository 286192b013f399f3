from datetime import date

import pytest

from chips.rules.anc import build_pregnancies
from chips.rules.spm import (
    LABEL_REGISTERED, LABEL_TARGET, SERVICES, Measurement, Person, anc_hiv_test, anc_to_standard,
    diabetes_care, elderly_screening, from_settings, hypertension_care, indicator_rows, spm_report,
)
from tests.rules.anc_helpers import anc


def full_2021(mother, village, hpht, **kw):
    days = [(50, True), (80, False), (120, False), (200, True), (230, False), (260, False)]
    return [anc(f"{mother}-{d}", d, mother=mother, hpht=hpht, doctor=doc, village=village, **kw) for d, doc in days]


def seed_123(mother, village, hpht):
    days = [(60, False), (100, False), (150, False), (190, True), (220, False), (250, False)]
    return [anc(f"{mother}-{d}", d, mother=mother, hpht=hpht, doctor=doc, village=village) for d, doc in days]


H2025 = date(2025, 6, 1)  # expected delivery 2026-03-08
PREGNANCIES = build_pregnancies(
    full_2021("A", "Sempu", H2025, hiv_tested=True)
    + seed_123("B", "Sempu", H2025)
    + full_2021("C", "Gendoh", H2025)
    + full_2021("D", "Gendoh", date(2026, 6, 1))  # ends in 2027: not in the 2026 denominator
)
AS_OF = date(2027, 1, 15)


def by_village(rows):
    return {r.village: r for r in rows}


def test_twelve_services_each_with_definitions_and_support():
    assert [s.number for s in SERVICES] == list(range(1, 13))
    assert all(s.definition_id and s.definition_en and s.support in {"yes", "partial", "no"} for s in SERVICES)
    assert {s.code for s in SERVICES if s.support != "no"} == {"anc", "elderly", "hypertension", "diabetes", "anc_hiv"}


def test_anc_to_standard_per_village_with_standard_named():
    rows = by_village(anc_to_standard(PREGNANCIES, 2026, AS_OF))
    assert (rows["Sempu"].numerator, rows["Sempu"].denominator, rows["Sempu"].percent) == (1, 2, 50.0)
    assert (rows["Gendoh"].numerator, rows["Gendoh"].denominator) == (1, 1)
    assert (rows[None].numerator, rows[None].denominator) == (2, 3)
    assert rows[None].standard_en.startswith("Permenkes 21/2021")
    assert rows[None].definition_id.startswith("Jumlah ibu hamil")
    assert rows[None].label_registered == LABEL_REGISTERED and rows[None].label_target == LABEL_TARGET


def test_anc_under_the_seed_standard_counts_differently():
    rows = by_village(anc_to_standard(PREGNANCIES, 2026, AS_OF, standard="spm-permenkes-4-2019"))
    assert rows["Sempu"].numerator == 1  # B meets 1-2-3, A (2-1-3) does not
    assert rows[None].standard_id.startswith("SPM Permenkes 4/2019")


def test_pregnancy_not_yet_surely_over_is_not_counted():
    early = anc_to_standard(PREGNANCIES, 2026, as_of=date(2026, 3, 20))  # EDD 8 March, 42 weeks on 22 March
    assert by_village(early)[None].denominator == 0 and by_village(early)[None].percent is None


def test_target_based_percentage_can_exceed_100():
    targets = {("anc", "Sempu", 2026): 0.8, ("anc", "Gendoh", 2026): 2}
    rows = by_village(anc_to_standard(PREGNANCIES, 2026, AS_OF, targets=targets))
    assert rows["Sempu"].target_percent == pytest.approx(125.0)
    assert rows["Gendoh"].target_percent == pytest.approx(50.0)
    assert rows[None].target == pytest.approx(2.8)
    assert rows[None].percent == pytest.approx(200 / 3)


def test_total_target_entered_for_all_villages_wins_and_partial_targets_do_not_sum():
    rows = indicator_rows("anc", 2026, {"Sempu": (1, 2), "Gendoh": (1, 1)}, {("anc", "Sempu", 2026): 4})
    assert by_village(rows)[None].target is None
    rows = indicator_rows("anc", 2026, {"Sempu": (1, 2)}, {("anc", None, 2026): 10})
    assert by_village(rows)[None].target_percent == pytest.approx(10.0)


def test_hiv_test_during_pregnancy():
    rows = by_village(anc_hiv_test(PREGNANCIES, 2026, AS_OF))
    assert (rows["Sempu"].numerator, rows["Sempu"].denominator) == (1, 2)
    assert (rows["Gendoh"].numerator, rows[None].numerator, rows[None].denominator) == (0, 1, 3)


PEOPLE = [
    Person("old-screened", "Sempu", date(1960, 5, 1)),
    Person("old-bp-only", "Sempu", date(1950, 1, 1)),
    Person("turns-60-in-december", "Gendoh", date(1966, 12, 31)),
    Person("59", "Gendoh", date(1967, 1, 1)),
    Person("age-only", "Gendoh", age_years=58, age_recorded_on=date(2024, 3, 1)),
]


def test_elderly_screening_proxy():
    measurements = [
        Measurement("old-screened", date(2026, 2, 1), sbp=130, dbp=80, blood_sugar=110),
        Measurement("old-bp-only", date(2026, 2, 1), sbp=130, dbp=80),
        Measurement("turns-60-in-december", date(2025, 2, 1), sbp=130, dbp=80, blood_sugar=100),  # last year
        Measurement("59", date(2026, 2, 1), sbp=130, dbp=80, blood_sugar=100),
    ]
    rows = by_village(elderly_screening(PEOPLE, measurements, 2026))
    assert (rows["Sempu"].numerator, rows["Sempu"].denominator) == (1, 2)
    assert (rows["Gendoh"].numerator, rows["Gendoh"].denominator) == (0, 2)  # turns 60, and 58 + 2 years
    bp_only = from_settings({"elderly_items": ["blood_pressure"]})
    assert by_village(elderly_screening(PEOPLE, measurements, 2026, bp_only))["Sempu"].numerator == 2


def monthly(person, months, year=2026, **values):
    return [Measurement(person, date(year, m, 10), **values) for m in months]


def test_hypertension_needs_a_measurement_every_month_from_when_known():
    people = [Person("p1", "Sempu", date(1970, 1, 1)), Person("p2", "Sempu", date(1970, 1, 1)),
              Person("p3", "Sempu", date(1970, 1, 1)), Person("child", "Sempu", date(2015, 1, 1))]
    measurements = (
        monthly("p1", range(4, 13), sbp=150, dbp=95)  # known in April, measured April–December
        + monthly("p2", [1], sbp=120, dbp=80) + monthly("p2", [3, 4, 5], sbp=145, dbp=85)  # gaps after March
        + [Measurement("p3", date(2026, 6, 1), sbp=120, dbp=80, icd10="I10")]
        + [Measurement("child", date(2026, 6, 1), sbp=150, dbp=95)]
    )
    rows = by_village(hypertension_care(people, measurements, 2026, as_of=date(2027, 1, 1)))
    assert (rows["Sempu"].numerator, rows["Sempu"].denominator) == (1, 3)
    # while the year runs, only the months up to as_of are required
    running = by_village(hypertension_care(people, measurements, 2026, as_of=date(2026, 5, 20)))
    assert running["Sempu"].numerator == 2  # p1 (April–May) and p2 (March–May)


def test_diabetes_by_blood_sugar_above_200_or_icd10():
    people = [Person("d1", "Gendoh", date(1970, 1, 1)), Person("d2", "Gendoh", date(1970, 1, 1)),
              Person("d3", "Gendoh", date(1970, 1, 1))]
    measurements = (
        monthly("d1", range(1, 13), blood_sugar=250)
        + monthly("d2", [1], blood_sugar=200)  # exactly 200 is not above 200
        + [Measurement("d3", date(2026, 11, 5), icd10="E11.9", blood_sugar=180), Measurement("d3", date(2026, 12, 5), blood_sugar=170)]
    )
    rows = by_village(diabetes_care(people, measurements, 2026, as_of=date(2027, 1, 1)))
    assert (rows["Gendoh"].numerator, rows["Gendoh"].denominator) == (2, 2)


def test_report_lists_supported_indicators_in_service_order():
    rows = spm_report(2026, AS_OF, PREGNANCIES, PEOPLE, [])
    codes = []
    for r in rows:
        if r.code not in codes:
            codes.append(r.code)
    assert codes == ["anc", "elderly", "hypertension", "diabetes", "anc_hiv"]
    assert all(r.year == 2026 for r in rows)
