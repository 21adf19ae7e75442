"""A meeting's seating over the API (DESIGN §5, §6): the plan, arranging, moving, swapping
and locking seats, and the 座次图 and 桌签 PDFs.

Thin like meetings/api.py: the rules are in meetings/seating/services.py, the reads in
meetings/seating/selectors.py, the drawing in meetings/documents/. Every write answers
with the whole seating as GET shows it. A confidential meeting's seating is shown only to
those who may see its details (403 for the others); writes need its organiser or an admin.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from core.exceptions import InvalidInput, PermissionDenied
from core.pdf.base import NAMECARD_STOCKS
from core.schemas import BodyId, ErrorOut, InputSchema, ParamId, QuerySchema
from core.timeutil import localtime
from meetings.access import access_meeting, can_edit, can_see_details
from meetings.documents.namecards import NameCardOptions
from meetings.models import Meeting, Status
from meetings.seating import printing, services
from meetings.seating.engine import Viewpoint
from meetings.seating.selectors import SeatingOptions, SeatingState, describe, seating_state
from rooms.layouts import ZONE_ORDER, LayoutKind, params_help
from rooms.models import Layout, RoomLayout

router = Router(tags=["seating"])

# The 桌签 stocks, exactly as core.pdf.base.NAMECARD_STOCKS names them (a test keeps the
# two in step): "a4" is an A4 sheet printed landscape and folded in half.
StockCode = Literal["a4", "200x120", "210x140", "190x178", "195x175"]
_STOCK_DOC = "桌签纸张：" + "；".join(
    f"{key} = {page.label}" for key, page in NAMECARD_STOCKS.items()
)
SeatId = Field(
    ..., min_length=1, max_length=50, strict=True, description="座位编号，如 R1-01、A2-05"
)

_PDF_DOC = {
    "responses": {
        200: {
            "description": "PDF（字体已嵌入）",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        },
        503: {
            "description": "没有可用的中文 TrueType 字体（message 说明应安装什么）",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        },
    }
}


# --- schemas ------------------------------------------------------------------------------


class SeatingOptionsIn(InputSchema):
    """Only the options given change; the others keep the meeting's stored values."""

    precedence: Literal["left", "right"] | None = Field(
        None, description="left = 以左为上（国内惯例）；right = 以右为上（外事活动）"
    )
    centre_point: bool | None = Field(
        None, strict=True, description="居中点变体：人数为偶数时 1 号仍独居中点"
    )
    viewpoint: Literal["audience", "rostrum"] | None = Field(
        None, description="座次图的视角：audience = 从观众席看；rostrum = 从主席台看"
    )
    fill: Literal["rows", "columns"] | None = Field(
        None, description="台下填座：rows = 按行；columns = 按列"
    )
    start_side: Literal["left", "right"] | None = Field(
        None, description="台下从哪一侧开始（从观众席看）"
    )
    unit_order: Literal["customary", "strokes"] | None = Field(
        None, description="单位顺序：customary = 惯例（单位排序号）；strokes = 单位名称笔画"
    )
    person_order: Literal["rank", "strokes"] | None = Field(
        None, description="单位内人员顺序：rank = 职级排序号；strokes = 姓氏笔画"
    )
    unit_gap: int | None = Field(None, ge=0, le=10, strict=True, description="单位之间空座数")
    unit_new_line: bool | None = Field(None, strict=True, description="每个单位另起一排")
    guest_on_host_right: bool | None = Field(
        None, strict=True, description="会见：主宾坐在主人右侧（默认）"
    )
    zones: dict[str, Literal["rostrum", "audience"]] | None = Field(
        None,
        max_length=5000,
        description="指定某些参会人员坐主席台或台下：{参会人员编号: rostrum|audience}",
    )
    parties: dict[str, Literal["host", "guest"]] | None = Field(
        None, max_length=5000, description="会见/会谈/宴请：{参会人员编号: host|guest}"
    )


class ArrangeIn(InputSchema):
    options: SeatingOptionsIn | None = None
    layout_id: BodyId | None = Field(None, description="改用本会议室的另一个座位布局")
    params: dict[str, Any] | None = Field(
        None,
        description="调整本次会议的布局副本（类型不变）。"
        + " | ".join(f"{k.value}：{params_help(k.value)}" for k in LayoutKind),
    )


class MoveIn(InputSchema):
    attendance_id: BodyId = Field(..., description="参会人员编号（GET 返回的 attendance_id）")
    seat_id: str = SeatId


class SwapIn(InputSchema):
    seat_a: str = SeatId
    seat_b: str = SeatId


class LockIn(InputSchema):
    seat_id: str = SeatId
    locked: bool = Field(True, strict=True)


