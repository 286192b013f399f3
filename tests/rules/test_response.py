from datetime import datetime, timedelta, timezone

import pytest

from chips.rules.clock import WIB
from chips.rules.response import (
    BREACH, CANCELLED, LATE, ON_TIME, HomeVisit, VisitRequest, evaluate_requests, from_settings,
    match_requests, request_status, summarise,
)

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=WIB)


def req(rid="R1", hh="H1", at=T0, **kw):
    return VisitRequest(rid, hh, at, **kw)


def visit(vid="V1", hh="H1", rid="R1", arrived=None, departed=None, given=False):
    return HomeVisit(vid, hh, rid, departed_at=departed, arrived_at=arrived, compensation_given=given)


def status_after(delta):
    return request_status(req(), visit(arrived=T0 + delta), now=T0 + timedelta(days=1))


def test_exactly_two_hours_is_on_time_without_compensation():
    s = status_after(timedelta(hours=2))
    assert (s.status, s.compensation_owed, s.open) == (ON_TIME, False, False)
    assert s.response_time == timedelta(hours=2)


def test_half_a_minute_over_two_hours_owes_compensation_as_on_the_phone():
    # the form rounds the response to whole minutes (half up): 120.48 min is 120, 120.5 is 121
    assert status_after(timedelta(hours=2, seconds=29)).status == ON_TIME
    s = status_after(timedelta(hours=2, seconds=30))
    assert (s.status, s.compensation_owed) == (LATE, True)
    assert status_after(timedelta(hours=2, minutes=1)).status == LATE


def test_exactly_four_hours_is_late_not_breach():
    s = status_after(timedelta(hours=4))
    assert (s.status, s.compensation_owed) == (LATE, True)


def test_over_four_hours_is_a_breach_and_owes_compensation():
    assert status_after(timedelta(hours=4, seconds=29)).status == LATE
    s = status_after(timedelta(hours=4, minutes=1))
    assert (s.status, s.compensation_owed, s.compensation_outstanding) == (BREACH, True, True)


def test_visit_across_midnight():
    received = datetime(2026, 1, 31, 22, 30, tzinfo=WIB)
    arrived = datetime(2026, 2, 1, 1, 0, tzinfo=WIB)
    s = request_status(req(at=received), visit(arrived=arrived, departed=received + timedelta(minutes=20)), now=arrived)
    assert s.elapsed == timedelta(hours=2, minutes=30)
    assert s.departure_delay == timedelta(minutes=20)
    assert s.status == LATE
    # the request belongs to January in Sempu, where it was received
    assert summarise([s], month=(2026, 1)).total == 1
    assert summarise([s], month=(2026, 2)).total == 0


def test_month_is_counted_in_wib_not_utc():
    received = datetime(2026, 2, 1, 5, 0, tzinfo=WIB)  # 31 January 22:00 UTC
    s = request_status(req(at=received), None, now=received)
    assert summarise([s], month=(2026, 2)).total == 1
    assert summarise([s], month=(2026, 1)).total == 0


def test_naive_datetimes_are_utc_and_mix_with_aware_ones():
    received_naive_utc = datetime(2026, 3, 1, 3, 0)  # 10:00 WIB
    arrived_wib = datetime(2026, 3, 1, 11, 30, tzinfo=WIB)
    s = request_status(req(at=received_naive_utc), visit(arrived=arrived_wib), now=arrived_wib)
    assert s.elapsed == timedelta(hours=1, minutes=30)
    assert s.status == ON_TIME


def test_open_request_runs_its_clock_and_owes_after_two_hours():
    early = request_status(req(), None, now=T0 + timedelta(minutes=59))
    assert (early.open, early.status, early.compensation_owed, early.elapsed) == (True, ON_TIME, False, timedelta(minutes=59))
    assert early.response_time is None
    late = request_status(req(), None, now=T0 + timedelta(hours=5))
    assert (late.open, late.status, late.compensation_owed) == (True, BREACH, True)


def test_cancelled_request_is_not_open_and_owes_nothing():
    s = request_status(req(cancelled_at=T0 + timedelta(minutes=30)), None, now=T0 + timedelta(hours=9))
    assert (s.open, s.status, s.compensation_owed) == (False, CANCELLED, False)


def test_compensation_handed_over_is_not_outstanding():
    s = request_status(req(), visit(arrived=T0 + timedelta(hours=3), given=True), now=T0 + timedelta(hours=3))
    assert s.compensation_owed and s.compensation_given and not s.compensation_outstanding


def test_arrival_slightly_before_report_counts_as_immediate():
    s = request_status(req(), visit(arrived=T0 - timedelta(minutes=5)), now=T0)
    assert s.elapsed == timedelta(0) and s.status == ON_TIME


