"""Submission XML made from a built XForm's own primary instance.

The instance of the XForm is the template: answers are written into its elements, repeat
rows are copies of the repeat's template row, ``meta/instanceID`` and the entity id are
filled in — so the XML has exactly the built form's structure, as ODK Collect sends it
(no XForms namespace on the instance, ``id``/``version`` on the root).
Used where the Node XForm engine (tests/support/engine.py) is not needed: posting many
submissions, edits, bad input.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from lxml import etree

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"
JR = "http://openrosa.org/javarosa"


def _strip_ns(el: Any) -> None:
    for node in el.iter():
        if isinstance(node.tag, str) and node.tag.startswith("{"):
            node.tag = node.tag.split("}", 1)[1]
        for key in list(node.attrib):
            if key == f"{{{JR}}}template":
                continue
    etree.cleanup_namespaces(el)


def _template(xform: bytes) -> Any:
    doc = etree.fromstring(xform, etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True))
    model = doc.find(f"{{{H}}}head/{{{XF}}}model")
    primary = next(i for i in model.findall(f"{{{XF}}}instance") if not i.get("id"))
    root = copy.deepcopy(next(iter(primary)))
    _strip_ns(root)
    return root


def _fill(el: Any, answers: dict[str, Any]) -> None:
    children = [c for c in el if isinstance(c.tag, str)]
    templates = {c.tag: c for c in children if c.get(f"{{{JR}}}template") is not None}
    for name, tmpl in templates.items():
        rows = answers.get(name)
        rows = rows if isinstance(rows, list) else ([rows] if isinstance(rows, dict) else [])
        position = list(el).index(tmpl)
        for c in [c for c in el if c.tag == name]:
            el.remove(c)
        for i, row in enumerate(rows):
            new = copy.deepcopy(tmpl)
            del new.attrib[f"{{{JR}}}template"]
            _fill(new, row)
            el.insert(position + i, new)
    for child in [c for c in el if isinstance(c.tag, str) and c.tag not in templates]:
        value = answers.get(child.tag)
        if isinstance(value, dict):
            _fill(child, value)
        elif value is not None:
            for sub in list(child):
                child.remove(sub)
            child.text = str(value)
        elif len(child):
            _fill(child, {})


def instance_xml(
    xform: bytes,
    answers: dict[str, Any],
    *,
    instance_id: str | None = None,
    deprecated_id: str | None = None,
    entity_id: str | None = None,
    entity_label: str | None = None,
    entity_create: str | None = None,
    drop_empty: bool = True,
) -> bytes:
    """The submission XML of ``xform`` with ``answers`` (nested like the record)."""
    root = _template(xform)
    _fill(root, answers)
    meta = root.find("meta")
    if meta is None:
        meta = etree.SubElement(root, "meta")
    iid = meta.find("instanceID")
    if iid is None:
        iid = etree.SubElement(meta, "instanceID")
    iid.text = instance_id or f"uuid:{uuid.uuid4()}"
    if deprecated_id:
        dep = meta.find("deprecatedID")
        if dep is None:
            dep = etree.SubElement(meta, "deprecatedID")
        dep.text = deprecated_id
    entity = meta.find("entity")
    if entity is not None:
        entity.set("id", entity_id or str(uuid.uuid4()))
        if entity_create is not None:
            entity.set("create", entity_create)
        label = entity.find("label")
        if label is not None and entity_label is not None:
            label.text = entity_label
    if drop_empty:
        # Collect leaves out what was not relevant; empty leaves are dropped the same way
        for leaf in [e for e in root.iter() if isinstance(e.tag, str) and len(e) == 0 and not (e.text or "").strip()]:
            if leaf.tag not in {"label"} and leaf.getparent() is not None and leaf.getparent().tag != "entity":
                leaf.getparent().remove(leaf)
    return etree.tostring(root, xml_declaration=False, encoding="utf-8")


def household_answers(**overrides: Any) -> dict[str, Any]:
    """A consenting household in Sempu with two members and a sticker (forms/README.md)."""
    answers: dict[str, Any] = {
        "start": "2026-11-24T09:00:00.000+07:00",
        "end": "2026-11-24T09:20:00.000+07:00",
        "today": "2026-11-24",
        "deviceid": "collect:test",
        "username": "tim1",
        "consent": "yes",
        "location": {
            "village": "35.10.20.2001", "village_name": "Sempu", "dusun": "Krajan", "rt": "2", "rw": "5",
            "address": "Dekat rel kereta", "gps": "-8.2812 114.2201 95.0 4.5",
        },
        "household": {"head_name": "Pak Slamet", "phone": "081234567890", "poverty": "dtks"},
        "members": [
            {"member_name": "Pak Slamet", "sex": "male", "dob": "1950-03-01", "age_years": "76",
             "relation": "head", "pregnant": "no", "lives_alone": "yes", "disability": "physical",
             "jkn": "pbi", "is_elderly": "1", "is_lone_elderly": "1", "is_pregnant": "0", "is_under_five": "0"},
            {"member_name": "Siti", "sex": "female", "dob": "2000-07-15", "age_years": "26",
             "relation": "child", "pregnant": "yes", "lives_alone": "no", "disability": "none",
             "jkn": "none", "is_elderly": "0", "is_lone_elderly": "0", "is_pregnant": "1", "is_under_five": "0"},
        ],
        "member_count": "2", "elderly_count": "1", "lone_elderly_count": "1", "pregnant_count": "1",
        "under_five_count": "0",
        "sticker": {"sticker_installed": "yes", "sticker_serial": "CHIPS-0001", "sticker_phone": "081111",
                    "sticker_date": "2026-11-24", "sticker_photo": "sticker.jpg"},
        "kenthongan": {"kenthongan_installed": "yes", "kenthongan_date": "2026-11-24"},
        "kenthongan_status": "yes",
        "registered_on": "2026-11-24",
    }
    answers.update(overrides)
    return answers
