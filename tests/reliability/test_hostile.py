"""Hostile input: property tests of the submission parser and of ``POST /submission``.

The parser either reads a submission or raises ``XmlSubmissionError`` — never anything
else. The endpoint answers every hostile body (truncated XML, random bytes, huge nesting,
entity expansion, external entities, path-like file names, broken multipart, oversized
parts, no instanceID, a form we do not serve, over-long ids) with a 4xx carrying an
OpenRosa message, keeps answering, and leaves every stored row and file as it was.
"""

from __future__ import annotations

import re
import uuid
from collections import Counter

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from chips.records.xml import XmlSubmissionError, parse_submission, submission_from_xml
from server.app import create_app
from tests.reliability.figures import report
from tests.reliability.multipart import body, part
from tests.server.conftest import OR, Running, start
from tests.server.test_openrosa import ALL, DIGEST
from tests.support.db import dump_tables
from tests.support.live_server import serving
from tests.support.submissions import household_answers, instance_xml

ORR = "{http://openrosa.org/http/response}"
FORMS = {"household_registration", "house_condition", "visit_request", "home_visit", "anc_visit"}
MAX_ATTACHMENT = 4096
FAST = settings(max_examples=150, deadline=None, database=None, suppress_health_check=list(HealthCheck))

names = st.text(st.characters(min_codepoint=0x61, max_codepoint=0x7a), min_size=1, max_size=8)
leaf_text = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=20).filter(
    lambda t: all(c in "\t\n" or ord(c) >= 0x20 for c in t) and "\ufffe" not in t and "\uffff" not in t)


# --- the parser --------------------------------------------------------------------------


def _tree(depth: int):
    """Nested dicts of element names -> text or dicts (no repeated names: no repeats)."""
    leaf = leaf_text
    if depth == 0:
        return leaf
    return st.one_of(leaf, st.dictionaries(names, st.deferred(lambda: _tree(depth - 1)), min_size=1, max_size=4))


def _xml_of(form_id: str, version: str, record: dict) -> bytes:
    root = etree.Element("data", id=form_id, version=version)

    def fill(el, value):
        if isinstance(value, dict):
            for k, v in value.items():
                fill(etree.SubElement(el, k), v)
        else:
            el.text = value

    fill(root, record)
    return etree.tostring(root)


@FAST
@given(record=st.dictionaries(names.filter(lambda n: n != "meta"), _tree(3), max_size=5),
       iid=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e, blacklist_characters="<&"), min_size=1, max_size=60),
       version=st.text(st.characters(min_codepoint=0x30, max_codepoint=0x39), max_size=10))
def test_parser_reads_back_every_well_formed_submission(record, iid, version):
    """Whatever answers a well-formed submission holds, the record is exactly them."""
    record = {**record, "meta": {"instanceID": iid}}
    sub = submission_from_xml(_xml_of("f", version, record), source="test")
    assert (sub.form_id, sub.form_version, sub.instance_id) == ("f", version, iid.strip())
    assert sub.data == record  # every leaf as its text, an empty one as ""


def _truncations(xml: bytes):
    return st.integers(0, len(xml) - 1).map(lambda n: xml[:n])


def _nested(depth: int, with_id: bool) -> bytes:
    # deeper than any recursion limit in use (Hypothesis raises it by 2,000 while it runs):
    # the parser refuses what it cannot walk, and no form nests groups this deep
    meta = b"<meta><instanceID>uuid:deep</instanceID></meta>" if with_id else b""
    return b'<data id="household_registration">' + meta + b"<a>" * depth + b"x" + b"</a>" * depth + b"</data>"


def _bomb(levels: int, fan: int) -> bytes:
    ents = ['<!ENTITY e0 "lol">'] + [f'<!ENTITY e{i} "{("&e%d;" % (i - 1)) * fan}">' for i in range(1, levels)]
    return (f'<?xml version="1.0"?><!DOCTYPE data [{"".join(ents)}]>'
            f'<data id="household_registration"><x>&e{levels - 1};</x>'
            "<meta><instanceID>uuid:bomb</instanceID></meta></data>").encode()


