from __future__ import annotations

import pytest

from core.exceptions import BookingConflict, InvalidInput, SoftConflict
from meetings.models import Meeting, Status
from meetings.services import AttendeeSpec, meeting_create
from tests.factories import NOW, at, make_person

pytestmark = pytest.mark.django_db


def book(organiser, room, start, end, **kw):
    return meeting_create(
        actor=organiser,
        title=kw.pop("title", "专题会议"),
        room=room,
        start=start,
        end=end,
        now=NOW,
        **kw,
    )


def test_it_confirms_a_free_room_at_once(organiser, room):
    m = book(organiser, room, at(1, 9), at(1, 10))
    assert m.status == Status.APPROVED
    assert m.occupied_start == at(1, 8, 45) and m.occupied_end == at(1, 10, 15)


def test_back_to_back_meetings_do_not_clash_without_buffers(organiser, room):
    book(organiser, room, at(1, 9), at(1, 10), setup_minutes=0, teardown_minutes=0)
    book(organiser, room, at(1, 10), at(1, 11), setup_minutes=0, teardown_minutes=0)


def test_it_rejects_overlapping_booking_through_the_buffers(organiser, colleague, room):
    book(organiser, room, at(1, 9), at(1, 10))
    with pytest.raises(BookingConflict) as exc:
        book(colleague, room, at(1, 10, 10), at(1, 11))
    details = exc.value.details
    assert details["conflicts"][0]["title"] == "专题会议"
    assert details["alternatives"]["slots"], "the next free slots of the room are offered"


def test_it_offers_other_free_rooms_that_fit(organiser, room):
    from tests.factories import make_room

    small = make_room("小会议室", capacity=5)
    big = make_room("多功能厅", capacity=200)
    book(organiser, room, at(1, 9), at(1, 10))
    with pytest.raises(BookingConflict) as exc:
        book(organiser, room, at(1, 9), at(1, 10), expected_attendance=20)
    ids = [r["id"] for r in exc.value.details["alternatives"]["rooms"]]
    assert big.pk in ids and small.pk not in ids


def test_person_double_booked_needs_acknowledgement(organiser, room):
    from tests.factories import make_room

    leader = make_person("李副县长", is_leader=True)
    book(organiser, room, at(1, 9), at(1, 10), attendees=[AttendeeSpec(leader)])
    other = make_room("第二会议室")
    with pytest.raises(SoftConflict) as exc:
        book(organiser, other, at(1, 9, 30), at(1, 11), attendees=[AttendeeSpec(leader)])
    assert exc.value.details["warnings"][0]["code"] == "person_busy"
    m = book(
        organiser,
        other,
        at(1, 9, 30),
        at(1, 11),
        attendees=[AttendeeSpec(leader)],
        acknowledge=["person_busy"],
    )
    assert m.acknowledged_conflicts[0]["code"] == "person_busy"


def test_pending_request_holds_the_slot(organiser, colleague, approval_room):
    m = book(organiser, approval_room, at(1, 9), at(1, 10))
    assert m.status == Status.PENDING and m.hold_expires_at is not None
    with pytest.raises(BookingConflict):
        book(colleague, approval_room, at(1, 9), at(1, 10))


def test_it_refuses_end_before_start(organiser, room):
    with pytest.raises(InvalidInput):
        book(organiser, room, at(1, 10), at(1, 9))
    assert not Meeting.objects.exists()
