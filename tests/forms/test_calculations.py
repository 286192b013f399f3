"""The forms' own calculations, evaluated by ODK's XForm engine on the built XForms.

Nothing is recomputed in Python: each case fills a form in @getodk/xforms-engine and reads
the values the form computed (tests/support/engine.py). All cases of this module run in
one Node process.
"""

from __future__ import annotations

import re

import pytest

from tests.forms.samples import (HOUSEHOLD_ID, PREGNANCY_ID, REQUEST_ID, attachments_for, households_csv,
                                 pregnancies_csv, sample, visit_requests_csv)
from tests.support.engine import EngineError, FillJob, fill, fill_many


def _home_visit(received: str, arrived: str, departed: str | None = None) -> tuple:
    answers = [
        ("request_group/request_listed", "no"),
        ("request_group/received_at_manual", received),
        ("request_group/patient_name_manual", "Mbah Sarmi"),
        ("timing/departed_at", departed or received),
        ("timing/arrived_at", arrived),
    ]
    return ("home_visit", answers, {})


RESPONSE_CASES = {
    # name: (received, arrived, minutes, hours part, minutes part, status, compensation owed)
    "exactly_2h": ("2025-06-10T08:00:00.000+07:00", "2025-06-10T10:00:00.000+07:00", 120, 2, 0, "on_time", "no"),
    "2h_1min": ("2025-06-10T08:00:00.000+07:00", "2025-06-10T10:01:00.000+07:00", 121, 2, 1, "late", "yes"),
    "exactly_4h": ("2025-06-10T08:00:00.000+07:00", "2025-06-10T12:00:00.000+07:00", 240, 4, 0, "late", "yes"),
    "4h_1min": ("2025-06-10T08:00:00.000+07:00", "2025-06-10T12:01:00.000+07:00", 241, 4, 1, "breach", "yes"),
    "45min": ("2025-06-10T08:00:00.000+07:00", "2025-06-10T08:45:00.000+07:00", 45, 0, 45, "on_time", "no"),
    "across_midnight": ("2025-06-10T23:30:00.000+07:00", "2025-06-11T01:45:00.000+07:00", 135, 2, 15, "late", "yes"),
    "across_month_end": ("2025-06-30T22:10:00.000+07:00", "2025-07-01T02:20:00.000+07:00", 250, 4, 10, "breach", "yes"),
    # a phone set to UTC records the arrival: the offsets are honoured
    "mixed_offsets": ("2025-06-10T08:00:00.000+07:00", "2025-06-10T03:30:00.000Z", 150, 2, 30, "late", "yes"),
}

TRIMESTER_CASES = {
    # name: (weeks entered or HPHT offset, expected ga_weeks, trimester)
    "hpht_84_days": ({"hpht": "2025-03-22"}, 12, "1"),  # visit 2025-06-14: 84 days = 12w0d
    "hpht_85_days": ({"hpht": "2025-03-21"}, 12, "2"),  # 12w1d is past 12 weeks
    "hpht_168_days": ({"hpht": "2024-12-28"}, 24, "2"),
    "hpht_169_days": ({"hpht": "2024-12-27"}, 24, "3"),
    "ga_12_weeks": ({"ga": "12"}, 12, "1"),
    "ga_13_weeks": ({"ga": "13"}, 13, "2"),
    "ga_24_weeks": ({"ga": "24"}, 24, "2"),
    "ga_25_weeks": ({"ga": "25"}, 25, "3"),
}


def _anc(dating: dict, **overrides) -> tuple:
    answers = [
        ("visit_date", "2025-06-14"), ("first_visit", "yes"),
        ("mother/village", "35.10.20.2002"), ("mother/household", HOUSEHOLD_ID),
        ("mother/mother_name", "Bu Siti"), ("mother/mother_dob", overrides.get("dob", "1995-02-01")),
        ("mother/gravida", overrides.get("gravida", "2")), ("mother/parity", overrides.get("parity", "1")),
        ("mother/abortus", "0"),
    ]
    if "hpht" in dating:
        answers += [("mother/hpht_known", "yes"), ("mother/hpht", dating["hpht"])]
    else:
        answers += [("mother/hpht_known", "no"), ("ga_weeks_entered", dating["ga"])]
    answers += [
        ("t10/bp_systolic", overrides.get("sys", "110")), ("t10/bp_diastolic", overrides.get("dia", "70")),
        ("t10/lila_cm", overrides.get("lila", "24.5")),
        ("t10/hb_tested", "yes"), ("t10/hb_g_dl", overrides.get("hb", "12")),
    ]
    return ("anc_visit", answers, attachments_for("anc_visit"))


