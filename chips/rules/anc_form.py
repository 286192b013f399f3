"""From the answers of the ANC XLSForm (``forms/xlsform/anc_visit.md``, group ``t10``) to
the 10T items and the HIV test the rules read.

Pass the leaves of the form's ``t10`` group as a flat mapping of field name -> answer
string, as they appear in the record. Our reading of each item:

* weight: ``weight_kg`` answered; blood pressure: both ``bp_systolic`` and ``bp_diastolic``;
  LILA: ``lila_cm``; fundal height: ``fundal_height_cm``; fetal presentation and heart
  rate: ``fetal_presentation`` answered (the form lets the heart rate stay empty while it
  cannot be heard yet);
* tetanus "as per status": ``tt_status`` known (not ``unknown``) — a woman at TT5 needs no
  dose, so screening the status is the service;
* iron tablets: ``iron_tablets`` > 0 handed over at this visit;
* laboratory: at least one of Hb, urine protein, HIV, syphilis, hepatitis B done at this
  visit or already done in this pregnancy (``done_before``);
* case management: ``case_management`` answered (``none_needed`` is an assessment too);
* counselling: at least one topic in ``counselling``.
"""

from __future__ import annotations

from typing import Mapping

LAB_DONE = {"non_reactive", "reactive", "done_before"}


def _has(fields: Mapping[str, str], name: str) -> bool:
    return str(fields.get(name) or "").strip() != ""


def ten_t_items(fields: Mapping[str, str]) -> frozenset[str]:
    items = set()
    if _has(fields, "weight_kg"):
        items.add("weight")
    if _has(fields, "bp_systolic") and _has(fields, "bp_diastolic"):
        items.add("blood_pressure")
    if _has(fields, "lila_cm"):
        items.add("lila")
    if _has(fields, "fundal_height_cm"):
        items.add("fundal_height")
    if _has(fields, "fetal_presentation"):
        items.add("fetal_presentation_djj")
    if _has(fields, "tt_status") and fields.get("tt_status") != "unknown":
        items.add("tetanus")
    try:
        if int(str(fields.get("iron_tablets") or "0")) > 0:
            items.add("iron_tablets")
    except ValueError:
        pass
    labs = [fields.get("hiv"), fields.get("syphilis"), fields.get("hepatitis_b")]
    protein = fields.get("urine_protein")
    if (
        fields.get("hb_tested") == "yes"
        or any(value in LAB_DONE for value in labs)
        or (protein not in (None, "", "not_done"))
    ):
        items.add("lab_tests")
    if _has(fields, "case_management"):
        items.add("case_management")
    if str(fields.get("counselling") or "").split():
        items.add("counselling")
    return frozenset(items)


def hiv_tested(fields: Mapping[str, str]) -> bool:
    """Tested at this visit, or the bidan recorded it as already done in this pregnancy."""
    return fields.get("hiv") in LAB_DONE
