"""Time helpers: aware datetimes only; naive input means office local time."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def local_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def make_aware_local(value: dt.datetime) -> dt.datetime:
    """Interpret a datetime without offset as office local time (Asia/Shanghai).

    Staff type times as they read them on the wall clock; an API client that sends
    "2026-12-01T09:00" means 09:00 in Beijing, not in UTC.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        return value.replace(tzinfo=local_tz())
    return value


def localtime(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value, local_tz())


def local_day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """Half-open [start, end) of a calendar day in office local time."""
    tz = local_tz()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def at_local(day: dt.date, time: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, time, tzinfo=local_tz())


def overlaps(
    a_start: dt.datetime, a_end: dt.datetime, b_start: dt.datetime, b_end: dt.datetime
) -> bool:
    """Half-open intervals: 09:00–10:00 and 10:00–11:00 do not overlap."""
    return a_start < b_end and b_start < a_end
