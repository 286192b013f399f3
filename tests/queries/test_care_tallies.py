"""Services 8 and 9 (hypertension and diabetes care) counted from one aggregated row per
patient (chips.queries.spm.care_tallies) equal the rules' hypertension_care and
diabetes_care over the measurements and people the plain queries load."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest

from chips.db.migrate import upgrade
from chips.db.schema import home_visits, households, members, submissions, visit_requests
from chips.queries import spm as q
from chips.queries.scope import ALL, Scope
from chips.rules.spm import SpmConfig, _tally, diabetes_care, hypertension_care

YEAR = 2025
VILLAGES = ["35.10.20.2001", "35.10.20.2002", None]


@pytest.fixture
def store(db_url):
    engine = upgrade(db_url)
    rnd = random.Random(7)
    hh, mem, reqs, visits = [], [], [], []
    for i in range(150):
        registered = rnd.random() < 0.85  # some patients' households were never registered
        if registered:
            hh.append({"uuid": f"h{i}", "village_code": rnd.choice(VILLAGES),
                       "registered_on": rnd.choice([date(2023, 5, 1), date(2025, 3, 1), None])})
        for pos in range(1, rnd.randrange(2, 5)):
            if registered and rnd.random() < 0.8:  # some patients are not on the member list
                mem.append({"household_uuid": f"h{i}", "position": pos, "name": rnd.choice([f"Warga {pos}", f"WARGA {pos} "]),
                            "birth_date": rnd.choice([date(1950, 6, 1), date(2015, 1, 1), date(1980, 12, 31), None]),
                            "age_years": rnd.choice([70, 8, None, 40])})
    for j in range(2500):
        h = rnd.randrange(150)
        on = date(YEAR - 1, 1, 1) + timedelta(days=rnd.randrange(0, 800))
        reqs.append({"request_id": f"R{j}", "household_uuid": f"h{h}", "received_at": datetime.combine(on, datetime.min.time()),
                     "received_on": rnd.choice([on, None]), "patient_age": rnd.choice([60, 10, None, 30, 14])})
        visits.append({"request_id": rnd.choice([f"R{j}", None]), "household_uuid": f"h{h}",
                       "patient_name": rnd.choice(["Warga 1", " warga 1", "Warga 2", "Warga 3", "Tamu", None]),
                       "visited_on": on, "systolic": rnd.choice([120, 150, None]), "diastolic": rnd.choice([80, 95, None]),
                       "blood_sugar": rnd.choice([110.0, 250.0, None, 200.0]),
                       "icd10": rnd.choice([None, "I10", "i15.0", "I16", "E11", "E9", "J06", "I1x"])})
    for h in range(12):  # patients seen every month, so that some meet the standard
        for month in range(1, 13):
            for y in (YEAR - 1, YEAR):
                visits.append({"request_id": None, "household_uuid": f"h{h}", "patient_name": "Warga 1",
                               "visited_on": date(y, month, 3 + h),
                               "systolic": 150 if month == 2 else 120, "diastolic": 80,
                               "blood_sugar": 250.0 if month == 5 else 120.0, "icd10": None})
    with engine.begin() as conn:
        sid = conn.execute(submissions.insert().values(
            instance_id="uuid:t", logical_id="uuid:t", form_id="home_visit", form_version="1", source="test",
            received_at=datetime(2026, 1, 1), raw=b"", raw_format="xml", raw_sha256="0" * 64)).inserted_primary_key[0]
        o = {"submission_id": sid, "logical_id": "uuid:t"}
        for table, rows in ((households, hh), (members, mem), (visit_requests, reqs), (home_visits, visits)):
            conn.execute(table.insert(), [{**r, **o} for r in rows])
    return engine


@pytest.mark.parametrize("as_of", [date(YEAR, 7, 15), date(YEAR + 1, 2, 1), date(YEAR, 1, 10)])
@pytest.mark.parametrize("scope", [ALL, Scope.of(["35.10.20.2001"])], ids=["all", "one-village"])
def test_care_tallies_equal_rules(store, as_of, scope):
    config = SpmConfig()
    with store.connect() as conn:
        hyp = q.case_measurements(conn, "hypertension", YEAR, config, scope)
        dia = q.case_measurements(conn, "diabetes", YEAR, config, scope)
        plain_h = hypertension_care(q._people(conn, hyp), [m for m, _ in hyp], YEAR, as_of, config)
        plain_d = diabetes_care(q._people(conn, dia), [m for m, _ in dia], YEAR, as_of, config)
        ours_h, ours_d = q.care_tallies(conn, YEAR, as_of, config, scope)
    for plain, ours in ((plain_h, ours_h), (plain_d, ours_d)):
        assert {r.village or "*": (r.numerator, r.denominator) for r in plain} == {
            **{v: c for v, c in ours.items()}, "*": tuple(map(sum, zip(*ours.values()))) if ours else (0, 0)}
    total = next(r for r in plain_h if r.village is None)
    assert total.denominator > 20 and 0 < total.numerator < total.denominator  # both verdicts occur
