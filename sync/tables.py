"""The sync package's tables (migration ``0201_sync``), on the shared metadata.

They are written in the same transaction as the submissions they describe, so what they
say we hold is exactly what the store holds, even when a pull is killed mid-page.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, Index, Integer, String, Table, Text

from chips.db.schema import metadata

ID = 255

# Where each (source, form) pull stands.
sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("form", String(ID), primary_key=True),
    # Central: every change up to `since` (server time, ISO) is held.
    Column("since", String(40)),
    # Central: the pass under way — its filter value, the next page to read, the newest
    # timestamp it has seen and the server time it began; all null between passes.
    Column("pass_since", String(40)),
    Column("pass_url", Text),
    Column("pass_newest", String(40)),
    Column("pass_started", String(40)),
    Column("pass_pages", Integer, nullable=False, default=0),
    # Kobo: the highest _id held, and when the _id/_uuid listing last ran.
    Column("last_id", Integer),
    Column("listed_at", DateTime),
    Column("updated_at", DateTime, nullable=False),
)

# What we hold of each remote submission (Central __id, Kobo _id) and its version.
sync_items = Table(
    "sync_items",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("form", String(ID), primary_key=True),
    Column("ref", String(ID), primary_key=True),
    Column("instance_id", String(ID), nullable=False),  # current version's instanceID
    Column("version", String(ID), nullable=False),      # Central: instanceID+reviewState, Kobo: _uuid
    Column("deleted", Boolean, nullable=False, default=False),
    # attachments the source announces but has not got yet (Central attachmentsPresent <
    # attachmentsExpected): re-checked on every sync until complete
    Column("pending", Boolean, nullable=False, default=False),
    Column("seen_at", DateTime, nullable=False),
)
Index("ix_sync_items_pending", sync_items.c.source, sync_items.c.form, sync_items.c.pending)
# the restore check's held deleted items and the count of encrypted ones (migration 0202)
Index("ix_sync_items_deleted", sync_items.c.source, sync_items.c.form, sync_items.c.deleted)
Index("ix_sync_items_version", sync_items.c.source, sync_items.c.form, sync_items.c.version)

# Attachments downloaded, with their ETag, so each is fetched once (If-None-Match after).
sync_files = Table(
    "sync_files",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("form", String(ID), primary_key=True),
    Column("ref", String(ID), primary_key=True),
    Column("name", String(ID), primary_key=True),
    Column("etag", String(ID)),
)

# One row per run of a source (command or schedule): the status page and `--status`.
sync_runs = Table(
    "sync_runs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("source", String(100), nullable=False),
    Column("form", String(ID)),
    Column("trigger", String(20), nullable=False),   # command | schedule
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("outcome", String(20), nullable=False),   # running | ok | error | interrupted
    Column("new", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("deleted", Integer, nullable=False, default=0),
    Column("attachments", Integer, nullable=False, default=0),
    Column("errors", Integer, nullable=False, default=0),
    Column("message", Text),
)
Index("ix_sync_runs_source_started", sync_runs.c.source, sync_runs.c.started_at)
