"""Availability of rooms: which rooms fit and are free, and a room's next free slots.

Rooms do not know about meetings (imports point meetings → rooms → core); the caller
passes `busy`, a function returning the occupied intervals of the given rooms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from django.conf import settings
from django.db.models import Count, Q

from core.timeutil import at_local, localtime, overlaps
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
    """The room's next free slots of `duration` on working days, at most one a day.

    What staff ask after a clash is "same time tomorrow?" or "later today?": each day
    first tries the wanted time of day (`after`'s), then the first half-hour start within
    office hours (WORKDAY_START–WORKDAY_END, inside the room's bookable hours). The
    room's buffers must fit too.
    """
    setup = dt.timedelta(minutes=room.setup_minutes)
    teardown = dt.timedelta(minutes=room.teardown_minutes)
    first = localtime(after)
    horizon = first + dt.timedelta(days=SLOT_SEARCH_DAYS)
    taken = busy(
        [room.pk], after - setup - duration, horizon + duration + teardown, exclude_meeting_id
    ).get(room.pk, [])

    def fits(s: dt.datetime) -> bool:
        e = s + duration
        return (
            s >= after
            and within_hours(room, s, e)
            and not any(overlaps(s - setup, e + teardown, bs, be) for bs, be in taken)
        )

    office_from = max(room.bookable_from, settings.WORKDAY_START)
    office_until = min(room.bookable_until, settings.WORKDAY_END)
    slots: list[Interval] = []
    for offset in range(SLOT_SEARCH_DAYS):
        day = first.date() + dt.timedelta(days=offset)
        if not is_workday(day):
            continue
        preferred = at_local(day, first.time().replace(second=0, microsecond=0))
        found = preferred if fits(preferred) else None
        candidate = _ceil_to_step(max(at_local(day, office_from), after))
        while found is None and localtime(candidate + duration).time() <= office_until:
            if localtime(candidate).date() != day:
                break
            if fits(candidate):
                found = candidate
            candidate += SLOT_STEP
        if found is not None:
            slots.append((found, found + duration))
            if len(slots) >= limit:
                break
    return slots
