"""The tables of chips, on one shared ``MetaData``.

Other packages declare their own tables on this same ``metadata`` in their own module
(``maps/tables.py``, ``sync/tables.py``, ``chips/db/web_tables.py``) with their own
migration branching from ``0001_core``.

Conventions (both SQLite and PostgreSQL run the same code):
- every ``DateTime`` is **naive UTC** (SQLite has no time zones; converting once on the
  way in keeps the two databases identical); a plain field date is a ``Date``;
- the domain tables are a *projection* of ``submissions``: each row names the current
  submission it came from (``submission_id``) and its edit chain (``logical_id``), and
  nothing in them is written except by ``chips.projection`` — ``chips db reproject``
  drops and rebuilds them from the raw submissions, so anything a person enters by hand
  (follow-up outcomes, review notes) belongs in another table keyed by a stable key
  (``followups.key``, ``logical_id``), never in these.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

# Named constraints so that Alembic can alter them the same way on both databases.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

ID = 255  # instanceIDs, form ids, names: ODK never sends longer ones

# --- raw store -------------------------------------------------------------------------

submissions = Table(
    "submissions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("instance_id", String(ID), nullable=False, unique=True),
    # The first instanceID of an edit chain, like ODK Central's __id: it stays the same
    # across edits, so the projection and follow-up notes key on it.
    Column("logical_id", String(ID), nullable=False, index=True),
    Column("deprecated_id", String(ID)),
    Column("form_id", String(ID), nullable=False),
    Column("form_version", String(ID), nullable=False, default=""),
    # "openrosa" for our own endpoint, "central:<name>" / "kobo:<name>" for pulls …
    Column("source", String(100), nullable=False),
    # the id the remote server gives it (Central __id, Kobo _id), for pulls
    Column("source_ref", String(ID)),
    Column("submitter", String(ID)),
    Column("device_id", String(ID)),
    Column("received_at", DateTime, nullable=False),
    Column("submitted_at", DateTime),
    Column("raw", LargeBinary, nullable=False),
    Column("raw_format", String(20), nullable=False),  # xml | central-json | kobo-json
    Column("raw_sha256", String(64), nullable=False),
    Column("review_state", String(40)),
    # current | superseded (an edit replaced it) | deleted (removed at the source)
    Column("state", String(20), nullable=False, default="current"),
    Column("deleted_at", DateTime),
    # projected | unknown_form (form/version not known yet) | failed (see status_detail)
    Column("status", String(20), nullable=False, default="projected"),
    Column("status_detail", Text),
    Index("ix_submissions_form", "form_id", "form_version"),
    Index("ix_submissions_state_status", "state", "status"),
    Index("ix_submissions_source_ref", "source", "source_ref"),
    Index("ix_submissions_deprecated_id", "deprecated_id"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", ForeignKey("submissions.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(ID), nullable=False),
    Column("media_type", String(ID)),
    Column("size", Integer),
    Column("sha256", String(64)),
    # relative to settings.attachments_dir; content-addressed ("ab/abcdef…"), so the same
    # photo sent twice is one file
    Column("path", String(512)),
    # False: the submission names it but it has not arrived (yet)
    Column("present", Boolean, nullable=False, default=False),
    UniqueConstraint("submission_id", "name", name="uq_attachments_submission_name"),
)

# Every XForm version the server has published, byte for byte: the formList hash covers
# these bytes, and a submission of an older version stays projectable after the form moves on.
xforms = Table(
    "xforms",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("form_id", String(ID), nullable=False),
    Column("version", String(ID), nullable=False),
    Column("title", Text, nullable=False),
    Column("xml", LargeBinary, nullable=False),
    Column("md5", String(32), nullable=False),
    Column("published_at", DateTime, nullable=False),
    UniqueConstraint("form_id", "version", name="uq_xforms_form_version"),
)

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(ID), nullable=False, unique=True),
    Column("role", String(20), nullable=False),  # admin | planner | bidan | team
    Column("villages", JSON, nullable=False, default=list),  # village codes, for bidan
    Column("password_hash", Text),  # argon2, for the web login
    # MD5(name:realm:password): what Digest auth needs instead of the password
    Column("digest_ha1", String(32)),
    Column("token_hash", String(64), unique=True),  # sha256 of the app-user token
    Column("active", Boolean, nullable=False, default=True),
    Column("created_at", DateTime, nullable=False),
)

# --- entity lists (ODK Entities) ---------------------------------------------------------

# What each current submission did to an entity. The entity itself is the fold of its
# events in order, so an edit or a deletion recomputes it and a reprojection gives the
# same rows.
entity_events = Table(
    "entity_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("submission_id", ForeignKey("submissions.id"), nullable=False),
    Column("logical_id", String(ID), nullable=False, index=True),
    Column("seq", Integer, nullable=False),  # id of the first submission of the chain
    Column("dataset", String(ID), nullable=False),
    Column("uuid", String(64), nullable=False),
    Column("action", String(10), nullable=False),  # create | update
    Column("base_version", Integer),
    Column("label", Text),
    Column("properties", JSON, nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_entity_events_entity", "dataset", "uuid"),
)

entities = Table(
    "entities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("dataset", String(ID), nullable=False),
    Column("uuid", String(64), nullable=False),
    Column("label", Text, nullable=False, default=""),
    Column("version", Integer, nullable=False),
    Column("properties", JSON, nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    # an update was made from an older version than the current one (as Central flags it)
    Column("conflict", Boolean, nullable=False, default=False),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime),
    Column("creator_submission_id", ForeignKey("submissions.id")),
    Column("last_submission_id", ForeignKey("submissions.id")),
    UniqueConstraint("dataset", "uuid", name="uq_entities_dataset_uuid"),
    Index("ix_entities_dataset_deleted", "dataset", "deleted"),
)

# --- domain projection -------------------------------------------------------------------


def _origin() -> list[Column]:
    """The columns that tie a projected row to the raw submission it came from."""
    return [
        Column("submission_id", ForeignKey("submissions.id"), nullable=False),
        Column("logical_id", String(ID), nullable=False),
    ]


households = Table(
    "households",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(64), nullable=False, unique=True),  # the entity id in `households`
    Column("village_code", String(40), index=True),  # Kemendagri code, e.g. 35.10.20.2001
    Column("village_name", Text),
    Column("dusun", Text),
    Column("rt", String(10)),
    Column("rw", String(10)),
    Column("address", Text),
    Column("head_name", Text),
    Column("phone", String(40)),
    # plain WGS84 degrees; maps/ builds geometries with GeoPandas
    Column("latitude", Float),
    Column("longitude", Float),
    Column("altitude", Float),
    Column("accuracy", Float),
    Column("poverty_status", String(40)),  # dtks | poor_unregistered | near_poor | not_poor
    Column("member_count", Integer),
    Column("elderly_count", Integer),
    Column("lone_elderly_count", Integer),
    Column("pregnant_count", Integer),
    Column("under_five_count", Integer),
    Column("sticker_serial", String(60)),
    Column("kenthongan_status", String(20)),  # yes | no | not_needed
    Column("registered_on", Date, index=True),
    *_origin(),
    Index("ix_households_logical_id", "logical_id"),
    Index("ix_households_village_rw_rt", "village_code", "rw", "rt"),
)

members = Table(
    "members",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_uuid", String(64), nullable=False, index=True),
    Column("position", Integer, nullable=False),  # 1-based order in the repeat
    Column("name", Text),
    Column("sex", String(10)),
    Column("birth_date", Date),
    Column("age_years", Integer),  # on the registration day, as the form computed it
    Column("relation", String(40)),
    Column("pregnant", Boolean),
    Column("lives_alone", Boolean),
    Column("disability", Text),  # space-separated choices
    Column("jkn", String(20)),
    Column("is_elderly", Boolean),
    Column("is_lone_elderly", Boolean),
    Column("is_under_five", Boolean),
    *_origin(),
    Index("ix_members_logical_id", "logical_id"),
)

installations = Table(
    "installations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_uuid", String(64), nullable=False, index=True),
    Column("kind", String(20), nullable=False),  # sticker | kenthongan
    Column("serial", String(60)),
    Column("phone_on_sticker", String(40)),
    Column("installed_on", Date, index=True),
    Column("photo", String(ID)),  # attachment file name
    *_origin(),
    Index("ix_installations_logical_id", "logical_id"),
)

house_surveys = Table(
    "house_surveys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("household_uuid", String(64), index=True),
    Column("village_code", String(40), index=True),
    Column("surveyed_on", Date, index=True),
    Column("floor", String(40)),
    Column("wall", String(40)),
    Column("roof", String(40)),
    Column("ventilation", String(40)),
    Column("lighting", String(40)),
    Column("windows", String(40)),
    Column("latrine", String(40)),  # own | shared | none
    Column("water_source", String(40)),
    Column("waste", String(40)),
    Column("nutrition_concern", Boolean),
    Column("nutrition_kind", Text),  # space-separated choices
    Column("bad_count", Integer),
    Column("unhealthy", Boolean),
    Column("followup_needed", Boolean),
    Column("followup_reasons", Text),  # space-separated: unhealthy_house no_latrine nutrition
    Column("photo", String(ID)),
    Column("notes", Text),
    *_origin(),
    Index("ix_house_surveys_logical_id", "logical_id"),
)

# One row per finding of a house-condition survey that goes to the head of the puskesmas.
# `key` ("<logical_id>:<kind>") stays the same across edits and reprojections, so the
# outcome of a follow-up is recorded elsewhere against it.
followups = Table(
    "followups",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("key", String(300), nullable=False, unique=True),
    Column("household_uuid", String(64), index=True),
    Column("village_code", String(40), index=True),
    Column("kind", String(30), nullable=False),  # unhealthy_house | no_latrine | nutrition
    Column("found_on", Date, index=True),
    *_origin(),
    Index("ix_followups_logical_id", "logical_id"),
)

visit_requests = Table(
    "visit_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(64), unique=True),  # the entity id in `visit_requests`
    Column("request_id", String(64), nullable=False, index=True),  # CH-YYMMDD-XXXXXX
    Column("household_uuid", String(64), index=True),  # null: not registered yet
    Column("village_code", String(40), index=True),
    Column("dusun", Text),
    Column("rt", String(10)),
    Column("rw", String(10)),
    Column("address", Text),
    Column("received_at", DateTime, nullable=False, index=True),  # naive UTC
    Column("received_on", Date, index=True),  # the local calendar day of the report
    Column("reporter_type", String(40)),
    Column("channel", String(40)),
    Column("sticker_serial", String(60)),
    Column("patient_name", Text),
    Column("patient_sex", String(10)),
    Column("patient_age", Integer),
    Column("patient_group", Text),  # space-separated choices
    Column("complaint_kind", Text),  # space-separated choices
    Column("complaint_text", Text),
    Column("urgency", String(20)),  # emergency | urgent | routine
    *_origin(),
    Index("ix_visit_requests_logical_id", "logical_id"),
)

home_visits = Table(
    "home_visits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("request_uuid", String(64), index=True),  # visit_requests entity id (when listed)
    Column("request_id", String(64), index=True),
    Column("household_uuid", String(64), index=True),
    Column("patient_name", Text),
    Column("received_at", DateTime),  # naive UTC, from the request or entered
    Column("departed_at", DateTime),
    Column("arrived_at", DateTime, index=True),
    Column("visited_on", Date, index=True),  # the local calendar day of arrival
    # as the form computed them on the phone (the rules package recomputes from the times)
    Column("response_minutes", Integer),
    Column("response_status", String(20)),  # on_time | late | breach
    Column("compensation_owed", Boolean),
    Column("doctor_name", Text),
    Column("driver_name", Text),
    Column("systolic", Integer),
    Column("diastolic", Integer),
    Column("temperature", Float),
    Column("pulse", Integer),
    Column("respiration", Integer),
    Column("blood_sugar", Float),
    Column("blood_sugar_kind", String(20)),
    Column("hypertension", Boolean),
    Column("diagnosis", Text),
    Column("icd10", String(20)),
    Column("treatment", Text),
    Column("medicines", Text),  # space-separated choices
    Column("medicines_other", Text),
    Column("referral", String(20)),  # none | puskesmas | hospital
    Column("ambulance_called", Boolean),
    Column("transport_service", String(20)),  # none | pickup | dropoff | both
    Column("compensation_given", Boolean),
    Column("photo", String(ID)),
    *_origin(),
    Index("ix_home_visits_logical_id", "logical_id"),
)

# A pregnancy is created by the first ANC visit (entity list `pregnancies`).
pregnancies = Table(
    "pregnancies",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("uuid", String(64), nullable=False, unique=True),  # entity id in `pregnancies`
    Column("household_uuid", String(64), index=True),
    Column("village_code", String(40), index=True),
    Column("mother_name", Text),
    Column("mother_dob", Date),
    Column("gravida", Integer),
    Column("parity", Integer),
    Column("hpht", Date),  # first day of the last menstrual period (LMP)
    Column("hpht_source", String(20)),  # lmp | gestational_age
    Column("edd", Date, index=True),  # expected delivery date
    Column("first_visit_on", Date, index=True),
    *_origin(),
    Index("ix_pregnancies_logical_id", "logical_id"),
)

anc_visits = Table(
    "anc_visits",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("pregnancy_uuid", String(64), index=True),
    Column("household_uuid", String(64), index=True),
    Column("village_code", String(40), index=True),
    Column("visit_date", Date, nullable=False, index=True),
    Column("first_visit", Boolean),
    Column("mother_age", Integer),
    Column("hpht", Date),
    Column("ga_days", Integer),
    Column("ga_weeks", Integer),
    Column("trimester", Integer),
    Column("examined_by", String(20)),  # bidan | doctor
    Column("usg_done", Boolean),
    Column("weight_kg", Float),
    Column("height_cm", Float),
    Column("systolic", Integer),
    Column("diastolic", Integer),
    Column("lila_cm", Float),
    Column("fundal_height_cm", Float),
    Column("fetal_presentation", String(30)),
    Column("fetal_heart_rate", Integer),
    Column("tt_status", String(10)),
    Column("tt_given", Boolean),
    Column("iron_tablets", Integer),
    Column("hb_tested", Boolean),
    Column("hb_g_dl", Float),
    Column("urine_protein", String(20)),
    Column("hiv", String(20)),
    Column("syphilis", String(20)),
    Column("hepatitis_b", String(20)),
    Column("case_management", String(20)),
    Column("counselling", Text),  # space-separated topics
    Column("risk_kek", Boolean),
    Column("risk_anaemia", Boolean),
    Column("risk_hypertension", Boolean),
    Column("risk_age", Boolean),
    Column("risk_parity", Boolean),
    Column("risk_count", Integer),
    Column("high_risk", Boolean),
    Column("referral", String(20)),
    Column("next_visit_date", Date),
    *_origin(),
    Index("ix_anc_visits_logical_id", "logical_id"),
    Index("ix_anc_visits_pregnancy_date", "pregnancy_uuid", "visit_date"),
)

# The tables `chips db reproject` empties and rebuilds, children first.
PROJECTION_TABLES = (
    members,
    installations,
    followups,
    house_surveys,
    home_visits,
    visit_requests,
    anc_visits,
    pregnancies,
    households,
    entities,
    entity_events,
)
