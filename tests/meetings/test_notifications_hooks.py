"""When invitations and notices go out: every booking change that attendees must hear of.

Confirmed → REQUEST to the roster; moved → REQUEST with the new SEQUENCE; cancelled,
expired, refused, pre-empted → CANCEL to whoever was invited; people added or removed →
their own REQUEST or CANCEL; a series → one message per person, not one per occurrence.
"""

from __future__ import annotations

import icalendar
import pytest

from core.models import NotifyChannel
from meetings import notifications
from meetings.attendees import attendee_add, attendee_remove, rsvp_token
from meetings.calendar import meeting_uid
from meetings.invitations import rsvp_url
from meetings.models import Attendance, Confidentiality, Kind, Notification, Status
from meetings.preemption import meeting_create_preempting
from meetings.series import occurrence_restore, series_update
from meetings.services import (
    AttendeeSpec,
    holds_expire,
    meeting_approve,
    meeting_cancel,
    meeting_create,
    meeting_reject,
    meeting_update,
)
from tests.factories import NOW, at, make_person, make_room
from tests.meetings.notify_support import cast
from tests.meetings.series_support import book_series, occurrences

pytestmark = pytest.mark.django_db

REQUEST, CANCEL = notifications.INVITATION, notifications.INVITATION_CANCEL


@pytest.fixture
def people():
    return cast()


def book(organiser, room, attendees, **kw):
    return meeting_create(
        actor=organiser,
        title=kw.pop("title", "专题会议"),
        room=room,
        start=kw.pop("start", at(2, 9)),
        end=kw.pop("end", at(2, 10)),
        now=NOW,
        attendees=[AttendeeSpec(p) for p in attendees],
        **kw,
    )


def sent(meeting=None, kind=None, **filters):
    """(person name, kind) of the live invitations (not superseded), in order."""
    qs = Notification.objects.filter(kind__in=notifications.INVITATION_KINDS, **filters)
    if meeting is not None:
        qs = qs.filter(meeting=meeting)
    if kind is not None:
        qs = qs.filter(kind=kind)
    qs = qs.exclude(last_error__startswith=notifications.SUPERSEDED_PREFIX)
    return sorted((n.person.name, n.kind) for n in qs.select_related("person"))


def sequence_of(row: Notification) -> int:
    [event] = icalendar.Calendar.from_ical(row.ics).walk("VEVENT")
    return int(event["SEQUENCE"])


def test_a_meeting_confirmed_at_once_invites_its_roster(people, organiser, room):
    meeting = book(organiser, room, [people.zhang, people.li])
    assert sent(meeting) == [("张局长", REQUEST), ("李科长", REQUEST)]


def test_a_request_waiting_for_approval_invites_when_approved(
    people, organiser, approver, approval_room
):
    meeting = book(organiser, approval_room, [people.zhang, people.li])
    assert meeting.status == Status.PENDING
    assert sent(meeting) == []
    assert Notification.objects.filter(kind="approval_requested", recipient=approver).exists()

    meeting_approve(meeting=meeting, actor=approver, now=NOW, note="同意")
    assert sent(meeting) == [("张局长", REQUEST), ("李科长", REQUEST)]
    decision = Notification.objects.get(kind="approved")
    assert decision.recipient == organiser
    assert "同意" in decision.body


def test_moving_a_confirmed_meeting_sends_the_new_time_and_replaces_the_old(
    people, organiser, room
):
    meeting = book(organiser, room, [people.zhang])
    [first] = Notification.objects.filter(kind=REQUEST)
    meeting_update(meeting=meeting, actor=organiser, now=NOW, start=at(3, 14), end=at(3, 15))
    first.refresh_from_db()
    # Not yet sent: the worker will not send an out-of-date invitation.
    assert first.status == "skipped"
    assert first.last_error.startswith(notifications.SUPERSEDED_PREFIX)
    [moved] = Notification.objects.filter(kind=REQUEST, status="pending")
    assert moved.subject == "会议变更：专题会议"
    assert sequence_of(moved) == 1 == meeting.sequence


def test_an_invitation_already_sent_is_not_touched_by_the_next(people, organiser, room):
    meeting = book(organiser, room, [people.zhang])
    Notification.objects.filter(kind=REQUEST).update(status="sent")
    meeting_update(meeting=meeting, actor=organiser, now=NOW, start=at(3, 14), end=at(3, 15))
    assert sorted(Notification.objects.values_list("status", flat=True)) == ["pending", "sent"]


