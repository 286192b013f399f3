"""home_visit → home_visits (forms/README.md)."""

from __future__ import annotations

from chips.db.rows import Rows
from chips.db.schema import home_visits
from chips.projection import Origin
from chips.projection import values as v


def project(rows: Rows, origin: Origin, record: dict) -> None:
    rows.add(
        home_visits, dict(
            request_uuid=v.text(record, "request_group/request"),
            request_id=v.text(record, "request_group/request_id"),
            household_uuid=v.text(record, "request_group/household"),
            patient_name=v.text(record, "request_group/patient_name"),
            received_at=v.utc(record, "request_group/received_at"),
            departed_at=v.utc(record, "timing/departed_at"),
            arrived_at=v.utc(record, "timing/arrived_at"),
            visited_on=v.local_day(record, "timing/arrived_at"),
            response_minutes=v.integer(record, "response_minutes"),
            response_status=v.text(record, "response_status"),
            compensation_owed=v.yes_no(record, "compensation_owed"),
            doctor_name=v.text(record, "team/doctor_name"),
            driver_name=v.text(record, "team/driver_name"),
            systolic=v.integer(record, "vitals/bp_systolic"),
            diastolic=v.integer(record, "vitals/bp_diastolic"),
            temperature=v.decimal(record, "vitals/temperature"),
            pulse=v.integer(record, "vitals/pulse"),
            respiration=v.integer(record, "vitals/respiration"),
            blood_sugar=v.decimal(record, "vitals/blood_sugar"),
            blood_sugar_kind=v.text(record, "vitals/blood_sugar_kind"),
            hypertension=v.yes_no(record, "hypertension_flag"),
            diagnosis=v.text(record, "care/diagnosis"),
            icd10=v.text(record, "care/icd10"),
            treatment=v.text(record, "care/treatment"),
            medicines=v.text(record, "care/medicines"),
            medicines_other=v.text(record, "care/medicines_other"),
            referral=v.text(record, "referral_group/referral"),
            ambulance_called=v.yes_no(record, "referral_group/ambulance_called"),
            transport_service=v.text(record, "referral_group/transport_service"),
            compensation_given=v.yes_no(record, "referral_group/compensation_given"),
            photo=v.text(record, "photo"),
            **origin.columns(),
        )
    )
