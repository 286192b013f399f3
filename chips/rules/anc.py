"""Pregnancies from ANC visits; gestational week and trimester of each visit.

Sources: DOMAIN.md "Antenatal care standard"; trimesters as in Permenkes 21/2021 and the
KIA book: trimester 1 up to 12 weeks, trimester 2 over 12 up to 24 weeks, trimester 3 over
24 weeks.

Decisions (see README.md):

* **Gestational age** is counted in days from the HPHT (first day of the last menstrual
  period) recorded on the visit; when a visit has no HPHT, the weeks the bidan recorded
  (e.g. from USG) times 7; when it has neither, the pregnancy's reference HPHT (from its
  other visits). The *week* shown is the number of completed weeks (``days // 7``).
* **Trimester boundaries in days**, exactly as the ANC XLSForm computes them
  (``forms/xlsform/anc_visit.md``: ``thr_t1_days`` 84, ``thr_t2_days`` 168): T1 up to and
  including day 84 (12w0d), T2 from day 85 (12w1d) up to and including day 168 (24w0d),
  T3 from day 169 (24w1d). "Exactly 12 weeks" is therefore T1 and "exactly 24 weeks" T2;
  12w1d is T2 and 24w1d is T3. Counting in days (not completed weeks) keeps the web
  reports and the trimester the bidan saw on her phone identical.
* **10T applicability**: fundal height and fetal presentation/heart rate are only asked
  from 12 completed weeks (the form's ``relevant: ${ga_weeks} >= 12``), so a visit before
  day 84 is not missing them.
* **A new pregnancy** starts for the same mother when the HPHT implied by a visit (its own
  HPHT, or visit date minus the recorded weeks) is more than ``new_pregnancy_gap_days``
  (default 28) *later* than the current pregnancy's (gestation went backwards), when the
  visit comes after the current pregnancy's recorded end, when the visit is more than
  ``max_gestation_weeks`` (44) after the current HPHT. When visits carry the form's
  pregnancy id (the ANC form's ``pregnancies`` entity), that id decides and the rule above
  only applies to visits without one. An implied HPHT *earlier* than the current one is the same
  pregnancy re-dated (e.g. by USG), not a new one: a new pregnancy cannot begin before the
  last one.
* **End of a pregnancy** (for "pregnancies that ended in the year"): the recorded end
  (delivery, miscarriage …) when the data have one; otherwise it is *estimated* as the
  expected delivery date (HPHT + 280 days, Naegele) but only counted as ended once
  ``assume_ended_after_weeks`` (42, post-term) have passed, so an ongoing pregnancy is
  never counted early. The result says which basis it used.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable, Mapping

from chips.rules.clock import wib_date

DEFAULTS: dict[str, Any] = {
    # the ANC standard applied when a report does not name one (anc_standards.PRESETS)
    "standard": "permenkes-21-2021",
    # an implied HPHT this much later than the current one starts a new pregnancy; four
    # weeks is wider than the usual disagreement between HPHT and USG dating
    "new_pregnancy_gap_days": 28,
    "max_gestation_weeks": 44,
    "assume_ended_after_weeks": 42,
    # next expected visit: weeks after the last one, by the trimester she is in (the KIA
    # book's rhythm: monthly, then fortnightly near term) …
    "visit_interval_weeks_t1": 4,
    "visit_interval_weeks_t2": 4,
    "visit_interval_weeks_t3": 2,
    # … and a pregnancy is overdue this many days after that date
    "overdue_grace_days": 7,
}

TRIMESTER_1_MAX_DAYS = 84  # 12 weeks; the XLSForm's thr_t1_days
TRIMESTER_2_MAX_DAYS = 168  # 24 weeks; the XLSForm's thr_t2_days
FULL_TERM_DAYS = 280

DOCTOR_WORDS = frozenset({"doctor", "dokter", "dr", "dokter_umum", "dokter_spog", "spog", "obgyn"})

# The 10T, in the order of the KIA book and the seed SPM document.
TEN_T: tuple[tuple[str, str, str], ...] = (
    ("weight", "Timbang berat badan (dan ukur tinggi badan)", "Weight (and height)"),
    ("blood_pressure", "Ukur tekanan darah", "Blood pressure"),
    ("lila", "Ukur lingkar lengan atas (LILA)", "Upper-arm circumference (LILA)"),
    ("fundal_height", "Ukur tinggi fundus uteri (TFU)", "Fundal height (TFU)"),
    ("fetal_presentation_djj", "Presentasi janin dan denyut jantung janin (DJJ)", "Fetal presentation and heart rate (DJJ)"),
    ("tetanus", "Imunisasi tetanus sesuai status", "Tetanus immunisation as per status"),
    ("iron_tablets", "Tablet tambah darah (min. 90 selama kehamilan)", "Iron tablets (at least 90 over the pregnancy)"),
    ("lab_tests", "Tes laboratorium (Hb, protein urin, HIV, sifilis, hepatitis B)", "Laboratory tests (Hb, urine protein, HIV, syphilis, hepatitis B)"),
    ("case_management", "Tatalaksana/penanganan kasus", "Case management"),
    ("counselling", "Temu wicara (konseling)", "Counselling"),
)
TEN_T_KEYS: tuple[str, ...] = tuple(key for key, _, _ in TEN_T)
# Items that only apply from a gestational age (days): the form asks them from 12 weeks.
TEN_T_FROM_DAY: dict[str, int] = {"fundal_height": 84, "fetal_presentation_djj": 84}


def applicable_10t(gestational_days: int | None) -> frozenset[str]:
    """The 10T items due at a visit of this gestational age (all ten when unknown)."""
    if gestational_days is None:
        return frozenset(TEN_T_KEYS)
    return frozenset(k for k in TEN_T_KEYS if gestational_days >= TEN_T_FROM_DAY.get(k, 0))


def _items(value: Mapping[str, Any] | Iterable[str] | None) -> frozenset[str]:
    """A mapping item -> yes/no, or the keys given; either way the set of items given."""
    if value is None:
        return frozenset()
    if isinstance(value, Mapping):
        given = {k for k, v in value.items() if _truthy(v)}
    elif isinstance(value, str):
        given = set(value.split())  # an ODK select_multiple answer: "weight lila …"
    else:
        given = set(value)
    unknown = given - set(TEN_T_KEYS)
    if unknown:
        raise ValueError(f"unknown 10T item(s) {sorted(unknown)}; known: {list(TEN_T_KEYS)}")
    return frozenset(given)


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "yes", "ya", "true", "y"}
    return bool(value)


@dataclass(frozen=True)
class AncVisit:
    """One ANC contact (the bidan's ANC form), as the rules need it.

    ``mother_key`` identifies the woman (a household member id); pregnancies are derived
    from her visits. ``items_10t`` takes a mapping item -> bool, an iterable of item keys
    or an ODK select_multiple string, and keeps the set of items given.
    """

    visit_id: str
    mother_key: str
    visit_date: date
    hpht: date | None = None
    gestational_weeks: float | None = None
    examiner: str | None = None  # "doctor"/"dokter" or "bidan" …
    usg: bool = False
    items_10t: frozenset[str] = frozenset()
    lila: float | None = None  # cm
    hb: float | None = None  # g/dL
    sbp: float | None = None  # mmHg
    dbp: float | None = None
    hiv_tested: bool = False
    iron_tablets: int | None = None  # tablets handed over at this visit
    mother_age: int | None = None  # years, as recorded
    mother_birth_date: date | None = None
    parity: int | None = None  # previous births
    village: str | None = None
    household_id: str | None = None
    pregnancy_id: str | None = None  # when the form itself names the pregnancy
    pregnancy_ended_on: date | None = None  # delivery/miscarriage date when recorded

    def __post_init__(self) -> None:
        object.__setattr__(self, "items_10t", _items(self.items_10t))
        if isinstance(self.visit_date, datetime):
            object.__setattr__(self, "visit_date", wib_date(self.visit_date))

    @property
    def by_doctor(self) -> bool:
        return (self.examiner or "").strip().lower() in DOCTOR_WORDS

    def implied_hpht(self) -> date | None:
        if self.hpht is not None:
            return self.hpht
        if self.gestational_weeks is not None:
            return self.visit_date - timedelta(days=round(self.gestational_weeks * 7))
        return None


@dataclass(frozen=True)
class PregnancyEnd:
    """An end recorded outside the ANC form (a delivery or outcome form)."""

    mother_key: str
    ended_on: date
    outcome: str | None = None  # live birth, stillbirth, miscarriage …


@dataclass(frozen=True)
class DatedVisit:
    visit: AncVisit
    gestational_days: int | None
    basis: str | None  # "hpht", "recorded_weeks", "pregnancy_hpht" or None (unknown)

    @property
    def weeks(self) -> int | None:
        return None if self.gestational_days is None else self.gestational_days // 7

    @property
    def trimester(self) -> int | None:
        if self.gestational_days is None or self.gestational_days < 0:
            return None
        return trimester_of_days(self.gestational_days)

    @property
    def missing_10t(self) -> frozenset[str]:
        return applicable_10t(self.gestational_days) - self.visit.items_10t


@dataclass(frozen=True)
class Pregnancy:
    key: str  # the form's pregnancy id, else "<mother_key>/<n>" (n: her pregnancies from 1, in date order)
    mother_key: str
    hpht: date | None  # the reference HPHT: the first one recorded, else the first implied
    visits: tuple[DatedVisit, ...]
    ended_on: date | None = None  # recorded end
    outcome: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def first_visit(self) -> date:
        return self.visits[0].visit.visit_date

    @property
    def last_visit(self) -> date:
        return self.visits[-1].visit.visit_date

    @property
    def expected_delivery(self) -> date | None:
        return None if self.hpht is None else self.hpht + timedelta(days=FULL_TERM_DAYS)

    @property
    def village(self) -> str | None:
        for dated in reversed(self.visits):
            if dated.visit.village:
                return dated.visit.village
        return None

    @property
    def household_id(self) -> str | None:
        for dated in reversed(self.visits):
            if dated.visit.household_id:
                return dated.visit.household_id
        return None

    def gestational_days_on(self, day: date) -> int | None:
        return None if self.hpht is None else (day - self.hpht).days


def trimester_of_days(days: int) -> int:
    """T1: day 0–84 (to 12 weeks); T2: 85–168 (over 12 to 24 weeks); T3: 169 on."""
    if days <= TRIMESTER_1_MAX_DAYS:
        return 1
    if days <= TRIMESTER_2_MAX_DAYS:
        return 2
    return 3


def trimester_of_weeks(weeks: float) -> int:
    """The trimester at ``weeks`` (may be fractional: 12 → T1, 12 1/7 → T2)."""
    return trimester_of_days(round(weeks * 7))


def trimester_window(hpht: date, trimester: int) -> tuple[date, date]:
    """First and last calendar day of a trimester for a pregnancy dated by ``hpht``
    (the last day of T3 is the expected delivery date)."""
    day = lambda n: hpht + timedelta(days=n)  # noqa: E731
    if trimester == 1:
        return hpht, day(TRIMESTER_1_MAX_DAYS)
    if trimester == 2:
        return day(TRIMESTER_1_MAX_DAYS + 1), day(TRIMESTER_2_MAX_DAYS)
    if trimester == 3:
        return day(TRIMESTER_2_MAX_DAYS + 1), day(FULL_TERM_DAYS)
    raise ValueError(f"no trimester {trimester}")


@dataclass(frozen=True)
class AncConfig:
    standard: str = "permenkes-21-2021"
    new_pregnancy_gap_days: int = 28
    max_gestation_weeks: int = 44
    assume_ended_after_weeks: int = 42
    visit_interval_weeks: Mapping[int, int] = field(default_factory=lambda: {1: 4, 2: 4, 3: 2})
    overdue_grace_days: int = 7


def from_settings(section: Mapping[str, Any]) -> AncConfig:
    """``from_settings(settings.section("anc", DEFAULTS))``."""
    v = {**DEFAULTS, **section}
    return AncConfig(
        standard=str(v["standard"]),
        new_pregnancy_gap_days=int(v["new_pregnancy_gap_days"]),
        max_gestation_weeks=int(v["max_gestation_weeks"]),
        assume_ended_after_weeks=int(v["assume_ended_after_weeks"]),
        visit_interval_weeks={t: int(v[f"visit_interval_weeks_t{t}"]) for t in (1, 2, 3)},
        overdue_grace_days=int(v["overdue_grace_days"]),
    )


@dataclass
class _Open:
    visits: list[AncVisit]
    hpht: date | None
    hpht_recorded: bool
    ended_on: date | None
    pregnancy_id: str | None
    notes: list[str]


def _recorded_end(current: _Open, ends: list[PregnancyEnd]) -> date | None:
    """The end recorded on the visits, else the first outcome on or after its first visit."""
    if current.ended_on is not None:
        return current.ended_on
    first = current.visits[0].visit_date
    return next((e.ended_on for e in ends if e.ended_on >= first), None)


def _starts_new(current: _Open, visit: AncVisit, config: AncConfig, ends: list[PregnancyEnd]) -> bool:
    if current.pregnancy_id and visit.pregnancy_id:
        return visit.pregnancy_id != current.pregnancy_id
    ended = _recorded_end(current, ends)
    if ended is not None and visit.visit_date > ended:
        return True
    implied = visit.implied_hpht()
    if implied is not None and current.hpht is not None:
        if (implied - current.hpht).days > config.new_pregnancy_gap_days:
            return True
    reference = current.hpht or current.visits[0].visit_date
    return (visit.visit_date - reference).days > config.max_gestation_weeks * 7


def build_pregnancies(
    visits: Iterable[AncVisit], ends: Iterable[PregnancyEnd] = (), config: AncConfig = AncConfig()
) -> list[Pregnancy]:
    """Group each mother's visits into pregnancies (see the module notes for the rule)."""
    by_mother: dict[str, list[AncVisit]] = {}
    for visit in visits:
        by_mother.setdefault(visit.mother_key, []).append(visit)
    ends_by_mother: dict[str, list[PregnancyEnd]] = {}
    for end in ends:
        ends_by_mother.setdefault(end.mother_key, []).append(end)

    pregnancies: list[Pregnancy] = []
    for mother in sorted(by_mother):
        mother_ends = sorted(ends_by_mother.get(mother, []), key=lambda e: e.ended_on)
        groups: list[_Open] = []
        for visit in sorted(by_mother[mother], key=lambda v: (v.visit_date, v.visit_id)):
            # The form's own pregnancy id wins: the bidan picked the pregnancy on her phone.
            named = next((g for g in groups if visit.pregnancy_id and g.pregnancy_id == visit.pregnancy_id), None)
            current = named or (groups[-1] if groups else None)
            if current is None or (named is None and _starts_new(current, visit, config, mother_ends)):
                current = _Open([], None, False, None, visit.pregnancy_id, [])
                groups.append(current)
            current.visits.append(visit)
            current.pregnancy_id = current.pregnancy_id or visit.pregnancy_id
            if visit.pregnancy_ended_on and (current.ended_on is None or visit.pregnancy_ended_on > current.ended_on):
                current.ended_on = visit.pregnancy_ended_on
            implied = visit.implied_hpht()
            if implied is None:
                continue
            if current.hpht is None or (visit.hpht is not None and not current.hpht_recorded):
                current.hpht, current.hpht_recorded = implied, visit.hpht is not None
            elif abs((implied - current.hpht).days) > config.new_pregnancy_gap_days:
                current.notes.append(f"visit {visit.visit_id} implies HPHT {implied.isoformat()}, {(current.hpht - implied).days} days before the pregnancy's; kept as re-dated")

        for index, group in enumerate(groups):
            # An outcome belongs to the pregnancy it follows: on or after its first visit and
            # before the next pregnancy's first visit.
            if group.ended_on is not None:
                continue
            first = group.visits[0].visit_date
            until = groups[index + 1].visits[0].visit_date if index + 1 < len(groups) else date.max
            end = next((e for e in mother_ends if first <= e.ended_on < until), None)
            if end is not None:
                group.ended_on = end.ended_on
                group.notes.append(f"outcome:{end.outcome}" if end.outcome else "outcome recorded")

        for number, group in enumerate(groups, start=1):
            outcome = next((n.split(":", 1)[1] for n in group.notes if n.startswith("outcome:")), None)
            pregnancies.append(
                Pregnancy(
                    key=group.pregnancy_id or f"{mother}/{number}",
                    mother_key=mother,
                    hpht=group.hpht,
                    visits=tuple(_date_visit(v, group.hpht) for v in group.visits),
                    ended_on=group.ended_on,
                    outcome=outcome,
                    notes=tuple(n for n in group.notes if not n.startswith("outcome")),
                )
            )
    return pregnancies


def _date_visit(visit: AncVisit, pregnancy_hpht: date | None) -> DatedVisit:
    if visit.hpht is not None:
        return DatedVisit(visit, (visit.visit_date - visit.hpht).days, "hpht")
    if visit.gestational_weeks is not None:
        return DatedVisit(visit, round(visit.gestational_weeks * 7), "recorded_weeks")
    if pregnancy_hpht is not None:
        return DatedVisit(visit, (visit.visit_date - pregnancy_hpht).days, "pregnancy_hpht")
    return DatedVisit(visit, None, None)


@dataclass(frozen=True)
class PregnancyEndInfo:
    ended: bool
    on: date | None
    basis: str | None  # "recorded" or "estimated" (expected delivery date)


def pregnancy_end(pregnancy: Pregnancy, as_of: date, config: AncConfig = AncConfig()) -> PregnancyEndInfo:
    """Whether the pregnancy had ended by ``as_of``, on which day, and how we know."""
    if pregnancy.ended_on is not None:
        return PregnancyEndInfo(pregnancy.ended_on <= as_of, pregnancy.ended_on, "recorded")
    if pregnancy.hpht is None:
        return PregnancyEndInfo(False, None, None)
    surely_over = pregnancy.hpht + timedelta(weeks=config.assume_ended_after_weeks)
    return PregnancyEndInfo(as_of >= surely_over, pregnancy.expected_delivery, "estimated")


def ended_in_year(pregnancy: Pregnancy, year: int, as_of: date, config: AncConfig = AncConfig()) -> bool:
    info = pregnancy_end(pregnancy, as_of, config)
    return info.ended and info.on is not None and info.on.year == year
