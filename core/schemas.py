"""Shared pieces of the API schemas: strict input, local times, ids and the error shape.

Input schemas forbid unknown fields and refuse control characters, so a typo in a
field name or a stray NUL byte is a 422 naming the field, never a silent no-op or a
database error.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from core.names import user_display_name
from core.timeutil import local_tz, make_aware_local

# Far inside SQLite's and PostgreSQL's bigint, and exact in JavaScript numbers; a larger
# id would make SQLite raise OverflowError (a 500) instead of "not found".
MAX_ID = 2**53

LOCAL_TIME_DOC = (
    "ISO 8601. A time without an offset is Asia/Shanghai local time "
    "(2026-12-01T09:00 = 09:00 Beijing time); output always carries +08:00."
)

_EARLIEST_YEAR = 2000
_LATEST_YEAR = 2100
# The UTC offsets in real use (Baker Island … Line Islands). PostgreSQL refuses
# timestamps with offsets beyond ±15:59 ("time zone displacement out of range").
_MIN_OFFSET = dt.timedelta(hours=-12)
_MAX_OFFSET = dt.timedelta(hours=14)
# "1796000000" in a query string: pydantic would read it as a Unix timestamp.
_NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")


def _only_text_or_datetime(value: Any) -> Any:
    # pydantic would read a number, or a string of digits, as a Unix timestamp;
    # nobody means that here.
    if isinstance(value, dt.datetime) or (isinstance(value, str) and not _NUMBER.fullmatch(value)):
        return value
    raise PydanticCustomError("datetime_type", "不是有效的时间")


def _local_in_range(value: dt.datetime) -> dt.datetime:
    value = make_aware_local(value)
    offset = value.utcoffset()
    if offset is not None and not _MIN_OFFSET <= offset <= _MAX_OFFSET:
        raise PydanticCustomError("datetime_offset", "时区偏移须在 -12:00 至 +14:00 之间")
    # Outside this range the buffers and the UTC conversion could overflow datetime.
    if not _EARLIEST_YEAR <= value.year <= _LATEST_YEAR:
        raise PydanticCustomError(
            "datetime_range", f"时间须在 {_EARLIEST_YEAR}–{_LATEST_YEAR} 年之间"
        )
    # Same instant, in the office's zone: what every later step and every answer uses.
    return value.astimezone(local_tz())


# A datetime as the office means it: naive → Beijing time; aware → the same instant in
# Beijing time (offsets −12:00…+14:00 only; digits alone are not a Unix timestamp).
LocalDateTime = Annotated[
    dt.datetime, BeforeValidator(_only_text_or_datetime), AfterValidator(_local_in_range)
]

# An id in a JSON body: a real integer ("5" is a type error), in range.
BodyId = Annotated[int, Field(strict=True, ge=1, le=MAX_ID)]
# An id in a path or query string, where everything arrives as text.
ParamId = Annotated[int, Field(ge=1, le=MAX_ID)]


def _has_control_chars(value: Any) -> bool:
    """Control characters in a string, or in any string inside a list or dict."""
    if isinstance(value, str):
        return any(ord(c) < 32 and c not in "\n\r\t" for c in value)
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_control_chars(v) for v in value)
    if isinstance(value, dict):
        return any(_has_control_chars(k) or _has_control_chars(v) for k, v in value.items())
    return False


def _refuse_control_chars(value: Any) -> Any:
    # PostgreSQL refuses NUL in text (a 500 if it reaches a query); other control
    # characters only corrupt prints. Lists of strings (equipment codes) count too.
    if _has_control_chars(value):
        raise PydanticCustomError("control_chars", "不能包含控制字符")
    return value


class InputSchema(Schema):
    """Base of every request body: unknown fields and control characters are errors."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_chars(cls, value: Any) -> Any:
        return _refuse_control_chars(value)


class QuerySchema(Schema):
    """Base of query-string filters: control characters are errors, as in bodies.

    Unknown parameters are ignored (links and caches add their own), but a `%00` in a
    search text must be a 422, not a database error on PostgreSQL.
    """

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_chars(cls, value: Any) -> Any:
        return _refuse_control_chars(value)


def reject_null(value: Any) -> Any:
    """For PATCH fields that may be omitted but not set to null."""
    if value is None:
        raise PydanticCustomError("not_null", "不能为 null")
    return value


class ErrorOut(Schema):
    """Every error: a stable code, a message for people, and details for programs."""

    code: str = Field(..., examples=["invalid"])
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class UserRef(Schema):
    id: int
    username: str
    name: str


def user_ref(user: Any) -> dict[str, Any] | None:
    """A user as other people see them: their directory name when they have one."""
    if user is None:
        return None
    name = user_display_name(user)
    return {"id": user.pk, "username": user.username, "name": name}
