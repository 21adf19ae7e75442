"""`pool`: a free number from the office MCU's virtual meeting rooms (rooms.VcResource).

A number is booked like a room: for the link's occupied interval (the meeting's, with
its buffers), never by two active links at once. Allocation locks the pool's rows, so
on PostgreSQL concurrent allocations queue up and each one sees what the previous one
committed; the exclusion constraint vclink_no_double_booking (migration 0004) is the
last guard. On SQLite the IMMEDIATE transaction of the booking already serialises
writers, and select_for_update is a no-op.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.conf import settings

from core.exceptions import VcPoolExhausted, VcUnavailable
from core.timeutil import at_local, localtime, overlaps
from core.workdays import is_workday
from meetings.models import Meeting, VcLink
from meetings.vc_providers.base import VcBackend, VcRequest
from rooms.models import VcKind, VcResource
from rooms.services import within_hours

SEARCH_DAYS = 14
STEP = dt.timedelta(minutes=30)
MAX_ALTERNATIVES = 3


def _lock_pool() -> list[VcResource]:
    # Always the same order, so two transactions never wait on each other's rows
    # crosswise; the order is also the order numbers are handed out in.
    return list(
        VcResource.objects.select_for_update()
        .filter(kind=VcKind.VIRTUAL_ROOM, active=True)
        .order_by("order", "number", "pk")
    )


def _busy(
    pool: Sequence[VcResource], start: dt.datetime, end: dt.datetime, exclude_link: int | None
) -> list[tuple[int, dt.datetime, dt.datetime, int]]:
    """(resource id, occupied start, end, meeting id) of active links on the pool."""
    qs = VcLink.objects.filter(
        active=True,
        resource_id__in=[r.pk for r in pool],
        occupied_start__lt=end,
        occupied_end__gt=start,
    )
    if exclude_link:
        qs = qs.exclude(pk=exclude_link)
    return list(qs.values_list("resource_id", "occupied_start", "occupied_end", "meeting_id"))


class PoolBackend(VcBackend):
    code = "pool"
    label = "本单位 MCU 号池"

    def configuration_errors(self) -> list[str]:
        template = settings.VC_POOL_URL_TEMPLATE
        if template and (
            not template.startswith(("http://", "https://")) or "{number}" not in template
        ):
            return ["VC_POOL_URL_TEMPLATE 须为 http(s) 网址并含 {number}"]
        return []

    def create(self, link: VcLink, *, request: VcRequest, now: dt.datetime) -> None:
        self._allocate(link, now=now, keep=None)

    def update(self, link: VcLink, *, now: dt.datetime) -> None:
        # Keep the number staff already sent round when it is still free at the new time.
        self._allocate(link, now=now, keep=link.resource_id)

    def cancel(self, link: VcLink, *, now: dt.datetime) -> None:
        """Nothing to do on the MCU: an inactive link no longer holds its number."""

    def _allocate(self, link: VcLink, *, now: dt.datetime, keep: int | None) -> None:
        pool = _lock_pool()
        if not pool:
            raise VcUnavailable(
                "MCU 号池中还没有启用的虚拟会议室，请会务管理员在后台添加，或改用其他方式",
                field="vc.provider",
            )
        busy = _busy(pool, link.occupied_start, link.occupied_end, link.pk)
        taken = {resource_id for resource_id, *_ in busy}
        free = [r for r in pool if r.pk not in taken]
        if not free:
            raise self._exhausted(link, pool, busy, now=now)
        resource = next((r for r in free if r.pk == keep), free[0])
        link.resource = resource
        link.number = resource.number
        link.password = resource.password
        link.url = (
            settings.VC_POOL_URL_TEMPLATE.format(number=resource.number)
            if settings.VC_POOL_URL_TEMPLATE
            else ""
        )
        link.dial_in = ""
        link.room_name = resource.name

    def _exhausted(
        self,
        link: VcLink,
        pool: Sequence[VcResource],
        busy: Sequence[tuple[int, dt.datetime, dt.datetime, int]],
        *,
        now: dt.datetime,
    ) -> VcPoolExhausted:
        numbers = {r.pk: r.number for r in pool}
        slots = alternatives(link, pool, now=now)
        return VcPoolExhausted(
            f"MCU 号池的 {len(pool)} 个会议号在该时段（含布场、撤场）都已占用",
            details={
                "pool_size": len(pool),
                "conflicts": [
                    {"meeting_id": meeting_id, "number": numbers[resource_id]}
                    for resource_id, _, _, meeting_id in sorted(busy, key=lambda b: b[1])
                ],
                "alternatives": {"slots": slots},
            },
        )


def alternatives(
    link: VcLink, pool: Sequence[VcResource], *, now: dt.datetime
) -> list[dict[str, Any]]:
    """Next times (at most one a working day) when a number and the meeting's room are free.

    Like a room's free slots (rooms.services.free_slots): each day first tries the wanted
    time of day, then the first half-hour start within office hours.
    """
    meeting: Meeting = link.meeting
    lead = meeting.start - link.occupied_start
    tail = link.occupied_end - meeting.end
    duration = meeting.end - meeting.start
    after = max(meeting.start, now + lead)
    horizon = after + dt.timedelta(days=SEARCH_DAYS)
    window = (after - lead, horizon + duration + tail)
    taken = _busy(pool, *window, link.pk)
    room = meeting.room
    room_taken: list[tuple[dt.datetime, dt.datetime]] = []
    if room is not None:
        room_taken = list(
            Meeting.objects.blocking()
            .filter(room=room)
            .exclude(pk=meeting.pk)
            .occupying(*window)
            .values_list("occupied_start", "occupied_end")
        )

    def free_number(start: dt.datetime) -> str | None:
        o_start, o_end = start - lead, start + duration + tail
        if start < after:
            return None
        if room is not None and (
            not within_hours(room, start, start + duration)
            or any(overlaps(o_start, o_end, s, e) for s, e in room_taken)
        ):
            return None
        busy_ids = {rid for rid, s, e, _ in taken if overlaps(o_start, o_end, s, e)}
        return next((r.number for r in pool if r.pk not in busy_ids), None)

    first = localtime(meeting.start)
    out: list[dict[str, Any]] = []
    for offset in range(SEARCH_DAYS):
        day = first.date() + dt.timedelta(days=offset)
        if not is_workday(day):
            continue
        found: tuple[dt.datetime, str] | None = None
        preferred = at_local(day, first.time())
        number = free_number(preferred) if offset else None
        if number:
            found = (preferred, number)
        candidate = at_local(day, settings.WORKDAY_START)
        while found is None and localtime(candidate + duration).time() <= settings.WORKDAY_END:
            if localtime(candidate + duration).date() != day:
                break
            number = free_number(candidate)
            if number:
                found = (candidate, number)
            candidate += STEP
        if found is not None:
            start, number = found
            out.append(
                {
                    "start": localtime(start).isoformat(),
                    "end": localtime(start + duration).isoformat(),
                    "number": number,
                }
            )
            if len(out) >= MAX_ALTERNATIVES:
                break
    return out
