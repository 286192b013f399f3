"""A migrated database with the project's forms published, for store and server tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from chips import formdefs
from chips.db.migrate import upgrade
from chips.settings import Settings, load_settings


@dataclass
class Store:
    settings: Settings
    engine: Engine
    forms: dict[str, bytes]  # form id -> built XForm bytes


def build_forms(out_dir: Path) -> dict[str, bytes]:
    from forms.build import build_all

    return {b.form_id: b.xml_path.read_bytes() for b in build_all(out_dir, xlsx=False)}


def make_store(db_url: str, instance_dir: Path, forms: dict[str, bytes], **overrides) -> Store:
    settings = load_settings(environ={}, instance_dir=instance_dir, database_url=db_url, **overrides)
    engine = upgrade(settings)
    with engine.begin() as conn:
        formdefs.publish(conn, forms.values())
    return Store(settings, engine, forms)


def post(store: Store, form_id: str, answers: dict, **kw):
    """Ingest one submission of ``form_id`` made from ``answers`` (``instance_xml`` keywords
    in ``kw``); it must be stored and projected without error."""
    from chips.ingest import ingest
    from chips.records.xml import submission_from_xml
    from tests.support.submissions import instance_xml

    xml = instance_xml(store.forms[form_id], answers, **kw)
    with store.engine.begin() as conn:
        result = ingest(conn, submission_from_xml(xml, source="test"), store.settings)
    assert result.status in {"created", "updated"}, result
    assert result.projection_error is None, result.projection_error
    return result


def ingest_one_by_one(store: Store, subs) -> list:
    """``ingest`` of each submission in its own transaction: its result, or the
    ``IngestError`` that refused it (what ``ingest_many`` must answer alike)."""
    from chips.ingest import IngestError, ingest

    out = []
    for sub in subs:
        with store.engine.begin() as conn:
            try:
                out.append(ingest(conn, sub, store.settings))
            except IngestError as exc:
                out.append(exc)
    return out
