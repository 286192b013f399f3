"""The figures the browser test expects, worked out from the demo's tables with plain SQL
and arithmetic, without the rules package or the queries the pages use."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, select

from chips.db.schema import anc_visits, home_visits, pregnancies, visit_requests

WIB = ZoneInfo("Asia/Jakarta")


def _naive_utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def home_expectations(conn: Connection, now_utc: datetime) -> dict:
    """now_utc naive. Requests are linked to visits by request id or entity id."""
    local = now_utc.replace(tzinfo=timezone.utc).astimezone(WIB)
    day_start = _naive_utc(local.replace(hour=0, minute=0, second=0, microsecond=0))
    month_start = _naive_utc(local.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
    arrivals: dict[str, datetime] = {}
    for v in conn.execute(select(home_visits.c.request_id, home_visits.c.request_uuid, home_visits.c.arrived_at)):
        for key in (v.request_id, v.request_uuid):
            if key and v.arrived_at and (key not in arrivals or v.arrived_at < arrivals[key]):
                arrivals[key] = v.arrived_at
    open_today, late, breach = [], 0, 0
    rows = conn.execute(select(visit_requests).where(visit_requests.c.received_at >= month_start,
                                                     visit_requests.c.received_at <= now_utc)).all()
    for r in rows:
        arrived = arrivals.get(r.request_id) or arrivals.get(r.uuid)
        end = arrived or now_utc
        minutes = max(0, math.floor((end - r.received_at).total_seconds() / 60 + 0.5))
        late += 120 < minutes <= 240
        breach += minutes > 240
        if arrived is None and r.received_at >= day_start:
            open_today.append(r.request_id)
    return {"open_today": sorted(open_today), "late": late, "breach": breach, "month": len(rows)}


def anc_expectations(conn: Connection, today) -> dict:
    """Ongoing: expected delivery (HPHT + 280 d) less than two weeks past. High risk: the
    bidan's phone flagged any of its visits (the form's own high_risk calculate)."""
    ongoing = [p.uuid for p in conn.execute(select(pregnancies.c.uuid, pregnancies.c.hpht))
               if p.hpht is not None and p.hpht + timedelta(days=294) > today]
    flagged = {r.pregnancy_uuid for r in conn.execute(
        select(anc_visits.c.pregnancy_uuid).where(anc_visits.c.high_risk.is_(True)))}
    return {"ongoing": len(ongoing), "high_risk": len(set(ongoing) & flagged)}
