"""Series (系列会议), restoring an occurrence, and find-a-time over the API (DESIGN §4).

Thin, like meetings/api.py: ids become objects, the services in meetings/series.py and
meetings/slots.py decide. A single occurrence is changed with the ordinary
`PATCH /meetings/{id}` (which marks it an exception) and cancelled with
`POST /meetings/{id}/cancel`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Query, Router
from ninja.responses import Status as HttpStatus
from ninja.responses import codes_4xx

from core import roles
from core.exceptions import InvalidInput, PermissionDenied
from core.schemas import ErrorOut, ParamId, user_ref
from core.timeutil import localtime
from meetings import series as series_services
from meetings.access import MASKED_TITLE, access_meeting
from meetings.api import _attendees_for, _reloaded, _room_for, booking_fields
from meetings.models import Meeting, MeetingSeries, Status
from meetings.recurrence import parse_rrule
from meetings.schemas import DecisionIn, MeetingOut
from meetings.schemas_series import (
    RestoreIn,
    SeriesIn,
    SeriesOut,
    SeriesPatch,
    SeriesPreviewIn,
    SeriesPreviewOut,
    SeriesScope,
    SlotSearchIn,
    SlotsOut,
)
from meetings.series import SeriesResult, SeriesSpec
from meetings.slots import RoomNeeds, Slot, slots_search

router = Router(tags=["series"])
NOT_BOOKER = "只有会务人员、秘书或管理员可以预订会议"


def _spec(payload: SeriesIn | SeriesPreviewIn) -> SeriesSpec:
    return SeriesSpec(**booking_fields(payload))


def series_out(
    series: MeetingSeries, user: Any, *, result: SeriesResult | None = None
) -> dict[str, Any]:
    """A series as `user` may see it: titles masked like its meetings'."""
    meetings = list(series_services.series_meetings(series, user))
    visible = series_services.series_visible(user, series, meetings)
    template = series.template
    return {
        "id": series.pk,
        "title": template.get("title", "") if visible else MASKED_TITLE,
        "masked": not visible,
        "rrule": series.rrule,
        "rule_label": parse_rrule(series.rrule).label(),
        "dtstart": localtime(series.dtstart),
        "duration_minutes": series.duration_minutes,
        "until": localtime(series.until) if series.until else None,
        "count": series.count,
        "skip_holidays": series.skip_holidays,
        "include_adjusted_workdays": series.include_adjusted_workdays,
        "organizer": user_ref(series.organizer) if visible else None,
        "can_edit": series_services.can_edit_series(user, series),
        "occurrences": [_occurrence_out(m) for m in meetings],
        "skipped": [
            {
                "date": s["date"],
                "start": s.get("start"),
                "reason": s["reason"],
                "reason_label": series_services.SKIP_LABELS.get(s["reason"], s["reason"]),
                "conflicts": s.get("conflicts", []),
            }
            for s in template.get("skipped", [])
        ],
        "truncated": bool(result and result.truncated),
        "split_from": template.get("split_from"),
    }


def _occurrence_out(m: Meeting) -> dict[str, Any]:
    visible = bool(getattr(m, "details_visible", False))
    assert m.recurrence_id is not None
    return {
        "id": m.pk,
        "title": m.title if visible else MASKED_TITLE,
        "masked": not visible,
        "start": localtime(m.start),
        "end": localtime(m.end),
        "recurrence_id": localtime(m.recurrence_id),
        "status": m.status,
        "status_label": Status(m.status).label,
        "is_exception": m.is_exception,
        "adjusted": localtime(m.start).date() != localtime(m.recurrence_id).date(),
        "room": {"id": m.room.pk, "name": m.room.name, "location": m.room.location}
        if m.room
        else None,
    }


