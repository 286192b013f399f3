"""Entity lists (ODK Entities) kept from submissions, with no per-list code.

A submission's ``meta/entity`` blocks (``@dataset``, ``@id``, ``@create``/``@update``,
``@baseVersion``, ``label``) and its XForm's ``entities:saveto`` binds say what it does to
which entity. Each such act is an ``entity_events`` row; the ``entities`` row is the fold
of the current events of that entity, so an edit or a deletion of a submission simply
recomputes the entities it touched, and a reprojection gives the same rows.

The CSV served to phones follows what ODK Central serves (central-observed.md):
``name,label,__version,<properties>``, newest-created first, deleted ones left out.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Connection, bindparam, delete, select

from chips.db.rows import Rows
from chips.db.schema import entities, entity_events
from chips.formdefs import FormDef

TRUE = {"1", "true", "yes"}


@dataclass(frozen=True)
class EntityAct:
    dataset: str
    uuid: str
    action: str  # create | update
    base_version: int | None
    label: str
    properties: dict[str, str]


def _nodes(record: Any, scope: tuple[str, ...]) -> list[dict]:
    """Every node at ``scope`` in the record, repeats expanded."""
    level = [record]
    for name in scope:
        nxt = []
        for node in level:
            value = node.get(name) if isinstance(node, dict) else None
            if isinstance(value, list):
                nxt.extend(v for v in value if isinstance(v, dict))
            elif isinstance(value, dict):
                nxt.append(value)
        level = nxt
    return [n for n in level if isinstance(n, dict)]


def _leaf(node: dict, path: tuple[str, ...]) -> str | None:
    value: Any = node
    for name in path:
        if isinstance(value, list):
            value = value[0] if value else None
        if not isinstance(value, dict) or name not in value:
            return None
        value = value[name]
    if isinstance(value, dict):
        value = value.get("#text", "")
    return value if isinstance(value, str) else None


def attr(block: dict, name: str) -> str:
    """An attribute of a ``meta/entity`` block: ``@name`` from XML; plain ``name`` as a JSON
    record (ODK Central's OData) may carry it."""
    value = block.get(f"@{name}", block.get(name))
    return value.strip() if isinstance(value, str) else ""


# JSON exports (ODK Central's OData, KoboToolbox's data API) carry element values only, so a
# pulled record's meta/entity has its label but not @id/@create. Each entity-creating form
# mirrors those attributes in calculates next to its meta (forms/README.md, "Entity
# attributes in JSON exports"); @dataset needs no mirror, the form's declaration has it.
MIRRORS = {"id": "entity_id", "create": "entity_create"}


def entity_block(node: Any) -> dict | None:
    """The ``meta/entity`` block of a node holding a ``meta`` (the record, or a repeat row),
    with the attributes a JSON export dropped rebuilt from the mirror calculates. A block
    that has its attributes (the XML path) is returned as it is."""
    if not isinstance(node, dict):
        return None
    meta = node.get("meta")
    block = meta.get("entity") if isinstance(meta, dict) else None
    mirrored = {a: node[f] for a, f in MIRRORS.items() if isinstance(node.get(f), str) and node[f].strip()}
    if not isinstance(block, dict):
        if not mirrored:
            return None
        block = {}  # an empty label too: the export left out the whole block
    missing = {f"@{a}": v for a, v in mirrored.items() if not attr(block, a)}
    return {**block, **missing} if missing else block


def entity_acts(formdef: FormDef | None, record: dict[str, Any]) -> list[EntityAct]:
    """What this submission does to entities, read from its form's declarations."""
    if formdef is None:
        return []
    acts = []
    for decl in formdef.entities:
        for node in _nodes(record, decl.scope):
            block = entity_block(node)
            if block is None:
                continue
            uuid = attr(block, "id").lower()
            if uuid.startswith("uuid:"):
                uuid = uuid[5:]
            create = attr(block, "create").lower() in TRUE
            update = attr(block, "update").lower() in TRUE
            if not uuid or not (create or update):
                continue  # create_if was false, or nothing to do
            try:
                base = int(attr(block, "baseVersion"))
            except ValueError:
                base = None
            label = block.get("label")
            label = (label.get("#text", "") if isinstance(label, dict) else label) or ""
            props = {}
            for prop, path in decl.properties:
                value = _leaf(node, path)
                if value is not None:
                    props[prop] = value
            acts.append(
                EntityAct(
                    dataset=attr(block, "dataset") or decl.dataset,
                    uuid=uuid,
                    action="create" if create else "update",
                    base_version=base,
                    label=label.strip(),
                    properties=props,
                )
            )
    return acts


# Built once and reused: per-row statement building cost more than the SQL (bench/README.md).
_EVENTS_OF = (
    select(entity_events)
    .where(entity_events.c.dataset == bindparam("b_dataset"), entity_events.c.uuid == bindparam("b_uuid"))
    .order_by(entity_events.c.seq, entity_events.c.id)
)
_DELETE_ENTITY = delete(entities).where(entities.c.dataset == bindparam("b_dataset"), entities.c.uuid == bindparam("b_uuid"))
_INSERT_ENTITY = entities.insert()
_EVENT_KEYS_OF = select(entity_events.c.dataset, entity_events.c.uuid).where(
    entity_events.c.logical_id == bindparam("b_logical")
)
_DELETE_EVENTS_OF = delete(entity_events).where(entity_events.c.logical_id == bindparam("b_logical"))


Key = tuple[str, str]   # (dataset, uuid)


@dataclass(frozen=True)
class _Event:
    """An ``entity_events`` row not written yet, with what the fold reads of it."""

    submission_id: int
    seq: int
    action: str
    base_version: int | None
    label: str
    properties: dict[str, str]
    at: datetime


def _fold(dataset: str, uuid: str, events: list[Any]) -> dict[str, Any] | None:
    """The ``entities`` row of events in (seq, id) order: the creation first, then the
    updates in order. None without a creation (an update of an entity we do not have yet
    is kept as an event only)."""
    creates = [e for e in events if e.action == "create"]
    if not creates:
        return None
    first = creates[0]
    label, props, version, conflict = first.label, dict(first.properties), 1, False
    updated_at, last_sub = None, first.submission_id
    for e in events:
        if e.action != "update":
            continue
        if e.base_version is not None and e.base_version < version:
            conflict = True  # made from an older version: applied, flagged (as Central does)
        props.update(e.properties)
        if e.label:
            label = e.label
        version += 1
        updated_at, last_sub = e.at, e.submission_id
    return dict(
        dataset=dataset, uuid=uuid, label=label or "", version=version, properties=props,
        deleted=False, conflict=conflict, created_at=first.at, updated_at=updated_at,
        creator_submission_id=first.submission_id, last_submission_id=last_sub,
    )


def forget_logical(conn: Connection, logical_id: str) -> set[Key]:
    """Drop the events of one edit chain; returns the entities to recompute."""
    keys = {(r.dataset, r.uuid) for r in conn.execute(_EVENT_KEYS_OF, {"b_logical": logical_id})}
    conn.execute(_DELETE_EVENTS_OF, {"b_logical": logical_id})
    return keys


def refold(conn: Connection, keys: Iterable[Key], new_from: int | None = None) -> None:
    """Recompute each entity from its events in the database.

    ``new_from``: the submission whose events were just recorded. When they are an
    entity's only events, it had none before, so it has no row to delete (a row exists only
    as the fold of events, and whatever drops events refolds), which saves a round trip
    per new entity."""
    for dataset, uuid in sorted(keys):
        key = {"b_dataset": dataset, "b_uuid": uuid}
        events = conn.execute(_EVENTS_OF, key).all()
        if new_from is None or any(e.submission_id != new_from for e in events):
            conn.execute(_DELETE_ENTITY, key)
        row = _fold(dataset, uuid, events)
        if row is not None:
            conn.execute(_INSERT_ENTITY, row)


_STORED_KEYS_CHUNK = 500   # bound parameters per IN
_HAS_EVENTS = select(entity_events.c.id).where(
    entity_events.c.dataset == bindparam("b_dataset"), entity_events.c.uuid == bindparam("b_uuid")).limit(1)
_WITH_EVENTS = select(entity_events.c.uuid).distinct().where(
    entity_events.c.dataset == bindparam("b_dataset"),
    entity_events.c.uuid.in_(bindparam("b_uuids", expanding=True)))


class Folds:
    """The entities a run of projections touches (``chips.projection.Run``).

    An entity none of whose events is in the database yet (a new one: nearly every entity
    of a first pull) is folded from this run's events in memory, and its row joins the
    run's rows at the flush: no read, no delete. Any other is refolded from the database as
    ``refold`` does, after a flush has written the run's rows so far. Once flushed, an
    entity's events are in the database, so later acts on it take that second way too."""

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self._checked: set[Key] = set()   # looked up in the database
        self._stored: set[Key] = set()    # ... and found there (or written since)
        self._events: dict[Key, list[_Event]] = {}
        self._folded: dict[Key, dict[str, Any]] = {}
        rows.before_flush(self._write)

    def prefetch(self, keys: Iterable[Key]) -> None:
        """Look up at once which of ``keys`` have events in the database (a run's keys)."""
        fresh = sorted(set(keys) - self._checked)
        by_dataset: dict[str, list[str]] = {}
        for dataset, uuid in fresh:
            by_dataset.setdefault(dataset, []).append(uuid)
        conn = self.rows.conn
        for dataset, uuids in by_dataset.items():
            if len(uuids) == 1:   # one submission's entity (OpenRosa): by the index, no IN list
                if conn.execute(_HAS_EVENTS, {"b_dataset": dataset, "b_uuid": uuids[0]}).first():
                    self._stored.add((dataset, uuids[0]))
                continue
            for i in range(0, len(uuids), _STORED_KEYS_CHUNK):
                found = conn.execute(_WITH_EVENTS, {
                    "b_dataset": dataset, "b_uuids": uuids[i:i + _STORED_KEYS_CHUNK]}).scalars()
                self._stored.update((dataset, u) for u in found)
        self._checked.update(fresh)

    def all_new(self, keys: Iterable[Key]) -> bool:
        """None of ``keys`` has events in the database (looked up if not yet): each folds in
        memory and nothing of the run is read back before its flush."""
        keys = list(keys)
        self.prefetch(keys)
        return not any(key in self._stored for key in keys)

    def _in_database(self, key: Key) -> bool:
        if key not in self._checked:
            self.prefetch([key])
        return key in self._stored

    def record(self, *, submission_id: int, logical_id: str, seq: int, at: datetime,
               acts: Iterable[EntityAct]) -> None:
        """Record what one submission does to entities, and fold them again."""
        keys: list[Key] = []
        for act in acts:
            self.rows.add(entity_events, dict(
                submission_id=submission_id, logical_id=logical_id, seq=seq, dataset=act.dataset,
                uuid=act.uuid, action=act.action, base_version=act.base_version, label=act.label,
                properties=act.properties, at=at,
            ))
            key = (act.dataset, act.uuid)
            if key not in keys:
                keys.append(key)
            if not self._in_database(key):
                self._events.setdefault(key, []).append(_Event(
                    submission_id, seq, act.action, act.base_version, act.label, act.properties, at))
        for key in keys:
            if key in self._events:
                # sorted by seq (stable: ids follow arrival), as _EVENTS_OF orders them
                row = _fold(*key, sorted(self._events[key], key=lambda e: e.seq))
                self._folded.pop(key, None)   # re-added last: the row id order of one by one
                if row is not None:
                    self._folded[key] = row
        stored = [k for k in keys if k in self._stored]
        if stored:
            self.rows.flush()   # their events, this one's too, must be in the database to refold
            refold(self.rows.conn, stored, new_from=submission_id)

    def discard(self) -> None:
        """The run's rows were thrown away (rolled back): forget what was held and looked up."""
        self._checked.clear()
        self._stored.clear()
        self._events.clear()
        self._folded.clear()

    def _write(self, conn: Connection) -> None:
        self.rows.add_many(entities, list(self._folded.values()))
        self._stored.update(self._events)
        self._checked.update(self._events)
        self._events.clear()
        self._folded.clear()


def entity_list_csv(conn: Connection, dataset: str, properties: list[str]) -> bytes:
    """The list as ODK Collect reads it: UTF-8, LF line ends, quoted only when needed."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["name", "label", "__version", *properties])
    rows = conn.execute(
        select(entities.c.uuid, entities.c.label, entities.c.version, entities.c.properties)
        .where(entities.c.dataset == dataset, entities.c.deleted.is_(False))
        .order_by(entities.c.created_at.desc(), entities.c.id.desc())
    )
    for r in rows:
        props = r.properties or {}
        writer.writerow([r.uuid, r.label, r.version, *(props.get(p, "") for p in properties)])
    return buf.getvalue().encode("utf-8")


def csv_hash(data: bytes) -> str:
    """The manifest hash: it changes exactly when the CSV phones would read changes."""
    return "md5:" + hashlib.md5(data).hexdigest()


def integrity(conn: Connection, dataset: str, ids: list[str] | None) -> list[tuple[str, bool]]:
    """(uuid, deleted) for the given ids (all when None); unknown ids are left out."""
    query = select(entities.c.uuid, entities.c.deleted).where(entities.c.dataset == dataset)
    if ids is not None:
        query = query.where(entities.c.uuid.in_(ids))
    return [(r.uuid, bool(r.deleted)) for r in conn.execute(query.order_by(entities.c.id))]
