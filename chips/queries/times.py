"""Calendar bounds in WIB turned into the naive-UTC instants the store holds."""

from __future__ import annotations

from datetime import date, datetime, time, timezone

from chips.rules.clock import WIB, to_wib


def wib_midnight_utc(day: date) -> datetime:
    """The naive-UTC instant at which ``day`` begins in Sempu."""
    return datetime.combine(day, time(0), tzinfo=WIB).astimezone(timezone.utc).replace(tzinfo=None)


def month_start_utc(now: datetime) -> datetime:
    local = to_wib(now)
    return wib_midnight_utc(local.date().replace(day=1))


def today_start_utc(now: datetime) -> datetime:
    return wib_midnight_utc(to_wib(now).date())


def utcnow() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
