"""Record from an ODK Central OData row (``…/Submissions?$expand=*``).

Central builds each row from the submission XML against the form schema
(getodk/central-backend ``lib/data/odata.js``): ``int`` becomes a JSON integer (parseInt),
``decimal`` a JSON number (parseFloat), geopoints GeoJSON ``Point`` with
``[lon, lat, alt]`` and ``properties.accuracy``, geotrace/geoshape ``LineString`` /
``Polygon`` with ``properties.accuracies``, empty fields ``null``, repeats a list of rows
that carry their own ``__id`` and ``__Submissions-…-id``, plus
``<repeat>@odata.navigationLink`` and the ``__id``/``__system`` bookkeeping. This module
undoes that so the record matches the one built from the XML: nested groups, repeats as
lists, every leaf a string.

Two things cannot be undone and are accepted: a decimal's trailing zeros ("1.50" comes back
as "1.5"), and names Central had to rewrite to OData identifiers (``-`` or ``.`` become
``_``; our forms use snake_case names so none are affected).
"""

from __future__ import annotations

import json
from typing import Any


def _number(value: Any) -> str:
    # parseFloat("12.0") is 12 in JavaScript, so integral floats print without ".0";
    # Python's json gives int for "12" and float for "12.5", both printed as str().
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _point(coords: list, accuracy: Any) -> str:
    lon, lat = coords[0], coords[1]
    alt = coords[2] if len(coords) > 2 and coords[2] is not None else 0
    acc = accuracy if accuracy is not None else 0
    return " ".join(_number(v) for v in (lat, lon, alt, acc))


def _geometry(value: dict) -> str:
    kind = value.get("type")
    props = value.get("properties") or {}
    if kind == "Point":
        return _point(value["coordinates"], props.get("accuracy"))
    if kind in ("LineString", "Polygon"):
        coords = value["coordinates"] if kind == "LineString" else value["coordinates"][0]
        accuracies = props.get("accuracies") or [None] * len(coords)
        return ";".join(_point(c, a) for c, a in zip(coords, accuracies))
    raise ValueError(f"unexpected GeoJSON type {kind!r}")


def _is_geojson(value: dict) -> bool:
    return "type" in value and "coordinates" in value and value.get("type") in {
        "Point", "LineString", "Polygon"}


def _bookkeeping(key: str) -> bool:
    # __id, __system, __Submissions-id, __Submissions-members-id, and OData annotations
    # (``members@odata.navigationLink``): a property annotation is ``name@namespace.term``
    # (OData JSON Format 4.01, section 20), and no field name holds "@" (an XML name cannot)
    return key[:2] == "__" or "@" in key


def _leaf(value: Any) -> str:
    if isinstance(value, bool):  # not produced by Central; guard so True is not "1"
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return _number(value)
    return str(value)


def _convert(node: dict) -> dict:
    # Run for every field of every pulled row, so the common cases come first, told apart
    # by exact type (json gives exactly str, dict, list, int, float, bool and None) and
    # with _bookkeeping written inline; anything else takes the general path of _leaf.
    out: dict[str, Any] = {}
    for key, value in node.items():
        kind = value.__class__
        if kind is str:
            if key[:2] != "__" and "@" not in key:
                out[key] = value
        elif value is None or key[:2] == "__" or "@" in key:
            # null is an empty answer (or a field this form version lacks); like Kobo's
            # records, an empty answer is left out rather than stored as "".
            continue
        elif kind is dict:
            out[key] = _geometry(value) if _is_geojson(value) else _convert(value)
        elif kind is list:
            out[key] = [_convert(item) for item in value]
        elif kind is int:
            out[key] = str(value)
        else:
            out[key] = _leaf(value)
    return out


def record_from_central_row(row: dict) -> dict:
    """The record of one already-parsed OData row."""
    return _convert(row)


def record_from_central(raw: bytes | str) -> dict:
    """The record of one OData row kept as raw JSON bytes (``raw_format="central-json"``)."""
    return _convert(json.loads(raw))
