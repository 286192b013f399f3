"""Pages of rows: LIMIT/OFFSET over an ordered statement, with the total counted in SQL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from sqlalchemy import Connection, Select, func, select

MAX_PER_PAGE = 500


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1


def clamp(page: Any, per_page: Any, default_per_page: int = 50) -> tuple[int, int]:
    """Page numbers from a query string: bad or out-of-range values become safe ones."""
    try:
        page = max(1, int(page))
    except (TypeError, ValueError):
        page = 1
    try:
        per_page = min(MAX_PER_PAGE, max(1, int(per_page)))
    except (TypeError, ValueError):
        per_page = default_per_page
    return page, per_page


def paginate(conn: Connection, stmt: Select, page: int, per_page: int) -> Page:
    """``stmt`` must be ordered (a unique tiebreaker last) so pages never overlap."""
    total = conn.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
    rows = conn.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    return Page(rows, page, per_page, total)
