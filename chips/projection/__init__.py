"""The domain projection: current submissions → households, visits, ANC …

One module per form (``household_registration.py`` …), each with
``project(rows, origin, record)`` that adds the rows of one submission to a
``chips.db.rows.Rows``; a ``Run`` writes the rows of many submissions per table at its
flush (one submission's alone, or a whole page of a pull). Entity lists are generic
(``chips.entities``). A projection is only ever *replaced*, never patched:
an edit or a deletion removes every row of the edit chain (``logical_id``) and projects
the current version again, which is also what ``chips db reproject`` does for all.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import Connection, bindparam, delete, select

from chips import entities as entity_lists
from chips.db import schema
from chips.db.rows import Rows
from chips.formdefs import FormDef

# form id -> module in this package
FORM_MODULES = {
    "household_registration": "household_registration",
    "house_condition": "house_condition",
    "visit_request": "visit_request",
    "home_visit": "home_visit",
    "anc_visit": "anc_visit",
}


@dataclass(frozen=True)
class Origin:
    """The submission a projected row comes from."""

    submission_id: int
    logical_id: str
    instance_id: str
    form_id: str
    form_version: str
    received_at: datetime
    submitted_at: datetime | None
    submitter: str | None

    def columns(self) -> dict[str, Any]:
        return {"submission_id": self.submission_id, "logical_id": self.logical_id}


def _projector(form_id: str) -> Callable[[Rows, Origin, dict], None] | None:
    module = FORM_MODULES.get(form_id)
    if module is None:
        return None
    return importlib.import_module(f"chips.projection.{module}").project


class Run:
    """Where the projections of a run of submissions go until ``flush`` writes them."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.rows = Rows(conn)
        self.entities = entity_lists.Folds(self.rows)

    def flush(self) -> None:
        self.rows.flush()

    def discard(self) -> None:
        """Its savepoint was rolled back: nothing pending or looked up still holds."""
        self.rows.discard()
        self.entities.discard()


_CHAIN_START = select(schema.submissions.c.id).where(schema.submissions.c.instance_id == bindparam("b_instance"))


def project(run: Run, origin: Origin, record: dict[str, Any], formdef: FormDef | None,
            acts: list[entity_lists.EntityAct] | None = None) -> None:
    """Project one current submission into ``run``: its form's domain rows, then its entity
    acts (``acts`` when the caller read them already, to look a run's entities up at once).
    Nothing may be read back before ``run.flush()``."""
    projector = _projector(origin.form_id)
    if projector is not None:
        projector(run.rows, origin, record)
    if acts is None:
        acts = entity_lists.entity_acts(formdef, record)
    if not acts:
        return
    if origin.logical_id == origin.instance_id:
        seq = origin.submission_id  # the first of its chain: the row the query would find
    else:
        seq_row = run.conn.execute(_CHAIN_START, {"b_instance": origin.logical_id}).first()
        seq = seq_row.id if seq_row else origin.submission_id
    run.entities.record(
        submission_id=origin.submission_id,
        logical_id=origin.logical_id,
        seq=seq,
        at=origin.submitted_at or origin.received_at,
        acts=acts,
    )


DOMAIN_TABLES = tuple(t for t in schema.PROJECTION_TABLES if t.name not in {"entities", "entity_events"})


_UNPROJECT = tuple(delete(t).where(t.c.logical_id == bindparam("b_logical")) for t in DOMAIN_TABLES)


def unproject(conn: Connection, logical_id: str) -> None:
    """Remove every projected row of an edit chain, and recompute the entities it touched."""
    for statement in _UNPROJECT:
        conn.execute(statement, {"b_logical": logical_id})
    keys = entity_lists.forget_logical(conn, logical_id)
    entity_lists.refold(conn, keys)
