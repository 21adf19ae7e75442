"""Forms of series (重复) and find-a-time: they only parse; meetings/series.py and
meetings/slots.py decide."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone

from core.models import Person
from core.timeutil import localtime
from meetings.forms import MeetingForm, grouped_people
from meetings.recurrence import WEEKDAY_LABELS, WEEKDAYS
from meetings.slots import MAX_PEOPLE, MAX_WINDOW, RoomNeeds
from rooms.models import Equipment, Layout

NO_REPEAT = "none"
KEEP = "keep"
REPEAT_CHOICES = [
    (NO_REPEAT, "不重复"),
    ("daily", "每天"),
    ("workdays", "每个工作日"),
    ("weekly", "每周"),
    ("monthly_date", "每月（按日期）"),
    ("monthly_weekday", "每月（按星期）"),
]
END_CHOICES = [
    ("count", "共几次"),
    ("until", "截止日期"),
    ("none", "不设截止（排到一年为止）"),
]


def _ordinal(day: dt.date) -> int:
    """Which weekday of its month `day` is: 1–4, or -1 for the last (a 5th is the last)."""
    n = (day.day - 1) // 7 + 1
    last = (day + dt.timedelta(days=7)).month != day.month
    return -1 if last and n >= 4 else n


class RecurrenceForm(forms.Form):
    """The 重复 section of the booking form; `editing` offers "keep the rule" first."""

    repeat = forms.ChoiceField(
        label="重复",
        choices=REPEAT_CHOICES,
        initial=NO_REPEAT,
        required=False,
        help_text="按日期如每月15日；按星期如每月第二个周三",
    )
    repeat_interval = forms.IntegerField(
        label="间隔",
        min_value=1,
        max_value=52,
        initial=1,
        required=False,
        help_text="每隔几天/周/月",
    )
    repeat_weekdays = forms.MultipleChoiceField(
        label="星期",
        choices=[
            (code, f"周{label}") for code, label in zip(WEEKDAYS, WEEKDAY_LABELS, strict=True)
        ],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="不选则为首次会议那天的星期",
    )
    repeat_end = forms.ChoiceField(
        label="结束", choices=END_CHOICES, initial="count", required=False
    )
    repeat_count = forms.IntegerField(
        label="次数", min_value=1, max_value=200, initial=10, required=False
    )
    repeat_until = forms.DateField(
        label="截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    skip_holidays = forms.BooleanField(label="跳过法定节假日", initial=True, required=False)
    include_adjusted_workdays = forms.BooleanField(
        label="调休上班日照常开会",
        required=False,
        help_text="因放假跳过的那次，改在与之对调的调休上班日（如 10月10日 周六顶 10月7日 周三）",
    )

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        if editing:
            field = self.fields["repeat"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [(KEEP, "（不修改重复规则）"), *REPEAT_CHOICES[1:]]
            field.initial = KEEP
            field.label = "重复规则"

    def wanted(self) -> bool:
        """A new rule is asked for (a series to book, or a new rule for an edit)."""
        value = (self.data.get("repeat") if self.is_bound else self.initial.get("repeat")) or ""
        return value not in ("", NO_REPEAT, KEEP)

    def rrule(self, first: dt.date) -> str:
        """The RRULE of the choices, anchored on the first date; checked by the service."""
        data = self.cleaned_data
        kind = data.get("repeat")
        interval = data.get("repeat_interval") or 1
        parts: list[str]
        if kind == "daily":
            parts = ["FREQ=DAILY"]
        elif kind == "workdays":
            parts = ["FREQ=DAILY", "BYDAY=MO,TU,WE,TH,FR"]
            interval = 1
        elif kind == "weekly":
            days = data.get("repeat_weekdays") or [WEEKDAYS[first.weekday()]]
            parts = ["FREQ=WEEKLY", "BYDAY=" + ",".join(d for d in WEEKDAYS if d in days)]
        elif kind == "monthly_date":
            parts = ["FREQ=MONTHLY", f"BYMONTHDAY={first.day}"]
        else:
            parts = ["FREQ=MONTHLY", f"BYDAY={_ordinal(first)}{WEEKDAYS[first.weekday()]}"]
        if interval > 1:
            parts.append(f"INTERVAL={interval}")
        end = data.get("repeat_end") or "count"
        if end == "count":
            parts.append(f"COUNT={data.get('repeat_count') or 10}")
        elif end == "until":
            until = data.get("repeat_until")
            if until is None:
                raise forms.ValidationError("请填写截止日期")
            parts.append(f"UNTIL={until:%Y%m%d}")
        return ";".join(parts)


def recurrence_form(request: Any, *, editing: bool = False) -> RecurrenceForm:
    """Bound to the posted form when there is one, so a re-shown form keeps the choices."""
    if request.method == "POST":
        return RecurrenceForm(request.POST, editing=editing)
    return RecurrenceForm(editing=editing)


class SeriesEditForm(MeetingForm):
    """Edit a series (all, or this and following): the booking form without a date —
    each occurrence keeps its own day — and without the VC choice (per occurrence)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in (
            "date",
            "vc_wanted",
            "vc_provider",
            "vc_url",
            "vc_number",
            "vc_password",
            "vc_dial_in",
        ):
            self.fields.pop(name, None)

    def interval(self) -> tuple[dt.datetime, dt.datetime] | None:
        return None


