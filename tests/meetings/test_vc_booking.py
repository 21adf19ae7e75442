"""VC links booked with rooms: all or nothing, following moves, released on every way out."""

from __future__ import annotations

import datetime as dt

import pytest

from core.audit import audit_for
from core.exceptions import (
    BookingConflict,
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    VcPoolExhausted,
)
from meetings.models import Meeting, Status, VcLink
from meetings.services import (
    holds_expire,
    meeting_cancel,
    meeting_create,
    meeting_reject,
    meeting_submit,
    meeting_update,
)
from meetings.vc import vc_details
from meetings.vc_providers import VcRequest
from meetings.vc_services import vc_link_allocate, vc_link_change, vc_link_release
from tests.factories import NOW, at, make_meeting, make_pool, make_room

pytestmark = pytest.mark.django_db

POOL = VcRequest(provider="pool")
TENCENT = VcRequest(provider="external", number="123 456 789", password="1234")


def book(actor, room, start=None, end=None, **kw) -> Meeting:
    return meeting_create(
        actor=actor,
        title=kw.pop("title", "视频调度会"),
        room=room,
        start=start or at(2, 9),
        end=end or at(2, 10),
        now=NOW,
        **kw,
    )


def active_links() -> list[VcLink]:
    return list(VcLink.objects.filter(active=True).select_related("resource"))


# --- all or nothing -----------------------------------------------------------------------


def test_a_failed_link_allocation_leaves_no_room_booking(organiser, room):
    make_pool("8001")
    book(organiser, make_room("第二会议室"), vc=POOL, title="先订的")
    before = Meeting.objects.count()
    with pytest.raises(VcPoolExhausted):
        book(organiser, room, vc=POOL, title="后订的")
    assert Meeting.objects.count() == before
    assert not Meeting.objects.filter(title="后订的").exists()
    assert not Meeting.objects.blocking().filter(room=room).exists()


def test_a_refused_room_booking_allocates_no_link(organiser, room):
    [number] = make_pool("8001")
    make_meeting(room=room, start=at(2, 9), end=at(2, 10), organizer=organiser)
    with pytest.raises(BookingConflict):
        book(organiser, room, vc=POOL)
    assert not VcLink.objects.exists()
    # The number is still free for someone else at that time.
    other = book(organiser, make_room("第二会议室"), vc=POOL)
    assert other.vc_link.resource == number


def test_a_draft_cannot_hold_a_number(organiser, room):
    make_pool("8001")
    with pytest.raises(InvalidInput) as err:
        book(organiser, room, vc=POOL, submit=False)
    assert err.value.details["errors"][0]["field"] == "vc"
    assert not Meeting.objects.exists()


def test_a_draft_gets_its_link_when_submitted(organiser, room):
    make_pool("8001")
    draft = book(organiser, room, submit=False)
    meeting_submit(meeting=draft, actor=organiser, now=NOW, vc=POOL)
    assert vc_details(Meeting.objects.get(pk=draft.pk)).number == "8001"


# --- moves --------------------------------------------------------------------------------


def test_moving_a_meeting_moves_its_link_and_keeps_a_free_number(organiser, room):
    make_pool("8001", "8002")
    meeting = book(organiser, room, vc=POOL)
    meeting_update(meeting=meeting, actor=organiser, now=NOW, start=at(3, 14), end=at(3, 15))
    link = VcLink.objects.get(meeting=meeting)
    assert link.number == "8001"
    assert (link.occupied_start, link.occupied_end) == (at(3, 13, 45), at(3, 15, 15))
    assert "vc_move" in [e.action for e in audit_for(meeting)]


def test_moving_onto_a_taken_number_allocates_another(organiser, room):
    make_pool("8001", "8002")
    mine = book(organiser, room, vc=POOL)  # 8001 at 09:00
    # At 14:00 8001 is free, so another meeting gets it there.
    theirs = book(organiser, make_room("第二会议室"), at(2, 14), at(2, 15), vc=POOL)
    assert theirs.vc_link.number == "8001"
    meeting_update(meeting=mine, actor=organiser, now=NOW, start=at(2, 14), end=at(2, 15))
    assert VcLink.objects.get(meeting=mine).number == "8002"


def test_a_move_with_no_number_free_is_refused_whole(organiser, room):
    make_pool("8001")
    mine = book(organiser, room, vc=POOL)
    book(organiser, make_room("第二会议室"), at(2, 14), at(2, 15), vc=POOL)
    with pytest.raises(VcPoolExhausted):
        meeting_update(meeting=mine, actor=organiser, now=NOW, start=at(2, 14), end=at(2, 15))
    stored = Meeting.objects.get(pk=mine.pk)
    assert (stored.start, stored.end) == (at(2, 9), at(2, 10))
    assert mine.start == at(2, 9)  # the caller's object shows what is stored
    link = VcLink.objects.get(meeting=mine)
    assert link.active and link.occupied_start == at(2, 8, 45)


