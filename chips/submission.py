"""What one submission is, whatever its source (our OpenRosa endpoint, ODK Central, Kobo).

``chips.ingest.ingest`` takes a :class:`Submission`; ``data`` is the *record*: the answers
as a nested dict shaped like the XForm instance without its root (groups → dicts,
repeats → lists of dicts — a repeat with one row may arrive as a dict, read it with
``chips.records.rows`` — every leaf a string as it appears in the XML, geopoints as
``"lat lon alt acc"``). XML attributes are kept as ``"@name"`` keys (``meta/entity`` has
``@dataset``, ``@id``, ``@create``, ``@update``, ``@baseVersion``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

RAW_FORMATS = ("xml", "central-json", "kobo-json")


@dataclass(frozen=True)
class AttachmentIn:
    """One attachment file: its bytes in ``data``, or a file at ``path`` (moved into the
    store when it is on the same file system, copied otherwise)."""

    name: str
    media_type: str = "application/octet-stream"
    data: bytes | None = None
    path: Path | None = None

    def __post_init__(self) -> None:
        if (self.data is None) == (self.path is None):
            raise ValueError("an AttachmentIn has either data or a path")


@dataclass(frozen=True)
class Submission:
    form_id: str
    form_version: str
    instance_id: str
    deprecated_id: str | None
    data: dict[str, Any]
    raw: bytes
    raw_format: str
    source: str  # "openrosa", "central:<name>", "kobo:<name>", "demo" …
    source_ref: str | None = None  # the remote id (Central __id, Kobo _id)
    submitter: str | None = None
    device_id: str | None = None
    submitted_at: datetime | None = None  # when the source got it; naive UTC or aware
    review_state: str | None = None
    attachments: tuple[AttachmentIn, ...] | list[AttachmentIn] = field(default_factory=tuple)
    # names the submission refers to, whether or not their bytes came with it
    expected_attachments: tuple[str, ...] | list[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.raw_format not in RAW_FORMATS:
            raise ValueError(f"raw_format must be one of {RAW_FORMATS}, not {self.raw_format!r}")
