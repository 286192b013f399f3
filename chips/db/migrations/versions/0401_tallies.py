"""tallies: per patient-year and per pregnancy facts for the SPM table (chips/db/tally_tables.py)

Revision ID: 0401_tallies
Revises: 0001_core

``patient_years`` is kept by triggers on ``home_visits`` (SQLite triggers, PostgreSQL
PL/pgSQL trigger functions): an inserted visit is merged into its patient-year row (one
upsert), a deleted one makes the row be recomputed from the visits left (an index look-up
by household). ``pregnancy_tallies`` rows are written by the ANC projection (the fold is
Python, chips/queries/anc_counts.py); triggers drop the row of a pregnancy whose visits or
row change, so that a stale row is never read, and queue it in ``pregnancy_tallies_due``
for the next ANC projection to fold again. Both tables are filled here from the rows
already projected.

The case conditions are the SPM queries' (chips/queries/spm.py ``_case_condition``):
ICD-10 I10–I15 for hypertension, E10–E14 for diabetes, compared on ``upper(icd10)``; a
change of those rules needs a migration that replaces the triggers and refills the table.
"""

from alembic import op
import sqlalchemy as sa

revision = "0401_tallies"
down_revision = "0001_core"
branch_labels = ("tallies",)
depends_on = None

MONTHS = range(1, 13)
YEAR_COLUMNS = ("max_sbp", "max_dbp", "max_sugar")
MONTH_COLUMNS = ([f"sbp_{m:02d}" for m in MONTHS] + [f"dbp_{m:02d}" for m in MONTHS]
                 + [f"sugar_{m:02d}" for m in MONTHS])
MASKS = ("months", "months_bp", "months_sugar", "months_both", "icd_h", "icd_d")
COLUMNS = ("year", "household_key", "who", "visits", "last_id", *MASKS, *YEAR_COLUMNS, *MONTH_COLUMNS)
ICD_H = ", ".join(f"'I{n}'" for n in range(10, 16))
ICD_D = ", ".join(f"'E{n}'" for n in range(10, 15))


def _dialect():
    return op.get_bind().dialect.name


def _part(field: str, v: str) -> str:
    """The year or month of the date ``v`` as an integer."""
    if _dialect() == "sqlite":
        return f"CAST(strftime('{'%Y' if field == 'YEAR' else '%m'}', {v}) AS INTEGER)"
    return f"CAST(EXTRACT({field} FROM {v}) AS INTEGER)"


def _year(v: str) -> str:
    return _part("YEAR", v)


def _month(v: str) -> str:
    return _part("MONTH", v)


def _flags(p: str) -> dict[str, str]:
    """What one visit (column prefix ``p``: 'NEW.', 'OLD.' or '') adds to each month mask."""
    return {
        "months": "TRUE",
        "months_bp": f"{p}systolic IS NOT NULL AND {p}diastolic IS NOT NULL",
        "months_sugar": f"{p}blood_sugar IS NOT NULL",
        "months_both": f"{p}systolic IS NOT NULL AND {p}diastolic IS NOT NULL AND {p}blood_sugar IS NOT NULL",
        "icd_h": f"substr(upper({p}icd10), 1, 3) IN ({ICD_H})",
        "icd_d": f"substr(upper({p}icd10), 1, 3) IN ({ICD_D})",
    }


def _reading(column: str) -> str:
    """The home_visits column behind sbp_01, max_sbp …"""
    return {"sbp": "systolic", "dbp": "diastolic", "sugar": "blood_sugar"}[column.replace("max_", "").split("_")[0]]


def _aggregates() -> list[str]:
    """The columns after (year, household_key, who) for a group of visits."""
    bit = f"(1 << {_month('visited_on')})"
    out = ["count(*)", "max(id)"]
    out += [f"coalesce(sum(DISTINCT CASE WHEN {cond} THEN {bit} END), 0)" for cond in _flags("").values()]
    out += [f"max({_reading(c)})" for c in YEAR_COLUMNS]
    out += [f"max(CASE WHEN {_month('visited_on')} = {int(c[-2:])} THEN {_reading(c)} END)" for c in MONTH_COLUMNS]
    return out


