"""Facts kept per patient-year and per pregnancy for the SPM table (migration ``0401_tallies``).

Like DHIS2's analytics tables, but kept up to date as the data come in instead of rebuilt
at night: the SPM table reads one narrow row per patient and year, or per pregnancy,
instead of every home visit or ANC visit behind it (bench/indicators.py, 1,000,000
submissions: 2.3–3.2 s → 0.5 s). Both hold only what follows from the projected rows, so
``chips db reproject`` (which empties the domain tables and projects every submission
again) rebuilds them to the same rows; nothing here depends on settings, so a changed
threshold or ANC standard needs no rebuild.

``patient_years`` — one row per home-visit patient (household, name as the SPM queries
match it: ``lower(trim(patient_name))``) and calendar year of ``visited_on``, kept by
database triggers on ``home_visits`` (an insert merges the visit into its row, a delete
recomputes the row from the visits left), so every path that writes ``home_visits`` —
projection, unprojection of an edited or deleted submission, reproject, a bulk load —
keeps it exact. Months are bits ``1 << month`` (bit 1 January … bit 12 December).

``pregnancy_tallies`` — one row per pregnancy with the fold of its ANC visits that the SPM
needs under any standard (``chips.queries.anc_counts.PregnancyFacts``), written by the
ANC projection after each visit. A trigger drops the row when a visit or the pregnancy
changes or goes and queues the pregnancy in ``pregnancy_tallies_due``; the next ANC
projection folds the queued ones again (an edit's own projection, right away), and until
then the SPM query folds a pregnancy without a row from its visits.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Integer, PrimaryKeyConstraint, String, Table, Text

from chips.db.schema import metadata

MONTHS = range(1, 13)

patient_years = Table(
    "patient_years",
    metadata,
    Column("year", Integer, nullable=False),
    Column("household_key", String(64), nullable=False),  # home_visits.household_uuid, '' for none
    Column("who", Text, nullable=False),  # lower(trim(patient_name)); visits without a name are left out
    Column("visits", Integer, nullable=False),
    Column("last_id", Integer, nullable=False),  # the newest home_visits.id of the year
    Column("months", Integer, nullable=False),  # a visit in the month
    Column("months_bp", Integer, nullable=False),  # systolic and diastolic measured at one visit
    Column("months_sugar", Integer, nullable=False),  # blood sugar measured
    Column("months_both", Integer, nullable=False),  # both at one visit
    Column("icd_h", Integer, nullable=False),  # an ICD-10 code I10–I15 (upper(icd10) LIKE 'I1[0-5]%')
    Column("icd_d", Integer, nullable=False),  # an ICD-10 code E10–E14
    # the highest readings of the year, and of each month: a case threshold (settings
    # [spm]) is applied when read
    Column("max_sbp", Integer),
    Column("max_dbp", Integer),
    Column("max_sugar", Float),
    *[Column(f"sbp_{m:02d}", Integer) for m in MONTHS],
    *[Column(f"dbp_{m:02d}", Integer) for m in MONTHS],
    *[Column(f"sugar_{m:02d}", Float) for m in MONTHS],
    PrimaryKeyConstraint("year", "household_key", "who", name="pk_patient_years"),
    # SQLite keeps the rows in key order, so a year's rows are read together whatever order
    # the visits came in (with a rowid, a year read by the key index was random reads)
    sqlite_with_rowid=False,
)

pregnancy_tallies = Table(
    "pregnancy_tallies",
    metadata,
    Column("pregnancy_uuid", String(64), primary_key=True),
    Column("hpht", Date),  # the reference HPHT (first recorded, else implied by recorded weeks)
    Column("village", String(40)),  # of the last visit with one, else the pregnancy's
    # dated visits per trimester, and of them those with every 10T item due at their age
    Column("dated_t1", Integer, nullable=False),
    Column("dated_t2", Integer, nullable=False),
    Column("dated_t3", Integer, nullable=False),
    Column("full_t1", Integer, nullable=False),
    Column("full_t2", Integer, nullable=False),
    Column("full_t3", Integer, nullable=False),
    Column("doctor_t1", Integer, nullable=False),
    Column("doctor_t2", Integer, nullable=False),
    Column("doctor_t3", Integer, nullable=False),
    Column("all_10t_given", Boolean, nullable=False),
    Column("hiv_tested", Boolean, nullable=False),
    sqlite_with_rowid=False,  # read by its key only
)

# pregnancies whose tally a change dropped (triggers of migration 0401), for the next ANC
# projection to fold again
pregnancy_tallies_due = Table(
    "pregnancy_tallies_due",
    metadata,
    Column("pregnancy_uuid", String(64), primary_key=True),
)

TALLY_TABLES = (patient_years, pregnancy_tallies, pregnancy_tallies_due)
