"""Editing a series by scope — and the exceptions that must survive every later edit."""

from __future__ import annotations

import datetime as dt

import pytest

from core.exceptions import InvalidInput, InvalidTransition, PermissionDenied
from core.models import AuditEntry
from meetings.models import Meeting, MeetingSeries, Status
from meetings.series import SeriesConflict, occurrence_restore, series_update
from meetings.services import meeting_cancel, meeting_update
from tests.factories import NOW, at, make_meeting, make_room
from tests.meetings.series_support import book_series, by_day, occurrences

pytestmark = pytest.mark.django_db

LATER = NOW + dt.timedelta(hours=1)
SIX_MONDAYS = "FREQ=WEEKLY;BYDAY=MO;COUNT=6"  # 7, 14, 21, 28 Dec, 4 and 11 Jan


@pytest.fixture
def series(organiser, room):
    return book_series(organiser, room, rrule=SIX_MONDAYS).series


def test_editing_one_occurrence_makes_it_an_exception(organiser, series):
    moved = by_day(series)[14]
    meeting_update(meeting=moved, actor=organiser, now=NOW, start=at(15, 14), end=at(15, 15))
    moved.refresh_from_db()
    assert moved.is_exception and moved.start == at(15, 14)
    assert moved.recurrence_id == at(14, 9)  # still known by where the rule put it
    assert not by_day(series)[21].is_exception


def test_an_edit_of_all_never_moves_an_exception_nor_wipes_it(organiser, series, room):
    other = make_room("第二会议室")
    moved = by_day(series)[14]
    meeting_update(
        meeting=moved, actor=organiser, now=NOW, start=at(15, 14), end=at(15, 15), title="改期一次"
    )
    renamed = by_day(series)[21]
    meeting_update(meeting=renamed, actor=organiser, now=NOW, room=other)

    result = series_update(
        series=series,
        actor=organiser,
        now=LATER,
        scope="all",
        changes={"title": "县政府常务会议（新）", "description": "新议程"},
        start_time=dt.time(10, 0),
        end_time=dt.time(11, 30),
    )
    days = by_day(series)
    assert {m.pk for m in result.updated} == {days[d].pk for d in (7, 28, 4, 11)}
    for d in (7, 28):
        assert days[d].start == at(d, 10) and days[d].end == at(d, 11, 30)
        assert days[d].title == "县政府常务会议（新）" and days[d].description == "新议程"
        assert days[d].recurrence_id == at(d, 10)
    # The two exceptions keep their own time, room and title.
    assert days[14].start == at(15, 14) and days[14].title == "改期一次"
    assert days[21].start == at(21, 9) and days[21].room == other
    assert days[21].title == "县政府常务会议"
    series.refresh_from_db()
    assert series.dtstart == at(7, 10) and series.duration_minutes == 90
    assert series.template["title"] == "县政府常务会议（新）"


def test_a_cancelled_occurrence_never_comes_back(organiser, series):
    gone = by_day(series)[21]
    meeting_cancel(meeting=gone, actor=organiser, now=NOW, reason="与全县大会冲突")
    series_update(
        series=series,
        actor=organiser,
        now=LATER,
        scope="all",
        changes={"title": "新名称"},
        start_time=dt.time(8, 30),
        end_time=dt.time(9, 30),
    )
    gone.refresh_from_db()
    assert gone.status == Status.CANCELLED and gone.start == at(21, 9)
    assert gone.title == "县政府常务会议" and gone.series == series
    assert Meeting.objects.filter(series=series, status=Status.APPROVED).count() == 5
    # Nor with a new rule from a date before it.
    series_update(
        series=series,
        actor=organiser,
        now=LATER,
        scope="following",
        occurrence=by_day(series)[14],
        rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20270111",
    )
    gone.refresh_from_db()
    assert gone.status == Status.CANCELLED
    assert not Meeting.objects.filter(
        start__date=dt.date(2026, 12, 21), status=Status.APPROVED
    ).exists()


def test_only_occurrences_not_yet_started_change(organiser, series):
    after_first = at(8, 8)
    series_update(
        series=series, actor=organiser, now=after_first, scope="all", changes={"title": "新"}
    )
    days = by_day(series)
    assert days[7].title == "县政府常务会议"
    assert {days[d].title for d in (14, 21, 28, 4, 11)} == {"新"}


