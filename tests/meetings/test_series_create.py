"""Booking a series: every occurrence through the booking rules, clashes per occurrence."""

from __future__ import annotations

import pytest

from core.exceptions import InvalidInput, PermissionDenied
from core.models import AuditEntry
from meetings.models import Meeting, MeetingSeries, Notification, Status
from meetings.series import SeriesConflict, SeriesSpec, series_preview
from tests.factories import NOW, at, make_meeting, make_person, make_room
from tests.meetings.series_support import book_series, occurrences

pytestmark = pytest.mark.django_db


def test_it_books_each_occurrence_as_a_meeting_with_its_recurrence_id(organiser, room):
    result = book_series(organiser, room)
    series = result.series
    got = occurrences(series)
    assert [m.start for m in got] == [at(7, 9), at(14, 9), at(21, 9), at(28, 9)]
    assert [m.recurrence_id for m in got] == [m.start for m in got]
    assert all(m.status == Status.APPROVED and m.room == room for m in got)
    assert all(m.title == "县政府常务会议" and not m.is_exception for m in got)
    # Each occupies its room with the buffers, like any booking.
    assert got[0].occupied_start == at(7, 8, 45) and got[0].occupied_end == at(7, 10, 15)
    assert series.rrule == "FREQ=WEEKLY;BYDAY=MO;COUNT=4"
    assert series.count == 4 and series.duration_minutes == 60
    assert series.organizer == organiser and series.template["room_id"] == room.pk
    assert AuditEntry.objects.filter(object_type="meetings.meetingseries").count() == 1
    # Each occurrence's own audit entry, as for a single booking.
    assert AuditEntry.objects.filter(object_type="meetings.meeting", action="create").count() == 4


def test_a_clash_books_nothing_and_lists_every_clashing_occurrence(organiser, colleague, room):
    first = make_meeting(room=room, organizer=colleague, start=at(14, 9), end=at(14, 10))
    second = make_meeting(room=room, organizer=colleague, start=at(28, 9, 30), end=at(28, 11))
    with pytest.raises(SeriesConflict) as err:
        book_series(organiser, room)
    details = err.value.details
    assert err.value.status == 409 and details["total"] == 4 and details["clashing"] == 2
    assert [o["date"] for o in details["occurrences"]] == ["2026-12-14", "2026-12-28"]
    assert [c["id"] for c in details["occurrences"][0]["conflicts"]] == [first.pk]
    assert [c["id"] for c in details["occurrences"][1]["conflicts"]] == [second.pk]
    assert "12月14日" in err.value.message and "12月28日" in err.value.message
    assert not MeetingSeries.objects.exists()
    assert Meeting.objects.count() == 2


def test_skip_conflicts_books_the_rest_and_records_the_skipped_dates(organiser, colleague, room):
    clash = make_meeting(room=room, organizer=colleague, start=at(14, 9), end=at(14, 10))
    result = book_series(organiser, room, skip_conflicts=True)
    assert [m.start.day for m in result.created] == [7, 21, 28]
    assert result.skipped == [
        {
            "date": "2026-12-14",
            "start": "2026-12-14T09:00:00+08:00",
            "reason": "conflict",
            "conflicts": [clash.pk],
        }
    ]
    assert result.series.template["skipped"] == result.skipped


def test_buffers_count_for_occurrences(organiser, colleague, room):
    # 10:00–11:00 next door in time, but the 15-minute buffers of both overlap.
    make_meeting(room=room, organizer=colleague, start=at(21, 10, 10), end=at(21, 11))
    with pytest.raises(SeriesConflict) as err:
        book_series(organiser, room)
    assert [o["date"] for o in err.value.details["occurrences"]] == ["2026-12-21"]


def test_every_occurrence_clashing_is_a_409_even_with_skip(organiser, colleague, room):
    for day in (7, 14, 21, 28):
        make_meeting(room=room, organizer=colleague, start=at(day, 9), end=at(day, 10))
    with pytest.raises(SeriesConflict) as err:
        book_series(organiser, room, skip_conflicts=True)
    assert "所有日期都有冲突" in err.value.message


