"""A meeting with a roster for the attendee, RSVP, check-in and document tests.

The meeting lies a week or more ahead of the real today (pages and the API read the real
clock, and RSVP links close at the meeting's start).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone

from core.models import Person, Unit
from meetings import attendees as svc
from meetings.models import Attendance, Meeting, Role
from rooms.models import Room
from tests.api_support import when
from tests.factories import make_meeting, make_person, make_unit


@dataclass
class Cast:
    """Units in customary order and people in them; leaders ranked 1, 2, 3."""

    gov: Unit
    finance: Unit
    water: Unit
    county_head: Person  # rank 1
    deputy: Person  # rank 2
    deputy2: Person  # rank 3
    finance_head: Person
    finance_deputy: Person
    water_head: Person


def cast() -> Cast:
    gov = make_unit("县人民政府", order=1)
    finance = make_unit("县财政局", order=20)
    water = make_unit("县水利局", order=40)
    finance.short_name = "财政局"
    finance.save()
    return Cast(
        gov=gov,
        finance=finance,
        water=water,
        county_head=make_person("张建国", unit=gov, rank=1, title="县长", is_leader=True),
        deputy=make_person("李卫东", unit=gov, rank=2, title="常务副县长", is_leader=True),
        deputy2=make_person("王海燕", unit=gov, rank=3, title="副县长", is_leader=True),
        finance_head=make_person("林国栋", unit=finance, rank=120, title="局长"),
        finance_deputy=make_person("陈晓峰", unit=finance, rank=121, title="副局长"),
        water_head=make_person("唐建平", unit=water, rank=140, title="局长"),
    )


def meeting_for(
    organiser: User,
    room: Room | None,
    *,
    start: dt.datetime | None = None,
    hours: int = 2,
    **kw: Any,
) -> Meeting:
    start = start or when(9)
    return make_meeting(
        room=room,
        start=start,
        end=start + dt.timedelta(hours=hours),
        organizer=organiser,
        title=kw.pop("title", "县政府第49次常务会议"),
        kind=kw.pop("kind", "executive"),
        **kw,
    )


def add(
    meeting: Meeting, actor: User, person: Person, role: str = Role.ATTEND, **kw: Any
) -> Attendance:
    return svc.attendee_add(
        meeting=meeting, actor=actor, now=timezone.now(), person=person, role=role, **kw
    )


def add_guest(
    meeting: Meeting,
    actor: User,
    name: str,
    *,
    title: str = "",
    unit: str = "",
    role: str = "guest",
) -> Attendance:
    return svc.attendee_add(
        meeting=meeting,
        actor=actor,
        now=timezone.now(),
        guest=svc.Guest(name, title, unit),
        role=role,
    )


def full_roster(meeting: Meeting, actor: User, c: Cast) -> dict[str, Attendance]:
    """主持 张建国, 出席 李卫东 王海燕, 列席 林国栋 唐建平, a guest 嘉宾, staff 工作人员."""
    out = {
        "张建国": add(meeting, actor, c.county_head, Role.CHAIR),
        "李卫东": add(meeting, actor, c.deputy),
        "王海燕": add(meeting, actor, c.deputy2),
        "唐建平": add(meeting, actor, c.water_head, Role.SIT_IN),
        "林国栋": add(meeting, actor, c.finance_head, Role.SIT_IN),
    }
    out["周教授"] = add_guest(meeting, actor, "周教授", title="教授", unit="省农科院")
    out["会务"] = add_guest(
        meeting, actor, "会务员", title="科员", unit="县政府办公室", role=Role.STAFF
    )
    return out
