"""Each report figure on the recorded stream of calls (tests/reports/stream.py has the table)."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.calls.ui_support import make_supervisor, make_user
from tests.reports.stream import databases
from voip.reports.filters import ReportFilters
from voip.reports.selectors import report_build, report_calls

pytestmark = pytest.mark.django_db(databases=databases())

NOVEMBER = ReportFilters(date_from=dt.date(2026, 11, 1), date_to=dt.date(2026, 11, 30))


@pytest.fixture
def supervisor(stream):
    return make_supervisor("sam", extension=None)


def build(user, **filters):
    return report_build(user=user, filters=ReportFilters(**{**NOVEMBER.__dict__, **filters}))


def test_range_is_midnight_to_midnight_in_the_crm_time_zone(stream, supervisor) -> None:
    linkedids = set(report_calls(user=supervisor, filters=NOVEMBER).values_list("linkedid", flat=True))
    assert len(linkedids) == 15
    # 31 Oct 23:30 Moscow is 20:30 UTC on the 31st; 1 Dec 00:10 Moscow is 21:10 UTC on 30 Nov.
    assert "r16" not in linkedids and "r17" not in linkedids
    assert "r15" in linkedids


def test_calls_by_direction(stream, supervisor) -> None:
    totals = build(supervisor).totals
    assert (totals.total, totals.inbound, totals.outbound, totals.internal) == (15, 10, 3, 2)


def test_answered(stream, supervisor) -> None:
    assert build(supervisor).totals.answered == 9


def test_missed_counts_unanswered_calls_to_us_not_our_own_unanswered_calls(stream, supervisor) -> None:
    # The 23 no-answer and the cancelled inbound call; the outbound no-answer and busy are not missed.
    assert build(supervisor).totals.missed == 2


def test_abandoned(stream, supervisor) -> None:
    assert build(supervisor).totals.abandoned == 2


def test_average_and_longest_wait(stream, supervisor) -> None:
    totals = build(supervisor).totals
    assert totals.waits == 6
    assert totals.average_wait == pytest.approx(86 / 6)
    assert totals.wait_max == 45


def test_average_talk_time_over_answered_calls(stream, supervisor) -> None:
    # 50 + 50 + 63 + 4 + 10 (the recorded calls' billsec) + 120 + 60 + 30 + 20, over 9 answered.
    assert build(supervisor).totals.average_talk == pytest.approx(407 / 9)


def test_service_level_per_queue_threshold(stream, supervisor) -> None:
    report = build(supervisor)
    # support (20 s by setting): 8, 5, 15 answered in time, one abandoned; sales (10 s from its
    # realtime row): answered at exactly 10 s counts, one abandoned.
    assert report.totals.service_level == pytest.approx(100 * 4 / 6)
    queues = {row.queue: row for row in report.per_queue}
    assert set(queues) == {"sales", "support"}
    assert queues["support"].service_level_seconds == 20 and queues["sales"].service_level_seconds == 10
    assert queues["support"].figures.service_level == pytest.approx(75.0)
    assert queues["sales"].figures.service_level == pytest.approx(50.0)


def test_service_level_setting_per_queue_name(stream, supervisor, settings) -> None:
    settings.VOIP_REPORTS = {"SERVICE_LEVEL_SECONDS": 20, "QUEUE_SERVICE_LEVEL_SECONDS": {"support": 6}}
    queues = {row.queue: row for row in build(supervisor).per_queue}
    assert queues["support"].service_level_seconds == 6
    assert queues["support"].figures.service_level == pytest.approx(25.0)  # only the 5 s wait


def test_per_queue_figures(stream, supervisor) -> None:
    queues = {row.queue: row.figures for row in build(supervisor).per_queue}
    support, sales = queues["support"], queues["sales"]
    assert (support.total, support.answered, support.abandoned, support.wait_max) == (4, 3, 1, 45)
    assert support.average_wait == pytest.approx((8 + 5 + 15 + 45) / 4)
    assert (sales.total, sales.answered, sales.abandoned, sales.wait_max) == (2, 1, 1, 10)
    assert sales.average_wait == pytest.approx(6.5)


def test_per_agent_figures(stream, supervisor) -> None:
    rows = {row.name: row for row in build(supervisor).per_agent}
    assert set(rows) == {"Alice Agent", "Carol Agent", "Eve Agent", ""}
    alice, carol, eve = rows["Alice Agent"].figures, rows["Carol Agent"].figures, rows["Eve Agent"].figures
    assert (alice.total, alice.answered, alice.missed) == (6, 5, 1)
    assert alice.average_talk == pytest.approx((50 + 50 + 63 + 4 + 10) / 5)
    assert (carol.total, carol.answered, carol.missed) == (4, 3, 1)
    assert carol.average_talk == pytest.approx(200 / 3)
    assert (eve.total, eve.answered, eve.missed, eve.outbound) == (3, 1, 0, 2)
    assert rows[""].agent_id is None and rows[""].figures.abandoned == 2
    assert [row.name for row in build(supervisor).per_agent][-1] == ""  # calls with no agent last


def test_per_day_in_local_days(stream, supervisor) -> None:
    days = build(supervisor).per_day
    assert len(days) == 30 and days[0][0] == dt.date(2026, 11, 1) and days[-1][0] == dt.date(2026, 11, 30)
    busy = {day.day: f.total for day, f in days if f.total}
    # Call 15, at 01:30 on Monday 9 November in Moscow, is still the 8th in UTC.
    assert busy == {2: 2, 3: 3, 4: 3, 5: 3, 6: 2, 8: 1, 9: 1}
    by_day = dict(days)
    assert (by_day[dt.date(2026, 11, 3)].answered, by_day[dt.date(2026, 11, 3)].missed) == (2, 1)
    assert by_day[dt.date(2026, 11, 5)].abandoned == 1


def test_heat_map_hour_of_day_by_weekday(stream, supervisor) -> None:
    heat = build(supervisor).heat_map
    cells = {(weekday, hour): count for weekday in range(7) for hour, count in enumerate(heat[weekday]) if count}
    assert cells == {(0, 10): 2, (0, 1): 1, (1, 11): 1, (1, 14): 2, (2, 9): 3, (3, 10): 3, (4, 16): 2, (6, 23): 1}


@pytest.mark.parametrize(
    ("filters", "count"),
    [
        ({"direction": "outbound"}, 3),
        ({"direction": "internal"}, 2),
        ({"queue": "sales"}, 2),
        ({"trunk": "trunk-b"}, 5),
        ({"did": "+74957770001"}, 2),
    ],
)
def test_filters(stream, supervisor, filters, count) -> None:
    assert build(supervisor, **filters).totals.total == count


def test_filter_by_agent(stream, supervisor) -> None:
    report = build(supervisor, agent_id=stream.carol.pk)
    assert report.totals.total == 4 and [row.name for row in report.per_agent] == ["Carol Agent"]


def test_an_agent_counts_only_their_own_calls(stream) -> None:
    report = build(stream.alice)  # an agent: voip.place_calls, not voip.view_all_calls
    assert report.totals.total == 6 and {row.agent_id for row in report.per_agent} == {stream.alice.pk}


def test_a_user_without_a_telephony_role_sees_nothing(stream) -> None:
    nobody = make_user("nobody")
    assert build(nobody).totals.total == 0