class SeatOut(Schema):
    id: str
    label: str
    zone: str
    zone_label: str
    row: int
    position: int
    x: float = Field(..., description="平面坐标（米），从观众席看向右为正")
    y: float = Field(..., description="平面坐标（米），朝主席台/前方为正")
    facing: float = Field(..., description="朝向（度）：90 朝前方，270 朝观众")
    block: str
    table: str
    reserved: bool
    locked: bool
    attendance_id: int | None
    name: str
    title: str
    unit: str


class FeatureOut(Schema):
    kind: str
    x: float
    y: float
    width: float
    height: float
    label: str


class LayoutOut(Schema):
    kind: str
    kind_label: str
    name: str
    layout_id: int | None = Field(..., description="复制自会议室的哪个布局")
    params: dict[str, Any]
    seat_width: float
    seat_depth: float
    bounds: list[float] = Field(..., description="[min_x, min_y, max_x, max_y]")
    features: list[FeatureOut]


class AttendeeRef(Schema):
    attendance_id: int
    name: str
    title: str
    unit: str


class RoomLayoutRef(Schema):
    id: int
    name: str
    kind: str
    is_default: bool


class SeatChangeOut(Schema):
    seat_id: str
    label: str
    before: str
    after: str


class CardPageOut(Schema):
    name: str
    page: int


class ReprintOut(Schema):
    printed: bool
    chart_printed_at: dt.datetime | None
    cards_printed_at: dt.datetime | None
    nothing: bool
    count: int = Field(..., description="自上次打印后的变动处数")
    message: str
    seats: list[SeatChangeOut]
    cards_to_print: list[CardPageOut] = Field(
        ..., description="需重印的桌签（新桌签 PDF 中的页码）"
    )
    cards_to_discard: list[str]
    card_pages: list[int]
    chart_pages: list[int]
    moved: list[str] = Field(..., description="座位有变的人员（签到表的座位栏）")
    layout_changed: bool


class SeatingOut(Schema):
    meeting_id: int
    arranged: bool
    layout: LayoutOut
    options: dict[str, Any]
    options_label: str
    viewpoint: str
    viewpoint_label: str
    seats: list[SeatOut]
    unseated: list[AttendeeRef]
    seated: int
    total: int
    notes: list[str]
    updated_at: dt.datetime | None
    reprint: ReprintOut
    can_edit: bool
    room_layouts: list[RoomLayoutRef]


class ChartQuery(QuerySchema):
    paper: Literal["A4", "A3", "a4", "a3"] = Field("A4", description="A4 或 A3（横向）")
    viewpoint: Literal["audience", "rostrum"] | None = Field(
        None, description="audience = 从观众席看；rostrum = 从主席台看；默认用排座选项"
    )
    mark_printed: bool = Field(False, description="1 = 登记为已打印（用于判断日后需重印哪些）")


class CardsQuery(QuerySchema):
    stock: StockCode = Field("a4", description=_STOCK_DOC)
    title: bool = Field(False, description="1 = 姓名上方加印职务")
    fold_line: bool = Field(True, description="1 = 印折线")
    crop_marks: bool = Field(False, description="1 = 印裁切标记")
    mark_printed: bool = Field(False, description="1 = 登记为已打印（用于判断日后需重印哪些）")


# --- serialisation ------------------------------------------------------------------------


def reprint_out(state: SeatingState) -> dict[str, Any]:
    notice = services.seating_reprint_plan(state)
    return {
        "printed": notice.printed,
        "chart_printed_at": notice.chart_printed_at,
        "cards_printed_at": notice.cards_printed_at,
        "nothing": notice.nothing,
        "count": notice.count,
        "message": notice.message,
        "seats": [vars(c) for c in notice.seats],
        "cards_to_print": [{"name": n, "page": p} for n, p in notice.cards_to_print],
        "cards_to_discard": list(notice.cards_to_discard),
        "card_pages": list(notice.card_pages),
        "chart_pages": list(notice.chart_pages),
        "moved": list(notice.moved),
        "layout_changed": notice.layout_changed,
    }