def _xxe(target: str, kind: str) -> bytes:
    dtd = {
        "general": f'<!DOCTYPE data [<!ENTITY x SYSTEM "{target}">]>',
        "parameter": f'<!DOCTYPE data [<!ENTITY % p SYSTEM "{target}"> %p;]>',
        "external-dtd": f'<!DOCTYPE data SYSTEM "{target}">',
    }[kind]
    ref = "&x;" if kind == "general" else ""
    return (f'<?xml version="1.0"?>{dtd}<data id="household_registration"><x>{ref}</x>'
            "<meta><instanceID>uuid:xxe</instanceID></meta></data>").encode()


def _targets():
    return st.sampled_from(["file:///etc/passwd", "file:///dev/zero", "http://127.0.0.1:9/x.dtd", "/etc/hostname",
                            "expect://id", "php://filter/resource=/etc/passwd"])


def _good(forms) -> bytes:
    return instance_xml(forms["household_registration"], household_answers(), instance_id="uuid:template")


def _fresh(xml: bytes) -> bytes:
    """The same submission with an instanceID never seen: a refusal cannot be a resend."""
    return xml.replace(b"uuid:template", f"uuid:{uuid.uuid4()}".encode())


def _hostile_xml(good: bytes):
    return st.one_of(
        st.binary(max_size=2000),
        _truncations(good),
        st.builds(_nested, st.integers(5000, 60000), st.booleans()),
        st.builds(_bomb, st.integers(2, 10), st.integers(2, 12)),
        st.builds(_xxe, _targets(), st.sampled_from(["general", "parameter", "external-dtd"])),
    )


def test_parser_refuses_hostile_bytes_with_its_own_error(built_forms):
    good = _good(built_forms)
    tried = Counter()

    @FAST
    @given(raw=_hostile_xml(good))
    def check(raw):
        tried["bad inputs"] += 1
        with pytest.raises(XmlSubmissionError):
            parse_submission(raw)

    check()
    report("parser", bad_inputs_tried=tried["bad inputs"], other_exceptions=0, lost=0)


# --- the endpoint ------------------------------------------------------------------------


def _xml_case(good: bytes):
    """Hostile XML in an otherwise proper OpenRosa POST."""
    no_id = [
        good.replace(b"<instanceID>uuid:template</instanceID>", b""),
        good.replace(b"<instanceID>uuid:template</instanceID>", b"<instanceID>   </instanceID>"),
        good.replace(b"<instanceID>uuid:template</instanceID>", b"<instanceID><x>uuid:1</x></instanceID>"),
    ]
    wrong_form = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7e, blacklist_characters='<&"'),
                         min_size=1, max_size=300).filter(lambda f: f not in FORMS).map(
        lambda f: _fresh(good.replace(b'id="household_registration"', b'id="' + f.encode() + b'"')))
    long_id = st.integers(256, 3000).map(lambda n: good.replace(b"uuid:template", b"uuid:" + b"7" * n))
    long_dep = st.integers(256, 3000).map(lambda n: _fresh(good).replace(
        b"</instanceID>", b"</instanceID><deprecatedID>uuid:" + b"d" * n + b"</deprecatedID>"))
    long_version = st.integers(256, 3000).map(lambda n: re.sub(
        rb'version="\d{10}"', b'version="' + b"9" * n + b'"', _fresh(good), count=1))
    return st.one_of(
        st.tuples(st.just("xml"), _hostile_xml(good)),
        st.tuples(st.just("no instanceID"), st.sampled_from(no_id)),
        st.tuples(st.just("wrong form id"), wrong_form),
        st.tuples(st.just("over-long id"), st.one_of(long_id, long_dep, long_version)),
    ).map(lambda kv: (kv[0], body([part("xml_submission_file", kv[1], "submission.xml", "text/xml")]), ""))


