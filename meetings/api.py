"""Meetings and availability over the API (DESIGN §3, §4).

Thin: the endpoints turn ids into objects, call the services with `now` and `actor`,
and serialise. The rules, the permission checks and the audit log live in
meetings/services.py and meetings/access.py, the same for the staff pages.
`/rooms/{id}/availability` is here, not in rooms/api.py, because it reads meetings.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.responses import NinjaJSONEncoder, codes_4xx
from ninja.responses import Status as HttpStatus

from core import roles
from core.exceptions import InvalidInput, NotFound, PermissionDenied
from core.models import Person
from core.schemas import ErrorOut, ParamId, user_ref
from core.timeutil import localtime
from meetings import preemption, services
from meetings.access import (
    MASKED_TITLE,
    access_meeting,
    can_edit,
    can_see_details,
    with_visibility,
)
from meetings.models import BranchLevel, Kind, Meeting, Priority, Role, Status
from meetings.schemas import (
    ActionIn,
    AttendeeIn,
    CancelIn,
    DecisionIn,
    FreeRoomFilter,
    FreeRoomsOut,
    MeetingFilter,
    MeetingIn,
    MeetingListOut,
    MeetingOut,
    MeetingPatch,
    PeriodFilter,
    RoomAvailabilityOut,
    VcIn,
)
from meetings.selectors import free_periods, meeting_get, meeting_list, room_busy
from meetings.vc import link_test_start, vc_details
from meetings.vc_providers import VcRequest
from rooms.models import Equipment, Room
from rooms.services import rooms_free_for
from rooms.versions import cached_by_bookings

router = Router(tags=["meetings"])

MAX_PERIOD = dt.timedelta(days=31)
# Every free room, not the five suggestions a conflict offers; far above any office's count.
MAX_FREE_ROOMS = 1000
_CLOSED = (Status.CANCELLED, Status.REJECTED)


# --- serialisation ------------------------------------------------------------------------


def vc_out(meeting: Meeting, *, visible: bool) -> dict[str, Any] | None:
    """The meeting's link through the single accessor; join details withheld if masked."""
    details = vc_details(meeting)
    if details is None:
        return None
    if not visible:
        details = details.masked_copy()
    return {
        "provider": details.provider,
        "provider_label": details.provider_label,
        "url": details.url,
        "number": details.number,
        "password": details.password,
        "dial_in": details.dial_in,
        "room_name": details.room_name,
        "masked": details.masked,
    }


def vc_request(payload: VcIn) -> VcRequest:
    return VcRequest(
        provider=payload.provider,
        url=payload.url,
        number=payload.number,
        password=payload.password,
        dial_in=payload.dial_in,
    )


def meeting_out(meeting: Meeting, user: Any) -> dict[str, Any]:
    """A meeting as `user` may see it: a confidential one without details is masked."""
    visible = can_see_details(user, meeting)
    room = meeting.room
    attendees = (
        [
            {
                "person_id": a.person_id,
                "name": a.display_name,
                "title": a.display_title,
                "unit": a.display_unit,
                "role": a.role,
                "role_label": Role(a.role).label,
            }
            for a in meeting.attendances.all()
        ]
        if visible
        else []
    )
    return {
        "id": meeting.pk,
        "title": meeting.title if visible else MASKED_TITLE,
        "kind": meeting.kind,
        "kind_label": Kind(meeting.kind).label,
        "priority": meeting.priority,
        "priority_label": Priority(meeting.priority).label,
        "start": localtime(meeting.start),
        "end": localtime(meeting.end),
        "occupied_start": localtime(meeting.occupied_start),
        "occupied_end": localtime(meeting.occupied_end),
        "room": {"id": room.pk, "name": room.name, "location": room.location} if room else None,
        # An off-site place can say as much as a title ("县纪委谈话室"); a room is public.
        "place": meeting.place if visible else "",
        "location": meeting.location if visible or room else MASKED_TITLE,
        "status": meeting.status,
        "status_label": Status(meeting.status).label,
        "organizer": user_ref(meeting.organizer) if visible else None,
        "confidentiality": meeting.confidentiality,
        "masked": not visible,
        "description": meeting.description if visible else "",
        "expected_attendance": meeting.expected_attendance,
        "attendees": attendees,
        "hold_expires_at": localtime(meeting.hold_expires_at) if meeting.hold_expires_at else None,
        "acknowledged_conflicts": meeting.acknowledged_conflicts if visible else [],
        "sequence": meeting.sequence,
        "created_at": localtime(meeting.created_at),
        "updated_at": localtime(meeting.updated_at),
        "can_edit": meeting.status not in _CLOSED and can_edit(user, meeting),
        "branch_of": meeting.branch_of,
        "branch_of_label": BranchLevel(meeting.branch_of).label if meeting.branch_of else "",
        "link_test_minutes": meeting.link_test_minutes,
        "reminder_minutes": meeting.reminder_minutes,
        "link_test_start": localtime(lts) if (lts := link_test_start(meeting)) else None,
        "vc": vc_out(meeting, visible=visible),
        "series_id": meeting.series_id,
        "recurrence_id": localtime(meeting.recurrence_id) if meeting.recurrence_id else None,
        "is_exception": meeting.is_exception,
    }


