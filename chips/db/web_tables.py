"""Tables of the web app (migration ``0301_web``), on the shared metadata.

What a person enters on the web (follow-up steps, SPM targets) lives here, keyed by the
stable keys of the projection (``followups.key``), so ``chips db reproject`` never loses it.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Float, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint

from chips.db.schema import metadata

ID = 255

# Every step of a house-condition follow-up after its finding (found is the projection's
# `followups` row itself). The current state is the latest step.
followup_steps = Table(
    "followup_steps",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("followup_key", String(300), nullable=False),
    Column("state", String(20), nullable=False),  # reported | coordinated | resolved
    Column("outcome", String(30)),  # when resolved: renovated | latrine_built | food_aid | insurance_enrolment
    Column("note", Text),
    Column("by_user", String(ID), nullable=False),
    Column("at", DateTime, nullable=False),  # naive UTC
    Index("ix_followup_steps_key_at", "followup_key", "at"),
)

# The board filters on the current state; keeping it beside the history makes that an
# indexed lookup instead of a "latest step per key" subquery over all history.
followup_current = Table(
    "followup_current",
    metadata,
    Column("followup_key", String(300), primary_key=True),
    Column("state", String(20), nullable=False),
    Column("outcome", String(30)),
    Column("updated_at", DateTime, nullable=False),
    Column("updated_by", String(ID), nullable=False),
    Index("ix_followup_current_state", "state"),
)

# The district's target (sasaran) per indicator, village and year; village "*" = all.
spm_targets = Table(
    "spm_targets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("indicator", String(40), nullable=False),
    Column("village_code", String(40), nullable=False),
    Column("year", Integer, nullable=False),
    Column("target", Float, nullable=False),
    Column("updated_by", String(ID), nullable=False),
    Column("updated_at", DateTime, nullable=False),
    UniqueConstraint("indicator", "village_code", "year", name="uq_spm_targets_indicator_village_year"),
    Index("ix_spm_targets_year", "year"),
)

# Logins (good and bad), logouts, exports, token and user changes.
audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime, nullable=False),
    Column("user_name", String(ID)),
    Column("action", String(40), nullable=False),
    Column("detail", Text),
    Column("ip", String(64)),
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_action_at", "action", "at"),
)

# Failed web logins, for throttling by user name and by address.
login_failures = Table(
    "login_failures",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_name", String(ID), nullable=False),
    Column("ip", String(64), nullable=False),
    Column("at", DateTime, nullable=False),
    Index("ix_login_failures_name_at", "user_name", "at"),
    Index("ix_login_failures_ip_at", "ip", "at"),
)

# Tokens for the JSON API (only the SHA-256 is kept); a user may hold several.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("label", String(ID), nullable=False, default=""),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("created_at", DateTime, nullable=False),
    Column("last_used_at", DateTime),
    Column("revoked_at", DateTime),
)