def _refill(where: str, key: tuple[str, str, str], group: bool) -> str:
    """INSERT the patient-year rows of the visits matching ``where``; ``key`` gives (year,
    household_key, who): expressions of the visit when ``group``, else the trigger's one key."""
    cols = ", ".join(COLUMNS)
    base = f"FROM home_visits WHERE patient_name IS NOT NULL AND visited_on IS NOT NULL AND {where}"
    if group:
        select = ", ".join([*key, *_aggregates()])
        return f"INSERT INTO patient_years ({cols}) SELECT {select} {base} GROUP BY {', '.join(key)}"
    # an aggregate without GROUP BY gives a row even without visits: keep it only when there were some
    named = ", ".join(f"{e} AS {c}" for e, c in zip([*key, *_aggregates()], COLUMNS))
    return f"INSERT INTO patient_years ({cols}) SELECT {cols} FROM (SELECT {named} {base}) AS t WHERE t.visits > 0"


def _visit_values(p: str) -> list[str]:
    """Visit ``p`` ('NEW.') as a patient_years row."""
    bit = f"(1 << {_month(p + 'visited_on')})"
    values = [_year(p + "visited_on"), f"coalesce({p}household_uuid, '')", f"lower(trim({p}patient_name))", "1", f"{p}id"]
    values += [bit if cond == "TRUE" else f"CASE WHEN {cond} THEN {bit} ELSE 0 END" for cond in _flags(p).values()]
    values += [f"{p}{_reading(c)}" for c in YEAR_COLUMNS]
    values += [f"CASE WHEN {_month(p + 'visited_on')} = {int(c[-2:])} THEN {p}{_reading(c)} END" for c in MONTH_COLUMNS]
    return values


def _upsert(p: str) -> str:
    """Merge visit ``p`` into its row: one more visit, the newer id, the months' bits and
    the higher readings (what recomputing the row would give)."""
    cols = ", ".join(COLUMNS)
    values = ", ".join(_visit_values(p))
    if _dialect() == "sqlite":
        sets = ["visits = visits + 1", "last_id = max(last_id, excluded.last_id)"]
        sets += [f"{m} = {m} | excluded.{m}" for m in MASKS]
        sets += [f"{c} = CASE WHEN {c} IS NULL OR excluded.{c} > {c} THEN excluded.{c} ELSE {c} END"
                 for c in (*YEAR_COLUMNS, *MONTH_COLUMNS)]
        target = "patient_years"
    else:  # GREATEST ignores NULLs
        sets = ["visits = t.visits + 1", "last_id = GREATEST(t.last_id, excluded.last_id)"]
        sets += [f"{m} = t.{m} | excluded.{m}" for m in MASKS]
        sets += [f"{c} = GREATEST(t.{c}, excluded.{c})" for c in (*YEAR_COLUMNS, *MONTH_COLUMNS)]
        target = "patient_years AS t"
    return (f"INSERT INTO {target} ({cols}) VALUES ({values}) "
            f"ON CONFLICT (year, household_key, who) DO UPDATE SET {', '.join(sets)}")


def _key(p: str) -> tuple[str, str, str]:
    return _year(p + "visited_on"), f"coalesce({p}household_uuid, '')", f"lower(trim({p}patient_name))"


def _sqlite_redo(p: str, household: str) -> str:
    """Recompute the row of visit ``p`` from the visits of its household (``household``: how
    to find them) with its name in its year."""
    y, hh, who = _key(p)
    # +visited_on: look the household up by its index, not the whole year by the day's
    same = (f"{household} AND lower(trim(patient_name)) = {who} AND +visited_on "
            f"BETWEEN strftime('%Y', {p}visited_on) || '-01-01' AND strftime('%Y', {p}visited_on) || '-12-31'")
    delete = f"DELETE FROM patient_years WHERE year = {y} AND household_key = {hh} AND who = {who}"
    return f"{delete}; {_refill(same, (y, hh, who), group=False)};"


