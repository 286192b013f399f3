"""Runs of the pulls: one row each in ``sync_runs``, for ``chips sync --status`` and the
server's status page."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, func, select

from sync.tables import sync_runs


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


INTERRUPTED = ("the process ended before this run finished (killed, or the machine stopped); "
               "the next run goes on from the last page stored")


def start(engine: Engine, source: str, form: str | None, trigger: str) -> int:
    """Record a new run. Pulls run under the instance's sync lock (sync/schedule.py), so a
    run of this source still marked running belongs to a process that died holding it: it
    is closed as interrupted rather than shown running for ever."""
    with engine.begin() as conn:
        conn.execute(sync_runs.update().where(sync_runs.c.source == source, sync_runs.c.outcome == "running")
                     .values(outcome="interrupted", message=INTERRUPTED))
        return conn.execute(sync_runs.insert().values(
            source=source, form=form, trigger=trigger, started_at=_now(), outcome="running",
            new=0, updated=0, deleted=0, attachments=0, errors=0)).inserted_primary_key[0]


def finish(engine: Engine, run_id: int, tally: Any) -> None:
    message = tally.stopped or "; ".join(tally.messages)[:4000] or None
    with engine.begin() as conn:
        conn.execute(sync_runs.update().where(sync_runs.c.id == run_id).values(
            finished_at=_now(), outcome="error" if tally.stopped else "ok", new=tally.new,
            updated=tally.updated, deleted=tally.deleted, attachments=tally.attachments,
            errors=tally.errors, message=message))


def last_runs(engine: Engine) -> list[dict]:
    """The latest run of each source, newest first (the status page reads this)."""
    with engine.connect() as conn:
        latest = (select(sync_runs.c.source, func.max(sync_runs.c.id).label("id"))
                  .group_by(sync_runs.c.source).subquery())
        rows = conn.execute(select(sync_runs).join(latest, sync_runs.c.id == latest.c.id)
                            .order_by(sync_runs.c.started_at.desc())).mappings().all()
    return [dict(r) for r in rows]
