"""ANC standards as named presets, and the judgement of a pregnancy against one.

Sources (DOMAIN.md "How many visits, when"):

* ``permenkes-21-2021`` (default): Permenkes 21/2021 and the KIA book since 2020: at least
  6 visits, 2 in T1, 1 in T2, 3 in T3, with a doctor contact in T1 and in T3; each visit
  with the 10T (as the brief of this project asks: every counted visit must have all ten).
* ``spm-permenkes-4-2019``: the seed SPM document (004, Puskesmas Sindangwangi, quoting
  Permenkes 4/2019): "Satu kali pelayanan pada trimester pertama; Dua kali pelayanan pada
  trimester kedua; Tiga kali pelayanan pada trimester ketiga ... yang secara keseluruhan
  mencakup 10 T" — 1/2/3, no doctor requirement, the 10T covered *over the pregnancy as a
  whole* ("secara keseluruhan"), not at every visit.
* ``k4``: the older K4 standard, 1/1/2, 10T over the pregnancy.

Seed disagreement: the seed calls its antenatal indicator "(K4)" in its tables while its
definition is 1/2/3 (six visits); DOMAIN.md treats K4 as 1/1/2 and the SPM document's
definition as 1/2/3, and so do we. Permenkes 4/2019 as quoted by the seed is out of date
against Permenkes 21/2021, which is why the latter is the default.

How visits count: a visit counts towards its trimester when its gestational age is known
and, under a standard that wants the 10T at each visit, when it has all ten items. Extra
visits in one trimester never make up for another. Visits without a known gestational age
are reported as undated and do not count.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

from chips.rules.anc import TEN_T_KEYS, Pregnancy

EACH_VISIT = "each_visit"
OVER_PREGNANCY = "over_pregnancy"


@dataclass(frozen=True)
class AncStandard:
    key: str
    name_id: str
    name_en: str
    min_visits: Mapping[int, int]  # trimester -> visits
    doctor_in: tuple[int, ...]  # trimesters that need at least one doctor contact
    ten_t_scope: str  # EACH_VISIT or OVER_PREGNANCY

    @property
    def total_visits(self) -> int:
        return sum(self.min_visits.values())

    @property
    def name(self) -> str:
        return self.name_en


PRESETS: dict[str, AncStandard] = {
    s.key: s
    for s in (
        AncStandard(
            "permenkes-21-2021",
            "Permenkes 21/2021 (min. 6 kunjungan: 2-1-3, dokter di TM1 dan TM3, 10T tiap kunjungan)",
            "Permenkes 21/2021 (at least 6 visits: 2-1-3, a doctor in T1 and T3, 10T at each visit)",
            {1: 2, 2: 1, 3: 3},
            (1, 3),
            EACH_VISIT,
        ),
        AncStandard(
            "spm-permenkes-4-2019",
            "SPM Permenkes 4/2019 (1-2-3, 10T selama kehamilan)",
            "SPM Permenkes 4/2019 (1-2-3, 10T over the pregnancy)",
            {1: 1, 2: 2, 3: 3},
            (),
            OVER_PREGNANCY,
        ),
        AncStandard(
            "k4",
            "K4 (1-1-2, 10T selama kehamilan)",
            "K4 (1-1-2, 10T over the pregnancy)",
            {1: 1, 2: 1, 3: 2},
            (),
            OVER_PREGNANCY,
        ),
    )
}
DEFAULT_STANDARD = "permenkes-21-2021"


def get_standard(key: str | None = None) -> AncStandard:
    """The preset named ``key`` (default Permenkes 21/2021); a clear error otherwise."""
    key = key or DEFAULT_STANDARD
    try:
        return PRESETS[key]
    except KeyError:
        raise ValueError(f"unknown ANC standard {key!r}; choose one of {sorted(PRESETS)}") from None


@dataclass(frozen=True)
class VisitGap:
    visit_id: str
    visit_date: object  # datetime.date
    trimester: int | None
    missing_10t: frozenset[str]


@dataclass(frozen=True)
class AncEvaluation:
    pregnancy_key: str
    standard_key: str
    standard_name_id: str
    standard_name_en: str
    met: bool
    visits_by_trimester: Mapping[int, int]  # every dated visit
    counted_by_trimester: Mapping[int, int]  # visits that count towards the standard
    missing_visits: Mapping[int, int]  # trimester -> visits still short (0 when enough)
    doctor_by_trimester: Mapping[int, int]
    missing_doctor: tuple[int, ...]  # trimesters that need a doctor contact and had none
    visits_missing_10t: tuple[VisitGap, ...]  # every visit lacking any 10T item
    missing_10t_overall: frozenset[str]  # items given at no visit of the pregnancy
    undated_visits: tuple[str, ...]  # visit ids whose gestational age is unknown
    reasons: tuple[str, ...]  # why not met, in English; empty when met

    @property
    def total_missing_visits(self) -> int:
        return sum(self.missing_visits.values())


def evaluate(pregnancy: Pregnancy, standard: AncStandard | str | None = None) -> AncEvaluation:
    """Judge one pregnancy against one standard (a preset or its key)."""
    if not isinstance(standard, AncStandard):
        standard = get_standard(standard)
    trimesters = (1, 2, 3)
    seen = {t: 0 for t in trimesters}
    counted = {t: 0 for t in trimesters}
    doctor = {t: 0 for t in trimesters}
    gaps: list[VisitGap] = []
    undated: list[str] = []
    given_overall: set[str] = set()

    for dated in pregnancy.visits:
        visit, trimester = dated.visit, dated.trimester
        given_overall |= visit.items_10t
        if dated.missing_10t:
            gaps.append(VisitGap(visit.visit_id, visit.visit_date, trimester, dated.missing_10t))
        if trimester is None:
            undated.append(visit.visit_id)
            continue
        seen[trimester] += 1
        if visit.by_doctor:
            doctor[trimester] += 1
        if standard.ten_t_scope == EACH_VISIT and dated.missing_10t:
            continue
        counted[trimester] += 1

    missing = {t: max(0, standard.min_visits.get(t, 0) - counted[t]) for t in trimesters}
    missing_doctor = tuple(t for t in standard.doctor_in if doctor[t] == 0)
    missing_overall = frozenset(TEN_T_KEYS) - given_overall

    reasons: list[str] = []
    for t in trimesters:
        if missing[t]:
            short = f"{missing[t]} more visit(s) in T{t}"
            if standard.ten_t_scope == EACH_VISIT and counted[t] < seen[t]:
                short += f" ({seen[t] - counted[t]} visit(s) there lack 10T items)"
            reasons.append(short)
    for t in missing_doctor:
        reasons.append(f"no doctor contact in T{t}")
    if standard.ten_t_scope == OVER_PREGNANCY and missing_overall:
        reasons.append("10T items never given: " + ", ".join(k for k in TEN_T_KEYS if k in missing_overall))

    return AncEvaluation(
        pregnancy_key=pregnancy.key,
        standard_key=standard.key,
        standard_name_id=standard.name_id,
        standard_name_en=standard.name_en,
        met=not reasons,
        visits_by_trimester=seen,
        counted_by_trimester=counted,
        missing_visits=missing,
        doctor_by_trimester=doctor,
        missing_doctor=missing_doctor,
        visits_missing_10t=tuple(gaps),
        missing_10t_overall=missing_overall,
        undated_visits=tuple(undated),
        reasons=tuple(reasons),
    )


def evaluate_all_presets(pregnancy: Pregnancy) -> dict[str, AncEvaluation]:
    """The same pregnancy under every preset, for the "report under each" view."""
    return {key: evaluate(pregnancy, standard) for key, standard in PRESETS.items()}
