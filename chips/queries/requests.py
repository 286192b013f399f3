"""Visit requests with their response clocks (rules: :mod:`chips.rules.response`).

Requests are judged in bounded sets: the requests of one page or one month, with the
visits that can answer them (same request id, or same household within the matching
window). A visit that answered a request outside the set is therefore not seen here; the
month view loads the whole month, so its counts are exact for requests of that month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterable, Sequence

from sqlalchemy import Connection, and_, or_, select

from chips.db.schema import home_visits, visit_requests
from chips.queries.paging import Page, paginate
from chips.queries.scope import ALL, Scope
from chips.queries.times import month_start_utc, today_start_utc
from chips.rules.clock import to_wib
from chips.rules.response import (
    BREACH,
    LATE,
    HomeVisit,
    RequestStatus,
    ResponseRules,
    ResponseSummary,
    VisitRequest,
    evaluate_requests,
    summarise,
)

R = visit_requests
V = home_visits
LATE_SHOWN = 50


def to_rule_request(row) -> VisitRequest:
    return VisitRequest(
        request_id=row.request_id,
        household_id=row.household_uuid,
        received_at=row.received_at,
        village=row.village_code,
        channel=row.channel,
    )


def to_rule_visit(row) -> HomeVisit:
    return HomeVisit(
        visit_id=str(row.id),
        household_id=row.household_uuid,
        request_id=row.request_id or row.linked_request_id,
        departed_at=row.departed_at,
        arrived_at=row.arrived_at,
        compensation_given=bool(row.compensation_given),
        received_at=row.received_at,
    )


LINKED = R.alias("linked")


def _visits_select():
    # a visit may name its request by entity id only; the request's own id comes by join
    return select(V.c.id, V.c.household_uuid, V.c.request_id, V.c.request_uuid, V.c.departed_at, V.c.arrived_at,
                  V.c.compensation_given, V.c.received_at, LINKED.c.request_id.label("linked_request_id")
                  ).select_from(V.outerjoin(LINKED, LINKED.c.uuid == V.c.request_uuid))


def candidate_visits(conn: Connection, requests: Sequence, rules: ResponseRules) -> list:
    """The visits that could answer ``requests`` (rows of visit_requests)."""
    if not requests:
        return []
    ids = sorted({r.request_id for r in requests})
    uuids = sorted({r.uuid for r in requests if r.uuid})
    households = sorted({r.household_uuid for r in requests if r.household_uuid})
    low = min(r.received_at for r in requests) - rules.match_tolerance
    high = max(r.received_at for r in requests) + rules.match_window
    conditions = [V.c.request_id.in_(ids)]
    if uuids:
        conditions.append(V.c.request_uuid.in_(uuids))
    if households:
        conditions.append(and_(V.c.household_uuid.in_(households), V.c.arrived_at.between(low, high)))
    return conn.execute(_visits_select().where(or_(*conditions))).all()


def visits_in_window(conn: Connection, requests: Sequence, now: datetime, rules: ResponseRules) -> list:
    """For a whole period (the month): the visits that arrived (or, not arrived yet, departed)
    from its first request on, less the matching tolerance: an indexed range. A visit
    stamped earlier than that cannot answer these requests under the rules."""
    if not requests:
        return []
    low = min(r.received_at for r in requests) - rules.match_tolerance
    return conn.execute(_visits_select().where(
        or_(V.c.arrived_at >= low, and_(V.c.arrived_at.is_(None), V.c.departed_at >= low)))).all()


def judge(conn: Connection, rows: Sequence, now: datetime, rules: ResponseRules, whole_period: bool = False) -> list[RequestStatus]:
    """Statuses of exactly these request rows, in their order."""
    loaded = visits_in_window(conn, rows, now, rules) if whole_period else candidate_visits(conn, rows, rules)
    visits = [to_rule_visit(v) for v in loaded]
    statuses = evaluate_requests([to_rule_request(r) for r in rows], visits, now, rules)
    by_id = {s.request.request_id: s for s in statuses if s.matched_by != "visit_only"}
    return [by_id[r.request_id] for r in rows if r.request_id in by_id]


@dataclass(frozen=True)
class RequestLine:
    row: object  # the visit_requests row (patient, village, channel …)
    status: RequestStatus

    @property
    def received_wib(self) -> datetime:
        return to_wib(self.row.received_at)


def _lines(rows, statuses) -> list[RequestLine]:
    by_id = {s.request.request_id: s for s in statuses}
    return [RequestLine(r, by_id[r.request_id]) for r in rows if r.request_id in by_id]


def _base(scope: Scope):
    return select(R).where(scope.where(R.c.village_code))


@dataclass(frozen=True)
class HomeFigures:
    now: datetime
    open_today: list[RequestLine]  # received today (WIB), nobody arrived yet, oldest first
    month: ResponseSummary  # requests received this month (WIB)
    late_this_month: list[RequestLine]  # late or breach, newest first (at most LATE_SHOWN)
    open_before_today: int  # still open this month, received before today


def home_figures(conn: Connection, now: datetime, rules: ResponseRules, scope: Scope = ALL) -> HomeFigures:
    start = month_start_utc(now)
    rows = conn.execute(_base(scope).where(R.c.received_at >= start, R.c.received_at <= now)
                        .order_by(R.c.received_at, R.c.id)).all()
    statuses = judge(conn, rows, now, rules, whole_period=True)
    lines = _lines(rows, statuses)
    today = today_start_utc(now)
    open_today = [l for l in lines if l.status.open and l.row.received_at >= today]
    late = [l for l in lines if l.status.status in (LATE, BREACH)]
    late.sort(key=lambda l: l.row.received_at, reverse=True)
    late = late[:LATE_SHOWN]  # the counts are in the summary; the list is the latest ones
    open_before = sum(1 for l in lines if l.status.open and l.row.received_at < today)
    return HomeFigures(now, open_today, summarise(statuses), late, open_before)


def request_page(
    conn: Connection, now: datetime, rules: ResponseRules, scope: Scope = ALL, page: int = 1, per_page: int = 50,
    village: str | None = None, since: datetime | None = None, until: datetime | None = None,
) -> tuple[Page, list[RequestLine]]:
    """Newest first; each line judged with the visits that can answer it."""
    stmt = _base(scope)
    if village:
        stmt = stmt.where(R.c.village_code == village)
    if since:
        stmt = stmt.where(R.c.received_at >= since)
    if until:
        stmt = stmt.where(R.c.received_at < until)
    pg = paginate(conn, stmt.order_by(R.c.received_at.desc(), R.c.id.desc()), page, per_page)
    return pg, _lines(pg.items, judge(conn, pg.items, now, rules))


def iter_request_lines(conn: Connection, now: datetime, rules: ResponseRules, scope: Scope = ALL,
                       chunk: int = 1000, since: datetime | None = None) -> Iterable[RequestLine]:
    """Every request (oldest first) in chunks, for exports: memory stays bounded."""
    last = (datetime.min, 0)
    while True:
        stmt = _base(scope).where(or_(R.c.received_at > last[0], and_(R.c.received_at == last[0], R.c.id > last[1])))
        if since:
            stmt = stmt.where(R.c.received_at >= since)
        rows = conn.execute(stmt.order_by(R.c.received_at, R.c.id).limit(chunk)).all()
        if not rows:
            return
        yield from _lines(rows, judge(conn, rows, now, rules))
        last = (rows[-1].received_at, rows[-1].id)


def elapsed_text(delta: timedelta | None) -> str:
    if delta is None:
        return "–"
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"