def _bad_names():
    # no backslash in the random core: one before the closing quote escapes it, and the part
    # is then no file at all but a plain field (werkzeug, request.files: name
    # '/etc/ab"; filename='), ignored as every field is (test_a_broken_file_name_quote_...)
    core = st.text(st.characters(min_codepoint=0x30, max_codepoint=0x7a, blacklist_characters="\\"),
                   min_size=1, max_size=12)
    return st.one_of(
        st.builds(lambda n, up: "../" * up + n + ".jpg", core, st.integers(1, 6)),
        st.builds(lambda n: "/etc/" + n, core),
        st.builds(lambda n: "..\\..\\" + n + ".jpg", core),
        st.builds(lambda n: "sub/" + n + ".jpg", core),
        st.builds(lambda n: "." + n, core),
        st.sampled_from([".", "..", "sticker.jpg\x00.php", "a\x01b.jpg", "\x1b[31m.jpg"]),
        st.integers(256, 1000).map(lambda n: "x" * n),
    )


def _part_case(good: bytes):
    """A proper XML with a hostile attachment part (path-like name, or too large)."""
    bad_name = st.builds(lambda name, data: ("path-like file name", body([
        part("xml_submission_file", _fresh(good), "submission.xml", "text/xml"),
        part(name, data, name, "image/jpeg")]), ""), _bad_names(), st.binary(max_size=64))
    too_big = st.integers(MAX_ATTACHMENT + 1, 4 * MAX_ATTACHMENT).map(lambda n: ("oversized part", body([
        part("xml_submission_file", _fresh(good), "submission.xml", "text/xml"),
        part("sticker.jpg", b"\xff" * n, "sticker.jpg", "image/jpeg")]), ""))
    return st.one_of(bad_name, too_big)


def _multipart_case(good: bytes):
    """Broken or wrong multipart around a good XML."""
    def cases(xml):
        xml = _fresh(xml)
        whole, ctype = body([part("xml_submission_file", xml, "submission.xml", "text/xml")], b"BOUNDARY42")
        return st.sampled_from([
            ("no boundary", (whole, "multipart/form-data")),
            ("wrong boundary", (whole, "multipart/form-data; boundary=OTHER")),
            ("wrong field name", body([part("xml_submission", xml, "submission.xml", "text/xml")])),
            ("bare XML body", (xml, "text/xml")),
            ("form-encoded", (b"xml_submission_file=" + requests.utils.quote(xml).encode(), "application/x-www-form-urlencoded")),
            ("empty body", (b"", ctype)),
            ("no final boundary", (whole[: whole.rindex(b"--BOUNDARY42--")], ctype)),
        ]) | st.integers(1, whole.index(b"</data>") + 6).map(  # cut before the XML is whole
            lambda n: ("truncated multipart", (whole[:n], ctype)))
    return cases(good).map(lambda c: (c[0], c[1], ""))


@pytest.fixture
def hostile_server(db_url, tmp_path, built_forms):
    store, token = start(db_url, tmp_path, built_forms, max_attachment_bytes=MAX_ATTACHMENT)
    with serving(create_app(store.settings)) as url:
        yield Running(url, store, token)


def _openrosa_message(resp) -> str | None:
    try:
        root = etree.fromstring(resp.content)
    except etree.XMLSyntaxError:
        return None
    if root.tag != f"{ORR}OpenRosaResponse":
        return None
    return root.findtext(f"{ORR}message")


