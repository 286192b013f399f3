"""The sources convert with pyxform, the catalog reads them, and the spreadsheets match."""

from __future__ import annotations

import re

from lxml import etree
from pyxform.xls2xform import convert

from forms.catalog import SOURCE_DIR, load_catalog
from forms.source import read_sheets

FORM_IDS = ["anc_visit", "home_visit", "house_condition", "household_registration", "visit_request"]
XF = "{http://www.w3.org/2002/xforms}"
ENT = "{http://www.opendatakit.org/xforms/entities}"
ID, EN = "Indonesian (id)", "English (en)"


def test_catalog_lists_the_five_forms_from_their_sources():
    catalog = load_catalog()
    assert [f.form_id for f in catalog] == FORM_IDS
    for f in catalog:
        assert f.source == SOURCE_DIR / f"{f.form_id}.md"
        assert re.fullmatch(r"20\d{6}\d{2}", f.version), f"{f.form_id}: version {f.version} is not YYYYMMDDNN"
        assert f.title and f.title != f.form_id
    by_id = {f.form_id: f for f in catalog}
    assert by_id["household_registration"].creates == ("households",)
    assert by_id["visit_request"].creates == ("visit_requests",)
    assert by_id["anc_visit"].creates == ("pregnancies",)
    assert by_id["house_condition"].consumes == ("households",)
    assert by_id["home_visit"].consumes == ("visit_requests",)
    assert set(by_id["anc_visit"].consumes) == {"households", "pregnancies"}
    assert by_id["anc_visit"].attachments == ("households.csv", "pregnancies.csv")


def test_every_form_builds_xml_and_xlsx(built_forms):
    assert sorted(built_forms) == FORM_IDS
    for form_id, built in built_forms.items():
        root = etree.parse(str(built.xml_path)).getroot()
        instance = root.find(f".//{XF}model/{XF}instance")[0]
        assert instance.get("id") == form_id
        assert instance.get("version") == built.version
        assert built.xlsx_path.stat().st_size > 0
        assert built.warnings == ()


def test_the_xlsx_is_the_same_form(built_forms):
    # What people upload by hand to Central or Kobo must be the form we test.
    for built in built_forms.values():
        from_xlsx = convert(xlsform=str(built.xlsx_path), validate=False, pretty_print=True).xform
        assert from_xlsx == built.xml_path.read_text(encoding="utf-8"), built.form_id


def _entity(built):
    root = etree.parse(str(built.xml_path)).getroot()
    model = root.find(f".//{XF}model")
    entity = model.find(f"{XF}instance")[0].find(f"{XF}meta/{XF}entity")
    saveto = {b.get(f"{ENT}saveto"): b.get("nodeset") for b in model.findall(f"{XF}bind") if b.get(f"{ENT}saveto")}
    return model, entity, saveto


def test_entity_declarations(built_forms):
    model, entity, saveto = _entity(built_forms["household_registration"])
    assert model.get(f"{ENT}entities-version") == "2024.1.0"
    assert entity.get("dataset") == "households"
    assert {"village", "dusun", "rt", "rw", "head_name", "geometry", "poverty", "sticker_serial",
            "lone_elderly_count", "kenthongan"} <= set(saveto)
    assert saveto["geometry"] == "/data/location/gps"

    _, entity, saveto = _entity(built_forms["visit_request"])
    assert entity.get("dataset") == "visit_requests"
    assert {"request_id", "received_at", "household", "patient_name", "urgency"} <= set(saveto)

    _, entity, saveto = _entity(built_forms["anc_visit"])
    assert entity.get("dataset") == "pregnancies"
    assert {"mother_name", "mother_dob", "household", "hpht", "parity", "edd"} <= set(saveto)

    for form_id in ("house_condition", "home_visit"):
        assert _entity(built_forms[form_id])[1] is None


