"""Every table of the web app as rows for CSV/XLSX: ``TABLES[name](conn, ctx)`` gives
(header, rows). Rows are read in keyset chunks, so an export of a province stays in
bounded memory; the reader's village scope applies as on the pages."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Callable, Iterable, Iterator, Sequence

from sqlalchemy import Connection, select

from chips.db.schema import anc_visits, followups, home_visits, households, pregnancies
from chips.queries import anc as anc_queries
from chips.queries import requests as request_queries
from chips.queries.scope import ALL, Scope
from chips.rules.anc import AncConfig
from chips.rules.anc_standards import AncStandard, get_standard
from chips.rules.clock import to_wib
from chips.rules.response import ResponseRules
from chips.rules.risk import RiskThresholds

CHUNK = 1000


@dataclass(frozen=True)
class ExportContext:
    now: datetime  # naive UTC
    today: date  # WIB
    scope: Scope = ALL
    response: ResponseRules = ResponseRules()
    anc: AncConfig = AncConfig()
    risk: RiskThresholds = RiskThresholds()
    standard: AncStandard | None = None

    @property
    def anc_standard(self) -> AncStandard:
        return self.standard or get_standard(self.anc.standard)


def _chunks(conn: Connection, stmt, id_col) -> Iterator:
    last = 0
    while True:
        rows = conn.execute(stmt.where(id_col > last).order_by(id_col).limit(CHUNK)).all()
        if not rows:
            return
        yield from rows
        last = getattr(rows[-1], id_col.key)


def _wib(value):
    return None if value is None else to_wib(value).strftime("%Y-%m-%d %H:%M")


H_COLS = ("uuid", "village_code", "village_name", "dusun", "rw", "rt", "address", "head_name", "phone", "latitude",
          "longitude", "accuracy", "poverty_status", "member_count", "elderly_count", "lone_elderly_count",
          "pregnant_count", "under_five_count", "sticker_serial", "kenthongan_status", "registered_on")


def households_table(conn: Connection, ctx: ExportContext):
    cols = [households.c.id, *(households.c[c] for c in H_COLS)]
    stmt = select(*cols).where(ctx.scope.where(households.c.village_code))
    return H_COLS, (tuple(r[1:]) for r in _chunks(conn, stmt, households.c.id))


REQ_HEADER = ("request_id", "received_at_wib", "village_code", "household_uuid", "patient_name", "channel", "urgency",
              "status", "open", "response_minutes", "compensation_owed", "compensation_given", "matched_by",
              "arrived_at_wib")


def requests_table(conn: Connection, ctx: ExportContext):
    def rows():
        for line in request_queries.iter_request_lines(conn, ctx.now, ctx.response, ctx.scope):
            s, r = line.status, line.row
            minutes = None if s.elapsed is None else int(s.elapsed.total_seconds() // 60)
            yield (r.request_id, _wib(r.received_at), r.village_code, r.household_uuid, r.patient_name, r.channel,
                   r.urgency, s.status, s.open, minutes, s.compensation_owed, s.compensation_given, s.matched_by,
                   _wib(s.visit.arrived_at) if s.visit and s.visit.arrived_at else None)
    return REQ_HEADER, rows()


V_COLS = ("request_id", "household_uuid", "patient_name", "received_at", "departed_at", "arrived_at", "visited_on",
          "response_minutes", "response_status", "compensation_owed", "compensation_given", "doctor_name",
          "driver_name", "systolic", "diastolic", "blood_sugar", "diagnosis", "icd10", "referral", "transport_service")


def visits_table(conn: Connection, ctx: ExportContext):
    cols = [home_visits.c.id, *(home_visits.c[c] for c in V_COLS), households.c.village_code]
    stmt = select(*cols).select_from(home_visits.outerjoin(households, households.c.uuid == home_visits.c.household_uuid))
    if ctx.scope.villages is not None:
        stmt = stmt.where(ctx.scope.where(households.c.village_code))
    header = (*V_COLS, "village_code")
    timed = {"received_at", "departed_at", "arrived_at"}

    def rows():
        for r in _chunks(conn, stmt, home_visits.c.id):
            yield tuple(_wib(v) if k in timed else v for k, v in zip(header, r[1:]))
    return tuple(f"{h}_wib" if h in timed else h for h in header), rows()


A_COLS = ("pregnancy_uuid", "household_uuid", "village_code", "visit_date", "ga_weeks", "trimester", "examined_by",
          "weight_kg", "systolic", "diastolic", "lila_cm", "fundal_height_cm", "fetal_presentation", "fetal_heart_rate",
          "tt_status", "iron_tablets", "hb_g_dl", "urine_protein", "hiv", "syphilis", "hepatitis_b", "case_management",
          "counselling", "high_risk", "next_visit_date")


def anc_visits_table(conn: Connection, ctx: ExportContext):
    stmt = select(anc_visits.c.id, *(anc_visits.c[c] for c in A_COLS)).where(ctx.scope.where(anc_visits.c.village_code))
    return A_COLS, (tuple(r[1:]) for r in _chunks(conn, stmt, anc_visits.c.id))


P_HEADER = ("pregnancy_uuid", "mother_name", "household_uuid", "village_code", "hpht", "edd", "visits_t1", "visits_t2",
            "visits_t3", "meets_standard", "anc_standard_applied", "reasons", "visits_missing_10t", "next_visit_due",
            "overdue", "risk_markers")


def pregnancies_table(conn: Connection, ctx: ExportContext):
    standard = ctx.anc_standard

    def rows():
        stmt = select(pregnancies).where(ctx.scope.where(pregnancies.c.village_code))
        batch: list = []

        def flush(batch):
            for v in anc_queries.views(conn, batch, ctx.today, standard, ctx.anc, ctx.risk):
                e = v.evaluation
                yield (v.row.uuid, v.row.mother_name, v.row.household_uuid, v.row.village_code, v.pregnancy.hpht,
                       v.pregnancy.expected_delivery, e.visits_by_trimester[1], e.visits_by_trimester[2],
                       e.visits_by_trimester[3], e.met, standard.name_id, "; ".join(e.reasons),
                       len(e.visits_missing_10t), v.next.due_on, v.next.overdue, " ".join(m.code for m in v.risks))

        for row in _chunks(conn, stmt, pregnancies.c.id):
            batch.append(row)
            if len(batch) >= 500:
                yield from flush(batch)
                batch = []
        if batch:
            yield from flush(batch)
    return P_HEADER, rows()


F_HEADER = ("key", "household_uuid", "village_code", "kind", "found_on", "state", "outcome", "updated_at_wib", "updated_by")


def followups_table(conn: Connection, ctx: ExportContext):
    from chips.db.web_tables import followup_current as C

    stmt = (select(followups.c.id, followups.c.key, followups.c.household_uuid, followups.c.village_code, followups.c.kind,
                   followups.c.found_on, C.c.state, C.c.outcome, C.c.updated_at, C.c.updated_by)
            .select_from(followups.outerjoin(C, C.c.followup_key == followups.c.key))
            .where(ctx.scope.where(followups.c.village_code)))

    def rows():
        for r in _chunks(conn, stmt, followups.c.id):
            yield (r.key, r.household_uuid, r.village_code, r.kind, r.found_on, r.state or "found", r.outcome,
                   _wib(r.updated_at), r.updated_by)
    return F_HEADER, rows()


TABLES: dict[str, Callable[[Connection, ExportContext], tuple[Sequence[str], Iterable[Sequence]]]] = {
    "households": households_table,
    "requests": requests_table,
    "visits": visits_table,
    "pregnancies": pregnancies_table,
    "anc_visits": anc_visits_table,
    "followups": followups_table,
}
