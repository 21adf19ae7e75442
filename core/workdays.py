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