def _sqlite_triggers() -> list[str]:
    counted = lambda p: f"{p}patient_name IS NOT NULL AND {p}visited_on IS NOT NULL"  # noqa: E731
    out = [f"CREATE TRIGGER patient_years_visit_added AFTER INSERT ON home_visits WHEN {counted('NEW.')} "
           f"BEGIN {_upsert('NEW.')}; END"]
    out.append(f"CREATE TRIGGER patient_years_visit_gone AFTER DELETE ON home_visits "
               f"WHEN {counted('OLD.')} AND coalesce(OLD.household_uuid, '') <> '' "
               f"BEGIN {_sqlite_redo('OLD.', 'household_uuid = OLD.household_uuid')} END")
    no_household = "(household_uuid IS NULL OR household_uuid = '')"
    out.append(f"CREATE TRIGGER patient_years_visit_gone_no_household AFTER DELETE ON home_visits "
               f"WHEN {counted('OLD.')} AND coalesce(OLD.household_uuid, '') = '' "
               f"BEGIN {_sqlite_redo('OLD.', no_household)} END")
    # the projection never updates a visit (it deletes and inserts); should anything else,
    # the old and the new row are recomputed, whatever their households (slower, but exact)
    any_household = lambda p: f"coalesce(household_uuid, '') = coalesce({p}household_uuid, '')"  # noqa: E731
    for p in ("OLD.", "NEW."):
        out.append(f"CREATE TRIGGER patient_years_visit_changed_{p[:3].lower()} AFTER UPDATE ON home_visits "
                   f"WHEN {counted(p)} BEGIN {_sqlite_redo(p, any_household(p))} END")
    return out


def _pg_functions() -> list[str]:
    window = "visited_on BETWEEN make_date(p_year, 1, 1) AND make_date(p_year, 12, 31)"
    same = f"lower(trim(patient_name)) = p_who AND {window}"
    key = ("p_year", "p_household", "p_who")
    refresh = f"""
        CREATE FUNCTION patient_years_refresh(p_year integer, p_household text, p_who text) RETURNS void
        LANGUAGE plpgsql AS $body$
        BEGIN
            DELETE FROM patient_years WHERE year = p_year AND household_key = p_household AND who = p_who;
            IF p_household = '' THEN
                {_refill(f"(household_uuid IS NULL OR household_uuid = '') AND {same}", key, group=False)};
            ELSE
                {_refill(f"household_uuid = p_household AND {same}", key, group=False)};
            END IF;
        END
        $body$"""
    added = f"""
        CREATE FUNCTION patient_years_visit_added() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            IF NEW.patient_name IS NOT NULL AND NEW.visited_on IS NOT NULL THEN
                {_upsert('NEW.')};
            END IF;
            RETURN NULL;
        END
        $body$"""
    redo = lambda p: (f"IF {p}patient_name IS NOT NULL AND {p}visited_on IS NOT NULL THEN "  # noqa: E731
                      f"PERFORM patient_years_refresh({_year(p + 'visited_on')}, coalesce({p}household_uuid, ''), "
                      f"lower(trim({p}patient_name))); END IF;")
    gone = f"""
        CREATE FUNCTION patient_years_visit_gone() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            {redo('OLD.')}
            RETURN NULL;
        END
        $body$"""
    changed = f"""
        CREATE FUNCTION patient_years_visit_changed() RETURNS trigger LANGUAGE plpgsql AS $body$
        BEGIN
            {redo('OLD.')}
            {redo('NEW.')}
            RETURN NULL;
        END
        $body$"""
    return [refresh, added, gone, changed,
            "CREATE TRIGGER patient_years_visit_added AFTER INSERT ON home_visits "
            "FOR EACH ROW EXECUTE FUNCTION patient_years_visit_added()",
            "CREATE TRIGGER patient_years_visit_gone AFTER DELETE ON home_visits "
            "FOR EACH ROW EXECUTE FUNCTION patient_years_visit_gone()",
            "CREATE TRIGGER patient_years_visit_changed AFTER UPDATE ON home_visits "
            "FOR EACH ROW EXECUTE FUNCTION patient_years_visit_changed()"]


# A change to a pregnancy or any of its visits drops its tally and puts it in
# pregnancy_tallies_due; the ANC projection folds the due ones again after the visit it
# projects (chips.queries.anc_counts.refresh_tallies), the SPM query folds a pregnancy
# without a tally from its visits.
_FORGET = (("anc_visits", "pregnancy_uuid"), ("pregnancies", "uuid"))


def _forget(row: str, column: str) -> str:
    return (f"DELETE FROM pregnancy_tallies WHERE pregnancy_uuid = {row}.{column}; "
            f"INSERT INTO pregnancy_tallies_due (pregnancy_uuid) SELECT {row}.{column} "
            f"WHERE {row}.{column} IS NOT NULL ON CONFLICT (pregnancy_uuid) DO NOTHING;")


