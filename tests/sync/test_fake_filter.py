"""The fake Central's compiled $filter (tests/fakes/central.py ``predicate``) answers as the
plain reading below (the matcher it replaced) does, for every combination of the fields
and operators the fake accepts: a faster fake must not be a different one."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from tests.fakes.central import Sub, predicate

T = datetime(2026, 12, 1, tzinfo=timezone.utc)
TIMES = [None, T - timedelta(seconds=1), T, T + timedelta(seconds=1)]

# the plain reading: OR of ANDs; nothing compares with a missing value except eq/ne
OPS = {"gt": lambda a, b: a is not None and b is not None and a > b,
       "ge": lambda a, b: a is not None and b is not None and a >= b,
       "lt": lambda a, b: a is not None and b is not None and a < b,
       "le": lambda a, b: a is not None and b is not None and a <= b,
       "eq": lambda a, b: a == b, "ne": lambda a, b: a != b}
ATTR = {"submissionDate": "created_at", "updatedAt": "updated_at", "deletedAt": "deleted_at",
        "reviewState": "review_state"}


def matches(sub: Sub, alternatives) -> bool:
    return any(all(OPS[op](getattr(sub, ATTR[f]), v) for f, op, v in terms) for terms in alternatives)


def _subs() -> list[Sub]:
    out = []
    for i, (created, updated, deleted, review) in enumerate(itertools.product(
            TIMES[1:], TIMES, TIMES, [None, "approved", "edited"])):
        out.append(Sub(i, f"uuid:{i}", f"uuid:{i}", b"", {}, created, "1", {}, updated_at=updated,
                       deleted_at=deleted, review_state=review))
    return out


def _filters() -> list:
    terms = [(f, op, v) for f in ("submissionDate", "updatedAt", "deletedAt")
             for op in ("gt", "ge", "lt", "le", "eq", "ne") for v in (None, T)]
    terms += [("reviewState", op, v) for op in ("eq", "ne") for v in (None, "approved")]
    one = [[[t]] for t in terms]
    # the shapes chips sends (sync.central.incremental_filter) and a few more
    some = [[[a], [b]] for a, b in itertools.combinations(terms[::5], 2)]
    some += [[[a, b]] for a, b in itertools.combinations(terms[::7], 2)]
    return [None, []] + one + some


def test_the_compiled_filter_answers_as_the_plain_one():
    subs, filters = _subs(), _filters()
    checked = 0
    for alternatives in filters:
        for show_deleted in (False, True):
            keep = predicate(alternatives, show_deleted)
            expected = [s.seq for s in subs if (s.deleted_at is None or show_deleted)
                        and (alternatives is None or matches(s, alternatives))]
            assert [s.seq for s in subs if keep(s)] == expected, (alternatives, show_deleted)
            checked += 1
    assert checked == 2 * len(filters) > 150
