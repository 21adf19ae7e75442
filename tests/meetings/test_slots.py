"""Find-a-time: the earliest times everyone and a fitting room are free."""

from __future__ import annotations

import datetime as dt

import pytest

from core.exceptions import InvalidInput
from meetings.models import Status
from meetings.slots import RoomNeeds, slots_search
from rooms.models import Layout, RoomLayout
from tests.factories import NOW, at, make_meeting, make_person, make_room, make_terminal

pytestmark = pytest.mark.django_db

HOUR = dt.timedelta(hours=1)


def search(people, **kw):
    args = {
        "person_ids": [p.pk for p in people],
        "duration": kw.pop("duration", HOUR),
        "window_start": kw.pop("window_start", at(1, 0)),
        "window_end": kw.pop("window_end", at(3, 0)),
        "now": kw.pop("now", NOW),
    }
    args.update(kw)
    return slots_search(**args)


@pytest.fixture
def leaders(db):
    return [make_person("王县长", is_leader=True), make_person("李副县长", is_leader=True)]


def test_the_first_slot_is_the_first_half_hour_everyone_is_free(organiser, leaders, room):
    make_meeting(
        room=None, organizer=organiser, attendees=[leaders[0]], start=at(1, 8), end=at(1, 10)
    )
    make_meeting(
        room=None, organizer=organiser, attendees=[leaders[1]], start=at(1, 10), end=at(1, 11, 15)
    )
    slots = search(leaders)
    assert slots[0].start == at(1, 11, 30) and slots[0].end == at(1, 12, 30)
    assert slots[0].room == room
    # Earliest first, every 30 minutes, within office hours (08:30–18:00).
    assert [s.start for s in slots[:3]] == [at(1, 11, 30), at(1, 12), at(1, 12, 30)]
    assert all(s.end <= at(s.start.day, 18) for s in slots)


def test_cancelled_meetings_do_not_make_anyone_busy(organiser, leaders, room):
    make_meeting(
        room=None,
        organizer=organiser,
        attendees=leaders,
        start=at(1, 8),
        end=at(1, 12),
        status=Status.CANCELLED,
    )
    assert search(leaders)[0].start == at(1, 8, 30)


def test_room_buffers_count(organiser, leaders):
    room = make_room("唯一会议室", setup_minutes=30, teardown_minutes=30)
    make_meeting(room=room, organizer=organiser, start=at(1, 9), end=at(1, 10))
    # Free for people at 08:30, but the room is occupied 08:30–10:30 (with buffers), and
    # the new meeting's own 30-minute setup means 11:00 is the first start.
    assert search(leaders)[0].start == at(1, 11)


def test_the_smallest_fitting_room_comes_first(organiser, leaders):
    big = make_room("大会议室", capacity=100)
    small = make_room("小会议室", capacity=8)
    tiny = make_room("洽谈室", capacity=4)
    slot = search(leaders, needs=RoomNeeds(min_capacity=6))[0]
    assert slot.rooms == (small, big) and tiny not in slot.rooms


def test_room_needs_equipment_terminal_and_layout(organiser, leaders):
    plain = make_room("普通会议室", capacity=20)
    projector = make_room("投影会议室", capacity=30, equipment=["projector"])
    video = make_room("视频会议室", capacity=40, equipment=["projector"])
    make_terminal(video)
    round_table = make_room("圆桌会议室", capacity=20, layout=Layout.ROUND)
    extra = make_room("多功能厅", capacity=60)
    RoomLayout.objects.create(room=extra, name="圆桌", kind=Layout.ROUND)
    assert search(leaders, needs=RoomNeeds(equipment=("projector",)))[0].rooms == (projector, video)
    assert search(leaders, needs=RoomNeeds(vc_terminal=True))[0].rooms == (video,)
    assert search(leaders, needs=RoomNeeds(layout=Layout.ROUND))[0].rooms == (round_table, extra)
    assert plain not in search(leaders, needs=RoomNeeds(equipment=("projector",)))[0].rooms


def test_working_days_only_and_working_hours(organiser, leaders, room):
    # Friday 4 December 17:00 on: the weekend is skipped unless asked for.
    friday = at(4, 17)
    slots = search(leaders, window_start=friday, window_end=at(8, 0), now=NOW)
    assert [s.start for s in slots[:2]] == [at(4, 17), at(7, 8, 30)]
    weekend = search(
        leaders,
        window_start=friday,
        window_end=at(8, 0),
        working_days_only=False,
        hours_from=dt.time(9),
        hours_to=dt.time(12),
    )
    assert [s.start for s in weekend[:2]] == [at(5, 9), at(5, 9, 30)]


def test_nothing_before_now(organiser, leaders, room):
    slots = search(leaders, now=at(1, 10, 5))
    assert slots[0].start == at(1, 10, 30)


def test_results_are_bounded(organiser, leaders, room):
    assert len(search(leaders, window_end=at(31, 0))) == 20
    assert len(search(leaders, limit=5)) == 5


def test_no_fitting_room_means_no_slot(leaders, room):
    assert search(leaders, needs=RoomNeeds(min_capacity=500)) == []


@pytest.mark.parametrize(
    ("kw", "field", "words"),
    [
        ({"window_start": at(3, 0), "window_end": at(1, 0)}, "window.end", "结束必须晚于开始"),
        ({"window_end": at(1, 0, month=3, year=2027)}, "window.end", "不能超过 62 天"),
        (
            {"window_start": at(1, 0, month=11), "window_end": at(2, 0, month=11)},
            "window.end",
            "已经过去",
        ),
        ({"duration": dt.timedelta(minutes=5)}, "duration_minutes", "15–720"),
        ({"hours_from": dt.time(18), "hours_to": dt.time(9)}, "working_hours.to", "晚于开始"),
        (
            {"hours_from": dt.time(9), "hours_to": dt.time(10), "duration": 2 * HOUR},
            "duration_minutes",
            "超过每天",
        ),
        ({"needs": RoomNeeds(equipment=("teleporter",))}, "room.equipment", "未知的设备代码"),
        ({"needs": RoomNeeds(layout="pyramid")}, "room.layout", "未知的布局"),
    ],
)
def test_bad_input_is_a_clear_422(leaders, room, kw, field, words):
    with pytest.raises(InvalidInput) as err:
        search(leaders, **kw)
    assert words in err.value.message
    assert err.value.details["errors"][0]["field"] == field


def test_too_many_people_or_unknown_people(leaders, room):
    with pytest.raises(InvalidInput) as err:
        slots_search(
            person_ids=list(range(1, 201)),
            duration=HOUR,
            window_start=at(1, 0),
            window_end=at(2, 0),
            now=NOW,
        )
    assert "最多查找 50 人" in err.value.message
    with pytest.raises(InvalidInput) as err:
        slots_search(
            person_ids=[leaders[0].pk, 999_999],
            duration=HOUR,
            window_start=at(1, 0),
            window_end=at(2, 0),
            now=NOW,
        )
    assert err.value.details["missing"] == [999_999]