def test_a_new_title_reaches_the_calendars_as_an_update_of_the_same_entry(people, organiser, room):
    meeting = book(organiser, room, [people.zhang])
    first = Notification.objects.get()
    meeting_update(meeting=meeting, actor=organiser, now=NOW, title="专题会议（调整议题）")
    update = Notification.objects.exclude(pk=first.pk).get()
    assert update.subject == "会议信息更新：专题会议（调整议题）"
    old, new = (icalendar.Calendar.from_ical(n.ics) for n in (first, update))
    [old_event], [new_event] = old.walk("VEVENT"), new.walk("VEVENT")
    assert str(new["METHOD"]) == "REQUEST" and str(new_event["SUMMARY"]) == "专题会议（调整议题）"
    # Same UID and SEQUENCE (the time did not change): calendars update the entry.
    assert (new_event["UID"], new_event["SEQUENCE"]) == (old_event["UID"], old_event["SEQUENCE"])


def test_a_change_invitees_do_not_see_sends_nothing(people, organiser, room):
    meeting = book(organiser, room, [people.zhang])
    meeting_update(meeting=meeting, actor=organiser, now=NOW, expected_attendance=12)
    assert Notification.objects.count() == 1


def test_cancelling_sends_a_cancel_to_everyone_invited(people, organiser, room, admin):
    meeting = book(organiser, room, [people.zhang, people.li])
    meeting_cancel(meeting=meeting, actor=admin, now=NOW, reason="领导另有安排")
    assert sent(meeting, kind=CANCEL) == [("张局长", CANCEL), ("李科长", CANCEL)]
    notice = Notification.objects.get(kind="cancel")  # cancelled by someone else
    assert notice.recipient == organiser
    assert "领导另有安排" in notice.body


def test_a_refused_request_tells_only_the_requester(people, organiser, approver, approval_room):
    meeting = book(organiser, approval_room, [people.zhang])
    meeting_reject(meeting=meeting, actor=approver, now=NOW, note="时间冲突")
    assert sent(meeting) == []  # nobody was invited
    assert Notification.objects.get(kind="reject").recipient == organiser


def test_an_expired_hold_tells_the_requester(people, organiser, approval_room):
    meeting = book(organiser, approval_room, [people.zhang])
    assert holds_expire(now=meeting.hold_expires_at) == 1
    notice = Notification.objects.get(kind="expire")
    assert notice.recipient == organiser
    assert "预留已自动释放" in notice.body
    assert sent(meeting) == []


def test_a_confirmed_meeting_moved_into_approval_then_expiring_is_cancelled_for_attendees(
    people, organiser, room, approval_room
):
    meeting = book(organiser, room, [people.zhang])
    meeting_update(meeting=meeting, actor=organiser, now=NOW, room=approval_room)
    assert meeting.status == Status.PENDING
    # The attendees' calendars had the old room: they hear of the move (tentative).
    [moved] = Notification.objects.filter(kind=REQUEST, status="pending")
    [event] = icalendar.Calendar.from_ical(moved.ics).walk("VEVENT")
    assert str(event["STATUS"]) == "TENTATIVE"
    assert "常务会议室" in str(event["LOCATION"])

    holds_expire(now=meeting.hold_expires_at)
    assert sent(meeting, kind=CANCEL) == [("张局长", CANCEL)]


def test_preemption_moves_tell_attendees_the_new_room(people, organiser, admin):
    big = make_room("大会议室", capacity=80, order=1)
    other = make_room("第二会议室", capacity=20, order=2)
    lower = book(organiser, big, [people.zhang], expected_attendance=10)
    meeting_create_preempting(
        actor=admin,
        now=NOW,
        title="省政府电视电话会议",
        kind=Kind.TELECONFERENCE,
        start=at(2, 9, 30),
        end=at(2, 11),
        room=big,
    )
    lower.refresh_from_db()
    assert lower.room == other
    [moved] = Notification.objects.filter(meeting=lower, kind=REQUEST, status="pending")
    [event] = icalendar.Calendar.from_ical(moved.ics).walk("VEVENT")
    assert str(event["LOCATION"]) == "第二会议室"
    assert Notification.objects.get(kind="preempted").recipient == organiser


def test_preemption_cancels_tell_attendees_it_is_off(people, organiser, admin):
    big = make_room("大会议室", capacity=80, order=1)
    lower = book(organiser, big, [people.zhang], expected_attendance=10)
    meeting_create_preempting(
        actor=admin,
        now=NOW,
        title="省政府电视电话会议",
        kind=Kind.TELECONFERENCE,
        start=at(2, 9, 30),
        end=at(2, 11),
        room=big,
    )
    lower.refresh_from_db()
    assert lower.status == Status.CANCELLED
    assert sent(lower, kind=CANCEL) == [("张局长", CANCEL)]
    notice = Notification.objects.get(kind="preempted")
    assert notice.recipient == organiser and "已取消" in notice.body


