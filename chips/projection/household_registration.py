"""household_registration → households, members, installations (forms/README.md)."""

from __future__ import annotations

from chips.db.rows import Rows
from chips.db.schema import households, installations, members
from chips.projection import Origin
from chips.projection import values as v
from chips.records import rows as repeats


def project(rows: Rows, origin: Origin, record: dict) -> None:
    uuid = v.entity_id(record)
    if not uuid or not v.created(record):
        return  # no consent: the household is not registered (the raw record stays)
    lat, lon, alt, acc = v.geopoint(record, "location/gps")
    rows.add(
        households, dict(
            uuid=uuid,
            village_code=v.text(record, "location/village"),
            village_name=v.text(record, "location/village_name"),
            dusun=v.text(record, "location/dusun"),
            rt=v.text(record, "location/rt"),
            rw=v.text(record, "location/rw"),
            address=v.text(record, "location/address"),
            head_name=v.text(record, "household/head_name"),
            phone=v.text(record, "household/phone"),
            latitude=lat, longitude=lon, altitude=alt, accuracy=acc,
            poverty_status=v.text(record, "household/poverty"),
            member_count=v.integer(record, "member_count"),
            elderly_count=v.integer(record, "elderly_count"),
            lone_elderly_count=v.integer(record, "lone_elderly_count"),
            pregnant_count=v.integer(record, "pregnant_count"),
            under_five_count=v.integer(record, "under_five_count"),
            sticker_serial=v.text(record, "sticker/sticker_serial"),
            kenthongan_status=v.text(record, "kenthongan_status"),
            registered_on=v.day(record, "registered_on") or v.day(record, "today"),
            **origin.columns(),
        )
    )
    member_rows = [
        dict(
            household_uuid=uuid,
            position=i,
            name=v.text(m, "member_name"),
            sex=v.text(m, "sex"),
            birth_date=v.day(m, "dob"),
            age_years=v.integer(m, "age_years"),
            relation=v.text(m, "relation"),
            pregnant=v.yes_no(m, "pregnant"),
            lives_alone=v.yes_no(m, "lives_alone"),
            disability=v.text(m, "disability"),
            jkn=v.text(m, "jkn"),
            is_elderly=v.yes_no(m, "is_elderly"),
            is_lone_elderly=v.yes_no(m, "is_lone_elderly"),
            is_under_five=v.yes_no(m, "is_under_five"),
            **origin.columns(),
        )
        for i, m in enumerate(repeats(record.get("members")), start=1)
    ]
    if member_rows:
        rows.add_many(members, member_rows)
    if v.yes_no(record, "sticker/sticker_installed"):
        rows.add(
            installations, dict(
                household_uuid=uuid, kind="sticker",
                serial=v.text(record, "sticker/sticker_serial"),
                phone_on_sticker=v.text(record, "sticker/sticker_phone"),
                installed_on=v.day(record, "sticker/sticker_date"),
                photo=v.text(record, "sticker/sticker_photo"),
                **origin.columns(),
            )
        )
    if v.yes_no(record, "kenthongan/kenthongan_installed"):
        rows.add(
            installations, dict(
                household_uuid=uuid, kind="kenthongan",
                installed_on=v.day(record, "kenthongan/kenthongan_date"),
                **origin.columns(),
            )
        )
