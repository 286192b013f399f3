"""Where each (source, form) pull stands, read and written inside the caller's transaction.

Central pages newest first (tests/fakes/central-observed.md), so a timestamp cursor may only move when
a pass has read its last page; until then the pass itself is saved — its filter value, the
next page's URL with its skiptoken, the newest timestamp seen, the server time it began —
and a killed pull resumes that same pass. Kobo pages by ``_id`` ascending, so ``last_id``
moves with every page.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timezone

from sqlalchemy import Connection, select

from sync.tables import sync_cursors


@dataclass(frozen=True)
class Cursor:
    source: str
    form: str
    since: str | None = None
    pass_since: str | None = None
    pass_url: str | None = None
    pass_newest: str | None = None
    pass_started: str | None = None
    pass_pages: int = 0
    last_id: int | None = None
    listed_at: datetime | None = None

    @property
    def in_pass(self) -> bool:
        return self.pass_url is not None

    def evolve(self, **changes) -> "Cursor":
        return replace(self, **changes)


def _utc_naive() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def load(conn: Connection, source: str, form: str) -> Cursor:
    row = conn.execute(select(sync_cursors).where(sync_cursors.c.source == source,
                                                  sync_cursors.c.form == form)).first()
    if row is None:
        return Cursor(source, form)
    return Cursor(source, form, row.since, row.pass_since, row.pass_url, row.pass_newest,
                  row.pass_started, row.pass_pages or 0, row.last_id, row.listed_at)


def save(conn: Connection, cursor: Cursor) -> None:
    values = dict(since=cursor.since, pass_since=cursor.pass_since, pass_url=cursor.pass_url,
                  pass_newest=cursor.pass_newest, pass_started=cursor.pass_started,
                  pass_pages=cursor.pass_pages, last_id=cursor.last_id, listed_at=cursor.listed_at,
                  updated_at=_utc_naive())
    done = conn.execute(sync_cursors.update().where(sync_cursors.c.source == cursor.source,
                                                    sync_cursors.c.form == cursor.form).values(**values))
    if done.rowcount == 0:
        conn.execute(sync_cursors.insert().values(source=cursor.source, form=cursor.form, **values))


def later(a: str | None, b: str | None) -> str | None:
    """The later of two Central timestamps (ISO with Z; compared as instants)."""
    if a is None or b is None:
        return a or b
    return a if parse(a) >= parse(b) else b


def parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def iso(dt: datetime) -> str:
    dt = dt.astimezone(timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def end_of_pass(cursor: Cursor) -> Cursor:
    """The cursor after a pass has read its last page.

    A pass of one page is one consistent answer, so everything up to the newest timestamp
    in it is held. A pass of several pages is not a snapshot: a row already read may change
    while later pages are read, with a timestamp older than the newest seen on a later
    page. Nothing changed after the pass began goes unseen if the cursor stays at or before
    the server time the pass began (its Date header, rounded down to the second), so the
    cursor takes the earlier of the two; at worst the next pass re-reads a few rows, which
    ingest recognises as duplicates.
    """
    newest = cursor.pass_newest
    if newest is not None and cursor.pass_pages > 0 and cursor.pass_started:
        if parse(cursor.pass_started) < parse(newest):
            newest = cursor.pass_started
    return cursor.evolve(since=later(cursor.since, newest), pass_since=None, pass_url=None,
                         pass_newest=None, pass_started=None, pass_pages=0)
