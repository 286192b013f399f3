"""`chips db reproject` rebuilds every domain table and entity list to the same rows."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from chips.db import schema as s
from chips.ingest import mark_deleted, reproject
from tests.support import answers as a
from tests.support.db import dump_tables
from tests.support.store import post
from tests.support.submissions import household_answers

DOMAIN = [t.name for t in s.PROJECTION_TABLES]


_post = post


def _fill(store):
    hh1, hh2, req, preg = (str(uuid.uuid4()) for _ in range(4))
    _post(store, "household_registration", household_answers(), entity_id=hh1, instance_id="uuid:h1", entity_label="HH1")
    _post(store, "household_registration", household_answers(), entity_id=hh2, instance_id="uuid:h2", entity_label="HH2")
    edited = household_answers()
    edited["household"] = {"head_name": "Bu Edit", "phone": "", "poverty": "not_poor"}
    _post(store, "household_registration", edited, entity_id=hh1, instance_id="uuid:h1b", deprecated_id="uuid:h1",
          entity_label="HH1 edited")
    _post(store, "house_condition", a.house_condition(hh1))
    _post(store, "visit_request", a.visit_request(hh1), entity_id=req, entity_label="CH-261125-ABC123 – Pak Slamet")
    _post(store, "home_visit", a.home_visit(req, hh1))
    _post(store, "anc_visit", a.anc_first_visit(hh1), entity_id=preg, entity_label="Siti – HPHT 2026-09-01")
    _post(store, "anc_visit", a.anc_later_visit(preg, hh1), entity_create="false")
    with store.engine.begin() as conn:
        mark_deleted(conn, source="test", instance_id="uuid:h2")
    return hh1, req, preg


def test_every_form_projects(store):
    hh1, req, preg = _fill(store)
    with store.engine.connect() as conn:
        def rows(t):
            return conn.execute(select(t)).all()

        assert [h.head_name for h in rows(s.households)] == ["Bu Edit"]
        survey = rows(s.house_surveys)[0]
        assert (survey.household_uuid, survey.latrine, survey.unhealthy, survey.bad_count) == (hh1, "none", True, 7)
        assert sorted(f.kind for f in rows(s.followups)) == ["no_latrine", "nutrition", "unhealthy_house"]
        vr = rows(s.visit_requests)[0]
        assert (vr.uuid, vr.request_id, vr.household_uuid) == (req, "CH-261125-ABC123", hh1)
        assert str(vr.received_at) == "2026-11-25 01:00:00" and str(vr.received_on) == "2026-11-25"
        hv = rows(s.home_visits)[0]
        assert (hv.request_uuid, hv.response_minutes, hv.compensation_owed, hv.systolic) == (req, 150, True, 150)
        assert str(hv.arrived_at) == "2026-11-25 03:30:00" and hv.temperature == 38.2
        p = rows(s.pregnancies)[0]
        assert (p.uuid, p.household_uuid, str(p.hpht), str(p.edd)) == (preg, hh1, "2026-09-01", "2027-06-08")
        visits = sorted(rows(s.anc_visits), key=lambda r: r.visit_date)
        assert [v.pregnancy_uuid for v in visits] == [preg, preg]
        assert (visits[0].first_visit, visits[0].risk_kek, visits[0].hb_g_dl, visits[0].trimester) == (True, True, 10.5, 2)
        lists = {(e.dataset, e.label) for e in rows(s.entities)}
        assert lists == {("households", "HH1 edited"), ("visit_requests", "CH-261125-ABC123 – Pak Slamet"),
                         ("pregnancies", "Siti – HPHT 2026-09-01")}


def test_reproject_gives_identical_tables(store):
    _fill(store)
    before = dump_tables(store.engine, DOMAIN + ["submissions", "attachments"])
    assert all(before[name] for name in ("households", "members", "entities", "anc_visits", "followups"))
    with store.engine.begin() as conn:
        counts = reproject(conn, store.settings)
    assert counts == {"projected": 6}
    assert dump_tables(store.engine, DOMAIN + ["submissions", "attachments"]) == before


def test_chips_db_reproject_command_gives_identical_tables(store, db_url):
    from click.testing import CliRunner

    from chips.cli import cli

    _fill(store)
    before = dump_tables(store.engine, DOMAIN)
    env = {"CHIPS_DATABASE_URL": db_url, "CHIPS_INSTANCE_DIR": str(store.settings.instance_dir)}
    result = CliRunner().invoke(cli, ["db", "reproject"], env=env, obj={})
    assert result.exit_code == 0, result.output
    assert "reprojected: 6 projected" in result.output
    assert dump_tables(store.engine, DOMAIN) == before
