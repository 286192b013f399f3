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