def test_this_and_following_splits_the_series_and_keeps_exceptions(organiser, series, room):
    days = by_day(series)
    early = days[14]
    meeting_update(meeting=early, actor=organiser, now=NOW, title="早于拆分点的例外")
    late = days[4]
    meeting_update(
        meeting=late,
        actor=organiser,
        now=NOW,
        start=at(5, 15, month=1, year=2027),
        end=at(5, 16, month=1, year=2027),
    )
    cancelled = days[11]
    meeting_cancel(meeting=cancelled, actor=organiser, now=NOW)

    result = series_update(
        series=series,
        actor=organiser,
        now=LATER,
        scope="following",
        occurrence=days[21],
        changes={"title": "常务会议（调整后）"},
        start_time=dt.time(15, 0),
        end_time=dt.time(16, 0),
    )
    tail = result.series
    assert result.split_from == series and tail.pk != series.pk
    series.refresh_from_db()
    # The old series ends the day before the split point; its occurrences stay.
    assert series.until is not None and series.until < at(21, 0)
    assert series.count is None and "UNTIL=20261220T155959Z" in series.rrule
    assert [m.start.day for m in occurrences(series)] == [7, 14]
    assert by_day(series)[14].title == "早于拆分点的例外"
    # The new series takes the following ones, exceptions and cancellations included.
    moved = {m.recurrence_id.date(): m for m in occurrences(tail)}  # type: ignore[union-attr]
    assert len(moved) == 4
    tail_days = by_day(tail)
    assert tail_days[21].start == at(21, 15) and tail_days[21].title == "常务会议（调整后）"
    assert tail_days[28].start == at(28, 15)
    assert tail_days[4].is_exception and tail_days[4].start == at(5, 15, month=1, year=2027)
    assert tail_days[4].title == "县政府常务会议"
    assert tail_days[11].status == Status.CANCELLED and tail_days[11].start == at(
        11, 9, month=1, year=2027
    )
    assert tail.dtstart == at(21, 15) and tail.duration_minutes == 60
    # COUNT=6 became the date it amounted to: the two series together book the same dates.
    assert tail.count is None and "UNTIL=20270111T155959Z" in tail.rrule
    assert (
        tail.template["title"] == "常务会议（调整后）" and tail.template["split_from"] == series.pk
    )


def test_following_from_the_first_occurrence_does_not_split(organiser, series):
    result = series_update(
        series=series,
        actor=organiser,
        now=LATER,
        scope="following",
        occurrence=by_day(series)[7],
        changes={"title": "全部改名"},
    )
    assert result.series == series and result.split_from is None
    assert {m.title for m in occurrences(series)} == {"全部改名"}


def test_a_new_rule_from_an_occurrence_on(organiser, series, colleague, room):
    days = by_day(series)
    exception = days[28]
    meeting_update(meeting=exception, actor=organiser, now=NOW, title="单独改过")
    cancelled = days[4]
    meeting_cancel(meeting=cancelled, actor=organiser, now=NOW)

    result = series_update(
        series=series,
        actor=organiser,
        now=LATER,
        scope="following",
        occurrence=days[21],
        rrule="FREQ=WEEKLY;BYDAY=WE;UNTIL=20270113",
    )
    tail = result.series
    wednesdays = [m for m in occurrences(tail) if m.start.weekday() == 2]
    assert [m.start.date().isoformat() for m in wednesdays] == [
        "2026-12-23",
        "2026-12-30",
        "2027-01-06",
        "2027-01-13",
    ]
    # The Mondays the new rule drops are cancelled (feeds show them cancelled) and leave
    # the series; the exception and the one cancelled by hand stay as they were.
    dropped = Meeting.objects.get(pk=days[21].pk)
    assert dropped.status == Status.CANCELLED and dropped.series is None
    exception.refresh_from_db()
    assert exception.status == Status.APPROVED and exception.series == tail
    cancelled.refresh_from_db()
    assert cancelled.status == Status.CANCELLED and cancelled.series == tail
    assert "BYDAY=WE" in tail.rrule and tail.dtstart == at(21, 9)


def test_dates_skipped_for_a_clash_are_not_booked_by_a_later_rule(organiser, colleague, room):
    make_meeting(room=room, organizer=colleague, start=at(14, 9), end=at(14, 10), title="占用")
    series = book_series(organiser, room, rrule=SIX_MONDAYS, skip_conflicts=True).series
    Meeting.objects.filter(title="占用").update(status=Status.CANCELLED)
    series_update(
        series=series,
        actor=organiser,
        now=LATER,
        scope="following",
        occurrence=by_day(series)[7],
        rrule="FREQ=WEEKLY;BYDAY=MO;UNTIL=20270111",
    )
    assert not Meeting.objects.filter(series=series, start__date=dt.date(2026, 12, 14)).exists()
    assert [s["date"] for s in MeetingSeries.objects.get(pk=series.pk).template["skipped"]] == [
        "2026-12-14"
    ]


