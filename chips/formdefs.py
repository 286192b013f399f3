"""The XForms the server knows: published versions kept byte for byte in ``xforms``.

A form version is *known* once published here. Ingest reads a version's entity
declarations (``meta/entity`` blocks and ``entities:saveto`` binds), its attachment
fields and its repeats from the stored XForm, so entity lists need no per-list code and a
submission of an older version stays projectable after the form has moved on.
"""

from __future__ import annotations

import hashlib
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

from lxml import etree
from sqlalchemy import Connection, bindparam, func, select

from chips.db.schema import xforms

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"
JR = "http://openrosa.org/javarosa"
ENTITIES = "http://www.opendatakit.org/xforms/entities"

Path_ = tuple[str, ...]


@dataclass(frozen=True)
class EntityDecl:
    dataset: str
    # the element holding meta/entity, below the root: () for the form, ("members",) for a repeat
    scope: Path_
    # (property, path below the scope)
    properties: tuple[tuple[str, Path_], ...]


@dataclass(frozen=True)
class FormDef:
    form_id: str
    version: str
    title: str
    xml: bytes
    md5: str
    entities: tuple[EntityDecl, ...]
    binary_paths: tuple[Path_, ...]
    repeat_paths: frozenset[Path_]
    # file names the form reads from its media (jr://file/…, jr://file-csv/…)
    media: tuple[str, ...]


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _split(nodeset: str) -> Path_:
    """``/data/group/field`` → ``("group", "field")`` (the root name dropped)."""
    parts = [p for p in nodeset.strip().split("/") if p]
    return tuple(parts[1:])


@lru_cache(maxsize=256)
def parse_xform(xml: bytes) -> FormDef:
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    doc = etree.fromstring(xml, parser)
    title = (doc.findtext(f"{{{H}}}head/{{{H}}}title") or "").strip()
    model = doc.find(f"{{{H}}}head/{{{XF}}}model")
    if model is None:
        raise ValueError("not an XForm: no h:head/model")
    primary = next((i for i in model.findall(f"{{{XF}}}instance") if not i.get("id")), None)
    root = next(iter(primary), None) if primary is not None else None
    if root is None:
        raise ValueError("not an XForm: no primary instance")
    form_id = root.get("id") or ""
    version = root.get("version") or ""

    def local(el: Any) -> str:
        return etree.QName(el).localname

    scopes: list[tuple[Path_, str]] = []
    repeats: set[Path_] = set()

    def walk(el: Any, path: Path_) -> None:
        seen: set[str] = set()
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = local(child)
            if name in seen:
                continue  # the template and the default row of a repeat: look once
            seen.add(name)
            if child.get(f"{{{JR}}}template") is not None:
                repeats.add(path + (name,))
            if name == "meta":
                for ent in child:
                    if isinstance(ent.tag, str) and local(ent) == "entity" and ent.get("dataset"):
                        scopes.append((path, ent.get("dataset")))
            walk(child, path + (name,))

    walk(root, ())
    for body_repeat in doc.iter(f"{{{XF}}}repeat"):
        if body_repeat.get("nodeset"):
            repeats.add(_split(body_repeat.get("nodeset")))

    saveto: list[tuple[Path_, str]] = []
    binaries: list[Path_] = []
    for bind in model.findall(f"{{{XF}}}bind"):
        nodeset = bind.get("nodeset") or ""
        prop = bind.get(f"{{{ENTITIES}}}saveto")
        if prop:
            saveto.append((_split(nodeset), prop))
        if bind.get("type") == "binary":
            binaries.append(_split(nodeset))

    decls = []
    for scope, dataset in scopes:
        props = []
        for path, prop in saveto:
            if path[: len(scope)] != scope:
                continue
            # the nearest (deepest) scope owns a bind
            owner = max((s for s, _ in scopes if path[: len(s)] == s), key=len)
            if owner == scope:
                props.append((prop, path[len(scope):]))
        decls.append(EntityDecl(dataset, scope, tuple(props)))

    media: list[str] = []
    for inst in model.findall(f"{{{XF}}}instance"):
        src = inst.get("src") or ""
        if src.startswith("jr://file"):
            media.append(src.rsplit("/", 1)[-1])
    for el in doc.iter():
        if isinstance(el.tag, str) and el.text and "jr://" in el.text and local(el) == "value":
            name = el.text.strip().rsplit("/", 1)[-1]
            if name and name not in media:
                media.append(name)

    return FormDef(
        form_id=form_id,
        version=version,
        title=title or form_id,
        xml=xml,
        md5=hashlib.md5(xml).hexdigest(),
        entities=tuple(decls),
        binary_paths=tuple(binaries),
        repeat_paths=frozenset(repeats),
        media=tuple(dict.fromkeys(media)),
    )


