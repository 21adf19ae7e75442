"""An alternative offered after a clash must be bookable exactly as offered."""

from __future__ import annotations

import datetime as dt

import pytest

from core.exceptions import BookingConflict
from meetings import services
from meetings.models import Kind
from tests.factories import NOW, at, make_room, make_terminal

pytestmark = pytest.mark.django_db


def branch(actor, room, start, end, **kw):
    return services.meeting_create(
        actor=actor,
        title=kw.pop("title", "全省电视电话会议"),
        kind=Kind.TELECONFERENCE,
        branch_of="provincial",
        room=room,
        start=start,
        end=end,
        now=NOW,
        **kw,
    )


def test_offered_slots_and_rooms_for_a_branch_venue_can_be_booked(organiser):
    vc_room = make_room("视频会议室", capacity=40)
    make_terminal(vc_room)
    other_vc = make_room("小视频室", capacity=40)
    make_terminal(other_vc)
    make_room("第二会议室", capacity=40)  # no terminal: never an alternative for a 分会场
    services.meeting_create(
        actor=organiser, title="调度会", room=vc_room, start=at(1, 8, 30), end=at(1, 9, 30), now=NOW
    )
    with pytest.raises(BookingConflict) as exc:
        branch(organiser, vc_room, at(1, 10), at(1, 11))
    alternatives = exc.value.details["alternatives"]
    assert [r["name"] for r in alternatives["rooms"]] == ["小视频室"]
    first = alternatives["slots"][0]
    start = dt.datetime.fromisoformat(first["start"])
    branch(organiser, vc_room, start, start + dt.timedelta(hours=1))


def test_offered_slots_respect_the_requests_own_setup_time(organiser, room):
    services.meeting_create(
        actor=organiser, title="上午会", room=room, start=at(1, 9), end=at(1, 10), now=NOW
    )
    with pytest.raises(BookingConflict) as exc:
        services.meeting_create(
            actor=organiser,
            title="布场长的会",
            room=room,
            start=at(1, 10),
            end=at(1, 11),
            now=NOW,
            setup_minutes=90,
        )
    start = dt.datetime.fromisoformat(exc.value.details["alternatives"]["slots"][0]["start"])
    services.meeting_create(
        actor=organiser,
        title="布场长的会",
        room=room,
        start=start,
        end=start + dt.timedelta(hours=1),
        now=NOW,
        setup_minutes=90,
    )
