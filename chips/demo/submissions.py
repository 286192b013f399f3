"""The demo programme as submissions of the real, built forms.

Each ``*_record`` function gives the answers of one submission as a nested dict in the
shape of the form's instance (groups → dicts, repeats → lists, every leaf a string):
only the questions that are relevant are present, relevant notes and unanswered optional
questions are present and empty, and the calculated fields hold what the form computes
(``chips.demo.calc``) — what ODK Collect and ODK's web engine send. ``to_xml`` writes a
record into the built XForm's own primary instance (element order, repeats and the
``meta/entity`` block come from the form), and refuses any path the form does not have.
"""

from __future__ import annotations

import copy
import struct
import zlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Iterator

from lxml import etree

from chips.demo import calc
from chips.demo.generate import STICKER_PHONE, AncVisit, Household, HouseSurvey, HomeVisit, Pregnancy, Programme, VisitRequest

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"
JR = "http://openrosa.org/javarosa"
ODK_ENTITIES = "http://www.opendatakit.org/xforms/entities"


class NotInForm(KeyError):
    """A record names an element the built form does not have."""


@dataclass(frozen=True)
class FormTemplate:
    form_id: str
    version: str
    root: Any  # the primary instance's root element, namespaces stripped
    create_is_computed: bool  # meta/entity/@create has a calculate (create_if)
    # select_multiple paths ("/t10/counselling", repeats without positions) -> choice names in
    # the form's order: Collect and the web engine write the chosen values in that order
    multiple: dict[str, tuple[str, ...]] = None  # type: ignore[assignment]

    @classmethod
    def from_xform(cls, xml: bytes) -> "FormTemplate":
        doc = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=True))
        model = doc.find(f"{{{H}}}head/{{{XF}}}model")
        primary = next(i for i in model.findall(f"{{{XF}}}instance") if not i.get("id"))
        root = copy.deepcopy(next(iter(primary)))
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag.startswith("{"):
                el.tag = el.tag.split("}", 1)[1]
        etree.cleanup_namespaces(root)
        computed = any((b.get("nodeset") or "").endswith("meta/entity/@create") and b.get("calculate")
                       for b in model.findall(f"{{{XF}}}bind"))
        choices = {}
        for inst in model.findall(f"{{{XF}}}instance"):
            if inst.get("id"):
                choices[inst.get("id")] = tuple(n.text or "" for n in inst.iter(f"{{{XF}}}name"))
        multiple = {}
        for sel in doc.iter(f"{{{XF}}}select"):
            itemset = sel.find(f"{{{XF}}}itemset")
            if itemset is not None and sel.get("ref"):
                name = itemset.get("nodeset", "").split("'")[1] if "'" in itemset.get("nodeset", "") else ""
                multiple["/" + "/".join(sel.get("ref").split("/")[2:])] = choices.get(name, ())
        return cls(root.get("id"), root.get("version"), root, computed, multiple)


def _is_template(el: Any) -> bool:
    return el.get(f"{{{JR}}}template") is not None


def _in_choice_order(value: str, order: tuple[str, ...]) -> str:
    return " ".join(sorted(value.split(), key=lambda v: order.index(v) if v in order else len(order)))


def _write(tmpl: Any, out: Any, record: dict[str, Any], where: str, multiple: dict[str, tuple[str, ...]]) -> None:
    children = [c for c in tmpl if isinstance(c.tag, str)]
    names = {c.tag for c in children}
    for key in record:
        if not key.startswith("@") and key not in names:
            raise NotInForm(f"{where}/{key} is not in the form")
    seen: set[str] = set()
    for child in children:
        name = child.tag
        if name in seen:
            continue
        seen.add(name)
        repeat = next((c for c in children if c.tag == name and _is_template(c)), None)
        if name not in record:
            continue  # not relevant: absent, as Collect and the web engine send it
        value = record[name]
        if repeat is not None:
            for row in value:
                el = etree.SubElement(out, name)
                _write(repeat, el, row, f"{where}/{name}", multiple)
            continue
        el = etree.SubElement(out, name)
        if isinstance(value, dict):
            for attr in (a for a in child.attrib if not a.startswith("{")):
                if f"@{attr}" in value:
                    el.set(attr, value[f"@{attr}"])
            unknown = [k[1:] for k in value if k.startswith("@") and k[1:] not in child.attrib]
            if unknown:
                raise NotInForm(f"{where}/{name}/@{unknown[0]} is not in the form")
            _write(child, el, value, f"{where}/{name}", multiple)
        else:
            if len(child):
                raise NotInForm(f"{where}/{name} is a group, not a field")
            if f"{where}/{name}" in multiple and value:
                value = record[name] = _in_choice_order(value, multiple[f"{where}/{name}"])  # the record says what the XML says
            el.text = value or None  # an empty answer is an empty element: <note/>


