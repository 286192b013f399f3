"""Read an XForm submission (the instance XML ODK Collect sends) into a record.

Read in one pass by expat (``xml.parsers.expat``, the parser under ElementTree), whose
handlers build the record directly: no element tree is built and walked afterwards, which
halves the CPU a submission costs the OpenRosa endpoint. Refused as defusedxml refuses
(``forbid_dtd``, ``forbid_entities``, ``forbid_external``; defusedxml/expatreader.py was
the model): a submission never needs a DTD, and refusing the DOCTYPE when it starts stops
entity expansion bombs and external entities before anything is expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.parsers import expat


class XmlSubmissionError(ValueError):
    """The bytes are not a usable submission; the message is for the person who sent it."""


@dataclass(frozen=True)
class ParsedXml:
    form_id: str
    form_version: str
    instance_id: str
    deprecated_id: str | None
    record: dict[str, Any]


# XForms nest groups and repeats a handful of levels deep; a fixed limit refuses hostile
# nesting the same way whatever Python's recursion limit happens to be.
MAX_DEPTH = 100


class _Forbidden(Exception):
    """Raised from inside expat's handlers: a DTD, an entity declaration, an external entity."""


def _forbidden(*_args: Any) -> None:
    raise _Forbidden


# expat reports a namespaced name as "<uri>}<local>" (the separator ElementTree uses too)
_NS_SEPARATOR = "}"
# local names seen, by expat's name: a form's few hundred names, computed once each
_LOCAL: dict[str, str] = {}
_LOCAL_MAX = 20_000


def _local(name: str) -> str:
    local = _LOCAL.get(name)
    if local is None:
        local = name[name.rfind(_NS_SEPARATOR) + 1:]
        if len(_LOCAL) < _LOCAL_MAX:  # hostile names must not grow it without end
            _LOCAL[name] = local
    return local


class _RecordBuilder:
    """expat's handlers, building each element's value as its end tag is read.

    An element's value, as the record holds it: a leaf without attributes is its text
    ("" when empty); a leaf with attributes is ``{"@attr": value, …}`` plus ``"#text"`` when
    it has text that is not blank; an element with children is ``{"@attr": …, child: value}``
    where a name met twice among siblings (a repeat) becomes a list. Text around children
    is dropped. Deeper than ``MAX_DEPTH`` is noted and refused once the XML is read (so
    malformed XML is still called malformed first)."""

    __slots__ = ("stack", "root", "root_attrs", "too_deep")

    def __init__(self) -> None:
        # one frame per open element: [local name, attributes, children (None while a leaf), text parts]
        self.stack: list[list[Any]] = []
        self.root: Any = None
        self.root_attrs: dict[str, str] = {}
        self.too_deep = False

    def start(self, name: str, attrs: dict[str, str]) -> None:
        stack = self.stack
        if not stack:
            self.root_attrs = attrs
        elif len(stack) > MAX_DEPTH:
            self.too_deep = True
        stack.append([_local(name), attrs, None, []])

    def data(self, text: str) -> None:
        if self.stack:  # expat reports no text outside the root; cheap to be sure
            self.stack[-1][3].append(text)

    def end(self, _name: str) -> None:
        name, attrs, children, texts = self.stack.pop()
        if children is not None:
            value: Any = children
        elif attrs:
            value = {f"@{_local(k)}": v for k, v in attrs.items()}
            text = "".join(texts)
            if text.strip():
                value["#text"] = text
        else:
            value = "".join(texts)
        if not self.stack:
            self.root = value
            return
        parent = self.stack[-1]
        siblings = parent[2]
        if siblings is None:
            siblings = parent[2] = {f"@{_local(k)}": v for k, v in parent[1].items()}
        if name in siblings:
            # the same name twice among siblings: a repeat
            held = siblings[name]
            if isinstance(held, list):
                held.append(value)
            else:
                siblings[name] = [held, value]
        else:
            siblings[name] = value


def _read(raw: bytes) -> _RecordBuilder:
    builder = _RecordBuilder()
    parser = expat.ParserCreate(None, _NS_SEPARATOR)
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.StartDoctypeDeclHandler = _forbidden
    parser.EntityDeclHandler = _forbidden
    parser.UnparsedEntityDeclHandler = _forbidden
    parser.ExternalEntityRefHandler = _forbidden
    try:
        parser.Parse(raw, True)
    except _Forbidden:
        raise XmlSubmissionError("XML with a DTD or entities is not accepted") from None
    except expat.ExpatError as exc:
        raise XmlSubmissionError(f"malformed XML: {exc}") from None
    return builder


def _value_of(builder: _RecordBuilder) -> Any:
    if builder.too_deep:
        raise XmlSubmissionError(f"XML nested more than {MAX_DEPTH} levels deep")
    return builder.root


def record_from_xml(raw: bytes) -> dict[str, Any]:
    """The record of a submission: the instance without its root element."""
    value = _value_of(_read(raw))
    if not isinstance(value, dict):
        return {}
    return {k: v for k, v in value.items() if not k.startswith("@")}


def _text(value: Any) -> str:
    if isinstance(value, dict):
        value = value.get("#text", "")
    if isinstance(value, list):
        value = value[0] if value else ""
    return (value or "").strip() if isinstance(value, str) else ""


def parse_submission(raw: bytes) -> ParsedXml:
    """Form id, version, instanceID, deprecatedID and the record; refuses what lacks them."""
    read = _read(raw)
    form_id = read.root_attrs.get("id") or ""
    if not form_id:
        raise XmlSubmissionError("the submission's root element has no form id attribute")
    version = read.root_attrs.get("version") or ""
    value = _value_of(read)
    record = {k: v for k, v in value.items() if not k.startswith("@")} if isinstance(value, dict) else {}
    meta = record.get("meta")
    meta = meta if isinstance(meta, dict) else {}
    instance_id = _text(meta.get("instanceID"))
    if not instance_id:
        raise XmlSubmissionError("the submission has no meta/instanceID")
    deprecated_id = _text(meta.get("deprecatedID")) or None
    return ParsedXml(form_id, version, instance_id, deprecated_id, record)


def submission_from_xml(raw: bytes, *, source: str, attachments=(), **fields: Any):
    """A :class:`chips.submission.Submission` from submission XML (for the OpenRosa
    endpoint, the demo and tests); ``fields`` sets submitter, device_id, source_ref …"""
    from chips.submission import Submission

    parsed = parse_submission(raw)
    return Submission(
        form_id=parsed.form_id, form_version=parsed.form_version, instance_id=parsed.instance_id,
        deprecated_id=parsed.deprecated_id, data=parsed.record, raw=raw, raw_format="xml",
        source=source, attachments=tuple(attachments), **fields,
    )