# --- find-a-time ------------------------------------------------------------------------------


DURATIONS = [
    (30, "30 分钟"),
    (60, "1 小时"),
    (90, "1.5 小时"),
    (120, "2 小时"),
    (180, "3 小时"),
    (240, "半天（4 小时）"),
]


class SlotSearchForm(forms.Form):
    """找时间: people, a duration, a window of days, hours, and what the room needs."""

    people = forms.ModelMultipleChoiceField(
        label="参会人员",
        queryset=Person.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 12}),
        help_text=f"按住 Ctrl 可多选，最多 {MAX_PEOPLE} 人；县领导在前",
    )
    duration = forms.TypedChoiceField(label="时长", choices=DURATIONS, coerce=int, initial=60)
    window_start = forms.DateField(
        label="从", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    window_end = forms.DateField(
        label="到（含）", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    hours_from = forms.TimeField(
        label="每天从", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    hours_to = forms.TimeField(
        label="每天到", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    working_days_only = forms.BooleanField(label="只在工作日（含调休上班日）", required=False)
    min_capacity = forms.IntegerField(label="至少容纳", min_value=1, max_value=5000, required=False)
    equipment = forms.ModelMultipleChoiceField(
        label="设备",
        queryset=Equipment.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    vc_terminal = forms.BooleanField(label="须有视频会议终端", required=False)
    layout = forms.ChoiceField(
        label="布局", choices=[("", "（不限）"), *Layout.choices], required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = Person.objects.filter(active=True).select_related("unit")
        self.fields["people"].choices = grouped_people(people)  # type: ignore[attr-defined]

    @classmethod
    def defaults(cls) -> dict[str, Any]:
        today = localtime(timezone.now()).date()
        return {
            "duration": 60,
            "window_start": today,
            "window_end": today + dt.timedelta(days=13),
            "hours_from": settings.WORKDAY_START,
            "hours_to": settings.WORKDAY_END,
            "working_days_only": True,
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        people = data.get("people") or []
        if len(people) > MAX_PEOPLE:
            self.add_error("people", f"最多选择 {MAX_PEOPLE} 人")
        start, end = data.get("window_start"), data.get("window_end")
        if start and end:
            if end < start:
                self.add_error("window_end", "结束日期不能早于开始日期")
            elif (end - start) >= MAX_WINDOW:
                self.add_error("window_end", f"查找范围不能超过 {MAX_WINDOW.days} 天")
        return data

    def needs(self) -> RoomNeeds:
        data = self.cleaned_data
        return RoomNeeds(
            min_capacity=data.get("min_capacity") or 1,
            equipment=tuple(e.code for e in data.get("equipment") or []),
            vc_terminal=bool(data.get("vc_terminal")),
            layout=data.get("layout") or "",
        )
