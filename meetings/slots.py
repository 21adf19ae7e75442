"""Find-a-time (DESIGN §4): when are all these people free, and which room fits then?

Like Outlook's scheduling assistant: given people, a duration, a window (working hours,
working days) and what the room needs, list the earliest slots where every person is
free (their meetings' own times) and at least one fitting room is free with its own
布场/撤场 buffers, rooms with the least wasted capacity first.

The work is bounded and does not grow with the data: four queries whatever the window
(people, fitting rooms, the people's meetings, the rooms' bookings), then interval
sweeps in Python — the busy times are merged once and each candidate start (every 30
minutes of the working hours) is a binary search, never a query. The window is at most
62 days, at most 50 people, at most 20 results.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q

from core.exceptions import InvalidInput
from core.models import Person
from core.timeutil import at_local, localtime
from core.workdays import is_workday
from meetings.models import BLOCKING, Attendance
from meetings.services import busy_intervals
from rooms.models import Equipment, Layout, Room, RoomLayout, VcKind, VcResource
from rooms.services import within_hours

Interval = tuple[dt.datetime, dt.datetime]

MAX_PEOPLE = 50
MAX_WINDOW = dt.timedelta(days=62)
MAX_RESULTS = 20
MIN_DURATION = 15
MAX_DURATION = 12 * 60
STEP = dt.timedelta(minutes=30)
ROOMS_PER_SLOT = 3


@dataclass(frozen=True)
class RoomNeeds:
    """What the room must offer: seats, equipment (codes), a VC terminal, a layout."""

    min_capacity: int = 1
    equipment: tuple[str, ...] = ()
    vc_terminal: bool = False
    layout: str = ""


@dataclass(frozen=True)
class Slot:
    """A time everyone is free, with the fitting free rooms, least waste first."""

    start: dt.datetime
    end: dt.datetime
    rooms: tuple[Room, ...]

    @property
    def room(self) -> Room:
        return self.rooms[0]


# --- the pure part: candidates and sweeps ---------------------------------------------------


def merged(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, overlapping or touching intervals joined: what a sweep searches."""
    out: list[Interval] = []
    for start, end in sorted(intervals):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


class Busy:
    """Merged busy intervals with their ends, for O(log n) "is [s, e) free?" questions."""

    def __init__(self, intervals: Iterable[Interval]) -> None:
        self.intervals = merged(intervals)
        self.ends = [e for _, e in self.intervals]

    def free(self, start: dt.datetime, end: dt.datetime) -> bool:
        # The first interval ending after `start` is the only one that can overlap.
        i = bisect.bisect_right(self.ends, start)
        return i == len(self.intervals) or self.intervals[i][0] >= end


def candidate_starts(
    *,
    window_start: dt.datetime,
    window_end: dt.datetime,
    duration: dt.timedelta,
    hours_from: dt.time,
    hours_to: dt.time,
    working_days_only: bool,
    not_before: dt.datetime,
    step: dt.timedelta = STEP,
) -> Iterator[dt.datetime]:
    """Starts every `step` from `hours_from` on each (working) day, the whole meeting
    inside the working hours and the window, none before `not_before`."""
    first = max(window_start, not_before)
    day = localtime(first).date()
    last = localtime(window_end).date()
    while day <= last:
        if not working_days_only or is_workday(day):
            start = at_local(day, hours_from)
            day_end = min(at_local(day, hours_to), window_end)
            while start + duration <= day_end:
                if start >= first:
                    yield start
                start += step
        day += dt.timedelta(days=1)


def compute_slots(
    *,
    starts: Iterable[dt.datetime],
    duration: dt.timedelta,
    people_busy: Iterable[Interval],
    rooms: Sequence[Room],
    rooms_busy: dict[int, list[Interval]],
    needed: int,
    limit: int = MAX_RESULTS,
) -> list[Slot]:
    """The first `limit` starts where nobody is busy and a room is free with buffers."""
    people = Busy(people_busy)
    room_sweeps = [
        (
            room,
            Busy(rooms_busy.get(room.pk, [])),
            dt.timedelta(minutes=room.setup_minutes),
            dt.timedelta(minutes=room.teardown_minutes),
        )
        for room in rooms
    ]
    slots: list[Slot] = []
    for start in starts:
        end = start + duration
        if not people.free(start, end):
            continue
        fitting = [
            room
            for room, busy, setup, teardown in room_sweeps
            if within_hours(room, start, end) and busy.free(start - setup, end + teardown)
        ]
        if not fitting:
            continue
        fitting.sort(key=lambda r: (r.capacity - needed, r.order, r.name, r.pk))
        slots.append(Slot(start, end, tuple(fitting[:ROOMS_PER_SLOT])))
        if len(slots) >= limit:
            break
    return slots


# --- the database part ----------------------------------------------------------------------