def test_follow_up_forms_read_entity_lists_as_csv(built_forms):
    expected = {"house_condition": {"households"}, "visit_request": {"households"},
                "home_visit": {"visit_requests"}, "anc_visit": {"households", "pregnancies"}}
    for form_id, lists in expected.items():
        model = etree.parse(str(built_forms[form_id].xml_path)).getroot().find(f".//{XF}model")
        external = {i.get("id"): i.get("src") for i in model.findall(f"{XF}instance") if i.get("src")}
        assert external == {name: f"jr://file-csv/{name}.csv" for name in lists}


def test_both_languages_everywhere():
    for info in load_catalog():
        sheets = read_sheets(info.source.read_text(encoding="utf-8"))
        assert sheets["settings"][0].values["default_language"] == ID
        for row in sheets["survey"]:
            v = row.values
            where = f"{info.form_id} survey row {row.row}"
            for column in ("label", "hint", "constraint_message", "required_message"):
                assert bool(v.get(f"{column}::{ID}")) == bool(v.get(f"{column}::{EN}")), f"{where}: {column}"
            assert not v.get("label"), f"{where}: label without a language"
            if v.get("constraint"):
                assert v.get(f"constraint_message::{ID}"), f"{where}: constraint without a message"
            if v.get("required") == "yes":
                assert v.get(f"required_message::{ID}"), f"{where}: required without a message"
            if v["type"] not in ("calculate", "start", "end", "today", "deviceid", "username", "end_group", "end_repeat"):
                assert v.get(f"label::{ID}"), f"{where}: no label"
        for row in sheets.get("choices", []):
            assert row.values.get(f"label::{ID}") and row.values.get(f"label::{EN}"), f"{info.form_id} choices row {row.row}"


def test_villages_are_the_kemendagri_codes_of_sempu():
    sheets = read_sheets((SOURCE_DIR / "household_registration.md").read_text(encoding="utf-8"))
    villages = {r.values["name"]: r.values[f"label::{ID}"] for r in sheets["choices"] if r.values["list_name"] == "village"}
    assert villages == {
        "35.10.20.2001": "Sempu", "35.10.20.2002": "Jambewangi", "35.10.20.2003": "Karangsari",
        "35.10.20.2004": "Temuguruh", "35.10.20.2005": "Gendoh", "35.10.20.2006": "Temuasri",
        "35.10.20.2007": "Tegalarum",
    }


def _leaf_paths(xml_path):
    """Every data path of a built form, relative to the root; repeats written name[]."""
    root = etree.parse(str(xml_path)).getroot()
    model = root.find(f".//{XF}model")
    binds = {b.get("nodeset"): b for b in model.findall(f"{XF}bind")}
    readonly_notes = {n for n, b in binds.items() if b.get("readonly") == "true()" and not b.get("calculate")}
    repeats = {r.get("nodeset") for r in root.iter(f"{XF}repeat")}
    paths = []

    def walk(el, path, rel):
        for child in el:
            if not isinstance(child.tag, str):
                continue
            name = etree.QName(child).localname
            p, r = f"{path}/{name}", f"{rel}/{name}" if rel else name
            if name == "meta":
                continue
            if p in repeats:
                r += "[]"
            if len(child):
                walk(child, p, r)
            elif p not in readonly_notes:
                paths.append(r)

    walk(model.find(f"{XF}instance")[0], "/data", "")
    return sorted(set(paths))


def test_readme_documents_every_field(built_forms):
    # The store, demo and sync read forms/README.md for the field paths: keep it complete.
    readme = (SOURCE_DIR.parent / "README.md").read_text(encoding="utf-8")
    for form_id, built in built_forms.items():
        section = readme.split(f"### {form_id}\n", 1)[1].split("\n### ", 1)[0]
        missing = [p for p in _leaf_paths(built.xml_path) if f"`{p}`" not in section]
        assert not missing, f"forms/README.md, {form_id}: undocumented fields {missing}"
