"""Inputs of the SPM indicators (:mod:`chips.rules.spm`) read from the store, and the
planners' targets (sasaran).

Bounded reads: pregnancies expected to end in the year (see :mod:`chips.queries.anc`);
for hypertension and diabetes only the year before and the year itself (a case found
earlier still owes monthly measurements; one year back is how far we look). People are
matched to home-visit patients by household and name, as the home-visit form records no
member id; no household and '' are one household, as :func:`person_key` has it.

Speed (bench/indicators.py, 1,000,000 submissions): the report reads facts kept as the data
come in (chips/db/tally_tables.py), never every visit. ANC to standard and the HIV test
are counted in SQL from ``pregnancy_tallies`` (:mod:`chips.queries.anc_counts`);
hypertension and diabetes care from ``patient_years``, at most two rows per patient
(:func:`care_tallies`); the elderly by a join of the members with ``patient_years``
(:func:`elderly_counts`). Each is one statement whose answer is a few rows per village.
The plain paths — :func:`chips.queries.anc.pregnancies_for_year` judged by the rules,
:func:`case_measurements` with :func:`_people`, the members and visits given to
:func:`chips.rules.spm.elderly_screening` — stay as the reference that ``tests/queries``
holds these equal to.
"""

from __future__ import annotations

import calendar
from contextlib import contextmanager
from datetime import date, datetime, timezone
from typing import Sequence

from sqlalchemy import Connection, Integer, and_, case, cast, func, literal, null, or_, select, tuple_, union_all

from chips.db.schema import home_visits, households, members, visit_requests
from chips.db.tally_tables import patient_years
from chips.queries import anc as anc_queries
from chips.queries.anc_counts import ended_tallies
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
from chips.db.web_tables import spm_targets

H, M, V, R, PY = households, members, home_visits, visit_requests, patient_years
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
    return or_(V.c.blood_sugar > config.diabetes_sugar_above,
               *[func.upper(V.c.icd10).like(f"E{n}%") for n in range(10, 15)])


