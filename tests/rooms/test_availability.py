"""Free rooms and free slots, with buffers, bookable hours and working days."""

from __future__ import annotations

import datetime as dt

import pytest

from meetings.services import alternatives_for
from rooms.services import free_slots, rooms_fitting
from tests.factories import at, make_meeting, make_room

pytestmark = pytest.mark.django_db


def no_busy(room_ids, start, end, exclude):
    return {}


def test_free_slots_offer_the_same_time_on_the_next_working_days(room):
    # Friday 2026-12-04 16:00: that slot, then Monday and Tuesday at 16:00 (no weekend).
    slots = free_slots(room=room, duration=dt.timedelta(hours=1), after=at(4, 16), busy=no_busy)
    assert [s for s, _ in slots] == [at(4, 16), at(7, 16), at(8, 16)]


def test_free_slots_fall_back_to_office_hours_when_the_time_is_taken(room):
    def busy(room_ids, start, end, exclude):
        # Taken every day 08:00–12:00 (occupied, buffers included).
        return {room.pk: [(at(d, 8), at(d, 12)) for d in range(1, 20)]}

    slots = free_slots(room=room, duration=dt.timedelta(hours=1), after=at(1, 9), busy=busy)
    # 12:00 + 15 min setup → 12:30 is the first start each day; never 07:00 before office hours.
    assert [s for s, _ in slots] == [at(1, 12, 30), at(2, 12, 30), at(3, 12, 30)]


def test_free_slots_respect_buffers(organiser, room):
    make_meeting(room=room, start=at(1, 10), end=at(1, 11), organizer=organiser)

    def busy(room_ids, start, end, exclude):
        return {room.pk: [(at(1, 9, 45), at(1, 11, 15))]}

    slots = free_slots(room=room, duration=dt.timedelta(hours=1), after=at(1, 9), busy=busy)
    # 09:00–10:00 would need the room until 10:15; the first start whose setup
    # clears 11:15 is 11:30.
    assert slots[0][0] == at(1, 11, 30)


def test_rooms_fitting_needs_all_equipment():
    make_room("视频会议室", capacity=40, equipment=["vc_terminal", "projector"])
    make_room("第二会议室", capacity=40, equipment=["projector"])
    names = [
        r.name for r in rooms_fitting(min_capacity=30, equipment_codes=["vc_terminal", "projector"])
    ]
    assert names == ["视频会议室"]


def test_alternatives_list_free_rooms_smallest_first(organiser, room):
    big = make_room("多功能厅", capacity=200)
    mid = make_room("第二会议室", capacity=40)
    taken = make_room("第三会议室", capacity=50)
    make_meeting(room=taken, start=at(1, 9), end=at(1, 10), organizer=organiser)
    alt = alternatives_for(
        room=room, start=at(1, 9), end=at(1, 10), needed_capacity=30, now=at(1, 8)
    )
    assert [r["name"] for r in alt["rooms"]] == [mid.name, big.name]
