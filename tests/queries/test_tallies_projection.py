"""The stored tallies through the real ingest path: home visits and ANC visits created,
edited (a new version supersedes the old) and deleted at the source keep ``patient_years``
and ``pregnancy_tallies`` equal to recomputing them from the visits, the SPM counts equal
the rules' throughout, and ``chips db reproject`` rebuilds both tables to the same rows."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select

from chips.db import schema as s
from chips.db.tally_tables import patient_years, pregnancy_tallies, pregnancy_tallies_due
from chips.ingest import mark_deleted, reproject
from chips.queries import anc as anc_queries
from chips.queries import spm as q
from chips.queries.anc_counts import PregnancyFacts, pregnancy_facts
from chips.rules.anc import AncConfig
from chips.rules.anc_standards import PRESETS
from chips.rules.spm import SpmConfig, anc_hiv_test, anc_to_standard, diabetes_care, hypertension_care
from tests.queries.test_patient_years import current_visits, expected, stored
from tests.support import answers as a
from tests.support.db import dump_tables
from tests.support.store import post
from tests.support.submissions import household_answers

TALLIES = ["patient_years", "pregnancy_tallies", "pregnancy_tallies_due"]


_post = post


def _delete(store, instance_id):
    with store.engine.begin() as conn:
        assert mark_deleted(conn, source="test", instance_id=instance_id).status == "deleted"


def _home_visit(req, hh, day, sbp, sugar, name="Pak Slamet"):
    vitals = {"bp_systolic": str(sbp), "bp_diastolic": "85", "temperature": "37.0", "pulse": "80", "respiration": "20",
              "sugar_measured": "yes" if sugar else "no", "blood_sugar_kind": "random" if sugar else None,
              "blood_sugar": str(sugar) if sugar else None}
    answers = a.home_visit(req, hh, vitals=vitals,
                           timing={"departed_at": f"{day}T09:30:00.000+07:00", "arrived_at": f"{day}T10:30:00.000+07:00"})
    answers["request_group"]["patient_name"] = name
    return answers


def _tallies_equal_fold(conn) -> set[str]:
    """Every stored tally is the fold of its visits; returns the pregnancies without one."""
    folded = {f.uuid: f for f in pregnancy_facts(conn, select(s.pregnancies.c.uuid))}
    rows = {r.pregnancy_uuid: PregnancyFacts.of_row(r) for r in conn.execute(select(pregnancy_tallies))}
    assert all(folded[u] == f for u, f in rows.items())
    return set(folded) - set(rows)


def _counts_equal_rules(conn, year, as_of):
    config, spm = AncConfig(), SpmConfig()
    built = anc_queries.pregnancies_for_year(conn, year, config)
    for standard in PRESETS.values():
        anc, hiv = q.anc_rows(conn, year, as_of, standard, config, {})
        assert [*anc, *hiv] == [*anc_to_standard(built, year, as_of, standard, config, {}),
                                *anc_hiv_test(built, year, as_of, config, {})]
    if year == 2027:
        assert anc[-1].denominator == 2 and hiv[-1].numerator >= 1  # both pregnancies ended in 2027
    for code, rules in (("hypertension", hypertension_care), ("diabetes", diabetes_care)):
        pairs = q.case_measurements(conn, code, year, spm)
        plain = rules(q._people(conn, pairs), [m for m, _ in pairs], year, as_of, spm)
        ours = q.care_tallies(conn, year, as_of, spm)[0 if code == "hypertension" else 1]
        assert {r.village: (r.numerator, r.denominator) for r in plain if r.village} == dict(ours)


def test_tallies_follow_edits_deletions_and_reproject(store):
    hh, req, preg1, preg2 = (str(uuid.uuid4()) for _ in range(4))
    _post(store, "household_registration", household_answers(), entity_id=hh, instance_id="uuid:h1", entity_label="HH1")
    _post(store, "visit_request", a.visit_request(hh), entity_id=req, entity_label="CH-261125-ABC123 – Pak Slamet")
    readings = [("2026-01-10", 150, 250), ("2026-02-11", 120, None), ("2026-03-09", 130, 120), ("2026-04-14", 125, 110),
                ("2025-12-20", 118, None), ("2026-05-02", 160, 90)]
    for i, (day, sbp, sugar) in enumerate(readings):
        _post(store, "home_visit", _home_visit(req, hh, day, sbp, sugar), instance_id=f"uuid:hv{i}")
    _post(store, "home_visit", _home_visit(req, hh, "2026-02-15", 119, None, name="Siti"), instance_id="uuid:hv-siti")
    # an edit moves a visit to another month with another reading; a deletion takes one away
    _post(store, "home_visit", _home_visit(req, hh, "2026-06-03", 122, 115), instance_id="uuid:hv1b",
          deprecated_id="uuid:hv1")
    _delete(store, "uuid:hv5")
    _post(store, "home_visit", _home_visit(req, hh, "2026-02-20", 141, None, name=" siti "), instance_id="uuid:hv-siti-b",
          deprecated_id="uuid:hv-siti")

    _post(store, "anc_visit", a.anc_first_visit(hh), entity_id=preg1, instance_id="uuid:a1", entity_label="Siti 1")
    later = [("2026-12-26", "116", "non_reactive"), ("2027-02-10", "162", None), ("2027-04-01", "212", None)]
    for i, (day, ga, hiv) in enumerate(later):
        t10 = {**a.anc_first_visit(hh)["t10"], "hiv": hiv}
        _post(store, "anc_visit", a.anc_later_visit(preg1, hh, visit_date=day, ga_days=ga, ga_weeks=str(int(ga) // 7),
                                                   t10=t10), instance_id=f"uuid:a1-{i}", entity_create="false")
    _post(store, "anc_visit", a.anc_first_visit(hh, visit_date="2026-10-01", ga_days="30", ga_weeks="4"),
          entity_id=preg2, instance_id="uuid:a2", entity_label="Siti 2")
    with store.engine.connect() as conn:
        assert _tallies_equal_fold(conn) == set()
        assert stored(conn) == expected(current_visits(conn))
    # an edit of a later visit (re-projected at once), a deletion (folded at read time until
    # the next ANC visit comes in), an edit of the first visit (the pregnancy row again)
    t10 = {**a.anc_first_visit(hh)["t10"], "hiv": "reactive", "examined_by": "doctor"}
    _post(store, "anc_visit", a.anc_later_visit(preg1, hh, visit_date="2027-02-12", ga_days="164", ga_weeks="23", t10=t10),
          instance_id="uuid:a1-1b", deprecated_id="uuid:a1-1", entity_create="false")
    _delete(store, "uuid:a1-2")
    with store.engine.connect() as conn:
        assert _tallies_equal_fold(conn) == {preg1}
        assert {u for (u,) in conn.execute(select(pregnancy_tallies_due))} == {preg1}
        _counts_equal_rules(conn, 2027, date(2027, 12, 31))
        _counts_equal_rules(conn, 2026, date(2026, 4, 20))
    _post(store, "anc_visit", a.anc_first_visit(hh, visit_date="2026-10-05", ga_days="34", ga_weeks="4",
                                                mother={**a.anc_first_visit(hh)["mother"], "village": "35.10.20.2002"},
                                                p_village="35.10.20.2002"),
          entity_id=preg2, instance_id="uuid:a2b", deprecated_id="uuid:a2", entity_label="Siti 2")
    with store.engine.connect() as conn:
        assert _tallies_equal_fold(conn) == set()  # the queued pregnancy was folded with the next visit
        assert conn.execute(select(pregnancy_tallies_due)).all() == []
        assert stored(conn) == expected(current_visits(conn))
        _counts_equal_rules(conn, 2027, date(2027, 12, 31))
        _counts_equal_rules(conn, 2026, date(2026, 4, 20))
        years = stored(conn)
    assert {k[2] for k in years} == {"pak slamet", "siti"} and len(years) == 3

    before = _dump(store)
    assert before["pregnancy_tallies"] and before["patient_years"]
    with store.engine.begin() as conn:
        reproject(conn, store.settings)
    assert _dump(store) == before


def _dump(store) -> dict:
    """The tally tables; a patient-year's newest visit by its submission's logical id (a
    reprojection gives the visits new ids)."""
    dump = dump_tables(store.engine, TALLIES, skip_columns={"last_id"})
    with store.engine.connect() as conn:
        dump["last_visits"] = sorted(conn.execute(
            select(patient_years.c.year, patient_years.c.household_key, patient_years.c.who, s.home_visits.c.logical_id)
            .join_from(patient_years, s.home_visits, s.home_visits.c.id == patient_years.c.last_id)).all())
    assert len(dump["last_visits"]) == len(dump["patient_years"])
    return dump


def test_the_tallies_migration_over_existing_data_gives_the_tallies_of_the_live_path(store):
    """A database projected before migration 0401: downgrading the tallies branch and
    upgrading again (the migration queues every pregnancy, ``upgrade`` folds the queue with
    the application's code) leaves the same tally tables as keeping them all along."""
    from alembic import command
    from sqlalchemy import inspect

    from chips.db.migrate import alembic_config, upgrade

    hh, preg = str(uuid.uuid4()), str(uuid.uuid4())
    _post(store, "household_registration", household_answers(), entity_id=hh, instance_id="uuid:h1", entity_label="HH1")
    _post(store, "anc_visit", a.anc_first_visit(hh), entity_id=preg, instance_id="uuid:a1", entity_label="Siti")
    t10 = {**a.anc_first_visit(hh)["t10"], "hiv": "non_reactive"}
    _post(store, "anc_visit", a.anc_later_visit(preg, hh, visit_date="2026-12-26", ga_days="116", ga_weeks="16",
                                               t10=t10), instance_id="uuid:a2", entity_create="false")
    before = _dump(store)
    assert before["pregnancy_tallies"]
    cfg = alembic_config()
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "tallies@0001_core")
        assert not inspect(conn).has_table("pregnancy_tallies")
    upgrade(store.engine)
    assert _dump(store) == before
