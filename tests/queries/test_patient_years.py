"""``patient_years`` (chips/db/tally_tables.py), kept by the triggers of migration 0401,
always holds what recomputing it from ``home_visits`` gives: after visits are inserted
(one at a time and many at once), deleted and changed, whatever their households and
names, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from chips.db.migrate import upgrade
from chips.db.schema import home_visits, submissions
from chips.db.tally_tables import patient_years

ICD_H = {f"I{n}" for n in range(10, 16)}
ICD_D = {f"E{n}" for n in range(10, 15)}
READINGS = {"sbp": "systolic", "dbp": "diastolic", "sugar": "blood_sugar"}


def expected(visits) -> dict[tuple, dict]:
    """patient_years recomputed in Python from the visits (names as SQL's lower(trim()),
    ASCII and spaces only in these data)."""
    rows: dict[tuple, dict] = {}
    for v in visits:
        if v["patient_name"] is None or v["visited_on"] is None:
            continue
        key = (v["visited_on"].year, v["household_uuid"] or "", v["patient_name"].strip(" ").lower())
        m, bit = v["visited_on"].month, 1 << v["visited_on"].month
        row = rows.setdefault(key, {"visits": 0, "last_id": 0, "months": 0, "months_bp": 0, "months_sugar": 0,
                                    "months_both": 0, "icd_h": 0, "icd_d": 0,
                                    **{f"max_{r}": None for r in READINGS},
                                    **{f"{r}_{n:02d}": None for r in READINGS for n in range(1, 13)}})
        bp = v["systolic"] is not None and v["diastolic"] is not None
        sugar = v["blood_sugar"] is not None
        code = (v["icd10"] or "").upper()[:3]
        row["visits"] += 1
        row["last_id"] = max(row["last_id"], v["id"])
        for name, given in (("months", True), ("months_bp", bp), ("months_sugar", sugar), ("months_both", bp and sugar),
                            ("icd_h", code in ICD_H), ("icd_d", code in ICD_D)):
            row[name] |= bit if given else 0
        for r, column in READINGS.items():
            value = v[column]
            if value is not None:
                for name in (f"max_{r}", f"{r}_{m:02d}"):
                    row[name] = value if row[name] is None else max(row[name], value)
    return rows


def stored(conn) -> dict[tuple, dict]:
    return {(r.year, r.household_key, r.who): {k: v for k, v in r._mapping.items() if k not in ("year", "household_key", "who")}
            for r in conn.execute(select(patient_years))}


def current_visits(conn) -> list[dict]:
    return [dict(r._mapping) for r in conn.execute(select(home_visits))]


def visit(rnd: random.Random) -> dict:
    return {
        "household_uuid": rnd.choice(["h1", "h2", "h3", None, "", "h4"]),
        "patient_name": rnd.choice(["Warga 1", " warga 1 ", "WARGA 1", "Warga 2", "", " ", None, "Tamu"]),
        "visited_on": rnd.choice([None, date(2024, 12, 31), date(2025, 1, 1)]) if rnd.random() < 0.1
        else date(2024, 6, 1) + timedelta(days=rnd.randrange(500)),
        "systolic": rnd.choice([None, 120, 150, 139, 180]), "diastolic": rnd.choice([None, 80, 95, 90]),
        "blood_sugar": rnd.choice([None, 110.0, 200.0, 200.5, 350.25]),
        "icd10": rnd.choice([None, "I10", "i15.0", "I16", "E11", "e9", "E14.2", "J06", ""]),
    }


@pytest.fixture
def engine(db_url):
    engine = upgrade(db_url)
    with engine.begin() as conn:
        sid = conn.execute(submissions.insert().values(
            instance_id="uuid:t", logical_id="uuid:t", form_id="home_visit", form_version="1", source="test",
            received_at=datetime(2026, 1, 1), raw=b"", raw_format="xml", raw_sha256="0" * 64)).inserted_primary_key[0]
    engine.origin = {"submission_id": sid, "logical_id": "uuid:t"}
    return engine


def test_patient_years_follow_every_change(engine):
    rnd = random.Random(11)
    with engine.begin() as conn:
        conn.execute(home_visits.insert(), [{**visit(rnd), **engine.origin} for _ in range(300)])  # many at once
        for _ in range(100):
            conn.execute(home_visits.insert().values(**visit(rnd), **engine.origin))  # one at a time
        assert stored(conn) == expected(current_visits(conn))
        ids = [v["id"] for v in current_visits(conn)]
        for i in rnd.sample(ids, 120):  # removed one by one: each row recomputed from the visits left
            conn.execute(home_visits.delete().where(home_visits.c.id == i))
        assert stored(conn) == expected(current_visits(conn))
        conn.execute(home_visits.delete().where(home_visits.c.household_uuid == "h2"))  # many at once
        conn.execute(home_visits.delete().where(home_visits.c.household_uuid.is_(None)))
        assert stored(conn) == expected(current_visits(conn))
        ids = [v["id"] for v in current_visits(conn)]
        for i in rnd.sample(ids, 40):  # the projection never updates, but should anything else
            change = {k: v for k, v in visit(rnd).items() if rnd.random() < 0.5}
            conn.execute(home_visits.update().where(home_visits.c.id == i).values(**change))
        conn.execute(home_visits.update().where(home_visits.c.household_uuid == "h3").values(household_uuid=None))
        assert stored(conn) == expected(current_visits(conn))
        kinds = {(k[1], k[2]) for k in stored(conn)}
        assert ("", "") in kinds and any(h == "" for h, _ in kinds) and len(kinds) > 8
        conn.execute(home_visits.delete())
        assert stored(conn) == {}
