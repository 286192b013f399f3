"""Which villages a reader may see: a bidan only hers, everyone else all of them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import ColumnElement, false, true


@dataclass(frozen=True)
class Scope:
    villages: frozenset[str] | None = None  # None: every village

    @classmethod
    def of(cls, villages: Iterable[str] | None) -> "Scope":
        return cls(None if villages is None else frozenset(villages))

    def allows(self, village: str | None) -> bool:
        return self.villages is None or (village is not None and village in self.villages)

    def where(self, column) -> ColumnElement[bool]:
        """The SQL condition that keeps rows of the allowed villages."""
        if self.villages is None:
            return true()
        if not self.villages:
            return false()
        return column.in_(sorted(self.villages))


ALL = Scope()
