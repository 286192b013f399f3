"""Pregnancies and ANC visits from the store, judged by :mod:`chips.rules.anc*`.

Bounded row sets: the ANC page loads the *ongoing* pregnancies of the reader's villages
(expected delivery not more than two weeks past, the rules' 42-week limit) and the SPM
report those expected to end in one year; their visits are read by pregnancy id in
chunks. History never enters a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable, Sequence

from sqlalchemy import Connection, and_, or_, select

from chips.db.schema import anc_visits, pregnancies
from chips.queries.anc_counts import ITEMS_BY_MASK, ten_t_mask
from chips.queries.scope import ALL, Scope
from chips.rules.anc import AncConfig, AncVisit, Pregnancy, build_pregnancies, pregnancy_end
from chips.rules.anc_form import LAB_DONE, hiv_tested, ten_t_items
from chips.rules.anc_schedule import NextVisit, next_visit
from chips.rules.anc_standards import AncEvaluation, AncStandard, evaluate
from chips.rules.risk import RiskMarker, RiskThresholds, risk_markers

P = pregnancies
A = anc_visits
CHUNK = 500


# the anc_visits columns the rules read (only these are loaded)
VISIT_COLUMNS = (
    "id", "pregnancy_uuid", "household_uuid", "logical_id", "village_code", "visit_date", "hpht", "ga_days",
    "ga_weeks", "examined_by", "usg_done", "weight_kg", "systolic", "diastolic", "lila_cm", "fundal_height_cm",
    "fetal_presentation", "tt_status", "iron_tablets", "hb_tested", "hb_g_dl", "urine_protein", "hiv", "syphilis",
    "hepatitis_b", "case_management", "counselling", "mother_age",
)
# t10 field of the ANC form -> anc_visits column (the projection renamed the blood pressure)
T10_FIELDS = {
    "weight_kg": "weight_kg", "bp_systolic": "systolic", "bp_diastolic": "diastolic", "lila_cm": "lila_cm",
    "fundal_height_cm": "fundal_height_cm", "fetal_presentation": "fetal_presentation", "tt_status": "tt_status",
    "iron_tablets": "iron_tablets", "urine_protein": "urine_protein", "hiv": "hiv", "syphilis": "syphilis",
    "hepatitis_b": "hepatitis_b", "case_management": "case_management", "counselling": "counselling",
}


def _fields(m: dict) -> dict[str, str]:
    """The ANC form's t10 answers as strings, rebuilt from the projected columns."""
    fields = {name: "" if m[col] is None else str(m[col]) for name, col in T10_FIELDS.items()}
    fields["hb_tested"] = "yes" if m["hb_tested"] else ""
    return fields


def to_rule_visit(row, pregnancy_row=None) -> AncVisit:
    m = dict(zip(row._fields, row)) if hasattr(row, "_fields") else dict(row)  # one conversion: Row lookups are slow
    fields = _fields(m)
    weeks = None
    if m["hpht"] is None and m["ga_days"] is not None:
        weeks = m["ga_days"] / 7
    elif m["hpht"] is None and m["ga_weeks"] is not None:
        weeks = float(m["ga_weeks"])
    return AncVisit(
        visit_id=str(m["id"]),
        mother_key=m["pregnancy_uuid"] or m["household_uuid"] or m["logical_id"],
        visit_date=m["visit_date"],
        hpht=m["hpht"],
        gestational_weeks=weeks,
        examiner=m["examined_by"],
        usg=bool(m["usg_done"]),
        items_10t=ten_t_items(fields),
        lila=m["lila_cm"],
        hb=m["hb_g_dl"],
        sbp=m["systolic"],
        dbp=m["diastolic"],
        hiv_tested=hiv_tested(fields),
        iron_tablets=m["iron_tablets"],
        mother_age=m["mother_age"],
        mother_birth_date=pregnancy_row.mother_dob if pregnancy_row is not None else None,
        parity=pregnancy_row.parity if pregnancy_row is not None else None,
        village=m["village_code"] or (pregnancy_row.village_code if pregnancy_row is not None else None),
        household_id=m["household_uuid"],
        pregnancy_id=m["pregnancy_uuid"],
    )


