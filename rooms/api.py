"""Rooms and equipment over the API.

The rules and the audit entry of every change are in rooms.services; the endpoints here
only parse, call the service and serialise.

Availability needs meetings, and rooms/ never imports meetings/ (imports point
meetings → rooms → core), so `/rooms/{id}/availability` and `/availability` live in
meetings/api.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from ninja.responses import codes_4xx
from pydantic import AfterValidator, field_validator, model_validator
from pydantic_core import PydanticCustomError

from core import roles
from core.exceptions import InvalidInput, NotFound
from core.schemas import BodyId, ErrorOut, InputSchema, ParamId, reject_null
from rooms import services
from rooms.layouts import LayoutKind, build_layout, params_help
from rooms.models import Equipment, Layout, Room, RoomLayout, VcKind, VcResource

router = Router(tags=["rooms"])

LayoutCode = Literal["rostrum", "long_table", "u_shape", "round", "classroom", "reception"]
MAX_BUFFER_MINUTES = 240
MAX_CAPACITY = 5000


# --- schemas ------------------------------------------------------------------------------


def _wall_clock(value: dt.time) -> dt.time:
    # Bookable hours are the office's wall clock; an offset means nothing here and the
    # database backends refuse aware times.
    if value.tzinfo is not None:
        raise PydanticCustomError("time_offset", "请写本地时间，不带时区，例如 08:30")
    return value.replace(microsecond=0)


WallClock = Annotated[dt.time, AfterValidator(_wall_clock)]


class EquipmentOut(Schema):
    code: str
    name: str


class RoomOut(Schema):
    id: int
    name: str
    building: str
    floor: str
    location: str
    capacity: int
    layout: str
    layout_label: str
    equipment: list[str] = Field(..., description="设备代码，如 vc_terminal、projector")
    equipment_names: list[str]
    # "partial-time" (RFC 3339 without offset): these are wall-clock hours in Beijing, and
    # JSON Schema's "time" format would demand an offset the API never sends.
    bookable_from: dt.time = Field(
        ..., description="每天可预订起（北京时间）", json_schema_extra={"format": "partial-time"}
    )
    bookable_until: dt.time = Field(
        ..., description="每天可预订止（北京时间）", json_schema_extra={"format": "partial-time"}
    )
    needs_approval: bool
    setup_minutes: int = Field(..., description="布场：会前占用的分钟数")
    teardown_minutes: int = Field(..., description="撤场：会后占用的分钟数")
    active: bool
    order: int
    notes: str


class RoomIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=50, strict=True)
    building: str = Field("", max_length=50, strict=True)
    floor: str = Field("", max_length=10, strict=True)
    capacity: int = Field(..., gt=0, le=MAX_CAPACITY, strict=True)
    layout: LayoutCode = "long_table"
    equipment: list[str] = Field(default_factory=list, max_length=50, description="设备代码")
    bookable_from: WallClock = Field(
        dt.time(7, 0), description="HH:MM，北京时间", json_schema_extra={"format": "partial-time"}
    )
    bookable_until: WallClock = Field(
        dt.time(22, 0),
        description="HH:MM，北京时间，须晚于可预订起",
        json_schema_extra={"format": "partial-time"},
    )
    needs_approval: bool = Field(False, strict=True)
    setup_minutes: int = Field(15, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    teardown_minutes: int = Field(15, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    active: bool = Field(True, strict=True)
    order: int = Field(100, ge=0, le=1_000_000, strict=True)
    notes: str = Field("", max_length=2000, strict=True)

    @model_validator(mode="after")
    def _hours_ordered(self) -> RoomIn:
        # A new room's hours are all in the payload, so reversed hours are refused while
        # parsing, as they always were (before the permission check); room_create checks
        # again for callers that do not come through this schema.
        services.room_hours_validate(
            bookable_from=self.bookable_from, bookable_until=self.bookable_until
        )
        return self


class RoomPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=50, strict=True)
    building: str | None = Field(None, max_length=50, strict=True)
    floor: str | None = Field(None, max_length=10, strict=True)
    capacity: int | None = Field(None, gt=0, le=MAX_CAPACITY, strict=True)
    layout: LayoutCode | None = None
    equipment: list[str] | None = Field(None, max_length=50)
    bookable_from: WallClock | None = None
    bookable_until: WallClock | None = None
    needs_approval: bool | None = Field(None, strict=True)
    setup_minutes: int | None = Field(None, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    teardown_minutes: int | None = Field(None, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    active: bool | None = Field(None, strict=True)
    order: int | None = Field(None, ge=0, le=1_000_000, strict=True)
    notes: str | None = Field(None, max_length=2000, strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return reject_null(value)


class EquipmentIn(InputSchema):
    code: str = Field(..., min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$", strict=True)
    name: str = Field(..., min_length=1, max_length=50, strict=True)


class RoomFilter(Schema):
    include_inactive: bool = Field(False, description="管理员可列出停用的会议室")


# --- helpers ------------------------------------------------------------------------------


def _rooms() -> QuerySet[Room]:
    return Room.objects.prefetch_related("equipment")


def room_out(room: Room) -> dict[str, Any]:
    equipment = sorted(room.equipment.all(), key=lambda e: e.code)
    return {
        "id": room.pk,
        "name": room.name,
        "building": room.building,
        "floor": room.floor,
        "location": room.location,
        "capacity": room.capacity,
        "layout": room.layout,
        "layout_label": Layout(room.layout).label,
        "equipment": [e.code for e in equipment],
        "equipment_names": [e.name for e in equipment],
        "bookable_from": room.bookable_from,
        "bookable_until": room.bookable_until,
        "needs_approval": room.needs_approval,
        "setup_minutes": room.setup_minutes,
        "teardown_minutes": room.teardown_minutes,
        "active": room.active,
        "order": room.order,
        "notes": room.notes,
    }


# --- rooms --------------------------------------------------------------------------------


@router.get("/rooms", response=list[RoomOut], summary="会议室列表")
def room_list(request: HttpRequest, filters: Query[RoomFilter]) -> list[dict[str, Any]]:
    qs = _rooms()
    if not (filters.include_inactive and roles.is_admin(request.user)):
        qs = qs.filter(active=True)
    return [room_out(r) for r in qs]


@router.get("/rooms/{room_id}", response={200: RoomOut, codes_4xx: ErrorOut}, summary="会议室")
def room_detail(request: HttpRequest, room_id: ParamId) -> dict[str, Any]:
    room = _rooms().filter(pk=room_id).first()
    if room is None:
        raise NotFound("会议室不存在", details={"id": room_id})
    return room_out(room)


@router.post("/rooms", response={201: RoomOut, codes_4xx: ErrorOut}, summary="新建会议室（管理员）")
def room_create(request: HttpRequest, payload: RoomIn) -> HttpStatus[dict[str, Any]]:
    room = services.room_create(
        actor=request.user,
        name=payload.name,
        capacity=payload.capacity,
        building=payload.building,
        floor=payload.floor,
        layout=payload.layout,
        equipment=payload.equipment,
        bookable_from=payload.bookable_from,
        bookable_until=payload.bookable_until,
        needs_approval=payload.needs_approval,
        setup_minutes=payload.setup_minutes,
        teardown_minutes=payload.teardown_minutes,
        active=payload.active,
        order=payload.order,
        notes=payload.notes,
    )
    return HttpStatus(201, room_out(_rooms().get(pk=room.pk)))


@router.patch(
    "/rooms/{room_id}", response={200: RoomOut, codes_4xx: ErrorOut}, summary="修改会议室（管理员）"
)
def room_update(request: HttpRequest, room_id: ParamId, payload: RoomPatch) -> dict[str, Any]:
    # Permission before existence, so a non-admin cannot probe which ids exist.
    services.rooms_require_admin(request.user)
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise NotFound("会议室不存在", details={"id": room_id})
    services.room_update(actor=request.user, room=room, **payload.model_dump(exclude_unset=True))
    return room_out(_rooms().get(pk=room.pk))


# --- equipment ----------------------------------------------------------------------------


@router.get("/equipment", response=list[EquipmentOut], summary="设备种类")
def equipment_list(request: HttpRequest) -> list[dict[str, Any]]:
    return [{"code": e.code, "name": e.name} for e in Equipment.objects.order_by("code")]


@router.post(
    "/equipment",
    response={201: EquipmentOut, codes_4xx: ErrorOut},
    summary="新建设备种类（管理员）",
)
def equipment_create(request: HttpRequest, payload: EquipmentIn) -> HttpStatus[dict[str, Any]]:
    eq = services.equipment_create(actor=request.user, code=payload.code, name=payload.name)
    return HttpStatus(201, {"code": eq.code, "name": eq.name})


# --- video-conference resources -----------------------------------------------------------

VcKindCode = Literal["virtual_room", "terminal"]


class VcResourceOut(Schema):
    id: int
    kind: str
    kind_label: str
    name: str
    number: str
    password: str = Field(..., description="仅会务管理员可见；其他人为空")
    capacity: int | None = Field(..., description="最大方数")
    room_id: int | None = Field(..., description="终端所在的会议室")
    active: bool
    order: int
    notes: str


class VcResourceIn(InputSchema):
    kind: VcKindCode
    name: str = Field(..., min_length=1, max_length=100, strict=True)
    number: str = Field("", max_length=50, strict=True, description="虚拟会议室必填，号池内唯一")
    password: str = Field("", max_length=50, strict=True)
    capacity: int | None = Field(None, gt=0, le=MAX_CAPACITY, strict=True)
    room_id: BodyId | None = Field(None, description="终端必填：所在会议室")
    active: bool = Field(True, strict=True)
    order: int = Field(100, ge=0, le=1_000_000, strict=True)
    notes: str = Field("", max_length=200, strict=True)


class VcResourcePatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100, strict=True)
    number: str | None = Field(None, max_length=50, strict=True)
    password: str | None = Field(None, max_length=50, strict=True)
    capacity: int | None = Field(None, gt=0, le=MAX_CAPACITY, strict=True)
    room_id: BodyId | None = None
    active: bool | None = Field(None, strict=True)
    order: int | None = Field(None, ge=0, le=1_000_000, strict=True)
    notes: str | None = Field(None, max_length=200, strict=True)

    @field_validator("name", "number", "password", "active", "order", "notes", mode="after")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return reject_null(value)


def vc_resource_out(resource: VcResource, user: Any) -> dict[str, Any]:
    return {
        "id": resource.pk,
        "kind": resource.kind,
        "kind_label": VcKind(resource.kind).label,
        "name": resource.name,
        "number": resource.number,
        "password": resource.password if roles.is_admin(user) else "",
        "capacity": resource.capacity,
        "room_id": resource.room_id,
        "active": resource.active,
        "order": resource.order,
        "notes": resource.notes,
    }


def _room_or_422(room_id: int | None) -> Room | None:
    if room_id is None:
        return None
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise InvalidInput("会议室不存在", field="room_id")
    return room


@router.get(
    "/vc-resources",
    response=list[VcResourceOut],
    tags=["vc"],
    summary="视频会议资源（MCU 号池与终端）",
)
def vc_resource_list(request: HttpRequest) -> list[dict[str, Any]]:
    qs = VcResource.objects.all()
    if not roles.is_admin(request.user):
        qs = qs.filter(active=True)
    return [vc_resource_out(r, request.user) for r in qs]


@router.post(
    "/vc-resources",
    response={201: VcResourceOut, codes_4xx: ErrorOut},
    tags=["vc"],
    summary="新建视频会议资源（管理员）",
)
def vc_resource_create(request: HttpRequest, payload: VcResourceIn) -> HttpStatus[dict[str, Any]]:
    services.rooms_require_admin(request.user)
    resource = services.vc_resource_create(
        actor=request.user,
        kind=payload.kind,
        name=payload.name,
        number=payload.number,
        password=payload.password,
        capacity=payload.capacity,
        room=_room_or_422(payload.room_id),
        active=payload.active,
        order=payload.order,
        notes=payload.notes,
    )
    return HttpStatus(201, vc_resource_out(resource, request.user))


@router.patch(
    "/vc-resources/{resource_id}",
    response={200: VcResourceOut, codes_4xx: ErrorOut},
    tags=["vc"],
    summary="修改视频会议资源（管理员）",
)
def vc_resource_update(
    request: HttpRequest, resource_id: ParamId, payload: VcResourcePatch
) -> dict[str, Any]:
    services.rooms_require_admin(request.user)
    resource = VcResource.objects.filter(pk=resource_id).first()
    if resource is None:
        raise NotFound("视频会议资源不存在", details={"id": resource_id})
    changes = payload.model_dump(exclude_unset=True)
    if "room_id" in changes:
        changes["room"] = _room_or_422(changes.pop("room_id"))
    services.vc_resource_update(actor=request.user, resource=resource, **changes)
    return vc_resource_out(resource, request.user)


# --- seat layouts ---------------------------------------------------------------------------

_PARAMS_DOC = "布局参数（JSON 对象），按布局类型：" + " | ".join(
    f"{kind.value}：{params_help(kind.value)}" for kind in LayoutKind
)


class RoomLayoutOut(Schema):
    id: int
    room_id: int
    name: str
    kind: str
    kind_label: str
    params: dict[str, Any] = Field(..., description=_PARAMS_DOC)
    is_default: bool
    seats: int = Field(..., description="展开后的座位数")
    updated_at: dt.datetime


class RoomLayoutIn(InputSchema):
    name: str = Field(..., min_length=1, max_length=100, strict=True)
    kind: LayoutCode
    params: dict[str, Any] = Field(..., description=_PARAMS_DOC)
    is_default: bool = Field(False, strict=True, description="设为默认布局（原默认布局随之取消）")


class RoomLayoutPatch(InputSchema):
    name: str | None = Field(None, min_length=1, max_length=100, strict=True)
    kind: LayoutCode | None = None
    params: dict[str, Any] | None = Field(None, description=_PARAMS_DOC)
    is_default: bool | None = Field(None, strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        return reject_null(value)


def room_layout_out(layout: RoomLayout) -> dict[str, Any]:
    try:
        seats = len(build_layout(layout.kind, layout.params).seats)
    except InvalidInput:
        seats = 0  # a row edited outside the services; the admin form says what is wrong
    return {
        "id": layout.pk,
        "room_id": layout.room_id,
        "name": layout.name,
        "kind": layout.kind,
        "kind_label": Layout(layout.kind).label if layout.kind in Layout.values else layout.kind,
        "params": layout.params,
        "is_default": layout.is_default,
        "seats": seats,
        "updated_at": layout.updated_at,
    }


def _room_or_404(room_id: int) -> Room:
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise NotFound("会议室不存在", details={"id": room_id})
    return room


@router.get(
    "/rooms/{room_id}/layouts",
    response={200: list[RoomLayoutOut], codes_4xx: ErrorOut},
    summary="会议室的座位布局",
)
def room_layout_list(request: HttpRequest, room_id: ParamId) -> list[dict[str, Any]]:
    room = _room_or_404(room_id)
    return [room_layout_out(layout) for layout in room.layouts.all()]


@router.post(
    "/rooms/{room_id}/layouts",
    response={201: RoomLayoutOut, codes_4xx: ErrorOut},
    summary="新建座位布局（管理员）",
    description="参数按布局类型展开成座位来检查；参数有误时 422 指明是哪一项。" + _PARAMS_DOC,
)
def room_layout_create(
    request: HttpRequest, room_id: ParamId, payload: RoomLayoutIn
) -> HttpStatus[dict[str, Any]]:
    services.rooms_require_admin(request.user)
    layout = services.room_layout_create(
        actor=request.user,
        room=_room_or_404(room_id),
        name=payload.name,
        kind=payload.kind,
        params=payload.params,
        is_default=payload.is_default,
    )
    return HttpStatus(201, room_layout_out(layout))


@router.patch(
    "/rooms/{room_id}/layouts/{layout_id}",
    response={200: RoomLayoutOut, codes_4xx: ErrorOut},
    summary="修改座位布局（管理员）",
    description="已排座的会议保留排座时的布局副本，不受影响。" + _PARAMS_DOC,
)
def room_layout_update(
    request: HttpRequest, room_id: ParamId, layout_id: ParamId, payload: RoomLayoutPatch
) -> dict[str, Any]:
    services.rooms_require_admin(request.user)
    layout = RoomLayout.objects.select_related("room").filter(pk=layout_id, room_id=room_id).first()
    if layout is None:
        raise NotFound("座位布局不存在", details={"id": layout_id})
    services.room_layout_update(
        actor=request.user, layout=layout, **payload.model_dump(exclude_unset=True)
    )
    return room_layout_out(layout)
