"""sync: cursors, held items, downloaded files and runs of the pulls (sync/tables.py)

Revision ID: 0201_sync
Revises: 0001_core
"""

from alembic import op
import sqlalchemy as sa

revision = "0201_sync"
down_revision = "0001_core"
branch_labels = ("sync",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_cursors",
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("form", sa.String(255), nullable=False),
        sa.Column("since", sa.String(40)),
        sa.Column("pass_since", sa.String(40)),
        sa.Column("pass_url", sa.Text()),
        sa.Column("pass_newest", sa.String(40)),
        sa.Column("pass_started", sa.String(40)),
        sa.Column("pass_pages", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer()),
        sa.Column("listed_at", sa.DateTime()),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "form", name=op.f("pk_sync_cursors")),
    )
    op.create_table(
        "sync_items",
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("form", sa.String(255), nullable=False),
        sa.Column("ref", sa.String(255), nullable=False),
        sa.Column("instance_id", sa.String(255), nullable=False),
        sa.Column("version", sa.String(255), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "form", "ref", name=op.f("pk_sync_items")),
    )
    op.create_index("ix_sync_items_pending", "sync_items", ["source", "form", "pending"])
    op.create_table(
        "sync_files",
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("form", sa.String(255), nullable=False),
        sa.Column("ref", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("etag", sa.String(255)),
        sa.PrimaryKeyConstraint("source", "form", "ref", "name", name=op.f("pk_sync_files")),
    )
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("form", sa.String(255)),
        sa.Column("trigger", sa.String(20), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime()),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("deleted", sa.Integer(), nullable=False),
        sa.Column("attachments", sa.Integer(), nullable=False),
        sa.Column("errors", sa.Integer(), nullable=False),
        sa.Column("message", sa.Text()),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_runs")),
    )
    op.create_index("ix_sync_runs_source_started", "sync_runs", ["source", "started_at"])


def downgrade() -> None:
    op.drop_index("ix_sync_runs_source_started", table_name="sync_runs")
    op.drop_table("sync_runs")
    op.drop_table("sync_files")
    op.drop_index("ix_sync_items_pending", table_name="sync_items")
    op.drop_table("sync_items")
    op.drop_table("sync_cursors")
