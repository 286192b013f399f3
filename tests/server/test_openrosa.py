"""OpenRosa over real HTTP (waitress), with Digest auth, on both databases."""

from __future__ import annotations

import hashlib
import os
import re
import uuid

import requests
from lxml import etree
from requests.auth import HTTPDigestAuth
from sqlalchemy import func, select

from chips.db import schema as s
from tests.server.conftest import OR, PASSWORD, USER
from tests.support import answers as a
from tests.support.db import dump_tables
from tests.support.submissions import household_answers, instance_xml

XFL = "{http://openrosa.org/xforms/xformsList}"
MAN = "{http://openrosa.org/xforms/xformsManifest}"
ORR = "{http://openrosa.org/http/response}"
DIGEST = HTTPDigestAuth(USER, PASSWORD)
ALL = [t.name for t in (s.submissions, s.attachments, *s.PROJECTION_TABLES)]
# a form's version changes with every edit of the form: read it, never spell it
_VERSION = re.compile(rb'version="(\d{10})"')


def _version(xform: bytes) -> str:
    return _VERSION.search(xform).group(1).decode()


def _session() -> requests.Session:
    session = requests.Session()
    session.auth = DIGEST
    session.headers.update(OR)
    return session


def _post(server, xml: bytes, files=(), data=None, session=None):
    parts = [("xml_submission_file", ("submission.xml", xml, "text/xml")), *files]
    return (session or _session()).post(f"{server.url}/submission?deviceID=collect:abc", files=parts, data=data or {})


def _message(resp) -> str:
    root = etree.fromstring(resp.content)
    assert root.tag == f"{ORR}OpenRosaResponse"
    return root.find(f"{ORR}message").text or ""


def _count(server, table):
    with server.store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_form_list_needs_auth_and_lists_the_five_forms(server):
    anon = requests.get(f"{server.url}/formList", headers=OR)
    assert anon.status_code == 401
    challenge = anon.headers["WWW-Authenticate"]
    assert challenge.startswith("Digest ") and 'qop="auth"' in challenge and 'realm="chips"' in challenge
    assert "domain=" in challenge and "nonce=" in challenge and "Basic" not in challenge
    assert anon.headers["X-OpenRosa-Version"] == "1.0"

    resp = _session().get(f"{server.url}/formList?deviceID=collect:abc")
    assert resp.status_code == 200
    assert resp.headers["Content-Type"].startswith("text/xml")
    assert resp.headers["X-OpenRosa-Version"] == "1.0"
    root = etree.fromstring(resp.content)
    assert root.tag == f"{XFL}xforms"
    forms = {x.findtext(f"{XFL}formID"): x for x in root.findall(f"{XFL}xform")}
    assert set(forms) == {"household_registration", "house_condition", "visit_request", "home_visit", "anc_visit"}
    for form_id, item in forms.items():
        body = _session().get(item.findtext(f"{XFL}downloadUrl") + "?deviceID=collect:abc")
        assert body.status_code == 200 and body.content == server.store.forms[form_id]
        assert item.findtext(f"{XFL}hash") == "md5:" + hashlib.md5(body.content).hexdigest()
        assert item.findtext(f"{XFL}version") == _version(body.content)
    assert forms["household_registration"].find(f"{XFL}manifestUrl") is None
    assert forms["house_condition"].find(f"{XFL}manifestUrl") is not None
    only = etree.fromstring(_session().get(f"{server.url}/formList?formID=anc_visit").content)
    assert [x.findtext(f"{XFL}formID") for x in only] == ["anc_visit"]


def test_wrong_password_and_missing_header(server):
    bad = requests.get(f"{server.url}/formList", headers=OR, auth=HTTPDigestAuth(USER, "wrong-password"))
    assert bad.status_code == 401
    no_header = requests.get(f"{server.url}/formList", auth=DIGEST)
    assert no_header.status_code == 400 and "X-OpenRosa-Version" in _message(no_header)


def test_basic_only_over_https(server):
    basic = (USER, PASSWORD)
    assert requests.get(f"{server.url}/formList", headers=OR, auth=basic).status_code == 401
    # without a trusted proxy setting, X-Forwarded-Proto is not believed
    forwarded = {**OR, "X-Forwarded-Proto": "https"}
    assert requests.get(f"{server.url}/formList", headers=forwarded, auth=basic).status_code == 401


def test_app_user_token_in_path_and_bearer(server):
    resp = requests.get(f"{server.url}/key/{server.token}/formList", headers=OR)
    assert resp.status_code == 200
    urls = [e.text for e in etree.fromstring(resp.content).iter(f"{XFL}downloadUrl")]
    assert urls and all(f"/key/{server.token}/forms/" in u for u in urls)
    assert requests.get(urls[0]).status_code == 200
    assert requests.get(f"{server.url}/key/not-a-token/formList", headers=OR).status_code == 403
    bearer = {**OR, "Authorization": f"Bearer {server.token}"}
    assert requests.head(f"{server.url}/submission", headers=bearer).status_code == 204


