"""ANC-to-standard and HIV-test per pregnancy, counted in SQL: the twin of building the
rules' pregnancies (:func:`chips.rules.anc.build_pregnancies`) and judging each one
(:func:`chips.rules.anc_standards.evaluate`, :func:`chips.rules.anc.ended_in_year`) for the
SPM table, without turning every visit into Python objects.

The database does the per-visit work (gestational days, which 10T items were given as a
bit mask, a doctor, an HIV test) and returns narrow tuples in the rules' visit order;
Python folds them per pregnancy with integer arithmetic only (no dataclass per visit)
and makes the same decisions as the rules. ``tests/queries/test_anc_counts.py``
checks it gives the rules' answers on generated data under every preset.

The fold does not depend on the standard (:class:`PregnancyFacts` keeps the dated visits
and those with every 10T item due per trimester; a standard picks one) nor on ``as_of``, so
it is kept per pregnancy in ``pregnancy_tallies`` (chips/db/tally_tables.py): the ANC
projection folds the pregnancy of each visit it projects (:func:`refresh_tallies`), and the
SPM table counts the pregnancies that ended in a year with one SQL aggregate over those
rows (:func:`ended_tallies`), folding from the visits only a pregnancy whose row a change
dropped. ``tests/queries/test_anc_counts.py`` and ``test_tallies_projection.py`` hold the
stored rows equal to the fold and the counts equal to the rules'.

What the twin relies on (true of the store's path, :func:`chips.queries.anc._load`): the
visits of a pregnancy are those naming its ``pregnancy_uuid`` (the form's pregnancy id
decides, so one pregnancy per id) and no end is recorded on them, so a pregnancy ends on
its expected date (reference HPHT + 280 days) once ``assume_ended_after_weeks`` have
passed. The reference HPHT is the first recorded HPHT in visit order, else the first one
implied by recorded weeks; visit order is (visit date, visit id as text), as the rules sort.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterator

from sqlalchemy import Connection, Integer, String, and_, bindparam, case, cast, func, literal, or_, select, true

from chips.db.rows import insert_rows
from chips.db.schema import anc_visits, pregnancies
from chips.db.tally_tables import pregnancy_tallies, pregnancy_tallies_due
from chips.rules.anc import DOCTOR_WORDS, FULL_TERM_DAYS, TEN_T_FROM_DAY, TEN_T_KEYS, TRIMESTER_1_MAX_DAYS, TRIMESTER_2_MAX_DAYS, AncConfig
from chips.rules.anc_form import LAB_DONE
from chips.rules.anc_standards import EACH_VISIT, OVER_PREGNANCY, AncStandard

A, P = anc_visits, pregnancies
EPOCH = date(2000, 1, 1)
# the whitespace Python's str.strip()/split() would remove from a form answer (ODK sends no other)
BLANKS = " \t\r\n"


def _day(conn: Connection, column):
    """Days since EPOCH of a DATE column, as an integer, on either database."""
    if conn.dialect.name == "sqlite":
        return cast(func.julianday(column) - func.julianday(EPOCH.isoformat()), Integer)
    return column - literal(EPOCH)


def _text(conn: Connection, column):
    """The answer stripped of blanks, '' when missing (``str(x or '').strip()``)."""
    if conn.dialect.name == "sqlite":
        return func.trim(func.coalesce(column, ""), BLANKS)
    return func.btrim(func.coalesce(column, ""), BLANKS)


def _items(conn: Connection) -> dict[str, object]:
    """Each 10T item given at a visit, from the projected columns (chips.rules.anc_form)."""
    has = lambda c: _text(conn, c) != ""  # noqa: E731
    lab = [A.c[c].in_(sorted(LAB_DONE)) for c in ("hiv", "syphilis", "hepatitis_b")]
    return {
        "weight": A.c.weight_kg.is_not(None),
        "blood_pressure": and_(A.c.systolic.is_not(None), A.c.diastolic.is_not(None)),
        "lila": A.c.lila_cm.is_not(None),
        "fundal_height": A.c.fundal_height_cm.is_not(None),
        "fetal_presentation_djj": has(A.c.fetal_presentation),
        "tetanus": and_(has(A.c.tt_status), A.c.tt_status != "unknown"),
        "iron_tablets": func.coalesce(A.c.iron_tablets, 0) > 0,
        "lab_tests": or_(A.c.hb_tested.is_(True), *lab,
                         and_(A.c.urine_protein.is_not(None), A.c.urine_protein != "", A.c.urine_protein != "not_done")),
        "case_management": has(A.c.case_management),
        "counselling": has(A.c.counselling),
    }


def ten_t_mask(conn: Connection):
    """The 10T items given at a visit as an integer, bit i for ``TEN_T_KEYS[i]``."""
    items = _items(conn)
    return sum((case((items[key], 1 << i), else_=0) for i, key in enumerate(TEN_T_KEYS)), literal(0))


# mask -> the set of items, as chips.rules.anc_form.ten_t_items returns it
ITEMS_BY_MASK = tuple(frozenset(k for i, k in enumerate(TEN_T_KEYS) if m >> i & 1) for m in range(1 << len(TEN_T_KEYS)))


@dataclass(frozen=True)
class PregnancyCounts:
    """One pregnancy as the SPM indicators need it under one standard."""

    uuid: str
    village: str | None  # of its last visit with a village (the rules' Pregnancy.village)
    hpht: date | None  # the reference HPHT
    counted: tuple[int, int, int]  # visits counting towards T1, T2, T3 under the standard
    doctor: tuple[int, int, int]  # doctor contacts in T1, T2, T3
    all_10t_given: bool  # every item given at some visit
    hiv_tested: bool

    def end(self, as_of: date, config: AncConfig) -> date | None:
        """The day it ended if it had by ``as_of`` (chips.rules.anc.pregnancy_end)."""
        if self.hpht is None or as_of < self.hpht + timedelta(weeks=config.assume_ended_after_weeks):
            return None
        return self.hpht + timedelta(days=FULL_TERM_DAYS)

    def met(self, standard: AncStandard) -> bool:
        """chips.rules.anc_standards.evaluate(...).met from the counts."""
        if any(self.counted[t - 1] < standard.min_visits.get(t, 0) for t in (1, 2, 3)):
            return False
        if any(self.doctor[t - 1] == 0 for t in standard.doctor_in):
            return False
        return standard.ten_t_scope != OVER_PREGNANCY or self.all_10t_given


@dataclass(frozen=True)
class PregnancyFacts:
    """The fold of a pregnancy's visits under no particular standard: what
    ``pregnancy_tallies`` keeps (chips/db/tally_tables.py)."""

    uuid: str
    village: str | None
    hpht: date | None
    dated: tuple[int, int, int]  # dated visits in T1, T2, T3
    full: tuple[int, int, int]  # of those, with every 10T item due at their age
    doctor: tuple[int, int, int]
    all_10t_given: bool
    hiv_tested: bool

    def counts(self, standard: AncStandard) -> PregnancyCounts:
        counted = self.full if standard.ten_t_scope == EACH_VISIT else self.dated
        return PregnancyCounts(self.uuid, self.village, self.hpht, counted, self.doctor, self.all_10t_given,
                               self.hiv_tested)

    def row(self) -> dict:
        return {"pregnancy_uuid": self.uuid, "hpht": self.hpht, "village": self.village,
                **{f"{kind}_t{t + 1}": n for kind, ns in (("dated", self.dated), ("full", self.full),
                                                          ("doctor", self.doctor)) for t, n in enumerate(ns)},
                "all_10t_given": self.all_10t_given, "hiv_tested": self.hiv_tested}

    @classmethod
    def of_row(cls, r) -> "PregnancyFacts":
        return cls(r.pregnancy_uuid, r.village, r.hpht, (r.dated_t1, r.dated_t2, r.dated_t3),
                   (r.full_t1, r.full_t2, r.full_t3), (r.doctor_t1, r.doctor_t2, r.doctor_t3),
                   bool(r.all_10t_given), bool(r.hiv_tested))


def visits_statement(conn: Connection, candidates):
    """One narrow row per visit of the ``candidates`` (a select of pregnancy uuids), in the
    rules' visit order; the 10T items given as a bit mask (bit i: ``TEN_T_KEYS[i]``)."""
    day = _day(conn, A.c.visit_date)
    own_days = case((A.c.hpht.is_not(None), day - _day(conn, A.c.hpht)), (A.c.ga_days.is_not(None), A.c.ga_days),
                    (A.c.ga_weeks.is_not(None), A.c.ga_weeks * 7))
    # rank 0: the HPHT was recorded; 1: implied by recorded weeks; 2: nothing to date it by
    rank = case((A.c.hpht.is_not(None), 0), (or_(A.c.ga_days.is_not(None), A.c.ga_weeks.is_not(None)), 1), else_=2)
    # '' is no village to the rules either (``visit.village or pregnancy village``, then truthiness)
    village = func.coalesce(func.nullif(A.c.village_code, ""), func.nullif(P.c.village_code, ""))
    mask = ten_t_mask(conn)
    return (
        select(A.c.pregnancy_uuid, day, own_days, rank, village,
               func.lower(_text(conn, A.c.examined_by)).in_(sorted(DOCTOR_WORDS)), A.c.hiv.in_(sorted(LAB_DONE)), mask)
        .select_from(A.join(P, P.c.uuid == A.c.pregnancy_uuid))
        .where(A.c.pregnancy_uuid.in_(candidates))
        .order_by(A.c.pregnancy_uuid, A.c.visit_date, cast(A.c.id, String))
    )


