"""How long the web pages take on a large programme (default 100,000 households).

    .venv/bin/python bench/web_pages.py [--households N] [--db URL]

Fills a fresh database straight into the projection tables (households, three members
each, a month of requests and visits, ongoing and past pregnancies with their ANC visits,
follow-ups) scaled from the Sempu figures, then times each page as a planner. Prints one
line per page, the first call (cold) and a second one (warm: results that only change
with the data are cached per data version); nothing here is asserted (benchmarks are not tests).
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

from chips.db.migrate import upgrade  # noqa: E402
from chips.db.schema import (  # noqa: E402
    anc_visits, followups, home_visits, households, members, pregnancies, submissions, visit_requests,
)
from chips.settings import load_settings  # noqa: E402
from server import auth  # noqa: E402
from server.app import create_app  # noqa: E402

VILLAGES = [f"35.10.20.{2001 + i}" for i in range(7)]


def fill(engine, n: int, now: datetime) -> None:
    rnd = random.Random(1)
    today = (now + timedelta(hours=7)).date()
    with engine.begin() as conn:
        sid = conn.execute(submissions.insert().values(
            instance_id="uuid:bench", logical_id="uuid:bench", form_id="bench", form_version="1", source="bench",
            received_at=now, raw=b"", raw_format="xml", raw_sha256="0" * 64, state="current", status="projected",
        )).inserted_primary_key[0]
        origin = {"submission_id": sid, "logical_id": "uuid:bench"}
        hh = [{"uuid": f"h{i}", "village_code": VILLAGES[i % 7], "village_name": f"V{i % 7}", "rt": str(i % 20),
               "rw": str(i % 7), "head_name": f"Head {i}", "latitude": -8.3 + rnd.random() / 10,
               "longitude": 114.2 + rnd.random() / 10, "poverty_status": "dtks", "member_count": 3,
               "sticker_serial": f"S{i}", "registered_on": date(2025, 1, 1), **origin} for i in range(n)]
        conn.execute(households.insert(), hh)
        conn.execute(members.insert(), [{"household_uuid": f"h{i}", "position": k, "name": f"M{i}-{k}",
                                         "birth_date": date(1950 + (i + k * 17) % 70, 1, 1), **origin}
                                        for i in range(n) for k in (1, 2, 3)])
        month_start = now.replace(day=1, hour=0)
        reqs, visits = [], []
        for j in range(n // 20):  # a month of requests: one for every twenty households
            received = month_start + timedelta(minutes=rnd.randrange(int((now - month_start).total_seconds() // 60)))
            h = rnd.randrange(n)
            reqs.append({"uuid": f"r{j}", "request_id": f"R{j}", "household_uuid": f"h{h}", "village_code": VILLAGES[h % 7],
                         "received_at": received, "received_on": received.date(), **origin})
            arrived = received + timedelta(minutes=rnd.randrange(20, 330))
            if arrived < now:
                visits.append({"request_id": f"R{j}", "household_uuid": f"h{h}", "patient_name": f"M{h}-1", "received_at": received,
                               "arrived_at": arrived, "visited_on": arrived.date(), "systolic": 120 + rnd.randrange(40),
                               "diastolic": 80, "blood_sugar": 100.0 + rnd.randrange(150), **origin})
        conn.execute(visit_requests.insert(), reqs)
        conn.execute(home_visits.insert(), visits)
        pregs, anc = [], []
        for k in range(n * 62 // 1666 * 2):  # this year's and last year's pregnancies
            hpht = today - timedelta(days=rnd.randrange(0, 600))
            h = rnd.randrange(n)
            pregs.append({"uuid": f"p{k}", "household_uuid": f"h{h}", "village_code": VILLAGES[h % 7], "mother_name": f"Ibu {k}",
                          "hpht": hpht, "edd": hpht + timedelta(days=280), "first_visit_on": hpht + timedelta(days=40), **origin})
            for d in range(40, min(280, (today - hpht).days), 40):
                anc.append({"pregnancy_uuid": f"p{k}", "household_uuid": f"h{h}", "village_code": VILLAGES[h % 7],
                            "visit_date": hpht + timedelta(days=d), "hpht": hpht, "ga_days": d, "weight_kg": 55.0,
                            "systolic": 110, "diastolic": 70, "lila_cm": 24.0, "examined_by": "bidan", **origin})
        conn.execute(pregnancies.insert(), pregs)
        conn.execute(anc_visits.insert(), anc)
        conn.execute(followups.insert(), [{"key": f"f{k}:no_latrine", "household_uuid": f"h{k}", "village_code": VILLAGES[k % 7],
                                           "kind": "no_latrine", "found_on": today, **origin} for k in range(0, n, 7)])
        auth.add_user(conn, "bench", "planner", "bench-password")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--db")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp())
    settings = load_settings(environ={}, instance_dir=tmp, database_url=args.db or f"sqlite:///{tmp / 'bench.sqlite'}")
    engine = upgrade(settings)
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    started = time.perf_counter()
    fill(engine, args.households, now)
    print(f"filled {args.households} households in {time.perf_counter() - started:.1f} s ({settings.database_url})")
    app = create_app(settings)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    client.post("/login", data={"username": "bench", "password": "bench-password"})
    year = now.year
    for path in ["/", "/requests", "/requests?page=50", "/visits", "/households", "/households?page=1000", "/households/h4242",
                 "/anc", "/anc?show=overdue", f"/spm?year={year}", f"/spm?year={year - 1}", "/followups",
                 "/api/v1/households?page=300", "/api/v1/pregnancies", f"/api/v1/indicators?year={year}"]:
        started = time.perf_counter()
        client.get(path)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        status = client.get(path).status_code  # again: what the cache of chips.queries.cache saves
        print(f"{cold * 1000:8.0f} ms cold {(time.perf_counter() - started) * 1000:8.0f} ms warm  {status}  {path}")


if __name__ == "__main__":
    main()
