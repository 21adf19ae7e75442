"""Calendar feeds over the API (DESIGN §7): a meeting's `.ics`, and feed management.

`/meetings/{id}/event.ics` is a download for people signed in (session or bearer
token); the feeds themselves are served by meetings.views_feeds at `/ical/<token>.ics`,
outside the API's auth. Thin: the rules live in meetings.feeds and meetings.calendar.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status as HttpStatus
from ninja.responses import codes_4xx

from core.exceptions import InvalidInput
from core.models import Person
from core.schemas import BodyId, ErrorOut, InputSchema, ParamId, UserRef, user_ref
from core.timeutil import localtime
from meetings.access import access_meeting
from meetings.calendar import meeting_calendar, serialise
from meetings.feeds import (
    MAX_ALARM_MINUTES,
    MAX_NAME_LENGTH,
    access_feed,
    feed_create,
    feed_list_for,
    feed_revoke,
    feed_url,
    webcal_url,
)
from meetings.models import FeedPrivacy, FeedToken
from rooms.models import Room

router = Router(tags=["calendar feeds"])

_ICS_DOC = {
    "responses": {
        200: {
            "description": "iCalendar (RFC 5545)",
            "content": {"text/calendar": {"schema": {"type": "string"}}},
        }
    }
}


# --- schemas -------------------------------------------------------------------------------


class FeedIn(InputSchema):
    """Exactly one of person_id (a person's schedule) and room_id (a room's bookings)."""

    person_id: BodyId | None = Field(None, description="订阅该人员的日程")
    room_id: BodyId | None = Field(None, description="订阅该会议室的全部安排")
    name: str = Field("", max_length=MAX_NAME_LENGTH, strict=True, description="如：县长的手机")
    privacy: Literal["full", "busy"] = Field(
        "full", description="full 完整内容；busy 只显示“内部会议”与时间"
    )
    alarm_minutes: int | None = Field(
        None, ge=0, le=MAX_ALARM_MINUTES, strict=True, description="提前提醒分钟数；null 不提醒"
    )


class SubjectRef(Schema):
    id: int
    name: str


class FeedOut(Schema):
    id: int
    kind: str
    person: SubjectRef | None
    room: SubjectRef | None
    name: str
    privacy: str
    privacy_label: str
    alarm_minutes: int | None
    created_at: dt.datetime
    created_by: UserRef | None
    last_accessed_at: dt.datetime | None


class FeedCreatedOut(FeedOut):
    token: str = Field(..., description="只显示这一次；系统只保存其哈希")
    url: str = Field(..., description="订阅地址（https）")
    webcal_url: str = Field(..., description="同一地址的 webcal:// 形式，手机和 Outlook 用来订阅")


def feed_out(feed: FeedToken) -> dict[str, Any]:
    return {
        "id": feed.pk,
        "kind": feed.kind,
        "person": {"id": feed.person.pk, "name": feed.person.name} if feed.person else None,
        "room": {"id": feed.room.pk, "name": feed.room.name} if feed.room else None,
        "name": feed.name,
        "privacy": feed.privacy,
        "privacy_label": FeedPrivacy(feed.privacy).label,
        "alarm_minutes": feed.alarm_minutes,
        "created_at": localtime(feed.created_at),
        "created_by": user_ref(feed.created_by),
        "last_accessed_at": localtime(feed.last_accessed_at) if feed.last_accessed_at else None,
    }


# --- a meeting's .ics ----------------------------------------------------------------------


@router.get(
    "/meetings/{meeting_id}/event.ics",
    response={200: None, codes_4xx: ErrorOut},
    summary="下载会议日历（.ics）",
    openapi_extra=_ICS_DOC,
    tags=["meetings"],
)
def meeting_ics(request: HttpRequest, meeting_id: ParamId) -> HttpResponse:
    """One meeting as an iCalendar file to import; a confidential meeting the caller may
    not see is masked ("内部会议", time and room only), as everywhere else."""
    meeting = access_meeting(request.user, meeting_id)
    body = serialise(meeting_calendar(meeting, viewer=request.user))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    response["Cache-Control"] = "private, no-cache"
    return response


# --- feed management -----------------------------------------------------------------------


@router.get("/feeds", response={200: list[FeedOut], codes_4xx: ErrorOut}, summary="我可管理的订阅")
def feed_index(request: HttpRequest) -> list[dict[str, Any]]:
    """Active feeds the caller manages: their own, their leaders' (secretaries), room
    feeds (会务人员), or all (admins). Tokens are never shown again."""
    return [feed_out(f) for f in feed_list_for(request.user)]


@router.post("/feeds", response={201: FeedCreatedOut, codes_4xx: ErrorOut}, summary="新建订阅")
def feed_new(request: HttpRequest, payload: FeedIn) -> HttpStatus[dict[str, Any]]:
    person: Person | None = None
    room: Room | None = None
    if (payload.person_id is None) == (payload.room_id is None):
        raise InvalidInput("请指定 person_id 或 room_id 之一", field="person_id")
    if payload.person_id is not None:
        person = Person.objects.filter(pk=payload.person_id).first()
        if person is None:
            raise InvalidInput("人员不存在", field="person_id")
    elif payload.room_id is not None:
        room = Room.objects.filter(pk=payload.room_id).first()
        if room is None:
            raise InvalidInput("会议室不存在", field="room_id")
    feed, raw = feed_create(
        actor=request.user,
        now=timezone.now(),
        person=person,
        room=room,
        name=payload.name,
        privacy=payload.privacy,
        alarm_minutes=payload.alarm_minutes,
    )
    return HttpStatus(
        201, {**feed_out(feed), "token": raw, "url": feed_url(raw), "webcal_url": webcal_url(raw)}
    )


@router.delete("/feeds/{feed_id}", response={204: None, codes_4xx: ErrorOut}, summary="撤销订阅")
def feed_delete(request: HttpRequest, feed_id: ParamId) -> HttpStatus[None]:
    """Revoke: the feed's URL answers 404 from now on; other feeds are untouched."""
    feed = access_feed(request.user, feed_id)
    feed_revoke(actor=request.user, feed=feed, now=timezone.now())
    return HttpStatus(204, None)