def test_match_by_request_id_first():
    requests = [req("R1", "H1"), req("R2", "H1", T0 + timedelta(minutes=10))]
    visits = [visit("V1", "H1", "R2", arrived=T0 + timedelta(hours=1))]
    m = match_requests(requests, visits)
    assert [(r.request_id, v.visit_id, how) for r, v, how in m.pairs] == [("R2", "V1", "request_id")]
    assert [r.request_id for r in m.unmatched_requests] == ["R1"]


def test_match_by_household_and_window_oldest_request_first():
    requests = [req("R2", "H1", T0 + timedelta(hours=6)), req("R1", "H1", T0)]
    visits = [
        visit("V2", "H1", None, arrived=T0 + timedelta(hours=7)),
        visit("V1", "H1", None, arrived=T0 + timedelta(hours=1)),
    ]
    m = match_requests(requests, visits)
    assert sorted((r.request_id, v.visit_id, how) for r, v, how in m.pairs) == [
        ("R1", "V1", "household_window"), ("R2", "V2", "household_window")]


def test_visit_outside_the_window_leaves_the_request_visible_and_open():
    requests = [req("R1", "H1")]
    visits = [visit("V1", "H1", None, arrived=T0 + timedelta(hours=30))]
    statuses = evaluate_requests(requests, visits, now=T0 + timedelta(hours=31))
    assert len(statuses) == 1
    only = statuses[0]
    assert only.visit is None and only.open and only.status == BREACH and only.matched_by is None
    assert [v.visit_id for v in match_requests(requests, visits).unmatched_visits] == ["V1"]


def test_window_is_a_setting():
    rules = from_settings({"match_window_hours": 48})
    m = match_requests([req("R1", "H1")], [visit("V1", "H1", None, arrived=T0 + timedelta(hours=30))], rules)
    assert len(m.pairs) == 1


def test_visit_naming_an_unknown_request_still_matches_by_household():
    m = match_requests([req("R1", "H1")], [visit("V1", "H1", "R-unknown", arrived=T0 + timedelta(minutes=40))])
    assert [(r.request_id, how) for r, _, how in m.pairs] == [("R1", "household_window")]


def test_a_visit_answers_one_request_only():
    requests = [req("R1", "H1"), req("R2", "H1", T0 + timedelta(minutes=5))]
    m = match_requests(requests, [visit("V1", "H1", None, arrived=T0 + timedelta(hours=1))])
    assert len(m.pairs) == 1 and [r.request_id for r in m.unmatched_requests] == ["R2"]


def test_thresholds_come_from_settings():
    rules = from_settings({"on_time_hours": 1, "breach_hours": 3})
    s = request_status(req(), visit(arrived=T0 + timedelta(hours=1, minutes=30)), now=T0, rules=rules)
    assert s.status == LATE
    with pytest.raises(ValueError):
        from_settings({"on_time_hours": 5, "breach_hours": 4})


def test_summary_counts():
    now = T0 + timedelta(hours=10)
    requests = [req("A", "H1"), req("B", "H2"), req("C", "H3"), req("D", "H4")]
    visits = [
        visit("1", "H1", "A", arrived=T0 + timedelta(hours=1)),
        visit("2", "H2", "B", arrived=T0 + timedelta(hours=3), given=True),
        visit("3", "H3", "C", arrived=T0 + timedelta(hours=5)),
    ]
    summary = summarise(evaluate_requests(requests, visits, now))
    assert summary.total == 4 and summary.open == 1
    assert summary.by_status == {ON_TIME: 1, LATE: 1, BREACH: 2}
    assert (summary.compensation_owed, summary.compensation_given, summary.compensation_outstanding) == (3, 1, 2)
    assert summary.median_response == timedelta(hours=3)


def test_utc_and_wib_spellings_of_the_same_instant_agree():
    utc = datetime(2026, 3, 10, 2, 0, tzinfo=timezone.utc)
    s = request_status(req(at=utc), visit(arrived=T0 + timedelta(hours=2)), now=T0)
    assert s.elapsed == timedelta(hours=2) and s.status == ON_TIME


def test_visit_with_its_own_report_time_and_no_request_is_judged_too():
    v = HomeVisit("V9", None, None, arrived_at=T0 + timedelta(hours=3), received_at=T0)
    [s] = evaluate_requests([], [v], now=T0 + timedelta(hours=4))
    assert (s.request.request_id, s.matched_by, s.status, s.compensation_owed) == ("visit:V9", "visit_only", LATE, True)
    # a visit without a report time cannot be judged and is only listed as unmatched
    assert evaluate_requests([], [HomeVisit("V8", "H1", None, arrived_at=T0)], now=T0) == []
