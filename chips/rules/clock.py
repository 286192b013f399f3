"""Time conventions shared by the rules: store UTC, display WIB (Asia/Jakarta, UTC+7).

Decision: every instant the rules compare is converted to an aware UTC datetime first.
A *naive* datetime is taken to be UTC already, because that is what the store gives back
(SQLite keeps no offset; the ingest writes UTC). Local wall-clock values typed on a phone
arrive with their ``+07:00`` offset in the submission XML and so are aware. Calendar
questions ("which month", "which day") are answered in WIB, where the programme lives:
a request received at 23:30 WIB on 31 January belongs to January even though it is
16:30 UTC.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def to_utc(moment: datetime) -> datetime:
    """An aware UTC datetime; a naive one is read as UTC (the store's convention)."""
    if moment.tzinfo is None or moment.tzinfo.utcoffset(moment) is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


def maybe_utc(moment: datetime | None) -> datetime | None:
    return None if moment is None else to_utc(moment)


def to_wib(moment: datetime) -> datetime:
    """For display: the same instant on the clock of Sempu."""
    return to_utc(moment).astimezone(WIB)


def wib_date(moment: datetime) -> date:
    """The calendar day in Sempu on which this instant falls."""
    return to_wib(moment).date()


def wib_month(moment: datetime) -> tuple[int, int]:
    """(year, month) in WIB, for "late this month" style counts."""
    local = to_wib(moment)
    return local.year, local.month
