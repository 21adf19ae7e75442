"""Shared helpers of the series tests: book a series through the service, read it back."""

from __future__ import annotations

import datetime as dt
from typing import Any

from meetings.models import Meeting, MeetingSeries
from meetings.series import SeriesResult, SeriesSpec, series_create
from tests.factories import NOW, at


def book_series(
    actor: Any,
    room: Any,
    *,
    rrule: str = "FREQ=WEEKLY;BYDAY=MO;COUNT=4",
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    now: dt.datetime = NOW,
    title: str = "县政府常务会议",
    **kw: Any,
) -> SeriesResult:
    """A weekly Monday 09:00–10:00 series from 7 December 2026 unless told otherwise."""
    spec_kw = {k: kw.pop(k) for k in list(kw) if k in SeriesSpec.__dataclass_fields__}
    return series_create(
        actor=actor,
        spec=SeriesSpec(title=title, room=room, **spec_kw),
        rrule=rrule,
        start=start or at(7, 9),
        end=end or at(7, 10),
        now=now,
        **kw,
    )


def occurrences(series: MeetingSeries) -> list[Meeting]:
    return list(Meeting.objects.filter(series=series).order_by("start"))


def by_day(series: MeetingSeries) -> dict[int, Meeting]:
    """Occurrences of a December series by the day of the month of their rule date."""
    return {m.recurrence_id.astimezone(at(1, 0).tzinfo).day: m for m in occurrences(series)}  # type: ignore[union-attr]