def fitting_rooms(needs: RoomNeeds, *, needed: int) -> list[Room]:
    """Active rooms with the seats, every piece of equipment, a terminal and the layout
    asked for: one query."""
    qs = Room.objects.filter(active=True, capacity__gte=needed)
    codes = sorted(set(needs.equipment))
    if codes:
        qs = qs.annotate(
            n_eq=Count("equipment", filter=Q(equipment__code__in=codes), distinct=True)
        ).filter(n_eq=len(codes))
    if needs.vc_terminal:
        qs = qs.filter(
            Exists(
                VcResource.objects.filter(room=OuterRef("pk"), kind=VcKind.TERMINAL, active=True)
            )
        )
    if needs.layout:
        # The room's default layout, or one of the seat layouts it has been given.
        qs = qs.filter(
            Q(layout=needs.layout)
            | Exists(RoomLayout.objects.filter(room=OuterRef("pk"), kind=needs.layout))
        )
    return list(qs.order_by("capacity", "order", "name"))


def _validate(
    *,
    person_ids: Sequence[int],
    duration: dt.timedelta,
    window_start: dt.datetime,
    window_end: dt.datetime,
    hours_from: dt.time,
    hours_to: dt.time,
    needs: RoomNeeds,
    now: dt.datetime,
) -> None:
    if len(person_ids) > MAX_PEOPLE:
        raise InvalidInput(f"一次最多查找 {MAX_PEOPLE} 人的共同空闲时间", field="person_ids")
    minutes = duration.total_seconds() / 60
    if not MIN_DURATION <= minutes <= MAX_DURATION:
        raise InvalidInput(
            f"会议时长须在 {MIN_DURATION}–{MAX_DURATION} 分钟之间", field="duration_minutes"
        )
    if window_end <= window_start:
        raise InvalidInput("查找时段的结束必须晚于开始", field="window.end")
    if window_end - window_start > MAX_WINDOW:
        raise InvalidInput(f"查找时段不能超过 {MAX_WINDOW.days} 天", field="window.end")
    if window_end <= now:
        raise InvalidInput("查找时段已经过去", field="window.end")
    if hours_to <= hours_from:
        raise InvalidInput("每天可选时段的结束必须晚于开始", field="working_hours.to")
    span = dt.datetime.combine(dt.date.min, hours_to) - dt.datetime.combine(dt.date.min, hours_from)
    if duration > span:
        raise InvalidInput("会议时长超过每天的可选时段", field="duration_minutes")
    if needs.layout and needs.layout not in Layout.values:
        raise InvalidInput(f"未知的布局：{needs.layout}", field="room.layout")
    if not 1 <= needs.min_capacity <= 5000:
        raise InvalidInput("容纳人数须在 1–5000 之间", field="room.min_capacity")


def slots_search(
    *,
    person_ids: Sequence[int],
    duration: dt.timedelta,
    window_start: dt.datetime,
    window_end: dt.datetime,
    now: dt.datetime,
    hours_from: dt.time | None = None,
    hours_to: dt.time | None = None,
    working_days_only: bool = True,
    needs: RoomNeeds = RoomNeeds(),  # frozen: sharing the default is safe
    limit: int = MAX_RESULTS,
) -> list[Slot]:
    """The earliest slots (at most `limit`) for everyone and a fitting room; 422 on bad input."""
    ids = list(dict.fromkeys(person_ids))
    hours_from = hours_from or settings.WORKDAY_START
    hours_to = hours_to or settings.WORKDAY_END
    _validate(
        person_ids=ids,
        duration=duration,
        window_start=window_start,
        window_end=window_end,
        hours_from=hours_from,
        hours_to=hours_to,
        needs=needs,
        now=now,
    )
    limit = max(1, min(limit, MAX_RESULTS))
    found = set(Person.objects.filter(pk__in=ids).values_list("pk", flat=True))
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(
            f"人员不存在：{'、'.join(str(i) for i in missing)}",
            field="person_ids",
            details={"missing": missing},
        )
    if needs.equipment:
        codes = set(needs.equipment)
        known = set(Equipment.objects.filter(code__in=codes).values_list("code", flat=True))
        if codes - known:
            raise InvalidInput(
                f"未知的设备代码：{', '.join(sorted(codes - known))}", field="room.equipment"
            )
    needed = max(needs.min_capacity, len(ids), 1)
    rooms = fitting_rooms(needs, needed=needed)
    if not rooms:
        return []
    first = max(window_start, now)
    people_busy = list(
        Attendance.objects.filter(
            person_id__in=ids,
            meeting__status__in=BLOCKING,
            meeting__start__lt=window_end,
            meeting__end__gt=first,
        )
        .values_list("meeting__start", "meeting__end")
        .distinct()
    )
    setup = max(r.setup_minutes for r in rooms)
    teardown = max(r.teardown_minutes for r in rooms)
    rooms_busy = busy_intervals(
        [r.pk for r in rooms],
        first - dt.timedelta(minutes=setup),
        window_end + dt.timedelta(minutes=teardown),
        None,
    )
    return compute_slots(
        starts=candidate_starts(
            window_start=window_start,
            window_end=window_end,
            duration=duration,
            hours_from=hours_from,
            hours_to=hours_to,
            working_days_only=working_days_only,
            not_before=now,
        ),
        duration=duration,
        people_busy=people_busy,
        rooms=rooms,
        rooms_busy=rooms_busy,
        needed=needed,
        limit=limit,
    )