FULL = (1 << len(TEN_T_KEYS)) - 1
LATE = sum(1 << i for i, k in enumerate(TEN_T_KEYS) if k in TEN_T_FROM_DAY)
EARLY = FULL & ~LATE
LATE_FROM = min(TEN_T_FROM_DAY.values())


def _fold(uuid: str, visits: list) -> PregnancyFacts:
    """One pregnancy from its visit rows, as build_pregnancies + evaluate would judge it."""
    ref = next((day - own for day, own, rank, *_ in visits if rank == 0), None)
    if ref is None:
        ref = next((day - own for day, own, rank, *_ in visits if rank == 1), None)
    village = next((v[3] for v in reversed(visits) if v[3]), None)
    dated, full, doctor, given, hiv = [0, 0, 0], [0, 0, 0], [0, 0, 0], 0, False
    for day, own, _rank, _village, by_doctor, tested, mask in visits:
        mask = int(mask)
        given |= mask
        hiv = hiv or bool(tested)
        days = own if own is not None else (None if ref is None else day - ref)
        if days is None or days < 0:
            continue  # undated: counts towards no trimester
        t = 0 if days <= TRIMESTER_1_MAX_DAYS else 1 if days <= TRIMESTER_2_MAX_DAYS else 2
        if by_doctor:
            doctor[t] += 1
        dated[t] += 1
        due = EARLY if days < LATE_FROM else FULL
        if mask & due == due:
            full[t] += 1  # counts under a standard asking the 10T at each visit
    hpht = None if ref is None else EPOCH + timedelta(days=int(ref))
    return PregnancyFacts(uuid, village, hpht, tuple(dated), tuple(full), tuple(doctor), given == FULL, hiv)