@router.post("/series", response={201: SeriesOut, codes_4xx: ErrorOut}, summary="预订系列会议")
def series_create(request: HttpRequest, payload: SeriesIn) -> HttpStatus[dict[str, Any]]:
    if not roles.can_book(request.user):
        raise PermissionDenied(NOT_BOOKER)
    result = series_services.series_create(
        actor=request.user,
        spec=_spec(payload),
        rrule=payload.rrule,
        start=payload.start,
        end=payload.end,
        now=timezone.now(),
        skip_holidays=payload.skip_holidays,
        include_adjusted_workdays=payload.include_adjusted_workdays,
        acknowledge=payload.acknowledge,
        skip_conflicts=payload.skip_conflicts,
    )
    return HttpStatus(201, series_out(result.series, request.user, result=result))


@router.post(
    "/series/preview",
    response={200: SeriesPreviewOut, codes_4xx: ErrorOut},
    summary="预览系列会议（各次日期与冲突，不预订）",
)
def series_preview(request: HttpRequest, payload: SeriesPreviewIn) -> dict[str, Any]:
    if not roles.can_book(request.user):
        raise PermissionDenied(NOT_BOOKER)
    preview = series_services.series_preview(
        actor=request.user,
        spec=_spec(payload),
        rrule=payload.rrule,
        start=payload.start,
        end=payload.end,
        now=timezone.now(),
        skip_holidays=payload.skip_holidays,
        include_adjusted_workdays=payload.include_adjusted_workdays,
        acknowledge=payload.acknowledge,
    )
    items = []
    for probe in preview.probes:
        item = series_services.probe_item(request.user, probe)
        items.append(
            {
                "date": probe.occurrence.key,
                "start": localtime(probe.occurrence.start),
                "end": localtime(probe.occurrence.end),
                "adjusted": probe.occurrence.adjusted,
                "clash": probe.clash,
                "conflicts": item["conflicts"],
                "warnings": item["warnings"],
            }
        )
    return {
        "rrule": preview.rule.as_string(),
        "rule_label": preview.rule.label(),
        "truncated": preview.plan.truncated,
        "total": len(preview.probes),
        "clashing": len(preview.clashing),
        "occurrences": items,
        "holidays": [o.key for o in preview.plan.holidays],
    }


@router.get(
    "/series/{series_id}", response={200: SeriesOut, codes_4xx: ErrorOut}, summary="系列会议"
)
def series_detail(request: HttpRequest, series_id: ParamId) -> dict[str, Any]:
    series = series_services.access_series(request.user, series_id)
    return series_out(series, request.user)


@router.post(
    "/series/{series_id}/approve",
    response={200: SeriesOut, codes_4xx: ErrorOut},
    summary="批准系列中全部待审批的会议（审批人）",
)
def series_approve(
    request: HttpRequest, series_id: ParamId, payload: DecisionIn | None = None
) -> dict[str, Any]:
    series = series_services.access_series(request.user, series_id)
    series_services.series_approve(
        series=series,
        actor=request.user,
        now=timezone.now(),
        note=payload.note if payload is not None else "",
    )
    return series_out(series, request.user)


_PATCH_CONTROL = {
    "attendees",
    "acknowledge",
    "start_time",
    "end_time",
    "rrule",
    "skip_holidays",
    "include_adjusted_workdays",
}


