"""The form on 我的日程 that creates a calendar feed."""

from __future__ import annotations

from typing import Any

from django import forms

from meetings.feeds import MAX_NAME_LENGTH
from meetings.models import FeedPrivacy

ALARM_CHOICES = [
    ("", "不提醒"),
    ("0", "会议开始时"),
    ("15", "提前 15 分钟"),
    ("30", "提前 30 分钟"),
    ("60", "提前 1 小时"),
    ("120", "提前 2 小时"),
    ("1440", "提前 1 天"),
]


def _minutes(value: Any) -> int | None:
    return None if value in ("", None) else int(value)


class FeedForm(forms.Form):
    name = forms.CharField(
        label="名称",
        max_length=MAX_NAME_LENGTH,
        required=False,
        help_text="便于以后认出这个订阅，如：县长的手机、办公室 Outlook",
        widget=forms.TextInput(attrs={"placeholder": "如：县长的手机"}),
    )
    privacy = forms.ChoiceField(
        label="显示内容",
        choices=FeedPrivacy.choices,
        initial=FeedPrivacy.FULL,
        widget=forms.RadioSelect,
        help_text="“仅显示忙碌”只显示时间和“内部会议”，适合给不该看到会议内容的设备",
    )
    alarm_minutes = forms.TypedChoiceField(
        label="提醒",
        choices=ALARM_CHOICES,
        coerce=_minutes,
        empty_value=None,
        required=False,
        help_text="有的客户端会忽略订阅日历的提醒（如 iPhone 默认“移除提醒”，可在设置中关闭）",
    )