def test_endpoint_refuses_hostile_posts_and_changes_nothing(hostile_server, built_forms, db_url):
    server = hostile_server
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    good = _good(built_forms)
    session = requests.Session()
    session.auth = DIGEST
    seed = _fresh(good)
    whole, ctype = body([part("xml_submission_file", seed, "submission.xml", "text/xml"),
                         part("sticker.jpg", b"\xff\xd8photo", "sticker.jpg", "image/jpeg")])
    first = session.post(f"{server.url}/submission", headers={**OR, "Content-Type": ctype}, data=whole)
    assert first.status_code == 201, first.text
    before = dump_tables(server.store.engine, ALL)
    files_before = sorted(p.relative_to(server.store.settings.attachments_dir).as_posix()
                          for p in server.store.settings.attachments_dir.rglob("*") if p.is_file())
    tried, statuses = Counter(), Counter()

    @FAST
    @given(case=st.one_of(_xml_case(good), _part_case(good), _multipart_case(good)))
    def check(case):
        label, (data, ctype), query = case
        resp = session.post(f"{server.url}/submission{query}", headers={**OR, "Content-Type": ctype}, data=data)
        tried[label] += 1
        statuses[resp.status_code] += 1
        assert 400 <= resp.status_code < 500, (label, resp.status_code, resp.text[:500])
        assert _openrosa_message(resp), (label, resp.status_code, resp.text[:500])

    check()
    # one request larger than the whole-request limit, outside hypothesis (it is 8 MiB)
    big, ctype = body([part("xml_submission_file", _fresh(good), "submission.xml", "text/xml"),
                       part("sticker.jpg", b"\0" * (MAX_ATTACHMENT + 8 * 1024 * 1024 + 1), "sticker.jpg", "image/jpeg")])
    huge = session.post(f"{server.url}/submission", headers={**OR, "Content-Type": ctype}, data=big)
    tried["request over the size limit"] += 1
    statuses[huge.status_code] += 1

    after = dump_tables(server.store.engine, ALL)
    files_after = sorted(p.relative_to(server.store.settings.attachments_dir).as_posix()
                         for p in server.store.settings.attachments_dir.rglob("*") if p.is_file())
    fine, ctype = body([part("xml_submission_file", _fresh(good), "submission.xml", "text/xml")])
    still = session.post(f"{server.url}/submission", headers={**OR, "Content-Type": ctype}, data=fine)
    report(f"hostile endpoint[{kind}]", requests=sum(tried.values()) + 2, bad_inputs_tried=sum(tried.values()),
           kinds=len(tried), statuses=dict(sorted(statuses.items())), server_errors=sum(n for c, n in statuses.items() if c >= 500),
           lost=0 if before == after else "CHANGED")
    print("   by kind:", dict(tried))
    assert huge.status_code == 413 and _openrosa_message(huge)
    assert after == before and files_after == files_before
    assert still.status_code == 201, still.text  # and it still takes a proper submission


def test_hostile_metadata_never_breaks_a_submission(hostile_server, built_forms, db_url):
    """Collect appends ?deviceID=… to every URL, and each part has a Content-Type: strange
    ones are the phone's business, never a reason to fail with a 500 or to lose the data."""
    server = hostile_server
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    good = _good(built_forms)
    session = requests.Session()
    session.auth = DIGEST
    statuses = Counter()
    devices = ["x" * 300, "collect%00abc", "%C0%AF%2e%2e", "%ff%fe", "a" * 5000, "%0d%0aSet-Cookie:x"]
    media_types = ["image/" + "j" * 400, "image/jpeg\x00", "image/jpeg; charset=" + "u" * 300, "\x01\x02", ""]
    cases = [(d, "image/jpeg") for d in devices] + [("collect:abc", m) for m in media_types]
    for device, media_type in cases:
        data, ctype = body([part("xml_submission_file", _fresh(good), "submission.xml", "text/xml"),
                            part("sticker.jpg", b"\xff\xd8", "sticker.jpg", media_type.encode("latin-1"))])
        resp = session.post(f"{server.url}/submission?deviceID={device}", headers={**OR, "Content-Type": ctype}, data=data)
        statuses[resp.status_code] += 1
        assert resp.status_code in (201, 400), (device[:40], media_type[:40], resp.status_code, resp.text[:300])
        assert _openrosa_message(resp)
    report(f"hostile metadata[{kind}]", requests=len(cases), bad_inputs_tried=len(cases),
           statuses=dict(statuses), server_errors=0, lost=0)


def test_a_broken_file_name_quote_makes_a_plain_field_which_is_ignored(hostile_server, built_forms):
    # filename="/etc/ab\" : the backslash escapes the closing quote, so the part has no
    # file name and is a form field (as werkzeug's own request.files reads it); the endpoint
    # uses no fields: the submission is stored without it and nothing is written for it
    server = hostile_server
    session = requests.Session()
    session.auth = DIGEST
    data, ctype = body([part("xml_submission_file", _fresh(_good(built_forms)), "submission.xml", "text/xml"),
                        part("/etc/ab\\", b"not a file", "/etc/ab\\", "image/jpeg")])
    resp = session.post(f"{server.url}/submission", headers={**OR, "Content-Type": ctype}, data=data)
    assert resp.status_code == 201, resp.text
    stored = [p for p in server.store.settings.attachments_dir.rglob("*") if p.is_file()]
    assert all(p.read_bytes() != b"not a file" for p in stored)
