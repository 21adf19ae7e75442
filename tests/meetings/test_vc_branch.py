"""分会场 (branch venue of a superior teleconference): terminal, 联调 hold, priority."""

from __future__ import annotations

import pytest
from django.test import override_settings

from core.exceptions import BookingConflict, InvalidInput
from meetings.models import BranchLevel, Kind, Meeting, Priority
from meetings.services import booking_check, meeting_create, meeting_update
from meetings.vc import vc_details
from tests.factories import NOW, at, make_meeting, make_room, make_terminal

pytestmark = pytest.mark.django_db


@pytest.fixture
def vc_room():
    room = make_room("视频会议室", capacity=40, setup_minutes=30, teardown_minutes=15)
    make_terminal(room)
    return room


def branch(actor, room, start=None, end=None, **kw) -> Meeting:
    return meeting_create(
        actor=actor,
        title=kw.pop("title", "全省安全生产电视电话会议"),
        kind=kw.pop("kind", Kind.TELECONFERENCE),
        room=room,
        start=start or at(2, 15),
        end=end or at(2, 17),
        now=NOW,
        branch_of=kw.pop("branch_of", BranchLevel.PROVINCIAL),
        **kw,
    )


def test_a_branch_venue_holds_the_room_for_link_test_and_setup(organiser, vc_room):
    meeting = branch(organiser, vc_room)
    # 60 minutes 联调 (the default) right before the start, 30 minutes 布场 before that.
    assert meeting.occupied_start == at(2, 13, 30)
    assert meeting.occupied_end == at(2, 17, 15)
    assert meeting.priority == Priority.SUPERIOR


def test_the_link_test_hold_blocks_the_room_before_the_meeting(organiser, colleague, vc_room):
    branch(organiser, vc_room)
    # 13:00–14:00 ends when the 联调 starts, but runs into the 布场 from 13:30.
    with pytest.raises(BookingConflict):
        meeting_create(
            actor=colleague, title="专题会", room=vc_room, start=at(2, 13), end=at(2, 14), now=NOW
        )
    # A meeting ending during the 联调 is refused too, even with no buffers of its own.
    with pytest.raises(BookingConflict) as err:
        meeting_create(
            actor=colleague,
            title="短会",
            room=vc_room,
            start=at(2, 14),
            end=at(2, 14, 30),
            setup_minutes=0,
            teardown_minutes=0,
            now=NOW,
        )
    assert err.value.details["conflicts"][0]["occupied_start"].startswith("2026-12-02T13:30")
    # Up to the hold is fine (half-open): ending at 13:30 without teardown.
    ok = meeting_create(
        actor=colleague,
        title="上午的会",
        room=vc_room,
        start=at(2, 11),
        end=at(2, 13, 30),
        teardown_minutes=0,
        now=NOW,
    )
    assert ok.occupied_end == at(2, 13, 30)


def test_the_booking_check_shows_the_link_test_hold(organiser, vc_room):
    check = booking_check(
        room=vc_room,
        start=at(2, 15),
        end=at(2, 17),
        branch_of=BranchLevel.MUNICIPAL,
        link_test_minutes=45,
        now=NOW,
    )
    assert check.occupied_start == at(2, 13, 45)


@override_settings(VC_LINK_TEST_MINUTES=90)
def test_the_link_test_time_comes_from_settings_or_the_meeting(organiser, vc_room):
    assert branch(organiser, vc_room).occupied_start == at(2, 13)
    own = branch(organiser, vc_room, at(3, 15), at(3, 16), link_test_minutes=20)
    assert own.occupied_start == at(3, 14, 10)


def test_a_branch_venue_needs_a_room_with_a_terminal(organiser):
    plain = make_room("第一会议室")
    with pytest.raises(InvalidInput) as err:
        branch(organiser, plain)
    assert err.value.status == 422
    assert err.value.details["errors"][0]["field"] == "room_id"
    assert "终端" in err.value.message and err.value.details["room_id"] == plain.pk
    assert not Meeting.objects.exists()


def test_an_inactive_terminal_does_not_count(organiser):
    room = make_room("第一会议室")
    make_terminal(room, active=False)
    with pytest.raises(InvalidInput):
        branch(organiser, room)


def test_a_branch_venue_must_be_a_teleconference_in_a_room(organiser, vc_room):
    with pytest.raises(InvalidInput) as err:
        branch(organiser, vc_room, kind=Kind.TOPIC)
    assert err.value.details["errors"][0]["field"] == "branch_of"
    with pytest.raises(InvalidInput) as err:
        meeting_create(
            actor=organiser,
            title="分会场",
            kind=Kind.TELECONFERENCE,
            place="室外",
            start=at(2, 15),
            end=at(2, 16),
            now=NOW,
            branch_of=BranchLevel.NATIONAL,
        )
    assert err.value.details["errors"][0]["field"] == "room_id"


def test_the_priority_is_superior_whatever_was_asked(organiser, vc_room):
    meeting = branch(organiser, vc_room, priority=Priority.NORMAL)
    assert meeting.priority == Priority.SUPERIOR


def test_making_a_meeting_a_branch_venue_later_reruns_the_rules(organiser, colleague, vc_room):
    meeting = make_meeting(
        room=vc_room,
        start=at(2, 15),
        end=at(2, 17),
        organizer=organiser,
        kind=Kind.TELECONFERENCE,
    )
    make_meeting(room=vc_room, start=at(2, 13), end=at(2, 14), organizer=colleague)
    with pytest.raises(BookingConflict):
        meeting_update(meeting=meeting, actor=organiser, now=NOW, branch_of=BranchLevel.PROVINCIAL)
    meeting.refresh_from_db()
    assert meeting.branch_of == "" and meeting.occupied_start == at(2, 14, 30)
    meeting_update(
        meeting=meeting,
        actor=organiser,
        now=NOW,
        branch_of=BranchLevel.PROVINCIAL,
        link_test_minutes=15,
    )
    meeting.refresh_from_db()
    assert meeting.occupied_start == at(2, 14, 15)
    assert meeting.priority == Priority.SUPERIOR and meeting.sequence == 1


def test_vc_details_tells_documents_about_the_branch_venue(organiser, vc_room):
    meeting = branch(organiser, vc_room)
    assert vc_details(meeting) is None  # no link of its own
    details = vc_details(meeting, include_branch=True)
    assert details is not None and not details.has_link
    assert details.branch_label == "省级" and details.link_test_start == at(2, 14)
    assert details.summary() == "省级电视电话会议分会场，14:00 联调"
