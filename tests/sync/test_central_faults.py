"""Central: injected faults, stops with clear messages, sessions, encrypted forms, entities."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sync.central import CentralClient
from sync.runner import run
from sync.sources import load_sources
from tests.fakes.server import Fault
from tests.sync.conftest import PASSWORD_ENV, REG, make_settings, prepare_store, write_config
from tests.sync.helpers import count_rows, held, present_files, report_pull

SRC = "central:c"


def _setup(tmp_path, central, forms):
    write_config(tmp_path, central_url=central.url)
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    return settings, prepare_store(settings, forms)


def test_transient_faults_are_retried_and_the_pull_ends_complete(tmp_path, central, forms):
    central.seed(REG, 1100, random.Random(5), attachment_every=20)
    settings, engine = _setup(tmp_path, central, forms)
    central.faults += [
        Fault("429", ".svc/Submissions", times=2, retry_after="0"),
        Fault("500", ".svc/Submissions", query="skiptoken", times=1),
        Fault("truncate", ".svc/Submissions", query="skiptoken", times=1),
        Fault("reset", ".svc/Submissions", query="skiptoken", times=1),
        Fault("timeout", ".svc/Submissions", query="skiptoken", times=1, delay=1.5),
        Fault("reset", "/attachments/photo-", times=1),
        Fault("truncate", "/attachments/photo-", times=1),   # bytes cut short: MD5 ≠ ETag
        Fault("502", "/attachments", times=1),
    ]
    injected = sum(f.times for f in central.faults)
    tally = run(settings, ["c"], environ=PASSWORD_ENV)["c"]
    report_pull("sync faults[central]", engine, SRC, central.content(REG), requests=len(central.log.entries),
                faults=injected - sum(f.times for f in central.faults))
    assert tally.stopped is None, tally.stopped
    assert all(f.times == 0 for f in central.faults)
    assert held(engine, SRC) == central.content(REG)
    assert count_rows(engine, SRC) == 1100
    files = {s.instance_id: set(s.attachments) for s in central.forms[REG].subs if s.attachments}
    assert present_files(engine, SRC) == files
    # every stored file is whole
    from sqlalchemy import select
    from chips.db.schema import attachments
    with engine.connect() as conn:
        sizes = {r.size for r in conn.execute(select(attachments).where(attachments.c.present.is_(True)))}
    assert sizes == {len(b"JPEG uuid:00000000-0000-0000-0000-000000000000")}


def test_a_server_that_keeps_failing_stops_the_source_with_its_name_and_form(tmp_path, central, forms):
    central.seed(REG, 10, random.Random(6))
    settings, engine = _setup(tmp_path, central, forms)
    central.faults.append(Fault("500", ".svc/Submissions", times=100))
    tally = run(settings, ["c"], environ=PASSWORD_ENV)["c"]
    assert tally.stopped is not None
    assert "source c" in tally.stopped and f"form {REG}" in tally.stopped
    assert "gave up after 5 attempts" in tally.stopped
    assert central.log.count("GET", ".svc/Submissions") == 5
    assert count_rows(engine, SRC) == 0


def test_bad_password_and_unknown_form_stop_with_a_clear_message(tmp_path, central, forms):
    settings, _ = _setup(tmp_path, central, forms)
    bad = run(settings, ["c"], environ={"CHIPS_SOURCE_C_PASSWORD": "salah"})["c"]
    assert bad.stopped == ("source c: login as sync@example.org: HTTP 401 "
                           "Could not authenticate with the provided credentials.")
    assert central.log.count("POST", "/v1/sessions") == 1      # a 401 is not retried

    missing = run(settings, ["c"], form="tidak_ada", environ=PASSWORD_ENV)["c"]
    assert missing.stopped == ("source c, form tidak_ada: HTTP 404 "
                               "Could not find the resource you were looking for.")


def test_session_is_renewed_before_it_expires_and_after_a_401(tmp_path, central, forms):
    central.seed(REG, 3, random.Random(7))
    settings, _ = _setup(tmp_path, central, forms)
    source = load_sources(settings, PASSWORD_ENV)["c"]
    clock = {"now": datetime.now(timezone.utc)}
    client = CentralClient(source, now=lambda: clock["now"])
    client.list_forms()
    client.list_forms()
    assert central.log.count("POST", "/v1/sessions") == 1
    clock["now"] += timedelta(hours=23, minutes=30)     # within the hour before expiresAt
    client.list_forms()
    assert central.log.count("POST", "/v1/sessions") == 2
    central.tokens.clear()                              # the server forgot the session
    assert [f["xmlFormId"] for f in client.list_forms()] == [REG]
    assert central.log.count("POST", "/v1/sessions") == 3


def test_encrypted_form_is_reported_with_form_and_count(tmp_path, central, forms):
    central.add_form(forms["visit_request"], encrypted=True)
    central.seed("visit_request", 7, random.Random(8))
    central.seed(REG, 4, random.Random(9))
    settings, engine = _setup(tmp_path, central, forms)
    tally = run(settings, ["c"], environ=PASSWORD_ENV)["c"]
    assert tally.stopped is None
    assert tally.encrypted == 7 and tally.new == 4
    assert any("visit_request: 7 submission(s) are encrypted" in m for m in tally.messages)
    again = run(settings, ["c"], environ=PASSWORD_ENV)["c"]
    assert any("visit_request: 7 submission(s) are encrypted" in m for m in again.messages)


def test_households_entity_list_is_read_through_the_datasets_api(tmp_path, central, forms):
    central.seed(REG, 1000, random.Random(10))  # a quarter consent: 250 households entities
    settings, _ = _setup(tmp_path, central, forms)
    client = CentralClient(load_sources(settings, PASSWORD_ENV)["c"])
    rows = list(client.entities("households", top=100))
    assert len(rows) == len(central.datasets["households"]["entities"]) == 250
    assert len({r["__id"] for r in rows}) == 250
    assert central.log.count("GET", "households.svc/Entities") == 3
    assert {"label", "village", "geometry"} <= set(rows[0])