def test_update_can_book_change_and_release_the_link(organiser, room):
    make_pool("8001")
    meeting = book(organiser, room)
    meeting_update(meeting=meeting, actor=organiser, now=NOW, vc=POOL)
    assert vc_details(Meeting.objects.get(pk=meeting.pk)).number == "8001"
    meeting_update(meeting=meeting, actor=organiser, now=NOW, vc=TENCENT)
    details = vc_details(Meeting.objects.get(pk=meeting.pk))
    assert (details.provider, details.number) == ("external", "123 456 789")
    meeting_update(meeting=meeting, actor=organiser, now=NOW, vc_release=True)
    assert vc_details(Meeting.objects.get(pk=meeting.pk)) is None
    # The number is free again.
    assert book(organiser, make_room("第二会议室"), vc=POOL).vc_link.number == "8001"


# --- release on every way out -------------------------------------------------------------


def test_cancelling_releases_the_number(organiser, room):
    make_pool("8001")
    meeting = book(organiser, room, vc=POOL)
    meeting_cancel(meeting=meeting, actor=organiser, now=NOW, reason="改期")
    link = VcLink.objects.get(meeting=meeting)
    assert not link.active and vc_details(Meeting.objects.get(pk=meeting.pk)) is None
    assert "vc_release" in [e.action for e in audit_for(meeting)]
    assert book(organiser, make_room("第二会议室"), vc=POOL).vc_link.number == "8001"


def test_rejecting_and_expiring_release_the_number(organiser, approver, approval_room):
    make_pool("8001", "8002")
    rejected = book(organiser, approval_room, vc=POOL)
    expired = book(organiser, approval_room, at(3, 9), at(3, 10), vc=POOL)
    assert rejected.status == expired.status == Status.PENDING
    assert {link.number for link in active_links()} == {"8001"}  # different days
    meeting_reject(meeting=rejected, actor=approver, now=NOW, note="时间冲突")
    assert [link.meeting_id for link in active_links()] == [expired.pk]
    assert holds_expire(now=expired.start) == 1
    assert active_links() == []


def test_vc_links_of_a_booked_meeting_can_be_allocated_changed_and_released(organiser, room):
    make_pool("8001")
    meeting = book(organiser, room)
    vc_link_allocate(meeting=meeting, actor=organiser, now=NOW, request=POOL)
    with pytest.raises(InvalidTransition):
        vc_link_allocate(meeting=meeting, actor=organiser, now=NOW, request=POOL)
    link = vc_link_change(meeting=meeting, actor=organiser, now=NOW, request=TENCENT)
    assert link.provider == "external" and link.resource is None
    vc_link_release(meeting=meeting, actor=organiser, now=NOW)
    with pytest.raises(InvalidTransition):
        vc_link_release(meeting=meeting, actor=organiser, now=NOW)
    actions = [e.action for e in audit_for(meeting)]
    assert {"vc_allocate", "vc_change", "vc_release"} <= set(actions)
    # The password never reaches the audit log.
    assert "1234" not in " ".join(e.summary for e in audit_for(meeting))


def test_a_cancelled_meeting_gets_no_link(organiser, room):
    make_pool("8001")
    meeting = book(organiser, room)
    meeting_cancel(meeting=meeting, actor=organiser, now=NOW)
    with pytest.raises(InvalidTransition):
        vc_link_allocate(meeting=meeting, actor=organiser, now=NOW, request=POOL)


def test_only_the_organiser_or_an_admin_changes_the_link(organiser, colleague, admin, room):
    make_pool("8001")
    meeting = book(organiser, room)
    with pytest.raises(PermissionDenied):
        vc_link_allocate(meeting=meeting, actor=colleague, now=NOW, request=POOL)
    vc_link_allocate(meeting=meeting, actor=admin, now=NOW, request=POOL)
    with pytest.raises(PermissionDenied):
        vc_link_release(meeting=meeting, actor=colleague, now=NOW)


def test_back_to_back_meetings_share_a_number(organiser, room):
    make_pool("8001")
    first = book(organiser, room, at(2, 9), at(2, 10), vc=POOL, teardown_minutes=0)
    second = book(
        organiser, make_room("第二会议室"), at(2, 10), at(2, 11), vc=POOL, setup_minutes=0
    )
    assert first.vc_link.number == second.vc_link.number == "8001"
    assert first.vc_link.occupied_end == second.vc_link.occupied_start == at(2, 10)


def test_a_link_without_a_room_occupies_the_meetings_own_time(organiser):
    make_pool("8001")
    meeting = meeting_create(
        actor=organiser,
        title="外出视频调度",
        place="青石镇",
        start=at(2, 9),
        end=at(2, 10),
        now=NOW,
        vc=POOL,
    )
    link = meeting.vc_link
    assert (link.occupied_start, link.occupied_end) == (at(2, 9), at(2, 10))
    assert link.occupied_end - link.occupied_start == dt.timedelta(hours=1)


def test_the_database_refuses_one_number_twice_at_once(organiser, room):
    """PostgreSQL's exclusion constraint, the last guard behind the pool lock."""
    from django.db import connection

    from meetings.vc_services import _save

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only")
    [number] = make_pool("8001")
    first = book(organiser, room, vc=POOL)
    second = book(organiser, make_room("第二会议室"))
    intruder = VcLink(
        meeting=second,
        provider="pool",
        resource=number,
        number="8001",
        occupied_start=first.occupied_start,
        occupied_end=first.occupied_end,
    )
    with pytest.raises(VcPoolExhausted):
        _save(intruder)
    # Released links do not count.
    intruder.active = False
    _save(intruder)
