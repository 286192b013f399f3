"""core: raw store, forms, users, entity lists, domain projection

Revision ID: 0001_core
Revises:
Generated from chips/db/schema.py with Alembic's autogenerate, then kept as written: later
changes to core tables go in new migrations.
"""

from alembic import op
import sqlalchemy as sa

revision = "0001_core"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('submissions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('instance_id', sa.String(length=255), nullable=False),
    sa.Column('logical_id', sa.String(length=255), nullable=False),
    sa.Column('deprecated_id', sa.String(length=255), nullable=True),
    sa.Column('form_id', sa.String(length=255), nullable=False),
    sa.Column('form_version', sa.String(length=255), nullable=False),
    sa.Column('source', sa.String(length=100), nullable=False),
    sa.Column('source_ref', sa.String(length=255), nullable=True),
    sa.Column('submitter', sa.String(length=255), nullable=True),
    sa.Column('device_id', sa.String(length=255), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('raw_format', sa.String(length=20), nullable=False),
    sa.Column('raw_sha256', sa.String(length=64), nullable=False),
    sa.Column('review_state', sa.String(length=40), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('deleted_at', sa.DateTime(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('status_detail', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submissions')),
    sa.UniqueConstraint('instance_id', name=op.f('uq_submissions_instance_id'))
    )
    op.create_index('ix_submissions_deprecated_id', 'submissions', ['deprecated_id'], unique=False)
    op.create_index('ix_submissions_form', 'submissions', ['form_id', 'form_version'], unique=False)
    op.create_index(op.f('ix_submissions_logical_id'), 'submissions', ['logical_id'], unique=False)
    op.create_index('ix_submissions_source_ref', 'submissions', ['source', 'source_ref'], unique=False)
    op.create_index('ix_submissions_state_status', 'submissions', ['state', 'status'], unique=False)
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('role', sa.String(length=20), nullable=False),
    sa.Column('villages', sa.JSON(), nullable=False),
    sa.Column('password_hash', sa.Text(), nullable=True),
    sa.Column('digest_ha1', sa.String(length=32), nullable=True),
    sa.Column('token_hash', sa.String(length=64), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('name', name=op.f('uq_users_name')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_users_token_hash'))
    )
    op.create_table('xforms',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('form_id', sa.String(length=255), nullable=False),
    sa.Column('version', sa.String(length=255), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('xml', sa.LargeBinary(), nullable=False),
    sa.Column('md5', sa.String(length=32), nullable=False),
    sa.Column('published_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xforms')),
    sa.UniqueConstraint('form_id', 'version', name='uq_xforms_form_version')
    )
    op.create_table('anc_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('pregnancy_uuid', sa.String(length=64), nullable=True),
    sa.Column('household_uuid', sa.String(length=64), nullable=True),
    sa.Column('village_code', sa.String(length=40), nullable=True),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('first_visit', sa.Boolean(), nullable=True),
    sa.Column('mother_age', sa.Integer(), nullable=True),
    sa.Column('hpht', sa.Date(), nullable=True),
    sa.Column('ga_days', sa.Integer(), nullable=True),
    sa.Column('ga_weeks', sa.Integer(), nullable=True),
    sa.Column('trimester', sa.Integer(), nullable=True),
    sa.Column('examined_by', sa.String(length=20), nullable=True),
    sa.Column('usg_done', sa.Boolean(), nullable=True),
    sa.Column('weight_kg', sa.Float(), nullable=True),
    sa.Column('height_cm', sa.Float(), nullable=True),
    sa.Column('systolic', sa.Integer(), nullable=True),
    sa.Column('diastolic', sa.Integer(), nullable=True),
    sa.Column('lila_cm', sa.Float(), nullable=True),
    sa.Column('fundal_height_cm', sa.Float(), nullable=True),
    sa.Column('fetal_presentation', sa.String(length=30), nullable=True),
    sa.Column('fetal_heart_rate', sa.Integer(), nullable=True),
    sa.Column('tt_status', sa.String(length=10), nullable=True),
    sa.Column('tt_given', sa.Boolean(), nullable=True),
    sa.Column('iron_tablets', sa.Integer(), nullable=True),
    sa.Column('hb_tested', sa.Boolean(), nullable=True),
    sa.Column('hb_g_dl', sa.Float(), nullable=True),
    sa.Column('urine_protein', sa.String(length=20), nullable=True),
    sa.Column('hiv', sa.String(length=20), nullable=True),
    sa.Column('syphilis', sa.String(length=20), nullable=True),
    sa.Column('hepatitis_b', sa.String(length=20), nullable=True),
    sa.Column('case_management', sa.String(length=20), nullable=True),
    sa.Column('counselling', sa.Text(), nullable=True),
    sa.Column('risk_kek', sa.Boolean(), nullable=True),
    sa.Column('risk_anaemia', sa.Boolean(), nullable=True),
    sa.Column('risk_hypertension', sa.Boolean(), nullable=True),
    sa.Column('risk_age', sa.Boolean(), nullable=True),
    sa.Column('risk_parity', sa.Boolean(), nullable=True),
    sa.Column('risk_count', sa.Integer(), nullable=True),
    sa.Column('high_risk', sa.Boolean(), nullable=True),
    sa.Column('referral', sa.String(length=20), nullable=True),
    sa.Column('next_visit_date', sa.Date(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('logical_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_anc_visits_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_anc_visits'))
    )
    op.create_index(op.f('ix_anc_visits_household_uuid'), 'anc_visits', ['household_uuid'], unique=False)
    op.create_index('ix_anc_visits_logical_id', 'anc_visits', ['logical_id'], unique=False)
    op.create_index('ix_anc_visits_pregnancy_date', 'anc_visits', ['pregnancy_uuid', 'visit_date'], unique=False)
    op.create_index(op.f('ix_anc_visits_pregnancy_uuid'), 'anc_visits', ['pregnancy_uuid'], unique=False)
    op.create_index(op.f('ix_anc_visits_village_code'), 'anc_visits', ['village_code'], unique=False)
    op.create_index(op.f('ix_anc_visits_visit_date'), 'anc_visits', ['visit_date'], unique=False)
    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('media_type', sa.String(length=255), nullable=True),
    sa.Column('size', sa.Integer(), nullable=True),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('path', sa.String(length=512), nullable=True),
    sa.Column('present', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_attachments_submission_id_submissions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments')),
    sa.UniqueConstraint('submission_id', 'name', name='uq_attachments_submission_name')
    )
    op.create_table('entities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dataset', sa.String(length=255), nullable=False),
    sa.Column('uuid', sa.String(length=64), nullable=False),
    sa.Column('label', sa.Text(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('properties', sa.JSON(), nullable=False),
    sa.Column('deleted', sa.Boolean(), nullable=False),
    sa.Column('conflict', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=True),
    sa.Column('creator_submission_id', sa.Integer(), nullable=True),
    sa.Column('last_submission_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['creator_submission_id'], ['submissions.id'], name=op.f('fk_entities_creator_submission_id_submissions')),
    sa.ForeignKeyConstraint(['last_submission_id'], ['submissions.id'], name=op.f('fk_entities_last_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entities')),
    sa.UniqueConstraint('dataset', 'uuid', name='uq_entities_dataset_uuid')
    )
    op.create_index('ix_entities_dataset_deleted', 'entities', ['dataset', 'deleted'], unique=False)
    op.create_table('entity_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('logical_id', sa.String(length=255), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('dataset', sa.String(length=255), nullable=False),
    sa.Column('uuid', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=10), nullable=False),
    sa.Column('base_version', sa.Integer(), nullable=True),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('properties', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_entity_events_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_entity_events'))
    )
    op.create_index('ix_entity_events_entity', 'entity_events', ['dataset', 'uuid'], unique=False)
    op.create_index(op.f('ix_entity_events_logical_id'), 'entity_events', ['logical_id'], unique=False)
    op.create_table('followups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('household_uuid', sa.String(length=64), nullable=True),
    sa.Column('village_code', sa.String(length=40), nullable=True),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('found_on', sa.Date(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('logical_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_followups_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_followups')),
    sa.UniqueConstraint('key', name=op.f('uq_followups_key'))
    )
    op.create_index(op.f('ix_followups_found_on'), 'followups', ['found_on'], unique=False)
    op.create_index(op.f('ix_followups_household_uuid'), 'followups', ['household_uuid'], unique=False)
    op.create_index('ix_followups_logical_id', 'followups', ['logical_id'], unique=False)
    op.create_index(op.f('ix_followups_village_code'), 'followups', ['village_code'], unique=False)
    op.create_table('home_visits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_uuid', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=True),
    sa.Column('household_uuid', sa.String(length=64), nullable=True),
    sa.Column('patient_name', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=True),
    sa.Column('departed_at', sa.DateTime(), nullable=True),
    sa.Column('arrived_at', sa.DateTime(), nullable=True),
    sa.Column('visited_on', sa.Date(), nullable=True),
    sa.Column('response_minutes', sa.Integer(), nullable=True),
    sa.Column('response_status', sa.String(length=20), nullable=True),
    sa.Column('compensation_owed', sa.Boolean(), nullable=True),
    sa.Column('doctor_name', sa.Text(), nullable=True),
    sa.Column('driver_name', sa.Text(), nullable=True),
    sa.Column('systolic', sa.Integer(), nullable=True),
    sa.Column('diastolic', sa.Integer(), nullable=True),
    sa.Column('temperature', sa.Float(), nullable=True),
    sa.Column('pulse', sa.Integer(), nullable=True),
    sa.Column('respiration', sa.Integer(), nullable=True),
    sa.Column('blood_sugar', sa.Float(), nullable=True),
    sa.Column('blood_sugar_kind', sa.String(length=20), nullable=True),
    sa.Column('hypertension', sa.Boolean(), nullable=True),
    sa.Column('diagnosis', sa.Text(), nullable=True),
    sa.Column('icd10', sa.String(length=20), nullable=True),
    sa.Column('treatment', sa.Text(), nullable=True),
    sa.Column('medicines', sa.Text(), nullable=True),
    sa.Column('medicines_other', sa.Text(), nullable=True),
    sa.Column('referral', sa.String(length=20), nullable=True),
    sa.Column('ambulance_called', sa.Boolean(), nullable=True),
    sa.Column('transport_service', sa.String(length=20), nullable=True),
    sa.Column('compensation_given', sa.Boolean(), nullable=True),
    sa.Column('photo', sa.String(length=255), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('logical_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_home_visits_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_home_visits'))
    )
    op.create_index(op.f('ix_home_visits_arrived_at'), 'home_visits', ['arrived_at'], unique=False)
    op.create_index(op.f('ix_home_visits_household_uuid'), 'home_visits', ['household_uuid'], unique=False)
    op.create_index('ix_home_visits_logical_id', 'home_visits', ['logical_id'], unique=False)
    op.create_index(op.f('ix_home_visits_request_id'), 'home_visits', ['request_id'], unique=False)
    op.create_index(op.f('ix_home_visits_request_uuid'), 'home_visits', ['request_uuid'], unique=False)
    op.create_index(op.f('ix_home_visits_visited_on'), 'home_visits', ['visited_on'], unique=False)
    op.create_table('house_surveys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_uuid', sa.String(length=64), nullable=True),
    sa.Column('village_code', sa.String(length=40), nullable=True),
    sa.Column('surveyed_on', sa.Date(), nullable=True),
    sa.Column('floor', sa.String(length=40), nullable=True),
    sa.Column('wall', sa.String(length=40), nullable=True),
    sa.Column('roof', sa.String(length=40), nullable=True),
    sa.Column('ventilation', sa.String(length=40), nullable=True),
    sa.Column('lighting', sa.String(length=40), nullable=True),
    sa.Column('windows', sa.String(length=40), nullable=True),
    sa.Column('latrine', sa.String(length=40), nullable=True),
    sa.Column('water_source', sa.String(length=40), nullable=True),
    sa.Column('waste', sa.String(length=40), nullable=True),
    sa.Column('nutrition_concern', sa.Boolean(), nullable=True),
    sa.Column('nutrition_kind', sa.Text(), nullable=True),
    sa.Column('bad_count', sa.Integer(), nullable=True),
    sa.Column('unhealthy', sa.Boolean(), nullable=True),
    sa.Column('followup_needed', sa.Boolean(), nullable=True),
    sa.Column('followup_reasons', sa.Text(), nullable=True),
    sa.Column('photo', sa.String(length=255), nullable=True),
    sa.Column('notes', sa.Text(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('logical_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_house_surveys_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_house_surveys'))
    )
    op.create_index(op.f('ix_house_surveys_household_uuid'), 'house_surveys', ['household_uuid'], unique=False)
    op.create_index('ix_house_surveys_logical_id', 'house_surveys', ['logical_id'], unique=False)
    op.create_index(op.f('ix_house_surveys_surveyed_on'), 'house_surveys', ['surveyed_on'], unique=False)
    op.create_index(op.f('ix_house_surveys_village_code'), 'house_surveys', ['village_code'], unique=False)
    op.create_table('households',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=64), nullable=False),
    sa.Column('village_code', sa.String(length=40), nullable=True),
    sa.Column('village_name', sa.Text(), nullable=True),
    sa.Column('dusun', sa.Text(), nullable=True),
    sa.Column('rt', sa.String(length=10), nullable=True),
    sa.Column('rw', sa.String(length=10), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('head_name', sa.Text(), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('altitude', sa.Float(), nullable=True),
    sa.Column('accuracy', sa.Float(), nullable=True),
    sa.Column('poverty_status', sa.String(length=40), nullable=True),
    sa.Column('member_count', sa.Integer(), nullable=True),
    sa.Column('elderly_count', sa.Integer(), nullable=True),
    sa.Column('lone_elderly_count', sa.Integer(), nullable=True),
    sa.Column('pregnant_count', sa.Integer(), nullable=True),
    sa.Column('under_five_count', sa.Integer(), nullable=True),
    sa.Column('sticker_serial', sa.String(length=60), nullable=True),
    sa.Column('kenthongan_status', sa.String(length=20), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('logical_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_households_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_households')),
    sa.UniqueConstraint('uuid', name=op.f('uq_households_uuid'))
    )
    op.create_index('ix_households_logical_id', 'households', ['logical_id'], unique=False)
    op.create_index(op.f('ix_households_registered_on'), 'households', ['registered_on'], unique=False)
    op.create_index(op.f('ix_households_village_code'), 'households', ['village_code'], unique=False)
    op.create_index('ix_households_village_rw_rt', 'households', ['village_code', 'rw', 'rt'], unique=False)
    op.create_table('installations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_uuid', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('serial', sa.String(length=60), nullable=True),
    sa.Column('phone_on_sticker', sa.String(length=40), nullable=True),
    sa.Column('installed_on', sa.Date(), nullable=True),
    sa.Column('photo', sa.String(length=255), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('logical_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_installations_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_installations'))
    )
    op.create_index(op.f('ix_installations_household_uuid'), 'installations', ['household_uuid'], unique=False)
    op.create_index(op.f('ix_installations_installed_on'), 'installations', ['installed_on'], unique=False)
    op.create_index('ix_installations_logical_id', 'installations', ['logical_id'], unique=False)
    op.create_table('members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('household_uuid', sa.String(length=64), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('name', sa.Text(), nullable=True),
    sa.Column('sex', sa.String(length=10), nullable=True),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('age_years', sa.Integer(), nullable=True),
    sa.Column('relation', sa.String(length=40), nullable=True),
    sa.Column('pregnant', sa.Boolean(), nullable=True),
    sa.Column('lives_alone', sa.Boolean(), nullable=True),
    sa.Column('disability', sa.Text(), nullable=True),
    sa.Column('jkn', sa.String(length=20), nullable=True),
    sa.Column('is_elderly', sa.Boolean(), nullable=True),
    sa.Column('is_lone_elderly', sa.Boolean(), nullable=True),
    sa.Column('is_under_five', sa.Boolean(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('logical_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_members_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_members'))
    )
    op.create_index(op.f('ix_members_household_uuid'), 'members', ['household_uuid'], unique=False)
    op.create_index('ix_members_logical_id', 'members', ['logical_id'], unique=False)
    op.create_table('pregnancies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=64), nullable=False),
    sa.Column('household_uuid', sa.String(length=64), nullable=True),
    sa.Column('village_code', sa.String(length=40), nullable=True),
    sa.Column('mother_name', sa.Text(), nullable=True),
    sa.Column('mother_dob', sa.Date(), nullable=True),
    sa.Column('gravida', sa.Integer(), nullable=True),
    sa.Column('parity', sa.Integer(), nullable=True),
    sa.Column('hpht', sa.Date(), nullable=True),
    sa.Column('hpht_source', sa.String(length=20), nullable=True),
    sa.Column('edd', sa.Date(), nullable=True),
    sa.Column('first_visit_on', sa.Date(), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('logical_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_pregnancies_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_pregnancies')),
    sa.UniqueConstraint('uuid', name=op.f('uq_pregnancies_uuid'))
    )
    op.create_index(op.f('ix_pregnancies_edd'), 'pregnancies', ['edd'], unique=False)
    op.create_index(op.f('ix_pregnancies_first_visit_on'), 'pregnancies', ['first_visit_on'], unique=False)
    op.create_index(op.f('ix_pregnancies_household_uuid'), 'pregnancies', ['household_uuid'], unique=False)
    op.create_index('ix_pregnancies_logical_id', 'pregnancies', ['logical_id'], unique=False)
    op.create_index(op.f('ix_pregnancies_village_code'), 'pregnancies', ['village_code'], unique=False)
    op.create_table('visit_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=64), nullable=True),
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('household_uuid', sa.String(length=64), nullable=True),
    sa.Column('village_code', sa.String(length=40), nullable=True),
    sa.Column('dusun', sa.Text(), nullable=True),
    sa.Column('rt', sa.String(length=10), nullable=True),
    sa.Column('rw', sa.String(length=10), nullable=True),
    sa.Column('address', sa.Text(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=True),
    sa.Column('reporter_type', sa.String(length=40), nullable=True),
    sa.Column('channel', sa.String(length=40), nullable=True),
    sa.Column('sticker_serial', sa.String(length=60), nullable=True),
    sa.Column('patient_name', sa.Text(), nullable=True),
    sa.Column('patient_sex', sa.String(length=10), nullable=True),
    sa.Column('patient_age', sa.Integer(), nullable=True),
    sa.Column('patient_group', sa.Text(), nullable=True),
    sa.Column('complaint_kind', sa.Text(), nullable=True),
    sa.Column('complaint_text', sa.Text(), nullable=True),
    sa.Column('urgency', sa.String(length=20), nullable=True),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('logical_id', sa.String(length=255), nullable=False),
    sa.ForeignKeyConstraint(['submission_id'], ['submissions.id'], name=op.f('fk_visit_requests_submission_id_submissions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_requests')),
    sa.UniqueConstraint('uuid', name=op.f('uq_visit_requests_uuid'))
    )
    op.create_index(op.f('ix_visit_requests_household_uuid'), 'visit_requests', ['household_uuid'], unique=False)
    op.create_index('ix_visit_requests_logical_id', 'visit_requests', ['logical_id'], unique=False)
    op.create_index(op.f('ix_visit_requests_received_at'), 'visit_requests', ['received_at'], unique=False)
    op.create_index(op.f('ix_visit_requests_received_on'), 'visit_requests', ['received_on'], unique=False)
    op.create_index(op.f('ix_visit_requests_request_id'), 'visit_requests', ['request_id'], unique=False)
    op.create_index(op.f('ix_visit_requests_village_code'), 'visit_requests', ['village_code'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_visit_requests_village_code'), table_name='visit_requests')
    op.drop_index(op.f('ix_visit_requests_request_id'), table_name='visit_requests')
    op.drop_index(op.f('ix_visit_requests_received_on'), table_name='visit_requests')
    op.drop_index(op.f('ix_visit_requests_received_at'), table_name='visit_requests')
    op.drop_index('ix_visit_requests_logical_id', table_name='visit_requests')
    op.drop_index(op.f('ix_visit_requests_household_uuid'), table_name='visit_requests')
    op.drop_table('visit_requests')
    op.drop_index(op.f('ix_pregnancies_village_code'), table_name='pregnancies')
    op.drop_index('ix_pregnancies_logical_id', table_name='pregnancies')
    op.drop_index(op.f('ix_pregnancies_household_uuid'), table_name='pregnancies')
    op.drop_index(op.f('ix_pregnancies_first_visit_on'), table_name='pregnancies')
    op.drop_index(op.f('ix_pregnancies_edd'), table_name='pregnancies')
    op.drop_table('pregnancies')
    op.drop_index('ix_members_logical_id', table_name='members')
    op.drop_index(op.f('ix_members_household_uuid'), table_name='members')
    op.drop_table('members')
    op.drop_index('ix_installations_logical_id', table_name='installations')
    op.drop_index(op.f('ix_installations_installed_on'), table_name='installations')
    op.drop_index(op.f('ix_installations_household_uuid'), table_name='installations')
    op.drop_table('installations')
    op.drop_index('ix_households_village_rw_rt', table_name='households')
    op.drop_index(op.f('ix_households_village_code'), table_name='households')
    op.drop_index(op.f('ix_households_registered_on'), table_name='households')
    op.drop_index('ix_households_logical_id', table_name='households')
    op.drop_table('households')
    op.drop_index(op.f('ix_house_surveys_village_code'), table_name='house_surveys')
    op.drop_index(op.f('ix_house_surveys_surveyed_on'), table_name='house_surveys')
    op.drop_index('ix_house_surveys_logical_id', table_name='house_surveys')
    op.drop_index(op.f('ix_house_surveys_household_uuid'), table_name='house_surveys')
    op.drop_table('house_surveys')
    op.drop_index(op.f('ix_home_visits_visited_on'), table_name='home_visits')
    op.drop_index(op.f('ix_home_visits_request_uuid'), table_name='home_visits')
    op.drop_index(op.f('ix_home_visits_request_id'), table_name='home_visits')
    op.drop_index('ix_home_visits_logical_id', table_name='home_visits')
    op.drop_index(op.f('ix_home_visits_household_uuid'), table_name='home_visits')
    op.drop_index(op.f('ix_home_visits_arrived_at'), table_name='home_visits')
    op.drop_table('home_visits')
    op.drop_index(op.f('ix_followups_village_code'), table_name='followups')
    op.drop_index('ix_followups_logical_id', table_name='followups')
    op.drop_index(op.f('ix_followups_household_uuid'), table_name='followups')
    op.drop_index(op.f('ix_followups_found_on'), table_name='followups')
    op.drop_table('followups')
    op.drop_index(op.f('ix_entity_events_logical_id'), table_name='entity_events')
    op.drop_index('ix_entity_events_entity', table_name='entity_events')
    op.drop_table('entity_events')
    op.drop_index('ix_entities_dataset_deleted', table_name='entities')
    op.drop_table('entities')
    op.drop_table('attachments')
    op.drop_index(op.f('ix_anc_visits_visit_date'), table_name='anc_visits')
    op.drop_index(op.f('ix_anc_visits_village_code'), table_name='anc_visits')
    op.drop_index(op.f('ix_anc_visits_pregnancy_uuid'), table_name='anc_visits')
    op.drop_index('ix_anc_visits_pregnancy_date', table_name='anc_visits')
    op.drop_index('ix_anc_visits_logical_id', table_name='anc_visits')
    op.drop_index(op.f('ix_anc_visits_household_uuid'), table_name='anc_visits')
    op.drop_table('anc_visits')
    op.drop_table('xforms')
    op.drop_table('users')
    op.drop_index('ix_submissions_state_status', table_name='submissions')
    op.drop_index('ix_submissions_source_ref', table_name='submissions')
    op.drop_index(op.f('ix_submissions_logical_id'), table_name='submissions')
    op.drop_index('ix_submissions_form', table_name='submissions')
    op.drop_index('ix_submissions_deprecated_id', table_name='submissions')
    op.drop_table('submissions')
