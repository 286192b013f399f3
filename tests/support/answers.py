"""Answers for each form (paths from forms/README.md), nested like the submission record."""

from __future__ import annotations

from typing import Any


def house_condition(household: str, **overrides: Any) -> dict[str, Any]:
    answers = {
        "survey_date": "2026-11-25", "village": "35.10.20.2001", "household": household,
        "house": {"floor": "earth", "wall": "bamboo", "roof": "leaking", "ventilation": "inadequate",
                  "lighting": "adequate", "windows": "none", "latrine": "none",
                  "water_source": "unprotected_well", "waste": "dumped"},
        "nutrition": {"nutrition_concern": "yes", "nutrition_kind": "elderly_not_eating no_food"},
        "photo": "house.jpg", "bad_count": "7", "unhealthy_house": "yes", "followup_needed": "yes",
        "followup_reasons": "unhealthy_house no_latrine nutrition",
    }
    answers.update(overrides)
    return answers


def visit_request(household: str, **overrides: Any) -> dict[str, Any]:
    answers = {
        "received_at": "2026-11-25T08:00:00.000+07:00",
        "reporter": {"reporter_type": "neighbour", "channel": "sticker_whatsapp", "serial_read": "yes",
                     "sticker_serial": "CHIPS-0001"},
        "place": {"household_known": "yes", "village": "35.10.20.2001", "household": household},
        "patient": {"patient_name": "Pak Slamet", "patient_sex": "male", "patient_age": "76",
                    "patient_group": "elderly elderly_alone"},
        "complaint": {"complaint_kind": "fever weak", "complaint_text": "Demam tiga hari", "urgency": "urgent"},
        "request_id": "CH-261125-ABC123", "received_at_saved": "2026-11-25T08:00:00.000+07:00",
        "household_saved": household, "village_saved": "35.10.20.2001", "patient_saved": "Pak Slamet",
        "urgency_saved": "urgent",
    }
    answers.update(overrides)
    return answers


def home_visit(request_uuid: str, household: str, **overrides: Any) -> dict[str, Any]:
    answers = {
        "request_group": {"request_listed": "yes", "request": request_uuid, "request_id": "CH-261125-ABC123",
                          "received_at": "2026-11-25T08:00:00.000+07:00", "patient_name": "Pak Slamet",
                          "household": household},
        "timing": {"departed_at": "2026-11-25T09:30:00.000+07:00", "arrived_at": "2026-11-25T10:30:00.000+07:00"},
        "response_minutes": "150", "response_status": "late", "compensation_owed": "yes",
        "team": {"doctor_name": "dr. Ani", "driver_name": "Budi"},
        "vitals": {"bp_systolic": "150", "bp_diastolic": "95", "temperature": "38.2", "pulse": "96",
                   "respiration": "22", "sugar_measured": "no"},
        "hypertension_flag": "yes",
        "care": {"diagnosis": "ISPA", "treatment": "Istirahat", "medicines": "paracetamol vitamins"},
        "referral_group": {"referral": "none", "ambulance_called": "no", "transport_service": "none",
                           "compensation_given": "yes"},
    }
    answers.update(overrides)
    return answers


def anc_first_visit(household: str, **overrides: Any) -> dict[str, Any]:
    answers = {
        "visit_date": "2026-11-26", "first_visit": "yes",
        "mother": {"village": "35.10.20.2001", "household": household, "mother_name": "Siti",
                   "mother_dob": "2000-07-15", "gravida": "1", "parity": "0", "abortus": "0",
                   "hpht_known": "yes", "hpht": "2026-09-01"},
        "p_hpht": "2026-09-01", "p_mother_dob": "2000-07-15", "p_parity": "0", "p_gravida": "1",
        "p_household": household, "p_village": "35.10.20.2001", "p_mother_name": "Siti",
        "ga_days": "86", "ga_weeks": "12", "ga_days_part": "2", "trimester": "2",
        "hpht_effective": "2026-09-01", "hpht_source": "lmp", "edd": "2027-06-08", "mother_age": "26",
        "examiner": {"examined_by": "doctor", "usg_done": "yes"},
        "t10": {"weight_kg": "52.5", "height_cm": "150", "bp_systolic": "110", "bp_diastolic": "70",
                "lila_cm": "22.0", "fundal_height_cm": "12", "fetal_presentation": "not_determined",
                "fetal_heart_rate": "150", "tt_status": "tt2", "tt_given": "no", "iron_tablets": "30",
                "hb_tested": "yes", "hb_g_dl": "10.5", "urine_protein": "negative", "hiv": "non_reactive",
                "syphilis": "non_reactive", "hepatitis_b": "non_reactive", "case_management": "treated",
                "counselling": "nutrition iron"},
        "risk_kek": "yes", "risk_anaemia": "yes", "risk_hypertension": "no", "risk_age": "no",
        "risk_parity": "no", "risk_count": "2", "high_risk": "yes", "referral": "none",
        "next_visit_date": "2026-12-26",
    }
    answers.update(overrides)
    return answers


def anc_later_visit(pregnancy: str, household: str, **overrides: Any) -> dict[str, Any]:
    answers = anc_first_visit(household, visit_date="2026-12-26", first_visit="no", pregnancy=pregnancy,
                              ga_days="116", ga_weeks="16", trimester="2")
    answers.pop("mother")
    answers.update(overrides)
    return answers