def publish(conn: Connection, xml_documents: Iterable[bytes]) -> list[FormDef]:
    """Record each XForm version not seen before; returns the newly published ones."""
    new = []
    for xml in xml_documents:
        fd = parse_xform(xml)
        exists = conn.execute(
            select(xforms.c.md5).where(xforms.c.form_id == fd.form_id, xforms.c.version == fd.version)
        ).first()
        if exists is None:
            conn.execute(
                xforms.insert().values(
                    form_id=fd.form_id, version=fd.version, title=fd.title, xml=xml, md5=fd.md5,
                    published_at=_now(),
                )
            )
            new.append(fd)
        elif exists.md5 != fd.md5:
            # Phones that hold this version would never fetch the changed bytes.
            raise ValueError(
                f"form {fd.form_id} version {fd.version} changed without a new version; "
                "bump `version` in its settings sheet"
            )
    return new


def build_and_publish(conn: Connection, settings: Any) -> list[FormDef]:
    """Build the project's XLSForms (``forms.build``) and publish what is new."""
    from forms.build import build_all  # the forms package builds; we only keep the result
    from forms.problems import FormError

    out = Path(settings.instance_dir) / "forms"
    out.mkdir(parents=True, exist_ok=True)
    try:
        built = build_all(out, xlsx=False)
    except FormError as exc:
        raise ValueError(f"the forms do not build:\n{exc}") from None
    paths = _xml_paths(built, out)
    return publish(conn, (p.read_bytes() for p in paths))


def _xml_paths(built: Any, out: Path) -> list[Path]:
    """The .xml files ``build_all`` produced, whatever shape its answer has."""
    found: list[Path] = []
    items = built.values() if isinstance(built, dict) else (built or [])
    for item in items:
        candidate = getattr(item, "xform_path", None) or getattr(item, "xml_path", None) or item
        if isinstance(candidate, (str, Path)) and str(candidate).endswith(".xml"):
            found.append(Path(candidate))
    return found or sorted(out.glob("*.xml"))


_MD5_OF = select(xforms.c.md5).where(xforms.c.form_id == bindparam("b_form"), xforms.c.version == bindparam("b_version"))
_XML_OF = select(xforms.c.xml).where(xforms.c.form_id == bindparam("b_form"), xforms.c.version == bindparam("b_version"))
# parsed forms by the MD5 of their bytes: ingest asks once per submission, and reading the
# small hash instead of the whole XForm (then hashing it again for parse_xform's cache)
# was a good part of its cost
_BY_MD5: dict[str, FormDef] = {}
# (form id, version) -> parsed form, per database (engine). A published version never
# changes or goes away (``publish`` refuses changed bytes under a known version; nothing
# deletes from ``xforms``), so a version found once is found for good and the OpenRosa
# endpoint and ingest skip two queries per submission; a version not found is asked again.
_PUBLISHED: "weakref.WeakKeyDictionary[Any, dict[tuple[str, str], FormDef]]" = weakref.WeakKeyDictionary()


def load(conn: Connection, form_id: str, version: str) -> FormDef | None:
    known = _PUBLISHED.get(conn.engine)
    if known is not None and (fd := known.get((form_id, version))) is not None:
        return fd
    fd = _load(conn, form_id, version)
    if fd is not None:
        known = _PUBLISHED.setdefault(conn.engine, {})
        if len(known) < 1024:
            known[(form_id, version)] = fd
    return fd


def is_known_form(conn: Connection, form_id: str) -> bool:
    """Whether any version of ``form_id`` is published here."""
    known = _PUBLISHED.get(conn.engine)
    if known is not None and any(f == form_id for f, _ in known):
        return True
    return conn.execute(select(xforms.c.id).where(xforms.c.form_id == form_id).limit(1)).first() is not None


