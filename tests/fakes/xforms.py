"""Real submissions for the fake servers, made from the forms in ``forms/``.

The forms are built from ``forms/xlsform/*.md`` (with ``forms.build.build_all`` when the
forms package has it, else pyxform directly). The first instance of each form is what ODK's
own XForm engine submits for the sample answers of ``tests/forms/samples.py``
(``tests/support/engine.py``); a few more are the form's primary instance filled leaf by
leaf from its bind types and choices; thousands are made from those by varying their
instanceIDs (and entity ids) and attachment names, which is all a sync looks at.

The same instance XML is then turned into the JSON that ODK Central's OData and Kobo's data
API would serve for it, following how each server builds its rows:
getodk/central-backend ``lib/data/odata.js`` (types, GeoJSON, nulls, repeat ``__id``) and
kobotoolbox/kpi ``parsed_instance.py`` (flat paths, strings, empty answers absent).
"""

from __future__ import annotations

import copy
import hashlib
import random
import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

REPO = Path(__file__).resolve().parents[2]
XF = "http://www.w3.org/2002/xforms"
JR = "http://openrosa.org/javarosa"


@lru_cache(maxsize=1)
def built_forms() -> dict[str, bytes]:
    """form_id -> XForm bytes of every form in forms/xlsform."""
    import tempfile

    out_dir = Path(tempfile.mkdtemp(prefix="chips-fake-forms-"))
    try:
        from forms.build import build_all  # the forms engineer's builder
        build_all(out_dir)
        paths = sorted(out_dir.glob("*.xml"))
    except ImportError:
        from pyxform.xls2xform import convert
        paths = []
        for md in sorted((REPO / "forms" / "xlsform").glob("*.md")):
            target = out_dir / f"{md.stem}.xml"
            target.write_text(convert(xlsform=str(md)).xform)
            paths.append(target)
    forms = {}
    for p in paths:
        xml = p.read_bytes()
        forms[FormSchema(xml).form_id] = xml
    return forms


@lru_cache(maxsize=None)
def engine_instance(form_id: str) -> bytes | None:
    """One submission of the form as ODK's own XForm engine makes it from the sample answers
    of tests/forms/samples.py (tests/support/engine.py); None when Node or the engine is
    not installed, and the fakes fall back to filling the instance leaf by leaf."""
    import tempfile

    try:
        from tests.forms.samples import sample
        from tests.support import engine
        answers, media = sample(form_id)
        path = Path(tempfile.mkdtemp(prefix="chips-fake-engine-")) / f"{form_id}.xml"
        path.write_bytes(built_forms()[form_id])
        result = engine.fill(path, answers, media)
    except Exception:  # noqa: BLE001 - engine missing or a sample out of date: fall back
        return None
    return result.xml if result.valid else None


def bases(schema: "FormSchema", variants: int, rng: random.Random) -> list[bytes]:
    """Instances to vary: the engine's real one first, then leaf-by-leaf fills."""
    real = engine_instance(schema.form_id)
    made = [fill(schema, i, rng) for i in range(variants - (1 if real else 0))]
    return ([real] if real else []) + made


def _local(tag: Any) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


@dataclass
class FormSchema:
    xml: bytes
    form_id: str = ""
    version: str = ""
    root: str = ""
    types: dict[str, str] = field(default_factory=dict)      # /data/a/b -> int, geopoint …
    repeats: set[str] = field(default_factory=set)
    choices: dict[str, list[str]] = field(default_factory=dict)
    template: Any = None
    create_if: str = ""  # the calculate of meta/entity/@create (an entities create_if), if any

    def __post_init__(self) -> None:
        doc = etree.fromstring(self.xml)
        inst = doc.find(f".//{{{XF}}}model/{{{XF}}}instance")
        data = [c for c in inst if isinstance(c.tag, str)][0]
        self.root = _local(data.tag)
        self.form_id = data.get("id")
        self.version = data.get("version") or ""
        for bind in doc.iter(f"{{{XF}}}bind"):
            self.types[bind.get("nodeset")] = bind.get("type") or "string"
            if (bind.get("nodeset") or "").endswith("/meta/entity/@create"):
                self.create_if = bind.get("calculate") or ""
        for rep in doc.iter(f"{{{XF}}}repeat"):
            self.repeats.add(rep.get("nodeset"))
        lists = {}
        for other in doc.iter(f"{{{XF}}}instance"):
            if other.get("id"):
                lists[other.get("id")] = [v.text for v in other.iter(f"{{{XF}}}name") if v.text]
        for tag in ("select1", "select"):
            for sel in doc.iter(f"{{{XF}}}{tag}"):
                values = [v.text for v in sel.iter(f"{{{XF}}}value") if v.text]
                itemset = sel.find(f"{{{XF}}}itemset")
                if itemset is not None and "instance('" in itemset.get("nodeset", ""):
                    values = lists.get(itemset.get("nodeset").split("'")[1], [])
                if values:
                    self.choices[sel.get("ref")] = values
        for bind in doc.iter(f"{{{XF}}}bind"):
            if bind.get("readonly") == "true()" and not bind.get("calculate"):
                self.types.pop(bind.get("nodeset"), None)  # a note holds no answer
        self.template = _plain(data)

    def binaries(self) -> list[str]:
        return [p for p, t in self.types.items() if t == "binary"]


