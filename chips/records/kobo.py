"""Record from a KoboToolbox data API row (``/api/v2/assets/<uid>/data/?format=json``).

Kobo flattens the instance (kobotoolbox/kpi
``kobo/apps/openrosa/apps/viewer/models/parsed_instance.py``, see also
tests/fakes/kobo-from-source.md): answers are keyed by their path without the root
(``group/question``), every value is already the string of the XML, empty answers are
absent, and a repeat is a list of objects whose keys are full paths again
(``members/name`` inside ``members``). This module nests them back into the record shape of
the XML: groups as dicts, repeats as lists of dicts.

Dropped: Kobo's own bookkeeping (keys starting with ``_`` such as ``_id``, ``_uuid``,
``_attachments``, ``_geolocation``, ``_validation_status``, ``__version__``) and the fields
Kobo writes into the instance itself (``formhub/uuid``, ``meta/rootUuid``), which the form
as built in ``forms/`` does not have.
"""

from __future__ import annotations

import json
from typing import Any

_KOBO_ADDED = {"formhub/uuid", "meta/rootUuid"}


def _skip(key: str) -> bool:
    return key.startswith("_") or key in _KOBO_ADDED or key.startswith("formhub/")


def _nest(flat: dict, prefix: str) -> dict:
    out: dict[str, Any] = {}
    cut = len(prefix) + 1 if prefix else 0
    for key, value in flat.items():
        if not prefix and _skip(key):
            continue
        rel = key[cut:] if prefix and key.startswith(prefix + "/") else key
        parts = rel.split("/")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            node[parts[-1]] = [_nest(item, key) for item in value]
        elif value is None:
            continue
        else:
            node[parts[-1]] = value if isinstance(value, str) else str(value)
    return out


def record_from_kobo_row(row: dict) -> dict:
    """The record of one already-parsed Kobo row."""
    return _nest(row, "")


def record_from_kobo(raw: bytes | str) -> dict:
    """The record of one Kobo row kept as raw JSON bytes (``raw_format="kobo-json"``)."""
    return _nest(json.loads(raw), "")