def _folded(rows) -> Iterator[PregnancyFacts]:
    """Fold the rows of visits_statement, pregnancy after pregnancy."""
    current, visits = None, []
    for uuid, day, own, rank, village, by_doctor, tested, mask in rows:
        if uuid != current:
            if visits:
                yield _fold(current, visits)
            current, visits = uuid, []
        visits.append((int(day), None if own is None else int(own), rank, village, by_doctor, tested, mask))
    if visits:
        yield _fold(current, visits)


def pregnancy_facts(conn: Connection, candidates) -> list[PregnancyFacts]:
    """The fold of every pregnancy of ``candidates`` (a select of uuids, or a list) that has visits."""
    if isinstance(candidates, (list, tuple, set, frozenset)):
        uuids, out = sorted(candidates), []
        for i in range(0, len(uuids), CHUNK):
            out += _folded(conn.execute(visits_statement(conn, uuids[i:i + CHUNK])))
        return out
    return list(_folded(conn.execute(visits_statement(conn, candidates))))


def pregnancy_counts(conn: Connection, candidates, standard: AncStandard) -> list[PregnancyCounts]:
    """Folded from the visits (the reference for the stored tallies)."""
    return [f.counts(standard) for f in pregnancy_facts(conn, candidates)]


# --- the stored fold (pregnancy_tallies) ------------------------------------------------

CHUNK = 500
T, D = pregnancy_tallies, pregnancy_tallies_due


def met_condition(standard: AncStandard):
    """:meth:`PregnancyCounts.met` of a ``pregnancy_tallies`` row, in SQL."""
    counted = "full" if standard.ten_t_scope == EACH_VISIT else "dated"
    conditions = [T.c[f"{counted}_t{t}"] >= standard.min_visits[t] for t in (1, 2, 3) if standard.min_visits.get(t, 0)]
    conditions += [T.c[f"doctor_t{t}"] > 0 for t in standard.doctor_in]
    if standard.ten_t_scope == OVER_PREGNANCY:
        conditions.append(T.c.all_10t_given.is_(True))
    return and_(true(), *conditions)


