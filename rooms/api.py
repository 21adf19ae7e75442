"""Rooms and equipment over the API.

Availability needs meetings, and rooms/ never imports meetings/ (imports point
meetings → rooms → core), so `/rooms/{id}/availability` and `/availability` live in
meetings/api.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any, Literal

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status as HttpStatus
from ninja.responses import codes_4xx
from pydantic import AfterValidator, field_validator, model_validator
from pydantic_core import PydanticCustomError

from core import roles
from core.audit import audit_record, diff, snapshot
from core.exceptions import InvalidInput, NotFound, PermissionDenied
from core.schemas import ErrorOut, InputSchema, ParamId, reject_null
from rooms.models import Equipment, Layout, Room

router = Router(tags=["rooms"])

_ROOM_FIELDS = [
    "name",
    "building",
    "floor",
    "capacity",
    "layout",
    "bookable_from",
    "bookable_until",
    "needs_approval",
    "setup_minutes",
    "teardown_minutes",
    "active",
    "order",
    "notes",
]

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
    bookable_from: dt.time = Field(..., description="每天可预订起（北京时间）")
    bookable_until: dt.time = Field(..., description="每天可预订止（北京时间）")
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
    bookable_from: WallClock = Field(dt.time(7, 0), description="HH:MM，北京时间")
    bookable_until: WallClock = Field(dt.time(22, 0), description="HH:MM，北京时间，须晚于可预订起")
    needs_approval: bool = Field(False, strict=True)
    setup_minutes: int = Field(15, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    teardown_minutes: int = Field(15, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    active: bool = Field(True, strict=True)
    order: int = Field(100, ge=0, le=1_000_000, strict=True)
    notes: str = Field("", max_length=2000, strict=True)

    @model_validator(mode="after")
    def _hours_ordered(self) -> RoomIn:
        _check_hours(self.bookable_from, self.bookable_until)
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


def _check_hours(start: dt.time, end: dt.time) -> None:
    if end <= start:
        raise InvalidInput("可预订止必须晚于可预订起", field="bookable_until")


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


def _require_admin(user: Any) -> None:
    if not roles.is_admin(user):
        raise PermissionDenied("只有会务管理员可以维护会议室")


def _equipment_for(codes: Sequence[str]) -> list[Equipment]:
    wanted = list(dict.fromkeys(c.strip() for c in codes))
    found = {e.code: e for e in Equipment.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise InvalidInput(f"未知的设备代码：{', '.join(missing)}", field="equipment")
    return [found[c] for c in wanted]


def _check_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("名称不能为空", field="name")
    clash = Room.objects.filter(name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise InvalidInput("已有同名会议室", field="name")
    return name


def _save_room(
    room: Room,
    *,
    equipment: list[Equipment] | None,
    actor: Any,
    action: str,
    before: dict[str, Any],
) -> None:
    try:
        with transaction.atomic():
            room.save()
            if equipment is not None:
                room.equipment.set(equipment)
            after = snapshot(room, _ROOM_FIELDS)
            changes: dict[str, Any] = (
                {"after": after} if action == "create" else diff(before, after)
            )
            if equipment is not None:
                changes["equipment"] = [e.code for e in equipment]
            audit_record(
                actor=actor,
                action=action,
                obj=room,
                summary=("新建会议室：" if action == "create" else "修改会议室：") + room.name,
                changes=changes,
                at=timezone.now(),
            )
    except IntegrityError:
        # The unique name or a check constraint caught what a concurrent write slipped in.
        raise InvalidInput("会议室数据与现有记录冲突（名称重复或时段无效）", field="name") from None


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
    _require_admin(request.user)
    data = payload.model_dump()
    equipment = _equipment_for(data.pop("equipment"))
    data["name"] = _check_name(data["name"])
    room = Room(
        **{k: v.strip() if isinstance(v, str) and k != "notes" else v for k, v in data.items()}
    )
    _save_room(room, equipment=equipment, actor=request.user, action="create", before={})
    return HttpStatus(201, room_out(_rooms().get(pk=room.pk)))


@router.patch(
    "/rooms/{room_id}", response={200: RoomOut, codes_4xx: ErrorOut}, summary="修改会议室（管理员）"
)
def room_update(request: HttpRequest, room_id: ParamId, payload: RoomPatch) -> dict[str, Any]:
    _require_admin(request.user)
    room = Room.objects.filter(pk=room_id).first()
    if room is None:
        raise NotFound("会议室不存在", details={"id": room_id})
    changes = payload.model_dump(exclude_unset=True)
    equipment = _equipment_for(changes.pop("equipment")) if "equipment" in changes else None
    if "name" in changes:
        changes["name"] = _check_name(changes["name"], exclude_pk=room.pk)
    _check_hours(
        changes.get("bookable_from", room.bookable_from),
        changes.get("bookable_until", room.bookable_until),
    )
    before = snapshot(room, _ROOM_FIELDS)
    for name, value in changes.items():
        setattr(room, name, value.strip() if isinstance(value, str) and name != "notes" else value)
    _save_room(room, equipment=equipment, actor=request.user, action="update", before=before)
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
    _require_admin(request.user)
    if Equipment.objects.filter(code=payload.code).exists():
        raise InvalidInput("设备代码已存在", field="code")
    name = payload.name.strip()
    if not name:
        raise InvalidInput("名称不能为空", field="name")
    with transaction.atomic():
        eq = Equipment.objects.create(code=payload.code, name=name)
        audit_record(
            actor=request.user,
            action="create",
            obj=eq,
            summary=f"新建设备：{eq.name}",
            at=timezone.now(),
        )
    return HttpStatus(201, {"code": eq.code, "name": eq.name})