def test_people_added_to_a_confirmed_meeting_are_invited_alone(people, organiser, room):
    meeting = book(organiser, room, [people.zhang])
    attendee_add(meeting=meeting, actor=organiser, now=NOW, person=people.li)
    assert sent(meeting) == [("张局长", REQUEST), ("李科长", REQUEST)]
    assert Notification.objects.filter(person=people.zhang).count() == 1


def test_people_added_to_a_pending_request_wait_for_the_approval(people, organiser, approval_room):
    meeting = book(organiser, approval_room, [people.zhang])
    attendee_add(meeting=meeting, actor=organiser, now=NOW, person=people.li)
    assert sent(meeting) == []


def test_people_removed_from_a_confirmed_meeting_get_a_cancel(people, organiser, room):
    meeting = book(organiser, room, [people.zhang, people.li])
    attendance = Attendance.objects.get(meeting=meeting, person=people.li)
    attendee_remove(attendance=attendance, actor=organiser, now=NOW)
    assert sent(meeting, kind=CANCEL) == [("李科长", CANCEL)]
    # Their pending REQUEST will not go out after the CANCEL.
    assert sent(meeting, kind=REQUEST) == [("张局长", REQUEST)]


def test_a_new_roster_from_the_booking_form_invites_and_cancels_the_difference(
    people, organiser, room
):
    meeting = book(organiser, room, [people.zhang, people.li])
    Notification.objects.update(status="sent")
    meeting_update(
        meeting=meeting,
        actor=organiser,
        now=NOW,
        attendees=[AttendeeSpec(people.zhang), AttendeeSpec(people.zhao)],
    )
    new = sorted(
        (n.person.name, n.kind) for n in Notification.objects.filter(status__in=["pending"])
    )
    assert new == [("李科长", CANCEL), ("赵主任", REQUEST)]


def test_a_series_sends_each_person_one_message(people, organiser, room):
    result = book_series(organiser, room, attendees=[AttendeeSpec(people.zhang)])
    booked = occurrences(result.series)
    assert len(booked) == 4
    [digest] = Notification.objects.filter(person=people.zhang)
    assert digest.kind == notifications.SERIES_INVITATION
    assert digest.ics_method == "PUBLISH"
    assert "共 4 次" in digest.subject
    cal = icalendar.Calendar.from_ical(digest.ics)
    assert str(cal["METHOD"]) == "PUBLISH"
    # Each occurrence exactly as the feeds name it.
    assert sorted(str(e["UID"]) for e in cal.walk("VEVENT")) == sorted(
        meeting_uid(m) for m in booked
    )
    for m in booked:
        assert f"{m.start.astimezone(at(1, 0).tzinfo).day}日" in digest.body
    # A 回执 link per meeting: leaders on a roster usually have no login to answer with.
    for m in booked:
        attendance = m.attendances.get(person=people.zhang)
        assert rsvp_url(rsvp_token(attendance)) in digest.body


def test_a_series_in_a_group_chat_carries_no_personal_links(people, organiser, room):
    book_series(organiser, room, attendees=[AttendeeSpec(people.zhao)])  # 企业微信
    [digest] = Notification.objects.filter(person=people.zhao)
    assert "/r/" not in digest.body


def test_a_series_in_a_room_that_needs_approval_invites_nobody_yet(
    people, organiser, approval_room
):
    book_series(organiser, approval_room, attendees=[AttendeeSpec(people.zhang)])
    assert not Notification.objects.filter(person__isnull=False).exists()


def test_editing_a_whole_series_sends_one_message_per_person(people, organiser, room):
    import datetime as dt

    result = book_series(organiser, room, attendees=[AttendeeSpec(people.zhang)])
    Notification.objects.update(status="sent")
    series_update(
        series=result.series,
        actor=organiser,
        now=NOW,
        scope="all",
        start_time=dt.time(14, 0),
        end_time=dt.time(15, 0),
    )
    [digest] = Notification.objects.filter(person=people.zhang, status="pending")
    cal = icalendar.Calendar.from_ical(digest.ics)
    assert {int(e["SEQUENCE"]) for e in cal.walk("VEVENT")} == {1}
    assert {e.decoded("DTSTART").hour for e in cal.walk("VEVENT")} == {14}


