"""A small programme written straight into the projection tables, relative to ``now``,
with the figures each page must show worked out by hand beside it.

The pages read only the projection (never the raw submissions) so a seed at that level
tests them fully; the demo loader (``chips demo``) is used by the browser test instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import Connection

from chips.db.schema import (
    anc_visits,
    followups,
    home_visits,
    households,
    members,
    pregnancies,
    submissions,
    visit_requests,
)
from chips.queries.times import month_start_utc, today_start_utc
from server import auth

V1, V2 = "35.10.20.2001", "35.10.20.2002"  # Sempu, Jambewangi
PASSWORD = "rahasia-123"
USERS = {
    "admin1": ("admin", []),
    "planner1": ("planner", []),
    "bidan1": ("bidan", [V1]),
    "team1": ("team", []),
}


@dataclass
class Seed:
    now: datetime
    expected: dict = field(default_factory=dict)
    households: dict = field(default_factory=dict)  # name -> uuid
    pregnancies: dict = field(default_factory=dict)  # name -> uuid


class _Subs:
    """Each projected row points at a raw submission; these are minimal stand-ins."""

    def __init__(self, conn: Connection, now: datetime):
        self.conn, self.now, self.n = conn, now, 0

    def __call__(self, form_id: str) -> dict:
        self.n += 1
        iid = f"uuid:seed-{self.n:05d}"
        sid = self.conn.execute(submissions.insert().values(
            instance_id=iid, logical_id=iid, form_id=form_id, form_version="1", source="seed",
            received_at=self.now, raw=b"<data/>", raw_format="xml", raw_sha256="0" * 64,
            state="current", status="projected")).inserted_primary_key[0]
        return {"submission_id": sid, "logical_id": iid}


def add_users(conn: Connection) -> None:
    for name, (role, villages) in USERS.items():
        auth.add_user(conn, name, role, PASSWORD, villages)


def _ten_t(ga_days: int) -> dict:
    """Every 10T item given (fundal height and DJJ only from 12 weeks, as the form asks)."""
    full = dict(weight_kg=55.0, systolic=110, diastolic=70, lila_cm=25.0, tt_status="tt2", iron_tablets=30,
                hb_tested=True, hb_g_dl=12.0, urine_protein="negative", hiv="non_reactive", syphilis="non_reactive",
                hepatitis_b="non_reactive", case_management="none_needed", counselling="nutrition")
    if ga_days >= 84:
        full.update(fundal_height_cm=20.0, fetal_presentation="head", fetal_heart_rate=140)
    return full


def seed(conn: Connection, now: datetime) -> Seed:
    """``now`` naive UTC. Puts everything in the current WIB month, today where it matters."""
    s = Seed(now)
    sub = _Subs(conn, now)
    add_users(conn)
    today_start = today_start_utc(now)

    for i, (name, village) in enumerate([("Pak Sutrisno", V1), ("Bu Siti", V1), ("Pak Wage", V2), ("Mbah Painah", V2)]):
        uuid = f"hh-{i + 1:04d}"
        s.households[name] = uuid
        conn.execute(households.insert().values(
            uuid=uuid, village_code=village, village_name={V1: "Sempu", V2: "Jambewangi"}[village], rt="001", rw="002",
            head_name=name, latitude=-8.28 - i / 1000, longitude=114.22 + i / 1000, poverty_status="dtks",
            member_count=2, sticker_serial=f"CH-{i:04d}", kenthongan_status="not_needed",
            registered_on=(now - timedelta(days=400)).date(), **sub("household_registration")))
        conn.execute(members.insert().values(household_uuid=uuid, position=1, name=name, sex="m", age_years=70,
                                             birth_date=date(now.year - 70, 1, 1), **sub("household_registration")))

    # --- requests -----------------------------------------------------------------
    def request(rid, hh, village, received, patient):
        conn.execute(visit_requests.insert().values(
            uuid=f"req-{rid}", request_id=rid, household_uuid=s.households.get(hh), village_code=village,
            received_at=received, received_on=received.date(), channel="whatsapp", patient_name=patient,
            urgency="urgent", **sub("visit_request")))

    def visit(rid, hh, received, arrived, given=False, bp=None):
        conn.execute(home_visits.insert().values(
            request_id=rid, household_uuid=s.households.get(hh), patient_name=hh, received_at=received,
            departed_at=received + timedelta(minutes=10), arrived_at=arrived, visited_on=arrived.date(),
            compensation_given=given, systolic=bp[0] if bp else None, diastolic=bp[1] if bp else None,
            blood_sugar=120.0 if bp else None, doctor_name="dr. Ani", driver_name="Pak Joko", **sub("home_visit")))

    # open today: one fresh (on time so far), one waiting 3 h (late), one 4 h 30 (breach)
    fresh = max(today_start + timedelta(minutes=1), now - timedelta(minutes=30))
    request("CH-OPEN-FRESH", "Pak Sutrisno", V1, fresh, "Pak Sutrisno")
    waited = int((now - fresh).total_seconds() // 60)
    s.expected["fresh_clock"] = f"{waited // 60}:{waited % 60:02d}"
    opened_3h = now - timedelta(hours=3)
    opened_4h30 = now - timedelta(hours=4, minutes=30)
    open_today = ["CH-OPEN-FRESH"]
    late_open, breach_open = 0, 0
    if opened_3h >= today_start:
        request("CH-OPEN-3H", "Bu Siti", V1, opened_3h, "Bu Siti")
        open_today.append("CH-OPEN-3H")
        late_open = 1
    if opened_4h30 >= today_start:
        request("CH-OPEN-4H30", "Pak Wage", V2, opened_4h30, "Pak Wage")
        open_today.append("CH-OPEN-4H30")
        breach_open = 1
    # answered this month: on time (1 h), late exactly 2 h 1 min with compensation given,
    # breach 5 h without compensation; all received at least 6 h ago but in this month
    month_start = month_start_utc(now)
    answered_at = max(month_start + timedelta(minutes=1), now - timedelta(hours=12))
    request("CH-ONTIME", "Pak Sutrisno", V1, answered_at, "Pak Sutrisno")
    visit("CH-ONTIME", "Pak Sutrisno", answered_at, answered_at + timedelta(hours=1), bp=(150, 95))
    request("CH-LATE", "Bu Siti", V1, answered_at, "Bu Siti")
    visit("CH-LATE", "Bu Siti", answered_at, answered_at + timedelta(hours=2, minutes=1), given=True)
    request("CH-BREACH", "Pak Wage", V2, answered_at, "Pak Wage")
    visit("CH-BREACH", "Pak Wage", answered_at, answered_at + timedelta(hours=5))
    s.expected["open_today"] = sorted(open_today)
    s.expected["late_month"] = 1 + late_open
    s.expected["breach_month"] = 1 + breach_open
    s.expected["requests_month"] = 3 + len(open_today)
    s.expected["comp_owed"] = 2 + late_open + breach_open
    s.expected["comp_given"] = 1

    # --- ANC ------------------------------------------------------------------------
    today = (now + timedelta(hours=7)).date()

    def pregnancy(key, hh, village, hpht, visit_days, doctor_days=(), high_risk=False, complete=True):
        uuid = f"preg-{key}"
        s.pregnancies[key] = uuid
        conn.execute(pregnancies.insert().values(
            uuid=uuid, household_uuid=s.households[hh], village_code=village, mother_name=f"Ibu {key}",
            mother_dob=date(1995, 5, 5), gravida=1, parity=0, hpht=hpht, hpht_source="lmp",
            edd=hpht + timedelta(days=280), first_visit_on=hpht + timedelta(days=visit_days[0]), **sub("anc_visit")))
        for d in visit_days:
            items = _ten_t(d) if complete else {"weight_kg": 55.0}
            if high_risk:
                items = {**items, "lila_cm": 21.0}
            conn.execute(anc_visits.insert().values(
                pregnancy_uuid=uuid, household_uuid=s.households[hh], village_code=village,
                visit_date=hpht + timedelta(days=d), hpht=hpht, ga_days=d, ga_weeks=d // 7,
                examined_by="doctor" if d in doctor_days else "bidan", **items, **sub("anc_visit")))

    # ongoing, V1: 20 weeks, two T1 visits (one by the doctor) and one T2 visit, all 10T
    pregnancy("a", "Bu Siti", V1, today - timedelta(weeks=20), [35, 70, 120], doctor_days=(35,))
    # ongoing, V1, high risk (LILA 21), last visit 10 weeks ago: overdue
    pregnancy("b", "Pak Sutrisno", V1, today - timedelta(weeks=16), [14, 42], high_risk=True)
    # ongoing, V2, missing 10T items
    pregnancy("c", "Pak Wage", V2, today - timedelta(weeks=10), [56], complete=False)
    s.expected["anc_v1"] = {"ongoing": 2, "high_risk": 1}
    s.expected["anc_all"] = {"ongoing": 3, "high_risk": 1, "missing_10t": 1}

    # SPM: two pregnancies that ended last year (EDD in the year, 42 weeks passed):
    # d meets Permenkes 21/2021 (2-1-3 with doctor in T1 and T3), e has only 1-1-2 (K4)
    year = today.year - 1
    pregnancy("d", "Bu Siti", V1, date(year, 3, 1) - timedelta(days=280),
              [30, 60, 120, 180, 210, 250], doctor_days=(30, 250))
    pregnancy("e", "Mbah Painah", V2, date(year, 6, 1) - timedelta(days=280), [30, 120, 180, 250])
    s.expected["spm_year"] = year
    s.expected["spm_anc"] = {"permenkes-21-2021": {V1: (1, 1), V2: (0, 1), None: (1, 2)},
                             "k4": {V1: (1, 1), V2: (1, 1), None: (2, 2)}}

    # --- follow-ups -------------------------------------------------------------------
    for i, (hh, village, kind) in enumerate([("Pak Sutrisno", V1, "no_latrine"), ("Pak Wage", V2, "unhealthy_house")]):
        conn.execute(followups.insert().values(
            key=f"fu-{i}:{kind}", household_uuid=s.households[hh], village_code=village, kind=kind,
            found_on=(now - timedelta(days=10)).date(), **sub("house_condition")))
    return s
