"""A small in-process cache for results that only change when the data do (the ANC page's
judged pregnancies, the SPM report).

Each entry carries the *data version* it was computed at: the newest submission id, the
number of deleted submissions and the newest SPM target. Any new or edited submission,
deletion or target change moves the version, so a stale result is never served; the
entries also expire after ``TTL_SECONDS`` (the clock moves "today" and "overdue" on).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Callable, Hashable

from sqlalchemy import Connection, func, select

from chips.db.schema import submissions

TTL_SECONDS = 300
MAX_ENTRIES = 64

_entries: "OrderedDict[Hashable, tuple[Hashable, float, Any]]" = OrderedDict()
_lock = threading.Lock()


def data_version(conn: Connection) -> tuple:
    from chips.db.web_tables import spm_targets

    newest = conn.execute(select(func.max(submissions.c.id))).scalar()
    deleted = conn.execute(select(func.count()).where(submissions.c.state == "deleted")).scalar()
    targets = conn.execute(select(func.max(spm_targets.c.id), func.count(spm_targets.c.id))).one()
    return (newest, deleted, tuple(targets))


def cached(conn: Connection, key: Hashable, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per ``key`` and data version (``key`` must name the database)."""
    version = data_version(conn)
    now = time.monotonic()
    with _lock:
        hit = _entries.get(key)
        if hit is not None and hit[0] == version and hit[1] > now:
            _entries.move_to_end(key)
            return hit[2]
    value = compute()  # outside the lock: two threads may compute the same thing once each
    with _lock:
        _entries[key] = (version, now + TTL_SECONDS, value)
        _entries.move_to_end(key)
        while len(_entries) > MAX_ENTRIES:
            _entries.popitem(last=False)
    return value


def clear() -> None:
    with _lock:
        _entries.clear()
