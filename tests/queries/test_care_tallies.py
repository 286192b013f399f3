"""Services 7, 8 and 9 (elderly screening, hypertension and diabetes care) counted in the
database from ``patient_years`` (chips.queries.spm.care_tallies, elderly_counts) equal the
rules' elderly_screening, hypertension_care and diabetes_care over the people and
measurements the plain queries load — after visits were added, removed and changed, with
visits dated after ``as_of`` in its month, under other thresholds."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from chips.db.migrate import upgrade
from chips.db.schema import home_visits, households, members, submissions, visit_requests
from chips.queries import spm as q
from chips.queries.scope import ALL, Scope
from chips.rules.spm import Measurement, Person, SpmConfig, diabetes_care, elderly_screening, hypertension_care

YEAR = 2025
VILLAGES = ["35.10.20.2001", "35.10.20.2002", None]
CONFIGS = {
    "default": SpmConfig(),
    "other-thresholds": SpmConfig(hypertension_sbp_at_least=150, hypertension_dbp_at_least=95, diabetes_sugar_above=240,
                                  adult_age=18, elderly_age=65, elderly_items=frozenset({"blood_pressure"})),
    "sugar-only": SpmConfig(elderly_items=frozenset({"blood_sugar"})),
    "any-visit": SpmConfig(elderly_items=frozenset()),
}


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
                mem.append({"household_uuid": f"h{i}", "position": pos,
                            "name": rnd.choice([f"Warga {pos}", f"WARGA {pos} ", None if pos == 3 else f"warga {pos}"]),
                            "birth_date": rnd.choice([date(1950, 6, 1), date(2015, 1, 1), date(1980, 12, 31), None,
                                                      date(1961, 3, 3)]),
                            "age_years": rnd.choice([70, 8, None, 40, 62])})
    for j in range(2500):
        h = rnd.randrange(150)
        on = date(YEAR - 1, 1, 1) + timedelta(days=rnd.randrange(0, 800))
        reqs.append({"request_id": f"R{j}", "household_uuid": f"h{h}", "received_at": datetime.combine(on, datetime.min.time()),
                     "received_on": rnd.choice([on, None]), "patient_age": rnd.choice([60, 10, None, 30, 14, 17])})
        visits.append({"request_id": rnd.choice([f"R{j}", None]),
                       "household_uuid": f"h{h}" if rnd.random() < 0.95 else rnd.choice([None, ""]),
                       "patient_name": rnd.choice(["Warga 1", " warga 1", "Warga 2", "Warga 3", "Tamu", None, " "]),
                       "visited_on": on if rnd.random() < 0.98 else None,
                       "systolic": rnd.choice([120, 150, None, 145]), "diastolic": rnd.choice([80, 95, None, 92]),
                       "blood_sugar": rnd.choice([110.0, 250.0, None, 200.0, 230.5]),
                       "icd10": rnd.choice([None, "I10", "i15.0", "I16", "E11", "E9", "J06", "I1x", "e14"])})
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
        # visits removed and changed after they went in (patient_years follows by trigger)
        ids = [i for (i,) in conn.execute(select(home_visits.c.id).order_by(home_visits.c.id))]
        for i in rnd.sample(ids, 200):
            conn.execute(home_visits.delete().where(home_visits.c.id == i))
        ids = [i for (i,) in conn.execute(select(home_visits.c.id).order_by(home_visits.c.id))]
        for i in rnd.sample(ids, 60):
            conn.execute(home_visits.update().where(home_visits.c.id == i).values(
                systolic=rnd.choice([None, 160]), patient_name=rnd.choice(["Warga 2", "Tamu"]),
                visited_on=date(YEAR, rnd.randrange(1, 13), 20)))
    return engine


def _plain(conn, code, config, scope, as_of):
    pairs = q.case_measurements(conn, code, YEAR, config, scope)
    rules = hypertension_care if code == "hypertension" else diabetes_care
    return rules(q._people(conn, pairs), [m for m, _ in pairs], YEAR, as_of, config)


def _as_dict(counts):
    return {**counts, "*": tuple(map(sum, zip(*counts.values()))) if counts else (0, 0)}


@pytest.mark.parametrize("config", sorted(CONFIGS)[:2])
@pytest.mark.parametrize("as_of", [date(YEAR, 7, 15), date(YEAR + 1, 2, 1), date(YEAR, 1, 10), date(YEAR, 12, 31),
                                   date(YEAR - 1, 6, 30)])
@pytest.mark.parametrize("scope", [ALL, Scope.of(["35.10.20.2001"])], ids=["all", "one-village"])
def test_care_tallies_equal_rules(store, as_of, scope, config):
    config = CONFIGS[config]
    with store.connect() as conn:
        plain_h = _plain(conn, "hypertension", config, scope, as_of)
        plain_d = _plain(conn, "diabetes", config, scope, as_of)
        ours_h, ours_d = q.care_tallies(conn, YEAR, as_of, config, scope)
        late = q._dated_after(conn, YEAR, as_of)
    for plain, ours in ((plain_h, ours_h), (plain_d, ours_d)):
        assert {r.village or "*": (r.numerator, r.denominator) for r in plain} == _as_dict(ours)
    if as_of == date(YEAR, 7, 15):
        assert late  # the patients with a visit after as_of in its month were counted from their visits
    if as_of.year >= YEAR and scope is ALL:
        total = next(r for r in plain_h if r.village is None)
        assert total.denominator > 20 and 0 < total.numerator < total.denominator  # both verdicts occur


@pytest.mark.parametrize("config", sorted(CONFIGS))
@pytest.mark.parametrize("year", [YEAR - 1, YEAR, YEAR + 1])
@pytest.mark.parametrize("scope", [ALL, Scope.of(["35.10.20.2001"])], ids=["all", "one-village"])
def test_elderly_counts_equal_rules(store, config, year, scope):
    """The registered members (members of a registered household) and every named visit's
    measurements, judged by elderly_screening."""
    config = CONFIGS[config]
    with store.connect() as conn:
        people = [Person(q.person_key(r.household_uuid, r.name), r.village_code, r.birth_date, r.age_years,
                         r.registered_on)
                  for r in conn.execute(select(members.c.household_uuid, members.c.name, members.c.birth_date,
                                               members.c.age_years, households.c.village_code,
                                               households.c.registered_on)
                                        .select_from(members.join(households, households.c.uuid == members.c.household_uuid))
                                        .where(scope.where(households.c.village_code)))]
        measurements = [Measurement(q.person_key(r.household_uuid, r.patient_name), r.visited_on, r.systolic, r.diastolic,
                                    r.blood_sugar, r.icd10)
                        for r in conn.execute(select(home_visits).where(home_visits.c.patient_name.is_not(None),
                                                                        home_visits.c.visited_on.is_not(None)))]
        ours = q.elderly_counts(conn, year, config, scope)
    plain = elderly_screening(people, measurements, year, config)
    assert {r.village or "*": (r.numerator, r.denominator) for r in plain} == _as_dict(ours)
    total = next(r for r in plain if r.village is None)
    if year == YEAR and scope is ALL:
        assert total.denominator > 30 and 0 < total.numerator < total.denominator
