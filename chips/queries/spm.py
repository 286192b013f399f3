"""Inputs of the SPM indicators (:mod:`chips.rules.spm`) read from the store, and the
planners' targets (sasaran).

Bounded reads: pregnancies expected to end in the year (see :mod:`chips.queries.anc`);
for hypertension and diabetes only the home visits of the patients who were a case, from
the year before on (a case found earlier still owes monthly measurements; one year back is
how far we look); the elderly indicator is counted in SQL. People are matched to
home-visit patients by household and name, as the home-visit form records no member id.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Sequence

from sqlalchemy import Connection, and_, case, func, or_, select

from chips.db.schema import home_visits, households, members, visit_requests
from chips.queries import anc as anc_queries
from chips.queries.scope import ALL, Scope
from chips.rules.anc import AncConfig
from chips.rules.anc_standards import AncStandard
from chips.rules.spm import (
    NO_VILLAGE,
    IndicatorRow,
    Measurement,
    Person,
    SpmConfig,
    anc_hiv_test,
    anc_to_standard,
    diabetes_care,
    hypertension_care,
    indicator_rows,
)
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
        ):
            key = person_key(r.household_uuid, r.name)
            if key in keys:
                found[key] = Person(key, r.village_code, r.birth_date, r.age_years, r.registered_on)
    return found


def _people(conn: Connection, pairs) -> list[Person]:
    people: dict[str, Person] = {p.person_key: p for _, p in pairs}
    people.update(_members_by_key(conn, set(people)))
    return list(people.values())


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
    rows = conn.execute(
        select(H.c.village_code, func.count(), func.sum(case((screened, 1), else_=0)))
        .select_from(M.join(H, H.c.uuid == M.c.household_uuid))
        .where(scope.where(H.c.village_code), or_(
            M.c.birth_date <= born_by,
            and_(M.c.birth_date.is_(None), M.c.age_years + (year - reg_year) >= config.elderly_age),
        ))
        .group_by(H.c.village_code)
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


def _report(conn, year, as_of, standard, anc_config, config, scope) -> list[IndicatorRow]:
    goals = targets(conn, year)
    pregnancies = anc_queries.pregnancies_for_year(conn, year, anc_config, scope)
    hypertension = case_measurements(conn, "hypertension", year, config, scope)
    diabetes = case_measurements(conn, "diabetes", year, config, scope)
    return [
        *anc_to_standard(pregnancies, year, as_of, standard, anc_config, goals),
        *indicator_rows("elderly", year, elderly_counts(conn, year, config, scope), goals),
        *hypertension_care(_people(conn, hypertension), [m for m, _ in hypertension], year, as_of, config, goals),
        *diabetes_care(_people(conn, diabetes), [m for m, _ in diabetes], year, as_of, config, goals),
        *anc_hiv_test(pregnancies, year, as_of, anc_config, goals),
    ]


def rows_for(rows: Sequence[IndicatorRow], code: str) -> list[IndicatorRow]:
    return [r for r in rows if r.code == code]
