"""web: follow-up steps, SPM targets, audit log, login failures, API tokens (chips/db/web_tables.py)

Revision ID: 0301_web
Revises: 0001_core
"""

from alembic import op
import sqlalchemy as sa

revision = "0301_web"
down_revision = "0001_core"
branch_labels = ("web",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followup_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("followup_key", sa.String(300), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(30)),
        sa.Column("note", sa.Text()),
        sa.Column("by_user", sa.String(255), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followup_steps")),
    )
    op.create_index("ix_followup_steps_key_at", "followup_steps", ["followup_key", "at"])
    op.create_table(
        "followup_current",
        sa.Column("followup_key", sa.String(300), nullable=False),
        sa.Column("state", sa.String(20), nullable=False),
        sa.Column("outcome", sa.String(30)),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("followup_key", name=op.f("pk_followup_current")),
    )
    op.create_index("ix_followup_current_state", "followup_current", ["state"])
    op.create_table(
        "spm_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("indicator", sa.String(40), nullable=False),
        sa.Column("village_code", sa.String(40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("target", sa.Float(), nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_spm_targets")),
        sa.UniqueConstraint("indicator", "village_code", "year", name="uq_spm_targets_indicator_village_year"),
    )
    op.create_index("ix_spm_targets_year", "spm_targets", ["year"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_name", sa.String(255)),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("ip", sa.String(64)),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at"])
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_name", sa.String(255), nullable=False),
        sa.Column("ip", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    op.create_index("ix_login_failures_name_at", "login_failures", ["user_name", "at"])
    op.create_index("ix_login_failures_ip_at", "login_failures", ["ip", "at"])
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime()),
        sa.Column("revoked_at", sa.DateTime()),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_api_tokens_user_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])


def downgrade() -> None:
    op.drop_table("api_tokens")
    op.drop_table("login_failures")
    op.drop_table("audit_log")
    op.drop_table("spm_targets")
    op.drop_table("followup_current")
    op.drop_table("followup_steps")
