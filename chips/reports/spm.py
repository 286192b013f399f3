"""The SPM report: one row per indicator and village, with the definition and the ANC
standard applied named on every row."""

from __future__ import annotations

from datetime import date
from typing import Sequence

from chips.rules.anc_standards import AncStandard
from chips.rules.spm import IndicatorRow

HEADER = (
    "year", "service_no", "indicator", "indicator_name_id", "indicator_name_en", "village_code", "village_name",
    "numerator", "denominator_registered", "percent_registered", "target_sasaran", "percent_of_target",
    "anc_standard_applied", "anc_standard_key", "definition_id", "definition_en", "as_of",
)


def _r(value: float | None):
    return None if value is None else round(value, 2)


def rows(indicators: Sequence[IndicatorRow], standard: AncStandard, as_of: date,
         village_names: dict[str, str] | None = None) -> list[tuple]:
    names = village_names or {}
    out = []
    for r in indicators:
        s = r.service
        village = r.village or "*"
        out.append((
            r.year, s.number, r.code, s.name_id, s.name_en, village,
            "Semua desa / all villages" if r.village is None else names.get(r.village, r.village),
            r.numerator, r.denominator, _r(r.percent), r.target, _r(r.target_percent),
            # the standard only changes the ANC rows, but every row names it so a row read
            # on its own still says under which standard the report was made
            standard.name_id, standard.key, s.definition_id, s.definition_en, as_of.isoformat(),
        ))
    return out


def notes(standard: AncStandard, year: int, as_of: date) -> list[tuple[str, str]]:
    return [
        ("report", f"SPM {year}"),
        ("anc_standard_applied", f"{standard.name_id} / {standard.name_en} ({standard.key})"),
        ("as_of", as_of.isoformat()),
        ("percent_registered", "numerator ÷ people registered in the data / pembilang ÷ yang terdaftar dalam data"),
        ("percent_of_target", "numerator ÷ district target (sasaran); may exceed 100 % / pembilang ÷ sasaran Dinkes"),
        ("pregnancy_end", "no form records deliveries yet: a pregnancy's end is its expected delivery date, counted once 42 weeks have passed"),
    ]