def to_xml(template: FormTemplate, record: dict[str, Any]) -> bytes:
    root = etree.Element("data", id=template.form_id, version=template.version)
    _write(template.root, root, record, "", template.multiple or {})
    return etree.tostring(root, xml_declaration=False, encoding="utf-8")


# --- value formats -------------------------------------------------------------------------


def dt(moment: datetime) -> str:
    """dateTime as Collect writes it: milliseconds and the phone's offset."""
    return moment.isoformat(timespec="milliseconds")


def dec(value: float) -> str:
    """A decimal answer as the engines serialise it (at least one decimal: 152 → 152.0)."""
    return repr(float(value))


def yn(value: bool) -> str:
    return "yes" if value else "no"


def _entity(dataset: str, entity_id: str, label: str, create: bool | None, template: FormTemplate) -> dict[str, str]:
    flag = ("true" if create else "false") if template.create_is_computed else "1"
    return {"@dataset": dataset, "@create": flag, "@id": entity_id, "label": label}


def _mirrors(record: dict[str, Any]) -> dict[str, Any]:
    """The record with the calculates that mirror its entity's attributes, as the form
    computes them (entity_id = /data/meta/entity/@id …; forms/README.md)."""
    entity = record["meta"]["entity"]
    record["entity_id"], record["entity_create"] = entity["@id"], entity["@create"]
    return record


# --- household_registration ------------------------------------------------------------------


def household_label(hh: Household) -> str:
    return f"{hh.head_name} – {hh.village_name} RT {hh.rt}/RW {hh.rw} ({hh.dusun})"


def gps(hh: Household) -> str:
    return f"{dec(hh.latitude)} {dec(hh.longitude)} {dec(hh.altitude)} {dec(hh.accuracy)}"


def registration_record(hh: Household, template: FormTemplate) -> dict[str, Any]:
    today = hh.registered_on
    members = []
    counts = {"elderly": 0, "lone": 0, "pregnant": 0, "under_five": 0}
    for m in hh.members:
        age = calc.form_age(m.dob, today)
        row: dict[str, Any] = {"member_name": m.name, "sex": m.sex, "dob": m.dob.isoformat(), "age_years": str(age),
                               "relation": m.relation}
        if m.sex == "female" and 10 <= age <= 55:
            row["pregnant"] = yn(m.pregnant)
        elderly, lone = age >= 60, m.lives_alone and age >= 60
        row.update(lives_alone=yn(m.lives_alone), disability=m.disability, jkn=m.jkn,
                   is_elderly=str(int(elderly)), is_lone_elderly=str(int(lone)),
                   is_pregnant=str(int(m.pregnant)), is_under_five=str(int(age < 5)))
        counts["elderly"] += elderly
        counts["lone"] += lone
        counts["pregnant"] += m.pregnant
        counts["under_five"] += age < 5
        members.append(row)
    if hh.sticker_serial:
        sticker = {"sticker_installed": "yes", "sticker_serial": hh.sticker_serial, "sticker_phone": STICKER_PHONE,
                   "sticker_date": today.isoformat(), "sticker_photo": hh.photo or ""}
    else:
        sticker = {"sticker_installed": "no", "sticker_not_installed_reason": hh.sticker_reason}
    record: dict[str, Any] = {
        "start": dt(hh.started), "end": dt(hh.finished), "today": today.isoformat(),
        "deviceid": hh.device, "username": hh.user, "intro": "", "consent": "yes",
        "location": {"village": hh.village_code, "village_name": hh.village_name, "dusun": hh.dusun,
                     "rt": str(hh.rt), "rw": str(hh.rw), "address": hh.address, "gps": gps(hh)},
        "household": {"head_name": hh.head_name, "head_nik": hh.head_nik, "phone": hh.phone, "poverty": hh.poverty},
        "members": members,
        "member_count": str(len(members)), "elderly_count": str(counts["elderly"]),
        "lone_elderly_count": str(counts["lone"]), "pregnant_count": str(counts["pregnant"]),
        "under_five_count": str(counts["under_five"]), "member_summary": "",
        "sticker": sticker,
    }
    if counts["lone"] > 0:
        record["kenthongan"] = ({"kenthongan_installed": "yes", "kenthongan_date": today.isoformat()}
                                if hh.kenthongan_installed else {"kenthongan_installed": "no"})
    record["kenthongan_status"] = "yes" if hh.kenthongan_installed else "no" if counts["lone"] > 0 else "not_needed"
    record["registered_on"] = today.isoformat()
    record["meta"] = {
        "entity": _entity("households", hh.entity_id, household_label(hh), True, template),
        "instanceID": hh.instance_id,
        "instanceName": f"{hh.head_name} – RT {hh.rt}/RW {hh.rw} {hh.village_name}",
    }
    return _mirrors(record)


