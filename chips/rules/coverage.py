"""Coverage of the CHIPS household measures.

Source: DOMAIN.md: a sticker with the driver's number on every poor household's house; a
kenthongan (bamboo alarm) at every elderly person living alone; and, for planners, when the
team last came to each household.

"Poor" means the registration form's poverty status ``dtks`` or ``poor_unregistered``
(``POOR_STATUSES``); near-poor households are not in the sticker denominator. A household
has a lone elderly person when the registration counted one (``lone_elderly_count`` > 0).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable

from chips.rules.clock import to_utc

POOR_STATUSES = frozenset({"dtks", "poor_unregistered"})


@dataclass(frozen=True)
class Household:
    household_id: str
    village: str | None
    poverty: str | None  # the registration form's poverty choice
    sticker_installed: bool = False
    lone_elderly_count: int = 0
    kenthongan_installed: bool = False

    @property
    def poor(self) -> bool:
        return self.poverty in POOR_STATUSES


@dataclass(frozen=True)
class CoverageRow:
    village: str | None  # None: all villages
    poor_households: int
    with_sticker: int
    lone_elderly_households: int
    with_kenthongan: int

    @property
    def sticker_percent(self) -> float | None:
        return None if not self.poor_households else 100.0 * self.with_sticker / self.poor_households

    @property
    def kenthongan_percent(self) -> float | None:
        return None if not self.lone_elderly_households else 100.0 * self.with_kenthongan / self.lone_elderly_households


NO_VILLAGE = "(tanpa desa / no village)"


def coverage(households: Iterable[Household]) -> list[CoverageRow]:
    """One row per village (sorted) and a total row (village None), always present."""
    cells: dict[str | None, list[int]] = {None: [0, 0, 0, 0]}
    for h in households:
        for key in (h.village or NO_VILLAGE, None):
            c = cells.setdefault(key, [0, 0, 0, 0])
            if h.poor:
                c[0] += 1
                c[1] += h.sticker_installed
            if h.lone_elderly_count > 0:
                c[2] += 1
                c[3] += h.kenthongan_installed
    villages = sorted(k for k in cells if k is not None)
    return [CoverageRow(v, *cells[v]) for v in [*villages, None]]


def last_home_visit(visits: Iterable[tuple[str, datetime]]) -> dict[str, datetime]:
    """household_id -> the latest arrival among (household_id, arrived_at) pairs (UTC)."""
    latest: dict[str, datetime] = {}
    for household_id, arrived in visits:
        if not household_id or arrived is None:
            continue
        arrived = to_utc(arrived)
        if household_id not in latest or arrived > latest[household_id]:
            latest[household_id] = arrived
    return latest
