"""Editing, submitting, cancelling, approving and rejecting a meeting."""

from __future__ import annotations

import datetime as dt

import pytest

from core.audit import audit_for
from core.exceptions import (
    BookingConflict,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    SoftConflict,
)
from meetings.models import Meeting, Notification, Status
from meetings.services import (
    AttendeeSpec,
    meeting_approve,
    meeting_cancel,
    meeting_create,
    meeting_reject,
    meeting_submit,
    meeting_update,
)
from tests.factories import NOW, at, make_person, make_room

pytestmark = pytest.mark.django_db


def book(actor, room, start, end, **kw):
    return meeting_create(
        actor=actor,
        title=kw.pop("title", "专题会议"),
        room=room,
        start=start,
        end=end,
        now=NOW,
        **kw,
    )


def test_moving_a_meeting_bumps_sequence_and_is_audited(organiser, room):
    m = book(organiser, room, at(1, 9), at(1, 10))
    meeting_update(meeting=m, actor=organiser, now=NOW, start=at(1, 14), end=at(1, 15))
    m.refresh_from_db()
    assert m.sequence == 1
    assert m.occupied_start == at(1, 13, 45)
    entry = audit_for(m).first()
    assert entry.action == "update" and "start" in entry.changes


def test_changing_only_the_title_keeps_sequence(organiser, room):
    m = book(organiser, room, at(1, 9), at(1, 10))
    meeting_update(meeting=m, actor=organiser, now=NOW, title="改名后的会议")
    m.refresh_from_db()
    assert m.sequence == 0 and m.title == "改名后的会议"


def test_moving_onto_another_meeting_is_refused_and_nothing_changes(organiser, room):
    book(organiser, room, at(1, 14), at(1, 15))
    m = book(organiser, room, at(1, 9), at(1, 10))
    with pytest.raises(BookingConflict):
        meeting_update(meeting=m, actor=organiser, now=NOW, start=at(1, 14, 30), end=at(1, 15, 30))
    fresh = Meeting.objects.get(pk=m.pk)
    assert fresh.start == at(1, 9) and fresh.sequence == 0


def test_a_meeting_does_not_clash_with_itself_when_extended(organiser, room):
    m = book(organiser, room, at(1, 9), at(1, 10))
    meeting_update(meeting=m, actor=organiser, now=NOW, end=at(1, 11))


def test_colleague_cannot_edit_or_cancel_anothers_meeting(organiser, colleague, room):
    m = book(organiser, room, at(1, 9), at(1, 10))
    with pytest.raises(PermissionDenied):
        meeting_update(meeting=m, actor=colleague, now=NOW, title="x")
    with pytest.raises(PermissionDenied):
        meeting_cancel(meeting=m, actor=colleague, now=NOW)


def test_admin_may_cancel_any_meeting_and_organiser_is_told(organiser, admin, room):
    m = book(organiser, room, at(1, 9), at(1, 10))
    meeting_cancel(meeting=m, actor=admin, now=NOW, reason="领导另有安排")
    m.refresh_from_db()
    assert m.status == Status.CANCELLED and m.cancel_reason == "领导另有安排"
    assert Notification.objects.filter(recipient=organiser, kind="cancel").exists()


def test_cancelling_releases_the_room(organiser, colleague, room):
    m = book(organiser, room, at(1, 9), at(1, 10))
    meeting_cancel(meeting=m, actor=organiser, now=NOW)
    assert book(colleague, room, at(1, 9), at(1, 10)).status == Status.APPROVED


def test_cancelled_meeting_cannot_be_cancelled_again(organiser, room):
    m = book(organiser, room, at(1, 9), at(1, 10))
    meeting_cancel(meeting=m, actor=organiser, now=NOW)
    with pytest.raises(InvalidTransition):
        meeting_cancel(meeting=m, actor=organiser, now=NOW)


def test_approver_approves_a_pending_request(organiser, approver, approval_room):
    m = book(organiser, approval_room, at(1, 9), at(1, 10))
    assert Notification.objects.filter(recipient=approver, kind="approval_requested").exists()
    meeting_approve(meeting=m, actor=approver, now=NOW, note="同意")
    m.refresh_from_db()
    assert m.status == Status.APPROVED and m.hold_expires_at is None and m.decided_by == approver
    assert [e.action for e in audit_for(m)] == ["approve", "create"]


def test_staff_cannot_approve(organiser, colleague, approval_room):
    m = book(organiser, approval_room, at(1, 9), at(1, 10))
    with pytest.raises(PermissionDenied):
        meeting_approve(meeting=m, actor=colleague, now=NOW)


def test_rejection_needs_a_reason_and_releases_the_hold(
    organiser, colleague, approver, approval_room
):
    m = book(organiser, approval_room, at(1, 9), at(1, 10))
    with pytest.raises(InvalidInput):
        meeting_reject(meeting=m, actor=approver, now=NOW, note=" ")
    meeting_reject(meeting=m, actor=approver, now=NOW, note="该时段另有安排")
    m.refresh_from_db()
    assert m.status == Status.REJECTED
    assert book(colleague, approval_room, at(1, 9), at(1, 10)).status == Status.PENDING


