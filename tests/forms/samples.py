"""Complete, valid answers for each form, and the entity-list CSVs the follow-up forms read.

Other test suites use these to make real submissions with the XForm engine:

    from tests.forms.samples import sample
    from tests.support.engine import fill
    answers, attachments = sample("home_visit")
    result = fill(built_dir / "home_visit.xml", answers, attachments)   # result.valid is True

Dates are in 2025 so that the forms' "not in the future" constraints hold on any clock
after that. Entity ids in the CSVs are fixed uuids, so tests can refer to them.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
PHOTO = FIXTURES / "sticker.png"

HOUSEHOLD_ID = "8a7c2f0e-1111-4c3b-9d7e-0000000000a1"
HOUSEHOLD_ID_2 = "8a7c2f0e-1111-4c3b-9d7e-0000000000a2"
REQUEST_ID = "5b1d9e3c-2222-4a6f-8c0d-0000000000b1"
PREGNANCY_ID = "c3e4f5a6-3333-4b7c-8d9e-0000000000c1"

HOUSEHOLD_COLUMNS = ["name", "label", "village", "village_name", "dusun", "rt", "rw", "address", "geometry",
                     "head_name", "phone", "poverty", "member_count", "elderly_count", "lone_elderly_count",
                     "pregnant_count", "under_five_count", "sticker_serial", "kenthongan", "registered_on"]
REQUEST_COLUMNS = ["name", "label", "request_id", "received_at", "household", "village", "patient_name", "urgency"]
PREGNANCY_COLUMNS = ["name", "label", "mother_name", "mother_dob", "household", "village", "gravida", "parity",
                     "hpht", "hpht_source", "edd"]


def to_csv(columns: list[str], rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: row.get(c, "") for c in columns})
    return out.getvalue().encode("utf-8")


def households_csv(rows: list[dict[str, str]] | None = None) -> bytes:
    rows = rows if rows is not None else [
        {"name": HOUSEHOLD_ID, "label": "Pak Slamet – Jambewangi RT 3/RW 1 (Krajan)", "village": "35.10.20.2002",
         "village_name": "Jambewangi", "dusun": "Krajan", "rt": "3", "rw": "1", "address": "dekat rel",
         "geometry": "-8.2607 114.1234 120 5", "head_name": "Pak Slamet", "poverty": "dtks", "member_count": "2",
         "elderly_count": "1", "lone_elderly_count": "0", "pregnant_count": "1", "under_five_count": "0",
         "sticker_serial": "SMP-0001", "kenthongan": "not_needed", "registered_on": "2025-05-02"},
        {"name": HOUSEHOLD_ID_2, "label": "Mbah Sarmi – Sempu RT 1/RW 2 (Sempu Kidul)", "village": "35.10.20.2001",
         "village_name": "Sempu", "dusun": "Sempu Kidul", "rt": "1", "rw": "2", "address": "tepi sungai",
         "geometry": "-8.3101 114.1368 110 4", "head_name": "Mbah Sarmi", "poverty": "dtks", "member_count": "1",
         "elderly_count": "1", "lone_elderly_count": "1", "pregnant_count": "0", "under_five_count": "0",
         "sticker_serial": "SMP-0002", "kenthongan": "yes", "registered_on": "2025-05-03"},
    ]
    return to_csv(HOUSEHOLD_COLUMNS, rows)


def visit_requests_csv(rows: list[dict[str, str]] | None = None) -> bytes:
    rows = rows if rows is not None else [
        {"name": REQUEST_ID, "label": "CH-250610-3FA9C1 – Mbah Sarmi – Mbah Sarmi – Sempu RT 1/RW 2",
         "request_id": "CH-250610-3FA9C1", "received_at": "2025-06-10T08:00:00.000+07:00",
         "household": HOUSEHOLD_ID_2, "village": "35.10.20.2001", "patient_name": "Mbah Sarmi", "urgency": "urgent"},
    ]
    return to_csv(REQUEST_COLUMNS, rows)


def pregnancies_csv(rows: list[dict[str, str]] | None = None) -> bytes:
    rows = rows if rows is not None else [
        {"name": PREGNANCY_ID, "label": "Bu Siti – HPHT 2025-03-01 – Pak Slamet – Jambewangi RT 3/RW 1 (Krajan)",
         "mother_name": "Bu Siti", "mother_dob": "1995-02-01", "household": HOUSEHOLD_ID, "village": "35.10.20.2002",
         "gravida": "2", "parity": "1", "hpht": "2025-03-01", "hpht_source": "lmp", "edd": "2025-12-06"},
    ]
    return to_csv(PREGNANCY_COLUMNS, rows)


def attachments_for(form_id: str) -> dict[str, bytes]:
    return {
        "household_registration": {},
        "house_condition": {"households.csv": households_csv()},
        "visit_request": {"households.csv": households_csv()},
        "home_visit": {"visit_requests.csv": visit_requests_csv()},
        "anc_visit": {"households.csv": households_csv(), "pregnancies.csv": pregnancies_csv()},
    }[form_id]


def _registration() -> list[tuple[str, str]]:
    return [
        ("consent", "yes"),
        ("location/village", "35.10.20.2001"), ("location/dusun", "Sempu Kidul"),
        ("location/rt", "1"), ("location/rw", "2"), ("location/address", "tepi sungai, rumah bambu"),
        ("location/gps", "-8.3101 114.1368 110 4"),
        ("household/head_name", "Mbah Sarmi"), ("household/phone", "081234567890"), ("household/poverty", "dtks"),
        ("members[1]/member_name", "Mbah Sarmi"), ("members[1]/sex", "female"), ("members[1]/dob", "1948-07-01"),
        ("members[1]/relation", "head"), ("members[1]/lives_alone", "yes"), ("members[1]/disability", "physical"),
        ("members[1]/jkn", "pbi"),
        ("sticker/sticker_installed", "yes"), ("sticker/sticker_serial", "SMP-0002"),
        ("sticker/sticker_phone", "081298765432"), ("sticker/sticker_date", "2025-05-03"),
        ("sticker/sticker_photo", str(PHOTO)),
        ("kenthongan/kenthongan_installed", "yes"), ("kenthongan/kenthongan_date", "2025-05-03"),
    ]


def _house_condition() -> list[tuple[str, str]]:
    return [
        ("survey_date", "2025-06-12"), ("village", "35.10.20.2001"), ("household", HOUSEHOLD_ID_2),
        ("house/floor", "earth"), ("house/wall", "bamboo"), ("house/roof", "tile"),
        ("house/ventilation", "inadequate"), ("house/lighting", "adequate"), ("house/windows", "opened_daily"),
        ("house/latrine", "none"), ("house/water_source", "protected_well"), ("house/waste", "burned"),
        ("nutrition/nutrition_concern", "yes"), ("nutrition/nutrition_kind", "elderly_not_eating"),
        ("photo", str(PHOTO)),
    ]


def _visit_request() -> list[tuple[str, str]]:
    return [
        ("received_at", "2025-06-10T08:00:00.000+07:00"),
        ("reporter/reporter_type", "neighbour"), ("reporter/channel", "sticker_call"),
        ("reporter/serial_read", "yes"), ("reporter/sticker_serial", "SMP-0002"),
        ("reporter/reporter_name", "Bu Wati"), ("reporter/reporter_phone", "085712345678"),
        ("place/household_known", "yes"), ("place/village", "35.10.20.2001"), ("place/household", HOUSEHOLD_ID_2),
        ("patient/patient_name", "Mbah Sarmi"), ("patient/patient_sex", "female"), ("patient/patient_age", "77"),
        ("patient/patient_group", "elderly elderly_alone"),
        ("complaint/complaint_kind", "fever weak"), ("complaint/complaint_text", "demam tiga hari, lemas"),
        ("complaint/urgency", "urgent"),
    ]


def _home_visit() -> list[tuple[str, str]]:
    return [
        ("request_group/request_listed", "yes"), ("request_group/request", REQUEST_ID),
        ("timing/departed_at", "2025-06-10T09:15:00.000+07:00"), ("timing/arrived_at", "2025-06-10T10:30:00.000+07:00"),
        ("team/doctor_name", "dr. Rina"), ("team/driver_name", "Pak Joko"),
        ("vitals/bp_systolic", "150"), ("vitals/bp_diastolic", "90"), ("vitals/temperature", "38.2"),
        ("vitals/pulse", "96"), ("vitals/respiration", "22"), ("vitals/sugar_measured", "yes"),
        ("vitals/blood_sugar_kind", "random"), ("vitals/blood_sugar", "145"),
        ("care/diagnosis", "ISPA, hipertensi"), ("care/icd10", "J06.9"), ("care/treatment", "edukasi, obat"),
        ("care/medicines", "paracetamol amlodipine"),
        ("referral_group/referral", "none"), ("referral_group/transport_service", "none"),
        ("referral_group/compensation_given", "yes"),
    ]


def _anc_first_visit() -> list[tuple[str, str]]:
    return [
        ("visit_date", "2025-06-14"), ("first_visit", "yes"),
        ("mother/village", "35.10.20.2002"), ("mother/household", HOUSEHOLD_ID),
        ("mother/mother_name", "Bu Siti"), ("mother/mother_dob", "1995-02-01"),
        ("mother/gravida", "2"), ("mother/parity", "1"), ("mother/abortus", "0"),
        ("mother/hpht_known", "yes"), ("mother/hpht", "2025-03-01"),
        ("examiner/examined_by", "bidan"), ("examiner/usg_done", "no"),
        ("t10/weight_kg", "52.5"), ("t10/height_cm", "152"), ("t10/bp_systolic", "110"), ("t10/bp_diastolic", "70"),
        ("t10/lila_cm", "24.5"), ("t10/fundal_height_cm", "12"), ("t10/fetal_presentation", "not_determined"),
        ("t10/fetal_heart_rate", "140"), ("t10/tt_status", "tt2"), ("t10/tt_given", "yes"),
        ("t10/iron_tablets", "30"), ("t10/hb_tested", "yes"), ("t10/hb_g_dl", "11.8"),
        ("t10/urine_protein", "negative"), ("t10/hiv", "non_reactive"), ("t10/syphilis", "non_reactive"),
        ("t10/hepatitis_b", "non_reactive"), ("t10/case_management", "none_needed"),
        ("t10/counselling", "nutrition danger_signs kia_book"),
        ("referral", "none"), ("next_visit_date", "2025-07-14"),
    ]


SAMPLES = {
    "household_registration": _registration,
    "house_condition": _house_condition,
    "visit_request": _visit_request,
    "home_visit": _home_visit,
    "anc_visit": _anc_first_visit,
}


def sample(form_id: str) -> tuple[list[tuple[str, str]], dict[str, bytes]]:
    """Answers (ordered) and media attachments that make a complete, valid submission."""
    return SAMPLES[form_id](), attachments_for(form_id)
