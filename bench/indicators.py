"""The indicator pages (SPM table, home page, ANC page) over 1,000,000 submissions,
against loading the same rows into pandas.

    .venv/bin/python bench/indicators.py [--submissions N] [--db-url URL] [--keep DIR]

Fills a fresh database with N submissions' worth of rows **written directly** (raw
submission rows plus the projected domain rows each one would give; ingest speed is
measured by the ingest benchmark, not here), spread over four years in the proportions
below, then times the server-side work of each page through the Flask test client as a
planner, cold (the in-process cache of :mod:`chips.queries.cache` emptied first) and warm,
and the query function behind it. The baseline is ``pandas.read_sql`` of every table the
page reads, measured in the same run. Nothing is asserted (benchmarks are not tests).

Proportions per 100 submissions (Sempu's programme scaled up: a household registered
once, a request and its home visit about every fortnight per 20 households, pregnancies
of ~4 % of households with six ANC visits each, a house survey per household):
households 10, installations 5, house surveys 10, visit requests 30, home visits 28, ANC
visits 17.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text  # noqa: E402

from chips.db.migrate import upgrade  # noqa: E402
from chips.queries.anc_counts import rebuild_tallies  # noqa: E402
from chips.db.schema import (  # noqa: E402
    anc_visits, followups, home_visits, house_surveys, households, installations, members, pregnancies,
    submissions, visit_requests,
)
from chips.settings import load_settings  # noqa: E402

VILLAGES = [f"35.10.20.{2001 + i}" for i in range(7)]
YEARS = 4
SHARE = {"households": 10, "installations": 5, "house_surveys": 10, "visit_requests": 30, "home_visits": 28,
         "anc_visits": 17}
FORM = {"households": "household_registration", "installations": "installation", "house_surveys": "house_survey",
        "visit_requests": "visit_request", "home_visits": "home_visit", "anc_visits": "anc_visit"}
CHUNK = 20_000

# the tables each page reads (the pandas baseline loads all of them)
PAGE_TABLES = {
    "spm": ["pregnancies", "anc_visits", "home_visits", "households", "members", "visit_requests", "spm_targets",
            "pregnancy_tallies", "patient_years"],
    "home": ["visit_requests", "home_visits", "followups", "followup_current", "households"],
    "anc": ["pregnancies", "anc_visits", "households"],
}


def _insert(conn, table, rows) -> None:
    for i in range(0, len(rows), CHUNK):
        conn.execute(table.insert(), rows[i:i + CHUNK])


class Filler:
    """Generates rows table by table; each domain row gets its own raw submission row."""

    def __init__(self, conn, now: datetime, seed: int = 1):
        self.conn, self.now, self.rnd = conn, now, random.Random(seed)
        self.today = (now + timedelta(hours=7)).date()
        self.start = now - timedelta(days=365 * YEARS)
        self.next_sub = 1
        self.subs: list[dict] = []

    def origin(self, form: str, at: datetime) -> dict:
        sid = self.next_sub
        self.next_sub += 1
        iid = f"uuid:b{sid}"
        self.subs.append({"id": sid, "instance_id": iid, "logical_id": iid, "form_id": form, "form_version": "1",
                          "source": "openrosa", "received_at": at, "raw": b"<data/>", "raw_format": "xml",
                          "raw_sha256": "0" * 64, "state": "current", "status": "projected"})
        return {"submission_id": sid, "logical_id": iid}

    def flush_subs(self) -> None:
        _insert(self.conn, submissions, self.subs)
        self.subs = []

    def put(self, table, rows) -> None:
        self.flush_subs()  # the submissions first: the domain rows refer to them
        _insert(self.conn, table, rows)

    def when(self) -> datetime:
        return self.start + timedelta(seconds=self.rnd.randrange(int((self.now - self.start).total_seconds())))

    def fill(self, n: int) -> dict[str, int]:
        rnd, counts = self.rnd, {}
        k = {name: n * share // 100 for name, share in SHARE.items()}
        nh = max(k["households"], 7)
        self.nh = nh
        hh, mem = [], []
        for i in range(nh):
            reg = self.start + timedelta(days=rnd.randrange(365)) if i < nh * 0.8 else self.when()
            lone = rnd.random() < 0.04
            hh.append({"uuid": f"h{i}", "village_code": VILLAGES[i % 7], "village_name": f"Desa {i % 7}",
                       "rt": str(i % 20), "rw": str(i % 7), "head_name": f"Kepala {i}",
                       "latitude": -8.3 + rnd.random() / 10, "longitude": 112.6 + rnd.random() / 10,
                       "poverty_status": rnd.choice(["dtks", "dtks", "poor_unregistered", "near_poor"]),
                       "member_count": 3, "lone_elderly_count": int(lone),
                       "kenthongan_status": rnd.choice(["yes", "no"]) if lone else "not_needed",
                       "sticker_serial": f"S{i}" if rnd.random() < 0.7 else None, "registered_on": reg.date(),
                       **self.origin(FORM["households"], reg)})
            for pos in range(1, 1 + (1 if lone else rnd.choice([2, 3, 4, 5]))):
                age = rnd.randrange(75 if pos > 1 else 20, 90) if lone else rnd.randrange(0, 85)
                mem.append({"household_uuid": f"h{i}", "position": pos, "name": f"Warga {i}-{pos}",
                            "birth_date": date(reg.year - age, 1 + rnd.randrange(12), 1) if rnd.random() < 0.9 else None,
                            "age_years": age, "submission_id": hh[-1]["submission_id"], "logical_id": hh[-1]["logical_id"]})
        self.put(households, hh)
        self.put(members, mem)
        counts["households"], counts["members"] = len(hh), len(mem)
        self.flush_subs()

        inst = []
        for j in range(k["installations"]):
            h, at = rnd.randrange(nh), self.when()
            inst.append({"household_uuid": f"h{h}", "kind": rnd.choice(["sticker", "kenthongan"]), "serial": f"S{h}",
                         "installed_on": at.date(), **self.origin(FORM["installations"], at)})
        self.put(installations, inst)
        counts["installations"] = len(inst)

        surveys, finds = [], []
        for j in range(k["house_surveys"]):
            h, at = rnd.randrange(nh), self.when()
            latrine = rnd.choice(["own", "own", "own", "shared", "none"])
            unhealthy = rnd.random() < 0.15
            o = self.origin(FORM["house_surveys"], at)
            surveys.append({"household_uuid": f"h{h}", "village_code": VILLAGES[h % 7], "surveyed_on": at.date(),
                            "latrine": latrine, "unhealthy": unhealthy, "bad_count": 3 if unhealthy else 0, **o})
            for kind in (["no_latrine"] if latrine == "none" else []) + (["unhealthy_house"] if unhealthy else []):
                finds.append({"key": f"{o['logical_id']}:{kind}", "household_uuid": f"h{h}",
                              "village_code": VILLAGES[h % 7], "kind": kind, "found_on": at.date(), **o})
        self.put(house_surveys, surveys)
        self.put(followups, finds)
        counts["house_surveys"], counts["followups"] = len(surveys), len(finds)
        self.flush_subs()
        self.requests_and_visits(k["visit_requests"], k["home_visits"], counts)
        self.anc(k["anc_visits"], counts)
        counts["submissions"] = self.next_sub - 1
        return counts

    def requests_and_visits(self, nr: int, nv: int, counts: dict) -> None:
        rnd, reqs, visits = self.rnd, [], []
        answered = nv / max(nr, 1)
        for j in range(nr):
            received, h = self.when(), self.rnd.randrange(self.nh)
            reqs.append({"uuid": f"r{j}", "request_id": f"CH-{j:08d}", "household_uuid": f"h{h}",
                         "village_code": VILLAGES[h % 7], "received_at": received,
                         "received_on": (received + timedelta(hours=7)).date(), "channel": "phone",
                         "patient_name": f"Warga {h}-1", "patient_age": rnd.randrange(1, 90), "urgency": "urgent",
                         **self.origin(FORM["visit_requests"], received)})
            if rnd.random() >= answered:
                continue
            departed = received + timedelta(minutes=rnd.randrange(5, 60))
            arrived = departed + timedelta(minutes=rnd.choice([15, 30, 45, 60, 90, 150, 200, 300]))
            if arrived >= self.now:
                continue
            sick = rnd.random()
            visits.append({"request_uuid": f"r{j}", "request_id": f"CH-{j:08d}", "household_uuid": f"h{h}",
                           "patient_name": f"Warga {h}-{rnd.choice([1, 1, 2])}", "received_at": received,
                           "departed_at": departed, "arrived_at": arrived,
                           "visited_on": (arrived + timedelta(hours=7)).date(),
                           "systolic": 150 if sick < 0.2 else 120, "diastolic": 95 if sick < 0.2 else 80,
                           "blood_sugar": 230.0 if 0.2 <= sick < 0.3 else 110.0,
                           "icd10": "I10" if sick < 0.1 else ("E11" if sick < 0.25 else "J06"),
                           "compensation_given": rnd.random() < 0.5, **self.origin(FORM["home_visits"], arrived)})
        self.put(visit_requests, reqs)
        self.put(home_visits, visits)
        counts["visit_requests"], counts["home_visits"] = len(reqs), len(visits)
        self.flush_subs()

    def anc(self, nv: int, counts: dict) -> None:
        rnd, pregs, visits, p = self.rnd, [], [], 0
        first_day = self.start.date() - timedelta(days=200)
        span = (self.today - first_day).days
        while len(visits) < nv:
            hpht = first_day + timedelta(days=rnd.randrange(span))
            h = rnd.randrange(self.nh)
            days = sorted(rnd.sample(range(35, 275), rnd.randrange(3, 9)))
            days = [d for d in days if hpht + timedelta(days=d) <= self.today]
            if not days:
                continue
            first = hpht + timedelta(days=days[0])
            o = self.origin("anc_visit", datetime.combine(first, datetime.min.time()))
            pregs.append({"uuid": f"p{p}", "household_uuid": f"h{h}", "village_code": VILLAGES[h % 7],
                          "mother_name": f"Ibu {p}", "mother_dob": date(1990 + rnd.randrange(15), 1, 1),
                          "parity": rnd.randrange(5), "hpht": hpht, "hpht_source": "lmp",
                          "edd": hpht + timedelta(days=280), "first_visit_on": first, **o})
            for n, d in enumerate(days):
                day = hpht + timedelta(days=d)
                full = rnd.random() < 0.8
                oo = o if n == 0 else self.origin("anc_visit", datetime.combine(day, datetime.min.time()))
                visits.append({"pregnancy_uuid": f"p{p}", "household_uuid": f"h{h}", "village_code": VILLAGES[h % 7],
                               "visit_date": day, "first_visit": n == 0, "hpht": hpht, "ga_days": d, "ga_weeks": d // 7,
                               "examined_by": "doctor" if rnd.random() < 0.3 else "bidan", "usg_done": False,
                               "weight_kg": 55.0, "systolic": 110 if rnd.random() < 0.95 else 145, "diastolic": 70,
                               "lila_cm": 24.0 if rnd.random() < 0.9 else 22.0,
                               "fundal_height_cm": 20.0 if full and d >= 84 else None,
                               "fetal_presentation": "head" if full and d >= 84 else None,
                               "tt_status": "T3", "iron_tablets": 30 if full else 0, "hb_tested": full,
                               "hb_g_dl": 11.5, "hiv": "non_reactive" if n == 0 else None,
                               "case_management": "none_needed", "counselling": "nutrition" if full else None, **oo})
            p += 1
        self.put(pregnancies, pregs)
        self.put(anc_visits, visits)
        counts["pregnancies"], counts["anc_visits"] = len(pregs), len(visits)
        self.flush_subs()


def timed(fn):
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=1_000_000)
    parser.add_argument("--db-url", help="an empty database of its own (e.g. PostgreSQL), filled once and reused "
                                         "while it holds submissions; default a fresh SQLite file")
    parser.add_argument("--keep", help="directory for the SQLite file (reused when it already holds a filled database)")
    args = parser.parse_args()

    import pandas as pd

    from chips.queries import cache
    from chips.queries import anc as anc_queries
    from chips.queries import requests as request_queries
    from chips.queries import spm as spm_queries
    from chips.rules import anc as anc_rules, response as response_rules, risk as risk_rules, spm as spm_rules
    from chips.rules.anc_standards import get_standard
    from server import auth
    from server.app import create_app

    tmp = Path(args.keep or tempfile.mkdtemp())
    tmp.mkdir(parents=True, exist_ok=True)
    url = args.db_url or f"sqlite:///{tmp / 'indicators.sqlite'}"
    settings = load_settings(environ={}, instance_dir=tmp, database_url=url)
    engine = upgrade(settings)
    now = datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    with engine.connect() as conn:
        filled = conn.execute(text("select count(*) from submissions")).scalar()
    if filled:
        print(f"reusing {url}: {filled:,} submissions")
    else:
        started = time.perf_counter()
        with engine.begin() as conn:
            counts = Filler(conn, now).fill(args.submissions)
            # the rows went in directly, not through the projection: fold the pregnancies'
            # tallies as the ANC projection would have (patient_years follow by trigger)
            rebuild_tallies(conn)
            auth.add_user(conn, "bench", "planner", "bench-password")
        with engine.begin() as conn:  # statistics, as a deployed database has them
            conn.execute(text("ANALYZE"))
        print(f"filled in {time.perf_counter() - started:.0f} s ({url}): "
              + ", ".join(f"{name} {n:,}" for name, n in counts.items()))

    app = create_app(settings)
    app.config["WTF_CSRF_ENABLED"] = False
    app.config["CHIPS_NOW"] = now
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": "bench-password"})
    year = (now + timedelta(hours=7)).year
    today = (now + timedelta(hours=7)).date()
    anc_config = anc_rules.from_settings(settings.section("anc", anc_rules.DEFAULTS))
    standard = get_standard(anc_config.standard)
    risk = risk_rules.from_settings(settings.section("risk", risk_rules.DEFAULTS))
    spm_config = spm_rules.from_settings(settings.section("spm", spm_rules.DEFAULTS))
    response = response_rules.from_settings(settings.section("response", response_rules.DEFAULTS))

    def pandas_load(tables):
        with engine.connect() as conn:
            return sum(len(pd.read_sql(f"select * from {t}", conn)) for t in tables)

    def query(name):
        with engine.connect() as conn:
            if name == "spm":
                return len(spm_queries.report(conn, year, today, standard, anc_config, spm_config))
            if name == "home":
                return len(request_queries.home_figures(conn, now, response).open_today)
            return len(anc_queries.ongoing(conn, today, standard, anc_config, risk))

    pages = {"spm": f"/spm?year={year}", "home": "/", "anc": "/anc"}
    print(f"\n{'page':<6}{'pandas load':>13}{'rows':>11}{'query cold':>12}{'page cold':>11}{'page warm':>11}"
          f"{'cold/pandas':>13}  status")
    for name, path in pages.items():
        base, rows = timed(lambda: pandas_load(PAGE_TABLES[name]))
        cache.clear()
        q_cold, _ = timed(lambda: query(name))
        cache.clear()
        p_cold, resp = timed(lambda: client.get(path))
        p_warm, _ = timed(lambda: client.get(path))
        print(f"{name:<6}{base:>12.2f}s{rows:>11,}{q_cold:>11.2f}s{p_cold:>10.2f}s{p_warm:>10.3f}s"
              f"{p_cold / base:>12.3f}×  {resp.status_code} {path}")
    # the previous year's table too: a whole year of ended pregnancies
    cache.clear()
    p_cold, resp = timed(lambda: client.get(f"/spm?year={year - 1}"))
    print(f"{'spm-1':<6}{'':>13}{'':>11}{'':>12}{p_cold:>10.2f}s{'':>11}{'':>13}  {resp.status_code} /spm?year={year - 1}")


if __name__ == "__main__":
    main()
