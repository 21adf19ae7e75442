"""Series and Chinese public holidays, on the real 2026 arrangement.

2026 国庆 and 中秋: 1–7 October off (with 25–27 September for 中秋 before it); Sunday
20 September and Saturday 10 October are worked, for Tuesday 6 and Wednesday 7 October.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.timeutil import local_tz
from core.workdays import adjusted_workday_for, is_official_holiday
from tests.factories import make_room
from tests.meetings.series_support import book_series

pytestmark = pytest.mark.django_db

SEPT_NOW = dt.datetime(2026, 9, 1, 8, 0, tzinfo=local_tz())


def day(month: int, d: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2026, month, d, hour, 0, tzinfo=local_tz())


def dates(result) -> list[str]:
    return [m.start.astimezone(local_tz()).date().isoformat() for m in result.created]


def test_the_calendar_helpers_know_the_2026_arrangement():
    assert is_official_holiday(dt.date(2026, 10, 5))  # Monday in the National Day week
    assert not is_official_holiday(dt.date(2026, 10, 17))  # an ordinary Saturday
    assert not is_official_holiday(dt.date(2026, 10, 10))  # the 调休 Saturday is worked
    assert adjusted_workday_for(dt.date(2026, 10, 7)) == dt.date(2026, 10, 10)
    assert adjusted_workday_for(dt.date(2026, 10, 6)) == dt.date(2026, 9, 20)
    assert adjusted_workday_for(dt.date(2026, 10, 8)) is None


def test_a_weekly_monday_meeting_skips_the_national_day_monday(organiser, room):
    result = book_series(
        organiser,
        room,
        rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20261019",
        start=day(9, 28),
        end=day(9, 28, 10),
        now=SEPT_NOW,
    )
    assert dates(result) == ["2026-09-28", "2026-10-12", "2026-10-19"]
    assert [s["date"] for s in result.skipped if s["reason"] == "holiday"] == ["2026-10-05"]
    assert result.series.template["skipped"][0]["reason"] == "holiday"


def test_without_skip_holidays_the_holiday_is_booked(organiser, room):
    result = book_series(
        organiser,
        room,
        rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20261019",
        start=day(9, 28),
        end=day(9, 28, 10),
        now=SEPT_NOW,
        skip_holidays=False,
    )
    assert "2026-10-05" in dates(result)


def test_the_tiaoxiu_saturday_gets_the_wednesday_meeting_when_asked(organiser, room):
    kw = {
        "rrule": "FREQ=WEEKLY;BYDAY=WE;UNTIL=20261014",
        "start": day(9, 30),
        "end": day(9, 30, 10),
        "now": SEPT_NOW,
    }
    plain = book_series(organiser, room, **kw)
    assert dates(plain) == ["2026-09-30", "2026-10-14"]
    other = make_room("第二会议室")
    adjusted = book_series(organiser, other, include_adjusted_workdays=True, **kw)
    assert dates(adjusted) == ["2026-09-30", "2026-10-10", "2026-10-14"]
    saturday = adjusted.created[1]
    # Held on Saturday 10 October, for the Wednesday it makes up for.
    assert saturday.recurrence_id == day(10, 7) and saturday.start == day(10, 10)
    assert not saturday.is_exception


def test_a_daily_workday_series_over_the_national_day_week(organiser, room):
    result = book_series(
        organiser,
        room,
        rrule="FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR;UNTIL=20261012",
        start=day(9, 28),
        end=day(9, 28, 10),
        now=SEPT_NOW,
        include_adjusted_workdays=True,
    )
    # 28–30 September, then 8–9 October, the 调休 Saturday (for Wednesday 7 October) and
    # 12 October. Sunday 20 September makes up for Tuesday 6 October but lies before the
    # series' first day, so that Tuesday is simply skipped.
    assert dates(result) == [
        "2026-09-28",
        "2026-09-29",
        "2026-09-30",
        "2026-10-08",
        "2026-10-09",
        "2026-10-10",
        "2026-10-12",
    ]
    holidays = [s["date"] for s in result.skipped if s["reason"] == "holiday"]
    assert holidays == ["2026-10-01", "2026-10-02", "2026-10-05", "2026-10-06"]


def test_count_counts_rule_dates_holidays_included(organiser, room):
    result = book_series(
        organiser,
        room,
        rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=3",
        start=day(9, 28),
        end=day(9, 28, 10),
        now=SEPT_NOW,
    )
    # As in RFC 5545, where an excluded date still counts: "3 weeks" stays 3 weeks.
    assert dates(result) == ["2026-09-28", "2026-10-12"]


def test_years_without_data_skip_the_fixed_date_holidays_only():
    assert is_official_holiday(dt.date(2027, 1, 1))
    assert is_official_holiday(dt.date(2027, 10, 1))
    assert not is_official_holiday(dt.date(2027, 2, 8))  # 春节 2027: not known yet
    assert adjusted_workday_for(dt.date(2027, 10, 4)) is None
