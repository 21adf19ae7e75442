"""Small factories: plain functions with sensible defaults, overridable by keyword."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.contrib.auth.models import Group, User

from core.models import ApiToken, Person, Unit
from core.roles import Role
from core.timeutil import local_tz
from meetings.models import Attendance, Meeting, Status
from meetings.services import occupied_interval
from rooms.models import Equipment, Room, VcKind, VcResource

_seq = itertools.count(1)

# A fixed "now" for service tests: Monday 2026-11-30 08:00 Beijing time, a working day.
NOW = dt.datetime(2026, 11, 30, 8, 0, tzinfo=local_tz())


def at(day: int, hour: int, minute: int = 0, month: int = 12, year: int = 2026) -> dt.datetime:
    """An aware Beijing time, by default in December 2026."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=local_tz())


def make_user(username: str | None = None, *roles: Role, **kw: Any) -> User:
    user = User.objects.create_user(
        username or f"user{next(_seq)}", password="pw-for-tests-1", **kw
    )
    for role in roles:
        # get_or_create: a transactional test flushes the groups the migration made.
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
    return user


def make_unit(name: str | None = None, order: int = 100) -> Unit:
    return Unit.objects.create(name=name or f"单位{next(_seq)}", order=order)


def make_person(name: str | None = None, *, unit: Unit | None = None, **kw: Any) -> Person:
    return Person.objects.create(name=name or f"人员{next(_seq)}", unit=unit or make_unit(), **kw)


def make_room(name: str | None = None, *, equipment: list[str] = (), **kw: Any) -> Room:  # type: ignore[assignment]
    defaults: dict[str, Any] = {"capacity": 30, "setup_minutes": 15, "teardown_minutes": 15}
    defaults.update(kw)
    room = Room.objects.create(name=name or f"会议室{next(_seq)}", **defaults)
    for code in equipment:
        eq, _ = Equipment.objects.get_or_create(code=code, defaults={"name": code})
        room.equipment.add(eq)
    return room


def make_meeting(
    *,
    room: Room | None,
    start: dt.datetime,
    end: dt.datetime,
    organizer: User,
    status: str = Status.APPROVED,
    attendees: list[Person] = (),  # type: ignore[assignment]
    **kw: Any,
) -> Meeting:
    """Insert a meeting directly (bypassing the rules) to set the scene for a test."""
    o_start, o_end = occupied_interval(
        room=room,
        start=start,
        end=end,
        setup_minutes=kw.get("setup_minutes"),
        teardown_minutes=kw.get("teardown_minutes"),
        branch_of=kw.get("branch_of", ""),
        link_test_minutes=kw.get("link_test_minutes"),
    )
    meeting = Meeting.objects.create(
        title=kw.pop("title", f"会议{next(_seq)}"),
        room=room,
        start=start,
        end=end,
        occupied_start=o_start,
        occupied_end=o_end,
        organizer=organizer,
        status=status,
        place=kw.pop("place", "" if room else "外出"),
        **kw,
    )
    for i, person in enumerate(attendees):
        Attendance.objects.create(meeting=meeting, person=person, order=i)
    return meeting


def make_token(user: User) -> str:
    return ApiToken.issue(user, "tests")[1]


def make_pool(*numbers: str) -> list[VcResource]:
    """MCU virtual rooms with the given numbers (default 8001–8003), in that order."""
    return [
        VcResource.objects.create(
            kind=VcKind.VIRTUAL_ROOM,
            name=f"MCU {number}",
            number=number,
            password=f"pw{number}",
            order=i,
        )
        for i, number in enumerate(numbers or ("8001", "8002", "8003"))
    ]


def make_terminal(room: Room, **kw: Any) -> VcResource:
    """A VC terminal in `room`: what makes it usable as a 分会场."""
    return VcResource.objects.create(
        kind=VcKind.TERMINAL, name=kw.pop("name", f"{room.name}终端"), room=room, **kw
    )