def test_head_submission(server):
    assert requests.head(f"{server.url}/submission", headers=OR).status_code == 401
    resp = _session().head(f"{server.url}/submission?deviceID=x")
    assert resp.status_code == 204
    assert int(resp.headers["X-OpenRosa-Accept-Content-Length"]) == server.store.settings.max_attachment_bytes
    assert resp.headers["X-OpenRosa-Version"] == "1.0"


def test_submit_resend_conflict_edit(server):
    entity = str(uuid.uuid4())
    forms = server.store.forms
    xml = instance_xml(forms["household_registration"], household_answers(), instance_id="uuid:s1", entity_id=entity,
                       entity_label="Pak Slamet")
    assert requests.post(f"{server.url}/submission", headers=OR, files={"xml_submission_file": xml}).status_code == 401
    first = _post(server, xml)
    assert first.status_code == 201, first.text
    assert first.headers["Content-Type"].startswith("text/xml") and first.headers["X-OpenRosa-Version"] == "1.0"
    with server.store.engine.connect() as conn:
        row = conn.execute(select(s.submissions)).one()
        assert (row.submitter, row.device_id, row.source) == (USER, "collect:abc", "openrosa")
        assert conn.execute(select(s.households.c.uuid)).scalar_one() == entity
    assert _post(server, xml).status_code == 202

    before = dump_tables(server.store.engine, ALL)
    changed = instance_xml(forms["household_registration"], household_answers(today="2026-11-30"),
                           instance_id="uuid:s1", entity_id=entity)
    conflict = _post(server, changed)
    assert conflict.status_code == 409 and "different XML" in _message(conflict)
    assert dump_tables(server.store.engine, ALL) == before

    edited = household_answers()
    edited["household"] = {"head_name": "Pak Slamet (edit)", "phone": "", "poverty": "dtks"}
    edit = instance_xml(forms["household_registration"], edited, instance_id="uuid:s2", deprecated_id="uuid:s1",
                        entity_id=entity, entity_label="Pak Slamet (edit)")
    assert _post(server, edit).status_code == 201
    with server.store.engine.connect() as conn:
        assert conn.execute(select(s.households.c.head_name, s.households.c.logical_id)).one() == (
            "Pak Slamet (edit)", "uuid:s1")


def test_multi_post_attachments(server):
    xml = instance_xml(server.store.forms["household_registration"], household_answers(), instance_id="uuid:mp")
    part1 = _post(server, xml, data={"*isIncomplete*": "yes"})
    assert part1.status_code == 201
    photo = b"\x89PNG" + bytes(range(256)) * 40
    extra = ("undeclared.bin", ("undeclared.bin", b"zzz", "application/octet-stream"))
    part2 = _post(server, xml, files=[("sticker.jpg", ("sticker.jpg", photo, "image/jpeg")), extra])
    assert part2.status_code == 201
    with server.store.engine.connect() as conn:
        rows = conn.execute(select(s.attachments)).all()
    assert [(r.name, r.present, r.sha256) for r in rows] == [("sticker.jpg", True, hashlib.sha256(photo).hexdigest())]
    assert (server.store.settings.attachments_dir / rows[0].path).read_bytes() == photo
    assert _post(server, xml, files=[("sticker.jpg", ("sticker.jpg", photo, "image/jpeg"))]).status_code == 202


def test_manifest_serves_the_households_entity_list(server):
    forms = server.store.forms
    session = _session()

    def manifest():
        listing = etree.fromstring(session.get(f"{server.url}/formList").content)
        murl = next(x.findtext(f"{XFL}manifestUrl") for x in listing if x.findtext(f"{XFL}formID") == "house_condition")
        resp = session.get(murl + "?deviceID=collect:abc")
        assert resp.status_code == 200 and resp.headers["Content-Type"].startswith("text/xml")
        media = etree.fromstring(resp.content).findall(f"{MAN}mediaFile")
        assert [(m.get("type"), m.findtext(f"{MAN}filename")) for m in media] == [("entityList", "households.csv")]
        return media[0]

    empty = manifest()
    csv_url = empty.findtext(f"{MAN}downloadUrl")
    assert empty.findtext(f"{MAN}integrityUrl").endswith("/datasets/households/integrity")
    first = session.get(csv_url)
    assert first.headers["Content-Type"].startswith("text/csv")
    assert first.text.startswith("name,label,__version,village,")
    assert "md5:" + hashlib.md5(first.content).hexdigest() == empty.findtext(f"{MAN}hash")

    entity = str(uuid.uuid4())
    xml = instance_xml(forms["household_registration"], household_answers(), entity_id=entity, entity_label="Bu Sri")
    assert _post(server, xml).status_code == 201
    after = manifest()
    assert after.findtext(f"{MAN}hash") != empty.findtext(f"{MAN}hash")
    csv = session.get(csv_url)
    assert csv.text.splitlines()[1].startswith(f"{entity},Bu Sri,1,35.10.20.2001,Sempu,Krajan,2,5,")
    etag = csv.headers["ETag"]
    assert session.get(csv_url, headers={"If-None-Match": etag}).status_code == 304

    integrity = session.get(f"{server.url}/datasets/households/integrity?id={entity}")
    assert integrity.status_code == 200 and f'<entity id="{entity}"><deleted>false</deleted>' in integrity.text
    assert session.get(f"{server.url}/datasets/households/integrity?id=nope").status_code == 400


