"""Typed domain errors.

Each has a stable `code`, a human message (Chinese, for staff) and `details`. The API
turns them into `{"code", "message", "details"}` with their `status`; HTML forms show
the same message.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises on purpose."""

    status = 400
    code = "error"
    default_message = "请求无法处理"

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None):
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class InvalidInput(DomainError):
    """Input that passes the schema but breaks a rule (422)."""

    status = 422
    code = "invalid"
    default_message = "输入有误"

    def __init__(
        self, message: str, *, field: str | None = None, details: dict[str, Any] | None = None
    ):
        details = dict(details or {})
        if field:
            details.setdefault("errors", [{"field": field, "message": message}])
        super().__init__(message, details=details)


class NotFound(DomainError):
    status = 404
    code = "not_found"
    default_message = "对象不存在"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"
    default_message = "没有权限执行此操作"


class Conflict(DomainError):
    status = 409
    code = "conflict"
    default_message = "与现有安排冲突"


class BookingConflict(Conflict):
    """The room (or another exclusive resource) is taken: never overridable."""

    code = "booking_conflict"
    default_message = "会议室在该时段已被占用"


class SoftConflict(Conflict):
    """Warnings that the requester may acknowledge (person busy, capacity, hours)."""

    code = "soft_conflict"
    default_message = "存在需要确认的冲突提示"


class InvalidTransition(Conflict):
    code = "invalid_state"
    default_message = "当前状态下不能执行此操作"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
    default_message = "尝试次数过多，请稍后再试"


class VcPoolExhausted(Conflict):
    """Every number of the office MCU pool is taken for the wanted time (409)."""

    code = "vc_pool_exhausted"
    default_message = "MCU 号池在该时段已无空闲会议号"


class VcUnavailable(InvalidInput):
    """The chosen video-conference provider is unknown or not configured (422)."""

    code = "vc_unavailable"


class NotEnoughSeats(InvalidInput):
    """More people than seats: never a silent drop (DESIGN §5)."""

    code = "not_enough_seats"


class FontUnavailable(DomainError):
    """No usable embeddable CJK font: the office must install one (DESIGN §6)."""

    status = 503
    code = "fonts_unavailable"
    default_message = (
        "没有可用的中文 TrueType 字体。请安装：apt-get install fonts-wqy-microhei "
        "fonts-lxgw-wenkai，或用 FONT_HEI/FONT_KAI/FONT_SONG/FONT_FANGSONG 指定字体文件"
    )


class GlyphsMissing(InvalidInput):
    """Characters that no font of the chain has: report them, never print blanks."""

    code = "glyphs_missing"


class TextDoesNotFit(InvalidInput):
    """Text that overflows its box even at the smallest allowed size."""

    code = "text_does_not_fit"
