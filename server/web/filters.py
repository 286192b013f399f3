"""Jinja filters: instants in WIB, durations as h:mm, percentages."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from chips.rules.clock import to_wib


def wib(value, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return to_wib(value).strftime(fmt)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def iso_utc(value) -> str:
    """For the clocks' JavaScript."""
    if value is None:
        return ""
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value.tzinfo is None else value.isoformat()


def hm(delta: timedelta | None) -> str:
    if delta is None:
        return "–"
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60}:{minutes % 60:02d}"


def pct(value) -> str:
    return "–" if value is None else f"{value:.1f} %"


def num(value) -> str:
    if value is None:
        return "–"
    return f"{value:g}" if isinstance(value, float) else str(value)


def register(app) -> None:
    app.jinja_env.filters.update(wib=wib, iso_utc=iso_utc, hm=hm, pct=pct, num=num)