@router.patch(
    "/series/{series_id}",
    response={200: SeriesOut, codes_4xx: ErrorOut},
    summary="修改系列会议（全部，或某次及以后）",
)
def series_patch(
    request: HttpRequest, series_id: ParamId, payload: SeriesPatch, query: Query[SeriesScope]
) -> dict[str, Any]:
    series = series_services.access_series(request.user, series_id, edit=True)
    occurrence = None
    if query.scope == "following":
        if query.from_ is None:
            raise InvalidInput("scope=following 时须用 from 指明从哪一次会议起修改", field="from")
        occurrence = access_meeting(request.user, query.from_, edit=True)
    changes = payload.model_dump(exclude_unset=True, exclude=_PATCH_CONTROL)
    if "room_id" in changes:
        changes["room"] = _room_for(changes.pop("room_id"))
    if "branch_of" in changes and changes["branch_of"] is None:
        changes["branch_of"] = ""
    for name in ("title", "kind", "place", "confidentiality", "description"):
        if name in changes and changes[name] is None:
            raise InvalidInput("不能为 null", field=name)
    if changes.get("priority", 0) is None:
        del changes["priority"]
    result = series_services.series_update(
        series=series,
        actor=request.user,
        now=timezone.now(),
        scope=query.scope,
        occurrence=occurrence,
        changes=changes,
        attendees=_attendees_for(payload.attendees) if payload.attendees is not None else None,
        start_time=payload.start_time,
        end_time=payload.end_time,
        rrule=payload.rrule,
        skip_holidays=payload.skip_holidays,
        include_adjusted_workdays=payload.include_adjusted_workdays,
        acknowledge=payload.acknowledge,
    )
    return series_out(result.series, request.user, result=result)


@router.post(
    "/meetings/{meeting_id}/restore",
    response={200: MeetingOut, codes_4xx: ErrorOut},
    tags=["meetings"],
    summary="恢复系列中已取消的某次会议",
)
def meeting_restore(
    request: HttpRequest, meeting_id: ParamId, payload: RestoreIn | None = None
) -> dict[str, Any]:
    payload = payload or RestoreIn(acknowledge=[])
    meeting = access_meeting(request.user, meeting_id, edit=True)
    series_services.occurrence_restore(
        meeting=meeting, actor=request.user, now=timezone.now(), acknowledge=payload.acknowledge
    )
    return _reloaded(meeting_id, request.user)


# --- find-a-time ---------------------------------------------------------------------------


def book_url(slot: Slot, person_ids: list[int]) -> str:
    """The booking form with the slot, its best room and the people filled in."""
    start, end = localtime(slot.start), localtime(slot.end)
    query = [
        ("room", slot.room.pk),
        ("date", start.date().isoformat()),
        ("start", f"{start:%H:%M}"),
        ("end", f"{end:%H:%M}"),
        *(("attendees", pid) for pid in person_ids),
    ]
    return reverse("meeting_create") + "?" + urlencode(query)


def slot_out(slot: Slot, person_ids: list[int]) -> dict[str, Any]:
    rooms = [
        {"id": r.pk, "name": r.name, "location": r.location, "capacity": r.capacity}
        for r in slot.rooms
    ]
    return {
        "start": localtime(slot.start),
        "end": localtime(slot.end),
        "room": rooms[0],
        "rooms": rooms,
        "book_url": book_url(slot, person_ids),
    }


@router.post(
    "/slots/search",
    response={200: SlotsOut, codes_4xx: ErrorOut},
    tags=["availability"],
    summary="找时间：人员都空闲且有合适会议室的时段",
)
def slots_find(request: HttpRequest, payload: SlotSearchIn) -> dict[str, Any]:
    if not roles.can_book(request.user):
        raise PermissionDenied("只有会务人员、秘书或管理员可以查找会议时间")
    needs = payload.room
    person_ids = list(dict.fromkeys(payload.person_ids))
    slots = slots_search(
        person_ids=person_ids,
        duration=dt.timedelta(minutes=payload.duration_minutes),
        window_start=payload.window.start,
        window_end=payload.window.end,
        now=timezone.now(),
        hours_from=payload.working_hours.from_ if payload.working_hours else None,
        hours_to=payload.working_hours.to if payload.working_hours else None,
        working_days_only=payload.working_days_only,
        needs=RoomNeeds(
            min_capacity=needs.min_capacity,
            equipment=tuple(needs.equipment),
            vc_terminal=needs.vc_terminal,
            layout=needs.layout or "",
        )
        if needs
        else RoomNeeds(),
        limit=payload.limit,
    )
    return {"slots": [slot_out(s, person_ids) for s in slots], "count": len(slots)}
