"""Risk markers of a pregnancy (bumil risti).

Source: DOMAIN.md "Commonly used risk markers (configurable thresholds, not law)": LILA
< 23.5 cm (chronic energy deficiency, KEK), Hb < 11 g/dL (anaemia), blood pressure ≥
140/90, mother's age < 20 or > 35, parity ≥ 4. The hypertension service of the seed SPM
document starts therapy *above* 140 mmHg systolic ("lebih dari 140 mmHg"); as a risk
marker we follow DOMAIN.md's ≥ 140/90 (either value reaching its threshold).

A marker is raised when any visit of the pregnancy shows it, age included: the age is
taken at each visit (recorded age, else from her birth date with the ANC form's own
formula ``int(days / 365.25)``), so the web pages flag exactly the visits the bidan's
phone flagged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from chips.rules.anc import Pregnancy

DEFAULTS: dict[str, Any] = {
    "lila_below_cm": 23.5,
    "hb_below_g_dl": 11.0,
    "sbp_at_least": 140,
    "dbp_at_least": 90,
    "age_below": 20,
    "age_above": 35,
    "parity_at_least": 4,
}


@dataclass(frozen=True)
class RiskThresholds:
    lila_below_cm: float = 23.5
    hb_below_g_dl: float = 11.0
    sbp_at_least: float = 140.0
    dbp_at_least: float = 90.0
    age_below: int = 20
    age_above: int = 35
    parity_at_least: int = 4


def from_settings(section: Mapping[str, Any]) -> RiskThresholds:
    """``from_settings(settings.section("risk", DEFAULTS))``."""
    values = {**DEFAULTS, **section}
    return RiskThresholds(**{k: type(getattr(RiskThresholds, k))(values[k]) for k in DEFAULTS})


LABELS = {
    "kek": ("Kurang energi kronis (LILA rendah)", "Chronic energy deficiency (low LILA)"),
    "anaemia": ("Anemia (Hb rendah)", "Anaemia (low Hb)"),
    "hypertension": ("Tekanan darah tinggi", "High blood pressure"),
    "young": ("Usia ibu terlalu muda", "Mother too young"),
    "old": ("Usia ibu terlalu tua", "Mother too old"),
    "grand_multipara": ("Paritas tinggi", "High parity"),
}


@dataclass(frozen=True)
class RiskMarker:
    code: str  # a key of LABELS
    value: str  # what was measured, e.g. "22.0 cm", "150/95"
    visit_id: str | None
    visit_date: date | None

    @property
    def label_id(self) -> str:
        return LABELS[self.code][0]

    @property
    def label_en(self) -> str:
        return LABELS[self.code][1]


def _age(visit) -> int | None:
    if visit.mother_age is not None:
        return visit.mother_age
    if visit.mother_birth_date is not None:
        return int((visit.visit_date - visit.mother_birth_date).days / 365.25)  # as the form
    return None


def risk_markers(pregnancy: Pregnancy, thresholds: RiskThresholds = RiskThresholds()) -> tuple[RiskMarker, ...]:
    """Each marker once, from the first visit that shows it."""
    found: dict[str, RiskMarker] = {}

    def add(code: str, value: str, visit) -> None:
        found.setdefault(code, RiskMarker(code, value, visit.visit_id, visit.visit_date))

    for dated in pregnancy.visits:
        v = dated.visit
        if v.lila is not None and v.lila < thresholds.lila_below_cm:
            add("kek", f"{v.lila:g} cm", v)
        if v.hb is not None and v.hb < thresholds.hb_below_g_dl:
            add("anaemia", f"{v.hb:g} g/dL", v)
        if (v.sbp is not None and v.sbp >= thresholds.sbp_at_least) or (v.dbp is not None and v.dbp >= thresholds.dbp_at_least):
            add("hypertension", f"{_fmt(v.sbp)}/{_fmt(v.dbp)}", v)
        if v.parity is not None and v.parity >= thresholds.parity_at_least:
            add("grand_multipara", f"P{v.parity}", v)
        age = _age(v)
        if age is not None and age < thresholds.age_below:
            add("young", f"{age} y", v)
        if age is not None and age > thresholds.age_above:
            add("old", f"{age} y", v)
    return tuple(sorted(found.values(), key=lambda m: list(LABELS).index(m.code)))


def _fmt(value: float | None) -> str:
    return "?" if value is None else f"{value:g}"


def is_high_risk(pregnancy: Pregnancy, thresholds: RiskThresholds = RiskThresholds()) -> bool:
    return bool(risk_markers(pregnancy, thresholds))
