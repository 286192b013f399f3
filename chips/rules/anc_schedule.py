"""The next expected ANC visit of a pregnancy and whether it is overdue.

Rule (ours; the standards fix counts per trimester, not dates): the next visit is due
``visit_interval_weeks`` after the last one, by the trimester she is in at that last
visit (4/4/2 weeks by default, the KIA book's monthly then fortnightly rhythm), but no
later than the last day of the earliest trimester that still lacks visits under the
standard and had not closed by the last visit — so a woman seen once in T1 under the 2-1-3
standard is due again before 13 weeks. A pregnancy is *overdue* when it is ongoing
(no end recorded, and under ``assume_ended_after_weeks`` by ``today`` when dated) and
``today`` is more than ``overdue_grace_days`` past that date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from chips.rules.anc import AncConfig, Pregnancy, trimester_window
from chips.rules.anc_standards import AncEvaluation, AncStandard, evaluate, get_standard


@dataclass(frozen=True)
class NextVisit:
    pregnancy_key: str
    ongoing: bool
    due_on: date | None  # None when the pregnancy is over
    overdue: bool
    days_overdue: int  # past the due date (0 when not overdue)
    gestational_weeks_today: int | None


def next_visit(
    pregnancy: Pregnancy,
    today: date,
    standard: AncStandard | str | None = None,
    config: AncConfig = AncConfig(),
    evaluation: AncEvaluation | None = None,
) -> NextVisit:
    if not isinstance(standard, AncStandard):
        standard = get_standard(standard or config.standard)
    evaluation = evaluation or evaluate(pregnancy, standard)
    days_today = pregnancy.gestational_days_on(today)
    weeks_today = None if days_today is None else days_today // 7

    ongoing = pregnancy.ended_on is None or pregnancy.ended_on > today
    if days_today is not None and days_today >= config.assume_ended_after_weeks * 7:
        ongoing = False
    if pregnancy.hpht is None and (today - pregnancy.last_visit).days > config.assume_ended_after_weeks * 7:
        ongoing = False
    if not ongoing:
        return NextVisit(pregnancy.key, False, None, False, 0, weeks_today)

    last = pregnancy.visits[-1]
    trimester_at_last = last.trimester or 1
    due = pregnancy.last_visit + timedelta(weeks=config.visit_interval_weeks[trimester_at_last])
    if pregnancy.hpht is not None:
        for t in (1, 2, 3):
            _, closes = trimester_window(pregnancy.hpht, t)
            if evaluation.missing_visits[t] and closes >= pregnancy.last_visit:
                due = min(due, closes)
                break
    late_by = (today - due).days
    overdue = late_by > config.overdue_grace_days
    return NextVisit(pregnancy.key, True, due, overdue, late_by if overdue else 0, weeks_today)


def overdue_pregnancies(
    pregnancies: Iterable[Pregnancy],
    today: date,
    standard: AncStandard | str | None = None,
    config: AncConfig = AncConfig(),
) -> list[NextVisit]:
    """Ongoing pregnancies past their next expected visit, longest overdue first."""
    found = [n for p in pregnancies if (n := next_visit(p, today, standard, config)).overdue]
    return sorted(found, key=lambda n: (-n.days_overdue, n.pregnancy_key))
