"""visit_request → visit_requests (forms/README.md)."""

from __future__ import annotations

from chips.db.rows import Rows
from chips.db.schema import visit_requests
from chips.projection import Origin
from chips.projection import values as v


def project(rows: Rows, origin: Origin, record: dict) -> None:
    received_at = v.utc(record, "received_at") or origin.submitted_at or origin.received_at
    rows.add(
        visit_requests, dict(
            uuid=v.entity_id(record),
            request_id=v.text(record, "request_id") or origin.instance_id,
            household_uuid=v.text(record, "household_saved") or v.text(record, "place/household"),
            village_code=v.text(record, "village_saved") or v.text(record, "place/village"),
            dusun=v.text(record, "place/dusun"),
            rt=v.text(record, "place/rt"),
            rw=v.text(record, "place/rw"),
            address=v.text(record, "place/address"),
            received_at=received_at,
            received_on=v.local_day(record, "received_at") or received_at.date(),
            reporter_type=v.text(record, "reporter/reporter_type"),
            channel=v.text(record, "reporter/channel"),
            sticker_serial=v.text(record, "reporter/sticker_serial"),
            patient_name=v.text(record, "patient/patient_name"),
            patient_sex=v.text(record, "patient/patient_sex"),
            patient_age=v.integer(record, "patient/patient_age"),
            patient_group=v.text(record, "patient/patient_group"),
            complaint_kind=v.text(record, "complaint/complaint_kind"),
            complaint_text=v.text(record, "complaint/complaint_text"),
            urgency=v.text(record, "complaint/urgency"),
            **origin.columns(),
        )
    )
