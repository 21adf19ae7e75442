"""Availability of rooms (which rooms fit and are free, a room's next free slots), and
the writes to rooms and equipment with their rules and audit log.

Rooms do not know about meetings (imports point meetings → rooms → core); the caller
passes `busy`, a function returning the occupied intervals of the given rooms.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone

from core import roles
from core.audit import audit_record, diff, snapshot
from core.exceptions import InvalidInput, PermissionDenied
from core.timeutil import at_local, localtime, overlaps
from core.workdays import is_workday
from rooms.layouts import build_layout
from rooms.models import Equipment, Layout, Room, RoomLayout, VcKind, VcResource

Interval = tuple[dt.datetime, dt.datetime]
BusyFn = Callable[
    [Sequence[int], dt.datetime, dt.datetime, "int | None"], dict[int, list[Interval]]
]

SLOT_STEP = dt.timedelta(minutes=30)
SLOT_SEARCH_DAYS = 14


@dataclass(frozen=True)
class Buffers:
    """A booking's own 布场/撤场 overrides and any extra lead (a 分会场's 联调).

    None means "the room's default", so one request is measured against each candidate
    room with that room's buffers unless the request fixed its own.
    """

    setup_minutes: int | None = None
    teardown_minutes: int | None = None
    extra_lead: dt.timedelta = dt.timedelta()

    def around(self, room: Room, start: dt.datetime, end: dt.datetime) -> Interval:
        setup = room.setup_minutes if self.setup_minutes is None else self.setup_minutes
        teardown = room.teardown_minutes if self.teardown_minutes is None else self.teardown_minutes
        return (
            start - self.extra_lead - dt.timedelta(minutes=setup),
            end + dt.timedelta(minutes=teardown),
        )


ROOM_DEFAULTS = Buffers()


def rooms_fitting(
    *,
    min_capacity: int = 1,
    equipment_codes: Sequence[str] = (),
    exclude_room_id: int | None = None,
    needs_terminal: bool = False,
) -> list[Room]:
    """Active rooms with room for `min_capacity` people and all of the equipment.

    `needs_terminal`: only rooms with an active VC terminal (a 分会场 needs one).
    """
    qs = Room.objects.filter(active=True, capacity__gte=min_capacity)
    if needs_terminal:
        qs = qs.filter(
            pk__in=VcResource.objects.filter(kind=VcKind.TERMINAL, active=True).values("room_id")
        )
    if exclude_room_id:
        qs = qs.exclude(pk=exclude_room_id)
    codes = sorted(set(equipment_codes))
    if codes:
        qs = qs.annotate(
            n_eq=Count("equipment", filter=Q(equipment__code__in=codes), distinct=True)
        ).filter(n_eq=len(codes))
    return list(qs.order_by("capacity", "order", "name"))


def within_hours(room: Room, start: dt.datetime, end: dt.datetime) -> bool:
    ls, le = localtime(start), localtime(end)
    return (
        ls.date() == le.date()
        and room.bookable_from <= ls.time()
        and le.time() <= room.bookable_until
    )


def room_occupied(
    room: Room, start: dt.datetime, end: dt.datetime, buffers: Buffers = ROOM_DEFAULTS
) -> Interval:
    return buffers.around(room, start, end)


def rooms_free_for(
    *,
    start: dt.datetime,
    end: dt.datetime,
    busy: BusyFn,
    min_capacity: int = 1,
    equipment_codes: Sequence[str] = (),
    exclude_room_id: int | None = None,
    exclude_meeting_id: int | None = None,
    limit: int = 5,
    buffers: Buffers = ROOM_DEFAULTS,
    needs_terminal: bool = False,
) -> list[Room]:
    """Rooms that fit and are free (with the buffers) for [start, end), smallest first."""
    candidates = [
        r
        for r in rooms_fitting(
            min_capacity=min_capacity,
            equipment_codes=equipment_codes,
            exclude_room_id=exclude_room_id,
            needs_terminal=needs_terminal,
        )
        if within_hours(r, start, end)
    ]
    if not candidates:
        return []
    window_start = min(room_occupied(r, start, end, buffers)[0] for r in candidates)
    window_end = max(room_occupied(r, start, end, buffers)[1] for r in candidates)
    taken = busy([r.pk for r in candidates], window_start, window_end, exclude_meeting_id)
    free = []
    for room in candidates:
        o_start, o_end = room_occupied(room, start, end, buffers)
        if not any(overlaps(o_start, o_end, s, e) for s, e in taken.get(room.pk, [])):
            free.append(room)
            if len(free) >= limit:
                break
    return free


def _ceil_to_step(value: dt.datetime) -> dt.datetime:
    local = localtime(value)
    base = local.replace(second=0, microsecond=0)
    minutes = base.minute % 30
    if minutes or local != base:
        base += dt.timedelta(minutes=30 - minutes)
    return base


def free_slots(
    *,
    room: Room,
    duration: dt.timedelta,
    after: dt.datetime,
    busy: BusyFn,
    exclude_meeting_id: int | None = None,
    limit: int = 3,
    buffers: Buffers = ROOM_DEFAULTS,
) -> list[Interval]:
    """The room's next free slots of `duration` on working days, at most one a day.

    What staff ask after a clash is "same time tomorrow?" or "later today?": each day
    first tries the wanted time of day (`after`'s), then the first half-hour start within
    office hours (WORKDAY_START–WORKDAY_END, inside the room's bookable hours). The
    room's buffers must fit too.
    """
    # Whatever lies before the start (布场, 联调) and after the end (撤场) must be free too.
    probe_start, probe_end = buffers.around(room, after, after)
    setup, teardown = after - probe_start, probe_end - after
    first = localtime(after)
    horizon = first + dt.timedelta(days=SLOT_SEARCH_DAYS)
    taken = busy(
        [room.pk], after - setup - duration, horizon + duration + teardown, exclude_meeting_id
    ).get(room.pk, [])

    def fits(s: dt.datetime) -> bool:
        e = s + duration
        return (
            s >= after
            and within_hours(room, s, e)
            and not any(overlaps(s - setup, e + teardown, bs, be) for bs, be in taken)
        )

    office_from = max(room.bookable_from, settings.WORKDAY_START)
    office_until = min(room.bookable_until, settings.WORKDAY_END)
    slots: list[Interval] = []
    for offset in range(SLOT_SEARCH_DAYS):
        day = first.date() + dt.timedelta(days=offset)
        if not is_workday(day):
            continue
        preferred = at_local(day, first.time().replace(second=0, microsecond=0))
        found = preferred if fits(preferred) else None
        candidate = _ceil_to_step(max(at_local(day, office_from), after))
        while found is None and localtime(candidate + duration).time() <= office_until:
            if localtime(candidate).date() != day:
                break
            if fits(candidate):
                found = candidate
            candidate += SLOT_STEP
        if found is not None:
            slots.append((found, found + duration))
            if len(slots) >= limit:
                break
    return slots


# --- rooms and equipment: writes ----------------------------------------------------------

ROOM_AUDIT_FIELDS = [
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
EQUIPMENT_AUDIT_FIELDS = ["code", "name"]

# What room_update accepts besides `equipment` (a list of codes).
_ROOM_EDITABLE = set(ROOM_AUDIT_FIELDS)
# Free text keeps its layout (leading spaces in a note may be an indented list); every
# other string is a name or label where stray spaces would only break matching.
_UNSTRIPPED = {"notes"}


def rooms_require_admin(actor: Any) -> None:
    """Refuse anyone but 会务管理员.

    Public because the API checks it before looking the room up: a non-admin gets 403
    for any id and so learns nothing about which ids exist.
    """
    if not roles.is_admin(actor):
        raise PermissionDenied("只有会务管理员可以维护会议室")


def _equipment_for(codes: Sequence[str]) -> list[Equipment]:
    wanted = list(dict.fromkeys(c.strip() for c in codes))
    found = {e.code: e for e in Equipment.objects.filter(code__in=wanted)}
    missing = [c for c in wanted if c not in found]
    if missing:
        raise InvalidInput(f"未知的设备代码：{', '.join(missing)}", field="equipment")
    return [found[c] for c in wanted]


def _room_name(name: str, *, exclude_pk: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("名称不能为空", field="name")
    clash = Room.objects.filter(name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise InvalidInput("已有同名会议室", field="name")
    return name


def _room_check_capacity(capacity: int) -> None:
    if capacity <= 0:
        raise InvalidInput("容纳人数必须大于 0", field="capacity")


def room_hours_validate(*, bookable_from: dt.time, bookable_until: dt.time) -> None:
    """A day's bookable hours must enclose some time (the check constraint's rule)."""
    if bookable_until <= bookable_from:
        raise InvalidInput("可预订止必须晚于可预订起", field="bookable_until")


def _room_check_layout(layout: str) -> None:
    # The column is plain text; an unknown code would only fail later, when shown.
    if layout not in Layout.values:
        raise InvalidInput("未知的布局", field="layout")


def _equipment_codes(room: Room) -> list[str]:
    return sorted(room.equipment.values_list("code", flat=True))


def _room_save(
    room: Room,
    *,
    equipment: list[Equipment] | None,
    actor: Any,
    before: dict[str, Any] | None,
    now: dt.datetime | None,
) -> None:
    """Save the room and its equipment and audit it; `before` is None for a new room."""
    try:
        with transaction.atomic():
            room.save()
            if equipment is not None:
                room.equipment.set(equipment)
            after = {**snapshot(room, ROOM_AUDIT_FIELDS), "equipment": _equipment_codes(room)}
            creating = before is None
            audit_record(
                actor=actor,
                action="create" if creating else "update",
                obj=room,
                summary=("新建会议室：" if creating else "修改会议室：") + room.name,
                changes={"after": after} if before is None else diff(before, after),
                at=now or timezone.now(),
            )
    except IntegrityError:
        # The unique name or a check constraint caught what a concurrent write slipped in.
        raise InvalidInput("会议室数据与现有记录冲突（名称重复或时段无效）", field="name") from None


def room_create(
    *,
    actor: Any,
    name: str,
    capacity: int,
    building: str = "",
    floor: str = "",
    layout: str = Layout.LONG_TABLE,
    equipment: Sequence[str] = (),
    bookable_from: dt.time = dt.time(7, 0),
    bookable_until: dt.time = dt.time(22, 0),
    needs_approval: bool = False,
    setup_minutes: int = 15,
    teardown_minutes: int = 15,
    active: bool = True,
    order: int = 100,
    notes: str = "",
    now: dt.datetime | None = None,
) -> Room:
    """A new room with its equipment (codes); name unique, capacity > 0, hours ordered."""
    rooms_require_admin(actor)
    _room_check_capacity(capacity)
    _room_check_layout(layout)
    room_hours_validate(bookable_from=bookable_from, bookable_until=bookable_until)
    kit = _equipment_for(equipment)
    room = Room(
        name=_room_name(name),
        capacity=capacity,
        building=building.strip(),
        floor=floor.strip(),
        layout=layout,
        bookable_from=bookable_from,
        bookable_until=bookable_until,
        needs_approval=needs_approval,
        setup_minutes=setup_minutes,
        teardown_minutes=teardown_minutes,
        active=active,
        order=order,
        notes=notes,
    )
    _room_save(room, equipment=kit, actor=actor, before=None, now=now)
    return room


def room_update(
    *,
    actor: Any,
    room: Room,
    equipment: Sequence[str] | None = None,
    now: dt.datetime | None = None,
    **changes: Any,
) -> Room:
    """Change some of a room's fields (ROOM_AUDIT_FIELDS) and, if given, its equipment.

    Hours are checked against the stored ones when only one end changes. Everything is
    checked before `room` is touched, so a refused change leaves the object as it was.
    """
    rooms_require_admin(actor)
    unknown = sorted(set(changes) - _ROOM_EDITABLE)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{'、'.join(unknown)}", field=unknown[0])
    kit = _equipment_for(equipment) if equipment is not None else None
    values: dict[str, Any] = {
        k: v.strip() if isinstance(v, str) and k not in _UNSTRIPPED else v
        for k, v in changes.items()
    }
    if "name" in values:
        values["name"] = _room_name(values["name"], exclude_pk=room.pk)
    if "capacity" in values:
        _room_check_capacity(values["capacity"])
    if "layout" in values:
        _room_check_layout(values["layout"])
    room_hours_validate(
        bookable_from=values.get("bookable_from", room.bookable_from),
        bookable_until=values.get("bookable_until", room.bookable_until),
    )
    before = {**snapshot(room, ROOM_AUDIT_FIELDS), "equipment": _equipment_codes(room)}
    for field, value in values.items():
        setattr(room, field, value)
    _room_save(room, equipment=kit, actor=actor, before=before, now=now)
    return room


def equipment_create(
    *, actor: Any, code: str, name: str, now: dt.datetime | None = None
) -> Equipment:
    """A new kind of equipment; its code is what rooms and booking requests refer to."""
    rooms_require_admin(actor)
    if Equipment.objects.filter(code=code).exists():
        raise InvalidInput("设备代码已存在", field="code")
    name = name.strip()
    if not name:
        raise InvalidInput("名称不能为空", field="name")
    try:
        with transaction.atomic():
            eq = Equipment.objects.create(code=code, name=name)
            audit_record(
                actor=actor,
                action="create",
                obj=eq,
                summary=f"新建设备：{eq.name}",
                changes={"after": snapshot(eq, EQUIPMENT_AUDIT_FIELDS)},
                at=now or timezone.now(),
            )
    except IntegrityError:
        # Two admins adding the same code at once: the unique index decides.
        raise InvalidInput("设备代码已存在", field="code") from None
    return eq


# --- video-conference resources: writes ---------------------------------------------------

# The password is left out on purpose: the audit log is read by more people than the MCU
# pool's passwords should be.
VC_RESOURCE_AUDIT_FIELDS = [
    "kind",
    "name",
    "number",
    "capacity",
    "room",
    "active",
    "order",
    "notes",
]
_VC_EDITABLE = {*VC_RESOURCE_AUDIT_FIELDS, "password"}
# MCU conference numbers are dialled: digits, optionally grouped.
_MCU_NUMBER = re.compile(r"[0-9][0-9 \-#*]*")


def vc_number_validate(*, kind: str, number: str, exclude_pk: int | None = None) -> str:
    """A virtual room's number: dialable and not yet in the pool (422 naming `number`)."""
    number = number.strip()
    if kind != VcKind.VIRTUAL_ROOM:
        return number
    if not number:
        raise InvalidInput("MCU 虚拟会议室须填写会议号", field="number")
    if not _MCU_NUMBER.fullmatch(number):
        raise InvalidInput("会议号只能由数字和分隔符（空格 - # *）组成", field="number")
    clash = VcResource.objects.filter(kind=VcKind.VIRTUAL_ROOM, number=number)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise InvalidInput(
            f"号池中已有会议号 {number}：两个 MCU 虚拟会议室不能共用一个号", field="number"
        )
    return number


def _vc_check(resource: VcResource) -> None:
    if resource.kind not in VcKind.values:
        raise InvalidInput("未知的视频会议资源类型", field="kind")
    if not resource.name.strip():
        raise InvalidInput("名称不能为空", field="name")
    if resource.kind == VcKind.TERMINAL and resource.room_id is None:
        raise InvalidInput("视频会议终端须指定所在会议室", field="room_id")
    if resource.kind == VcKind.VIRTUAL_ROOM and resource.room_id is not None:
        raise InvalidInput("MCU 虚拟会议室不属于某个会议室，请不要指定会议室", field="room_id")
    if resource.capacity is not None and resource.capacity <= 0:
        raise InvalidInput("最大方数必须大于 0", field="capacity")


def _vc_save(
    resource: VcResource, *, actor: Any, before: dict[str, Any] | None, now: dt.datetime | None
) -> None:
    try:
        with transaction.atomic():
            resource.save()
            after = snapshot(resource, VC_RESOURCE_AUDIT_FIELDS)
            audit_record(
                actor=actor,
                action="create" if before is None else "update",
                obj=resource,
                summary=("新建视频会议资源：" if before is None else "修改视频会议资源：")
                + str(resource),
                changes={"after": after} if before is None else diff(before, after),
                at=now or timezone.now(),
            )
    except IntegrityError:
        # Two admins adding the same number at once: the unique constraint decides.
        raise InvalidInput(
            "号池中已有这个会议号：两个 MCU 虚拟会议室不能共用一个号", field="number"
        ) from None


def vc_resource_create(
    *,
    actor: Any,
    kind: str,
    name: str,
    number: str = "",
    password: str = "",
    capacity: int | None = None,
    room: Room | None = None,
    active: bool = True,
    order: int = 100,
    notes: str = "",
    now: dt.datetime | None = None,
) -> VcResource:
    """A virtual room of the MCU pool (unique number) or a terminal in a room."""
    rooms_require_admin(actor)
    resource = VcResource(
        kind=kind,
        name=name.strip(),
        number=vc_number_validate(kind=kind, number=number),
        password=password.strip(),
        capacity=capacity,
        room=room,
        active=active,
        order=order,
        notes=notes.strip(),
    )
    _vc_check(resource)
    _vc_save(resource, actor=actor, before=None, now=now)
    return resource


def vc_resource_update(
    *, actor: Any, resource: VcResource, now: dt.datetime | None = None, **changes: Any
) -> VcResource:
    """Change some fields of a VC resource; the number stays unique within the pool."""
    rooms_require_admin(actor)
    unknown = sorted(set(changes) - _VC_EDITABLE)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{'、'.join(unknown)}", field=unknown[0])
    before = snapshot(resource, VC_RESOURCE_AUDIT_FIELDS)
    candidate = VcResource(
        pk=resource.pk,
        **{
            f: getattr(resource, f)
            for f in (
                "kind",
                "name",
                "number",
                "password",
                "capacity",
                "room_id",
                "active",
                "order",
                "notes",
            )
        },
    )
    for field, value in changes.items():
        setattr(candidate, field, value.strip() if isinstance(value, str) else value)
    candidate.number = vc_number_validate(
        kind=candidate.kind, number=candidate.number, exclude_pk=resource.pk
    )
    _vc_check(candidate)
    # Checked on a copy: a refused change leaves `resource` as it was.
    for field in (
        "kind",
        "name",
        "number",
        "password",
        "capacity",
        "room_id",
        "active",
        "order",
        "notes",
    ):
        setattr(resource, field, getattr(candidate, field))
    _vc_save(resource, actor=actor, before=before, now=now)
    return resource


# --- seat layouts: writes -----------------------------------------------------------------

ROOM_LAYOUT_AUDIT_FIELDS = ["room", "name", "kind", "params", "is_default"]
_LAYOUT_EDITABLE = {"name", "kind", "params", "is_default"}


def room_layout_validate(*, kind: str, params: Any) -> dict[str, Any]:
    """The params checked by expanding them into seats (rooms.layouts): 422 naming the fault."""
    build_layout(kind, params)
    return dict(params)


def _layout_name(room: Room, name: str, *, exclude_pk: int | None = None) -> str:
    name = name.strip()
    if not name:
        raise InvalidInput("名称不能为空", field="name")
    clash = RoomLayout.objects.filter(room=room, name=name)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise InvalidInput(f"{room.name}已有名为“{name}”的布局", field="name")
    return name


def _layout_save(
    layout: RoomLayout, *, actor: Any, before: dict[str, Any] | None, now: dt.datetime | None
) -> None:
    try:
        with transaction.atomic():
            # One default per room (a partial unique constraint): the new default takes
            # over, in the same transaction, so a room is never left with two.
            if layout.is_default:
                others = RoomLayout.objects.filter(room=layout.room, is_default=True)
                if layout.pk is not None:
                    others = others.exclude(pk=layout.pk)
                others.update(is_default=False)
            layout.save()
            after = snapshot(layout, ROOM_LAYOUT_AUDIT_FIELDS)
            audit_record(
                actor=actor,
                action="create" if before is None else "update",
                obj=layout,
                summary=("新建座位布局：" if before is None else "修改座位布局：") + str(layout),
                changes={"after": after} if before is None else diff(before, after),
                at=now or timezone.now(),
            )
    except IntegrityError:
        # A concurrent write took the name (or the default) first.
        raise InvalidInput("该会议室已有同名布局", field="name") from None


def room_layout_create(
    *,
    actor: Any,
    room: Room,
    name: str,
    kind: str,
    params: dict[str, Any],
    is_default: bool = False,
    now: dt.datetime | None = None,
) -> RoomLayout:
    """A seat layout of a room; the room's first layout becomes its default."""
    rooms_require_admin(actor)
    layout = RoomLayout(
        room=room,
        name=_layout_name(room, name),
        kind=kind,
        params=room_layout_validate(kind=kind, params=params),
        is_default=is_default or not room.layouts.filter(is_default=True).exists(),
    )
    _layout_save(layout, actor=actor, before=None, now=now)
    return layout


def room_layout_update(
    *, actor: Any, layout: RoomLayout, now: dt.datetime | None = None, **changes: Any
) -> RoomLayout:
    """Change a layout's name, kind, params or default flag (checked before anything moves).

    Meetings keep the copy they were seated with (meetings.SeatingPlan.params), so
    changing a room's layout never moves anybody who is already seated.
    """
    rooms_require_admin(actor)
    unknown = sorted(set(changes) - _LAYOUT_EDITABLE)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{'、'.join(unknown)}", field=unknown[0])
    kind = changes.get("kind", layout.kind)
    params = changes.get("params", layout.params)
    if "kind" in changes or "params" in changes:
        params = room_layout_validate(kind=kind, params=params)
    name = (
        _layout_name(layout.room, changes["name"], exclude_pk=layout.pk)
        if "name" in changes
        else layout.name
    )
    before = snapshot(layout, ROOM_LAYOUT_AUDIT_FIELDS)
    layout.name, layout.kind, layout.params = name, kind, params
    if "is_default" in changes:
        layout.is_default = bool(changes["is_default"])
    _layout_save(layout, actor=actor, before=before, now=now)
    return layout
