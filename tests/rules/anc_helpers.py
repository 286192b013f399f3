"""Small builders for ANC tests."""

from datetime import date, timedelta

from chips.rules.anc import TEN_T_KEYS, AncVisit

HPHT = date(2026, 1, 1)
ALL_10T = frozenset(TEN_T_KEYS)


def on_day(days: int, hpht: date = HPHT) -> date:
    return hpht + timedelta(days=days)


def anc(vid, days, *, mother="M1", hpht=HPHT, doctor=False, items=ALL_10T, **kw):
    """A visit ``days`` days after ``hpht`` with every 10T item unless told otherwise."""
    return AncVisit(
        visit_id=vid,
        mother_key=mother,
        visit_date=on_day(days, hpht),
        hpht=hpht,
        examiner="doctor" if doctor else "bidan",
        items_10t=items,
        **kw,
    )
