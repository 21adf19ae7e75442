"""Reads of meetings: lists for the API, pages and feeds, each a handful of queries.

Every list is annotated with `details_visible` (meetings.access.with_visibility), so
masking a confidential meeting costs no query per row.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db.models import Prefetch, Q, QuerySet

from core.timeutil import at_local, localtime
from meetings.access import with_visibility
from meetings.models import Attendance, Meeting
from rooms.models import Room


def meeting_queryset(user: Any) -> QuerySet[Meeting]:
    """All meetings with what a meeting's JSON or row needs, visibility annotated."""
    roster = Attendance.objects.select_related("person", "person__unit").order_by(
        "order", "person__rank", "pk"
    )
    # vc_link: the VC details of every row (meetings.vc.vc_details) in the same query.
    qs = Meeting.objects.select_related(
        "room", "organizer", "organizer__person", "vc_link"
    ).prefetch_related(Prefetch("attendances", queryset=roster))
    return with_visibility(qs, user)


def meeting_list(
    *,
    user: Any,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    room_id: int | None = None,
    person_id: int | None = None,
    statuses: Sequence[str] = (),
    mine: bool = False,
) -> QuerySet[Meeting]:
    """Meetings overlapping [start, end) (their own time, half-open), ordered by start.

    `mine` means meetings the user organises, attends, or that their leaders attend
    (for a secretary): what "my schedule" means in the office.
    """
    qs = meeting_queryset(user)
    if start is not None:
        qs = qs.filter(end__gt=start)
    if end is not None:
        qs = qs.filter(start__lt=end)
    if room_id is not None:
        qs = qs.filter(room_id=room_id)
    if person_id is not None:
        # Only meetings whose details the user may see: otherwise the filter itself would
        # reveal who is on the roster of a masked confidential meeting.
        qs = qs.filter(Q(details_visible=True), attendances__person_id=person_id)
    if statuses:
        qs = qs.filter(status__in=list(statuses))
    if mine:
        qs = qs.filter(
            Q(organizer=user)
            | Q(attendances__person__user=user)
            | Q(attendances__person__secretaries=user)
        )
    if person_id is not None or mine:
        # The joins through attendances may repeat a meeting.
        qs = qs.distinct()
    return qs.order_by("start", "pk")


def meeting_get(*, user: Any, meeting_id: int) -> Meeting | None:
    """One meeting with its roster prefetched, or None."""
    return meeting_queryset(user).filter(pk=meeting_id).first()


def room_busy(
    *, user: Any, room_id: int, start: dt.datetime, end: dt.datetime
) -> QuerySet[Meeting]:
    """Blocking meetings whose occupied interval (with buffers) overlaps [start, end)."""
    qs = Meeting.objects.blocking().filter(room_id=room_id).occupying(start, end)
    return with_visibility(qs.select_related("room"), user).order_by("occupied_start", "pk")


def free_periods(
    *,
    room: Room,
    start: dt.datetime,
    end: dt.datetime,
    busy: Sequence[tuple[dt.datetime, dt.datetime]],
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Gaps in [start, end) inside the room's bookable hours that no occupied interval covers.

    Each local day is cut to the room's bookable hours, so the answer reads like the
    room board: free 08:00–09:45 and 11:15–22:00, not "free from Friday night to Monday".
    """
    taken = sorted(busy)
    out: list[tuple[dt.datetime, dt.datetime]] = []
    day = localtime(start).date()
    last = localtime(end).date()
    while day <= last:
        lo = max(start, at_local(day, room.bookable_from))
        hi = min(end, at_local(day, room.bookable_until))
        cursor = lo
        for s, e in taken:
            if e <= cursor or s >= hi:
                continue
            if s > cursor:
                out.append((localtime(cursor), localtime(s)))
            cursor = max(cursor, e)
        if cursor < hi:
            out.append((localtime(cursor), localtime(hi)))
        day += dt.timedelta(days=1)
    return out
