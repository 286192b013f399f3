"""Inputs of the SPM indicators (:mod:`chips.rules.spm`) read from the store, and the
planners' targets (sasaran).

Bounded reads: pregnancies expected to end in the year (see :mod:`chips.queries.anc`);
for hypertension and diabetes only the home visits from the year before on (a case found
earlier still owes monthly measurements; one year back is how far we look); the elderly
indicator is counted in SQL. People are matched to home-visit patients by household and
name, as the home-visit form records no member id.

Speed (bench/indicators.py, 1,000,000 submissions): the report does not build the rules'
objects per visit. ANC to standard and the HIV test come from the SQL twin in
:mod:`chips.queries.anc_counts`; hypertension and diabetes care from one aggregated row per
patient (:func:`care_tallies`). The plain paths — :func:`chips.queries.anc.pregnancies_for_year`
judged by the rules, :func:`case_measurements` with :func:`_people` — stay as the reference
that ``tests/queries`` holds the twins equal to.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Sequence

from sqlalchemy import Connection, Integer, and_, case, cast, func, literal, or_, select

from chips.db.schema import home_visits, households, members, visit_requests
from chips.queries import anc as anc_queries
from chips.queries.anc_counts import pregnancy_counts
from chips.queries.scope import ALL, Scope
from chips.rules.anc import AncConfig
from chips.rules.anc_standards import AncStandard
from chips.rules.spm import (
    NO_VILLAGE,
    IndicatorRow,
    Measurement,
    Person,
    SpmConfig,
    age_at_year_end,
    indicator_rows,
)
from chips.rules.spm import _tally as tally  # the rules' own tally, so villages are keyed the same way
from chips.db.web_tables import spm_targets

H, M, V, R = households, members, home_visits, visit_requests
ALL_VILLAGES_KEY = "*"


def person_key(household_uuid: str | None, name: str | None) -> str:
    return f"{household_uuid or '-'}|{(name or '').strip().lower()}"


def targets(conn: Connection, year: int) -> dict[tuple[str, str | None, int], float]:
    rows = conn.execute(select(spm_targets).where(spm_targets.c.year == year)).all()
    return {(r.indicator, None if r.village_code == ALL_VILLAGES_KEY else r.village_code, r.year): r.target for r in rows}


def set_target(conn: Connection, indicator: str, village: str | None, year: int, target: float | None, by: str) -> None:
    """Insert, replace or (``target`` None) remove one target."""
    key = village or ALL_VILLAGES_KEY
    cond = and_(spm_targets.c.indicator == indicator, spm_targets.c.village_code == key, spm_targets.c.year == year)
    conn.execute(spm_targets.delete().where(cond))
    if target is not None:
        conn.execute(spm_targets.insert().values(
            indicator=indicator, village_code=key, year=year, target=float(target), updated_by=by,
            updated_at=datetime.now(timezone.utc).replace(tzinfo=None)))


def _name(column):
    return func.lower(func.trim(column))


def _case_condition(code: str, config: SpmConfig):
    """Home visits that make a patient a case of ``code`` (as chips.rules.spm decides it;
    the rules re-check every loaded measurement)."""
    if code == "hypertension":
        return or_(V.c.systolic >= config.hypertension_sbp_at_least, V.c.diastolic >= config.hypertension_dbp_at_least,
                   *[func.upper(V.c.icd10).like(f"I{n}%") for n in range(10, 16)])
    return or_(V.c.blood_sugar > config.diabetes_sugar_above, *[func.upper(V.c.icd10).like(f"E{n}%") for n in range(10, 15)])


def case_measurements(conn: Connection, code: str, year: int, config: SpmConfig, scope: Scope = ALL):
    """Measurements (from the year before on) of the patients who were a case of ``code`` by
    the end of ``year``: only the cases' visits are read, not every visit."""
    low, high = date(year - 1, 1, 1), date(year, 12, 31)
    window = V.c.visited_on.between(low, high)
    cases = (select(V.c.household_uuid, _name(V.c.patient_name).label("who"))
             .where(window, _case_condition(code, config)).distinct().subquery())
    rows = conn.execute(
        select(V.c.household_uuid, V.c.patient_name, V.c.visited_on, V.c.systolic, V.c.diastolic, V.c.blood_sugar,
               V.c.icd10, H.c.village_code, R.c.patient_age, R.c.received_on)
        .select_from(V.join(cases, and_(cases.c.household_uuid == V.c.household_uuid, cases.c.who == _name(V.c.patient_name)))
                     .outerjoin(H, H.c.uuid == V.c.household_uuid).outerjoin(R, R.c.request_id == V.c.request_id))
        .where(window, scope.where(H.c.village_code))
        .order_by(V.c.id)  # a patient's age is taken from her last row: make "last" well defined
    ).all()
    pairs = []
    for r in rows:
        key = person_key(r.household_uuid, r.patient_name)
        m = Measurement(key, r.visited_on, r.systolic, r.diastolic, r.blood_sugar, r.icd10)
        pairs.append((m, Person(key, r.village_code, age_years=r.patient_age, age_recorded_on=r.received_on)))
    return pairs