def case_measurements(conn: Connection, code: str, year: int, config: SpmConfig, scope: Scope = ALL):
    """Measurements (from the year before on) of the patients who were a case of ``code`` by
    the end of ``year``: only the cases' visits are read, not every visit."""
    low, high = date(year - 1, 1, 1), date(year, 12, 31)
    window = V.c.visited_on.between(low, high)
    # no household and '' are one household, as person_key has it
    household = func.coalesce(V.c.household_uuid, "")
    cases = (select(household.label("household_key"), _name(V.c.patient_name).label("who"))
             .where(window, _case_condition(code, config)).distinct().subquery())
    rows = conn.execute(
        select(V.c.household_uuid, V.c.patient_name, V.c.visited_on, V.c.systolic, V.c.diastolic, V.c.blood_sugar,
               V.c.icd10, H.c.village_code, R.c.patient_age, R.c.received_on)
        .select_from(V.join(cases, and_(cases.c.household_key == household, cases.c.who == _name(V.c.patient_name)))
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


def _person_columns(people):
    """What :func:`_people` would know of each patient of ``people`` (columns household_key,
    who, last_id): a registered member of that name, else the request of her last visit;
    and her household's village. Returns (columns, joined, the patients' rows)."""
    last = V.alias("last_visit")
    M2 = M.alias("same_name")
    # materialized: each member is looked up once (inlined, both databases repeated the look-up)
    people = people.cte("patients").prefix_with("MATERIALIZED")
    member_id = (select(func.max(M2.c.id)).where(M2.c.household_uuid == people.c.household_key,
                                                  _name(func.coalesce(M2.c.name, "")) == people.c.who).scalar_subquery())
    found = select(people, member_id.label("member_id")).cte("found").prefix_with("MATERIALIZED")
    columns = (H.c.village_code, H.c.uuid.label("registered"), H.c.registered_on, M.c.id.label("member"),
               M.c.birth_date, M.c.age_years, R.c.patient_age, R.c.received_on)
    # the request only when she is not a registered member: most are, and each look-up of
    # a request is a random read of a large table
    request_of = case((or_(found.c.member_id.is_(None), H.c.uuid.is_(None)), found.c.last_id))
    joined = (found.outerjoin(H, H.c.uuid == found.c.household_key).outerjoin(M, M.c.id == found.c.member_id)
              .outerjoin(last, last.c.id == request_of).outerjoin(R, R.c.request_id == last.c.request_id))
    return columns, joined, found


def care_statement(conn: Connection, year: int, as_of: date, config: SpmConfig, scope: Scope = ALL,
                   households: Sequence[str] | None = None):
    """From the visits themselves: one row per patient of a home visit in the window of
    :func:`case_measurements` who was a hypertension or diabetes case by ``min(as_of, 31
    December)``: when first known as each, the months of ``year`` with the measurement as a
    bit mask (bit m for month m), and what :func:`_people` would know of her. ``households``:
    only the patients of these households ('' for none). The reference for the
    :func:`care_tallies` read of ``patient_years``, and its path for the patients with a
    visit after ``as_of`` in the month of ``as_of``."""
    low, high = date(year - 1, 1, 1), date(year, 12, 31)
    limit = min(as_of, high)
    who = _name(V.c.patient_name)
    household = func.coalesce(V.c.household_uuid, "")  # none and '' are one household, as in person_key
    upto = V.c.visited_on <= limit
    in_year = V.c.visited_on.between(date(year, 1, 1), limit)
    bit = literal(1).op("<<")(cast(func.extract("month", V.c.visited_on), Integer))
    measured = {"hypertension": and_(V.c.systolic.is_not(None), V.c.diastolic.is_not(None)),
                "diabetes": V.c.blood_sugar.is_not(None)}
    cols = []
    for code, short in (("hypertension", "h"), ("diabetes", "d")):
        cols.append(func.min(case((and_(_case_condition(code, config), upto), V.c.visited_on))).label(f"known_{short}"))
        cols.append(func.sum(case((and_(measured[code], in_year), bit)).distinct()).label(f"months_{short}"))
    where = [V.c.visited_on.between(low, high), V.c.patient_name.is_not(None)]
    if households is not None:
        named = sorted(h for h in households if h)
        where.append(or_(V.c.household_uuid.in_(named), *([V.c.household_uuid.is_(None), V.c.household_uuid == ""]
                                                         if "" in households else [])))
    people = (select(household.label("household_key"), who.label("who"), func.max(V.c.id).label("last_id"), *cols)
              # a visit without a patient name joins no case in case_measurements either
              .where(*where).group_by(household, who)
              .having(or_(*(c.is_not(None) for c in (cols[0], cols[2])))))
    columns, joined, people = _person_columns(people)
    return (select(people.c.household_key, people.c.who, people.c.known_h, people.c.months_h, people.c.known_d,
                   people.c.months_d, *columns)
            .select_from(joined).where(scope.where(H.c.village_code)))


def _months_counted(y: int, limit: date) -> int:
    """How many months of year ``y`` count up to ``limit``: 0, 1 … 12."""
    return 0 if limit.year < y else 12 if limit.year > y else limit.month


def _month_is_case(row, code: str, m: int, config: SpmConfig):
    """Month ``m`` of a patient_years row holds a visit making her a case (_case_condition)."""
    if code == "h":
        return or_(row.c[f"sbp_{m:02d}"] >= config.hypertension_sbp_at_least,
                   row.c[f"dbp_{m:02d}"] >= config.hypertension_dbp_at_least, row.c.icd_h.op("&")(1 << m) != 0)
    return or_(row.c[f"sugar_{m:02d}"] > config.diabetes_sugar_above, row.c.icd_d.op("&")(1 << m) != 0)


def _year_is_case(row, code: str, config: SpmConfig):
    """Some visit of the row's year makes her a case."""
    if code == "h":
        return or_(row.c.max_sbp >= config.hypertension_sbp_at_least, row.c.max_dbp >= config.hypertension_dbp_at_least,
                   row.c.icd_h != 0)
    return or_(row.c.max_sugar > config.diabetes_sugar_above, row.c.icd_d != 0)


def _first_case_month(row, code: str, months: int, config: SpmConfig):
    """The first of the row's first ``months`` months that makes her a case, else NULL; the
    year's highest readings rule most rows out before the months are looked at."""
    if not months:
        return null()
    by_month = case(*[(_month_is_case(row, code, m, config), m) for m in range(1, months + 1)])
    return case((_year_is_case(row, code, config), by_month))


def _was_case(row, code: str, months: int, config: SpmConfig):
    """1 when one of the row's first ``months`` months makes her a case, else 0."""
    if months == 12:
        condition = _year_is_case(row, code, config)
    else:
        condition = _first_case_month(row, code, months, config).is_not(None)
    return case((condition, 1), else_=0)  # a NULL (no reading) is no


def _bits(months: int) -> int:
    return sum(1 << m for m in range(1, months + 1))


def _age_at_year_end(year: int, person: dict):
    """:func:`chips.rules.spm.age_at_year_end` in SQL of the person :func:`_person_columns`
    gives (by column name); a birth date gives ``year`` minus its year, 31 December being
    on or after every birthday."""
    years_since = lambda day: year - cast(func.extract("year", day), Integer)  # noqa: E731
    member = case((person["birth_date"].is_not(None), years_since(person["birth_date"])),
                  (and_(person["age_years"].is_not(None), person["registered_on"].is_not(None)),
                   person["age_years"] + years_since(person["registered_on"])))
    request = case((and_(person["patient_age"].is_not(None), person["received_on"].is_not(None)),
                    person["patient_age"] + years_since(person["received_on"])))
    return case((and_(person["member"].is_not(None), person["registered"].is_not(None)), member), else_=request)


def care_rows_statement(conn: Connection, year: int, as_of: date, config: SpmConfig, scope: Scope = ALL,
                        leave_out: Sequence[tuple[str, str]] = ()):
    """:func:`care_statement` read from ``patient_years`` (no visit is read): per patient
    who was a case by ``min(as_of, 31 December)``, the first month of ``year`` she was known
    as each (1 when known the year before), the months measured, her age at the end of the
    year and her village. Exact when no visit of the month of ``as_of`` is dated after
    ``as_of``; :func:`care_tallies` leaves those patients out (``leave_out``: (household
    key, name) pairs) and counts them from their visits.

    Two parts: the patients known the year before (their row of that year, and of this
    year for the months), then those known only this year; each part reads the rows of
    one year by the primary key and looks the other year's row up by it."""
    limit = min(as_of, date(year, 12, 31))
    before, now = _months_counted(year - 1, limit), _months_counted(year, limit)
    was, now_row = PY.alias("last_year"), PY.alias("this_year")
    same = and_(now_row.c.household_key == was.c.household_key, now_row.c.who == was.c.who)
    greatest = func.max if conn.dialect.name == "sqlite" else func.greatest  # of two values
    known_before = {code: _was_case(was, code, before, config) for code in ("h", "d")}
    first_now = {code: _first_case_month(now_row, code, now, config) for code in ("h", "d")}
    months = (now_row.c.months_bp.op("&")(_bits(now)).label("months_h"),
              now_row.c.months_sugar.op("&")(_bits(now)).label("months_d"))

    def part(main, other, where):
        if leave_out:
            where = and_(where, tuple_(main.c.household_key, main.c.who).not_in(sorted(leave_out)))
        return (select(main.c.household_key, main.c.who,
                       greatest(main.c.last_id, func.coalesce(other.c.last_id, 0)).label("last_id"),
                       *(case((known_before[code] == 1, 1), else_=first_now[code]).label(f"first_{code}")
                         for code in ("h", "d")), *months)
                .select_from(main.outerjoin(other, and_(same, other.c.year == (year if main is was else year - 1))))
                .where(main.c.year == (year - 1 if main is was else year), where))

    people = union_all(
        part(was, now_row, or_(known_before["h"] == 1, known_before["d"] == 1)),
        part(now_row, was, and_(or_(first_now["h"].is_not(None), first_now["d"].is_not(None)),
                                known_before["h"] == 0, known_before["d"] == 0)),
    )
    columns, joined, people = _person_columns(people)
    age = _age_at_year_end(year, {c.name: c for c in columns}).label("age")
    return (select(people.c.household_key, people.c.who, H.c.village_code, people.c.first_h, people.c.first_d,
                   people.c.months_h, people.c.months_d, age)
            .select_from(joined).where(scope.where(H.c.village_code)))


def _dated_after(conn: Connection, year: int, as_of: date) -> set[tuple[str, str]]:
    """The patients with a visit after ``as_of`` in its month: ``patient_years`` holds the
    whole month, the indicator only the days up to ``as_of``."""
    limit = min(as_of, date(year, 12, 31))
    end = limit.replace(day=calendar.monthrange(limit.year, limit.month)[1])
    if limit == end or limit < date(year - 1, 1, 1):
        return set()
    rows = conn.execute(select(func.coalesce(V.c.household_uuid, ""), _name(V.c.patient_name)).distinct()
                        .where(V.c.visited_on > limit, V.c.visited_on <= end, V.c.patient_name.is_not(None)))
    return {(h, w) for h, w in rows}


def _age_ok(r, year: int, config: SpmConfig) -> bool:
    """A row of :func:`care_statement` is of an adult (``adult_age`` by the end of the year)."""
    if r.member is not None and r.registered is not None:
        person = Person("", r.village_code, r.birth_date, r.age_years, r.registered_on)
    else:
        person = Person("", r.village_code, age_years=r.patient_age, age_recorded_on=r.received_on)
    age = age_at_year_end(person, year)
    return age is not None and age >= config.adult_age


def _required(first, last_month: int):
    """The months ``first`` … ``last_month`` as bits, in SQL (none when ``first`` is later)."""
    return case((first > last_month, 0), else_=literal(_bits(last_month) + 2).op("-")(literal(1).op("<<")(first)))


def care_tallies(conn: Connection, year: int, as_of: date, config: SpmConfig, scope: Scope = ALL
                 ) -> tuple[dict[str, tuple[int, int]], dict[str, tuple[int, int]]]:
    """village -> (numerator, denominator) of services 8 and 9: what
    :func:`chips.rules.spm.hypertension_care` and :func:`~chips.rules.spm.diabetes_care` give
    for :func:`case_measurements` and :func:`_people`, counted in the database from
    ``patient_years`` (``tests/queries/test_care_tallies.py`` holds them equal)."""
    last_month = 12 if as_of.year > year else as_of.month
    late = _dated_after(conn, year, as_of)
    people = care_rows_statement(conn, year, as_of, config, scope, sorted(late)).subquery()
    sums = []
    for code in ("h", "d"):
        first = people.c[f"first_{code}"]
        required = _required(first, last_month)
        met = func.coalesce(people.c[f"months_{code}"], 0).op("&")(required) == required
        sums += [func.sum(case((and_(first.is_not(None), met), 1), else_=0)),
                 func.sum(case((first.is_not(None), 1), else_=0))]
    village = func.coalesce(people.c.village_code, "")  # no village and '' are both NO_VILLAGE to the tally
    counts: dict[str, dict[str, list[int]]] = {"h": {}, "d": {}}
    for v, num_h, den_h, num_d, den_d in conn.execute(
            select(village, *sums).where(people.c.age >= config.adult_age).group_by(village)):
        for short, num, den in (("h", num_h, den_h), ("d", num_d, den_d)):
            if den:
                counts[short][v or NO_VILLAGE] = [int(num), int(den)]
    if late:  # counted from their visits
        month = lambda known: None if known is None else 1 if known.year < year else known.month  # noqa: E731
        for r in conn.execute(care_statement(conn, year, as_of, config, scope, sorted({h for h, _ in late}))):
            if (r.household_key, r.who) not in late or not _age_ok(r, year, config):
                continue
            for short, first, months in (("h", month(r.known_h), r.months_h), ("d", month(r.known_d), r.months_d)):
                if first is None:
                    continue
                required = _bits(last_month) & ~_bits(first - 1)
                cell = counts[short].setdefault(r.village_code or NO_VILLAGE, [0, 0])
                cell[0] += (int(months or 0) & required) == required
                cell[1] += 1
    return ({v: (n, d) for v, (n, d) in counts["h"].items()}, {v: (n, d) for v, (n, d) in counts["d"].items()})


def elderly_counts(conn: Connection, year: int, config: SpmConfig, scope: Scope = ALL) -> dict[str, tuple[int, int]]:
    """Service 7 (proxy) by SQL aggregation: registered members reaching ``elderly_age`` by
    31 December (birth date, else the age recorded at registration carried forward), and
    those of them with the configured items measured at one home visit of the year (the
    visit's patient is the member: same household, same name), looked up in
    ``patient_years``. Same definition as :func:`chips.rules.spm.elderly_screening`,
    counted in the database."""
    born_by = date(year - config.elderly_age, 12, 31)
    reg_year = func.extract("year", H.c.registered_on)
    items = config.elderly_items
    month_bits = lambda t: (t.c.months_both if {"blood_pressure", "blood_sugar"} <= items else t.c.months_bp  # noqa: E731
                            if "blood_pressure" in items else t.c.months_sugar if "blood_sugar" in items else t.c.months)
    # at most one row per member (the key of patient_years): a join PostgreSQL can hash
    screened = PY.alias("screened")
    on = and_(screened.c.year == year, screened.c.household_key == M.c.household_uuid,
              # a member without a name is "h|" to person_key, like a patient named ''
              screened.c.who == _name(func.coalesce(M.c.name, "")), month_bits(screened) != 0)
    # grouped on an expression: no village and '' are one row (both NO_VILLAGE), and SQLite
    # then scans members first instead of walking every household in village order
    village = func.coalesce(H.c.village_code, "")
    rows = conn.execute(
        select(village, func.count(), func.count(screened.c.who))
        .select_from(M.join(H, H.c.uuid == M.c.household_uuid).outerjoin(screened, on))
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
    :func:`anc_hiv_test`, counted from the stored fold of :mod:`chips.queries.anc_counts`
    (``tests/queries/test_anc_counts.py`` holds them equal)."""
    candidates = select(anc_queries.P.c.uuid).where(anc_queries.ended_in_year_condition(year, scope))
    counted, unfolded = ended_tallies(conn, candidates, standard, year, as_of, anc_config)
    met: dict[str, list[int]] = {}
    hiv: dict[str, list[int]] = {}
    for village, n, n_met, n_hiv in counted:
        met[village or NO_VILLAGE] = [n_met, n]
        hiv[village or NO_VILLAGE] = [n_hiv, n]
    for p in unfolded:
        end = p.end(as_of, anc_config)
        if end is not None and end.year == year:
            for cell, ok in ((met.setdefault(p.village or NO_VILLAGE, [0, 0]), p.met(standard)),
                             (hiv.setdefault(p.village or NO_VILLAGE, [0, 0]), p.hiv_tested)):
                cell[0] += int(ok)
                cell[1] += 1
    return {v: (n, d) for v, (n, d) in met.items()}, {v: (n, d) for v, (n, d) in hiv.items()}


def anc_rows(conn: Connection, year: int, as_of: date, standard: AncStandard, anc_config: AncConfig,
             goals, scope: Scope = ALL) -> tuple[list[IndicatorRow], list[IndicatorRow]]:
    """The rows of ANC to standard and of the HIV test (see :func:`anc_tallies`)."""
    met, hiv = anc_tallies(conn, year, as_of, standard, anc_config, scope)
    return indicator_rows("anc", year, met, goals, standard), indicator_rows("anc_hiv", year, hiv, goals)


@contextmanager
def _no_jit(conn: Connection):
    """PostgreSQL compiles a query to machine code when its estimated cost is high; for
    these sub-second aggregates the compilation cost more than the query (0.73 s of the
    elderly count's 0.85 s at 1,000,000 submissions). Off for the report, then as it was
    (``set_config(..., true)``: for this transaction only, undone by a rollback)."""
    if conn.dialect.name != "postgresql":
        yield
        return
    before = conn.execute(select(func.current_setting("jit"))).scalar()
    conn.execute(select(func.set_config("jit", "off", True)))
    yield
    conn.execute(select(func.set_config("jit", before, True)))


def _report(conn, year, as_of, standard, anc_config, config, scope) -> list[IndicatorRow]:
    goals = targets(conn, year)
    with _no_jit(conn):
        anc, hiv = anc_rows(conn, year, as_of, standard, anc_config, goals, scope)
        hypertension, diabetes = care_tallies(conn, year, as_of, config, scope)
        elderly = elderly_counts(conn, year, config, scope)
    return [
        *anc,
        *indicator_rows("elderly", year, elderly, goals),
        *indicator_rows("hypertension", year, hypertension, goals),
        *indicator_rows("diabetes", year, diabetes, goals),
        *hiv,
    ]


def rows_for(rows: Sequence[IndicatorRow], code: str) -> list[IndicatorRow]:
    return [r for r in rows if r.code == code]