def household_properties(hh: Household) -> dict[str, str]:
    """The `households` entity as the registration saves it (forms/README.md)."""
    record = registration_record(hh, _ANY)
    loc, house = record["location"], record["household"]
    return {
        "name": hh.entity_id, "label": household_label(hh), "village": loc["village"], "village_name": loc["village_name"],
        "dusun": loc["dusun"], "rt": loc["rt"], "rw": loc["rw"], "address": loc["address"], "geometry": loc["gps"],
        "head_name": house["head_name"], "phone": house["phone"], "poverty": house["poverty"],
        "member_count": record["member_count"], "elderly_count": record["elderly_count"],
        "lone_elderly_count": record["lone_elderly_count"], "pregnant_count": record["pregnant_count"],
        "under_five_count": record["under_five_count"], "sticker_serial": record["sticker"].get("sticker_serial", ""),
        "kenthongan": record["kenthongan_status"], "registered_on": record["registered_on"],
    }


# --- visit_request ---------------------------------------------------------------------------


def request_label(req: VisitRequest, households: list[Household]) -> str:
    return f"{calc.request_id(req.received_at, req.instance_id)} – {req.patient_name} – {place_label(req, households)}"


def place_label(req: VisitRequest, households: list[Household]) -> str:
    if req.household is not None:
        return household_label(households[req.household])
    return f"{req.address}, RT {req.rt}/RW {req.rw} {req.dusun}, {req.village_name}"


def request_record(req: VisitRequest, households: list[Household], template: FormTemplate) -> dict[str, Any]:
    reporter: dict[str, Any] = {"reporter_type": req.reporter_type, "channel": req.channel}
    hh = households[req.household] if req.household is not None else None
    if req.serial_read is not None:
        reporter["serial_read"] = yn(req.serial_read)
        if req.serial_read:
            reporter["sticker_serial"] = hh.sticker_serial
    reporter.update(reporter_name=req.reporter_name, reporter_phone=req.reporter_phone)
    place: dict[str, Any] = {"household_known": yn(hh is not None), "village": req.village_code}
    if hh is not None:
        place["household"] = hh.entity_id
    else:
        place.update(dusun=req.dusun, rt=str(req.rt), rw=str(req.rw), address=req.address)
    place.update(village_name=req.village_name, household_label=place_label(req, households))
    rid = calc.request_id(req.received_at, req.instance_id)
    finished = req.started + _minutes(4)
    return _mirrors({
        "start": dt(req.started), "end": dt(finished), "deviceid": req.device, "username": req.user,
        "received_at": dt(req.received_at), "reporter": reporter, "place": place,
        "patient": {"patient_name": req.patient_name, "patient_sex": req.patient_sex,
                    "patient_age": str(req.patient_age), "patient_group": req.patient_group},
        "complaint": {"complaint_kind": req.complaint_kind, "complaint_text": req.complaint_text, "urgency": req.urgency},
        "request_key": calc.request_key(req.instance_id), "request_id": rid, "received_at_saved": dt(req.received_at),
        "household_saved": hh.entity_id if hh is not None else "", "village_saved": req.village_code,
        "patient_saved": req.patient_name, "urgency_saved": req.urgency, "request_id_note": "",
        "meta": {
            "entity": _entity("visit_requests", req.entity_id, request_label(req, households), True, template),
            "instanceID": req.instance_id,
            "instanceName": f"{rid} {req.patient_name}",
        },
    })


def request_properties(req: VisitRequest, households: list[Household]) -> dict[str, str]:
    """The `visit_requests` entity as the request form saves it."""
    hh = households[req.household] if req.household is not None else None
    return {"name": req.entity_id, "label": request_label(req, households),
            "request_id": calc.request_id(req.received_at, req.instance_id), "received_at": dt(req.received_at),
            "household": hh.entity_id if hh else "", "village": req.village_code, "patient_name": req.patient_name,
            "urgency": req.urgency}


