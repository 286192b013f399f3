"""Wrong credentials over real HTTP: a wrong Digest password, a forged or stale Digest, Basic
over plain HTTP, a bad or replaced app-user token, a bad API token, a locked-out web
login. Each is refused with its status and challenge, and nothing is stored."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid

import requests
from requests.auth import HTTPDigestAuth

from chips.db.web_tables import login_failures
from server import auth
from server.app import create_app
from tests.reliability.figures import report
from tests.server.conftest import OR, PASSWORD, USER, start
from tests.server.test_openrosa import ALL
from tests.support.db import dump_tables
from tests.support.live_server import serving
from tests.support.submissions import household_answers, instance_xml

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _digest(method: str, uri: str, nonce: str, password: str = PASSWORD, signed_uri: str | None = None) -> str:
    """A Digest answer made by hand (RFC 2617, qop=auth), to forge what requests will not."""
    signed = signed_uri or uri
    ha1 = hashlib.md5(f"{USER}:{auth.REALM}:{password}".encode()).hexdigest()
    ha2 = hashlib.md5(f"{method}:{signed}".encode()).hexdigest()
    nc, cnonce = "00000001", "0a4f113b"
    response = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
    return (f'Digest username="{USER}", realm="{auth.REALM}", nonce="{nonce}", uri="{uri}", '
            f'algorithm=MD5, qop=auth, nc={nc}, cnonce="{cnonce}", response="{response}"')


def test_wrong_credentials_are_refused_and_store_nothing(db_url, tmp_path, built_forms):
    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    store, token = start(db_url, tmp_path, built_forms)
    secret = store.settings.secret_key
    xml = instance_xml(built_forms["household_registration"], household_answers(), instance_id=f"uuid:{uuid.uuid4()}")
    files = [("xml_submission_file", ("submission.xml", xml, "text/xml")),
             ("sticker.jpg", ("sticker.jpg", b"\xff\xd8photo", "image/jpeg"))]
    before = dump_tables(store.engine, ALL)
    basic = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    refused = {}

    with serving(create_app(store.settings)) as url:
        def post(path="/submission", **kw):
            return requests.post(f"{url}{path}", files=files, **{"headers": OR, **kw})

        refused["digest, wrong password"] = (post(auth=HTTPDigestAuth(USER, "not-the-password")), 401)
        refused["digest, unknown user"] = (post(auth=HTTPDigestAuth("nobody", PASSWORD)), 401)
        fresh = auth.make_nonce(secret)
        refused["digest, signed for another uri"] = (
            post(headers={**OR, "Authorization": _digest("POST", "/submission", fresh, signed_uri="/formList")}), 401)
        refused["digest, uri of another path"] = (
            post(headers={**OR, "Authorization": _digest("POST", "/formList", fresh)}), 401)
        refused["digest, forged nonce"] = (
            post(headers={**OR, "Authorization": _digest("POST", "/submission", auth.make_nonce("another secret"))}), 401)
        stale = post(headers={**OR, "Authorization": _digest("POST", "/submission", auth.make_nonce(secret, now=0))})
        refused["digest, stale nonce"] = (stale, 401)
        refused["basic over plain http"] = (post(headers={**OR, "Authorization": basic}), 401)
        refused["basic, forged X-Forwarded-Proto"] = (
            post(headers={**OR, "Authorization": basic, "X-Forwarded-Proto": "https"}), 401)
        refused["app-user token, made up"] = (post(f"/key/{auth.new_token()}/submission"), 403)
        refused["app-user token, empty bearer"] = (post(headers={**OR, "Authorization": "Bearer "}), 403)
        with store.engine.begin() as conn:
            auth.issue_token(conn, USER)  # a new token: the old one stops working
        refused["app-user token, replaced"] = (post(f"/key/{token}/submission"), 403)
        refused["api token, made up"] = (requests.get(f"{url}/api/v1/households",
                                                      headers={"Authorization": f"Bearer {auth.new_token()}"}), 401)

        # the web login: five wrong passwords, then even the right one is refused
        browser = requests.Session()
        for attempt in range(5):
            page = browser.get(f"{url}/login").text
            wrong = browser.post(f"{url}/login", data={"username": USER, "password": f"guess-{attempt}",
                                                       "csrf_token": CSRF.search(page).group(1)}, allow_redirects=False)
            refused[f"web login, wrong password {attempt + 1}"] = (wrong, 401)
        page = browser.get(f"{url}/login").text
        locked = browser.post(f"{url}/login", data={"username": USER, "password": PASSWORD,
                                                    "csrf_token": CSRF.search(page).group(1)}, allow_redirects=False)
        refused["web login, locked out (right password)"] = (locked, 429)
        refused["api after the locked-out login"] = (browser.get(f"{url}/api/v1/households"), 401)

        after = dump_tables(store.engine, ALL)
        files_written = sorted(p for p in store.settings.attachments_dir.rglob("*") if p.is_file())
        accepted = requests.post(f"{url}/submission", files=files, headers=OR, auth=HTTPDigestAuth(USER, PASSWORD))

    with store.engine.connect() as conn:
        failures = conn.execute(login_failures.select().where(login_failures.c.user_name == USER)).all()
    wrong = {name: (resp.status_code, expected) for name, (resp, expected) in refused.items() if resp.status_code != expected}
    report(f"refused[{kind}]", requests=len(refused) + 1, bad_inputs_tried=len(refused), wrongly_answered=len(wrong),
           stored_by_refused=0 if after == before else "SOME", lost=0)

    assert not wrong, wrong
    assert after == before
    assert not files_written
    for name in ("digest, wrong password", "basic over plain http", "digest, forged nonce"):
        challenge = refused[name][0].headers["WWW-Authenticate"]
        assert challenge.startswith("Digest ") and "Basic" not in challenge
    assert "stale=true" in stale.headers["WWW-Authenticate"]
    assert len(failures) == 5
    # the right credentials still work: the refusals above were about the credentials
    assert accepted.status_code == 201, accepted.text


def test_garbled_credentials_get_a_challenge_never_a_500(db_url, tmp_path, built_forms):
    """Digest and Bearer headers made of anything: refused with 401/403 and a challenge."""
    from collections import Counter

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    kind = "postgresql" if db_url.startswith("postgresql") else "sqlite"
    store, _ = start(db_url, tmp_path, built_forms)
    secret = store.settings.secret_key
    printable = st.text(st.characters(min_codepoint=0x20, max_codepoint=0xff, blacklist_characters="\x7f"), max_size=80)
    param = st.sampled_from(["username", "realm", "nonce", "uri", "response", "qop", "nc", "cnonce", "algorithm", "opaque"])
    value = st.one_of(printable, st.just(USER), st.just(auth.REALM), st.just("/submission"),
                      st.just(auth.make_nonce(secret)), st.just(auth.make_nonce(secret, now=0)), st.just("auth"))
    digest = st.lists(st.tuples(param, value, st.booleans()), max_size=10).map(
        lambda ps: "Digest " + ", ".join(f'{k}="{v}"' if quoted else f"{k}={v}" for k, v, quoted in ps))
    header = st.one_of(digest, printable.map(lambda v: "Digest " + v), printable.map(lambda v: "Bearer " + v), printable)
    statuses = Counter()
    before = dump_tables(store.engine, ALL)
    xml = instance_xml(built_forms["household_registration"], household_answers(), instance_id=f"uuid:{uuid.uuid4()}")

    with serving(create_app(store.settings)) as url:
        session = requests.Session()

        @settings(max_examples=120, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(value=header)
        def check(value):
            resp = session.post(f"{url}/submission", files={"xml_submission_file": ("s.xml", xml, "text/xml")},
                                headers={**OR, "Authorization": value.encode("latin-1")})
            statuses[resp.status_code] += 1
            assert resp.status_code in (401, 403), (value, resp.status_code, resp.text[:300])
            assert "OpenRosaResponse" in resp.text

        check()
    assert dump_tables(store.engine, ALL) == before
    report(f"garbled credentials[{kind}]", requests=sum(statuses.values()), bad_inputs_tried=sum(statuses.values()),
           statuses=dict(statuses), server_errors=0, stored=0, lost=0)