RISK_CASES = {
    # name: (overrides, risk field, expected)
    "lila_23_4": ({"lila": "23.4"}, "risk_kek", "yes"),
    "lila_23_5": ({"lila": "23.5"}, "risk_kek", "no"),
    "hb_10_9": ({"hb": "10.9"}, "risk_anaemia", "yes"),
    "hb_11": ({"hb": "11"}, "risk_anaemia", "no"),
    "bp_140_80": ({"sys": "140", "dia": "80"}, "risk_hypertension", "yes"),
    "bp_130_90": ({"sys": "130", "dia": "90"}, "risk_hypertension", "yes"),
    "bp_139_89": ({"sys": "139", "dia": "89"}, "risk_hypertension", "no"),
    "age_19": ({"dob": "2006-01-01"}, "risk_age", "yes"),
    "age_20": ({"dob": "2005-06-01"}, "risk_age", "no"),
    "age_35": ({"dob": "1990-01-01"}, "risk_age", "no"),
    "age_36": ({"dob": "1989-01-01"}, "risk_age", "yes"),
    "parity_4": ({"gravida": "5", "parity": "4"}, "risk_parity", "yes"),
    "parity_3": ({"gravida": "5", "parity": "3"}, "risk_parity", "no"),
}


def _house(**answers) -> tuple:
    base = {"floor": "cement", "wall": "brick_plastered", "roof": "tile", "ventilation": "adequate",
            "lighting": "adequate", "windows": "opened_daily", "latrine": "own", "water_source": "piped",
            "waste": "collected"}
    nutrition = answers.pop("nutrition", "no")
    base.update(answers)
    rows = [("survey_date", "2025-06-12"), ("village", "35.10.20.2002"), ("household", HOUSEHOLD_ID)]
    rows += [(f"house/{k}", v) for k, v in base.items()]
    rows += [("nutrition/nutrition_concern", nutrition)]
    if nutrition == "yes":
        rows += [("nutrition/nutrition_kind", "no_food")]
    return ("house_condition", rows, attachments_for("house_condition"))


HOUSE_CASES = {
    # name: (answers, bad_count, unhealthy_house, followup_needed)
    "healthy": ({}, 0, "no", "no"),
    "earth_floor": ({"floor": "earth"}, 1, "yes", "yes"),
    "no_latrine": ({"latrine": "none"}, 1, "yes", "yes"),
    "shared_latrine": ({"latrine": "shared"}, 0, "no", "no"),
    "river_water": ({"water_source": "river"}, 1, "yes", "yes"),
    "two_minor": ({"ventilation": "inadequate", "windows": "none"}, 2, "no", "no"),
    "three_minor": ({"ventilation": "inadequate", "windows": "none", "wall": "bamboo"}, 3, "yes", "yes"),
    "nutrition_only": ({"nutrition": "yes"}, 0, "no", "yes"),
}


