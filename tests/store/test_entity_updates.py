"""Entity updates from a form (``update="1"``, ``baseVersion``): generic, no per-list code.

The project's forms only create entities; this form (built here with pyxform) updates a
household's phone, as an ODK form with an ``entity_id`` column does."""

from __future__ import annotations

import uuid

from pyxform.xls2xform import convert
from sqlalchemy import select

from chips import formdefs
from chips.db import schema as s
from chips.ingest import ingest, reproject
from chips.records.xml import submission_from_xml
from tests.support.db import dump_tables
from tests.support.submissions import household_answers, instance_xml

UPDATE_FORM = """
| survey |
| | type | name | label | save_to |
| | text | hh | Household id | |
| | text | phone | Phone | phone |
| entities |
| | list_name | entity_id | label |
| | households | ${hh} | concat('Updated ', ${phone}) |
| settings |
| | form_id | version |
| | hh_update | 1 |
"""


def _post(store, xml):
    with store.engine.begin() as conn:
        return ingest(conn, submission_from_xml(xml, source="test"), store.settings)


def _update(store, form, hh, phone, base, **kw):
    xml = instance_xml(form, {"hh": hh, "phone": phone}, entity_id=hh, entity_label=f"Updated {phone}", **kw)
    return xml.replace(b'baseVersion=""', f'baseVersion="{base}"'.encode())


def test_updates_merge_properties_count_versions_and_flag_conflicts(store):
    form = convert(xlsform=UPDATE_FORM, file_type=".md").xform.encode()
    with store.engine.begin() as conn:
        formdefs.publish(conn, [form])
    hh = str(uuid.uuid4())
    reg = instance_xml(store.forms["household_registration"], household_answers(), entity_id=hh, entity_label="HH")
    assert _post(store, reg).status == "created"

    assert _post(store, _update(store, form, hh, "0811", 1, instance_id="uuid:u1")).status == "created"
    with store.engine.connect() as conn:
        ent = conn.execute(select(s.entities)).one()
    assert (ent.version, ent.label, ent.conflict) == (2, "Updated 0811", False)
    assert ent.properties["phone"] == "0811" and ent.properties["village"] == "35.10.20.2001"  # merged

    # a second phone still held version 1: applied, and flagged as Central does
    assert _post(store, _update(store, form, hh, "0822", 1, instance_id="uuid:u2")).status == "created"
    with store.engine.connect() as conn:
        ent = conn.execute(select(s.entities)).one()
    assert (ent.version, ent.properties["phone"], ent.conflict) == (3, "0822", True)

    # editing the first update replaces its effect in place
    edit = _update(store, form, hh, "0833", 1, instance_id="uuid:u1b", deprecated_id="uuid:u1")
    assert _post(store, edit).status == "updated"
    with store.engine.connect() as conn:
        ent = conn.execute(select(s.entities)).one()
        csv_props = formdefs.dataset_properties(formdefs.current(conn), "households")
    assert (ent.version, ent.properties["phone"]) == (3, "0822")  # u2 still came after it
    assert csv_props.count("phone") == 1

    before = dump_tables(store.engine, ["entities", "entity_events"])
    with store.engine.begin() as conn:
        reproject(conn, store.settings)
    assert dump_tables(store.engine, ["entities", "entity_events"]) == before