def test_an_edit_that_would_clash_changes_nothing_and_lists_each_clash(
    organiser, colleague, series
):
    other = make_room("小会议室")
    a = make_meeting(room=other, organizer=colleague, start=at(14, 9), end=at(14, 10))
    b = make_meeting(room=other, organizer=colleague, start=at(28, 9), end=at(28, 10))
    with pytest.raises(SeriesConflict) as err:
        series_update(
            series=series, actor=organiser, now=LATER, scope="all", changes={"room": other}
        )
    items = err.value.details["occurrences"]
    assert [i["date"] for i in items] == ["2026-12-14", "2026-12-28"]
    assert [i["conflicts"][0]["id"] for i in items] == [a.pk, b.pk]
    assert {m.room_id for m in occurrences(series)} == {series.template["room_id"]}


def test_a_rule_change_for_all_is_refused_with_a_hint(organiser, series):
    with pytest.raises(InvalidInput) as err:
        series_update(series=series, actor=organiser, now=LATER, scope="all", rrule="FREQ=DAILY")
    assert "本次及以后" in err.value.message


def test_following_needs_an_occurrence_of_this_series(organiser, series, room):
    stranger = make_meeting(room=room, organizer=organiser, start=at(9, 9), end=at(9, 10))
    for occurrence in (None, stranger):
        with pytest.raises(InvalidInput):
            series_update(
                series=series,
                actor=organiser,
                now=LATER,
                scope="following",
                occurrence=occurrence,
                changes={"title": "x"},
            )
    with pytest.raises(InvalidInput):
        series_update(series=series, actor=organiser, now=LATER, scope="sometimes")


def test_colleagues_may_not_edit_someone_elses_series(colleague, admin, series):
    with pytest.raises(PermissionDenied):
        series_update(
            series=series, actor=colleague, now=LATER, scope="all", changes={"title": "x"}
        )
    series_update(series=series, actor=admin, now=LATER, scope="all", changes={"title": "管理员改"})
    assert {m.title for m in occurrences(series)} == {"管理员改"}


def test_restoring_a_cancelled_occurrence_reruns_the_conflict_check(
    organiser, colleague, series, room
):
    gone = by_day(series)[21]
    meeting_cancel(meeting=gone, actor=organiser, now=NOW)
    taker = make_meeting(room=room, organizer=colleague, start=at(21, 9, 30), end=at(21, 10))
    with pytest.raises(Exception) as err:
        occurrence_restore(meeting=gone, actor=organiser, now=LATER)
    assert err.value.code == "booking_conflict"  # type: ignore[attr-defined]
    assert [c["id"] for c in err.value.details["conflicts"]] == [taker.pk]  # type: ignore[attr-defined]
    gone.refresh_from_db()
    assert gone.status == Status.CANCELLED

    taker.status = Status.CANCELLED
    taker.save()
    sequence = gone.sequence
    occurrence_restore(meeting=gone, actor=organiser, now=LATER)
    gone.refresh_from_db()
    assert gone.status == Status.APPROVED and gone.sequence == sequence + 1
    assert AuditEntry.objects.filter(action="restore", object_id=str(gone.pk)).exists()


def test_a_restored_occurrence_books_its_video_conference_again(organiser, room):
    from meetings.models import VcLink
    from meetings.vc_providers import VcRequest
    from tests.factories import make_pool

    make_pool("8001")
    series = book_series(organiser, room, vc=VcRequest(provider="pool")).series
    gone = by_day(series)[14]
    meeting_cancel(meeting=gone, actor=organiser, now=NOW)
    assert not VcLink.objects.get(meeting=gone).active
    occurrence_restore(meeting=gone, actor=organiser, now=LATER)
    link = VcLink.objects.get(meeting=gone)
    assert link.active and link.number == "8001"
    assert (link.occupied_start, link.occupied_end) == (gone.occupied_start, gone.occupied_end)


def test_a_restored_occurrence_keeps_its_upstream_link(organiser, room):
    from meetings.models import VcLink
    from meetings.vc_providers import VcRequest

    upstream = VcRequest(provider="external", url="https://meeting.tencent.com/dm/X1")
    series = book_series(organiser, room, vc=upstream).series
    gone = by_day(series)[14]
    meeting_cancel(meeting=gone, actor=organiser, now=NOW)
    occurrence_restore(meeting=gone, actor=organiser, now=LATER)
    link = VcLink.objects.get(meeting=gone)
    assert link.active and link.url == "https://meeting.tencent.com/dm/X1"


def test_only_cancelled_series_occurrences_can_be_restored(organiser, series, room, colleague):
    with pytest.raises(InvalidTransition):
        occurrence_restore(meeting=by_day(series)[7], actor=organiser, now=LATER)
    single = make_meeting(
        room=room, organizer=organiser, start=at(9, 9), end=at(9, 10), status=Status.CANCELLED
    )
    with pytest.raises(InvalidTransition):
        occurrence_restore(meeting=single, actor=organiser, now=LATER)
    gone = by_day(series)[14]
    meeting_cancel(meeting=gone, actor=organiser, now=NOW)
    with pytest.raises(PermissionDenied):
        occurrence_restore(meeting=gone, actor=colleague, now=LATER)
