"""What the store holds after a burst: each instanceID's row count, its projection and its
attachment files, read back from the database and the attachment folder."""

from __future__ import annotations

import hashlib
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, func, select

from chips.db import schema as s

# the projection table that must hold one row per submission of each form in the mix
PROJECTED = {
    "household_registration": s.households,
    "house_condition": s.house_surveys,
    "visit_request": s.visit_requests,
    "anc_visit": s.pregnancies,
}


def stored_counts(engine: Engine) -> Counter:
    """instanceID -> number of rows in ``submissions`` (must be 1 for every one sent)."""
    with engine.connect() as conn:
        rows = conn.execute(select(s.submissions.c.instance_id, func.count()).group_by(s.submissions.c.instance_id)).all()
    return Counter({iid: n for iid, n in rows})


def projected_instance_ids(engine: Engine) -> dict[str, set[str]]:
    """form id -> instanceIDs whose row is in that form's projection table."""
    out = {}
    with engine.connect() as conn:
        for form_id, table in PROJECTED.items():
            out[form_id] = set(conn.execute(
                select(s.submissions.c.instance_id).join(table, table.c.submission_id == s.submissions.c.id)
            ).scalars())
    return out


def attachment_files(engine: Engine, attachments_dir: Path) -> dict[tuple[str, str], tuple[bool, str | None, str | None]]:
    """(instanceID, file name) -> (present, sha256 recorded, sha256 of the file on disk)."""
    out = {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(s.submissions.c.instance_id, s.attachments.c.name, s.attachments.c.present,
                   s.attachments.c.sha256, s.attachments.c.path)
            .join(s.attachments, s.attachments.c.submission_id == s.submissions.c.id)
        ).all()
    for iid, name, present, sha, path in rows:
        on_disk = None
        if path and (attachments_dir / path).is_file():
            on_disk = hashlib.sha256((attachments_dir / path).read_bytes()).hexdigest()
        out[(iid, name)] = (bool(present), sha, on_disk)
    return out