def _plain(el):
    """A copy without the XForms default namespace (a submission has none), without the
    jr:template copies of repeats (they are the form's, not data)."""
    out = etree.Element(_local(el.tag), {k: v for k, v in el.attrib.items()
                                         if not k.startswith("{")})
    for child in el:
        if isinstance(child.tag, str) and child.get(f"{{{JR}}}template") is None:
            out.append(_plain(child))
    return out



def _path(el) -> str:
    parts = []
    while el is not None:
        parts.append(_local(el.tag))
        el = el.getparent()
    return "/" + "/".join(reversed(parts))


def _value(schema: FormSchema, path: str, kind: str, rng: random.Random, i: int) -> str | None:
    name = path.rsplit("/", 1)[-1]
    if path in schema.choices:
        opts = schema.choices[path]
        return rng.choice(opts)
    if kind == "int":
        return str(rng.randint(1, 60))
    if kind == "decimal":
        return f"{rng.uniform(1, 200):.1f}"
    if kind == "date":
        return f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}"
    if kind == "dateTime":
        return f"2026-{rng.randint(1, 10):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:15:00.000+07:00"
    if kind == "time":
        return "10:15:00.000+07:00"
    if kind == "geopoint":
        # as Collect writes a double (Java's Double.toString: no trailing zeros)
        lat, lon = round(-8.29 + rng.uniform(-0.04, 0.04), 6), round(114.2 + rng.uniform(-0.05, 0.05), 6)
        return f"{lat!r} {lon!r} {rng.randint(50, 200)}.0 {rng.randint(3, 20)}.0"
    if kind == "binary":
        return f"{name}-{i}.jpg"
    if name in ("instanceID", "instanceName", "deprecatedID"):
        return None
    return f"{name} {i}"


def fill(schema: FormSchema, i: int, rng: random.Random) -> bytes:
    data = copy.deepcopy(schema.template)
    # members: one to three rows of each repeat
    for el in list(data.iter()):
        if _path(el) in schema.repeats:
            for _ in range(rng.randint(0, 2)):
                el.addnext(copy.deepcopy(el))
    for el in data.iter():
        if len(el) or not isinstance(el.tag, str):
            continue
        path = _path(el)
        kind = schema.types.get(path)
        if kind is None:
            continue
        value = _value(schema, path, kind, rng, i)
        if value is not None:
            el.text = value
    iid = f"uuid:{uuid.UUID(int=rng.getrandbits(128))}"
    meta = data.find("meta")
    meta.find("instanceID").text = iid
    entity = meta.find("entity")
    if entity is not None:
        entity.set("id", str(uuid.UUID(int=rng.getrandbits(128))))
        label = entity.find("label")
        if label is not None:
            label.text = f"Rumah {i}"
        create = _create_flag(schema, data)
        if create is not None:
            entity.set("create", create)
    mirror_entity(data)
    return etree.tostring(data, encoding="UTF-8")


def _create_flag(schema: FormSchema, data) -> str | None:
    """The create flag as the engine computes it from a ``create_if`` of the form
    ``${field} = 'value'`` (ours are); None when the form has none or another kind."""
    match = re.fullmatch(r"\s*(/[\w/]+)\s*=\s*'([^']*)'\s*", schema.create_if)
    if not match:
        return None
    return "true" if data.findtext(match.group(1).split("/", 2)[2]) == match.group(2) else "false"


