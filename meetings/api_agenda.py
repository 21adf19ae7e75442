"""A meeting's agenda (议程) and notice text (会议通知) over the API.

Reading needs the meeting's details (meetings.paperwork.require_details); writing is for
its organiser or an admin (meetings.agenda checks it, and audits every change).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status as HttpStatus
from ninja.responses import codes_4xx

from core.exceptions import NotFound
from core.schemas import BodyId, ErrorOut, InputSchema, LocalDateTime, ParamId
from core.timeutil import localtime
from meetings import agenda as svc
from meetings.access import access_meeting
from meetings.documents.text import item_number
from meetings.models import AgendaItem, Meeting
from meetings.paperwork import require_details

router = Router(tags=["agenda"])


class AgendaItemIn(InputSchema):
    topic: str = Field(..., min_length=1, max_length=300, strict=True)
    starts_at: LocalDateTime | None = Field(None, description="该议题开始时间")
    presenter: str = Field("", max_length=200, strict=True, description="汇报人或汇报单位")
    unit_ids: list[BodyId] = Field(default_factory=list, max_length=50, description="列席单位")
    wait_from: LocalDateTime | None = Field(None, description="列席单位候会时间（常务会议）")
    notes: str = Field("", max_length=2000, strict=True)


class AgendaItemPatch(InputSchema):
    topic: str | None = Field(None, min_length=1, max_length=300, strict=True)
    starts_at: LocalDateTime | None = None
    presenter: str | None = Field(None, max_length=200, strict=True)
    unit_ids: list[BodyId] | None = Field(None, max_length=50)
    wait_from: LocalDateTime | None = None
    notes: str | None = Field(None, max_length=2000, strict=True)


class AgendaOrderIn(InputSchema):
    ids: list[BodyId] = Field(..., max_length=100)


class UnitRefOut(Schema):
    id: int
    name: str


class AgendaItemOut(Schema):
    id: int
    order: int
    number: str = Field(..., description="一、二、……")
    topic: str
    starts_at: dt.datetime | None
    presenter: str
    units: list[UnitRefOut]
    wait_from: dt.datetime | None
    notes: str


class NoticeIn(InputSchema):
    doc_number: str = Field("", max_length=100, strict=True, description="文号")
    addressees: str = Field("", max_length=2000, strict=True, description="主送")
    requirements: str = Field("", max_length=5000, strict=True, description="会议要求，每行一条")
    contact: str = Field("", max_length=200, strict=True, description="联系人及电话")
    issuer: str = Field("", max_length=100, strict=True, description="发文机关署名")
    issued_on: dt.date | None = Field(None, description="成文日期；省略为打印当天")
    rsvp_deadline: LocalDateTime | None = Field(
        None, description="回执截止时间；省略则截至会议开始"
    )


class NoticeOut(Schema):
    doc_number: str
    addressees: str
    requirements: str
    contact: str
    issuer: str
    issued_on: dt.date | None
    rsvp_deadline: dt.datetime | None


def item_out(item: AgendaItem, number: int) -> dict[str, Any]:
    return {
        "id": item.pk,
        "order": item.order,
        "number": item_number(number),
        "topic": item.topic,
        "starts_at": localtime(item.starts_at) if item.starts_at else None,
        "presenter": item.presenter,
        "units": [{"id": u.pk, "name": u.name} for u in item.units.all()],
        "wait_from": localtime(item.wait_from) if item.wait_from else None,
        "notes": item.notes,
    }


def _items_out(meeting: Meeting) -> list[dict[str, Any]]:
    return [item_out(item, n) for n, item in enumerate(svc.agenda_items(meeting), start=1)]


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = meeting.agenda_items.filter(pk=item_id).first()
    if item is None:
        raise NotFound("议题不存在", details={"id": item_id})
    item.meeting = meeting
    return item


@router.get(
    "/meetings/{meeting_id}/agenda",
    response={200: list[AgendaItemOut], codes_4xx: ErrorOut},
    summary="议程",
)
def agenda_index(request: HttpRequest, meeting_id: ParamId) -> list[dict[str, Any]]:
    meeting = access_meeting(request.user, meeting_id)
    require_details(request.user, meeting)
    return _items_out(meeting)


@router.post(
    "/meetings/{meeting_id}/agenda",
    response={201: list[AgendaItemOut], codes_4xx: ErrorOut},
    summary="添加议题（排在最后）",
)
def agenda_create(
    request: HttpRequest, meeting_id: ParamId, payload: AgendaItemIn
) -> HttpStatus[list[dict[str, Any]]]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    svc.agenda_item_add(
        meeting=meeting,
        actor=request.user,
        now=timezone.now(),
        topic=payload.topic,
        starts_at=payload.starts_at,
        presenter=payload.presenter,
        unit_ids=payload.unit_ids,
        wait_from=payload.wait_from,
        notes=payload.notes,
    )
    return HttpStatus(201, _items_out(meeting))


@router.put(
    "/meetings/{meeting_id}/agenda/order",
    response={200: list[AgendaItemOut], codes_4xx: ErrorOut},
    summary="调整议程顺序",
)
def agenda_order(
    request: HttpRequest, meeting_id: ParamId, payload: AgendaOrderIn
) -> list[dict[str, Any]]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    svc.agenda_reorder(meeting=meeting, actor=request.user, now=timezone.now(), ids=payload.ids)
    return _items_out(meeting)


# After /agenda/order: the path converters are plain strings (first match wins).
@router.patch(
    "/meetings/{meeting_id}/agenda/{item_id}",
    response={200: list[AgendaItemOut], codes_4xx: ErrorOut},
    summary="修改议题（省略的字段不变；时间给 null 为清除）",
)
def agenda_patch(
    request: HttpRequest, meeting_id: ParamId, item_id: ParamId, payload: AgendaItemPatch
) -> list[dict[str, Any]]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    changes = payload.model_dump(include=payload.model_fields_set)
    svc.agenda_item_update(
        item=_item(meeting, item_id), actor=request.user, now=timezone.now(), **changes
    )
    return _items_out(meeting)


@router.delete(
    "/meetings/{meeting_id}/agenda/{item_id}",
    response={200: list[AgendaItemOut], codes_4xx: ErrorOut},
    summary="删除议题",
)
def agenda_delete(
    request: HttpRequest, meeting_id: ParamId, item_id: ParamId
) -> list[dict[str, Any]]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    svc.agenda_item_delete(item=_item(meeting, item_id), actor=request.user, now=timezone.now())
    return _items_out(meeting)


def notice_out(meeting: Meeting) -> dict[str, Any]:
    notice = svc.notice_for(meeting)
    return {
        "doc_number": notice.doc_number if notice else "",
        "addressees": notice.addressees if notice else "",
        "requirements": notice.requirements if notice else "",
        "contact": notice.contact if notice else "",
        "issuer": notice.issuer if notice else "",
        "issued_on": notice.issued_on if notice else None,
        "rsvp_deadline": localtime(meeting.rsvp_deadline) if meeting.rsvp_deadline else None,
    }


@router.get(
    "/meetings/{meeting_id}/notice",
    response={200: NoticeOut, codes_4xx: ErrorOut},
    summary="会议通知的文字（文号、主送、要求、联系人、署名、回执截止）",
)
def notice_get(request: HttpRequest, meeting_id: ParamId) -> dict[str, Any]:
    meeting = access_meeting(request.user, meeting_id)
    require_details(request.user, meeting)
    return notice_out(meeting)


@router.put(
    "/meetings/{meeting_id}/notice",
    response={200: NoticeOut, codes_4xx: ErrorOut},
    summary="保存会议通知的文字",
)
def notice_put(request: HttpRequest, meeting_id: ParamId, payload: NoticeIn) -> dict[str, Any]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    svc.notice_save(meeting=meeting, actor=request.user, now=timezone.now(), **payload.model_dump())
    return notice_out(meeting)
