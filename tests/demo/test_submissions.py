"""Every demo submission has the shape of its built form's instance."""

from __future__ import annotations

from collections import Counter

import pytest
from lxml import etree

from chips.demo.submissions import FormTemplate, NotInForm, to_xml
from chips.records import record_from_raw

XF = "http://www.w3.org/2002/xforms"
H = "http://www.w3.org/1999/xhtml"
JR = "http://openrosa.org/javarosa"
ENTITY_FORMS = {"household_registration": "households", "visit_request": "visit_requests", "anc_visit": "pregnancies"}


def _instance_paths(xform: bytes) -> tuple[str, str, set[str], set[str]]:
    """(form id, version, element paths, repeat paths) of the built form's primary instance."""
    doc = etree.fromstring(xform)
    model = doc.find(f"{{{H}}}head/{{{XF}}}model")
    root = next(iter(next(i for i in model.findall(f"{{{XF}}}instance") if not i.get("id"))))
    paths, repeats = set(), set()

    def walk(el, prefix):
        for child in el:
            if not isinstance(child.tag, str):
                continue
            path = f"{prefix}/{etree.QName(child).localname}"
            paths.add(path)
            if child.get(f"{{{JR}}}template") is not None:
                repeats.add(path)
            walk(child, path)

    walk(root, "")
    return root.get("id"), root.get("version"), paths, repeats


def _submission_paths(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    return [root.getroottree().getpath(el).split("/", 2)[-1] for el in root.iter() if el is not root]


@pytest.fixture(scope="module")
def forms(built_forms):
    return {p.stem: _instance_paths(p.read_bytes()) for p in built_forms.glob("*.xml")}


def test_every_element_is_in_the_built_form(demo_submissions, forms):
    seen = Counter()
    for sub in demo_submissions:
        form_id, version, paths, repeats = forms[sub.form_id]
        root = etree.fromstring(sub.xml)
        assert root.tag == "data" and root.get("id") == form_id and root.get("version") == version
        for path in _submission_paths(sub.xml):
            plain = "/" + "/".join(part.split("[")[0] for part in path.split("/"))
            assert plain in paths, f"{sub.form_id} {sub.instance_id}: {plain} is not in the form"
        assert root.findtext("meta/instanceID") == sub.instance_id
        # a repeated element is a repeat of the form, nothing else
        names = Counter("/" + "/".join(p.split("[")[0] for p in path.split("/")) for path in _submission_paths(sub.xml)
                        if path.endswith("]"))
        assert set(names) <= repeats
        seen[sub.form_id] += 1
    assert set(seen) == set(forms)


def test_entity_blocks(demo_submissions):
    creates = Counter()
    for sub in demo_submissions:
        root = etree.fromstring(sub.xml)
        entity = root.find("meta/entity")
        if sub.form_id not in ENTITY_FORMS:
            assert entity is None
            continue
        assert entity.get("dataset") == ENTITY_FORMS[sub.form_id]
        assert len(entity.get("id")) == 36 and entity.findtext("label")
        if entity.get("create") in ("1", "true"):
            creates[sub.form_id] += 1
    assert creates == {"household_registration": 1666, "visit_request": 460, "anc_visit": 62}


def test_non_relevant_questions_are_absent(demo_submissions):
    for sub in demo_submissions:
        root = etree.fromstring(sub.xml)
        if sub.form_id == "household_registration":
            for member in root.findall("members"):
                age, sex = int(member.findtext("age_years")), member.findtext("sex")
                assert (member.find("pregnant") is not None) == (sex == "female" and 10 <= age <= 55)
            assert (root.find("kenthongan") is not None) == (root.findtext("lone_elderly_count") != "0")
            assert root.find("no_consent_note") is None
        elif sub.form_id == "anc_visit":
            first = root.findtext("first_visit") == "yes"
            assert (root.find("mother") is not None) == first
            assert (root.find("pregnancy") is not None) == (not first)
            assert (root.find("t10/height_cm") is not None) == first
        elif sub.form_id == "home_visit":
            owed = root.findtext("compensation_owed") == "yes"
            assert (root.find("referral_group/compensation_given") is not None) == owed


def test_records_read_back_as_the_store_reads_them(demo_submissions):
    for sub in demo_submissions[::50]:
        assert record_from_raw("xml", sub.xml) == _strings(sub.record)


def _strings(value):
    if isinstance(value, dict):
        out = {k: _strings(v) for k, v in value.items()}
        return out
    if isinstance(value, list):
        return [_strings(v) for v in value] if len(value) > 1 else _strings(value[0])
    return value


def test_unknown_paths_are_refused(templates):
    template: FormTemplate = templates["house_condition"]
    with pytest.raises(NotInForm):
        to_xml(template, {"house": {"floor": "earth", "balcony": "yes"}})
    with pytest.raises(NotInForm):
        to_xml(template, {"photo": {"x": "1"}})