@dataclass(frozen=True)
class PregnancyView:
    row: object  # the pregnancies row (mother, household, village …)
    pregnancy: Pregnancy
    evaluation: AncEvaluation
    next: NextVisit
    risks: tuple[RiskMarker, ...]

    @property
    def high_risk(self) -> bool:
        return bool(self.risks)


def fast_visits_statement(conn: Connection):
    """The columns :func:`fast_rule_visit` reads: VISIT_COLUMNS, then the 10T items and the
    HIV test worked out by the database (chips.queries.anc_counts, tested equal)."""
    return select(*(A.c[c] for c in VISIT_COLUMNS), ten_t_mask(conn), A.c.hiv.in_(sorted(LAB_DONE)))


_AT = {name: i for i, name in enumerate(VISIT_COLUMNS)}


def fast_rule_visit(t: tuple, pregnancy_row=None) -> AncVisit:
    """:func:`to_rule_visit` for a row of :func:`fast_visits_statement`: the same AncVisit
    without rebuilding the form's answers in Python (the page's hot loop)."""
    at = _AT
    hpht, ga_days, ga_weeks = t[at["hpht"]], t[at["ga_days"]], t[at["ga_weeks"]]
    weeks = None
    if hpht is None and ga_days is not None:
        weeks = ga_days / 7
    elif hpht is None and ga_weeks is not None:
        weeks = float(ga_weeks)
    pregnancy_uuid, household_uuid = t[at["pregnancy_uuid"]], t[at["household_uuid"]]
    return AncVisit(
        visit_id=str(t[at["id"]]),
        mother_key=pregnancy_uuid or household_uuid or t[at["logical_id"]],
        visit_date=t[at["visit_date"]],
        hpht=hpht,
        gestational_weeks=weeks,
        examiner=t[at["examined_by"]],
        usg=bool(t[at["usg_done"]]),
        items_10t=ITEMS_BY_MASK[int(t[-2])],
        lila=t[at["lila_cm"]],
        hb=t[at["hb_g_dl"]],
        sbp=t[at["systolic"]],
        dbp=t[at["diastolic"]],
        hiv_tested=bool(t[-1]),
        iron_tablets=t[at["iron_tablets"]],
        mother_age=t[at["mother_age"]],
        mother_birth_date=pregnancy_row.mother_dob if pregnancy_row is not None else None,
        parity=pregnancy_row.parity if pregnancy_row is not None else None,
        village=t[at["village_code"]] or (pregnancy_row.village_code if pregnancy_row is not None else None),
        household_id=household_uuid,
        pregnancy_id=pregnancy_uuid,
    )


def _load(conn: Connection, rows: Sequence, config: AncConfig) -> dict[str, Pregnancy]:
    """Build the rules' pregnancies for these pregnancy rows (visits read in chunks)."""
    by_uuid = {r.uuid: r for r in rows}
    visits: list[AncVisit] = []
    uuids = sorted(by_uuid)
    base = fast_visits_statement(conn)
    for i in range(0, len(uuids), CHUNK):
        part = uuids[i:i + CHUNK]
        stmt = base.where(A.c.pregnancy_uuid.in_(part)).order_by(A.c.visit_date, A.c.id)
        for t in conn.execute(stmt):
            visits.append(fast_rule_visit(t, by_uuid.get(t[1])))
    return {p.key: p for p in build_pregnancies(visits, config=config)}