def ended_tallies(conn: Connection, candidates, standard: AncStandard, year: int, as_of: date, config: AncConfig
                  ) -> tuple[list[tuple[str | None, int, int, int]], list[PregnancyCounts]]:
    """The pregnancies of ``candidates`` that ended in ``year`` as known on ``as_of``
    (:meth:`PregnancyCounts.end`), counted in the database from ``pregnancy_tallies``:
    (village, pregnancies, met under ``standard``, HIV tested) per village; and the
    candidates without a tally row, folded from their visits, for the caller to judge.

    Ended in ``year``: its reference HPHT + 280 days falls in the year, and ``as_of`` is
    ``assume_ended_after_weeks`` or more after the HPHT: a range of HPHTs."""
    low = date(year, 1, 1) - timedelta(days=FULL_TERM_DAYS)
    high = min(date(year, 12, 31) - timedelta(days=FULL_TERM_DAYS),
               as_of - timedelta(weeks=config.assume_ended_after_weeks))
    village = func.coalesce(T.c.village, "")
    counted = conn.execute(
        select(village, func.count(), func.sum(case((met_condition(standard), 1), else_=0)),
               func.sum(case((T.c.hiv_tested.is_(True), 1), else_=0)))
        .select_from(P.join(T, T.c.pregnancy_uuid == P.c.uuid))
        .where(P.c.uuid.in_(candidates), T.c.hpht.between(low, high)).group_by(village)
    ).all() if low <= high else []
    missing = [u for (u,) in conn.execute(
        select(P.c.uuid).select_from(P.outerjoin(T, T.c.pregnancy_uuid == P.c.uuid))
        .where(P.c.uuid.in_(candidates), T.c.pregnancy_uuid.is_(None)))]
    return ([(v or None, int(n), int(met), int(hiv)) for v, n, met, hiv in counted],
            pregnancy_counts(conn, missing, standard) if missing else [])


_ONE = {}  # dialect -> the visits statement of one pregnancy, built once (the projection's hot path)
_DUE = select(D.c.pregnancy_uuid)
_FORGET = T.delete().where(T.c.pregnancy_uuid.in_(bindparam("b_uuids", expanding=True)))
_DONE = D.delete().where(D.c.pregnancy_uuid.in_(bindparam("b_uuids", expanding=True)))
_CHUNK = 5000


def refresh_tallies(conn: Connection, uuid: str | None = None) -> None:
    """Fold again the pregnancies queued in ``pregnancy_tallies_due`` (by the triggers of
    migration 0401, which also queues every pregnancy already there; the visit the ANC
    projection just inserted queued its own) and ``uuid``: after the projection of an ANC
    visit, and after every ``chips.db.migrate.upgrade``."""
    due = {u for (u,) in conn.execute(_DUE)}
    if uuid:
        due.add(uuid)
    if not due:
        return
    if len(due) == 1:  # the usual case: the pregnancy of the visit, by index
        name = conn.dialect.name
        if name not in _ONE:
            _ONE[name] = visits_statement(conn, [bindparam("b_uuid")])
        (one,) = due
        facts = list(_folded(conn.execute(_ONE[name], {"b_uuid": one})))
    else:  # after deletions, a reproject, or the upgrade that added the table
        ordered = sorted(due)
        facts = [f for i in range(0, len(ordered), _CHUNK) for f in pregnancy_facts(conn, ordered[i:i + _CHUNK])]
    # one statement each (an executemany per uuid was a pipeline on PostgreSQL), and the
    # rows through chips.db.rows, compiled once (SQLAlchemy compiled this INSERT afresh
    # for a batch of the OpenRosa writer: bench/ingest.py --profile-gil)
    ordered = sorted(due)
    for i in range(0, len(ordered), _CHUNK):
        conn.execute(_FORGET, {"b_uuids": ordered[i:i + _CHUNK]})
    if facts:
        insert_rows(conn, T, [f.row() for f in facts])
    for i in range(0, len(ordered), _CHUNK):
        conn.execute(_DONE, {"b_uuids": ordered[i:i + _CHUNK]})


def rebuild_tallies(conn: Connection) -> int:
    """Empty ``pregnancy_tallies`` and fold every pregnancy again (benchmarks)."""
    conn.execute(T.delete())
    conn.execute(D.delete())
    uuids = [u for (u,) in conn.execute(select(P.c.uuid).order_by(P.c.uuid))]
    n = 0
    for i in range(0, len(uuids), 5000):
        rows = [f.row() for f in pregnancy_facts(conn, uuids[i:i + 5000])]
        if rows:
            conn.execute(T.insert(), rows)
        n += len(rows)
    return n