def _reloaded(meeting_id: int, user: Any) -> dict[str, Any]:
    # Read back through the selector: roster prefetched, visibility annotated, and the
    # answer shows what was stored, not what the request asked for.
    meeting = meeting_get(user=user, meeting_id=meeting_id)
    if meeting is None:  # deleted between the write and the read
        raise NotFound("会议不存在", details={"id": meeting_id})
    return meeting_out(meeting, user)


# --- body ids → objects -------------------------------------------------------------------


def _room_for(room_id: int | None) -> Room | None:
    if room_id is None:
        return None
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise InvalidInput("会议室不存在", field="room_id")
    return room


def _attendees_for(items: Sequence[AttendeeIn]) -> list[services.AttendeeSpec]:
    found = Person.objects.in_bulk([a.person_id for a in items])
    missing = [(i, a.person_id) for i, a in enumerate(items) if a.person_id not in found]
    if missing:
        raise InvalidInput(
            "人员不存在：" + "、".join(str(pid) for _, pid in missing),
            details={
                "errors": [
                    {"field": f"attendees.{i}.person_id", "message": "人员不存在"}
                    for i, _ in missing
                ],
                "missing": [pid for _, pid in missing],
            },
        )
    return [services.AttendeeSpec(person=found[a.person_id], role=a.role) for a in items]