def test_soft_conflicts_per_occurrence_and_their_acknowledgement(organiser, colleague, room):
    leader = make_person("王县长", is_leader=True)
    make_meeting(
        room=None, organizer=colleague, attendees=[leader], start=at(21, 9), end=at(21, 12)
    )
    from meetings.services import AttendeeSpec

    with pytest.raises(SeriesConflict) as err:
        book_series(organiser, room, attendees=[AttendeeSpec(leader)])
    (item,) = err.value.details["occurrences"]
    assert item["date"] == "2026-12-21" and item["warnings"][0]["code"] == "person_busy"
    result = book_series(
        organiser, room, attendees=[AttendeeSpec(leader)], acknowledge=["person_busy"]
    )
    assert len(result.created) == 4
    busy_day = next(m for m in result.created if m.start.day == 21)
    assert [a["code"] for a in busy_day.acknowledged_conflicts] == ["person_busy"]


def test_the_preview_writes_nothing(organiser, colleague, room):
    make_meeting(room=room, organizer=colleague, start=at(14, 9), end=at(14, 10))
    preview = series_preview(
        actor=organiser,
        spec=SeriesSpec(title="周例会", room=room),
        rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=4",
        start=at(7, 9),
        end=at(7, 10),
        now=NOW,
    )
    assert [p.clash for p in preview.probes] == [False, True, False, False]
    assert Meeting.objects.count() == 1 and not MeetingSeries.objects.exists()


def test_a_room_that_needs_approval_holds_each_date_with_one_notice(organiser, approver):
    council = make_room("常务会议室", needs_approval=True)
    result = book_series(organiser, council)
    assert {m.status for m in result.created} == {Status.PENDING}
    assert all(m.hold_expires_at is not None for m in result.created)
    notices = Notification.objects.filter(kind="approval_requested")
    assert notices.count() == 1 and "共 4 次" in notices.get().subject


def test_outsiders_may_not_book_a_series(outsider, room):
    with pytest.raises(PermissionDenied):
        book_series(outsider, room)
    assert not MeetingSeries.objects.exists()


def test_field_errors_come_before_clashes(organiser, colleague, room):
    make_meeting(room=room, organizer=colleague, start=at(14, 9), end=at(14, 10))
    with pytest.raises(InvalidInput) as err:
        book_series(organiser, room, title="  ")
    assert err.value.details["errors"][0]["field"] == "title"


def test_a_series_in_the_past_is_refused(organiser, room):
    with pytest.raises(InvalidInput):
        book_series(organiser, room, start=at(1, 9, month=11), end=at(1, 10, month=11))


def test_a_series_must_start_and_end_on_one_day(organiser, room):
    with pytest.raises(InvalidInput) as err:
        book_series(organiser, room, end=at(8, 10))
    assert "同一天" in err.value.message


def test_a_rule_with_no_end_stops_at_the_horizon(organiser, room, settings):
    settings.SERIES_HORIZON_DAYS = 30
    result = book_series(organiser, room, rrule="FREQ=WEEKLY;BYDAY=MO")
    assert result.truncated
    assert [m.start.date().isoformat() for m in result.created][-1] == "2027-01-04"
    assert len(result.created) == 5
    # Stored with the end where it stopped, so the series says what was booked.
    assert "UNTIL=20270104T155959Z" in result.series.rrule
    assert result.series.until is not None


def test_monthly_rules_by_date_and_by_weekday(organiser, room):
    by_date = book_series(
        organiser, room, rrule="FREQ=MONTHLY;COUNT=3", start=at(15, 14), end=at(15, 15)
    )
    assert [m.start.date().isoformat() for m in by_date.created] == [
        "2026-12-15",
        "2027-01-15",
        "2027-02-15",
    ]
    assert "BYMONTHDAY=15" in by_date.series.rrule
    by_weekday = book_series(
        organiser, room, rrule="FREQ=MONTHLY;BYDAY=-1FR;COUNT=3", start=at(25, 14), end=at(25, 15)
    )
    assert [m.start.date().isoformat() for m in by_weekday.created] == [
        "2026-12-25",
        "2027-01-29",
        "2027-02-26",
    ]


def test_every_two_weeks_on_two_weekdays(organiser, room):
    result = book_series(organiser, room, rrule="FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,TH;COUNT=4")
    assert [m.start.day for m in result.created] == [7, 10, 21, 24]