def test_approving_twice_is_refused(organiser, approver, approval_room):
    m = book(organiser, approval_room, at(1, 9), at(1, 10))
    meeting_approve(meeting=m, actor=approver, now=NOW)
    with pytest.raises(InvalidTransition):
        meeting_approve(meeting=m, actor=approver, now=NOW)


def test_approver_booking_a_needs_approval_room_is_confirmed_at_once(
    approver, admin, approval_room
):
    # Approvers are not staff, but admins book and approve in one step.
    m = book(admin, approval_room, at(1, 9), at(1, 10))
    assert m.status == Status.APPROVED


def test_a_draft_holds_nothing_until_submitted(organiser, colleague, room):
    draft = book(organiser, room, at(1, 9), at(1, 10), submit=False)
    assert draft.status == Status.DRAFT
    other = book(colleague, room, at(1, 9), at(1, 10))
    with pytest.raises(BookingConflict):
        meeting_submit(meeting=draft, actor=organiser, now=NOW)
    meeting_cancel(meeting=other, actor=colleague, now=NOW)
    meeting_submit(meeting=draft, actor=organiser, now=NOW)
    draft.refresh_from_db()
    assert draft.status == Status.APPROVED


def test_moving_an_approved_meeting_in_an_approval_room_needs_approval_again(
    organiser, approver, approval_room
):
    m = book(organiser, approval_room, at(1, 9), at(1, 10))
    meeting_approve(meeting=m, actor=approver, now=NOW)
    meeting_update(meeting=m, actor=organiser, now=NOW, start=at(2, 9), end=at(2, 10))
    m.refresh_from_db()
    assert m.status == Status.PENDING and m.hold_expires_at is not None


def test_new_roster_reruns_the_person_check(organiser, room):
    leader = make_person("赵副县长", is_leader=True)
    book(organiser, make_room("第二会议室"), at(1, 9), at(1, 10), attendees=[AttendeeSpec(leader)])
    m = book(organiser, room, at(1, 9), at(1, 10))
    with pytest.raises(SoftConflict):
        meeting_update(meeting=m, actor=organiser, now=NOW, attendees=[AttendeeSpec(leader)])
    assert m.attendances.count() == 0
    meeting_update(
        meeting=m,
        actor=organiser,
        now=NOW,
        attendees=[AttendeeSpec(leader)],
        acknowledge=["person_busy"],
    )
    assert list(m.attendances.values_list("person__name", flat=True)) == ["赵副县长"]


def test_over_capacity_and_outside_hours_are_soft(organiser):
    small = make_room("小会议室", capacity=5, bookable_from=dt.time(8), bookable_until=dt.time(18))
    with pytest.raises(SoftConflict) as exc:
        book(organiser, small, at(1, 17), at(1, 19), expected_attendance=9)
    codes = {w["code"] for w in exc.value.details["warnings"]}
    assert codes == {"over_capacity", "outside_hours"}
    m = book(
        organiser,
        small,
        at(1, 17),
        at(1, 19),
        expected_attendance=9,
        acknowledge=["over_capacity", "outside_hours"],
    )
    assert {a["code"] for a in m.acknowledged_conflicts} == {"over_capacity", "outside_hours"}


def test_only_bookers_may_create(outsider, leader, room):
    for user in (outsider, leader):
        with pytest.raises(PermissionDenied):
            book(user, room, at(1, 9), at(1, 10))


def test_secretary_may_book(secretary, room):
    assert book(secretary, room, at(1, 9), at(1, 10)).status == Status.APPROVED


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (at(1, 10), at(1, 10), "end"),  # zero length
        (at(1, 10), at(1, 9), "end"),  # end before start
        (at(1, 9), at(9, 9), "end"),  # absurd length
        (NOW - dt.timedelta(days=2), NOW - dt.timedelta(days=2, hours=-1), "start"),  # past
        (at(1, 9, year=2030), at(1, 10, year=2030), "start"),  # beyond the horizon
    ],
)
def test_it_refuses_impossible_times(organiser, room, start, end, field):
    with pytest.raises(InvalidInput) as exc:
        book(organiser, room, start, end)
    assert exc.value.details["errors"][0]["field"] == field
    assert Meeting.objects.count() == 0


def test_person_listed_twice_is_refused(organiser, room):
    p = make_person()
    with pytest.raises(InvalidInput):
        book(organiser, room, at(1, 9), at(1, 10), attendees=[AttendeeSpec(p), AttendeeSpec(p)])
    assert Meeting.objects.count() == 0


def test_offsite_meeting_needs_a_place(organiser):
    with pytest.raises(InvalidInput):
        book(organiser, None, at(1, 9), at(1, 10))
    m = book(organiser, None, at(1, 9), at(1, 10), place="城关镇工业园区", kind="inspection")
    assert m.location == "城关镇工业园区"