def _minutes(n: int):
    from datetime import timedelta

    return timedelta(minutes=n)


# --- home_visit ------------------------------------------------------------------------------


def visit_record(visit: HomeVisit, requests: list[VisitRequest], households: list[Household]) -> dict[str, Any]:
    if visit.request is not None:
        req = requests[visit.request]
        props = request_properties(req, households)
        group: dict[str, Any] = {"request_listed": "yes", "request": req.entity_id, "request_id": props["request_id"],
                                 "received_at": props["received_at"], "patient_name": props["patient_name"],
                                 "household": props["household"]}
        received = req.received_at
    else:
        group = {"request_listed": "no", "received_at_manual": dt(visit.received_at_manual),
                 "patient_name_manual": visit.patient_name_manual, "request_id": "",
                 "received_at": dt(visit.received_at_manual), "patient_name": visit.patient_name_manual, "household": ""}
        received = visit.received_at_manual
    group["request_note"] = ""
    timing = calc.response(received, visit.arrived_at)
    vitals: dict[str, Any] = {"bp_systolic": str(visit.systolic), "bp_diastolic": str(visit.diastolic),
                              "temperature": dec(visit.temperature), "pulse": str(visit.pulse),
                              "respiration": str(visit.respiration), "sugar_measured": yn(visit.blood_sugar is not None)}
    if visit.blood_sugar is not None:
        vitals.update(blood_sugar_kind=visit.blood_sugar_kind, blood_sugar=str(visit.blood_sugar))
    care: dict[str, Any] = {"diagnosis": visit.diagnosis, "icd10": visit.icd10, "treatment": visit.treatment,
                            "medicines": visit.medicines}
    if visit.medicines_other is not None:
        care["medicines_other"] = visit.medicines_other
    referral: dict[str, Any] = {"referral": visit.referral}
    if visit.referral != "none":
        referral["ambulance_called"] = yn(bool(visit.ambulance_called))
    referral["transport_service"] = visit.transport
    if timing["compensation_owed"] == "yes":
        referral["compensation_given"] = yn(bool(visit.compensation_given))
    hypertension = visit.systolic >= 140 or visit.diastolic >= 90
    record: dict[str, Any] = {
        "start": dt(visit.arrived_at + _minutes(2)), "end": dt(visit.finished), "deviceid": visit.device,
        "username": visit.user, "thr_compensation_minutes": str(calc.THR_COMPENSATION_MINUTES),
        "thr_breach_minutes": str(calc.THR_BREACH_MINUTES), "request_group": group,
        "timing": {"departed_at": dt(visit.departed_at), "arrived_at": dt(visit.arrived_at)},
        **timing, "response_note": "",
    }
    if timing["compensation_owed"] == "yes":
        record["compensation_note"] = ""
    if timing["response_status"] == "breach":
        record["breach_note"] = ""
    record.update(team={"doctor_name": visit.doctor, "driver_name": visit.driver}, vitals=vitals,
                  hypertension_flag=yn(hypertension))
    if hypertension:
        record["hypertension_note"] = ""
    record.update(care=care, referral_group=referral, photo="",
                  meta={"instanceID": visit.instance_id,
                        "instanceName": f"Kunjungan {group['patient_name']} {dt(visit.arrived_at)}"})
    return record


# --- anc_visit -------------------------------------------------------------------------------


def pregnancy_properties(preg: Pregnancy, households: list[Household]) -> dict[str, str]:
    """The `pregnancies` entity as the first ANC visit saves it."""
    first = anc_record(preg, preg.visits[0], households, _ANY)
    hh = households[preg.household]
    return {"name": preg.entity_id, "label": first["meta"]["entity"]["label"], "mother_name": first["p_mother_name"],
            "mother_dob": first["p_mother_dob"], "household": hh.entity_id, "village": hh.village_code,
            "gravida": first["p_gravida"], "parity": first["p_parity"], "hpht": first["hpht_effective"],
            "hpht_source": first["hpht_source"], "edd": first["edd"]}


