"""A meeting's printed documents and the leaders' weekly schedule as PDF (DESIGN §6).

Each path is spelt out (agenda.pdf, notice.pdf, signin.pdf) rather than one
`{kind}.pdf`: the seating chart and name cards live in meetings/api_seating.py under the
same folder, and a catch-all here would shadow them.
"""

from __future__ import annotations

from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from ninja import Field, Query, Router
from ninja.responses import codes_4xx

from core.schemas import ErrorOut, ParamId, QuerySchema
from core.timeutil import localtime
from meetings.access import access_meeting
from meetings.documents.weekly import render as render_week
from meetings.paperwork import (
    DOCUMENT_LABELS,
    leaders_week,
    meeting_pdf,
    parse_week,
    require_details,
    week_code,
    week_version,
)

router = Router(tags=["documents"])

_PDF_DOC: dict[str, Any] = {
    "responses": {
        200: {
            "description": "PDF（A4，中文字体已嵌入）",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def pdf_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    # inline: the browser shows it, printing is one click; the name is kept on download.
    response["Content-Disposition"] = content_disposition_header(False, filename) or "inline"
    response["Cache-Control"] = "private, no-cache"
    return response


def _meeting_document(request: HttpRequest, meeting_id: int, kind: str) -> HttpResponse:
    meeting = access_meeting(request.user, meeting_id)
    require_details(request.user, meeting)
    data = meeting_pdf(kind, meeting, today=localtime(timezone.now()).date())
    return pdf_response(data, f"{meeting.title}{DOCUMENT_LABELS[kind]}.pdf")


@router.get(
    "/meetings/{meeting_id}/documents/agenda.pdf",
    response={200: None, codes_4xx: ErrorOut},
    summary="议程（PDF）",
    openapi_extra=_PDF_DOC,
)
def agenda_pdf(request: HttpRequest, meeting_id: ParamId) -> HttpResponse:
    return _meeting_document(request, meeting_id, "agenda")


@router.get(
    "/meetings/{meeting_id}/documents/notice.pdf",
    response={200: None, codes_4xx: ErrorOut},
    summary="会议通知（PDF，公文格式，附回执）",
    openapi_extra=_PDF_DOC,
)
def notice_pdf(request: HttpRequest, meeting_id: ParamId) -> HttpResponse:
    return _meeting_document(request, meeting_id, "notice")


@router.get(
    "/meetings/{meeting_id}/documents/signin.pdf",
    response={200: None, codes_4xx: ErrorOut},
    summary="签到表（PDF）",
    openapi_extra=_PDF_DOC,
)
def signin_pdf(request: HttpRequest, meeting_id: ParamId) -> HttpResponse:
    return _meeting_document(request, meeting_id, "signin")


class WeekFilter(QuerySchema):
    week: str = Field("", max_length=20, description="ISO 周，如 2026-W49；省略为本周")
    version: Literal["", "internal", "public"] = Field(
        "",
        description="internal 内部版（会务人员、领导、秘书、审批人、管理员）；public 公开版"
        "（不含内部会议）；省略按身份",
    )
    paper: Literal["a4", "a3"] = Field("a4", description="纸张（横向）")


@router.get(
    "/schedules/leaders/week.pdf",
    response={200: None, codes_4xx: ErrorOut},
    summary="领导一周活动安排（PDF）",
    openapi_extra=_PDF_DOC,
    tags=["schedules"],
)
def leaders_week_pdf(request: HttpRequest, filters: Query[WeekFilter]) -> HttpResponse:
    now = localtime(timezone.now())
    monday = parse_week(filters.week, today=now.date())
    version = week_version(request.user, filters.version or None)
    schedule = leaders_week(
        user=request.user,
        monday=monday,
        version=version,
        page=filters.paper,
        note=f"印发日期：{now.year}年{now.month}月{now.day}日",
    )
    suffix = "" if version == "internal" else "（公开版）"
    return pdf_response(render_week(schedule), f"领导一周活动安排{week_code(monday)}{suffix}.pdf")