def _load(conn: Connection, form_id: str, version: str) -> FormDef | None:
    key = {"b_form": form_id, "b_version": version}
    md5 = conn.execute(_MD5_OF, key).scalar()
    if md5 is None:
        return None
    fd = _BY_MD5.get(md5)
    if fd is None:
        row = conn.execute(_XML_OF, key).first()
        if row is None:
            return None
        fd = parse_xform(bytes(row.xml))
        if len(_BY_MD5) < 256:
            _BY_MD5[fd.md5] = fd
    return fd


def current(conn: Connection) -> list[FormDef]:
    """The newest published version of every form, by form id."""
    newest = (
        select(xforms.c.form_id, func.max(xforms.c.id).label("id")).group_by(xforms.c.form_id).subquery()
    )
    rows = conn.execute(
        select(xforms.c.xml).join(newest, newest.c.id == xforms.c.id).order_by(xforms.c.form_id)
    )
    return [parse_xform(bytes(r.xml)) for r in rows]


def dataset_properties(formdefs: Iterable[FormDef], dataset: str) -> list[str]:
    """Every property any of these forms saves to ``dataset``, in first-seen order."""
    props: dict[str, None] = {}
    for fd in formdefs:
        for decl in fd.entities:
            if decl.dataset == dataset:
                for prop, _ in decl.properties:
                    props.setdefault(prop)
    return list(props)


def datasets(formdefs: Iterable[FormDef]) -> list[str]:
    return sorted({d.dataset for fd in formdefs for d in fd.entities})


_NEWEST_XML = (select(xforms.c.xml).where(xforms.c.form_id == bindparam("b_form"))
               .order_by(xforms.c.id.desc()).limit(1))


def newest(conn: Connection, form_id: str) -> FormDef | None:
    """The newest published version of one form."""
    row = conn.execute(_NEWEST_XML, {"b_form": form_id}).first()
    return parse_xform(bytes(row.xml)) if row else None


def _language_code(lang: str) -> str:
    # pyxform writes translations as "Indonesian (id)", "English (en)"; a form without
    # language columns has one translation called "default"
    if lang.endswith(")") and "(" in lang:
        return lang[lang.rindex("(") + 1:-1].strip()
    return lang


@lru_cache(maxsize=64)
def _choice_labels(xml: bytes, list_name: str) -> dict[str, dict[str, str]]:
    doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    model = doc.find(f"{{{H}}}head/{{{XF}}}model")
    texts: dict[str, dict[str, str]] = {}  # itext id -> language -> label
    for translation in model.iterfind(f"{{{XF}}}itext/{{{XF}}}translation"):
        code = _language_code(translation.get("lang") or "default")
        for text in translation.iterfind(f"{{{XF}}}text"):
            value = next((v for v in text.iterfind(f"{{{XF}}}value") if not v.get("form")), None)
            if value is not None:
                texts.setdefault(text.get("id"), {})[code] = "".join(value.itertext()).strip()
    labels: dict[str, dict[str, str]] = {}
    for instance in model.iterfind(f"{{{XF}}}instance"):
        if instance.get("id") != list_name:
            continue
        for item in instance.iter(f"{{{XF}}}item"):
            name = item.findtext(f"{{{XF}}}name")
            if name is None:
                continue
            text_id = item.findtext(f"{{{XF}}}itextId")
            plain = item.findtext(f"{{{XF}}}label")
            labels[name] = texts.get(text_id, {}) if text_id else ({"default": plain} if plain else {})
    return labels


def choice_labels(fd: FormDef, list_name: str) -> dict[str, dict[str, str]]:
    """The choices of one list of a form: value -> {language code: label} (``id``, ``en``
    for our forms), read from the XForm itself so the web pages say what the phone said."""
    return _choice_labels(fd.xml, list_name)


def choice_label(labels: dict[str, dict[str, str]], value: str | None, lang: str) -> str | None:
    """The label of ``value`` in ``lang`` (else the form's default language, else the value
    itself: an answer from an older version may name a choice the list no longer has)."""
    if value is None:
        return None
    found = labels.get(value)
    if not found:
        return value
    return found.get(lang) or next(iter(found.values()), value)