def test_one_occurrence_cancelled_and_restored(people, organiser, room):
    result = book_series(organiser, room, attendees=[AttendeeSpec(people.zhang)])
    Notification.objects.update(status="sent")
    one = occurrences(result.series)[1]
    meeting_cancel(meeting=one, actor=organiser, now=NOW)
    assert sent(one, kind=CANCEL) == [("张局长", CANCEL)]
    occurrence_restore(meeting=one, actor=organiser, now=NOW)
    assert sent(one, kind=REQUEST) == [("张局长", REQUEST)]


def test_a_confidential_notice_is_masked_only_where_a_group_reads_it(
    people, organiser, approval_room, approver
):
    approver_person = make_person(
        "审批人", unit=people.unit, user=approver, notify_channel=NotifyChannel.WECOM
    )
    assert approver_person.pk
    meeting = book(
        organiser,
        approval_room,
        [people.zhang],
        title="干部任免事项研究",
        confidentiality=Confidentiality.CONFIDENTIAL,
    )
    [notice] = Notification.objects.filter(kind="approval_requested")
    assert notice.channel == "wecom"
    assert "干部任免" not in notice.subject + notice.body
    assert notice.subject == "您有一个会议申请待审批"
    meeting_approve(meeting=meeting, actor=approver, now=NOW)
    [mail] = Notification.objects.filter(kind=REQUEST, person=people.zhang)
    assert "干部任免事项研究" in mail.subject  # the attendee's own mailbox


def test_a_series_message_is_not_replaced_by_news_of_its_first_meeting_alone(
    people, organiser, room
):
    # The mail server is down: the series message waits for a retry. Meanwhile the first
    # occurrence is moved. Its own REQUEST must not cancel the news of the other three.
    result = book_series(organiser, room, attendees=[AttendeeSpec(people.zhang)])
    [digest] = Notification.objects.filter(person=people.zhang)
    first = occurrences(result.series)[0]
    meeting_update(meeting=first, actor=organiser, now=NOW, start=at(7, 14), end=at(7, 15))
    digest.refresh_from_db()
    assert digest.status == "pending"
    assert sent(first, kind=REQUEST) == [("张局长", REQUEST)]


def test_people_taken_off_a_series_get_no_calendar_of_it(people, organiser, room):
    result = book_series(
        organiser, room, attendees=[AttendeeSpec(people.zhang), AttendeeSpec(people.li)]
    )
    Notification.objects.update(status="sent")
    series_update(
        series=result.series,
        actor=organiser,
        now=NOW,
        scope="all",
        attendees=[AttendeeSpec(people.zhang)],
    )
    [told] = Notification.objects.filter(person=people.li, status="pending")
    assert "您无需参加（4 次）" in told.body
    # Importing a calendar of the meetings would put them into 李科长's calendar as if he
    # were to attend: the message has none.
    assert told.ics == ""
    assert "附件" not in told.body


def test_a_series_for_many_people_costs_what_it_costs_for_a_few(organiser, room):
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.models import Unit

    unit = Unit.objects.create(name="县应急局")
    cost = {}
    for week, n in ((0, 5), (4, 50)):
        crowd = [
            make_person(f"人员{n}-{i}", unit=unit, email=f"p{n}-{i}@example.gov.cn")
            for i in range(n)
        ]
        with CaptureQueriesContext(connection) as captured:
            book_series(
                organiser,
                room,
                start=at(7, 9) + dt.timedelta(weeks=week),
                end=at(7, 10) + dt.timedelta(weeks=week),
                attendees=[AttendeeSpec(p) for p in crowd],
            )
        cost[n] = len(captured.captured_queries)
        assert Notification.objects.filter(person__in=crowd).count() == n  # one each
    # The four occurrences' bookings dominate; a few more for the bulk inserts on SQLite.
    assert cost[50] <= cost[5] + 6, cost


def test_a_new_video_link_is_sent_to_the_invited(people, organiser, room):
    from meetings.vc_providers import VcRequest
    from meetings.vc_services import vc_link_allocate, vc_link_change

    meeting = book(organiser, room, [people.zhang])
    upstream = VcRequest(provider="external", url="https://meeting.tencent.com/dm/First")
    vc_link_allocate(meeting=meeting, actor=organiser, now=NOW, request=upstream)
    moved = VcRequest(provider="external", url="https://meeting.tencent.com/dm/Second")
    vc_link_change(meeting=meeting, actor=organiser, now=NOW, request=moved)
    latest = Notification.objects.filter(person=people.zhang).order_by("-pk").first()
    assert latest.subject.startswith("会议信息更新")
    assert "https://meeting.tencent.com/dm/Second" in latest.ics
    assert "https://meeting.tencent.com/dm/First" not in latest.ics
