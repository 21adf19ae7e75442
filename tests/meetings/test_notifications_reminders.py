"""Reminders before the start (per-meeting choice): once per start time, never late."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from core.exceptions import InvalidInput
from meetings import delivery, notifications
from meetings.models import Attendance, DeliveryStatus, Meeting, Notification, Rsvp
from meetings.services import AttendeeSpec, meeting_cancel, meeting_create, meeting_update
from tests.api_support import api_client, meeting_body, patch, post, when
from tests.factories import NOW, at
from tests.meetings.notify_support import cast, rows

pytestmark = pytest.mark.django_db

START = at(2, 9)


@pytest.fixture
def people():
    return cast()


@pytest.fixture
def meeting(organiser, room, people):
    return meeting_create(
        actor=organiser,
        title="防汛调度会",
        room=room,
        start=START,
        end=at(2, 10),
        now=NOW,
        attendees=[AttendeeSpec(people.zhang), AttendeeSpec(people.li), AttendeeSpec(people.zhao)],
        reminder_minutes=30,
    )


def reminders(**filters) -> list[Notification]:
    return rows(kind=notifications.REMINDER, **filters)


def test_nothing_before_the_reminder_time(meeting):
    assert notifications.reminders_due(now=START - dt.timedelta(minutes=31)) == 0
    assert reminders() == []


def test_each_attendee_is_reminded_once(meeting, people):
    due = START - dt.timedelta(minutes=30)
    assert notifications.reminders_due(now=due) == 1
    got = reminders()
    assert sorted(r.person.name for r in got) == ["张局长", "李科长", "赵主任"]
    zhang = next(r for r in got if r.person == people.zhang)
    assert zhang.subject == "会议提醒：防汛调度会（09:00 开始）"
    meeting.refresh_from_db()
    assert meeting.reminder_sent_for == START

    # The next minute's run, or a second worker: nothing more.
    assert notifications.reminders_due(now=due + dt.timedelta(minutes=1)) == 0
    assert len(reminders()) == 3


def test_a_moved_meeting_is_reminded_again_for_its_new_time(meeting, organiser):
    notifications.reminders_due(now=START - dt.timedelta(minutes=30))
    new_start = at(2, 15)
    meeting_update(meeting=meeting, actor=organiser, now=NOW, start=new_start, end=at(2, 16))
    assert notifications.reminders_due(now=new_start - dt.timedelta(minutes=31)) == 0
    assert notifications.reminders_due(now=new_start - dt.timedelta(minutes=29)) == 1
    assert len(reminders()) == 6
    assert len({r.dedupe_key for r in reminders()}) == 6


def test_people_on_leave_are_not_reminded(meeting, people):
    Attendance.objects.filter(meeting=meeting, person=people.li).update(rsvp=Rsvp.LEAVE)
    notifications.reminders_due(now=START - dt.timedelta(minutes=10))
    assert sorted(r.person.name for r in reminders()) == ["张局长", "赵主任"]


def test_no_reminder_after_the_start_or_for_cancelled_meetings(meeting, organiser, room):
    assert notifications.reminders_due(now=START) == 0  # the worker was down till now
    other = meeting_create(
        actor=organiser,
        title="另一个会",
        room=room,
        start=at(3, 9),
        end=at(3, 10),
        now=NOW,
        reminder_minutes=60,
    )
    meeting_cancel(meeting=other, actor=organiser, now=NOW)
    assert notifications.reminders_due(now=at(3, 8, 30)) == 0


def test_without_a_choice_there_is_no_reminder(organiser, room, people):
    meeting_create(
        actor=organiser,
        title="不提醒的会",
        room=room,
        start=START,
        end=at(2, 10),
        now=NOW,
        attendees=[AttendeeSpec(people.zhang)],
    )
    assert notifications.reminders_due(now=START - dt.timedelta(minutes=5)) == 0


def test_a_reminder_queued_for_a_meeting_cancelled_meanwhile_is_skipped(meeting, organiser):
    notifications.reminders_due(now=START - dt.timedelta(minutes=30))
    meeting_cancel(meeting=meeting, actor=organiser, now=START - dt.timedelta(minutes=29))
    row = next(r for r in reminders() if r.channel == "email")
    assert delivery.deliver(row.pk, now=START - dt.timedelta(minutes=28)) == DeliveryStatus.SKIPPED
    row.refresh_from_db()
    assert row.last_error == "会议已取消，不再提醒"
    assert [m.subject for m in mail.outbox] == []


def test_a_reminder_for_the_old_time_of_a_moved_meeting_is_not_sent(meeting, organiser):
    # Queued, but the mail server was down; meanwhile the meeting moved to the afternoon.
    notifications.reminders_due(now=START - dt.timedelta(minutes=30))
    row = next(r for r in reminders() if r.channel == "email")
    assert "09:00" in row.subject
    meeting_update(meeting=meeting, actor=organiser, now=NOW, start=at(2, 15), end=at(2, 16))
    assert delivery.deliver(row.pk, now=START - dt.timedelta(minutes=20)) == DeliveryStatus.SKIPPED
    row.refresh_from_db()
    assert row.last_error == "会议时间已变更，按新时间另行提醒"
    assert mail.outbox == []
    # The new time gets its own reminder, which goes out.
    assert notifications.reminders_due(now=at(2, 14, 30)) == 1
    fresh = next(r for r in reminders(person=row.person) if r.pk != row.pk)
    assert "15:00" in fresh.subject
    assert delivery.deliver(fresh.pk, now=at(2, 14, 30)) == DeliveryStatus.SENT


def test_a_reminder_that_would_arrive_after_the_start_is_skipped(meeting):
    notifications.reminders_due(now=START - dt.timedelta(minutes=30))
    row = next(r for r in reminders() if r.channel == "email")
    assert delivery.deliver(row.pk, now=START + dt.timedelta(minutes=1)) == DeliveryStatus.SKIPPED


def test_the_service_refuses_a_reminder_out_of_range(organiser, room, meeting):
    with pytest.raises(InvalidInput) as err:
        meeting_update(meeting=meeting, actor=organiser, now=NOW, reminder_minutes=0)
    assert err.value.details["errors"][0]["field"] == "reminder_minutes"
    meeting_update(meeting=meeting, actor=organiser, now=NOW, reminder_minutes=None)
    meeting.refresh_from_db()
    assert meeting.reminder_minutes is None


# --- the API and the booking form -------------------------------------------------------------


def test_the_api_takes_and_shows_the_reminder(organiser, room):
    client = api_client(organiser)
    body = meeting_body(room.pk, when(9), when(10), reminder_minutes=120)
    created = post(client, "/api/v1/meetings", body)
    assert created.status_code == 201, created.content
    assert created.json()["reminder_minutes"] == 120
    pk = created.json()["id"]
    changed = patch(client, f"/api/v1/meetings/{pk}", {"reminder_minutes": 15})
    assert changed.status_code == 200 and changed.json()["reminder_minutes"] == 15
    cleared = patch(client, f"/api/v1/meetings/{pk}", {"reminder_minutes": None})
    assert cleared.json()["reminder_minutes"] is None


@pytest.mark.parametrize("value", [0, -5, 1441, "30", 1.5])
def test_the_api_refuses_a_bad_reminder(organiser, room, value):
    body = meeting_body(room.pk, when(9), when(10), reminder_minutes=value)
    answer = post(api_client(organiser), "/api/v1/meetings", body)
    assert answer.status_code == 422
    assert answer.json()["details"]["errors"][0]["field"] == "reminder_minutes"
    assert Meeting.objects.count() == 0


def test_the_booking_form_offers_the_choices_and_saves_one(organiser, room):
    client = api_client(organiser)
    page = client.get("/meetings/new/")
    html = page.content.decode()
    for label in ("不提醒", "15 分钟", "30 分钟", "1 小时", "2 小时", "1 天"):
        assert label in html
    day = when(9).date()
    answer = client.post(
        "/meetings/new/",
        {
            "title": "带提醒的会",
            "kind": "topic",
            "room": room.pk,
            "date": day.isoformat(),
            "start_time": "09:00",
            "end_time": "10:00",
            "confidentiality": "normal",
            "reminder_minutes": "60",
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    meeting = Meeting.objects.get(title="带提醒的会")
    assert meeting.reminder_minutes == 60
    edit = client.get(f"/meetings/{meeting.pk}/edit/").content.decode()
    assert 'value="60" selected' in edit


def test_the_scheduled_task_reminds_by_the_real_clock(organiser, room, people):
    from django.utils import timezone

    from meetings import tasks

    now = timezone.now()
    meeting_create(
        actor=organiser,
        title="马上开始的会",
        room=room,
        start=now + dt.timedelta(minutes=10),
        end=now + dt.timedelta(minutes=70),
        now=now,
        attendees=[AttendeeSpec(people.zhang)],
        reminder_minutes=15,
        acknowledge=["outside_hours"],
    )
    assert tasks.send_reminders() == 1
    assert tasks.send_reminders() == 0
    assert [r.person for r in reminders()] == [people.zhang]
