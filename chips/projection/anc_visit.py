"""anc_visit → anc_visits, and pregnancies on a first visit (forms/README.md); then the
pregnancy's SPM tally (``pregnancy_tallies``, chips/db/tally_tables.py) from all its visits."""

from __future__ import annotations

from chips.db.rows import Rows
from chips.db.schema import anc_visits, pregnancies
from chips.projection import Origin
from chips.projection import values as v
from chips.queries.anc_counts import refresh_tallies


def project(rows: Rows, origin: Origin, record: dict) -> None:
    visit_date = v.day(record, "visit_date")
    if visit_date is None:
        raise ValueError("anc_visit without a visit_date")
    first = v.yes_no(record, "first_visit")
    created = v.entity_id(record) if v.created(record) else None
    pregnancy = created or v.text(record, "pregnancy")
    household = v.text(record, "p_household") or v.text(record, "mother/household")
    village = v.text(record, "p_village") or v.text(record, "mother/village")
    hpht = v.day(record, "hpht_effective") or v.day(record, "p_hpht")
    if created:
        rows.add(
            pregnancies, dict(
                uuid=created, household_uuid=household, village_code=village,
                mother_name=v.text(record, "p_mother_name") or v.text(record, "mother/mother_name"),
                mother_dob=v.day(record, "p_mother_dob") or v.day(record, "mother/mother_dob"),
                gravida=v.integer(record, "p_gravida"),
                parity=v.integer(record, "p_parity"),
                hpht=hpht, hpht_source=v.text(record, "hpht_source"),
                edd=v.day(record, "edd"), first_visit_on=visit_date,
                **origin.columns(),
            )
        )
    rows.add(
        anc_visits, dict(
            pregnancy_uuid=pregnancy, household_uuid=household, village_code=village,
            visit_date=visit_date, first_visit=first,
            mother_age=v.integer(record, "mother_age"),
            hpht=hpht,
            ga_days=v.integer(record, "ga_days"),
            ga_weeks=v.integer(record, "ga_weeks"),
            trimester=v.integer(record, "trimester"),
            examined_by=v.text(record, "examiner/examined_by"),
            usg_done=v.yes_no(record, "examiner/usg_done"),
            weight_kg=v.decimal(record, "t10/weight_kg"),
            height_cm=v.decimal(record, "t10/height_cm"),
            systolic=v.integer(record, "t10/bp_systolic"),
            diastolic=v.integer(record, "t10/bp_diastolic"),
            lila_cm=v.decimal(record, "t10/lila_cm"),
            fundal_height_cm=v.decimal(record, "t10/fundal_height_cm"),
            fetal_presentation=v.text(record, "t10/fetal_presentation"),
            fetal_heart_rate=v.integer(record, "t10/fetal_heart_rate"),
            tt_status=v.text(record, "t10/tt_status"),
            tt_given=v.yes_no(record, "t10/tt_given"),
            iron_tablets=v.integer(record, "t10/iron_tablets"),
            hb_tested=v.yes_no(record, "t10/hb_tested"),
            hb_g_dl=v.decimal(record, "t10/hb_g_dl"),
            urine_protein=v.text(record, "t10/urine_protein"),
            hiv=v.text(record, "t10/hiv"),
            syphilis=v.text(record, "t10/syphilis"),
            hepatitis_b=v.text(record, "t10/hepatitis_b"),
            case_management=v.text(record, "t10/case_management"),
            counselling=v.text(record, "t10/counselling"),
            risk_kek=v.yes_no(record, "risk_kek"),
            risk_anaemia=v.yes_no(record, "risk_anaemia"),
            risk_hypertension=v.yes_no(record, "risk_hypertension"),
            risk_age=v.yes_no(record, "risk_age"),
            risk_parity=v.yes_no(record, "risk_parity"),
            risk_count=v.integer(record, "risk_count"),
            high_risk=v.yes_no(record, "high_risk"),
            referral=v.text(record, "referral"),
            next_visit_date=v.day(record, "next_visit_date"),
            **origin.columns(),
        )
    )
    # the insert's trigger drops the pregnancy's tally and queues it: once the rows are
    # written, the queued pregnancies are folded again (a few rows each, by index)
    rows.after_flush(refresh_tallies)
