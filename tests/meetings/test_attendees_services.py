"""The roster's services: add, remove, role, order; duplicates, permissions, audit, rules."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.audit import audit_for
from core.exceptions import InvalidInput, InvalidTransition, PermissionDenied, SoftConflict
from meetings import attendees as svc
from meetings.models import Attendance, Role, Rsvp, Status
from meetings.services import AttendeeSpec, meeting_update
from tests.api_support import when
from tests.factories import make_meeting, make_room
from tests.meetings.attendee_support import add, add_guest, cast, meeting_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(db):
    return cast()


@pytest.fixture
def meeting(organiser, room):
    return meeting_for(organiser, room)


def names(meeting) -> list[str]:
    return [a.display_name for a in meeting.attendances.order_by("order", "pk")]


def test_it_adds_people_and_guests_at_the_end_with_their_roles(meeting, organiser, c):
    add(meeting, organiser, c.county_head, Role.CHAIR)
    guest = add_guest(meeting, organiser, "周教授", title="教授", unit="省农科院")
    add(meeting, organiser, c.finance_head, Role.SIT_IN)
    assert names(meeting) == ["张建国", "周教授", "林国栋"]
    assert guest.person is None and guest.display_title == "教授"
    assert guest.display_unit == "省农科院" and guest.role == Role.GUEST
    roles = list(meeting.attendances.order_by("order").values_list("role", flat=True))
    assert roles == [Role.CHAIR, Role.GUEST, Role.SIT_IN]


def test_it_refuses_a_person_twice_and_a_guest_twice(meeting, organiser, c):
    add(meeting, organiser, c.deputy)
    with pytest.raises(InvalidInput, match="李卫东已在参会人员中"):
        add(meeting, organiser, c.deputy, Role.SIT_IN)
    add_guest(meeting, organiser, "周教授", unit="省农科院")
    with pytest.raises(InvalidInput, match="周教授已在参会人员中"):
        add_guest(meeting, organiser, "周教授", unit="省农科院")
    # The same name from another unit is another person.
    add_guest(meeting, organiser, "周教授", unit="市农科所")
    assert meeting.attendances.count() == 3


def test_it_refuses_unknown_roles_and_nameless_guests(meeting, organiser, c):
    with pytest.raises(InvalidInput, match="未知的参会身份"):
        add(meeting, organiser, c.deputy, "boss")
    with pytest.raises(InvalidInput, match="姓名不能为空"):
        add_guest(meeting, organiser, "   ")
    with pytest.raises(InvalidInput):
        svc.attendee_add(meeting=meeting, actor=organiser, now=timezone.now())
    assert meeting.attendances.count() == 0


@pytest.mark.parametrize("who", ["colleague", "outsider", "approver", "leader"])
def test_only_the_organiser_or_an_admin_changes_the_roster(request, meeting, c, who):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        add(meeting, user, c.deputy)
    attendance = add(meeting, request.getfixturevalue("organiser"), c.deputy2)
    with pytest.raises(PermissionDenied):
        svc.attendee_remove(attendance=attendance, actor=user, now=timezone.now())
    with pytest.raises(PermissionDenied):
        svc.attendee_update(attendance=attendance, actor=user, now=timezone.now(), role="chair")


def test_an_admin_may_change_any_roster(meeting, admin, c):
    add(meeting, admin, c.deputy)
    assert names(meeting) == ["李卫东"]


def test_a_cancelled_meeting_keeps_its_roster(meeting, organiser, c):
    meeting.status = Status.CANCELLED
    meeting.save()
    with pytest.raises(InvalidTransition):
        add(meeting, organiser, c.deputy)


def test_role_change_reorder_and_removal_are_audited(meeting, organiser, c):
    a = add(meeting, organiser, c.county_head)
    b = add(meeting, organiser, c.deputy)
    g = add_guest(meeting, organiser, "周教授")
    svc.attendee_update(attendance=a, actor=organiser, now=timezone.now(), role=Role.CHAIR)
    svc.attendees_reorder(
        meeting=meeting, actor=organiser, now=timezone.now(), ids=[g.pk, a.pk, b.pk]
    )
    assert names(meeting) == ["周教授", "张建国", "李卫东"]
    svc.attendee_move(attendance=b, actor=organiser, now=timezone.now(), offset=-1)
    assert names(meeting) == ["周教授", "李卫东", "张建国"]
    svc.attendee_remove(attendance=g, actor=organiser, now=timezone.now())
    assert names(meeting) == ["李卫东", "张建国"]
    actions = list(audit_for(meeting).values_list("action", flat=True))
    for action in ("attendee_add", "attendee_update", "attendee_reorder", "attendee_remove"):
        assert action in actions
    entry = audit_for(meeting).filter(action="attendee_update").first()
    assert entry.changes["role"] == ["出席", "主持"] and entry.actor == organiser


def test_reorder_must_name_every_attendee_once(meeting, organiser, c):
    a = add(meeting, organiser, c.county_head)
    b = add(meeting, organiser, c.deputy)
    for ids in ([a.pk], [a.pk, a.pk], [a.pk, b.pk, 999999]):
        with pytest.raises(InvalidInput, match="全部参会人员"):
            svc.attendees_reorder(meeting=meeting, actor=organiser, now=timezone.now(), ids=ids)


def test_roster_changes_move_the_meetings_updated_at(meeting, organiser, c):
    before = meeting.updated_at
    later = timezone.now() + dt.timedelta(seconds=5)
    svc.attendee_add(meeting=meeting, actor=organiser, now=later, person=c.deputy)
    meeting.refresh_from_db()
    assert meeting.updated_at == later != before


def test_adding_a_busy_leader_needs_an_acknowledgement(organiser, room, c):
    other_room = make_room("第二会议室", capacity=20)
    busy = make_meeting(
        room=other_room, start=when(9), end=when(10), organizer=organiser, title="另一会议"
    )
    Attendance.objects.create(meeting=busy, person=c.county_head)
    meeting = meeting_for(organiser, room, start=when(9, 30))
    with pytest.raises(SoftConflict, match="张建国在该时段已有其他安排") as exc:
        add(meeting, organiser, c.county_head)
    assert exc.value.details["warnings"][0]["conflicts"][0]["title"] == "另一会议"
    assert meeting.attendances.count() == 0
    add(meeting, organiser, c.county_head, acknowledge=["person_busy"])
    meeting.refresh_from_db()
    assert meeting.attendances.count() == 1
    assert meeting.acknowledged_conflicts[-1]["code"] == "person_busy"


def test_a_draft_holds_nothing_so_nobody_is_busy_yet(organiser, room, c):
    busy = make_meeting(room=None, start=when(9), end=when(10), organizer=organiser)
    Attendance.objects.create(meeting=busy, person=c.county_head)
    draft = meeting_for(organiser, room, status=Status.DRAFT)
    add(draft, organiser, c.county_head)
    assert draft.attendances.count() == 1


def test_adding_beyond_the_rooms_capacity_needs_an_acknowledgement(organiser, c):
    room = make_room("小会议室", capacity=2)
    meeting = meeting_for(organiser, room)
    add(meeting, organiser, c.county_head)
    add(meeting, organiser, c.deputy)
    with pytest.raises(SoftConflict, match="超过小会议室容纳人数"):
        add_guest(meeting, organiser, "周教授")
    svc.attendee_add(
        meeting=meeting,
        actor=organiser,
        now=timezone.now(),
        guest=svc.Guest("周教授"),
        role=Role.GUEST,
        acknowledge=["over_capacity"],
    )
    assert meeting.attendances.count() == 3


def test_editing_the_booking_keeps_rsvps_checkins_and_guests(meeting, organiser, c):
    """meeting_update with a roster (booking form, API PATCH) keeps what people did."""
    head = add(meeting, organiser, c.county_head, Role.CHAIR)
    deputy = add(meeting, organiser, c.deputy)
    guest = add_guest(meeting, organiser, "周教授")
    svc.rsvp_answer(
        attendance=deputy,
        answer=Rsvp.SUBSTITUTE,
        now=timezone.now(),
        substitute_name="赵六",
        substitute_title="副主任",
    )
    svc.checkin(meeting=meeting, actor=organiser, now=timezone.now(), attendance_id=head.pk)
    meeting_update(
        meeting=meeting,
        actor=organiser,
        now=timezone.now(),
        attendees=[
            AttendeeSpec(c.county_head, Role.CHAIR),
            AttendeeSpec(c.deputy, Role.SIT_IN),
            AttendeeSpec(c.water_head, Role.ATTEND),
        ],
    )
    rows = {a.pk: a for a in meeting.attendances.all()}
    assert head.pk in rows and rows[head.pk].checked_in_at is not None
    assert rows[deputy.pk].display_name == "赵六" and rows[deputy.pk].role == Role.SIT_IN
    assert guest.pk in rows
    assert names(meeting) == ["张建国", "赵六", "唐建平", "周教授"]
    meeting_update(
        meeting=meeting, actor=organiser, now=timezone.now(), attendees=[AttendeeSpec(c.deputy)]
    )
    assert names(meeting) == ["赵六", "周教授"]


def test_guests_appear_in_the_meeting_json_and_calendar(meeting, organiser, c):
    from meetings.api import meeting_out
    from meetings.calendar import meeting_calendar, serialise
    from meetings.selectors import meeting_get

    add(meeting, organiser, c.county_head, Role.CHAIR)
    add_guest(meeting, organiser, "周教授", unit="省农科院")
    out = meeting_out(meeting_get(user=organiser, meeting_id=meeting.pk), organiser)
    assert [a["name"] for a in out["attendees"]] == ["张建国", "周教授"]
    assert out["attendees"][1]["person_id"] is None
    ics = serialise(meeting_calendar(meeting, viewer=organiser)).decode()
    assert "周教授" in ics.replace("\r\n ", "")
