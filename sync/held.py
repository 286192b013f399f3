"""What we hold of each remote submission and which attachment files we have, per source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Connection, bindparam, select

from chips.db.rows import insert_rows
from sync.tables import sync_files, sync_items


@dataclass(frozen=True)
class Item:
    ref: str
    instance_id: str
    version: str
    deleted: bool
    pending: bool


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def items(conn: Connection, source: str, form: str, refs: list[str] | None = None) -> dict[str, Item]:
    q = select(sync_items).where(sync_items.c.source == source, sync_items.c.form == form)
    out: dict[str, Item] = {}
    if refs is not None:
        # in chunks: SQLite allows a limited number of bound parameters
        for i in range(0, len(refs), 500):
            for r in conn.execute(q.where(sync_items.c.ref.in_(refs[i:i + 500]))):
                out[r.ref] = Item(r.ref, r.instance_id, r.version, r.deleted, r.pending)
        return out
    for r in conn.execute(q):
        out[r.ref] = Item(r.ref, r.instance_id, r.version, r.deleted, r.pending)
    return out


def deleted(conn: Connection, source: str, form: str) -> list[Item]:
    q = select(sync_items).where(sync_items.c.source == source, sync_items.c.form == form,
                                 sync_items.c.deleted.is_(True))
    return [Item(r.ref, r.instance_id, r.version, r.deleted, r.pending) for r in conn.execute(q)]


def pending(conn: Connection, source: str, form: str) -> list[Item]:
    q = select(sync_items).where(sync_items.c.source == source, sync_items.c.form == form,
                                 sync_items.c.pending.is_(True), sync_items.c.deleted.is_(False))
    return [Item(r.ref, r.instance_id, r.version, r.deleted, r.pending) for r in conn.execute(q)]


def put(conn: Connection, source: str, form: str, item: Item, new: bool = False) -> None:
    """Record what we hold; ``new`` when the caller knows there is no row yet (one statement)."""
    values = dict(instance_id=item.instance_id, version=item.version, deleted=item.deleted,
                  pending=item.pending, seen_at=_now())
    if new:
        conn.execute(sync_items.insert().values(source=source, form=form, ref=item.ref, **values))
        return
    done = conn.execute(sync_items.update().where(
        sync_items.c.source == source, sync_items.c.form == form, sync_items.c.ref == item.ref
    ).values(**values))
    if done.rowcount == 0:
        conn.execute(sync_items.insert().values(source=source, form=form, ref=item.ref, **values))


def insert_many(conn: Connection, source: str, form: str, new_items: list[Item]) -> None:
    """Items we did not hold before, in one statement (a page of a first pull is all new)."""
    if not new_items:
        return
    now = _now()
    insert_rows(conn, sync_items, [
        dict(source=source, form=form, ref=i.ref, instance_id=i.instance_id, version=i.version,
             deleted=i.deleted, pending=i.pending, seen_at=now) for i in new_items])


_UPDATE = sync_items.update().where(
    sync_items.c.source == bindparam("b_source"), sync_items.c.form == bindparam("b_form"),
    sync_items.c.ref == bindparam("b_ref"))


def update_many(conn: Connection, source: str, form: str, held_items: list[Item]) -> None:
    """Items we held already (read from this table), in one statement (executemany)."""
    if not held_items:
        return
    now = _now()
    conn.execute(_UPDATE, [
        dict(b_source=source, b_form=form, b_ref=i.ref, instance_id=i.instance_id, version=i.version,
             deleted=i.deleted, pending=i.pending, seen_at=now) for i in held_items])


def count_version(conn: Connection, source: str, form: str, version: str) -> int:
    from sqlalchemy import func
    return conn.execute(select(func.count()).select_from(sync_items).where(
        sync_items.c.source == source, sync_items.c.form == form, sync_items.c.version == version,
        sync_items.c.deleted.is_(False))).scalar_one()


def etags_of(conn: Connection, source: str, form: str, refs: list[str]) -> dict[str, dict[str, str | None]]:
    """The ETags of the files we hold of many submissions, in a few queries:
    ref -> {name: etag}, {} for none."""
    out: dict[str, dict[str, str | None]] = {ref: {} for ref in refs}
    unique = sorted(out)
    for i in range(0, len(unique), 500):   # SQLite allows a limited number of bound parameters
        q = select(sync_files.c.ref, sync_files.c.name, sync_files.c.etag).where(
            sync_files.c.source == source, sync_files.c.form == form, sync_files.c.ref.in_(unique[i:i + 500]))
        for r in conn.execute(q):
            out[r.ref][r.name] = r.etag
    return out


def put_file(conn: Connection, source: str, form: str, ref: str, name: str, etag: str | None) -> None:
    done = conn.execute(sync_files.update().where(
        sync_files.c.source == source, sync_files.c.form == form, sync_files.c.ref == ref,
        sync_files.c.name == name).values(etag=etag))
    if done.rowcount == 0:
        conn.execute(sync_files.insert().values(source=source, form=form, ref=ref, name=name, etag=etag))
