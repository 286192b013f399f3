"""Entities from pulled JSON: Central's OData and Kobo's data API drop XML attributes, so the
entity id and create flag come from the forms' mirror calculates (forms/README.md, "Entity
attributes in JSON exports"). Households pulled get the uuid of the entity Central serves,
and follow-up forms pulled afterwards link to them."""

from __future__ import annotations

import json
import random

from lxml import etree
from sqlalchemy import select

from chips.db.schema import entities, house_surveys, households, pregnancies, visit_requests
from chips.entities import entity_acts, entity_block
from chips.formdefs import parse_xform
from chips.projection import values as v
from chips.records.central import record_from_central_row
from chips.records.kobo import record_from_kobo
from chips.records.xml import record_from_xml
from sync.runner import run
from tests.fakes.xforms import FormSchema, central_data, engine_instance, kobo_data, with_new_instance
from tests.fakes.xforms import bases as made_bases
from tests.sync.conftest import PASSWORD_ENV, REG, make_settings, prepare_store, write_config

TRUE = ("1", "true")


def _entity_of(xml: bytes) -> tuple[str, str]:
    ent = etree.fromstring(xml).find("meta/entity")
    return ent.get("id"), ent.get("create")


def _sync(settings, name: str) -> None:
    tally = run(settings, [name], environ=PASSWORD_ENV)[name]
    assert tally.stopped is None, tally.stopped
    assert tally.messages == []


def _uuids(engine, table) -> set[str]:
    with engine.connect() as conn:
        return {r[0] for r in conn.execute(select(table.c.uuid))}


def _follow_up(forms, form_id: str, changes: dict[str, str], seed: int) -> bytes:
    """A filled instance of a follow-up form with the given answers (paths below the root)."""
    import uuid
    base = made_bases(FormSchema(forms[form_id]), 2, random.Random(seed))[-1]
    root = etree.fromstring(with_new_instance(base, f"uuid:{uuid.UUID(int=seed)}"))
    for path, value in changes.items():
        el = root.find(path)
        assert el is not None, path
        el.text = value
    return etree.tostring(root, encoding="UTF-8")


def test_central_pull_creates_households_with_the_entity_uuid_and_follow_ups_link(tmp_path, central, forms):
    ids = central.seed(REG, 60, random.Random(8), attachment_every=0)
    created = {_entity_of(central.find(REG, i).xml)[0] for i in ids
               if _entity_of(central.find(REG, i).xml)[1] in TRUE}
    consenting = {_entity_of(central.find(REG, i).xml)[0] for i in ids
                  if etree.fromstring(central.find(REG, i).xml).findtext("consent") == "yes"}
    assert created == consenting and 0 < len(created) < len(ids)
    served = {e["uuid"] for e in central.datasets["households"]["entities"]}
    assert served == created  # what Central puts in households.csv

    write_config(tmp_path, central_url=central.url)
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    engine = prepare_store(settings, forms)
    _sync(settings, "c")
    assert _uuids(engine, households) == served
    with engine.connect() as conn:
        listed = {r.uuid for r in conn.execute(select(entities.c.uuid).where(entities.c.dataset == "households"))}
    assert listed == served

    # follow-ups, pulled afterwards, pick a household by the uuid Central served
    target = sorted(served)[0]
    central.add_form(forms["house_condition"])
    central.add_form(forms["visit_request"])
    central.submit("house_condition", _follow_up(forms, "house_condition", {"household": target}, 11))
    request = _follow_up(forms, "visit_request", {"place/household_known": "yes", "place/household": target,
                                                  "household_saved": target}, 12)
    central.submit("visit_request", request)
    _sync(settings, "c")
    with engine.connect() as conn:
        linked = conn.execute(select(households.c.uuid).join(
            house_surveys, house_surveys.c.household_uuid == households.c.uuid)).scalars().all()
        assert linked == [target]
        req = conn.execute(select(visit_requests.c.uuid, visit_requests.c.household_uuid)).one()
    assert req == (_entity_of(request)[0], target)
    assert _entity_of(request)[0] in {e["uuid"] for e in central.datasets["visit_requests"]["entities"]}


def test_kobo_pull_creates_households_with_the_entity_uuid(tmp_path, kobo, forms):
    import uuid
    rng = random.Random(5)
    made = made_bases(FormSchema(forms[REG]), 8, rng)
    sent = [with_new_instance(made[i % 8], f"uuid:{uuid.UUID(int=rng.getrandbits(128))}") for i in range(40)]
    for xml in sent:
        kobo.submit(kobo.uid, xml)
    created = {_entity_of(x)[0] for x in sent if _entity_of(x)[1] in TRUE}
    assert created
    write_config(tmp_path, kobo_url=kobo.url, kobo_assets={kobo.uid: REG})
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    engine = prepare_store(settings, forms)
    _sync(settings, "k")
    assert _uuids(engine, households) == created


def test_json_records_rebuild_the_attributes_xml_keeps_its_own(forms):
    """The engine's own submission of each entity-creating form, as XML, Central and Kobo."""
    for form_id, dataset in (("household_registration", "households"), ("visit_request", "visit_requests"),
                             ("anc_visit", "pregnancies")):
        xml = engine_instance(form_id)
        assert xml is not None, "the XForm engine (tests/engine) is needed"
        eid, create = _entity_of(xml)
        assert eid and create in TRUE
        schema, formdef = FormSchema(forms[form_id]), parse_xform(forms[form_id])
        from_xml = record_from_xml(xml)
        central = record_from_central_row(json.loads(json.dumps(central_data(schema, xml, "uuid:x"))))
        kobo = record_from_kobo(json.dumps(kobo_data(schema, xml)))
        assert "@id" not in (central["meta"].get("entity") or {}) and "@id" not in (kobo["meta"].get("entity") or {})
        # (properties may differ in number formatting: chips/records/central.py)
        acts = [[(a.dataset, a.uuid, a.action, a.label) for a in entity_acts(formdef, r)]
                for r in (from_xml, central, kobo)]
        assert acts[0] == acts[1] == acts[2]
        assert [a[:3] for a in acts[0]] == [(dataset, eid, "create")]
        for record in (from_xml, central, kobo):
            assert v.entity_id(record) == eid and v.created(record)

    # XML: the attributes as sent win over the mirrors; the block comes back untouched
    record = record_from_xml(engine_instance(REG))
    record["entity_id"] = "something-else"
    assert entity_block(record) is record["meta"]["entity"]
    assert v.entity_id(record) == _entity_of(engine_instance(REG))[0]


def test_no_consent_from_json_creates_nothing(forms):
    root = etree.fromstring(engine_instance(REG))
    root.find("meta/entity").set("create", "false")
    root.find("entity_create").text = "false"
    record = record_from_kobo(json.dumps(kobo_data(FormSchema(forms[REG]), etree.tostring(root))))
    assert entity_acts(parse_xform(forms[REG]), record) == []
    assert not v.created(record) and v.entity_id(record)


def test_first_anc_visit_pulled_from_central_creates_its_pregnancy(tmp_path, central, forms):
    central.add_form(forms["anc_visit"])
    xml = engine_instance("anc_visit")
    assert xml is not None
    central.submit("anc_visit", xml)
    write_config(tmp_path, central_url=central.url)
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'chips.sqlite'}")
    engine = prepare_store(settings, forms)
    _sync(settings, "c")
    assert _uuids(engine, pregnancies) == {_entity_of(xml)[0]}
