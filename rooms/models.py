"""Rooms and their equipment. Seat layouts and VC resources will hang off `Room`."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q


class Equipment(models.Model):
    """A kind of equipment a room may have (投影, 话筒, 视频会议终端 …)."""

    code = models.SlugField("代码", max_length=40, unique=True)
    name = models.CharField("名称", max_length=50)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "设备"

    def __str__(self) -> str:
        return self.name


class Layout(models.TextChoices):
    ROSTRUM = "rostrum", "主席台+台下"
    LONG_TABLE = "long_table", "长条桌"
    U_SHAPE = "u_shape", "U形/回字形"
    ROUND = "round", "圆桌"
    CLASSROOM = "classroom", "课桌式"
    RECEPTION = "reception", "会见厅（沙发）"


class Room(models.Model):
    """A bookable room with its bookable hours and 布场/撤场 buffers."""

    name = models.CharField("名称", max_length=50, unique=True)
    building = models.CharField("楼宇", max_length=50, blank=True)
    floor = models.CharField("楼层", max_length=10, blank=True)
    capacity = models.PositiveIntegerField("容纳人数")
    layout = models.CharField(
        "默认布局", max_length=20, choices=Layout.choices, default=Layout.LONG_TABLE
    )
    equipment = models.ManyToManyField(
        Equipment, verbose_name="设备", blank=True, related_name="rooms"
    )
    bookable_from = models.TimeField("可预订起", default=dt.time(7, 0))
    bookable_until = models.TimeField("可预订止", default=dt.time(22, 0))
    needs_approval = models.BooleanField("需审批", default=False)
    setup_minutes = models.PositiveIntegerField("布场（分钟）", default=15)
    teardown_minutes = models.PositiveIntegerField("撤场（分钟）", default=15)
    active = models.BooleanField("启用", default=True)
    order = models.PositiveIntegerField("排序", default=100)
    notes = models.TextField("说明", blank=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = verbose_name_plural = "会议室"
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="room_capacity_positive"),
            models.CheckConstraint(
                condition=Q(bookable_until__gt=models.F("bookable_from")), name="room_hours_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def location(self) -> str:
        """Room with building and floor, as printed on notices and calendar entries."""
        parts = [self.building, f"{self.floor}楼" if self.floor else "", self.name]
        return " ".join(p for p in parts if p)


class VcKind(models.TextChoices):
    VIRTUAL_ROOM = "virtual_room", "MCU 虚拟会议室"
    TERMINAL = "terminal", "视频会议终端"


class VcResource(models.Model):
    """A video-conference resource: a virtual room on the office MCU or a room's terminal.

    Virtual rooms are a pool of fixed numbers that meetings book like rooms; a terminal
    sits in a room (`room`) and is what makes that room usable as a 分会场.
    """

    kind = models.CharField("类型", max_length=20, choices=VcKind.choices)
    name = models.CharField("名称", max_length=100)
    number = models.CharField("会议号/终端号", max_length=50, blank=True)
    password = models.CharField("入会密码", max_length=50, blank=True)
    capacity = models.PositiveIntegerField("最大方数", null=True, blank=True)
    room = models.ForeignKey(
        Room,
        verbose_name="所在会议室",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vc_resources",
    )
    active = models.BooleanField("启用", default=True)
    order = models.PositiveIntegerField("排序", default=100)
    notes = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        ordering = ["kind", "order", "number", "name"]
        verbose_name = verbose_name_plural = "视频会议资源"
        constraints = [
            # A pool number can exist only once: two meetings must never share it.
            models.UniqueConstraint(
                fields=["number"],
                condition=Q(kind="virtual_room"),
                name="vc_virtual_room_number_unique",
                violation_error_message="号池中已有这个会议号：两个 MCU 虚拟会议室不能共用一个号",
            ),
            models.CheckConstraint(
                condition=~Q(kind="terminal") | Q(room__isnull=False),
                name="vc_terminal_has_room",
                violation_error_message="视频会议终端须指定所在会议室",
            ),
            models.CheckConstraint(
                condition=~Q(kind="virtual_room") | ~Q(number=""),
                name="vc_virtual_room_has_number",
                violation_error_message="MCU 虚拟会议室须填写会议号",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）" if self.number else self.name


class RoomLayout(models.Model):
    """A room's seat layout: a generator kind from rooms/layouts.py and its parameters.

    Seats are not stored one by one: the generator expands (kind, params) into seats with
    ids and coordinates, so a layout is a few numbers an admin can edit, and a meeting can
    copy and adjust them (meetings.SeatingPlan.params).
    """

    room = models.ForeignKey(
        Room, verbose_name="会议室", on_delete=models.CASCADE, related_name="layouts"
    )
    name = models.CharField("名称", max_length=100)
    kind = models.CharField("布局", max_length=20, choices=Layout.choices)
    params = models.JSONField("参数", default=dict, blank=True)
    is_default = models.BooleanField("默认", default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["room", "-is_default", "name"]
        verbose_name = verbose_name_plural = "座位布局"
        constraints = [
            models.UniqueConstraint(fields=["room", "name"], name="roomlayout_name_unique"),
            models.UniqueConstraint(
                fields=["room"], condition=Q(is_default=True), name="roomlayout_one_default"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.room.name} · {self.name}"
