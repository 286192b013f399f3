"""Households: a paginated list and everything known about one household."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from sqlalchemy import Connection, and_, func, or_, select

from chips.db.schema import (
    anc_visits,
    followups,
    home_visits,
    house_surveys,
    households,
    installations,
    members,
    pregnancies,
    submissions,
    visit_requests,
)
from chips.queries.paging import Page, paginate
from chips.queries.scope import ALL, Scope

H = households


def household_page(conn: Connection, scope: Scope = ALL, page: int = 1, per_page: int = 50,
                   village: str | None = None, q: str | None = None) -> Page:
    stmt = select(H).where(scope.where(H.c.village_code))
    if village:
        stmt = stmt.where(H.c.village_code == village)
    if q:
        like = f"%{q.strip().lower()}%"
        stmt = stmt.where(or_(func.lower(H.c.head_name).like(like), func.lower(H.c.sticker_serial).like(like)))
    return paginate(conn, stmt.order_by(H.c.village_code, H.c.rw, H.c.rt, H.c.id), page, per_page)


@dataclass(frozen=True)
class HouseholdDetail:
    household: object
    members: Sequence
    installations: Sequence
    surveys: Sequence
    requests: Sequence
    visits: Sequence
    pregnancies: Sequence
    anc_visits: Sequence
    followups: Sequence
    submissions: Sequence  # every raw submission about it, newest first, with its state


def household_detail(conn: Connection, uuid: str, scope: Scope = ALL) -> HouseholdDetail | None:
    hh = conn.execute(select(H).where(H.c.uuid == uuid, scope.where(H.c.village_code))).first()
    if hh is None:
        return None

    def rows(table, order, *extra):
        col = table.c.household_uuid
        return conn.execute(select(table, *extra).where(col == uuid).order_by(*order)).all()

    logical_ids: set[str] = {hh.logical_id}
    parts = {
        "members": rows(members, [members.c.position]),
        "installations": rows(installations, [installations.c.installed_on]),
        "surveys": rows(house_surveys, [house_surveys.c.surveyed_on.desc()]),
        "requests": rows(visit_requests, [visit_requests.c.received_at.desc()]),
        "visits": rows(home_visits, [home_visits.c.arrived_at.desc()]),
        "pregnancies": rows(pregnancies, [pregnancies.c.first_visit_on.desc()]),
        "anc_visits": rows(anc_visits, [anc_visits.c.visit_date.desc()]),
        "followups": rows(followups, [followups.c.found_on.desc()]),
    }
    for name in ("installations", "surveys", "requests", "visits", "pregnancies", "anc_visits"):
        logical_ids.update(r.logical_id for r in parts[name])
    # the whole edit history of each submission (superseded versions too)
    subs = conn.execute(
        select(submissions.c.id, submissions.c.instance_id, submissions.c.logical_id, submissions.c.form_id,
               submissions.c.form_version, submissions.c.source, submissions.c.submitter, submissions.c.received_at,
               submissions.c.submitted_at, submissions.c.state, submissions.c.status)
        .where(submissions.c.logical_id.in_(sorted(logical_ids)))
        .order_by(submissions.c.received_at.desc(), submissions.c.id.desc())
    ).all()
    return HouseholdDetail(household=hh, submissions=subs, **parts)


def villages(conn: Connection, scope: Scope = ALL) -> list[tuple[str, str]]:
    """(code, name) of the villages households are registered in (cached per data version:
    it is a scan of the households, wanted by every page's filter)."""
    from chips.queries.cache import cached

    key = ("villages", str(conn.engine.url), None if scope.villages is None else tuple(sorted(scope.villages)))
    return cached(conn, key, lambda: _villages(conn, scope))


def _villages(conn: Connection, scope: Scope) -> list[tuple[str, str]]:
    rows = conn.execute(
        select(H.c.village_code, func.max(H.c.village_name))
        .where(H.c.village_code.is_not(None), scope.where(H.c.village_code))
        .group_by(H.c.village_code).order_by(H.c.village_code)
    ).all()
    return [(code, name or code) for code, name in rows]


def coverage(conn: Connection, scope: Scope = ALL) -> list:
    """Sticker among poor households and kenthongan among lone-elderly households, per
    village and in total, counted in SQL with the definitions of
    :func:`chips.rules.coverage.coverage` (poor: ``POOR_STATUSES``; a sticker: a serial
    recorded at registration; a kenthongan: ``kenthongan_status`` yes)."""
    from sqlalchemy import case

    from chips.rules.coverage import NO_VILLAGE, POOR_STATUSES, CoverageRow

    poor = H.c.poverty_status.in_(sorted(POOR_STATUSES))
    sticker = and_(H.c.sticker_serial.is_not(None), H.c.sticker_serial != "")
    lone = H.c.lone_elderly_count > 0

    def n(cond):
        return func.sum(case((cond, 1), else_=0))

    rows = conn.execute(
        select(H.c.village_code, n(poor), n(and_(poor, sticker)), n(lone), n(and_(lone, H.c.kenthongan_status == "yes")))
        .where(scope.where(H.c.village_code)).group_by(H.c.village_code)
    ).all()
    out = [CoverageRow(v or NO_VILLAGE, *(int(x or 0) for x in rest)) for v, *rest in rows]
    out.sort(key=lambda r: r.village)
    total = CoverageRow(None, *(sum(getattr(r, f) for r in out) for f in
                                ("poor_households", "with_sticker", "lone_elderly_households", "with_kenthongan")))
    return [*out, total]
