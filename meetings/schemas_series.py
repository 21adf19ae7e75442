"""Shapes of series (系列会议) and find-a-time in the API.

Strict like meetings/schemas.py: unknown fields, wrong types and out-of-range numbers
are 422s naming the field; times without an offset are Asia/Shanghai local time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import ConfigDict, field_validator

from core.schemas import (
    LOCAL_TIME_DOC,
    BodyId,
    InputSchema,
    LocalDateTime,
    ParamId,
    QuerySchema,
    UserRef,
)
from meetings.schemas import (
    _ACK_DOC,
    _BRANCH_DOC,
    _LINK_TEST_DOC,
    _REMINDER_DOC,
    MAX_ATTENDANCE,
    MAX_ATTENDEES,
    MAX_BUFFER_MINUTES,
    MAX_LINK_TEST_MINUTES,
    MAX_REMINDER_MINUTES,
    AttendeeIn,
    BranchCode,
    ConfidentialityCode,
    KindCode,
    RoomRef,
    SoftCode,
    VcIn,
)

LayoutCode = Literal["rostrum", "long_table", "u_shape", "round", "classroom", "reception"]
_RRULE_DOC = (
    "RFC 5545 重复规则，如 FREQ=WEEKLY;BYDAY=MO;COUNT=10（每周一，共10次）、"
    "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH;UNTIL=20270630、FREQ=MONTHLY;BYDAY=1MO（每月第一个周一）、"
    "FREQ=MONTHLY;BYMONTHDAY=15。支持 DAILY/WEEKLY/MONTHLY；不写 UNTIL/COUNT 时排到系列期限为止"
    "（SERIES_HORIZON_DAYS，默认 366 天，最多 200 次）"
)
_PREEMPT_DOC = (
    "会务管理员确认优先调整：冲突的较低优先级会议改到建议的会议室（无合适会议室则取消），"
    "并通知其承办人；409 的 details.preemption 给出将被调整的会议和去向"
)


class _SeriesFields(InputSchema):
    title: str = Field(..., min_length=1, max_length=200, strict=True)
    kind: KindCode = "topic"
    priority: int | None = Field(None, ge=1, le=3, strict=True, description="null 按类型默认")
    room_id: BodyId | None = Field(None, description="会议室；为空时须填写 place")
    place: str = Field("", max_length=200, strict=True)
    setup_minutes: int | None = Field(None, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    teardown_minutes: int | None = Field(None, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    confidentiality: ConfidentialityCode = "normal"
    description: str = Field("", max_length=5000, strict=True)
    expected_attendance: int | None = Field(None, ge=0, le=MAX_ATTENDANCE, strict=True)
    attendees: list[AttendeeIn] = Field(default_factory=list, max_length=MAX_ATTENDEES)
    branch_of: BranchCode | None = Field(None, description=_BRANCH_DOC)
    link_test_minutes: int | None = Field(
        None, ge=0, le=MAX_LINK_TEST_MINUTES, strict=True, description=_LINK_TEST_DOC
    )
    vc: VcIn | None = Field(None, description="每次会议各自预订视频会议")
    reminder_minutes: int | None = Field(
        None, ge=1, le=MAX_REMINDER_MINUTES, strict=True, description=_REMINDER_DOC
    )
    start: LocalDateTime = Field(..., description="首次会议开始。" + LOCAL_TIME_DOC)
    end: LocalDateTime = Field(..., description="首次会议结束（同一天）。" + LOCAL_TIME_DOC)
    rrule: str = Field(..., min_length=1, max_length=500, strict=True, description=_RRULE_DOC)
    skip_holidays: bool = Field(True, strict=True, description="跳过法定节假日")
    include_adjusted_workdays: bool = Field(
        False,
        strict=True,
        description="调休上班日照常：因放假跳过的那次改在与之对调的调休上班日"
        "（如 2026-10-10 周六顶 10-07 周三）",
    )
    acknowledge: list[SoftCode] = Field(default_factory=list, max_length=3, description=_ACK_DOC)


class SeriesIn(_SeriesFields):
    skip_conflicts: bool = Field(
        False,
        strict=True,
        description="true：有冲突的日期跳过（记入 skipped），其余照常预订；"
        "false：有冲突则 409 逐次列出",
    )


class SeriesPreviewIn(_SeriesFields):
    """The same body as POST /series; nothing is booked."""


class SeriesPatch(InputSchema):
    """Fields left out stay as they are; `attendees`, when given, replaces the roster."""

    title: str | None = Field(None, min_length=1, max_length=200, strict=True)
    kind: KindCode | None = None
    priority: int | None = Field(None, ge=1, le=3, strict=True)
    room_id: BodyId | None = Field(None, description="null：不用会议室（须有 place）")
    place: str | None = Field(None, max_length=200, strict=True)
    setup_minutes: int | None = Field(None, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    teardown_minutes: int | None = Field(None, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    confidentiality: ConfidentialityCode | None = None
    description: str | None = Field(None, max_length=5000, strict=True)
    expected_attendance: int | None = Field(None, ge=0, le=MAX_ATTENDANCE, strict=True)
    attendees: list[AttendeeIn] | None = Field(None, max_length=MAX_ATTENDEES)
    branch_of: BranchCode | Literal[""] | None = Field(None, description=_BRANCH_DOC)
    link_test_minutes: int | None = Field(None, ge=0, le=MAX_LINK_TEST_MINUTES, strict=True)
    reminder_minutes: int | None = Field(
        None, ge=1, le=MAX_REMINDER_MINUTES, strict=True, description=_REMINDER_DOC
    )
    start_time: dt.time | None = Field(
        None, description="新的开始时刻（如 10:00），各次会议仍在各自日期"
    )
    end_time: dt.time | None = Field(None, description="新的结束时刻；省略时保持时长")
    rrule: str | None = Field(
        None, min_length=1, max_length=500, strict=True, description="仅 scope=following：新规则"
    )
    skip_holidays: bool | None = Field(None, strict=True, description="仅 scope=following")
    include_adjusted_workdays: bool | None = Field(
        None, strict=True, description="仅 scope=following"
    )
    acknowledge: list[SoftCode] = Field(default_factory=list, max_length=3, description=_ACK_DOC)

    @field_validator("start_time", "end_time")
    @classmethod
    def _whole_minutes(cls, value: dt.time | None) -> dt.time | None:
        if value is not None and value.tzinfo is not None:
            raise ValueError("只填时刻（如 09:30），不带时区")
        return value.replace(second=0, microsecond=0) if value is not None else None


class SeriesScope(QuerySchema):
    scope: Literal["all", "following"] = Field(
        ...,
        description="all：全部未开始且未单独修改的会议；"
        "following：from 所指的那次及以后（拆分系列）",
    )
    from_: ParamId | None = Field(None, alias="from", description="scope=following 时：会议 id")

    model_config = ConfigDict(populate_by_name=True)


class RestoreIn(InputSchema):
    acknowledge: list[SoftCode] = Field(default_factory=list, max_length=3, description=_ACK_DOC)


# --- series output --------------------------------------------------------------------------


class OccurrenceOut(Schema):
    id: int
    title: str
    masked: bool
    start: dt.datetime
    end: dt.datetime
    recurrence_id: dt.datetime = Field(..., description="按规则的原定开始（RECURRENCE-ID）")
    status: str
    status_label: str
    is_exception: bool = Field(..., description="单独修改过：修改整个系列时保持不变")
    adjusted: bool = Field(..., description="不在规则原定日期举行（单独改期，或调休上班日）")
    room: RoomRef | None


class SkippedOut(Schema):
    date: dt.date
    start: dt.datetime | None
    reason: str = Field(..., description="holiday：法定节假日；conflict：创建时有冲突而跳过")
    reason_label: str
    conflicts: list[int]


class SeriesOut(Schema):
    id: int
    title: str
    masked: bool
    rrule: str
    rule_label: str = Field(..., description="如“每周一”")
    dtstart: dt.datetime
    duration_minutes: int
    until: dt.datetime | None
    count: int | None
    skip_holidays: bool
    include_adjusted_workdays: bool
    organizer: UserRef | None
    can_edit: bool
    occurrences: list[OccurrenceOut]
    skipped: list[SkippedOut]
    truncated: bool = Field(False, description="规则没有截止，排到系列期限或次数上限为止")
    split_from: int | None = Field(None, description="“本次及以后”修改时从哪个系列拆分出来")


class PreviewConflictOut(Schema):
    id: int
    title: str
    start: str
    end: str
    room: str | None
    status: str


class PreviewWarningOut(Schema):
    code: str
    message: str
    conflicts: list[dict[str, Any]]


class PreviewItemOut(Schema):
    date: dt.date
    start: dt.datetime
    end: dt.datetime
    adjusted: bool
    clash: bool
    conflicts: list[dict[str, Any]]
    warnings: list[PreviewWarningOut]


class SeriesPreviewOut(Schema):
    rrule: str
    rule_label: str
    truncated: bool
    total: int
    clashing: int
    occurrences: list[PreviewItemOut]
    holidays: list[dt.date] = Field(..., description="因法定节假日跳过的日期")


# --- find-a-time -------------------------------------------------------------------------------


class WindowIn(InputSchema):
    start: LocalDateTime = Field(..., description=LOCAL_TIME_DOC)
    end: LocalDateTime = Field(..., description="晚于 start，相距不超过 62 天。" + LOCAL_TIME_DOC)


class HoursIn(InputSchema):
    from_: dt.time = Field(..., alias="from", description="每天可选时段开始，如 08:30")
    to: dt.time = Field(..., description="每天可选时段结束，如 18:00")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class RoomNeedsIn(InputSchema):
    min_capacity: int = Field(1, ge=1, le=MAX_ATTENDANCE, strict=True)
    equipment: list[str] = Field(default_factory=list, max_length=20, description="设备代码")
    vc_terminal: bool = Field(False, strict=True, description="须有视频会议终端（分会场）")
    layout: LayoutCode | None = Field(None, description="布局：默认布局或已有的座位布局")


class SlotSearchIn(InputSchema):
    person_ids: list[BodyId] = Field(
        default_factory=list, max_length=50, description="须同时空闲的人员（最多 50 人）"
    )
    duration_minutes: int = Field(..., ge=15, le=720, strict=True)
    window: WindowIn
    working_hours: HoursIn | None = Field(None, description="省略：办公时间 08:30–18:00")
    working_days_only: bool = Field(True, strict=True, description="只在工作日（含调休上班日）")
    room: RoomNeedsIn | None = None
    limit: int = Field(20, ge=1, le=20, strict=True)


class SlotRoomOut(Schema):
    id: int
    name: str
    location: str
    capacity: int


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime
    room: SlotRoomOut = Field(..., description="最合适的会议室（空余座位最少）")
    rooms: list[SlotRoomOut] = Field(..., description="该时段空闲且合适的会议室，最合适的在前")
    book_url: str = Field(..., description="预订页面，已填好时间、会议室和人员")


class SlotsOut(Schema):
    slots: list[SlotOut]
    count: int