def _members_by_key(conn: Connection, keys: set[str]) -> dict[str, Person]:
    """Registered members among the patients, for their birth date."""
    households_wanted = sorted({k.split("|", 1)[0] for k in keys})
    found: dict[str, Person] = {}
    for i in range(0, len(households_wanted), 500):
        part = households_wanted[i:i + 500]
        for r in conn.execute(
            select(M.c.household_uuid, M.c.name, M.c.birth_date, M.c.age_years, H.c.registered_on, H.c.village_code)
            .select_from(M.join(H, H.c.uuid == M.c.household_uuid)).where(M.c.household_uuid.in_(part))
            .order_by(M.c.id)  # two members of one name: the later one wins, as in care_tallies
        ):
            key = person_key(r.household_uuid, r.name)
            if key in keys:
                found[key] = Person(key, r.village_code, r.birth_date, r.age_years, r.registered_on)
    return found


def _people(conn: Connection, pairs) -> list[Person]:
    people: dict[str, Person] = {p.person_key: p for _, p in pairs}
    people.update(_members_by_key(conn, set(people)))
    return list(people.values())


def care_statement(conn: Connection, year: int, as_of: date, config: SpmConfig, scope: Scope = ALL):
    """One row per patient of a home visit in the window of :func:`case_measurements` who was
    a hypertension or diabetes case by ``min(as_of, 31 December)``: when first known as each,
    the months of ``year`` with the measurement as a bit mask (bit m for month m), and what
    :func:`_people` would know of her (a registered member of that name, else the request of
    her last visit)."""
    low, high = date(year - 1, 1, 1), date(year, 12, 31)
    limit = min(as_of, high)
    who = _name(V.c.patient_name)
    upto = V.c.visited_on <= limit
    in_year = V.c.visited_on.between(date(year, 1, 1), limit)
    bit = literal(1).op("<<")(cast(func.extract("month", V.c.visited_on), Integer))
    measured = {"hypertension": and_(V.c.systolic.is_not(None), V.c.diastolic.is_not(None)),
                "diabetes": V.c.blood_sugar.is_not(None)}
    cols = []
    for code, short in (("hypertension", "h"), ("diabetes", "d")):
        cols.append(func.min(case((and_(_case_condition(code, config), upto), V.c.visited_on))).label(f"known_{short}"))
        cols.append(func.sum(case((and_(measured[code], in_year), bit)).distinct()).label(f"months_{short}"))
    people = (select(V.c.household_uuid, who.label("who"), func.max(V.c.id).label("last_id"), *cols)
              # a visit without a patient name joins no case in case_measurements either
              .where(V.c.visited_on.between(low, high), V.c.patient_name.is_not(None)).group_by(V.c.household_uuid, who)
              .having(or_(*(c.is_not(None) for c in (cols[0], cols[2])))).subquery())
    last = V.alias("last_visit")
    M2 = M.alias("same_name")
    member_id = (select(func.max(M2.c.id)).where(M2.c.household_uuid == people.c.household_uuid,
                                                  _name(func.coalesce(M2.c.name, "")) == people.c.who).scalar_subquery())
    return (
        select(people.c.known_h, people.c.months_h, people.c.known_d, people.c.months_d, H.c.village_code,
               H.c.uuid.label("registered"), H.c.registered_on, M.c.id.label("member"), M.c.birth_date, M.c.age_years,
               R.c.patient_age, R.c.received_on)
        .select_from(people.outerjoin(H, H.c.uuid == people.c.household_uuid)
                     .outerjoin(last, last.c.id == people.c.last_id).outerjoin(R, R.c.request_id == last.c.request_id)
                     .outerjoin(M, M.c.id == member_id))
        .where(scope.where(H.c.village_code))
    )


def care_tallies(conn: Connection, year: int, as_of: date, config: SpmConfig, scope: Scope = ALL
                 ) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """village -> (numerator, denominator) of services 8 and 9: what
    :func:`chips.rules.spm.hypertension_care` and :func:`~chips.rules.spm.diabetes_care` give
    for :func:`case_measurements` and :func:`_people`, from one aggregated row per patient
    (``tests/queries/test_care_tallies.py`` holds them equal)."""
    first_month = lambda known: 1 if known.year < year else known.month  # noqa: E731
    last_month = 12 if as_of.year > year else as_of.month
    verdicts: dict[str, list[tuple[str | None, bool]]] = {"h": [], "d": []}
    for r in conn.execute(care_statement(conn, year, as_of, config, scope)):
        if r.member is not None and r.registered is not None:
            person = Person("", r.village_code, r.birth_date, r.age_years, r.registered_on)
        else:
            person = Person("", r.village_code, age_years=r.patient_age, age_recorded_on=r.received_on)
        age = age_at_year_end(person, year)
        if age is None or age < config.adult_age:
            continue
        for short, known, months in (("h", r.known_h, r.months_h), ("d", r.known_d, r.months_d)):
            if known is None:
                continue
            required = sum(1 << m for m in range(first_month(known), last_month + 1))
            verdicts[short].append((r.village_code, (int(months or 0) & required) == required))
    return tally(verdicts["h"]), tally(verdicts["d"])


