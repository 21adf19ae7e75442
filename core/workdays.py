"""Working days with Chinese official holidays and 调休 (make-up) workdays.

The `chinese-calendar` package carries the State Council's published arrangements; for
a year it does not cover yet we fall back to Monday–Friday plus the EXTRA_HOLIDAYS /
EXTRA_WORKDAYS settings, because the State Council publishes next year's arrangement
only in November and a hold must never crash on 1 January.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache

import chinese_calendar
from django.conf import settings

from core.timeutil import localtime

log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def _overrides(
    holidays: tuple[str, ...], workdays: tuple[str, ...]
) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    return (
        frozenset(dt.date.fromisoformat(d) for d in holidays),
        frozenset(dt.date.fromisoformat(d) for d in workdays),
    )


def is_workday(day: dt.date) -> bool:
    holidays, workdays = _overrides(tuple(settings.EXTRA_HOLIDAYS), tuple(settings.EXTRA_WORKDAYS))
    if day in holidays:
        return False
    if day in workdays:
        return True
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        _warn_no_data(day.year)
        # The fixed-date holidays are certain every year; the lunar ones (春节, 清明,
        # 端午, 中秋) and the 调休 swaps are not: set them in EXTRA_HOLIDAYS/WORKDAYS.
        return day.weekday() < 5 and (day.month, day.day) not in _FIXED_HOLIDAYS


_FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}


@lru_cache(maxsize=16)
def _warn_no_data(year: int) -> None:
    log.warning(
        "no official holiday data for %s: counting Monday–Friday without 元旦, 劳动节 and "
        "国庆 (1–3 Oct); set EXTRA_HOLIDAYS / EXTRA_WORKDAYS for the rest",
        year,
    )


def add_working_days(start: dt.datetime, days: int) -> dt.datetime:
    """The same local time of day on the `days`-th working day after `start`'s day.

    A request made on Friday 15:00 with two working days to decide expires on Tuesday
    15:00; over 国庆 the holiday week is skipped and the 调休 Saturday counts.
    """
    if days < 1:
        raise ValueError("days must be >= 1")
    local = localtime(start)
    day = local.date()
    counted = 0
    while counted < days:
        day += dt.timedelta(days=1)
        if is_workday(day):
            counted += 1
    return local.replace(year=day.year, month=day.month, day=day.day)


def is_official_holiday(day: dt.date) -> bool:
    """A public holiday (法定节假日, with its in-lieu days), not an ordinary weekend.

    A weekly meeting skips 国庆 and 春节, but a rule that asks for Saturdays keeps its
    ordinary Saturdays. Years without holiday data count the fixed-date holidays and
    EXTRA_HOLIDAYS, as is_workday does.
    """
    holidays, workdays = _overrides(tuple(settings.EXTRA_HOLIDAYS), tuple(settings.EXTRA_WORKDAYS))
    if day in holidays:
        return True
    if day in workdays:
        return False
    try:
        on_holiday, name = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:
        return (day.month, day.day) in _FIXED_HOLIDAYS
    return bool(on_holiday and name is not None)


@lru_cache(maxsize=1)
def _swaps() -> dict[dt.date, dt.date]:
    """In-lieu holiday → the weekend day worked for it, over all the package's years.

    Days are grouped by holiday name and then by closeness (one arrangement spans a few
    weeks at most), so a 元旦 arrangement that crosses the new year pairs correctly.
    """
    days: dict[str, list[tuple[dt.date, bool]]] = {}
    for day, name in chinese_calendar.workdays.items():
        days.setdefault(str(name), []).append((day, True))
    for day, name in chinese_calendar.in_lieu_days.items():
        days.setdefault(str(name), []).append((day, False))
    out: dict[dt.date, dt.date] = {}
    for entries in days.values():
        entries.sort()
        cluster: list[tuple[dt.date, bool]] = []
        for entry in [*entries, (dt.date.max, False)]:
            if cluster and (entry[0] - cluster[-1][0]).days > 45:
                worked = [d for d, w in cluster if w]
                off = [d for d, w in cluster if not w]
                out.update(zip(off, worked, strict=False))
                cluster = []
            cluster.append(entry)
    return out


def adjusted_workday_for(day: dt.date) -> dt.date | None:
    """The 调休 workday that makes up for `day`, when `day` is an in-lieu holiday.

    The State Council's notices pair each weekend working day with a weekday given off
    (2026 国庆: Sunday 20 Sep and Saturday 10 Oct are worked for Tuesday 6 and Wednesday
    7 Oct). Paired in date order within one holiday, so 10 Oct works like Wednesday 7 Oct:
    a Wednesday meeting skipped for the holiday is held on that Saturday. Years without
    data (and EXTRA_WORKDAYS) have no pairing: nothing moves there.
    """
    return _swaps().get(day)