def seating_out(state: SeatingState, user: Any) -> dict[str, Any]:
    layout = state.layout
    zone_rank = {zone: i for i, zone in enumerate(ZONE_ORDER)}
    seats = []
    for seat in sorted(layout.seats, key=lambda s: (zone_rank[s.zone], s.table, s.row, s.position)):
        assignment = state.arrangement.by_seat.get(seat.id)
        person = state.people_by_key.get(assignment.person_id) if assignment else None
        attendance = state.attendances.get(assignment.person_id) if assignment else None
        seats.append(
            {
                "id": seat.id,
                "label": seat.label or seat.id,
                "zone": seat.zone.value,
                "zone_label": seat.zone.label,
                "row": seat.row,
                "position": seat.position,
                "x": seat.x,
                "y": seat.y,
                "facing": seat.facing,
                "block": seat.block,
                "table": seat.table,
                "reserved": seat.reserved,
                "locked": bool(assignment and assignment.locked),
                "attendance_id": attendance.pk if attendance else None,
                "name": person.name if person else "",
                "title": person.title if person else "",
                "unit": person.unit if person else "",
            }
        )
    engine_options = state.options.engine
    kind = state.choice.kind
    return {
        "meeting_id": state.meeting.pk,
        "arranged": state.arranged,
        "layout": {
            "kind": kind,
            "kind_label": Layout(kind).label if kind in Layout.values else kind,
            "name": layout.name,
            "layout_id": state.choice.source.pk if state.choice.source else None,
            "params": state.choice.params,
            "seat_width": layout.seat_width,
            "seat_depth": layout.seat_depth,
            "bounds": list(layout.bounds()),
            "features": [
                {
                    "kind": f.kind.value,
                    "x": f.x,
                    "y": f.y,
                    "width": f.width,
                    "height": f.height,
                    "label": f.label,
                }
                for f in layout.features
            ],
        },
        "options": state.options.to_json(),
        "options_label": describe(engine_options),
        "viewpoint": engine_options.viewpoint.value,
        "viewpoint_label": engine_options.viewpoint.label,
        "seats": seats,
        "unseated": [
            {
                "attendance_id": state.attendances[p.id].pk,
                "name": p.name,
                "title": p.title,
                "unit": p.unit,
            }
            for p in state.unseated
        ],
        "seated": len(state.arrangement.assignments),
        "total": len(state.people),
        "notes": state.notes,
        "updated_at": localtime(state.plan.updated_at) if state.plan else None,
        "reprint": reprint_out(state),
        "can_edit": can_edit(user, state.meeting)
        and state.meeting.status not in (Status.CANCELLED, Status.REJECTED),
        "room_layouts": [
            {"id": r.pk, "name": r.name, "kind": r.kind, "is_default": r.is_default}
            for r in state.room_layouts
        ],
    }


# --- access -------------------------------------------------------------------------------


def _meeting(request: HttpRequest, meeting_id: int, *, edit: bool = False) -> Meeting:
    """The meeting if the caller may see its details (and, with `edit`, change them)."""
    meeting = access_meeting(request.user, meeting_id, edit=edit)
    if not can_see_details(request.user, meeting):
        raise PermissionDenied("内部会议：座次仅对承办人、参会人员及其秘书、审批人和管理员可见")
    return meeting


def _options(state_options: SeatingOptions, payload: SeatingOptionsIn | None) -> SeatingOptions:
    if payload is None:
        return state_options
    merged = state_options.to_json()
    merged.update(
        {k: v for k, v in payload.model_dump(exclude_unset=True).items() if v is not None}
    )
    return SeatingOptions.parse(merged)


# --- the plan -----------------------------------------------------------------------------


@router.get(
    "/meetings/{meeting_id}/seating",
    response={200: SeatingOut, codes_4xx: ErrorOut},
    summary="会议座次",
    description="座位（坐标、编号、谁坐哪里、是否锁定）、视角、未排座人员，以及自上次打印后需重印的内容。",
)
def seating_detail(request: HttpRequest, meeting_id: ParamId) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id)
    return seating_out(seating_state(meeting), request.user)


@router.post(
    "/meetings/{meeting_id}/seating/arrange",
    response={200: SeatingOut, codes_4xx: ErrorOut},
    summary="按礼宾规则排座（锁定的座位保持不变）",
    description="人数多于座位时 422（code not_enough_seats），不会有人被悄悄漏排。",
)
def seating_arrange(
    request: HttpRequest, meeting_id: ParamId, payload: ArrangeIn | None = None
) -> dict[str, Any]:
    payload = payload or ArrangeIn(options=None, layout_id=None, params=None)
    meeting = _meeting(request, meeting_id, edit=True)
    layout = None
    if payload.layout_id is not None:
        layout = RoomLayout.objects.filter(pk=payload.layout_id).first()
        if layout is None:
            raise InvalidInput("座位布局不存在", field="layout_id")
    current = seating_state(meeting) if payload.options is not None else None
    state = services.seating_arrange(
        actor=request.user,
        meeting=meeting,
        now=timezone.now(),
        options=_options(current.options, payload.options) if current else None,
        layout=layout,
        params=payload.params,
    )
    return seating_out(state, request.user)


