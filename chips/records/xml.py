"""Read an XForm submission (the instance XML ODK Collect sends) into a record.

Parsed with defusedxml with DTDs forbidden: a submission never needs one, and refusing
them stops entity expansion bombs and external entities before anything is expanded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring


class XmlSubmissionError(ValueError):
    """The bytes are not a usable submission; the message is for the person who sent it."""


@dataclass(frozen=True)
class ParsedXml:
    form_id: str
    form_version: str
    instance_id: str
    deprecated_id: str | None
    record: dict[str, Any]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if tag.startswith("{") else tag


# XForms nest groups and repeats a handful of levels deep; a fixed limit refuses hostile
# nesting the same way whatever Python's recursion limit happens to be.
MAX_DEPTH = 100


def _element_value(el: Element, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise XmlSubmissionError(f"XML nested more than {MAX_DEPTH} levels deep")
    children = list(el)
    if not children:
        if el.attrib:
            node: dict[str, Any] = {f"@{_local(k)}": v for k, v in el.attrib.items()}
            if (el.text or "").strip():
                node["#text"] = el.text
            return node
        return el.text or ""
    node = {f"@{_local(k)}": v for k, v in el.attrib.items()}
    for child in children:
        name = _local(child.tag)
        value = _element_value(child, depth + 1)
        if name in node:
            # the same name twice among siblings: a repeat
            if not isinstance(node[name], list):
                node[name] = [node[name]]
            node[name].append(value)
        else:
            node[name] = value
    return node


def _root(raw: bytes) -> Element:
    try:
        return fromstring(raw, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise XmlSubmissionError("XML with a DTD or entities is not accepted") from None
    except ParseError as exc:
        raise XmlSubmissionError(f"malformed XML: {exc}") from None


def _value_of(root: Element) -> Any:
    try:
        return _element_value(root)
    except RecursionError:
        raise XmlSubmissionError("XML nested too deeply") from None


def record_from_xml(raw: bytes) -> dict[str, Any]:
    """The record of a submission: the instance without its root element."""
    root = _root(raw)
    value = _value_of(root)
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
    root = _root(raw)
    form_id = root.attrib.get("id") or ""
    if not form_id:
        raise XmlSubmissionError("the submission's root element has no form id attribute")
    version = root.attrib.get("version") or ""
    value = _value_of(root)
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