def mirror_entity(root) -> None:
    """Set the calculates that mirror meta/entity's attributes (``entity_id`` =
    ``/data/meta/entity/@id`` …, forms/README.md) as the form computes them."""
    entity = root.find("meta/entity")
    if entity is None:
        return
    for name, attribute in (("entity_id", "id"), ("entity_create", "create")):
        el = root.find(name)
        if el is not None:
            el.text = entity.get(attribute) or None


def instance_id(xml: bytes) -> str:
    return etree.fromstring(xml).find("meta/instanceID").text


def with_new_instance(xml: bytes, new_id: str, deprecated: str | None = None,
                      change: tuple[str, str] | None = None) -> bytes:
    """A copy with another instanceID (an edit when ``deprecated`` is given) and one value changed."""
    root = etree.fromstring(xml)
    meta = root.find("meta")
    meta.find("instanceID").text = new_id
    old = meta.find("deprecatedID")
    if deprecated:
        if old is None:
            old = etree.SubElement(meta, "deprecatedID")
        old.text = deprecated
    entity = meta.find("entity")
    if entity is not None and not deprecated and entity.get("id"):
        # a new submission registers a new household (an edit keeps its entity)
        entity.set("id", str(uuid.uuid5(uuid.NAMESPACE_URL, new_id)))
        mirror_entity(root)
    if change:
        el = root.find(change[0])
        el.text = change[1]
    return etree.tostring(root, encoding="UTF-8")


# -- as ODK Central serves it -------------------------------------------------------------

def _central_leaf(kind: str, text: str) -> Any:
    if text == "":
        return None
    if kind == "int":
        return int(text)
    if kind == "decimal":
        return float(text)
    if kind == "geopoint":
        lat, lon, *rest = (float(x) for x in text.split())
        point: dict[str, Any] = {"type": "Point", "coordinates": [lon, lat] + rest[:1]}
        if len(rest) > 1:
            point["properties"] = {"accuracy": rest[1]}
        return point
    return text


def _repeat_id(instance: str, path: list[str]) -> str:
    # Central hashes the field/iteration stack (odata.js hashId); any stable digest will do
    return hashlib.sha1("%%".join([f"Submissions#{instance}"] + path).encode()).hexdigest()


def central_data(schema: FormSchema, xml: bytes, logical_id: str) -> dict:
    root = etree.fromstring(xml)

    def walk(el, out: dict, trail: list[str], parent_id: str, parent_table: str) -> None:
        counts: dict[str, int] = {}
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = _local(child.tag)
            path = _path(child).replace(f"/{_local(root.tag)}", f"/{schema.root}", 1)
            if path in schema.repeats:
                counts[name] = counts.get(name, 0) + 1
                table = f"{parent_table}-{name}"
                row_trail = trail + [f"{name}#{counts[name]}"]
                row = {"__id": _repeat_id(logical_id, row_trail), f"__{parent_table}-id": parent_id}
                walk(child, row, row_trail, row["__id"], table)
                out.setdefault(name, []).append(row)
                out[f"{name}@odata.navigationLink"] = f"Submissions('{logical_id}')/{name}"
            elif len(child):
                sub: dict = {}
                walk(child, sub, trail + [f"{name}#"], parent_id, parent_table)
                out[name] = sub
            else:
                out[name] = _central_leaf(schema.types.get(path, "string"), child.text or "")

    out: dict = {}
    walk(root, out, [], logical_id, "Submissions")
    return out


# -- as KoboToolbox serves it -------------------------------------------------------------

def kobo_data(schema: FormSchema, xml: bytes) -> dict:
    root = etree.fromstring(xml)
    out: dict = {}

    def walk(el, target: dict, prefix: str) -> None:
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = _local(child.tag)
            key = f"{prefix}{name}"
            path = f"/{schema.root}/{key}"
            if path in schema.repeats:
                row: dict = {}
                walk(child, row, key + "/")
                target.setdefault(key, []).append(row)
            elif len(child):
                walk(child, target, key + "/")
            elif child.text:
                target[key] = child.text

    walk(root, out, "")
    return out