def _period(start: dt.datetime, end: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    if end <= start:
        raise InvalidInput("结束时间必须晚于开始时间", field="end")
    if end - start > MAX_PERIOD:
        raise InvalidInput("查询时段不能超过 31 天", field="end")
    return start, end


def _statuses(raw: str) -> list[str]:
    wanted = [s.strip() for s in raw.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in Status.values]
    if unknown:
        raise InvalidInput(
            f"未知的状态：{', '.join(unknown)}（可选：{', '.join(Status.values)}）", field="status"
        )
    return wanted


def _equipment_codes(raw: str) -> list[str]:
    codes = list(dict.fromkeys(c.strip() for c in raw.split(",") if c.strip()))
    known = set(Equipment.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise InvalidInput(f"未知的设备代码：{', '.join(unknown)}", field="equipment")
    return codes


# --- meetings -----------------------------------------------------------------------------


@router.get("/meetings", response={200: MeetingListOut, codes_4xx: ErrorOut}, summary="会议列表")
def meeting_index(request: HttpRequest, filters: Query[MeetingFilter]) -> dict[str, Any]:
    if filters.start and filters.end and filters.end <= filters.start:
        raise InvalidInput("结束时间必须晚于开始时间", field="end")
    qs = meeting_list(
        user=request.user,
        start=filters.start,
        end=filters.end,
        room_id=filters.room_id,
        person_id=filters.person_id,
        statuses=_statuses(filters.status),
        mine=filters.mine,
    )
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "items": [meeting_out(m, request.user) for m in page],
        "count": qs.count(),
        "limit": filters.limit,
        "offset": filters.offset,
    }


def booking_fields(payload: Any) -> dict[str, Any]:
    """What a booking body (a meeting's or a series') says about the meeting itself, as
    keyword arguments of services.meeting_create and fields of series.SeriesSpec."""
    return {
        "title": payload.title,
        "kind": payload.kind,
        "priority": payload.priority,
        "room": _room_for(payload.room_id),
        "place": payload.place,
        "setup_minutes": payload.setup_minutes,
        "teardown_minutes": payload.teardown_minutes,
        "confidentiality": payload.confidentiality,
        "description": payload.description,
        "expected_attendance": payload.expected_attendance,
        "attendees": _attendees_for(payload.attendees),
        "branch_of": payload.branch_of or "",
        "link_test_minutes": payload.link_test_minutes,
        "reminder_minutes": payload.reminder_minutes,
        "vc": vc_request(payload.vc) if payload.vc is not None else None,
    }


@router.post("/meetings", response={201: MeetingOut, codes_4xx: ErrorOut}, summary="预订会议")
def meeting_create(request: HttpRequest, payload: MeetingIn) -> HttpStatus[dict[str, Any]]:
    # The service checks this too; checking first means an outsider gets 403, not a
    # 422 about a room id they had no business sending.
    if not roles.can_book(request.user):
        raise PermissionDenied("只有会务人员、秘书或管理员可以预订会议")
    # preempt: an admin's confirmation of the offer in a 409's details.preemption.
    create = preemption.meeting_create_preempting if payload.preempt else services.meeting_create
    meeting = create(
        actor=request.user,
        now=timezone.now(),
        start=payload.start,
        end=payload.end,
        acknowledge=payload.acknowledge,
        submit=payload.submit,
        **booking_fields(payload),
    )
    return HttpStatus(201, _reloaded(meeting.pk, request.user))


@router.get(
    "/meetings/{meeting_id}", response={200: MeetingOut, codes_4xx: ErrorOut}, summary="会议"
)
def meeting_detail(request: HttpRequest, meeting_id: ParamId) -> dict[str, Any]:
    access_meeting(request.user, meeting_id)
    return _reloaded(meeting_id, request.user)


@router.patch(
    "/meetings/{meeting_id}", response={200: MeetingOut, codes_4xx: ErrorOut}, summary="修改会议"
)
def meeting_patch(
    request: HttpRequest, meeting_id: ParamId, payload: MeetingPatch
) -> dict[str, Any]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    changes = payload.model_dump(
        exclude_unset=True, exclude={"attendees", "acknowledge", "submit", "vc", "preempt"}
    )
    if "room_id" in changes:
        changes["room"] = _room_for(changes.pop("room_id"))
    if "branch_of" in changes and changes["branch_of"] is None:
        changes["branch_of"] = ""
    # "vc" left out: the link stays as it is; null: release it; an object: book or replace.
    if "vc" in payload.model_fields_set:
        if payload.vc is None:
            changes["vc_release"] = True
        else:
            changes["vc"] = vc_request(payload.vc)
    if changes.get("priority", 0) is None:
        # null priority means "no opinion": keep it, or take the new kind's default.
        del changes["priority"]
    attendees = _attendees_for(payload.attendees) if payload.attendees is not None else None
    now = timezone.now()
    if payload.preempt:
        preemption.meeting_update_preempting(
            meeting=meeting,
            actor=request.user,
            now=now,
            acknowledge=payload.acknowledge,
            attendees=attendees,
            _submit_draft=bool(payload.submit and meeting.status == Status.DRAFT),
            **changes,
        )
    elif payload.submit and meeting.status == Status.DRAFT:
        services.meeting_submit(
            meeting=meeting,
            actor=request.user,
            now=now,
            acknowledge=payload.acknowledge,
            attendees=attendees,
            **changes,
        )
    else:
        services.meeting_update(
            meeting=meeting,
            actor=request.user,
            now=now,
            acknowledge=payload.acknowledge,
            attendees=attendees,
            **changes,
        )
    return _reloaded(meeting_id, request.user)


@router.post(
    "/meetings/{meeting_id}/submit",
    response={200: MeetingOut, codes_4xx: ErrorOut},
    summary="提交草稿",
)
def meeting_submit(
    request: HttpRequest, meeting_id: ParamId, payload: ActionIn | None = None
) -> dict[str, Any]:
    # The body is optional: an empty POST means no note and nothing to acknowledge.
    payload = payload or ActionIn(acknowledge=[])
    meeting = access_meeting(request.user, meeting_id, edit=True)
    services.meeting_submit(
        meeting=meeting, actor=request.user, now=timezone.now(), acknowledge=payload.acknowledge
    )
    return _reloaded(meeting_id, request.user)


@router.post(
    "/meetings/{meeting_id}/cancel",
    response={200: MeetingOut, codes_4xx: ErrorOut},
    summary="取消会议",
)
def meeting_cancel(
    request: HttpRequest, meeting_id: ParamId, payload: CancelIn | None = None
) -> dict[str, Any]:
    # The body is optional: an empty POST means no note and nothing to acknowledge.
    payload = payload or CancelIn(reason="")
    meeting = access_meeting(request.user, meeting_id, edit=True)
    services.meeting_cancel(
        meeting=meeting, actor=request.user, now=timezone.now(), reason=payload.reason
    )
    return _reloaded(meeting_id, request.user)


@router.post(
    "/meetings/{meeting_id}/approve",
    response={200: MeetingOut, codes_4xx: ErrorOut},
    summary="批准申请",
)
def meeting_approve(
    request: HttpRequest, meeting_id: ParamId, payload: DecisionIn | None = None
) -> dict[str, Any]:
    # The body is optional: an empty POST means no note and nothing to acknowledge.
    payload = payload or DecisionIn(note="")
    meeting = access_meeting(request.user, meeting_id)
    services.meeting_approve(
        meeting=meeting, actor=request.user, now=timezone.now(), note=payload.note
    )
    return _reloaded(meeting_id, request.user)


@router.post(
    "/meetings/{meeting_id}/reject",
    response={200: MeetingOut, codes_4xx: ErrorOut},
    summary="驳回申请",
)
def meeting_reject(
    request: HttpRequest, meeting_id: ParamId, payload: DecisionIn | None = None
) -> dict[str, Any]:
    # The body is optional: an empty POST means no note and nothing to acknowledge.
    payload = payload or DecisionIn(note="")
    meeting = access_meeting(request.user, meeting_id)
    services.meeting_reject(
        meeting=meeting, actor=request.user, now=timezone.now(), note=payload.note
    )
    return _reloaded(meeting_id, request.user)


# --- availability -------------------------------------------------------------------------
# What staff screens and scripts poll most (DESIGN §10: ≥ 50% of a trivial endpoint's
# throughput). Each answer is built once per bookings version (rooms/versions.py): as the
# bytes to send, validated against its schema when built, so a repeat costs the version
# query and a cache read, not the room and meeting queries, pydantic and json.dumps.

_JSON = "application/json; charset=utf-8"


def _render(schema: type[Schema], data: dict[str, Any]) -> bytes:
    """The body ninja would send for `data` under `schema`."""
    return json.dumps(schema.model_validate(data).model_dump(), cls=NinjaJSONEncoder).encode()


def _utc(value: dt.datetime) -> str:
    # One key per instant, whatever offset the client wrote it with.
    return value.astimezone(dt.UTC).isoformat()


@dataclass(frozen=True)
class _RoomDay:
    """A room's availability as everyone may see it, or — when confidential meetings are
    among the busy ones — as their attendees may, masked per viewer on each request."""

    body: bytes | None
    data: dict[str, Any] | None = None
    confidential: frozenset[int] = frozenset()


def _room_day(room_id: int, start: dt.datetime, end: dt.datetime) -> _RoomDay:
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise NotFound("会议室不存在", details={"id": room_id})
    # As seen by someone who may see no confidential details: `details_visible` then says
    # whether a meeting is confidential, and the answer is the same for every viewer.
    nobody = AnonymousUser()
    busy = list(room_busy(user=nobody, room_id=room.pk, start=start, end=end))
    free = free_periods(
        room=room, start=start, end=end, busy=[(m.occupied_start, m.occupied_end) for m in busy]
    )
    data = {
        "room": {"id": room.pk, "name": room.name, "location": room.location},
        "start": localtime(start),
        "end": localtime(end),
        "busy": [
            {
                "meeting_id": m.pk,
                "title": m.title,
                "masked": False,
                "status": m.status,
                "start": localtime(m.start),
                "end": localtime(m.end),
                "occupied_start": localtime(m.occupied_start),
                "occupied_end": localtime(m.occupied_end),
            }
            for m in busy
        ],
        "free": [{"start": s, "end": e} for s, e in free],
    }
    confidential = frozenset(m.pk for m in busy if not can_see_details(nobody, m))
    if not confidential:
        return _RoomDay(body=_render(RoomAvailabilityOut, data))
    dumped = RoomAvailabilityOut.model_validate(data).model_dump()
    return _RoomDay(body=None, data=dumped, confidential=confidential)


def _room_day_for(user: Any, day: _RoomDay) -> bytes:
    """The answer with the confidential meetings this viewer may not see masked."""
    assert day.data is not None
    # The rule of meetings.access, asked once for the few confidential meetings.
    meetings = with_visibility(Meeting.objects.filter(pk__in=day.confidential).only("pk"), user)
    hidden = {m.pk for m in meetings if not can_see_details(user, m)}
    busy = [
        {**b, "title": MASKED_TITLE, "masked": True} if b["meeting_id"] in hidden else b
        for b in day.data["busy"]
    ]
    return json.dumps({**day.data, "busy": busy}, cls=NinjaJSONEncoder).encode()


@router.get(
    "/rooms/{room_id}/availability",
    response={200: RoomAvailabilityOut, codes_4xx: ErrorOut},
    tags=["availability"],
    summary="会议室在某时段的占用与空闲",
)
def room_availability(
    request: HttpRequest, room_id: ParamId, period: Query[PeriodFilter]
) -> HttpResponse:
    start, end = _period(period.start, period.end)
    day = cached_by_bookings(
        ("room-day", room_id, _utc(start), _utc(end)), lambda: _room_day(room_id, start, end)
    )
    body = day.body if day.body is not None else _room_day_for(request.user, day)
    return HttpResponse(body, content_type=_JSON)


def _free_rooms(start: dt.datetime, end: dt.datetime, capacity: int, equipment: str) -> bytes:
    rooms = rooms_free_for(
        start=start,
        end=end,
        busy=services.busy_intervals,
        min_capacity=capacity,
        equipment_codes=_equipment_codes(equipment),
        limit=MAX_FREE_ROOMS,
    )
    # The codes as plain pairs: prefetching Equipment objects built a related manager per
    # room and cost this endpoint more than its own queries (bench/api_load.py).
    codes: dict[int, list[str]] = {}
    for room_id, code in Room.equipment.through.objects.filter(
        room_id__in=[r.pk for r in rooms]
    ).values_list("room_id", "equipment__code"):
        codes.setdefault(room_id, []).append(code)
    data = {
        "start": localtime(start),
        "end": localtime(end),
        "rooms": [
            {
                "id": r.pk,
                "name": r.name,
                "location": r.location,
                "capacity": r.capacity,
                "layout": r.layout,
                "equipment": sorted(codes.get(r.pk, [])),
                "needs_approval": r.needs_approval,
            }
            for r in rooms
        ],
    }
    return _render(FreeRoomsOut, data)


@router.get(
    "/availability",
    response={200: FreeRoomsOut, codes_4xx: ErrorOut},
    tags=["availability"],
    summary="某时段空闲且合适的会议室",
)
def free_rooms(request: HttpRequest, filters: Query[FreeRoomFilter]) -> HttpResponse:
    start, end = _period(filters.start, filters.end)
    # The same rooms whatever the order or repetition of the codes; an unknown code is a
    # 422 raised while building, and errors are never cached.
    codes = sorted({c.strip() for c in filters.equipment.split(",") if c.strip()})
    body = cached_by_bookings(
        ("free-rooms", _utc(start), _utc(end), filters.capacity, *codes),
        lambda: _free_rooms(start, end, filters.capacity, filters.equipment),
    )
    return HttpResponse(body, content_type=_JSON)
