"""A seating scene for the service, API and page tests: a rostrum room, leaders and units.

第一会议室 has a rostrum of 7 seats and 3 audience rows of 3 + 4 + 3 seats. The county
leaders 一号 … 七号 (ranks 1–7, the chair is 三号) go on the rostrum; the heads of three
units (in customary order 财政局, 教育局, 水利局) sit in the audience.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User

from core.models import Person, Unit
from meetings.models import Attendance, Meeting, Role
from meetings.seating.engine import reading
from meetings.seating.selectors import SeatingState
from rooms.layouts import Zone
from rooms.models import Room, RoomLayout
from tests.factories import make_meeting, make_room

ROSTRUM_PARAMS = {"rostrum_rows": [7], "audience_rows": 3, "audience_blocks": [3, 4, 3]}
LEADER_NAMES = ["一号", "二号", "三号", "四号", "五号", "六号", "七号"]


@dataclass
class Scene:
    meeting: Meeting
    room: Room
    layout: RoomLayout
    leaders: list[Attendance]
    heads: list[Attendance]
    units: dict[str, Unit]

    @property
    def all(self) -> list[Attendance]:
        return [*self.leaders, *self.heads]

    def by_name(self, name: str) -> Attendance:
        return next(
            a for a in Attendance.objects.filter(meeting=self.meeting) if a.display_name == name
        )


def rostrum_room(
    name: str = "第一会议室", params: dict[str, Any] | None = None
) -> tuple[Room, RoomLayout]:
    room = make_room(name, capacity=60, layout="rostrum")
    layout = RoomLayout.objects.create(
        room=room,
        name="主席台+台下",
        kind="rostrum",
        params=params or ROSTRUM_PARAMS,
        is_default=True,
    )
    return room, layout


def scene(
    organiser: User,
    *,
    start: dt.datetime,
    heads: int = 6,
    title: str = "全县安全生产工作会议",
    params: dict[str, Any] | None = None,
    **meeting_kw: Any,
) -> Scene:
    room, layout = rostrum_room(params=params)
    units = {
        "县政府": Unit.objects.create(name="县人民政府", short_name="县政府", order=1),
        "财政局": Unit.objects.create(name="县财政局", short_name="财政局", order=20),
        "教育局": Unit.objects.create(name="县教育局", short_name="教育局", order=30),
        "水利局": Unit.objects.create(name="县水利局", short_name="水利局", order=40),
    }
    meeting = make_meeting(
        room=room,
        start=start,
        end=start + dt.timedelta(hours=2),
        organizer=organiser,
        title=title,
        **meeting_kw,
    )
    leaders = []
    for rank, name in enumerate(LEADER_NAMES, start=1):
        person = Person.objects.create(
            name=name,
            title="副县长" if rank > 1 else "县长",
            unit=units["县政府"],
            rank=rank,
            is_leader=True,
        )
        role = Role.CHAIR if name == "三号" else Role.ATTEND
        leaders.append(
            Attendance.objects.create(meeting=meeting, person=person, role=role, order=rank)
        )
    head_rows = []
    unit_names = ["财政局", "教育局", "水利局"]
    for i in range(heads):
        unit = units[unit_names[i % 3]]
        person = Person.objects.create(
            name=f"{unit.short_name}{'甲乙丙丁'[i // 3]}", title="局长", unit=unit, rank=100 + i
        )
        head_rows.append(
            Attendance.objects.create(
                meeting=meeting, person=person, role=Role.SIT_IN, order=10 + i
            )
        )
    return Scene(meeting, room, layout, leaders, head_rows, units)


def rostrum_reading(state: SeatingState) -> str:
    """The rostrum row as read from the audience, by name."""
    seats = state.layout.in_zone(Zone.ROSTRUM)
    return " ".join(state.name_of(k) or "_" for k in reading(state.arrangement, seats))


def seat_of(state: SeatingState, name: str) -> str | None:
    key = next(p.id for p in state.people if p.name == name)
    return state.arrangement.seat_of(key)