def views(conn: Connection, rows: Sequence, today: date, standard: AncStandard, config: AncConfig,
          thresholds: RiskThresholds) -> list[PregnancyView]:
    built = _load(conn, rows, config)
    out = []
    for row in rows:
        p = built.get(row.uuid)
        if p is None:  # a pregnancy entity without any visit row (should not happen)
            continue
        ev = evaluate(p, standard)
        out.append(PregnancyView(row, p, ev, next_visit(p, today, standard, config, ev), risk_markers(p, thresholds)))
    return out


def ongoing_rows(conn: Connection, today: date, config: AncConfig, scope: Scope = ALL, village: str | None = None):
    """Pregnancy rows that may still be ongoing on ``today`` (the rules decide)."""
    horizon = today - timedelta(weeks=config.assume_ended_after_weeks) + timedelta(days=280)
    undated_since = today - timedelta(weeks=config.assume_ended_after_weeks)
    stmt = select(P).where(
        scope.where(P.c.village_code),
        or_(P.c.edd >= horizon, and_(P.c.edd.is_(None), P.c.first_visit_on >= undated_since)),
    )
    if village:
        stmt = stmt.where(P.c.village_code == village)
    return conn.execute(stmt.order_by(P.c.edd, P.c.id)).all()


def ongoing(conn: Connection, today: date, standard: AncStandard, config: AncConfig, thresholds: RiskThresholds,
            scope: Scope = ALL, village: str | None = None) -> list[PregnancyView]:
    """The ongoing pregnancies judged; cached per data version (see chips.queries.cache)."""
    from chips.queries.cache import cached

    def compute():
        rows = ongoing_rows(conn, today, config, scope, village)
        return [v for v in views(conn, rows, today, standard, config, thresholds) if v.next.ongoing]

    key = ("anc.ongoing", str(conn.engine.url), today, standard.key, repr(config), repr(thresholds),
           None if scope.villages is None else tuple(sorted(scope.villages)), village)
    return cached(conn, key, compute)


def ended_in_year_condition(year: int, scope: Scope = ALL):
    """Pregnancies whose (expected) end may fall in ``year``: a margin either side lets the
    rules re-date from the visits; ``ended_in_year`` makes the final call."""
    low, high = date(year, 1, 1) - timedelta(days=90), date(year, 12, 31) + timedelta(days=90)
    return and_(
        scope.where(P.c.village_code),
        or_(P.c.edd.between(low, high), and_(P.c.edd.is_(None), P.c.first_visit_on.between(low - timedelta(days=300), high))),
    )


def ended_in_year_rows(conn: Connection, year: int, scope: Scope = ALL):
    return conn.execute(select(P).where(ended_in_year_condition(year, scope)).order_by(P.c.id)).all()


def pregnancies_for_year(conn: Connection, year: int, config: AncConfig, scope: Scope = ALL) -> list[Pregnancy]:
    rows = ended_in_year_rows(conn, year, scope)
    built = _load(conn, rows, config)
    return list(built.values())


def pregnancy_view(conn: Connection, uuid: str, today: date, standard: AncStandard, config: AncConfig,
                   thresholds: RiskThresholds, scope: Scope = ALL) -> tuple[PregnancyView, Sequence] | None:
    row = conn.execute(select(P).where(P.c.uuid == uuid, scope.where(P.c.village_code))).first()
    if row is None:
        return None
    found = views(conn, [row], today, standard, config, thresholds)
    if not found:
        return None
    visit_rows = conn.execute(select(A).where(A.c.pregnancy_uuid == uuid).order_by(A.c.visit_date, A.c.id)).all()
    return found[0], visit_rows


def end_info(view: PregnancyView, today: date, config: AncConfig):
    return pregnancy_end(view.pregnancy, today, config)


def trimester_counts(items: Iterable[PregnancyView]) -> dict[int, int]:
    """Visits by trimester over a set of pregnancies."""
    totals = {1: 0, 2: 0, 3: 0}
    for v in items:
        for t, n in v.evaluation.visits_by_trimester.items():
            totals[t] += n
    return totals