def anc_record(preg: Pregnancy, visit: AncVisit, households: list[Household], template: FormTemplate) -> dict[str, Any]:
    hh = households[preg.household]
    woman = hh.members[preg.member]
    record: dict[str, Any] = {"start": dt(visit.started), "end": dt(visit.started + _minutes(14)),
                              "deviceid": preg.device, "username": preg.user, **calc.ANC_THRESHOLDS,
                              "visit_date": visit.visit_date.isoformat(), "first_visit": yn(visit.first)}
    if visit.first:
        mother: dict[str, Any] = {"village": hh.village_code, "household": hh.entity_id, "mother_name": woman.name,
                                  "mother_dob": woman.dob.isoformat(), "gravida": str(preg.gravida),
                                  "parity": str(preg.parity), "abortus": str(preg.abortus),
                                  "hpht_known": yn(preg.hpht_known)}
        if preg.hpht_known:
            mother["hpht"] = preg.hpht.isoformat()
        record["mother"] = mother
        p_hpht = preg.hpht.isoformat() if preg.hpht_known else ""
        source = "lmp" if preg.hpht_known else "gestational_age"
    else:
        props = pregnancy_properties(preg, households)
        record["pregnancy"] = preg.entity_id
        p_hpht, source = props["hpht"], props["hpht_source"]
    record.update(p_hpht=p_hpht, p_mother_dob=woman.dob.isoformat(), p_parity=str(preg.parity),
                  p_gravida=str(preg.gravida), p_household=hh.entity_id, p_village=hh.village_code,
                  p_mother_name=woman.name)
    if p_hpht == "":
        record["ga_weeks_entered"] = str(visit.ga_weeks_entered)
    gest = calc.gestation(visit.visit_date, date.fromisoformat(p_hpht) if p_hpht else None, visit.ga_weeks_entered)
    mother_age = calc.form_age(woman.dob, visit.visit_date)
    record.update(ga_days=gest["ga_days"], ga_weeks=gest["ga_weeks"], ga_days_part=gest["ga_days_part"],
                  trimester=gest["trimester"], hpht_effective=gest["hpht_effective"], hpht_source=source,
                  edd=gest["edd"], mother_age=str(mother_age), ga_note="")
    record["examiner"] = {"examined_by": visit.examined_by, "usg_done": yn(visit.usg)}
    weeks = int(gest["ga_weeks"])
    t10: dict[str, Any] = {"weight_kg": dec(visit.weight_kg)}
    if visit.first:
        t10["height_cm"] = dec(visit.height_cm)
    t10.update(bp_systolic=str(visit.systolic), bp_diastolic=str(visit.diastolic), lila_cm=dec(visit.lila_cm))
    if weeks >= 12:
        t10.update(fundal_height_cm=dec(visit.fundal_height_cm), fetal_presentation=visit.presentation or "not_determined",
                   fetal_heart_rate=str(visit.fetal_heart_rate) if visit.fetal_heart_rate else "")
    t10["tt_status"] = visit.tt_status
    if visit.tt_status != "tt5":
        t10["tt_given"] = yn(visit.tt_given)
    t10.update(iron_tablets=str(visit.iron_tablets), hb_tested=yn(visit.hb_g_dl is not None))
    if visit.hb_g_dl is not None:
        t10["hb_g_dl"] = dec(visit.hb_g_dl)
    t10.update(urine_protein=visit.urine_protein, hiv=visit.hiv, syphilis=visit.syphilis, hepatitis_b=visit.hepatitis_b,
               case_management=visit.case_management)
    if visit.case_management != "none_needed":
        t10["case_management_notes"] = visit.case_notes
    t10["counselling"] = visit.counselling
    record["t10"] = t10
    risks = calc.anc_risks(visit.lila_cm, visit.hb_g_dl, visit.systolic, visit.diastolic, mother_age, preg.parity)
    record.update(risks)
    if risks["high_risk"] == "yes":
        record["risk_note"] = ""
    record.update(referral=visit.referral, next_visit_date=visit.next_visit.isoformat())
    if visit.first:
        label = f"{woman.name} – HPHT {preg.hpht.isoformat() if preg.hpht_known else '?'} – {household_label(hh)}"
    else:
        label = " – HPHT ? – "  # the label's fields are not relevant on a later visit
    entity_id = preg.entity_id if visit.first else _later_visit_entity_id(visit)
    record["meta"] = {"entity": _entity("pregnancies", entity_id, label, visit.first, template),
                      "instanceID": visit.instance_id, "instanceName": f"ANC {woman.name} {visit.visit_date.isoformat()}"}
    return _mirrors(record)


def _later_visit_entity_id(visit: AncVisit) -> str:
    """The entity id a later visit's form still generates (create is false, so unused)."""
    import uuid

    return str(uuid.uuid5(uuid.NAMESPACE_URL, visit.instance_id))


# --- house_condition ----------------------------------------------------------------------


