"""ANC-to-standard and HIV-test per pregnancy, counted in SQL: the twin of building the
rules' pregnancies (:func:`chips.rules.anc.build_pregnancies`) and judging each one
(:func:`chips.rules.anc_standards.evaluate`, :func:`chips.rules.anc.ended_in_year`) for the
SPM table, without turning every visit into Python objects.

The database does the per-visit work (gestational days, which 10T items were given as a
bit mask, a doctor, an HIV test) and returns narrow tuples in the rules' visit order;
Python folds them per pregnancy with integer arithmetic only (no dataclass per visit)
and makes the same decisions as the rules. ``tests/queries/test_anc_counts.py``
checks it gives the rules' answers on generated data under every preset.

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

from sqlalchemy import Connection, Integer, String, and_, case, cast, func, literal, or_, select

from chips.db.schema import anc_visits, pregnancies
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
    """One pregnancy as the SPM indicators need it."""

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


def _fold(uuid: str, visits: list, standard: AncStandard) -> PregnancyCounts:
    """One pregnancy from its visit rows, as build_pregnancies + evaluate would judge it."""
    ref = next((day - own for day, own, rank, *_ in visits if rank == 0), None)
    if ref is None:
        ref = next((day - own for day, own, rank, *_ in visits if rank == 1), None)
    village = next((v[3] for v in reversed(visits) if v[3]), None)
    counted, doctor, given, hiv = [0, 0, 0], [0, 0, 0], 0, False
    each_visit = standard.ten_t_scope == EACH_VISIT
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
        due = EARLY if days < LATE_FROM else FULL
        if each_visit and mask & due != due:
            continue
        counted[t] += 1
    hpht = None if ref is None else EPOCH + timedelta(days=int(ref))
    return PregnancyCounts(uuid, village, hpht, tuple(counted), tuple(doctor), given == FULL, hiv)


def pregnancy_counts(conn: Connection, candidates, standard: AncStandard) -> list[PregnancyCounts]:
    out, current, visits = [], None, []
    for uuid, day, own, rank, village, by_doctor, tested, mask in conn.execute(visits_statement(conn, candidates)):
        if uuid != current:
            if visits:
                out.append(_fold(current, visits, standard))
            current, visits = uuid, []
        visits.append((int(day), None if own is None else int(own), rank, village, by_doctor, tested, mask))
    if visits:
        out.append(_fold(current, visits, standard))
    return out
