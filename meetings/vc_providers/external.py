"""`external`: a link or dial-in copied from an upstream notice (腾讯会议, 政务视频会议).

Nothing is allocated; the details are checked and stored. A link must be an http(s)
URL (it becomes a clickable link on pages and in calendars, so `javascript:` and the
like never get through); a meeting number or dial-in string is digits and separators.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from core.exceptions import InvalidInput
from meetings.models import VcLink
from meetings.vc_providers.base import VcBackend, VcRequest

# 腾讯会议 "123 456 789", 政务视频会议 "0871-12345678", "10.1.2.3##8001", "+86 10 1234,,8001#".
_DIALABLE = re.compile(r"[0-9+(][0-9 \-#*,.()+]*")
_MIN_DIGITS = 3
MAX_URL = 500
MAX_NUMBER = 50
MAX_PASSWORD = 50
MAX_DIAL_IN = 200


def _dialable(value: str, *, field: str, label: str, max_length: int) -> str:
    if len(value) > max_length:
        raise InvalidInput(f"{label}不能超过 {max_length} 个字符", field=field)
    if not _DIALABLE.fullmatch(value) or sum(c.isdigit() for c in value) < _MIN_DIGITS:
        raise InvalidInput(
            f"{label}只能由数字和分隔符（空格 - # * , . + 括号）组成，如 123 456 789",
            field=field,
        )
    return value


class ExternalBackend(VcBackend):
    code = "external"
    label = "上级/外部会议号"

    def validate(self, request: VcRequest) -> VcRequest:
        url, number, dial_in, password = (
            request.url,
            request.number,
            request.dial_in,
            request.password,
        )
        if not (url or number or dial_in):
            raise InvalidInput("请填写上级通知中的入会链接、会议号或拨入号码", field="vc.url")
        if url:
            if len(url) > MAX_URL:
                raise InvalidInput(f"入会链接不能超过 {MAX_URL} 个字符", field="vc.url")
            try:
                URLValidator(schemes=["http", "https"])(url)
            except ValidationError:
                raise InvalidInput(
                    "入会链接须为 http:// 或 https:// 开头的完整网址；会议号请填在“会议号”栏",
                    field="vc.url",
                ) from None
        if number:
            _dialable(number, field="vc.number", label="会议号", max_length=MAX_NUMBER)
        if dial_in:
            _dialable(dial_in, field="vc.dial_in", label="拨入号码", max_length=MAX_DIAL_IN)
        if len(password) > MAX_PASSWORD:
            raise InvalidInput(f"入会密码不能超过 {MAX_PASSWORD} 个字符", field="vc.password")
        return request

    def create(self, link: VcLink, *, request: VcRequest, now: dt.datetime) -> None:
        link.resource = None
        link.room_name = ""
        link.url = request.url
        link.number = request.number
        link.password = request.password
        link.dial_in = request.dial_in

    def update(self, link: VcLink, *, now: dt.datetime) -> None:
        """Nothing to do: the upstream conference is where it is; the interval follows."""

    def cancel(self, link: VcLink, *, now: dt.datetime) -> None:
        """Nothing to do: the upstream conference is not ours to cancel."""