def survey_record(survey: HouseSurvey, households: list[Household]) -> dict[str, Any]:
    hh = households[survey.household]
    house = {k: getattr(survey, k) for k in ("floor", "wall", "roof", "ventilation", "lighting", "windows", "latrine",
                                             "water_source", "waste")}
    nutrition: dict[str, Any] = {"nutrition_concern": yn(survey.nutrition_concern)}
    if survey.nutrition_concern:
        nutrition["nutrition_kind"] = survey.nutrition_kind
    findings = calc.house_findings(house, survey.nutrition_concern)
    label = household_label(hh)
    record: dict[str, Any] = {
        "start": dt(survey.started), "end": dt(survey.started + _minutes(17)), "today": survey.survey_date.isoformat(),
        "deviceid": survey.device, "username": survey.user, "thr_unhealthy_min_bad": str(calc.THR_UNHEALTHY_MIN_BAD),
        "survey_date": survey.survey_date.isoformat(), "village": hh.village_code, "household": hh.entity_id,
        "household_label": label, "household_note": "", "house": house, "nutrition": nutrition,
        "photo": survey_photo(survey), "notes": survey.notes, **findings,
    }
    record["result_unhealthy" if findings["unhealthy_house"] == "yes" else "result_healthy"] = ""
    record["result_followup" if findings["followup_needed"] == "yes" else "result_no_followup"] = ""
    record["meta"] = {"instanceID": survey.instance_id, "instanceName": f"Rumah {label} {survey.survey_date.isoformat()}"}
    return record


def survey_photo(survey: HouseSurvey) -> str:
    return f"{int(survey.started.timestamp() * 1000) + 60_000}.png"


# --- the whole programme ---------------------------------------------------------------------


@dataclass(frozen=True)
class DemoSubmission:
    form_id: str
    instance_id: str
    record: dict[str, Any]
    xml: bytes
    submitter: str
    device_id: str
    submitted_at: datetime
    photos: tuple[str, ...]


class _AnyTemplate:
    """Stands in for a form when only the values are wanted (entity properties)."""

    create_is_computed = True


_ANY: Any = _AnyTemplate()


def load_templates(forms_dir: Path) -> dict[str, FormTemplate]:
    return {p.stem: FormTemplate.from_xform(p.read_bytes()) for p in sorted(Path(forms_dir).glob("*.xml"))}


def programme_submissions(programme: Programme, templates: dict[str, FormTemplate]) -> Iterator[DemoSubmission]:
    """Every submission, in the order the field would have sent them (registrations of a day
    before the requests and visits that pick those households)."""
    hhs, reqs = programme.households, programme.requests
    items: list[tuple[datetime, int, str, Any]] = []
    for hh in hhs:
        items.append((hh.finished, 0, "household_registration", hh))
    for preg in programme.pregnancies:
        for v in preg.visits:
            items.append((v.started + _minutes(14), 1, "anc_visit", (preg, v)))
    for req in reqs:
        items.append((req.started, 2, "visit_request", req))
    for visit in programme.visits:
        items.append((visit.finished, 3, "home_visit", visit))
    for survey in programme.surveys:
        items.append((survey.started + _minutes(17), 4, "house_condition", survey))
    items.sort(key=lambda item: (item[0], item[1]))
    for finished, _, form_id, item in items:
        template = templates[form_id]
        photos: tuple[str, ...] = ()
        if form_id == "household_registration":
            record = registration_record(item, template)
            user, device = item.user, item.device
            photos = (item.photo,) if item.sticker_serial and item.photo else ()
        elif form_id == "anc_visit":
            preg, visit = item
            record = anc_record(preg, visit, hhs, template)
            user, device = preg.user, preg.device
        elif form_id == "visit_request":
            record = request_record(item, hhs, template)
            user, device = item.user, item.device
        elif form_id == "home_visit":
            record = visit_record(item, reqs, hhs)
            user, device = item.user, item.device
        else:
            record = survey_record(item, hhs)
            user, device = item.user, item.device
            photos = (record["photo"],)
        yield DemoSubmission(form_id=form_id, instance_id=record["meta"]["instanceID"], record=record,
                             xml=to_xml(template, record), submitter=user, device_id=device,
                             submitted_at=min(finished + _minutes(90), programme.now), photos=photos)


def placeholder_photo() -> bytes:
    """A small grey PNG standing in for every demo photo (one file in the content-addressed
    attachment store, however many submissions name it)."""
    width = height = 8

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\x99\x99\x99" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
