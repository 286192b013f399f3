"""Home visits, newest first; village comes from the household (the form has none)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, select

from chips.db.schema import home_visits, households
from chips.queries.paging import Page, paginate
from chips.queries.scope import ALL, Scope

V = home_visits
H = households


def visits_statement(scope: Scope = ALL, village: str | None = None, since: datetime | None = None):
    stmt = (
        select(V, H.c.village_code, H.c.village_name, H.c.head_name)
        .select_from(V.outerjoin(H, H.c.uuid == V.c.household_uuid))
    )
    if scope.villages is not None:
        stmt = stmt.where(scope.where(H.c.village_code))
    if village:
        stmt = stmt.where(H.c.village_code == village)
    if since:
        stmt = stmt.where(V.c.arrived_at >= since)
    return stmt


def visit_page(conn: Connection, scope: Scope = ALL, page: int = 1, per_page: int = 50,
               village: str | None = None, since: datetime | None = None) -> Page:
    stmt = visits_statement(scope, village, since).order_by(V.c.arrived_at.desc(), V.c.id.desc())
    return paginate(conn, stmt, page, per_page)
