"""house_condition → house_surveys and their follow-ups (forms/README.md)."""

from __future__ import annotations

from chips.db.rows import Rows
from chips.db.schema import followups, house_surveys
from chips.projection import Origin
from chips.projection import values as v

FOLLOWUP_KINDS = ("unhealthy_house", "no_latrine", "nutrition")


def project(rows: Rows, origin: Origin, record: dict) -> None:
    household = v.text(record, "household")
    village = v.text(record, "village")
    surveyed_on = v.day(record, "survey_date") or v.day(record, "today")
    reasons = [r for r in v.choices(record, "followup_reasons") if r in FOLLOWUP_KINDS]
    rows.add(
        house_surveys, dict(
            household_uuid=household,
            village_code=village,
            surveyed_on=surveyed_on,
            floor=v.text(record, "house/floor"),
            wall=v.text(record, "house/wall"),
            roof=v.text(record, "house/roof"),
            ventilation=v.text(record, "house/ventilation"),
            lighting=v.text(record, "house/lighting"),
            windows=v.text(record, "house/windows"),
            latrine=v.text(record, "house/latrine"),
            water_source=v.text(record, "house/water_source"),
            waste=v.text(record, "house/waste"),
            nutrition_concern=v.yes_no(record, "nutrition/nutrition_concern"),
            nutrition_kind=v.text(record, "nutrition/nutrition_kind"),
            bad_count=v.integer(record, "bad_count"),
            unhealthy=v.yes_no(record, "unhealthy_house"),
            followup_needed=v.yes_no(record, "followup_needed"),
            followup_reasons=" ".join(reasons) or None,
            photo=v.text(record, "photo"),
            notes=v.text(record, "notes"),
            **origin.columns(),
        )
    )
    for kind in reasons:
        rows.add(
            followups, dict(
                key=f"{origin.logical_id}:{kind}", household_uuid=household, village_code=village,
                kind=kind, found_on=surveyed_on, **origin.columns(),
            )
        )