@router.post(
    "/meetings/{meeting_id}/seating/move",
    response={200: SeatingOut, codes_4xx: ErrorOut},
    summary="把一位参会人员移到空座位",
)
def seating_move(request: HttpRequest, meeting_id: ParamId, payload: MoveIn) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id, edit=True)
    state = services.seating_move(
        actor=request.user,
        meeting=meeting,
        attendance_id=payload.attendance_id,
        seat_id=payload.seat_id,
        now=timezone.now(),
    )
    return seating_out(state, request.user)


@router.post(
    "/meetings/{meeting_id}/seating/swap",
    response={200: SeatingOut, codes_4xx: ErrorOut},
    summary="交换两个座位上的人员",
)
def seating_swap(request: HttpRequest, meeting_id: ParamId, payload: SwapIn) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id, edit=True)
    state = services.seating_swap(
        actor=request.user,
        meeting=meeting,
        seat_a=payload.seat_a,
        seat_b=payload.seat_b,
        now=timezone.now(),
    )
    return seating_out(state, request.user)


@router.post(
    "/meetings/{meeting_id}/seating/lock",
    response={200: SeatingOut, codes_4xx: ErrorOut},
    summary="锁定或解锁座位（重新排座时锁定的座位不动）",
)
def seating_lock(request: HttpRequest, meeting_id: ParamId, payload: LockIn) -> dict[str, Any]:
    meeting = _meeting(request, meeting_id, edit=True)
    state = services.seating_lock(
        actor=request.user,
        meeting=meeting,
        seat_id=payload.seat_id,
        locked=payload.locked,
        now=timezone.now(),
    )
    return seating_out(state, request.user)


# --- documents ----------------------------------------------------------------------------


def _pdf(meeting: Meeting, body: bytes, document: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = printing.content_disposition(meeting, document)
    # A seating chart may carry a confidential roster: never kept by shared caches.
    response["Cache-Control"] = "private, no-store"
    return response


def _check_mark(request: HttpRequest, meeting: Meeting, mark: bool) -> None:
    # Before drawing: a viewer who may not change the plan learns it at once.
    if mark and not can_edit(request.user, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以登记打印（mark_printed）")


@router.get(
    "/meetings/{meeting_id}/documents/seating.pdf",
    response={200: None, codes_4xx: ErrorOut, 503: ErrorOut},
    summary="座次图 PDF",
    description=(
        "A4 或 A3 横向，按座位布局绘制主席台、台下、讲台，标明视角。"
        "尚未排座、有人未排座、字体缺字时 422（message 列出缺少的字符）；没有中文字体时 503。"
        "mark_printed=1 登记打印，之后 GET seating 的 reprint 说明需重印的页。"
    ),
    openapi_extra=_PDF_DOC,
)
def seating_chart_pdf(
    request: HttpRequest, meeting_id: ParamId, query: Query[ChartQuery]
) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    _check_mark(request, meeting, query.mark_printed)
    state = seating_state(meeting)
    paper = query.paper.lower()
    viewpoint = Viewpoint(query.viewpoint) if query.viewpoint else None
    body = printing.render_chart(state, paper=paper, viewpoint=viewpoint)
    if query.mark_printed:
        services.seating_mark_printed(
            actor=request.user,
            meeting=meeting,
            document=services.CHART,
            now=timezone.now(),
            detail=paper.upper(),
        )
    return _pdf(meeting, body, "座次图")


@router.get(
    "/meetings/{meeting_id}/documents/namecards.pdf",
    response={200: None, codes_4xx: ErrorOut, 503: ErrorOut},
    summary="桌签 PDF",
    description=(
        "每位参会人员一张，按座位顺序；页面即纸张（横向，沿高度中线对折，背面旋转 180°）。"
        + _STOCK_DOC
        + "。title=1 加印职务，fold_line=1 折线，crop_marks=1 裁切标记。"
        "没有参会人员、尚未排座、缺字时 422；没有中文字体时 503。"
    ),
    openapi_extra=_PDF_DOC,
)
def namecards_pdf(
    request: HttpRequest, meeting_id: ParamId, query: Query[CardsQuery]
) -> HttpResponse:
    meeting = _meeting(request, meeting_id)
    _check_mark(request, meeting, query.mark_printed)
    state = seating_state(meeting)
    options = NameCardOptions(
        stock=query.stock,
        show_title=query.title,
        fold_line=query.fold_line,
        crop_marks=query.crop_marks,
    )
    body = printing.render_cards(state, options)
    if query.mark_printed:
        services.seating_mark_printed(
            actor=request.user,
            meeting=meeting,
            document=services.CARDS,
            now=timezone.now(),
            detail=NAMECARD_STOCKS[query.stock].label,
        )
    return _pdf(meeting, body, "桌签")