def _forget_triggers() -> list[str]:
    out = []
    if _dialect() == "sqlite":
        for table, column in _FORGET:
            for event, rows in (("INSERT", ("NEW",)), ("DELETE", ("OLD",)), ("UPDATE", ("OLD", "NEW"))):
                body = " ".join(_forget(r, column) for r in rows)
                out.append(f"CREATE TRIGGER pregnancy_tallies_{table}_{event.lower()} AFTER {event} ON {table} "
                           f"FOR EACH ROW BEGIN {body} END")
        return out
    for table, column in _FORGET:
        out.append(f"""
            CREATE FUNCTION pregnancy_tallies_forget_{table}() RETURNS trigger LANGUAGE plpgsql AS $body$
            BEGIN
                IF TG_OP IN ('DELETE', 'UPDATE') THEN
                    {_forget('OLD', column)}
                END IF;
                IF TG_OP IN ('INSERT', 'UPDATE') THEN
                    {_forget('NEW', column)}
                END IF;
                RETURN NULL;
            END
            $body$""")
        out.append(f"CREATE TRIGGER pregnancy_tallies_forget AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   f"FOR EACH ROW EXECUTE FUNCTION pregnancy_tallies_forget_{table}()")
    return out


def _run(statements: list[str]) -> None:
    conn = op.get_bind()
    for sql in statements:
        conn.exec_driver_sql(sql)


def upgrade() -> None:
    readings = [sa.Column(c, sa.Float() if "sugar" in c else sa.Integer()) for c in (*YEAR_COLUMNS, *MONTH_COLUMNS)]
    op.create_table(
        "patient_years",
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("household_key", sa.String(64), nullable=False),
        sa.Column("who", sa.Text(), nullable=False),
        sa.Column("visits", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        *[sa.Column(m, sa.Integer(), nullable=False) for m in MASKS],
        *readings,
        sa.PrimaryKeyConstraint("year", "household_key", "who", name="pk_patient_years"),
        sqlite_with_rowid=False,  # clustered by year, patient: a year is read in one sweep
    )
    op.create_table(
        "pregnancy_tallies",
        sa.Column("pregnancy_uuid", sa.String(64), nullable=False),
        sa.Column("hpht", sa.Date()),
        sa.Column("village", sa.String(40)),
        *[sa.Column(f"{kind}_t{t}", sa.Integer(), nullable=False)
          for kind in ("dated", "full", "doctor") for t in (1, 2, 3)],
        sa.Column("all_10t_given", sa.Boolean(), nullable=False),
        sa.Column("hiv_tested", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("pregnancy_uuid", name=op.f("pk_pregnancy_tallies")),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "pregnancy_tallies_due",
        sa.Column("pregnancy_uuid", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("pregnancy_uuid", name=op.f("pk_pregnancy_tallies_due")),
    )
    _run(_sqlite_triggers() if _dialect() == "sqlite" else _pg_functions())
    _run(_forget_triggers())
    # what is already projected
    key = (_year("visited_on"), "coalesce(household_uuid, '')", "lower(trim(patient_name))")
    _run([_refill("TRUE", key, group=True)])
    # every pregnancy already projected is queued; chips.db.migrate.upgrade folds the queue
    # with the application's code right after the migrations (a migration never imports it:
    # that code moves on, this file must not)
    _run(["INSERT INTO pregnancy_tallies_due (pregnancy_uuid) SELECT uuid FROM pregnancies"])
    _run(["ANALYZE patient_years", "ANALYZE pregnancy_tallies"])  # the planners' statistics, as for the rest


def downgrade() -> None:
    if _dialect() == "sqlite":
        names = [r[0] for r in op.get_bind().exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'trigger' "
            "AND (name LIKE 'patient_years_%' OR name LIKE 'pregnancy_tallies_%')")]
        _run([f"DROP TRIGGER {n}" for n in names])
    else:
        _run(["DROP TRIGGER patient_years_visit_added ON home_visits",
              "DROP TRIGGER patient_years_visit_gone ON home_visits",
              "DROP TRIGGER patient_years_visit_changed ON home_visits",
              "DROP TRIGGER pregnancy_tallies_forget ON anc_visits",
              "DROP TRIGGER pregnancy_tallies_forget ON pregnancies",
              "DROP FUNCTION patient_years_visit_added()", "DROP FUNCTION patient_years_visit_gone()",
              "DROP FUNCTION patient_years_visit_changed()",
              "DROP FUNCTION patient_years_refresh(integer, text, text)",
              "DROP FUNCTION pregnancy_tallies_forget_anc_visits()",
              "DROP FUNCTION pregnancy_tallies_forget_pregnancies()"])
    op.drop_table("pregnancy_tallies_due")
    op.drop_table("pregnancy_tallies")
    op.drop_table("patient_years")