@pytest.fixture(scope="module")
def results(xform):
    cases = {}
    for name, (received, arrived, *_rest) in RESPONSE_CASES.items():
        cases[f"response/{name}"] = _home_visit(received, arrived)
    for name, (dating, *_rest) in TRIMESTER_CASES.items():
        cases[f"trimester/{name}"] = _anc(dating)
    for name, (overrides, *_rest) in RISK_CASES.items():
        cases[f"risk/{name}"] = _anc({"hpht": "2025-03-01"}, **overrides)
    for name, (answers, *_rest) in HOUSE_CASES.items():
        cases[f"house/{name}"] = _house(**answers)
    for form_id in ("household_registration", "house_condition", "visit_request", "home_visit", "anc_visit"):
        cases[f"sample/{form_id}"] = (form_id, *sample(form_id))
    cases["anc/follow_up"] = ("anc_visit", [
        ("visit_date", "2025-08-09"), ("first_visit", "no"), ("pregnancy", PREGNANCY_ID),
    ], attachments_for("anc_visit"))
    cases["home_visit/from_list"] = ("home_visit", [
        ("request_group/request_listed", "yes"), ("request_group/request", REQUEST_ID),
        ("timing/departed_at", "2025-06-10T09:00:00.000+07:00"), ("timing/arrived_at", "2025-06-10T13:05:00.000+07:00"),
    ], {"visit_requests.csv": visit_requests_csv()})
    reg, _ = sample("household_registration")
    cases["constraint/gps_inaccurate"] = ("household_registration",
                                          [(p, "-8.3101 114.1368 110 60" if p == "location/gps" else v) for p, v in reg], {})
    anc, anc_media = sample("anc_visit")
    cases["constraint/parity_not_below_gravida"] = ("anc_visit",
                                                    [(p, "2" if p == "mother/parity" else v) for p, v in anc], anc_media)
    names = list(cases)
    jobs = [FillJob(xform(form_id), answers, attachments) for form_id, answers, attachments in cases.values()]
    return dict(zip(names, fill_many(jobs)))


@pytest.mark.parametrize("name", RESPONSE_CASES)
def test_response_time(results, name):
    _, _, minutes, hours, mins, status, owed = RESPONSE_CASES[name]
    r = results[f"response/{name}"]
    assert r["response_minutes"] == str(minutes)
    assert (r["response_hours_part"], r["response_minutes_part"]) == (str(hours), str(mins))
    assert r["response_status"] == status
    assert r["compensation_owed"] == owed
    # the compensation message is shown exactly when compensation is owed, the breach one on breach
    assert ("compensation_note" in r.values) == (owed == "yes")
    assert ("breach_note" in r.values) == (status == "breach")
    assert "response_note" in r.values
    # and the team is asked whether the package was handed over only then
    assert ("referral_group/compensation_given" in r.values) == (owed == "yes")


def test_response_time_from_the_request_list(results):
    r = results["home_visit/from_list"]
    assert r["request_group/received_at"] == "2025-06-10T08:00:00.000+07:00"  # from visit_requests.csv
    assert r["request_group/request_id"] == "CH-250610-3FA9C1"
    assert r["request_group/patient_name"] == "Mbah Sarmi"
    assert r["response_minutes"] == "305" and r["response_status"] == "breach"
    # the compensation question is asked because compensation is owed
    assert "referral_group/compensation_given" in r.values


@pytest.mark.parametrize("name", TRIMESTER_CASES)
def test_gestational_age_and_trimester(results, name):
    _, weeks, trimester = TRIMESTER_CASES[name]
    r = results[f"trimester/{name}"]
    assert r["ga_weeks"] == str(weeks)
    assert r["trimester"] == trimester


def test_hpht_estimated_from_weeks_and_edd(results):
    r = results["trimester/ga_12_weeks"]
    assert r["hpht_effective"] == "2025-03-22"  # 84 days before the visit
    assert r["hpht_source"] == "gestational_age"
    assert r["edd"] == "2025-12-27"  # HPHT + 280 days
    r = results["trimester/hpht_85_days"]
    assert (r["hpht_effective"], r["hpht_source"], r["edd"]) == ("2025-03-21", "lmp", "2025-12-26")


def test_follow_up_visit_reads_the_pregnancy_list(results):
    r = results["anc/follow_up"]
    # pregnancies.csv: HPHT 2025-03-01, born 1995-02-01, parity 1
    assert r["p_hpht"] == "2025-03-01" and r["ga_days"] == "161" and r["ga_weeks"] == "23"
    assert r["trimester"] == "2"
    assert r["mother_age"] == "30" and r["p_parity"] == "1"
    assert "ga_weeks_entered" not in r.values  # not asked: the HPHT is known
    assert "t10/height_cm" not in r.values  # height only on the first visit


@pytest.mark.parametrize("name", RISK_CASES)
def test_risk_markers(results, name):
    _, field, expected = RISK_CASES[name]
    r = results[f"risk/{name}"]
    assert r[field] == expected
    assert r["high_risk"] == ("yes" if int(r["risk_count"]) > 0 else "no")
    assert ("risk_note" in r.values) == (r["high_risk"] == "yes")


