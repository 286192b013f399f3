"""XForm answer strings → column values.

Lenient on purpose: an answer that does not parse (a hand-edited submission, a form
version with a different type) becomes NULL in the projection; the raw submission keeps
the original, and a projection never fails on one odd value.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from chips.records import get


def text(record: dict, path: str) -> str | None:
    value = get(record, path)
    if isinstance(value, dict):
        value = value.get("#text")
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def integer(record: dict, path: str) -> int | None:
    value = text(record, path)
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        try:
            number = float(value)
        except ValueError:
            return None
        return int(round(number)) if number == number and abs(number) < 2**62 else None


def decimal(record: dict, path: str) -> float | None:
    value = text(record, path)
    if value is None:
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if number == number and abs(number) != float("inf") else None


def yes_no(record: dict, path: str) -> bool | None:
    value = text(record, path)
    if value is None:
        return None
    lowered = value.lower()
    if lowered in {"yes", "1", "true"}:
        return True
    if lowered in {"no", "0", "false"}:
        return False
    return None


def day(record: dict, path: str) -> date | None:
    value = text(record, path)
    if value is None:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _moment(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def utc(record: dict, path: str) -> datetime | None:
    """A dateTime answer as naive UTC; one without an offset is taken as written."""
    moment = _moment(text(record, path))
    if moment is None:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def local_day(record: dict, path: str) -> date | None:
    """The calendar day of a dateTime answer in the phone's own time zone."""
    moment = _moment(text(record, path))
    return moment.date() if moment is not None else None


def geopoint(record: dict, path: str) -> tuple[float | None, float | None, float | None, float | None]:
    """``"lat lon alt acc"`` → (lat, lon, alt, acc); anything unreadable → all None."""
    value = text(record, path)
    if value is None:
        return (None, None, None, None)
    parts = value.split()
    try:
        numbers = [float(p) for p in parts[:4]]
    except ValueError:
        return (None, None, None, None)
    if len(numbers) < 2 or not (-90 <= numbers[0] <= 90 and -180 <= numbers[1] <= 180):
        return (None, None, None, None)
    numbers += [None] * (4 - len(numbers))
    return tuple(numbers)  # type: ignore[return-value]


def _entity_block(record: dict, path: str) -> Any:
    from chips.entities import entity_block

    # path ends in meta/entity; its node is what holds meta (and the mirror calculates)
    parent = path.strip("/").rsplit("meta/entity", 1)[0].strip("/")
    return entity_block(get(record, parent) if parent else record)


def entity_id(record: dict, path: str = "meta/entity") -> str | None:
    from chips.entities import attr

    block = _entity_block(record, path)
    if not isinstance(block, dict):
        return None
    value = attr(block, "id").lower()
    if value.startswith("uuid:"):
        value = value[5:]
    return value or None


def created(record: dict, path: str = "meta/entity") -> bool:
    from chips.entities import attr

    block = _entity_block(record, path)
    return isinstance(block, dict) and attr(block, "create").lower() in {"1", "true"}


def choices(record: dict, path: str) -> list[str]:
    value = text(record, path)
    return value.split() if value else []
