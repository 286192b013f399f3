"""Records: a submission's answers as a nested dict, from whatever format it came in.

``record_from_raw(raw_format, raw)`` turns stored raw bytes back into the record, so
``chips db reproject`` rebuilds everything from the raw store alone. ``xml`` is ours;
``central-json`` and ``kobo-json`` are the sync package's (imported lazily).
"""

from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

_READERS = {
    "xml": ("chips.records.xml", "record_from_xml"),
    "central-json": ("chips.records.central", "record_from_central"),
    "kobo-json": ("chips.records.kobo", "record_from_kobo"),
}


def record_from_raw(raw_format: str, raw: bytes) -> dict[str, Any]:
    try:
        module_name, attr = _READERS[raw_format]
    except KeyError:
        raise ValueError(f"unknown raw format {raw_format!r}") from None
    return getattr(importlib.import_module(module_name), attr)(raw)


def rows(value: Any) -> list[dict[str, Any]]:
    """The rows of a repeat: a list as is, a single row (one-row repeat in XML) as a list."""
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    if isinstance(value, dict):
        return [value]
    return []


@lru_cache(maxsize=4096)
def _parts(path: str) -> tuple[str, ...]:
    # the paths are the projections' and the forms' own, asked again for every submission
    return tuple(path.strip("/").split("/"))


def get(record: dict[str, Any], path: str, default: Any = None) -> Any:
    """The value at ``"group/sub/field"`` (a path below the instance root)."""
    node: Any = record
    for part in _parts(path):
        if isinstance(node, list):
            node = node[0] if node else None
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return node
