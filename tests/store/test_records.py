"""Reading submission XML into records, and refusing what is not a submission."""

from __future__ import annotations

import pytest

from chips.records import get, record_from_raw, rows
from chips.records.xml import XmlSubmissionError, parse_submission

COLLECT = b"""<?xml version='1.0' ?><data xmlns:jr="http://openrosa.org/javarosa"
 xmlns:orx="http://openrosa.org/xforms" id="household_registration" version="2026112401">
<location><village>35.10.20.2001</village><gps>-8.1 114.2 10.0 5.0</gps></location>
<members><member_name>A</member_name></members>
<empty/>
<orx:meta><entity dataset="households" id="0d7f2f4e-6a8e-4c65-b6a0-2a5b2f7f3c11" create="true"><label>L</label></entity>
<orx:instanceID>uuid:abc</orx:instanceID><orx:deprecatedID>uuid:old</orx:deprecatedID></orx:meta></data>"""


def test_collect_submission_becomes_a_record():
    parsed = parse_submission(COLLECT)
    assert (parsed.form_id, parsed.form_version, parsed.instance_id, parsed.deprecated_id) == (
        "household_registration", "2026112401", "uuid:abc", "uuid:old")
    record = parsed.record
    assert get(record, "location/gps") == "-8.1 114.2 10.0 5.0"
    assert record["empty"] == ""
    assert rows(record["members"]) == [{"member_name": "A"}]  # a one-row repeat reads as a list
    assert record["meta"]["entity"] == {"@dataset": "households", "@id": "0d7f2f4e-6a8e-4c65-b6a0-2a5b2f7f3c11",
                                        "@create": "true", "label": "L"}
    assert record_from_raw("xml", COLLECT) == record


def test_xforms_namespace_on_the_instance_is_read_the_same():
    enketo = COLLECT.replace(b"<data ", b'<data xmlns="http://www.w3.org/2002/xforms" ')
    assert parse_submission(enketo).record == parse_submission(COLLECT).record


@pytest.mark.parametrize(
    "raw, words",
    [
        (b"", "malformed"),
        (b"<data id='x'><meta><instanceID>uuid:1</instanceID></meta>", "malformed"),
        (b"<data><meta><instanceID>uuid:1</instanceID></meta></data>", "form id"),
        (b"<data id='x'><meta><instanceID>  </instanceID></meta></data>", "instanceID"),
        (b"<!DOCTYPE d [<!ENTITY e 'x'>]><data id='x'>&e;</data>", "DTD"),
        (b"<!DOCTYPE d SYSTEM 'http://example.invalid/d.dtd'><data id='x'/>", "DTD"),
        (b"<data id='x'>" + b"<g>" * 5000 + b"</g>" * 5000 + b"</data>", "nested"),
    ],
)
def test_not_a_submission(raw, words):
    with pytest.raises(XmlSubmissionError, match=words):
        parse_submission(raw)


def test_unknown_raw_format():
    with pytest.raises(ValueError, match="raw format"):
        record_from_raw("csv", b"")


def test_nesting_limit_does_not_depend_on_the_recursion_limit():
    import sys

    import pytest

    from chips.records.xml import MAX_DEPTH, XmlSubmissionError, record_from_xml

    def nested(levels: int) -> bytes:
        return b"<data>" + b"<g>" * levels + b"v" + b"</g>" * levels + b"</data>"

    assert record_from_xml(nested(MAX_DEPTH - 1))
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(old + 5000)
    try:
        with pytest.raises(XmlSubmissionError, match="nested"):
            record_from_xml(nested(MAX_DEPTH + 2))
    finally:
        sys.setrecursionlimit(old)
