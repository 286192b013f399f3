"""Bad input gets a 4xx with an OpenRosa message; the server stays up; nothing changes."""

from __future__ import annotations

import pytest
import requests
from lxml import etree

from server.app import create_app
from tests.server.conftest import OR, start
from tests.server.test_openrosa import ALL, DIGEST, _message, _post, _session
from tests.support.db import dump_tables
from tests.support.live_server import serving
from tests.support.submissions import household_answers, instance_xml

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<data id="household_registration" version="2026112401"><consent>&lol3;</consent>
<meta><instanceID>uuid:bomb</instanceID></meta></data>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE data [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<data id="household_registration" version="2026112401"><consent>&xxe;</consent>
<meta><instanceID>uuid:xxe</instanceID></meta></data>"""


@pytest.fixture
def small_server(db_url, tmp_path, built_forms):
    from tests.server.conftest import Running

    store, token = start(db_url, tmp_path, built_forms, max_attachment_bytes=4096)
    with serving(create_app(store.settings)) as url:
        yield Running(url, store, token)


def test_every_bad_input_is_refused_and_changes_nothing(small_server):
    server = small_server
    good = instance_xml(server.store.forms["household_registration"], household_answers(), instance_id="uuid:good")
    assert _post(server, good).status_code == 201
    before = dump_tables(server.store.engine, ALL)
    files_before = sorted(p.name for p in server.store.settings.attachments_dir.rglob("*") if p.is_file())

    truncated = good[: len(good) // 2]
    no_instance = good.replace(b"<instanceID>uuid:good</instanceID>", b"")
    unknown_form = good.replace(b'id="household_registration"', b'id="not_a_form"').replace(b"uuid:good", b"uuid:x1")
    cases = [
        (b"this is not xml", (), 400, "cannot be read"),
        (truncated, (), 400, "cannot be read"),
        (BOMB, (), 400, "DTD"),
        (XXE, (), 400, "DTD"),
        (no_instance, (), 400, "instanceID"),
        (unknown_form, (), 404, "not_a_form"),
        (good.replace(b"uuid:good", b"uuid:p1"), [("x", ("../../evil.jpg", b"x", "image/jpeg"))], 400, "file name"),
        (good.replace(b"uuid:good", b"uuid:p2"), [("sticker.jpg", ("sticker.jpg", b"x" * 5000, "image/jpeg"))], 413, "larger"),
    ]
    session = _session()
    for xml, files, status, words in cases:
        resp = _post(server, xml, files=files, session=session)
        assert resp.status_code == status, (xml[:60], resp.status_code, resp.text)
        assert resp.headers["Content-Type"].startswith("text/xml")
        root = etree.fromstring(resp.content)
        assert root.find("{http://openrosa.org/http/response}message").get("nature") == "error"
        assert words in _message(resp), _message(resp)

    no_part = session.post(f"{server.url}/submission", files={"other": ("a.xml", good, "text/xml")})
    assert no_part.status_code == 400 and "xml_submission_file" in _message(no_part)
    raw_body = session.post(f"{server.url}/submission", data=good, headers={"Content-Type": "text/xml"})
    assert raw_body.status_code == 400 and "xml_submission_file" in _message(raw_body)
    huge = session.post(f"{server.url}/submission", files={"xml_submission_file": ("s.xml", b"<a/>" * 4_000_000)})
    assert huge.status_code == 413

    assert dump_tables(server.store.engine, ALL) == before
    assert sorted(p.name for p in server.store.settings.attachments_dir.rglob("*") if p.is_file()) == files_before
    # still up and answering
    assert session.head(f"{server.url}/submission").status_code == 204


def test_basic_auth_behind_a_trusted_https_proxy(db_url, tmp_path, built_forms):
    from tests.server.conftest import PASSWORD, USER

    store, _ = start(db_url, tmp_path, built_forms)
    settings = store.settings.with_overrides(sections={"server": {"trust_proxy": True}})
    from server.cli import waitress_proxy_options

    with serving(create_app(settings), **waitress_proxy_options(settings)) as url:
        https = {**OR, "X-Forwarded-Proto": "https"}
        anon = requests.get(f"{url}/formList", headers=https)
        assert anon.status_code == 401 and "Basic" in anon.headers["WWW-Authenticate"]
        assert requests.get(f"{url}/formList", headers=https, auth=(USER, PASSWORD)).status_code == 200
        assert requests.get(f"{url}/formList", headers=https, auth=(USER, "nope-nope")).status_code == 401
        assert requests.get(f"{url}/formList", headers=OR, auth=(USER, PASSWORD)).status_code == 401
        assert requests.get(f"{url}/formList", headers=https, auth=DIGEST).status_code == 200


def test_stale_or_forged_nonce_is_refused(server):
    from server import auth

    secret = server.store.settings.secret_key
    assert auth.nonce_state(secret, auth.make_nonce(secret)) == "ok"
    assert auth.nonce_state(secret, auth.make_nonce(secret, now=0)) == "stale"
    assert auth.nonce_state(secret, auth.make_nonce("another secret")) == "bad"
    assert auth.nonce_state(secret, "garbage!") == "bad"


def test_a_replayed_digest_header_is_refused(server):
    """The same Authorization header (nonce, cnonce and nonce count) sent twice: the
    second is a replay and is challenged again; a fresh count on the same nonce is fine."""
    session = _session()
    first = session.head(f"{server.url}/submission", headers=OR)
    assert first.status_code == 204
    header = first.request.headers["Authorization"]
    again = requests.head(f"{server.url}/submission", headers={**OR, "Authorization": header})
    assert again.status_code == 401 and "Digest" in again.headers["WWW-Authenticate"]
    assert session.head(f"{server.url}/submission", headers=OR).status_code == 204  # nc 2


def test_seen_counts_forget_what_outlived_its_nonce():
    from server.auth import _SeenCounts

    seen = _SeenCounts(lifetime=600, limit=3)
    assert seen.first_use("n", "c", "00000001", now=1000)
    assert not seen.first_use("n", "c", "00000001", now=1001)
    assert seen.first_use("n", "c", "00000002", now=1001)
    # past the nonce's life the triple is forgotten (its nonce is stale by then anyway)
    assert seen.first_use("n", "c", "00000001", now=1000 + 700)
