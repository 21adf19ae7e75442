"""A meeting's roster over the API: attendees, .xlsx import/export, RSVP, check-in (§9).

Thin like meetings/api.py: ids become objects through meetings.access, the rules and
the audit log are in meetings.attendees and meetings.roster_xlsx. The roster is part
of a meeting's details: only those who may see them read it; the personal RSVP link
and the check-in code of each attendee are credentials and go to editors only.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Field, File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status as HttpStatus
from ninja.responses import codes_4xx

from core.exceptions import InvalidInput, NotFound
from core.models import Person
from core.schemas import BodyId, ErrorOut, InputSchema, ParamId
from core.timeutil import localtime
from meetings import attendees as svc
from meetings.access import access_meeting, can_edit
from meetings.models import Attendance, Meeting, Role, Rsvp
from meetings.paperwork import require_details
from meetings.roster import checkin_count, roster, rsvp_tally
from meetings.roster_xlsx import CONTENT_TYPE, MAX_BYTES, roster_export, roster_import
from meetings.schemas import RoleCode, SoftCode
from meetings.services import SOFT_CODES

router = Router(tags=["attendees"])

RsvpCode = Literal["pending", "attending", "substitute", "leave"]


# --- shapes ---------------------------------------------------------------------------------


class AttendeeAddIn(InputSchema):
    """A directory person (`person_id`) or a guest (`guest_name`, with 职务 and 单位)."""

    person_id: BodyId | None = None
    guest_name: str = Field("", max_length=50, strict=True)
    guest_title: str = Field("", max_length=100, strict=True)
    guest_unit: str = Field("", max_length=100, strict=True)
    guest_phone: str = Field("", max_length=30, strict=True)
    role: RoleCode = "attend"
    acknowledge: list[SoftCode] = Field(default_factory=list, max_length=3)


class AttendeePatch(InputSchema):
    role: RoleCode | None = None
    rank_override: int | None = Field(None, ge=0, le=100_000, strict=True)
    guest_name: str | None = Field(None, max_length=50, strict=True)
    guest_title: str | None = Field(None, max_length=100, strict=True)
    guest_unit: str | None = Field(None, max_length=100, strict=True)
    guest_phone: str | None = Field(None, max_length=30, strict=True)


class OrderIn(InputSchema):
    ids: list[BodyId] = Field(
        ..., max_length=5000, description="全部参会人员（attendance id）的新顺序"
    )


class RsvpIn(InputSchema):
    answer: RsvpCode
    substitute_name: str = Field("", max_length=50, strict=True)
    substitute_title: str = Field("", max_length=100, strict=True)
    note: str = Field("", max_length=300, strict=True, description="请假事由（请假时必填）")


class CheckinIn(InputSchema):
    code: str | None = Field(None, max_length=100, strict=True, description="扫码或输入的签到码")
    attendance_id: BodyId | None = Field(None, description="或：名单中点选的人员")


class AttendeeDetailOut(Schema):
    id: int
    person_id: int | None
    name: str = Field(..., description="谁参会：代参会时为代参会人")
    title: str
    unit: str
    own_name: str = Field(..., description="名单上的本人")
    guest: bool
    phone: str = Field(
        ..., description="手机：临时人员的（仅承办人、管理员可见）；名录人员见人员名录"
    )
    role: str
    role_label: str
    order: int
    rank_override: int | None
    rsvp: str
    rsvp_label: str
    rsvp_at: dt.datetime | None
    rsvp_note: str
    substitute_name: str
    substitute_title: str
    checked_in_at: dt.datetime | None
    rsvp_url: str | None = Field(..., description="个人回执链接（仅承办人、管理员可见）")
    checkin_code: str | None = Field(..., description="签到码（二维码内容；仅承办人、管理员可见）")


class TallyOut(Schema):
    attending: int
    substitute: int
    leave: int
    pending: int
    total: int
    unanswered: list[int] = Field(..., description="未回复者的 attendance id")


class CountOut(Schema):
    present: int
    expected: int


class RosterOut(Schema):
    items: list[AttendeeDetailOut]
    tally: TallyOut
    checkin: CountOut
    rsvp_deadline: dt.datetime


class ImportOut(Schema):
    added: int
    people: int
    guests: int
    skipped: list[dict[str, Any]]


class CheckinOut(Schema):
    attendee: AttendeeDetailOut
    already: bool = Field(..., description="此前已签到：本次未作改动")
    checkin: CountOut


# --- helpers ------------------------------------------------------------------------------


def rsvp_url(attendance: Attendance) -> str:
    return settings.SITE_URL + reverse("rsvp", args=[svc.rsvp_token(attendance)])


def attendee_out(a: Attendance, *, links: bool) -> dict[str, Any]:
    return {
        "id": a.pk,
        "person_id": a.person_id,
        "name": a.display_name,
        "title": a.display_title,
        "unit": a.display_unit,
        "own_name": a.person.name if a.person else a.guest_name,
        "guest": a.person_id is None,
        "phone": a.guest_phone if links else "",
        "role": a.role,
        "role_label": Role(a.role).label,
        "order": a.order,
        "rank_override": a.rank_override,
        "rsvp": a.rsvp,
        "rsvp_label": Rsvp(a.rsvp).label,
        "rsvp_at": localtime(a.rsvp_at) if a.rsvp_at else None,
        "rsvp_note": a.rsvp_note,
        "substitute_name": a.substitute_name,
        "substitute_title": a.substitute_title,
        "checked_in_at": localtime(a.checked_in_at) if a.checked_in_at else None,
        "rsvp_url": rsvp_url(a) if links else None,
        "checkin_code": svc.checkin_code(a) if links else None,
    }


def _count(meeting: Meeting) -> dict[str, int]:
    c = checkin_count(meeting)
    return {"present": c.present, "expected": c.expected}


def _readable(request: HttpRequest, meeting_id: int) -> Meeting:
    meeting = access_meeting(request.user, meeting_id)
    require_details(request.user, meeting)
    return meeting


def _attendance(meeting: Meeting, attendance_id: int) -> Attendance:
    found = (
        Attendance.objects.select_related("person__unit", "meeting")
        .filter(pk=attendance_id, meeting=meeting)
        .first()
    )
    if found is None:
        raise NotFound("参会人员不存在", details={"id": attendance_id})
    found.meeting = meeting  # the access-checked object, with its visibility annotation
    return found


def _roster_out(request: HttpRequest, meeting: Meeting) -> dict[str, Any]:
    rows = roster(meeting)
    tally = rsvp_tally(rows)
    links = can_edit(request.user, meeting)
    return {
        "items": [attendee_out(a, links=links) for a in rows],
        "tally": {
            "attending": tally.attending,
            "substitute": tally.substitute,
            "leave": tally.leave,
            "pending": tally.pending,
            "total": tally.total,
            "unanswered": [a.pk for a in tally.unanswered],
        },
        "checkin": _count(meeting),
        "rsvp_deadline": localtime(svc.rsvp_deadline(meeting)),
    }


# --- roster -------------------------------------------------------------------------------


@router.get(
    "/meetings/{meeting_id}/attendees",
    response={200: RosterOut, codes_4xx: ErrorOut},
    summary="参会人员、回执统计与签到人数",
)
def attendee_index(request: HttpRequest, meeting_id: ParamId) -> dict[str, Any]:
    return _roster_out(request, _readable(request, meeting_id))


@router.post(
    "/meetings/{meeting_id}/attendees",
    response={201: AttendeeDetailOut, codes_4xx: ErrorOut},
    summary="添加参会人员（名录人员或临时人员）",
)
def attendee_create(
    request: HttpRequest, meeting_id: ParamId, payload: AttendeeAddIn
) -> HttpStatus[dict[str, Any]]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    person = None
    guest = None
    if payload.person_id is not None:
        if payload.guest_name:
            raise InvalidInput("person_id 与 guest_name 只能给一个", field="guest_name")
        person = Person.objects.filter(pk=payload.person_id).first()
        if person is None:
            raise InvalidInput("人员不存在", field="person_id")
    else:
        guest = svc.Guest(
            payload.guest_name, payload.guest_title, payload.guest_unit, payload.guest_phone
        )
    attendance = svc.attendee_add(
        meeting=meeting,
        actor=request.user,
        now=timezone.now(),
        role=payload.role,
        person=person,
        guest=guest,
        acknowledge=payload.acknowledge,
    )
    return HttpStatus(201, attendee_out(attendance, links=True))


@router.put(
    "/meetings/{meeting_id}/attendees/order",
    response={200: RosterOut, codes_4xx: ErrorOut},
    summary="调整参会人员顺序",
)
def attendee_order(request: HttpRequest, meeting_id: ParamId, payload: OrderIn) -> dict[str, Any]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    svc.attendees_reorder(meeting=meeting, actor=request.user, now=timezone.now(), ids=payload.ids)
    return _roster_out(request, meeting)


# --- spreadsheet --------------------------------------------------------------------------


@router.get(
    "/meetings/{meeting_id}/attendees.xlsx",
    response={200: None, codes_4xx: ErrorOut},
    summary="导出参会人员（.xlsx）",
    openapi_extra={
        "responses": {
            200: {
                "description": "Excel 工作簿：序号/单位/姓名/职务/身份/手机，及回执情况",
                "content": {CONTENT_TYPE: {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def attendee_export(request: HttpRequest, meeting_id: ParamId) -> HttpResponse:
    meeting = _readable(request, meeting_id)
    response = HttpResponse(roster_export(meeting, roster(meeting)), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = (
        content_disposition_header(True, f"{meeting.title}参会人员.xlsx") or "attachment"
    )
    response["Cache-Control"] = "private, no-cache"
    return response


@router.post(
    "/meetings/{meeting_id}/attendees/import",
    response={200: ImportOut, codes_4xx: ErrorOut},
    summary="从 .xlsx 导入参会人员",
    description=(
        "列：序号、单位、姓名、职务、身份、手机。按“姓名+单位”匹配名录人员，否则作为临时人员。"
        "任一行有问题时不导入任何人员，details.rows 逐行说明；skip_bad=true 时跳过这些行。"
        f"文件不超过 {MAX_BYTES // 1024 // 1024} MB、2000 行。"
    ),
)
def attendee_import(
    request: HttpRequest,
    meeting_id: ParamId,
    file: File[UploadedFile],
    skip_bad: Form[bool] = False,
    acknowledge: Form[str] = "",
) -> dict[str, Any]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    if file.size is not None and file.size > MAX_BYTES:
        raise InvalidInput(
            f"文件过大，不能超过 {MAX_BYTES // 1024 // 1024} MB", field="file", details={}
        )
    report = roster_import(
        meeting=meeting,
        actor=request.user,
        now=timezone.now(),
        data=file.read(MAX_BYTES + 1),
        skip_bad=skip_bad,
        acknowledge=_codes(acknowledge),
    )
    return report.as_dict()


def _codes(raw: str) -> list[str]:
    codes = [c.strip() for c in raw.split(",") if c.strip()]
    unknown = [c for c in codes if c not in SOFT_CODES]
    if unknown:
        raise InvalidInput(f"未知的确认代码：{'、'.join(unknown)}", field="acknowledge")
    return codes


# Declared after the fixed paths above (order, import): ninja's path converters are plain
# strings, and Django takes the first pattern that matches.


@router.patch(
    "/meetings/{meeting_id}/attendees/{attendance_id}",
    response={200: AttendeeDetailOut, codes_4xx: ErrorOut},
    summary="修改参会人员（身份、本次排序号、临时人员信息）",
)
def attendee_patch(
    request: HttpRequest, meeting_id: ParamId, attendance_id: ParamId, payload: AttendeePatch
) -> dict[str, Any]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    attendance = _attendance(meeting, attendance_id)
    fields = payload.model_fields_set
    guest = None
    if fields & {"guest_name", "guest_title", "guest_unit", "guest_phone"}:
        guest = svc.Guest(
            payload.guest_name if payload.guest_name is not None else attendance.guest_name,
            payload.guest_title if payload.guest_title is not None else attendance.guest_title,
            payload.guest_unit if payload.guest_unit is not None else attendance.guest_unit,
            payload.guest_phone if payload.guest_phone is not None else attendance.guest_phone,
        )
    kwargs: dict[str, Any] = {}
    if "rank_override" in fields:
        kwargs["rank_override"] = payload.rank_override
    svc.attendee_update(
        attendance=attendance,
        actor=request.user,
        now=timezone.now(),
        role=payload.role,
        guest=guest,
        **kwargs,
    )
    return attendee_out(attendance, links=True)


@router.delete(
    "/meetings/{meeting_id}/attendees/{attendance_id}",
    response={204: None, codes_4xx: ErrorOut},
    summary="移除参会人员",
)
def attendee_delete(
    request: HttpRequest, meeting_id: ParamId, attendance_id: ParamId
) -> HttpStatus[None]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    svc.attendee_remove(
        attendance=_attendance(meeting, attendance_id), actor=request.user, now=timezone.now()
    )
    return HttpStatus(204, None)


# --- RSVP recorded by staff ---------------------------------------------------------------


@router.put(
    "/meetings/{meeting_id}/attendees/{attendance_id}/rsvp",
    response={200: AttendeeDetailOut, codes_4xx: ErrorOut},
    summary="代为登记回执（电话回复等；不受截止时间限制）",
)
def attendee_rsvp(
    request: HttpRequest, meeting_id: ParamId, attendance_id: ParamId, payload: RsvpIn
) -> dict[str, Any]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    attendance = svc.rsvp_answer(
        attendance=_attendance(meeting, attendance_id),
        answer=payload.answer,
        now=timezone.now(),
        actor=request.user,
        substitute_name=payload.substitute_name,
        substitute_title=payload.substitute_title,
        note=payload.note,
    )
    return attendee_out(attendance, links=True)


# --- check-in -----------------------------------------------------------------------------


@router.get(
    "/meetings/{meeting_id}/checkin",
    response={200: CountOut, codes_4xx: ErrorOut},
    summary="签到人数（已到/应到）",
)
def checkin_status(request: HttpRequest, meeting_id: ParamId) -> dict[str, int]:
    return _count(_readable(request, meeting_id))


@router.post(
    "/meetings/{meeting_id}/checkin",
    response={200: CheckinOut, codes_4xx: ErrorOut},
    summary="签到（签到码或点选）；重复签到无影响",
)
def checkin_create(request: HttpRequest, meeting_id: ParamId, payload: CheckinIn) -> dict[str, Any]:
    meeting = access_meeting(request.user, meeting_id)
    if (payload.code is None) == (payload.attendance_id is None):
        raise InvalidInput("请给出 code 或 attendance_id 之一", field="code")
    result = svc.checkin(
        meeting=meeting,
        actor=request.user,
        now=timezone.now(),
        code=payload.code,
        attendance_id=payload.attendance_id,
    )
    return {
        "attendee": attendee_out(result.attendance, links=False),
        "already": result.already,
        "checkin": _count(meeting),
    }


@router.delete(
    "/meetings/{meeting_id}/checkin/{attendance_id}",
    response={200: CountOut, codes_4xx: ErrorOut},
    summary="撤销签到",
)
def checkin_delete(
    request: HttpRequest, meeting_id: ParamId, attendance_id: ParamId
) -> dict[str, int]:
    meeting = access_meeting(request.user, meeting_id)
    svc.checkin_undo(
        attendance=_attendance(meeting, attendance_id), actor=request.user, now=timezone.now()
    )
    return _count(meeting)
