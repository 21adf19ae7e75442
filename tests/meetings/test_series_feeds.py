"""A series in calendar feeds, read back by icalendar and by ical.js (Thunderbird).

Occurrences are individual VEVENTs with their own UID (no RRULE, no RECURRENCE-ID): a
moved occurrence is simply at its new time, a cancelled one STATUS:CANCELLED.
"""

from __future__ import annotations

import datetime as dt

import pytest

from core.timeutil import local_tz
from meetings.calendar import (
    feed_window,
    meeting_calendar,
    person_calendar,
    room_calendar,
    serialise,
)
from meetings.services import AttendeeSpec, meeting_cancel, meeting_update
from tests.factories import NOW, at
from tests.meetings.ics import event_by_uid, events, parse, parse_icaljs
from tests.meetings.series_support import book_series, by_day

pytestmark = pytest.mark.django_db

WINDOW = feed_window(NOW.date())


@pytest.fixture
def edited(organiser, leader, room):
    """Four Mondays; the second moved to Tuesday 15:00, the third cancelled."""
    series = book_series(organiser, room, attendees=[AttendeeSpec(leader.person)]).series
    days = by_day(series)
    meeting_update(meeting=days[14], actor=organiser, now=NOW, start=at(15, 15), end=at(15, 16))
    meeting_cancel(meeting=days[21], actor=organiser, now=NOW, reason="改期")
    return series, by_day(series)


def uid(meeting) -> str:
    return f"meeting-{meeting.pk}@127.0.0.1"


def test_icalendar_sees_each_occurrence_right(edited, leader):
    _, days = edited
    cal = parse(serialise(person_calendar(leader.person, window=WINDOW)))
    assert len(events(cal)) == 4
    for event in events(cal):
        assert "RRULE" not in event and "RECURRENCE-ID" not in event
    moved = event_by_uid(cal, uid(days[14]))
    assert moved["DTSTART"].dt == at(15, 15) and moved["DTEND"].dt == at(15, 16)
    assert int(moved["SEQUENCE"]) == 1
    cancelled = event_by_uid(cal, uid(days[21]))
    assert str(cancelled["STATUS"]) == "CANCELLED" and str(cancelled["SUMMARY"]).startswith(
        "【已取消】"
    )
    untouched = event_by_uid(cal, uid(days[7]))
    assert untouched["DTSTART"].dt == at(7, 9) and str(untouched["STATUS"]) == "CONFIRMED"


def test_icaljs_sees_each_occurrence_right(edited, leader, room):
    _, days = edited
    for data in (
        serialise(person_calendar(leader.person, window=WINDOW)),
        serialise(room_calendar(room, window=WINDOW)),
    ):
        parsed = parse_icaljs(data)
        by_uid = {e["uid"]: e for e in parsed["events"]}
        assert len(by_uid) == 4
        moved = by_uid[uid(days[14])]
        assert moved["start"]["tzid"] == "Asia/Shanghai"
        assert moved["start"]["utc"] == "2026-12-15T07:00:00Z"
        assert moved["end"]["utc"] == "2026-12-15T08:00:00Z"
        cancelled = by_uid[uid(days[21])]
        assert cancelled["status"] == "CANCELLED" and cancelled["transp"] == "TRANSPARENT"
        assert by_uid[uid(days[28])]["start"]["utc"] == "2026-12-28T01:00:00Z"


def test_a_series_edit_shows_in_feeds_with_a_new_sequence(edited, organiser, leader):
    series, days = edited
    from meetings.series import series_update

    series_update(
        series=series,
        actor=organiser,
        now=NOW + dt.timedelta(hours=1),
        scope="all",
        start_time=dt.time(10, 30),
        end_time=dt.time(11, 30),
    )
    cal = parse(serialise(person_calendar(leader.person, window=WINDOW)))
    last = event_by_uid(cal, uid(days[28]))
    assert last["DTSTART"].dt == at(28, 10, 30) and int(last["SEQUENCE"]) == 1
    # The moved occurrence kept its own time; the cancelled one stays cancelled.
    assert event_by_uid(cal, uid(days[14]))["DTSTART"].dt == at(15, 15)
    assert str(event_by_uid(cal, uid(days[21]))["STATUS"]) == "CANCELLED"


def test_one_occurrence_downloads_on_its_own(edited, organiser):
    _, days = edited
    cal = parse(serialise(meeting_calendar(days[14], viewer=organiser)))
    (event,) = events(cal)
    assert event["DTSTART"].dt.astimezone(local_tz()) == at(15, 15)