@pytest.mark.parametrize("name", HOUSE_CASES)
def test_unhealthy_house(results, name):
    _, bad, unhealthy, followup = HOUSE_CASES[name]
    r = results[f"house/{name}"]
    assert r["bad_count"] == str(bad)
    assert r["unhealthy_house"] == unhealthy
    assert r["followup_needed"] == followup
    # the surveyor sees the verdicts
    assert ("result_unhealthy" in r.values) == (unhealthy == "yes")
    assert ("result_followup" in r.values) == (followup == "yes")


@pytest.mark.parametrize("form_id", ["household_registration", "house_condition", "visit_request", "home_visit",
                                     "anc_visit"])
def test_samples_are_complete_valid_submissions(results, form_id):
    r = results[f"sample/{form_id}"]
    assert r.valid, r.violations
    assert r.xml.startswith(f'<data id="{form_id}" version="'.encode())
    assert b"<instanceID>uuid:" in r.xml


def test_registration_creates_a_household_entity(results):
    r = results["sample/household_registration"]
    assert re.search(rb'<entity dataset="households" create="(1|true)" id="[0-9a-f-]{36}">', r.xml)
    assert r["meta/entity/label"] == "Mbah Sarmi – Sempu RT 1/RW 2 (Sempu Kidul)"
    assert r["lone_elderly_count"] == "1" and r["kenthongan_status"] == "yes"
    assert r.files and b"<sticker_photo>sticker.png</sticker_photo>" in r.xml


def test_visit_request_id_and_entity(results):
    r = results["sample/visit_request"]
    assert re.fullmatch(r"CH-250610-[0-9A-F]{6}", r["request_id"])
    assert re.fullmatch(r"[0-9A-F]{6}", r["request_key"]) and r["request_id"].endswith(r["request_key"])
    assert re.search(rb'<entity dataset="visit_requests" create="(1|true)"', r.xml)


def test_anc_creates_pregnancy_only_on_first_visit(results):
    assert re.search(rb'<entity dataset="pregnancies" create="(1|true)"', results["sample/anc_visit"].xml)
    assert re.search(rb'<entity dataset="pregnancies" create="(0|false)"', results["anc/follow_up"].xml)


def test_kenthongan_is_asked_only_for_lone_elderly(xform):
    answers, _ = sample("household_registration")
    # make the only member young: nobody elderly lives alone
    answers = [(p, "1990-01-01" if p == "members[1]/dob" else v) for p, v in answers]
    with pytest.raises(EngineError, match="kenthongan_installed is not relevant"):
        fill(xform("household_registration"), answers)


def test_out_of_range_vitals_are_rejected(xform):
    answers, attachments = sample("home_visit")
    answers = [(p, "300" if p == "vitals/bp_systolic" else v) for p, v in answers]
    r = fill(xform("home_visit"), answers, attachments)
    assert not r.valid
    assert [(v.path, v.condition) for v in r.violations] == [("vitals/bp_systolic", "constraint")]
    assert r.violations[0].message == "Sistolik 60–260 mmHg."


@pytest.mark.parametrize("case, paths", [
    ("constraint/gps_inaccurate", ["location/gps"]),
    # P = G breaks "P < G", and with it "P + A < G"
    ("constraint/parity_not_below_gravida", ["mother/parity", "mother/abortus"]),
])
def test_constraints_reject_bad_answers(results, case, paths):
    r = results[case]
    assert not r.valid
    assert [(v.path, v.condition) for v in r.violations] == [(p, "constraint") for p in paths]


def test_households_are_filtered_by_village(xform):
    media = attachments_for("house_condition")
    # HOUSEHOLD_ID lives in Jambewangi: not offered once Sempu is chosen
    with pytest.raises(EngineError, match="is not a choice here"):
        fill(xform("house_condition"), [("village", "35.10.20.2001"), ("household", HOUSEHOLD_ID)], media)
    r = fill(xform("house_condition"), [("village", "35.10.20.2002"), ("household", HOUSEHOLD_ID)], media)
    assert r["household_label"] == "Pak Slamet – Jambewangi RT 3/RW 1 (Krajan)"
