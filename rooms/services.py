"""Availability of rooms: which rooms fit and are free, and a room's next free slots.

Rooms do not know about meetings (imports point meetings → rooms → core); the caller
passes `busy`, a function returning the occupied intervals of the given rooms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.db.models import Count, Q

from core.timeutil import localtime, overlaps
from core.workdays import is_workday
from rooms.models import Room

Interval = tuple[dt.datetime, dt.datetime]
BusyFn = Callable[
    [Sequence[int], dt.datetime, dt.datetime, "int | None"], dict[int, list[Interval]]
]

SLOT_STEP = dt.timedelta(minutes=30)
SLOT_SEARCH_DAYS = 14


def rooms_fitting(
    *,
    min_capacity: int = 1,
    equipment_codes: Sequence[str] = (),
    exclude_room_id: int | None = None,
) -> list[Room]:
    """Active rooms with room for `min_capacity` people and all of the equipment."""
    qs = Room.objects.filter(active=True, capacity__gte=min_capacity)
    if exclude_room_id:
        qs = qs.exclude(pk=exclude_room_id)
    codes = sorted(set(equipment_codes))
    if codes:
        qs = qs.annotate(
            n_eq=Count("equipment", filter=Q(equipment__code__in=codes), distinct=True)
        ).filter(n_eq=len(codes))
    return list(qs.order_by("capacity", "order", "name"))


def within_hours(room: Room, start: dt.datetime, end: dt.datetime) -> bool:
    ls, le = localtime(start), localtime(end)
    return (
        ls.date() == le.date()
        and room.bookable_from <= ls.time()
        and le.time() <= room.bookable_until
    )


def room_occupied(room: Room, start: dt.datetime, end: dt.datetime) -> Interval:
    return (
        start - dt.timedelta(minutes=room.setup_minutes),
        end + dt.timedelta(minutes=room.teardown_minutes),
    )


def rooms_free_for(
    *,
    start: dt.datetime,
    end: dt.datetime,
    busy: BusyFn,
    min_capacity: int = 1,
    equipment_codes: Sequence[str] = (),
    exclude_room_id: int | None = None,
    exclude_meeting_id: int | None = None,
    limit: int = 5,
) -> list[Room]:
    """Rooms that fit and are free (with their own buffers) for [start, end), smallest first."""
    candidates = [
        r
        for r in rooms_fitting(
            min_capacity=min_capacity,
            equipment_codes=equipment_codes,
            exclude_room_id=exclude_room_id,
        )
        if within_hours(r, start, end)
    ]
    if not candidates:
        return []
    window_start = min(room_occupied(r, start, end)[0] for r in candidates)
    window_end = max(room_occupied(r, start, end)[1] for r in candidates)
    taken = busy([r.pk for r in candidates], window_start, window_end, exclude_meeting_id)
    free = []
    for room in candidates:
        o_start, o_end = room_occupied(room, start, end)
        if not any(overlaps(o_start, o_end, s, e) for s, e in taken.get(room.pk, [])):
            free.append(room)
            if len(free) >= limit:
                break
    return free


def _ceil_to_step(value: dt.datetime) -> dt.datetime:
    local = localtime(value)
    base = local.replace(second=0, microsecond=0)
    minutes = base.minute % 30
    if minutes or local != base:
        base += dt.timedelta(minutes=30 - minutes)
    return base


def free_slots(
    *,
    room: Room,
    duration: dt.timedelta,
    after: dt.datetime,
    busy: BusyFn,
    exclude_meeting_id: int | None = None,
    limit: int = 3,
) -> list[Interval]:
    """The room's next free slots of `duration`, one per free gap, on working days.

    Candidates start on the half hour within the room's bookable hours; the room's
    buffers must fit too. One slot per gap, so "10:00, 10:30, 11:00" in one free morning
    becomes a single suggestion and the user sees real choices.
    """
    horizon = after + dt.timedelta(days=SLOT_SEARCH_DAYS)
    setup = dt.timedelta(minutes=room.setup_minutes)
    teardown = dt.timedelta(minutes=room.teardown_minutes)
    taken = sorted(
        busy([room.pk], after - setup, horizon + duration + teardown, exclude_meeting_id).get(
            room.pk, []
        )
    )
    slots: list[Interval] = []
    candidate = _ceil_to_step(after)
    in_gap = False
    while candidate < horizon and len(slots) < limit:
        end = candidate + duration
        ok = (
            is_workday(localtime(candidate).date())
            and within_hours(room, candidate, end)
            and not any(overlaps(candidate - setup, end + teardown, s, e) for s, e in taken)
        )
        if ok and not in_gap:
            slots.append((candidate, end))
        in_gap = ok
        candidate += SLOT_STEP
    return slots
