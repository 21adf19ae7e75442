"""Review findings: stale objects, moves in approval rooms, rooms taken out of service."""

from __future__ import annotations

import pytest

from core.exceptions import InvalidTransition
from core.roles import Role
from meetings import services
from meetings.models import Meeting, Notification, Status
from tests.factories import NOW, at, make_room, make_user

pytestmark = pytest.mark.django_db


def book(actor, room, start, end, **kw):
    return services.meeting_create(
        actor=actor, title=kw.pop("title", "会"), room=room, start=start, end=end, now=NOW, **kw
    )


def test_a_stale_copy_cannot_bring_a_cancelled_booking_back(organiser, approval_room):
    m = book(organiser, approval_room, at(1, 9), at(1, 10))
    stale = Meeting.objects.get(pk=m.pk)
    services.meeting_cancel(meeting=Meeting.objects.get(pk=m.pk), actor=organiser, now=NOW)
    book(make_user("adm2", Role.ADMIN), approval_room, at(1, 9), at(1, 10), title="B")
    with pytest.raises(InvalidTransition):
        services.meeting_update(meeting=stale, actor=organiser, now=NOW, title="A renamed")
    m.refresh_from_db()
    assert m.status == Status.CANCELLED and m.title == "会"
    assert Meeting.objects.blocking().filter(room=approval_room).count() == 1


def test_approving_a_stale_copy_does_not_restore_the_old_time(organiser, approver, approval_room):
    m = book(organiser, approval_room, at(1, 9), at(1, 10))
    stale = Meeting.objects.get(pk=m.pk)
    services.meeting_update(meeting=m, actor=organiser, now=NOW, start=at(1, 14), end=at(1, 15))
    with pytest.raises(InvalidTransition):
        services.meeting_approve(meeting=stale, actor=approver, now=NOW)
    m.refresh_from_db()
    assert m.start == at(1, 14) and m.status == Status.PENDING


def test_moving_an_approved_booking_in_an_approval_room_asks_the_approvers(
    organiser, approver, approval_room
):
    m = book(organiser, approval_room, at(10, 9), at(10, 10))
    services.meeting_approve(meeting=m, actor=approver, now=NOW)
    asked = Notification.objects.filter(recipient=approver, kind="approval_requested").count()
    services.meeting_update(
        meeting=m, actor=organiser, now=NOW, start=at(10, 9, 30), end=at(10, 10, 30)
    )
    assert m.status == Status.PENDING
    assert (
        Notification.objects.filter(recipient=approver, kind="approval_requested").count()
        == asked + 1
    )


def test_a_pending_request_moved_to_a_room_without_approval_is_confirmed(
    organiser, approval_room, room
):
    m = book(organiser, approval_room, at(10, 9), at(10, 10))
    services.meeting_update(meeting=m, actor=organiser, now=NOW, room=room)
    assert m.status == Status.APPROVED and m.hold_expires_at is None


def test_a_room_taken_out_of_service_does_not_block_editing_its_bookings(organiser):
    old = make_room("旧会议室")
    m = book(organiser, old, at(10, 9), at(10, 10))
    old.active = False
    old.save()
    m = Meeting.objects.get(pk=m.pk)
    services.meeting_update(meeting=m, actor=organiser, now=NOW, title="新名称")
    assert Meeting.objects.get(pk=m.pk).title == "新名称"
