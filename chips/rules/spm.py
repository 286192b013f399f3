"""SPM (Standar Pelayanan Minimal) indicators per year and village.

Sources: DOMAIN.md "Antenatal care standard (SPM)" and "The other SPM services"; the
definitions of the twelve basic services in the seed SPM document (004, Puskesmas
Sindangwangi, quoting Permenkes 4/2019 and PP 2/2018).

Each indicator row carries the numerator, the denominator **registered in our data** and
their percentage, and — when a planner entered the year's target (sasaran) for that
indicator and village — the **target-based** percentage, which can exceed 100 % (the seed
reports 106.48 % for antenatal care in 2020). Both are labelled (``LABEL_REGISTERED``,
``LABEL_TARGET``); the definition text travels with every row, in Indonesian and English.

Which of the twelve services our forms support, and why (``SERVICES``):

* 1 pregnant women — **yes**, from the ANC form, under a named ANC standard.
* 12 people at risk of HIV — **partial**: only pregnant women ("sekali selama kehamilan"),
  whose HIV test the ANC form records; the other risk groups are not collected.
* 7 elderly ≥ 60 screening — **partial (proxy)**: the registration lists every member's
  birth date (denominator), but the home-visit form measures only blood pressure and blood
  sugar, not the whole package (anthropometry, mental/cognitive tests, independence).
  The numerator counts elderly people with both measured in the year.
* 8 hypertension, 9 diabetes — **partial**: the home-visit form records blood pressure,
  blood sugar and ICD-10; the denominator is the patients *found in our data* (not the
  district's estimate), the numerator those measured every month as the SPM asks.
* 2 deliveries, 3 newborns, 4 under-fives, 5 primary-school-age, 6 adults 15–59,
  10 severe mental illness, 11 suspected TB — **not supported**: no form records the
  service (see each entry's note).

Seed disagreements noted: the seed's elderly service is titled "usia lanjut (>60 th)" but
defined as "usia 60 tahun ke atas"; we follow the definition and DOMAIN.md (≥ 60). The
seed's under-five numerator names age bands (12–23, 24–35, 36–59 months) that do not match
its own standards (0–11, 12–35, 36–59); not computed here. The seed is a West-Java
puskesmas's document, used as the text of the national definitions, not as Sempu's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Iterable, Mapping, Sequence

from chips.rules.anc import AncConfig, Pregnancy, ended_in_year
from chips.rules.anc_standards import AncStandard, evaluate, get_standard

DEFAULTS: dict[str, Any] = {
    "elderly_age": 60,
    "elderly_items": ["blood_pressure", "blood_sugar"],
    "adult_age": 15,
    "hypertension_sbp_at_least": 140,
    "hypertension_dbp_at_least": 90,
    "diabetes_sugar_above": 200,
}

LABEL_REGISTERED = ("Persentase atas yang terdaftar dalam data", "Percent of those registered in the data")
LABEL_TARGET = ("Persentase atas sasaran (target Dinkes)", "Percent of the target (sasaran) set by the district")
ALL_VILLAGES = None  # the village of the total row
NO_VILLAGE = "(tanpa desa / no village)"


@dataclass(frozen=True)
class SpmService:
    number: int
    code: str
    name_id: str
    name_en: str
    definition_id: str
    definition_en: str
    support: str  # "yes", "partial" or "no"
    note_en: str


SERVICES: tuple[SpmService, ...] = (
    SpmService(1, "anc", "Pelayanan kesehatan ibu hamil", "Antenatal care",
               "Jumlah ibu hamil yang mendapatkan pelayanan antenatal sesuai standar ÷ jumlah seluruh ibu hamil yang telah berakhir masa kehamilannya dalam kurun waktu satu tahun yang sama.",
               "Women whose pregnancy ended in the year and who received antenatal care to standard ÷ all women whose pregnancy ended in that year.",
               "yes", "ANC form; the standard applied is named on every row."),
    SpmService(2, "delivery", "Pelayanan kesehatan ibu bersalin", "Delivery care",
               "Jumlah ibu bersalin yang mendapatkan pelayanan persalinan sesuai standar ÷ jumlah seluruh ibu bersalin dalam kurun waktu satu tahun.",
               "Deliveries attended to standard in a health facility ÷ all deliveries in the year.",
               "no", "No form records deliveries."),
    SpmService(3, "newborn", "Pelayanan kesehatan bayi baru lahir", "Newborn care",
               "Jumlah bayi baru lahir usia 0-28 hari yang mendapatkan pelayanan sesuai standar ÷ jumlah sasaran bayi baru lahir dalam kurun waktu satu tahun.",
               "Newborns aged 0–28 days receiving essential neonatal care to standard ÷ newborns in the year.",
               "no", "No form records neonatal visits."),
    SpmService(4, "under_five", "Pelayanan kesehatan balita", "Under-five care",
               "Jumlah balita yang mendapat pelayanan kesehatan sesuai standar ÷ jumlah balita dalam kurun waktu satu tahun.",
               "Children under five receiving care to standard (weighing 8×/year, growth and development monitoring, vitamin A, immunisation) ÷ children under five.",
               "no", "Growth monitoring, vitamin A and immunisation are recorded at the posyandu, not in our forms; registration only counts the children."),
    SpmService(5, "basic_education", "Pelayanan kesehatan pada usia pendidikan dasar", "Primary-school-age screening",
               "Jumlah anak usia pendidikan dasar (kelas 1-9) yang mendapat skrining kesehatan sesuai standar ÷ jumlah semua anak usia pendidikan dasar dalam satu tahun ajaran.",
               "Children in grades 1–9 screened to standard ÷ all such children in the school year.",
               "no", "School screening is not collected."),
    SpmService(6, "productive_age", "Pelayanan kesehatan pada usia produktif", "Adults 15–59 screening",
               "Jumlah orang usia 15–59 tahun yang mendapat pelayanan skrining kesehatan sesuai standar ÷ jumlah orang usia 15–59 tahun dalam kurun waktu satu tahun.",
               "People aged 15–59 screened to standard (BMI and waist, blood pressure, blood sugar) ÷ all people aged 15–59.",
               "no", "Only sick people visited at home are measured; the screening package (BMI, waist) is not collected."),
    SpmService(7, "elderly", "Pelayanan kesehatan pada usia lanjut", "Elderly (≥ 60) screening",
               "Jumlah warga negara berusia 60 tahun atau lebih yang mendapat skrining kesehatan sesuai standar minimal 1 kali ÷ jumlah semua warga negara berusia 60 tahun atau lebih dalam kurun waktu satu tahun.",
               "People aged 60 or over screened to standard at least once ÷ all people aged 60 or over in the year.",
               "partial", "Proxy: registered members aged ≥ 60 with blood pressure and blood sugar measured at a home visit in the year; the mental, cognitive and independence checks are not collected."),
    SpmService(8, "hypertension", "Pelayanan kesehatan penderita hipertensi", "Hypertension care",
               "Jumlah penderita hipertensi usia ≥15 tahun yang mendapatkan pelayanan kesehatan sesuai standar ÷ jumlah seluruh penderita hipertensi usia ≥15 tahun dalam kurun waktu satu tahun.",
               "People aged ≥ 15 with hypertension whose blood pressure was measured every month ÷ all people aged ≥ 15 with hypertension.",
               "partial", "Patients found at home visits (BP ≥ 140/90 or ICD-10 I10–I15); measured in every month from when they were known."),
    SpmService(9, "diabetes", "Pelayanan kesehatan penderita diabetes melitus", "Diabetes care",
               "Jumlah penderita diabetes melitus usia ≥15 tahun yang mendapatkan pelayanan kesehatan sesuai standar ÷ jumlah seluruh penderita diabetes melitus usia ≥15 tahun dalam kurun waktu satu tahun.",
               "People aged ≥ 15 with diabetes whose blood sugar was measured every month ÷ all people aged ≥ 15 with diabetes.",
               "partial", "Patients found at home visits (blood sugar > 200 mg/dL or ICD-10 E10–E14); measured in every month from when they were known."),
    SpmService(10, "severe_mental", "Pelayanan kesehatan orang dengan gangguan jiwa berat", "Severe mental illness care",
               "Jumlah ODGJ berat yang mendapatkan pelayanan kesehatan jiwa sesuai standar ÷ jumlah seluruh ODGJ berat dalam kurun waktu satu tahun.",
               "People with severe mental illness receiving care to standard ÷ all such people.",
               "no", "Registration marks a mental disability but no form records the mental-health service."),
    SpmService(11, "tb_suspect", "Pelayanan kesehatan orang terduga tuberkulosis", "Suspected TB care",
               "Jumlah orang terduga TB yang mendapatkan pelayanan sesuai standar ÷ jumlah seluruh orang terduga TB dalam satu tahun.",
               "People with suspected TB examined to standard ÷ all people with suspected TB.",
               "no", "No form records TB screening or sputum tests."),
    SpmService(12, "anc_hiv", "Pelayanan kesehatan orang dengan risiko terinfeksi HIV (ibu hamil)", "People at risk of HIV (pregnant women)",
               "Jumlah ibu hamil yang mendapatkan pemeriksaan HIV sekali selama kehamilan ÷ jumlah ibu hamil yang kehamilannya berakhir dalam tahun itu.",
               "Women tested for HIV once during a pregnancy that ended in the year ÷ women whose pregnancy ended in the year.",
               "partial", "Only the pregnant-women group; other risk groups are not collected."),
)
SERVICE_BY_CODE = {s.code: s for s in SERVICES}


@dataclass(frozen=True)
class SpmConfig:
    elderly_age: int = 60
    elderly_items: frozenset[str] = frozenset({"blood_pressure", "blood_sugar"})
    adult_age: int = 15
    hypertension_sbp_at_least: float = 140.0
    hypertension_dbp_at_least: float = 90.0
    diabetes_sugar_above: float = 200.0


def from_settings(section: Mapping[str, Any]) -> SpmConfig:
    """``from_settings(settings.section("spm", DEFAULTS))``."""
    v = {**DEFAULTS, **section}
    return SpmConfig(
        elderly_age=int(v["elderly_age"]),
        elderly_items=frozenset(v["elderly_items"]),
        adult_age=int(v["adult_age"]),
        hypertension_sbp_at_least=float(v["hypertension_sbp_at_least"]),
        hypertension_dbp_at_least=float(v["hypertension_dbp_at_least"]),
        diabetes_sugar_above=float(v["diabetes_sugar_above"]),
    )


@dataclass(frozen=True)
class IndicatorRow:
    code: str
    year: int
    village: str | None  # None: all villages together
    numerator: int
    denominator: int  # registered in our data
    percent: float | None  # numerator / denominator × 100; None when nobody is registered
    target: float | None  # the planner's sasaran for this code, village and year
    target_percent: float | None  # numerator / target × 100; may exceed 100
    standard_id: str | None = None  # the ANC standard applied (ANC rows)
    standard_en: str | None = None
    label_registered: tuple[str, str] = LABEL_REGISTERED  # (id, en) caption of `percent`
    label_target: tuple[str, str] = LABEL_TARGET  # (id, en) caption of `target_percent`

    @property
    def service(self) -> SpmService:
        return SERVICE_BY_CODE[self.code]

    @property
    def definition_id(self) -> str:
        return self.service.definition_id

    @property
    def definition_en(self) -> str:
        return self.service.definition_en


Targets = Mapping[tuple[str, "str | None", int], float]


def _percent(part: float, whole: float | None) -> float | None:
    return None if not whole else 100.0 * part / whole


def indicator_rows(
    code: str,
    year: int,
    counts: Mapping[str, tuple[int, int]],
    targets: Targets | None = None,
    standard: AncStandard | None = None,
) -> list[IndicatorRow]:
    """One row per village (sorted) and a total row (village None) from village ->
    (numerator, denominator). The total's target is the one entered for all villages,
    else the sum of the village targets when every village has one."""
    targets = targets or {}
    villages = sorted(counts)
    rows: list[IndicatorRow] = []
    village_targets: list[float | None] = []
    for village in villages:
        num, den = counts[village]
        target = targets.get((code, village, year))
        village_targets.append(target)
        rows.append(_row(code, year, village, num, den, target, standard))
    total_target = targets.get((code, ALL_VILLAGES, year))
    if total_target is None and village_targets and all(t is not None for t in village_targets):
        total_target = sum(village_targets)  # type: ignore[arg-type]
    num = sum(n for n, _ in counts.values())
    den = sum(d for _, d in counts.values())
    rows.append(_row(code, year, ALL_VILLAGES, num, den, total_target, standard))
    return rows


def _row(code, year, village, num, den, target, standard) -> IndicatorRow:
    return IndicatorRow(
        code=code,
        year=year,
        village=village,
        numerator=num,
        denominator=den,
        percent=_percent(num, den),
        target=target,
        target_percent=_percent(num, target),
        standard_id=standard.name_id if standard else None,
        standard_en=standard.name_en if standard else None,
    )


def _tally(items: Iterable[tuple[str | None, bool]]) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = {}
    for village, ok in items:
        cell = counts.setdefault(village or NO_VILLAGE, [0, 0])
        cell[0] += int(ok)
        cell[1] += 1
    return {v: (n, d) for v, (n, d) in counts.items()}


# --- ANC ------------------------------------------------------------------------------


def anc_to_standard(
    pregnancies: Iterable[Pregnancy],
    year: int,
    as_of: date,
    standard: AncStandard | str | None = None,
    config: AncConfig = AncConfig(),
    targets: Targets | None = None,
) -> list[IndicatorRow]:
    """Service 1 over pregnancies that ended in ``year`` (as known on ``as_of``)."""
    if not isinstance(standard, AncStandard):
        standard = get_standard(standard or config.standard)
    ended = [p for p in pregnancies if ended_in_year(p, year, as_of, config)]
    counts = _tally((p.village, evaluate(p, standard).met) for p in ended)
    return indicator_rows("anc", year, counts, targets, standard)


def anc_hiv_test(
    pregnancies: Iterable[Pregnancy],
    year: int,
    as_of: date,
    config: AncConfig = AncConfig(),
    targets: Targets | None = None,
) -> list[IndicatorRow]:
    """HIV tested at least once during each pregnancy that ended in ``year``."""
    ended = [p for p in pregnancies if ended_in_year(p, year, as_of, config)]
    counts = _tally((p.village, any(d.visit.hiv_tested for d in p.visits)) for p in ended)
    return indicator_rows("anc_hiv", year, counts, targets)


# --- people measured at home visits ---------------------------------------------------


@dataclass(frozen=True)
class Person:
    """A registered household member (registration form) or a patient seen at home."""

    person_key: str
    village: str | None
    birth_date: date | None = None
    age_years: int | None = None  # when only an age was recorded …
    age_recorded_on: date | None = None  # … and on which day


@dataclass(frozen=True)
class Measurement:
    """What a home visit measured on one person."""

    person_key: str
    on: date
    sbp: float | None = None
    dbp: float | None = None
    blood_sugar: float | None = None  # mg/dL
    icd10: str | None = None

    @property
    def items(self) -> frozenset[str]:
        given = set()
        if self.sbp is not None and self.dbp is not None:
            given.add("blood_pressure")
        if self.blood_sugar is not None:
            given.add("blood_sugar")
        return frozenset(given)


def age_at_year_end(person: Person, year: int) -> int | None:
    """Age on 31 December of ``year``: the SPM counts everyone who reaches the age in the year."""
    end = date(year, 12, 31)
    if person.birth_date is not None:
        b = person.birth_date
        return end.year - b.year - ((end.month, end.day) < (b.month, b.day))
    if person.age_years is not None and person.age_recorded_on is not None:
        return person.age_years + (year - person.age_recorded_on.year)
    return None


def _by_person(measurements: Iterable[Measurement]) -> dict[str, list[Measurement]]:
    grouped: dict[str, list[Measurement]] = {}
    for m in measurements:
        grouped.setdefault(m.person_key, []).append(m)
    for items in grouped.values():
        items.sort(key=lambda m: m.on)
    return grouped


def elderly_screening(
    people: Iterable[Person],
    measurements: Iterable[Measurement],
    year: int,
    config: SpmConfig = SpmConfig(),
    targets: Targets | None = None,
) -> list[IndicatorRow]:
    """Service 7 (proxy): registered people ≥ 60 with the configured items measured at one
    visit in the year."""
    by_person = _by_person(measurements)

    def screened(person: Person) -> bool:
        return any(m.on.year == year and config.elderly_items <= m.items for m in by_person.get(person.person_key, []))

    elderly = [p for p in people if (age := age_at_year_end(p, year)) is not None and age >= config.elderly_age]
    return indicator_rows("elderly", year, _tally((p.village, screened(p)) for p in elderly), targets)


def _months_required(known_since: date, year: int, as_of: date) -> list[tuple[int, int]]:
    first = 1 if known_since.year < year else known_since.month
    last = 12 if as_of.year > year else as_of.month
    return [(year, m) for m in range(first, last + 1)]


def _monthly_service(
    code: str,
    people: Iterable[Person],
    measurements: Iterable[Measurement],
    year: int,
    as_of: date,
    is_case,
    measured,
    config: SpmConfig,
    targets: Targets | None,
) -> list[IndicatorRow]:
    by_person = _by_person(measurements)
    verdicts: list[tuple[str | None, bool]] = []
    for person in people:
        age = age_at_year_end(person, year)
        if age is None or age < config.adult_age:
            continue
        history = [m for m in by_person.get(person.person_key, []) if m.on <= min(as_of, date(year, 12, 31))]
        known = next((m.on for m in history if is_case(m)), None)
        if known is None:
            continue
        done = {(m.on.year, m.on.month) for m in history if m.on.year == year and measured(m)}
        verdicts.append((person.village, all(month in done for month in _months_required(known, year, as_of))))
    return indicator_rows(code, year, _tally(verdicts), targets)


def _icd_in(code: str | None, prefix: str, low: int, high: int) -> bool:
    if not code or not code.upper().startswith(prefix):
        return False
    try:
        return low <= int(code[1:3]) <= high
    except ValueError:
        return False


def hypertension_care(
    people: Iterable[Person],
    measurements: Iterable[Measurement],
    year: int,
    as_of: date,
    config: SpmConfig = SpmConfig(),
    targets: Targets | None = None,
) -> list[IndicatorRow]:
    """Service 8: people ≥ 15 known hypertensive by the end of the period, with blood
    pressure measured in every month of the year from when they were known (to ``as_of``
    while the year runs)."""

    def is_case(m: Measurement) -> bool:
        high = (m.sbp is not None and m.sbp >= config.hypertension_sbp_at_least) or (
            m.dbp is not None and m.dbp >= config.hypertension_dbp_at_least
        )
        return high or _icd_in(m.icd10, "I", 10, 15)

    return _monthly_service("hypertension", people, measurements, year, as_of, is_case,
                            lambda m: "blood_pressure" in m.items, config, targets)


def diabetes_care(
    people: Iterable[Person],
    measurements: Iterable[Measurement],
    year: int,
    as_of: date,
    config: SpmConfig = SpmConfig(),
    targets: Targets | None = None,
) -> list[IndicatorRow]:
    """Service 9: like hypertension, with blood sugar > 200 mg/dL (the seed's "lebih dari
    200 mg/dl") or ICD-10 E10–E14 as the case, and blood sugar as the monthly measurement."""

    def is_case(m: Measurement) -> bool:
        high = m.blood_sugar is not None and m.blood_sugar > config.diabetes_sugar_above
        return high or _icd_in(m.icd10, "E", 10, 14)

    return _monthly_service("diabetes", people, measurements, year, as_of, is_case,
                            lambda m: "blood_sugar" in m.items, config, targets)


def spm_report(
    year: int,
    as_of: date,
    pregnancies: Sequence[Pregnancy] = (),
    people: Sequence[Person] = (),
    measurements: Sequence[Measurement] = (),
    standard: AncStandard | str | None = None,
    anc_config: AncConfig = AncConfig(),
    config: SpmConfig = SpmConfig(),
    targets: Targets | None = None,
) -> list[IndicatorRow]:
    """Every supported indicator for ``year``, in the order of the twelve services."""
    return [
        *anc_to_standard(pregnancies, year, as_of, standard, anc_config, targets),
        *elderly_screening(people, measurements, year, config, targets),
        *hypertension_care(people, measurements, year, as_of, config, targets),
        *diabetes_care(people, measurements, year, as_of, config, targets),
        *anc_hiv_test(pregnancies, year, as_of, anc_config, targets),
    ]