def test_followup_forms_reach_the_projection(server):
    forms = server.store.forms
    hh, req = str(uuid.uuid4()), str(uuid.uuid4())
    assert _post(server, instance_xml(forms["household_registration"], household_answers(), entity_id=hh)).status_code == 201
    assert _post(server, instance_xml(forms["visit_request"], a.visit_request(hh), entity_id=req)).status_code == 201
    assert _post(server, instance_xml(forms["home_visit"], a.home_visit(req, hh))).status_code == 201
    with server.store.engine.connect() as conn:
        visit = conn.execute(select(s.home_visits)).one()
    assert (visit.request_uuid, visit.household_uuid, visit.response_status) == (req, hh, "late")
    # home_visit reads the visit_requests list offline
    media = etree.fromstring(_session().get(f"{server.url}/forms/home_visit/manifest").content)
    assert [m.findtext(f"{MAN}filename") for m in media] == ["visit_requests.csv"]


def test_every_openrosa_endpoint_challenges_the_anonymous(server):
    paths = ["/formList", "/forms/house_condition.xml", "/forms/house_condition/manifest",
             "/forms/house_condition/attachments/households.csv", "/datasets/households/integrity"]
    for path in paths:
        resp = requests.get(f"{server.url}{path}?deviceID=x", headers=OR)
        assert resp.status_code == 401, path
        assert resp.headers["WWW-Authenticate"].startswith("Digest "), path
        assert resp.headers["X-OpenRosa-Version"] == "1.0"
    for method in ("HEAD", "POST"):
        assert requests.request(method, f"{server.url}/submission", headers=OR).status_code == 401
    assert _session().get(f"{server.url}/forms/no_such_form.xml").status_code == 404
    assert _session().get(f"{server.url}/forms/house_condition/attachments/other.csv").status_code == 404


def test_parallel_resends_store_one_submission(server):
    """A phone retrying while its first upload still runs: one 201, the rest 202, one row."""
    from concurrent.futures import ThreadPoolExecutor

    xml = instance_xml(server.store.forms["household_registration"], household_answers(), instance_id="uuid:par")
    with ThreadPoolExecutor(max_workers=6) as pool:
        codes = sorted(pool.map(lambda _: _post(server, xml).status_code, range(6)))
    assert codes == [201, 202, 202, 202, 202, 202]
    assert _count(server, s.submissions) == 1 and _count(server, s.households) == 1


def test_a_version_we_never_published_is_kept_not_refused(server):
    newer = _VERSION.sub(b'version="2099010101"', server.store.forms["household_registration"], count=1)
    resp = _post(server, instance_xml(newer, household_answers(), instance_id="uuid:newer"))
    # Central would answer 404 here; we keep it (raw, unknown_form) for `chips db reproject`
    assert resp.status_code == 201 and "not known here yet" in _message(resp)
    with server.store.engine.connect() as conn:
        assert conn.execute(select(s.submissions.c.status)).scalar_one() == "unknown_form"


def test_a_photo_that_cannot_reach_the_disk_is_a_503_and_nothing_is_kept(server, monkeypatch):
    from chips import attachment_store

    xml = instance_xml(server.store.forms["household_registration"], household_answers(), instance_id="uuid:eio")
    photo = b"\xff\xd8" + uuid.uuid4().bytes * 100
    real_fsync = attachment_store.os.fsync

    def fsync(fd):
        if os.fstat(fd).st_size == len(photo):   # the photo's own flush fails (a dying disk)
            raise OSError(5, "Input/output error")
        return real_fsync(fd)

    monkeypatch.setattr(attachment_store.os, "fsync", fsync)
    resp = _post(server, xml, files=[("sticker.jpg", ("sticker.jpg", photo, "image/jpeg"))])
    assert resp.status_code == 503 and "send it again later" in _message(resp)
    assert _count(server, s.submissions) == 0 and _count(server, s.attachments) == 0
    monkeypatch.setattr(attachment_store.os, "fsync", real_fsync)
    again = _post(server, xml, files=[("sticker.jpg", ("sticker.jpg", photo, "image/jpeg"))])
    assert again.status_code == 201, again.text
    with server.store.engine.connect() as conn:
        row = conn.execute(select(s.attachments).where(s.attachments.c.name == "sticker.jpg")).one()
    assert (server.store.settings.attachments_dir / row.path).read_bytes() == photo