def elderly_counts(conn: Connection, year: int, config: SpmConfig, scope: Scope = ALL) -> dict[str, tuple[int, int]]:
    """Service 7 (proxy) by SQL aggregation: registered members reaching ``elderly_age`` by
    31 December (birth date, else the age recorded at registration carried forward), and
    those of them with the configured items measured at one home visit of the year (the
    visit's patient is the member: same household, same name). Same definition as
    :func:`chips.rules.spm.elderly_screening`, counted in the database."""
    born_by = date(year - config.elderly_age, 12, 31)
    reg_year = func.extract("year", H.c.registered_on)
    measured = []
    if "blood_pressure" in config.elderly_items:
        measured += [V.c.systolic.is_not(None), V.c.diastolic.is_not(None)]
    if "blood_sugar" in config.elderly_items:
        measured.append(V.c.blood_sugar.is_not(None))
    screened = (select(V.c.id).where(V.c.household_uuid == M.c.household_uuid, _name(V.c.patient_name) == _name(M.c.name),
                                     V.c.visited_on.between(date(year, 1, 1), date(year, 12, 31)), *measured)
                .correlate(M).exists())
    # grouped on an expression: no village and '' are one row (both NO_VILLAGE), and SQLite
    # then scans members first instead of walking every household in village order (1.2 → 0.8 s
    # at 1,000,000 submissions)
    village = func.coalesce(H.c.village_code, "")
    rows = conn.execute(
        select(village, func.count(), func.sum(case((screened, 1), else_=0)))
        .select_from(M.join(H, H.c.uuid == M.c.household_uuid))
        .where(scope.where(H.c.village_code), or_(
            M.c.birth_date <= born_by,
            and_(M.c.birth_date.is_(None), M.c.age_years + (year - reg_year) >= config.elderly_age),
        ))
        .group_by(village)
    ).all()
    return {village or NO_VILLAGE: (int(num or 0), int(den)) for village, den, num in rows}


def report(conn: Connection, year: int, as_of: date, standard: AncStandard, anc_config: AncConfig,
           config: SpmConfig, scope: Scope = ALL, village: str | None = None) -> list[IndicatorRow]:
    """Every supported indicator of ``year`` per village and in total, in the order of the
    twelve services; cached per data version."""
    from chips.queries.cache import cached

    if village:
        scope = Scope.of([village] if scope.allows(village) else [])
    key = ("spm.report", str(conn.engine.url), year, as_of, standard.key, repr(anc_config), repr(config),
           None if scope.villages is None else tuple(sorted(scope.villages)))
    return cached(conn, key, lambda: _report(conn, year, as_of, standard, anc_config, config, scope))


def anc_tallies(conn: Connection, year: int, as_of: date, standard: AncStandard, anc_config: AncConfig,
                scope: Scope = ALL) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """village -> (numerator, denominator) of ANC to standard and of the HIV test over the
    pregnancies that ended in ``year``: the rules' :func:`anc_to_standard` and
    :func:`anc_hiv_test`, counted by the SQL twin of :mod:`chips.queries.anc_counts`."""
    candidates = select(anc_queries.P.c.uuid).where(anc_queries.ended_in_year_condition(year, scope))
    met: list[tuple[str | None, bool]] = []
    hiv: list[tuple[str | None, bool]] = []
    for p in pregnancy_counts(conn, candidates, standard):
        end = p.end(as_of, anc_config)
        if end is not None and end.year == year:
            met.append((p.village, p.met(standard)))
            hiv.append((p.village, p.hiv_tested))
    return tally(met), tally(hiv)


def anc_rows(conn: Connection, year: int, as_of: date, standard: AncStandard, anc_config: AncConfig,
             goals, scope: Scope = ALL) -> tuple[list[IndicatorRow], list[IndicatorRow]]:
    """The rows of ANC to standard and of the HIV test (see :func:`anc_tallies`)."""
    met, hiv = anc_tallies(conn, year, as_of, standard, anc_config, scope)
    return indicator_rows("anc", year, met, goals, standard), indicator_rows("anc_hiv", year, hiv, goals)


def _report(conn, year, as_of, standard, anc_config, config, scope) -> list[IndicatorRow]:
    goals = targets(conn, year)
    anc, hiv = anc_rows(conn, year, as_of, standard, anc_config, goals, scope)
    hypertension, diabetes = care_tallies(conn, year, as_of, config, scope)
    return [
        *anc,
        *indicator_rows("elderly", year, elderly_counts(conn, year, config, scope), goals),
        *indicator_rows("hypertension", year, hypertension, goals),
        *indicator_rows("diabetes", year, diabetes, goals),
        *hiv,
    ]


def rows_for(rows: Sequence[IndicatorRow], code: str) -> list[IndicatorRow]:
    return [r for r in rows if r.code == code]
