"""sync_items: indexes for the held deleted and encrypted items.

Each sync asks which items of a form are held deleted (the restore check) and how many are
encrypted (``version = 'notDecrypted'``). With only the primary key and the pending index,
both read every item of the form: at 50,000 submissions that was most of an empty re-sync
(bench/sync.py).

Revision ID: 0202_sync_item_indexes
Revises: 0201_sync
"""

from __future__ import annotations

from alembic import op

revision = "0202_sync_item_indexes"
down_revision = "0201_sync"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sync_items_deleted", "sync_items", ["source", "form", "deleted"])
    op.create_index("ix_sync_items_version", "sync_items", ["source", "form", "version"])


def downgrade() -> None:
    op.drop_index("ix_sync_items_version", table_name="sync_items")
    op.drop_index("ix_sync_items_deleted", table_name="sync_items")
