"""The whole loop with ODK's own XForm engine: fill each real built form, post it over
HTTP, and fill the follow-up forms from the entity-list CSVs *our server* serves in their
manifests — the way ODK Collect works offline with households, requests and pregnancies."""

from __future__ import annotations

import os

import pytest
from lxml import etree
from sqlalchemy import select

from chips.db import schema as s
from tests.server.test_openrosa import MAN, XFL, _post, _session


def _engine():
    from tests.support import engine

    try:
        engine._node()
    except engine.EngineUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(str(exc))
        pytest.skip(str(exc))
    return engine


def _swap(answers, **values):
    """Replace answers by path, keeping their order."""
    return [(path, values.get(path.replace("/", "__"), value)) for path, value in answers]


def _media(server, session, form_id) -> dict[str, bytes]:
    listing = etree.fromstring(session.get(f"{server.url}/formList").content)
    item = next(x for x in listing if x.findtext(f"{XFL}formID") == form_id)
    manifest = etree.fromstring(session.get(item.findtext(f"{XFL}manifestUrl")).content)
    return {m.findtext(f"{MAN}filename"): session.get(m.findtext(f"{MAN}downloadUrl")).content for m in manifest}


def _submit(server, session, result, form_id):
    assert result.valid, (form_id, result.violations)
    files = [(name, (name, data, "image/png")) for name, data in result.files.items()]
    resp = _post(server, result.xml, files=files, session=session)
    assert resp.status_code == 201, (form_id, resp.text)
    return etree.fromstring(result.xml)


@pytest.mark.slow
def test_real_forms_round_trip_through_our_server(server, tmp_path):
    engine = _engine()
    from tests.forms.samples import sample

    paths = {}
    for form_id, xml in server.store.forms.items():
        paths[form_id] = tmp_path / f"{form_id}.xml"
        paths[form_id].write_bytes(xml)
    session = _session()

    answers, _ = sample("household_registration")
    reg = _submit(server, session, engine.fill(paths["household_registration"], answers), "household_registration")
    household = reg.find("meta/entity").get("id")

    media = _media(server, session, "visit_request")
    assert household in media["households.csv"].decode()
    answers, _ = sample("visit_request")
    req = _submit(server, session, engine.fill(paths["visit_request"], _swap(answers, place__household=household), media),
                  "visit_request")
    request = req.find("meta/entity").get("id")

    answers, _ = sample("home_visit")
    visit = engine.fill(paths["home_visit"], _swap(answers, request_group__request=request),
                        _media(server, session, "home_visit"))
    _submit(server, session, visit, "home_visit")

    answers, _ = sample("house_condition")
    _submit(server, session, engine.fill(paths["house_condition"], _swap(answers, household=household),
                                         _media(server, session, "house_condition")), "house_condition")

    answers, _ = sample("anc_visit")
    first = _swap(answers, mother__village="35.10.20.2001", mother__household=household)
    anc = _submit(server, session, engine.fill(paths["anc_visit"], first, _media(server, session, "anc_visit")), "anc_visit")
    pregnancy = anc.find("meta/entity").get("id")
    media = _media(server, session, "anc_visit")
    assert pregnancy in media["pregnancies.csv"].decode()
    later = [("visit_date", "2025-07-14"), ("first_visit", "no"), ("pregnancy", pregnancy)] + [
        (p, v) for p, v in answers
        if not p.startswith("mother/") and p not in {"visit_date", "first_visit", "t10/height_cm"}
    ]
    later = [(p, "2025-08-14") if p == "next_visit_date" else (p, v) for p, v in later]
    _submit(server, session, engine.fill(paths["anc_visit"], later, media), "anc_visit")

    with server.store.engine.connect() as conn:
        def rows(table):
            return conn.execute(select(table)).all()

        [hh] = rows(s.households)
        assert (hh.uuid, hh.head_name, hh.village_code, hh.latitude) == (household, "Mbah Sarmi", "35.10.20.2001", -8.3101)
        assert {i.kind for i in rows(s.installations)} == {"sticker", "kenthongan"}
        [vr] = rows(s.visit_requests)
        assert (vr.uuid, vr.household_uuid) == (request, household) and vr.request_id.startswith("CH-250610-")
        [hv] = rows(s.home_visits)
        assert (hv.request_uuid, hv.household_uuid, hv.request_id) == (request, household, vr.request_id)
        assert hv.response_minutes == 150 and hv.compensation_owed is True
        [survey] = rows(s.house_surveys)
        assert survey.household_uuid == household and survey.unhealthy is True
        assert {f.kind for f in rows(s.followups)} >= {"no_latrine"}
        [preg] = rows(s.pregnancies)
        assert (preg.uuid, preg.household_uuid, str(preg.hpht)) == (pregnancy, household, "2025-03-01")
        visits = sorted(rows(s.anc_visits), key=lambda r: r.visit_date)
        assert [(v.pregnancy_uuid, v.first_visit) for v in visits] == [(pregnancy, True), (pregnancy, False)]
        assert visits[1].household_uuid == household  # carried from the pregnancy entity
        present = {(a.name, a.present) for a in rows(s.attachments)}
        assert ("sticker.png", True) in present
        assert {e.dataset for e in rows(s.entities)} == {"households", "visit_requests", "pregnancies"}
        assert all(r.status == "projected" for r in rows(s.submissions))
