"""Working days per the State Council's arrangement (chinese-calendar data), DESIGN §4."""

from __future__ import annotations

import datetime as dt

import chinese_calendar
import pytest

from core.timeutil import local_tz
from core.workdays import add_working_days, is_workday
from tests.factories import at

D = dt.date


@pytest.mark.parametrize("day", [D(2026, 10, d) for d in range(1, 8)])
def test_national_day_2026_is_a_week_off(day):
    assert not is_workday(day)


@pytest.mark.parametrize("day", [D(2026, 9, 20), D(2026, 10, 10)])
def test_the_2026_make_up_weekend_days_are_workdays(day):
    # 2026: Sunday 20 September and Saturday 10 October are worked (调休) for 国庆/中秋.
    assert day.weekday() >= 5
    assert is_workday(day)


def test_a_plain_weekend_is_off_and_the_weekdays_around_it_are_on():
    assert is_workday(D(2026, 11, 27))  # Friday
    assert not is_workday(D(2026, 11, 28))
    assert not is_workday(D(2026, 11, 29))
    assert is_workday(D(2026, 11, 30))  # Monday


def test_adding_working_days_skips_the_weekend():
    assert add_working_days(at(27, 15, month=11), 2) == at(1, 15)  # Fri → Tue


def test_adding_working_days_skips_the_national_day_holiday():
    # Wednesday 30 Sept + 1 working day: 1–7 Oct are off, Thursday 8 Oct is next.
    assert add_working_days(at(30, 10, month=9), 1) == at(8, 10, month=10)
    assert add_working_days(at(30, 10, month=9), 2) == at(9, 10, month=10)


def test_adding_working_days_counts_the_make_up_saturday():
    # Friday 9 Oct + 1 is Saturday 10 Oct (调休), + 2 is Monday 12 Oct (Sunday 11 is off).
    assert add_working_days(at(9, 16, month=10), 1) == at(10, 16, month=10)
    assert add_working_days(at(9, 16, month=10), 2) == at(12, 16, month=10)


def test_it_keeps_the_local_time_of_day_for_a_utc_input():
    utc_friday = dt.datetime(2026, 11, 27, 7, 0, tzinfo=dt.UTC)  # 15:00 in Beijing
    result = add_working_days(utc_friday, 2)
    assert result == at(1, 15)


def test_it_refuses_zero_days():
    with pytest.raises(ValueError):
        add_working_days(at(1, 9), 0)


def _first_year_without_data() -> int:
    year = 2026
    while True:
        try:
            chinese_calendar.is_workday(D(year, 6, 1))
        except NotImplementedError:
            return year
        year += 1


def test_a_year_without_data_falls_back_to_monday_to_friday(caplog):
    # 2027 with the data as shipped today; a later chinesecalendar release moves it on.
    year = _first_year_without_data()
    from core.workdays import _warn_no_data

    _warn_no_data.cache_clear()  # warned once per year and process: whichever test came first
    monday = D(year, 3, 1) + dt.timedelta(days=-D(year, 3, 1).weekday() % 7)
    week = [monday + dt.timedelta(days=i) for i in range(7)]
    assert [is_workday(d) for d in week] == [True] * 5 + [False] * 2
    assert "no official holiday data" in caplog.text
    friday = dt.datetime.combine(week[4], dt.time(9), tzinfo=local_tz())
    assert add_working_days(friday, 1).date() == week[0] + dt.timedelta(days=7)


def test_extra_holidays_and_workdays_override_the_calendar(settings):
    settings.EXTRA_HOLIDAYS = ["2027-01-01", "2026-11-30"]
    settings.EXTRA_WORKDAYS = ["2027-01-02", "2026-10-03"]
    assert not is_workday(D(2027, 1, 1))
    assert is_workday(D(2027, 1, 2))
    assert not is_workday(D(2026, 11, 30))  # overrides the package data too
    assert is_workday(D(2026, 10, 3))
    # Thursday 31 Dec 2026 + 1: Friday 1 Jan is off, Saturday 2 Jan is worked.
    assert add_working_days(at(31, 9), 1) == at(2, 9, month=1, year=2027)


def test_fixed_date_holidays_hold_in_years_without_data():
    import datetime as dt

    from core.workdays import is_workday

    assert not is_workday(dt.date(2027, 1, 1))  # a Friday, 元旦
    assert not is_workday(dt.date(2027, 10, 1))
    assert is_workday(dt.date(2027, 1, 4))


def test_a_malformed_extra_holiday_stops_start_up(monkeypatch):
    import importlib

    from django.core.exceptions import ImproperlyConfigured

    import core.settings

    monkeypatch.setenv("EXTRA_HOLIDAYS", "2026-13-01")
    with pytest.raises(ImproperlyConfigured):
        importlib.reload(core.settings)
    monkeypatch.delenv("EXTRA_HOLIDAYS")
    importlib.reload(core.settings)
