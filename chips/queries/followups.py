"""House-condition follow-ups: the projection's findings with the steps planners record
(``followup_steps``), as :class:`chips.rules.followups.FollowUp`."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, time, timezone
from typing import Sequence

from sqlalchemy import Connection, func, select

from chips.db.schema import followups, households
from chips.queries.paging import Page, paginate
from chips.queries.scope import ALL, Scope
from chips.rules.clock import WIB
from chips.rules.followups import FOUND, FollowUp, Step, advance, open_followup
from chips.db.web_tables import followup_current, followup_steps

F, C, S, H = followups, followup_current, followup_steps, households

STATE = func.coalesce(C.c.state, FOUND)


def _found_at(row) -> datetime:
    # the survey day, taken as the start of that day in Sempu
    day = row.found_on or datetime(1970, 1, 1).date()
    return datetime.combine(day, time(0), tzinfo=WIB).astimezone(timezone.utc)


def to_rule(row, steps: Sequence) -> FollowUp:
    f = open_followup(row.key, row.household_uuid or "", row.village_code, row.kind, _found_at(row), "survey")
    history = f.history + tuple(Step(s.state, s.at.replace(tzinfo=timezone.utc), s.by_user, s.note or "") for s in steps)
    outcome = next((s.outcome for s in reversed(steps) if s.outcome), None)
    return FollowUp(f.followup_id, f.household_id, f.village, f.kind, history, outcome)


def _steps(conn: Connection, keys: Sequence[str]) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for i in range(0, len(keys), 500):
        for s in conn.execute(select(S).where(S.c.followup_key.in_(keys[i:i + 500])).order_by(S.c.at, S.c.id)):
            grouped[s.followup_key].append(s)
    return grouped


def board_page(conn: Connection, scope: Scope = ALL, page: int = 1, per_page: int = 50, state: str | None = None,
               village: str | None = None, kind: str | None = None) -> tuple[Page, list[tuple[object, FollowUp]]]:
    stmt = (select(F, STATE.label("state"), H.c.head_name, H.c.village_name)
            .select_from(F.outerjoin(C, C.c.followup_key == F.c.key).outerjoin(H, H.c.uuid == F.c.household_uuid))
            .where(scope.where(F.c.village_code)))
    if state:
        stmt = stmt.where(STATE == state)
    if village:
        stmt = stmt.where(F.c.village_code == village)
    if kind:
        stmt = stmt.where(F.c.kind == kind)
    pg = paginate(conn, stmt.order_by(F.c.found_on.desc(), F.c.id.desc()), page, per_page)
    steps = _steps(conn, [r.key for r in pg.items])
    return pg, [(r, to_rule(r, steps.get(r.key, []))) for r in pg.items]


def counts(conn: Connection, scope: Scope = ALL) -> dict[tuple[str | None, str], int]:
    """(village, state) -> count, in SQL."""
    rows = conn.execute(
        select(F.c.village_code, STATE, func.count())
        .select_from(F.outerjoin(C, C.c.followup_key == F.c.key))
        .where(scope.where(F.c.village_code)).group_by(F.c.village_code, STATE)
    ).all()
    return {(v, s): n for v, s, n in rows}


def outcome_counts(conn: Connection, scope: Scope = ALL) -> dict[str, int]:
    rows = conn.execute(
        select(C.c.outcome, func.count()).select_from(C.join(F, F.c.key == C.c.followup_key))
        .where(C.c.outcome.is_not(None), scope.where(F.c.village_code)).group_by(C.c.outcome)
    ).all()
    return dict(rows)


def get(conn: Connection, key: str, scope: Scope = ALL) -> FollowUp | None:
    row = conn.execute(select(F).where(F.c.key == key, scope.where(F.c.village_code))).first()
    if row is None:
        return None
    return to_rule(row, _steps(conn, [key]).get(key, []))


def record_step(conn: Connection, key: str, to_state: str, by: str, outcome: str | None = None, note: str = "",
                at: datetime | None = None) -> FollowUp:
    """Advance one follow-up (the rules check the transition; raises InvalidTransition)."""
    current = get(conn, key)
    if current is None:
        raise LookupError(key)
    at = at or datetime.now(timezone.utc)
    moved = advance(current, to_state, at, by, outcome or None, note)
    naive = moved.updated_at.astimezone(timezone.utc).replace(tzinfo=None)
    conn.execute(S.insert().values(followup_key=key, state=to_state, outcome=moved.outcome if to_state == moved.state else None,
                                   note=note or None, by_user=by, at=naive))
    conn.execute(C.delete().where(C.c.followup_key == key))
    conn.execute(C.insert().values(followup_key=key, state=moved.state, outcome=moved.outcome, updated_at=naive, updated_by=by))
    return moved
