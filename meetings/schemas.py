"""Shapes of meetings and availability in the API (DESIGN §3).

Input is strict: unknown fields, wrong types, over-long text and out-of-range numbers
are 422s naming the field. Times without an offset are Asia/Shanghai local time.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Field, Schema
from pydantic import field_validator

from core.schemas import (
    LOCAL_TIME_DOC,
    BodyId,
    InputSchema,
    LocalDateTime,
    ParamId,
    QuerySchema,
    UserRef,
    reject_null,
)

KindCode = Literal[
    "executive",
    "topic",
    "teleconference",
    "symposium",
    "courtesy_call",
    "talks",
    "banquet",
    "inspection",
    "event",
    "other",
]
RoleCode = Literal["chair", "attend", "sit_in", "staff", "guest"]
ConfidentialityCode = Literal["normal", "confidential"]
SoftCode = Literal["person_busy", "over_capacity", "outside_hours"]
StatusCode = Literal["draft", "pending", "approved", "rejected", "cancelled"]
BranchCode = Literal["national", "provincial", "municipal"]
MAX_LINK_TEST_MINUTES = 240
_BRANCH_DOC = (
    "分会场：本会议为上级电视电话会议的分会场时填写级别（national 国家级、provincial 省级、"
    "municipal 市级）；须为电视电话会议，会议室须有视频会议终端；优先级自动为上级会议"
)
_LINK_TEST_DOC = "分会场开会前的联调分钟数（在布场之后、开始之前）；null 用系统默认"
MAX_REMINDER_MINUTES = 1440
_REMINDER_DOC = "会前提醒：开会前多少分钟按各人的通知方式提醒参会人员（1–1440）；null 不提醒"

MAX_BUFFER_MINUTES = 240
MAX_ATTENDANCE = 5000
MAX_ATTENDEES = 500

_PREEMPT_DOC = (
    "仅会务管理员：确认优先调整。会议室被较低优先级的会议占用时（409 的 details.preemption 列出"
    "这些会议及建议的去向），这些会议改到建议的空闲会议室，没有合适的则取消，并通知其承办人"
)
_ACK_DOC = (
    "要确认的冲突提示代码：person_busy（人员时间冲突）、over_capacity（超出容量）、"
    "outside_hours（超出可预订时间）"
)


# --- input --------------------------------------------------------------------------------


class AttendeeIn(InputSchema):
    person_id: BodyId
    role: RoleCode = "attend"


class VcIn(InputSchema):
    """A video-conference link to book: a provider and, for `external`, the join details."""

    provider: str = Field(
        "",
        max_length=40,
        strict=True,
        description="pool（本单位 MCU 号池）、jitsi（自建 Jitsi Meet）、"
        "external（上级/外部会议号）；省略用系统默认",
    )
    url: str = Field(
        "", max_length=500, strict=True, description="external：入会链接（http/https）"
    )
    number: str = Field("", max_length=50, strict=True, description="external：会议号（数字）")
    password: str = Field("", max_length=50, strict=True, description="external：入会密码")
    dial_in: str = Field("", max_length=200, strict=True, description="external：拨入号码")


class MeetingIn(InputSchema):
    title: str = Field(..., min_length=1, max_length=200, strict=True)
    kind: KindCode = "topic"
    priority: int | None = Field(
        None,
        ge=1,
        le=3,
        strict=True,
        description="1 一般会议、2 重要会议、3 上级会议；null 按类型默认",
    )
    start: LocalDateTime = Field(..., description=LOCAL_TIME_DOC)
    end: LocalDateTime = Field(..., description=LOCAL_TIME_DOC)
    room_id: BodyId | None = Field(None, description="会议室；为空时须填写 place")
    place: str = Field("", max_length=200, strict=True, description="室外或外出地点")
    setup_minutes: int | None = Field(
        None, ge=0, le=MAX_BUFFER_MINUTES, strict=True, description="布场分钟数；null 用会议室默认"
    )
    teardown_minutes: int | None = Field(
        None, ge=0, le=MAX_BUFFER_MINUTES, strict=True, description="撤场分钟数；null 用会议室默认"
    )
    confidentiality: ConfidentialityCode = "normal"
    description: str = Field("", max_length=5000, strict=True)
    expected_attendance: int | None = Field(None, ge=0, le=MAX_ATTENDANCE, strict=True)
    attendees: list[AttendeeIn] = Field(default_factory=list, max_length=MAX_ATTENDEES)
    acknowledge: list[SoftCode] = Field(default_factory=list, max_length=3, description=_ACK_DOC)
    submit: bool = Field(True, strict=True, description="false：存为草稿，不占用会议室")
    branch_of: BranchCode | None = Field(None, description=_BRANCH_DOC)
    link_test_minutes: int | None = Field(
        None, ge=0, le=MAX_LINK_TEST_MINUTES, strict=True, description=_LINK_TEST_DOC
    )
    vc: VcIn | None = Field(
        None, description="同时预订视频会议；订不到时会议室也不预订（反之亦然）"
    )
    reminder_minutes: int | None = Field(
        None, ge=1, le=MAX_REMINDER_MINUTES, strict=True, description=_REMINDER_DOC
    )
    preempt: bool = Field(False, strict=True, description=_PREEMPT_DOC)


class MeetingPatch(InputSchema):
    """Every field optional; `attendees`, when given, replaces the whole roster."""

    title: str | None = Field(None, min_length=1, max_length=200, strict=True)
    kind: KindCode | None = None
    priority: int | None = Field(
        None, ge=1, le=3, strict=True, description="null 或省略：保持不变（改类型时用新类型的默认）"
    )
    start: LocalDateTime | None = Field(None, description=LOCAL_TIME_DOC)
    end: LocalDateTime | None = Field(None, description=LOCAL_TIME_DOC)
    room_id: BodyId | None = Field(None, description="null：不用会议室（须有 place）")
    place: str | None = Field(None, max_length=200, strict=True)
    setup_minutes: int | None = Field(None, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    teardown_minutes: int | None = Field(None, ge=0, le=MAX_BUFFER_MINUTES, strict=True)
    confidentiality: ConfidentialityCode | None = None
    description: str | None = Field(None, max_length=5000, strict=True)
    expected_attendance: int | None = Field(None, ge=0, le=MAX_ATTENDANCE, strict=True)
    attendees: list[AttendeeIn] | None = Field(None, max_length=MAX_ATTENDEES)
    acknowledge: list[SoftCode] = Field(default_factory=list, max_length=3, description=_ACK_DOC)
    submit: bool | None = Field(None, strict=True, description="true：同时提交草稿")
    branch_of: BranchCode | Literal[""] | None = Field(
        None, description=_BRANCH_DOC + "；null 或空串：不再是分会场"
    )
    link_test_minutes: int | None = Field(
        None, ge=0, le=MAX_LINK_TEST_MINUTES, strict=True, description=_LINK_TEST_DOC
    )
    vc: VcIn | None = Field(
        None,
        description="预订或更换视频会议（与修改一起生效）；null：释放视频会议；省略：不变",
    )
    reminder_minutes: int | None = Field(
        None, ge=1, le=MAX_REMINDER_MINUTES, strict=True, description=_REMINDER_DOC + "；省略：不变"
    )
    preempt: bool = Field(False, strict=True, description=_PREEMPT_DOC)

    @field_validator(
        "title",
        "kind",
        "start",
        "end",
        "place",
        "confidentiality",
        "description",
        "attendees",
        "submit",
    )
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # These may be left out but not emptied with null; nullable fields are the others.
        return reject_null(value)


class ActionIn(InputSchema):
    """Body of /submit."""

    acknowledge: list[SoftCode] = Field(default_factory=list, max_length=3, description=_ACK_DOC)


class CancelIn(InputSchema):
    reason: str = Field("", max_length=500, strict=True)


class DecisionIn(InputSchema):
    note: str = Field("", max_length=500, strict=True, description="驳回时必填")


class MeetingFilter(QuerySchema):
    start: LocalDateTime | None = Field(None, description="会议结束晚于此时间。" + LOCAL_TIME_DOC)
    end: LocalDateTime | None = Field(None, description="会议开始早于此时间。" + LOCAL_TIME_DOC)
    room_id: ParamId | None = None
    person_id: ParamId | None = Field(None, description="参会人员")
    status: str = Field("", max_length=100, description="逗号分隔，如 pending,approved")
    mine: bool = Field(False, description="我承办、我参加或我所服务的领导参加的会议")
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class PeriodFilter(QuerySchema):
    start: LocalDateTime = Field(..., description=LOCAL_TIME_DOC)
    end: LocalDateTime = Field(..., description=LOCAL_TIME_DOC + " 与 start 相距不超过 31 天")


class FreeRoomFilter(PeriodFilter):
    capacity: int = Field(1, ge=1, le=MAX_ATTENDANCE, description="至少容纳人数")
    equipment: str = Field(
        "", max_length=500, description="逗号分隔的设备代码，如 vc_terminal,projector"
    )


# --- output -------------------------------------------------------------------------------


class RoomRef(Schema):
    id: int
    name: str
    location: str


class AttendeeOut(Schema):
    person_id: int | None = Field(..., description="名录人员；临时人员（嘉宾等）为 null")
    name: str
    title: str
    unit: str
    role: str
    role_label: str


class VcOut(Schema):
    provider: str = Field(..., description="pool、jitsi、external 或其他已配置的方式")
    provider_label: str
    url: str
    number: str
    password: str
    dial_in: str
    room_name: str
    masked: bool = Field(..., description="true：内部会议，入会信息已隐去")


class VcProviderOut(Schema):
    code: str
    label: str
    default: bool
    usable: bool = Field(..., description="false：设置不完整，暂不能选")
    problems: list[str]


class MeetingOut(Schema):
    id: int
    title: str = Field(..., description="看不到内部会议详情时为“内部会议”")
    kind: str
    kind_label: str
    priority: int
    priority_label: str
    start: dt.datetime
    end: dt.datetime
    occupied_start: dt.datetime = Field(..., description="含布场")
    occupied_end: dt.datetime = Field(..., description="含撤场")
    room: RoomRef | None
    place: str
    location: str
    status: str
    status_label: str
    organizer: UserRef | None
    confidentiality: str
    masked: bool = Field(..., description="true：内部会议，标题、说明、人员已隐去")
    description: str
    expected_attendance: int | None
    attendees: list[AttendeeOut]
    hold_expires_at: dt.datetime | None = Field(..., description="待审批预留的截止时间")
    acknowledged_conflicts: list[dict[str, Any]]
    sequence: int
    created_at: dt.datetime
    updated_at: dt.datetime
    can_edit: bool
    branch_of: str = Field(..., description="分会场的上级会议级别；空串：不是分会场")
    branch_of_label: str
    link_test_minutes: int | None
    link_test_start: dt.datetime | None = Field(..., description="分会场联调开始时间")
    reminder_minutes: int | None = Field(None, description="会前提醒分钟数；null 不提醒")
    vc: VcOut | None = Field(..., description="视频会议；没有时为 null")
    series_id: int | None = Field(None, description="所属系列会议；单次会议为 null")
    recurrence_id: dt.datetime | None = Field(None, description="系列中按规则的原定开始")
    is_exception: bool = Field(False, description="系列中单独修改过的一次")


class MeetingListOut(Schema):
    items: list[MeetingOut]
    count: int
    limit: int
    offset: int


class BusyOut(Schema):
    meeting_id: int
    title: str
    masked: bool
    status: str
    start: dt.datetime
    end: dt.datetime
    occupied_start: dt.datetime
    occupied_end: dt.datetime


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime


class RoomAvailabilityOut(Schema):
    room: RoomRef
    start: dt.datetime
    end: dt.datetime
    busy: list[BusyOut]
    free: list[SlotOut] = Field(
        ..., description="该时段内、可预订时间内未被占用（含布场撤场）的时间段"
    )


class FreeRoomOut(Schema):
    id: int
    name: str
    location: str
    capacity: int
    layout: str
    equipment: list[str]
    needs_approval: bool


class FreeRoomsOut(Schema):
    start: dt.datetime
    end: dt.datetime
    rooms: list[FreeRoomOut]
