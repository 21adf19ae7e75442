"""Pending requests hold their slot for HOLD_WORKING_DAYS working days, then are released."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import call_command

from core.models import AuditEntry
from meetings.models import Meeting, Notification, Status
from meetings.services import holds_expire, meeting_approve, meeting_create
from tests.factories import at

pytestmark = pytest.mark.django_db

FRIDAY = at(4, 15)  # Friday 4 December 2026, 15:00 Beijing time


def request(user, room, start, end, *, now=FRIDAY, title="专题会议"):
    return meeting_create(actor=user, title=title, room=room, start=start, end=end, now=now)


def test_a_request_is_held_for_two_working_days(organiser, approval_room, settings):
    settings.HOLD_WORKING_DAYS = 2
    m = request(organiser, approval_room, at(15, 9), at(15, 10))
    assert m.status == Status.PENDING
    assert m.hold_expires_at == at(8, 15)  # Friday 15:00 → Tuesday 15:00


def test_the_hold_never_outlasts_the_meeting_start(organiser, approval_room):
    m = request(organiser, approval_room, at(7, 9), at(7, 10))  # Monday morning
    assert m.hold_expires_at == at(7, 9)


def test_the_hold_skips_holidays(organiser, approval_room, settings):
    settings.HOLD_WORKING_DAYS = 2
    settings.EXTRA_HOLIDAYS = ["2026-12-07"]
    m = request(organiser, approval_room, at(15, 9), at(15, 10))
    assert m.hold_expires_at == at(9, 15)


def test_an_approved_booking_holds_nothing(organiser, room):
    assert request(organiser, room, at(15, 9), at(15, 10)).hold_expires_at is None


def test_expiry_releases_exactly_the_due_holds(organiser, colleague, approver, approval_room):
    due = request(organiser, approval_room, at(15, 9), at(15, 10), title="到期的申请")
    later = request(
        organiser, approval_room, at(15, 14), at(15, 15), now=at(7, 9), title="后来的申请"
    )
    decided = request(organiser, approval_room, at(16, 9), at(16, 10), title="已批准")
    meeting_approve(meeting=decided, actor=approver, now=at(7, 9))
    assert due.hold_expires_at == at(8, 15)
    assert later.hold_expires_at == at(9, 9)

    assert holds_expire(now=at(8, 14, 59)) == 0
    assert holds_expire(now=at(8, 15)) == 1

    due.refresh_from_db()
    later.refresh_from_db()
    decided.refresh_from_db()
    assert due.status == Status.CANCELLED and due.hold_expires_at is None
    assert later.status == Status.PENDING
    assert decided.status == Status.APPROVED

    entry = AuditEntry.objects.get(
        object_type="meetings.meeting", object_id=str(due.pk), action="expire"
    )
    assert entry.actor is None
    assert entry.changes["status"] == [Status.PENDING, Status.CANCELLED]
    note = Notification.objects.get(meeting=due, kind="expire")
    assert note.recipient == organiser
    assert "到期的申请" in note.subject

    # The slot is free again: a colleague may book it.
    taken = request(colleague, approval_room, at(15, 9), at(15, 10), now=at(8, 16))
    assert taken.status == Status.PENDING


def test_running_expiry_twice_releases_nothing_more(organiser, approval_room):
    request(organiser, approval_room, at(15, 9), at(15, 10))
    assert holds_expire(now=at(9, 9)) == 1
    assert holds_expire(now=at(9, 9)) == 0
    assert Notification.objects.filter(kind="expire").count() == 1


def test_the_command_reports_how_many_it_released(organiser, approval_room, capsys):
    # The command uses the real clock: a hold whose deadline is long past is due.
    m = request(organiser, approval_room, at(15, 9), at(15, 10))
    Meeting.objects.filter(pk=m.pk).update(hold_expires_at=at(1, 9, year=2020))
    call_command("expire_holds")
    assert "已释放 1 个过期预留" in capsys.readouterr().out
    call_command("expire_holds")
    assert "已释放 0 个过期预留" in capsys.readouterr().out


def test_the_task_calls_the_service_with_the_real_clock(organiser, approval_room):
    from meetings.tasks import expire_holds

    m = request(organiser, approval_room, at(15, 9), at(15, 10))
    Meeting.objects.filter(pk=m.pk).update(hold_expires_at=dt.datetime(2099, 1, 1, tzinfo=dt.UTC))
    assert expire_holds() == 0
    Meeting.objects.filter(pk=m.pk).update(hold_expires_at=dt.datetime(2020, 1, 1, tzinfo=dt.UTC))
    assert expire_holds() == 1


def test_the_schedule_exists_once_after_two_migrates():
    from django_q.models import Schedule

    from meetings.apps import HOLD_EXPIRY_SCHEDULE, ensure_schedules

    call_command("migrate", verbosity=0)
    call_command("migrate", verbosity=0)
    ensure_schedules()
    schedule = Schedule.objects.get(name=HOLD_EXPIRY_SCHEDULE)
    assert schedule.func == "meetings.tasks.expire_holds"
    assert schedule.schedule_type == Schedule.MINUTES and schedule.minutes == 15
    assert Schedule.objects.filter(func="meetings.tasks.expire_holds").count() == 1


def test_moving_a_waiting_request_keeps_its_deadline(organiser, approval_room):
    from meetings.services import meeting_update

    m = request(organiser, approval_room, at(15, 9), at(15, 10))
    assert m.hold_expires_at == at(8, 15)
    # Nudged on Monday: a fresh deadline would be Wednesday; the hold stays Tuesday's.
    moved = meeting_update(
        meeting=m, actor=organiser, now=at(7, 10), start=at(15, 10), end=at(15, 11)
    )
    assert moved.status == Status.PENDING and moved.hold_expires_at == at(8, 15)
    # Moved before its deadline, it never outlasts the meeting's start either.
    earlier = meeting_update(
        meeting=moved, actor=organiser, now=at(7, 11), start=at(8, 9), end=at(8, 10)
    )
    assert earlier.hold_expires_at == at(8, 9)


def test_an_overdue_request_cannot_be_approved_even_before_the_worker_ran(
    organiser, approver, approval_room
):
    from core.exceptions import InvalidTransition

    m = request(organiser, approval_room, at(15, 9), at(15, 10))
    with pytest.raises(InvalidTransition, match="超过审批期限"):
        meeting_approve(meeting=m, actor=approver, now=at(8, 15, 1))
    m.refresh_from_db()
    assert m.status == Status.CANCELLED  # released at once, the requester told
    assert Notification.objects.filter(meeting=m, kind="expire").exists()
