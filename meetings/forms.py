"""The booking form (create and edit) and the small decision forms.

Forms only parse and shape input; the rules are in meetings.services, whose errors the
views put back onto these forms.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q

from core.models import Person
from core.timeutil import at_local, localtime
from meetings.models import BranchLevel, Confidentiality, Kind, Meeting
from meetings.models import Role as AttendeeRole
from meetings.notifications import REMINDER_CHOICES
from meetings.services import MAX_LINK_TEST_MINUTES, SOFT_CODES, AttendeeSpec
from meetings.vc import vc_details
from meetings.vc_providers import VcRequest, default_code
from meetings.vc_providers import choices as provider_choices
from rooms.models import Room

# Service error fields → form fields, so a message lands next to the input it is about.
SERVICE_FIELDS = {
    "title": "title",
    "start": "start_time",
    "end": "end_time",
    "room_id": "room",
    "room": "room",
    "attendees": "attendees",
    "expected_attendance": "expected_attendance",
    "setup_minutes": "setup_minutes",
    "teardown_minutes": "teardown_minutes",
    "branch_of": "branch_of",
    "link_test_minutes": "link_test_minutes",
    "vc": "vc_provider",
    "vc.provider": "vc_provider",
    "vc.url": "vc_url",
    "vc.number": "vc_number",
    "vc.password": "vc_password",
    "vc.dial_in": "vc_dial_in",
}

EXTERNAL = "external"

LEADERS_GROUP = "县领导"


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        note = "，需审批" if obj.needs_approval else ""
        return f"{obj.name}（{obj.capacity}人{note}）"


def grouped_people(people: Iterable[Person]) -> list[tuple[str, list[tuple[int, str]]]]:
    """Choices for a people select: county leaders first (by rank), then unit by unit."""
    people = list(people)
    leaders = sorted((p for p in people if p.is_leader), key=lambda p: (p.rank, p.name))
    others = sorted(
        (p for p in people if not p.is_leader),
        key=lambda p: (p.unit.order, p.unit.name, p.rank, p.name),
    )
    units: dict[str, list[tuple[int, str]]] = {}
    for p in others:
        units.setdefault(p.unit.name, []).append((p.pk, _person_label(p)))
    groups = [(LEADERS_GROUP, [(p.pk, _person_label(p)) for p in leaders])] if leaders else []
    return groups + list(units.items())


def _person_label(p: Person) -> str:
    return f"{p.name}（{p.title}）" if p.title else p.name


class MeetingForm(forms.Form):
    """Book or change a meeting: a room and a time on one day, the roster, the options."""

    title = forms.CharField(label="会议名称", max_length=200)
    kind = forms.ChoiceField(label="会议类型", choices=Kind.choices, initial=Kind.TOPIC)
    room = RoomChoiceField(
        label="会议室", queryset=Room.objects.none(), required=False, empty_label="（请选择会议室）"
    )
    place = forms.CharField(
        label="其他地点",
        max_length=200,
        required=False,
        help_text="不使用会议室时填写（如外出调研、现场观摩）",
    )
    date = forms.DateField(
        label="日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    start_time = forms.TimeField(
        label="开始", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end_time = forms.TimeField(
        label="结束", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    expected_attendance = forms.IntegerField(
        label="预计人数", min_value=1, max_value=5000, required=False
    )
    chair = forms.ModelChoiceField(
        label="主持", queryset=Person.objects.all(), required=False, empty_label="（无）"
    )
    attendees = forms.ModelMultipleChoiceField(
        label="参会人员",
        queryset=Person.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text="按住 Ctrl 可多选；县领导在前",
    )
    confidentiality = forms.ChoiceField(
        label="密级", choices=Confidentiality.choices, initial=Confidentiality.NORMAL
    )
    setup_minutes = forms.IntegerField(
        label="布场（分钟）",
        min_value=0,
        max_value=480,
        required=False,
        help_text="留空用会议室默认值",
    )
    teardown_minutes = forms.IntegerField(
        label="撤场（分钟）",
        min_value=0,
        max_value=480,
        required=False,
        help_text="留空用会议室默认值",
    )
    description = forms.CharField(
        label="说明", max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    acknowledge = forms.MultipleChoiceField(
        choices=[(c, c) for c in SOFT_CODES], required=False, widget=forms.MultipleHiddenInput
    )
    # --- video conference and 分会场 (DESIGN §8) ---
    vc_wanted = forms.BooleanField(label="需要视频会议", required=False)
    vc_provider = forms.ChoiceField(label="视频会议方式", required=False)
    vc_url = forms.CharField(
        label="入会链接",
        max_length=500,
        required=False,
        # No "http://" spelled out: the page must not even mention outside addresses
        # (tests/meetings/test_pages_security.py).
        help_text="上级通知中的完整网址链接",
        # Text, not type=url: the service's own check gives the message in Chinese.
        widget=forms.TextInput(attrs={"inputmode": "url"}),
    )
    vc_number = forms.CharField(
        label="会议号", max_length=50, required=False, help_text="如腾讯会议号 123 456 789"
    )
    vc_password = forms.CharField(label="入会密码", max_length=50, required=False)
    vc_dial_in = forms.CharField(
        label="拨入号码", max_length=200, required=False, help_text="如政务视频会议拨入号"
    )
    branch_of = forms.ChoiceField(
        label="作为分会场",
        choices=[("", "（不是分会场）"), *BranchLevel.choices],
        required=False,
        help_text="参加上级电视电话会议时选择级别；会议室须装有视频会议终端",
    )
    link_test_minutes = forms.IntegerField(
        label="联调（分钟）", min_value=0, max_value=MAX_LINK_TEST_MINUTES, required=False
    )
    reminder_minutes = forms.TypedChoiceField(
        label="会前提醒",
        choices=[("", "不提醒"), *REMINDER_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
        help_text="开会前按各人的通知方式（邮件或工作群）提醒参会人员",
    )

    def __init__(self, *args: Any, meeting: Meeting | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        # A meeting's own room and people stay selectable after being retired, so that
        # editing an old meeting does not fail on values the user never touched.
        own_room = (
            Q(pk=meeting.room_id) if meeting is not None and meeting.room_id else Q(pk__in=[])
        )
        room_field = self.fields["room"]
        assert isinstance(room_field, forms.ModelChoiceField)
        room_field.queryset = Room.objects.filter(Q(active=True) | own_room).order_by(
            "order", "name"
        )

        current = list(meeting.attendances.values_list("person_id", flat=True)) if meeting else []
        people = Person.objects.filter(Q(active=True) | Q(pk__in=current)).select_related("unit")
        choices = grouped_people(people)
        self.fields["attendees"].choices = choices  # type: ignore[attr-defined]
        self.fields["chair"].choices = [("", "（无）"), *choices]  # type: ignore[attr-defined]

        # Providers come from settings.VC_BACKENDS, so the list is built per form.
        provider_field = self.fields["vc_provider"]
        assert isinstance(provider_field, forms.ChoiceField)
        provider_field.choices = vc_choices()
        provider_field.initial = default_code()
        reminder = meeting.reminder_minutes if meeting is not None else None
        if reminder is not None and reminder not in dict(REMINDER_CHOICES):
            # A value set through the API stays selectable, or saving would refuse it.
            field = self.fields["reminder_minutes"]
            assert isinstance(field, forms.ChoiceField)
            field.choices = [("", "不提醒"), *REMINDER_CHOICES, (reminder, f"{reminder} 分钟")]
        self.fields[
            "link_test_minutes"
        ].help_text = (
            f"分会场开会前的联调时间，在布场之后；留空为 {settings.VC_LINK_TEST_MINUTES} 分钟"
        )

    @classmethod
    def initial_for(cls, meeting: Meeting) -> dict[str, Any]:
        """The form's starting values for editing `meeting`."""
        start, end = localtime(meeting.start), localtime(meeting.end)
        roster = list(meeting.attendances.all())
        chair = next((a.person_id for a in roster if a.role == AttendeeRole.CHAIR), None)
        return {
            "title": meeting.title,
            "kind": meeting.kind,
            "room": meeting.room_id,
            "place": meeting.place,
            "date": start.date(),
            "start_time": start.time(),
            "end_time": end.time(),
            "expected_attendance": meeting.expected_attendance,
            "chair": chair,
            "attendees": [a.person_id for a in roster if a.person_id and a.person_id != chair],
            "confidentiality": meeting.confidentiality,
            "setup_minutes": meeting.setup_minutes,
            "teardown_minutes": meeting.teardown_minutes,
            "description": meeting.description,
            "branch_of": meeting.branch_of,
            "link_test_minutes": meeting.link_test_minutes,
            "reminder_minutes": meeting.reminder_minutes,
            **cls._vc_initial(meeting),
        }

    @staticmethod
    def _vc_initial(meeting: Meeting) -> dict[str, Any]:
        details = vc_details(meeting)
        if details is None:
            return {"vc_wanted": False}
        initial: dict[str, Any] = {"vc_wanted": True, "vc_provider": details.provider}
        if details.provider == EXTERNAL:
            initial.update(
                vc_url=details.url,
                vc_number=details.number,
                vc_password=details.password,
                vc_dial_in=details.dial_in,
            )
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            not data.get("room")
            and not (data.get("place") or "").strip()
            and "room" not in self.errors
        ):
            self.add_error("room", "请选择会议室，或填写其他地点")
        return data

    # --- values for the services, valid only after is_valid() ---------------------------

    def interval(self) -> tuple[dt.datetime, dt.datetime] | None:
        """Aware start and end in office time, or None while date or times are missing.

        The form has one date: a meeting that runs past midnight is booked through the API.
        """
        data = self.cleaned_data
        day, start, end = data.get("date"), data.get("start_time"), data.get("end_time")
        if not (day and start and end):
            return None
        return at_local(day, start), at_local(day, end)

    def person_ids(self) -> list[int]:
        data = self.cleaned_data
        ids = [p.pk for p in data.get("attendees") or []]
        chair = data.get("chair")
        if chair is not None:
            ids = [chair.pk, *[i for i in ids if i != chair.pk]]
        return ids

    def attendee_specs(self, keep_roles: dict[int, str] | None = None) -> list[AttendeeSpec]:
        """The roster: the chair first as 主持, then the others in the order chosen.

        `keep_roles` carries the roles people already had (列席, 工作人员 … set elsewhere),
        so that saving the form does not turn everybody into 出席.
        """
        keep = keep_roles or {}
        data = self.cleaned_data
        chair = data.get("chair")
        specs = [AttendeeSpec(chair, AttendeeRole.CHAIR)] if chair is not None else []
        for person in data.get("attendees") or []:
            if chair is not None and person.pk == chair.pk:
                continue
            role = keep.get(person.pk, AttendeeRole.ATTEND)
            if role == AttendeeRole.CHAIR:
                role = AttendeeRole.ATTEND
            specs.append(AttendeeSpec(person, role))
        return specs

    def service_fields(self) -> dict[str, Any]:
        """Keyword arguments for meeting_create / meeting_update (besides time and roster)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "room": data.get("room"),
            "place": "" if data.get("room") else (data.get("place") or ""),
            "setup_minutes": data.get("setup_minutes"),
            "teardown_minutes": data.get("teardown_minutes"),
            "confidentiality": data["confidentiality"],
            "description": data.get("description") or "",
            "expected_attendance": data.get("expected_attendance"),
            "branch_of": data.get("branch_of") or "",
            "link_test_minutes": data.get("link_test_minutes"),
        }

    def reminder(self) -> int | None:
        """会前提醒 for meeting_create / meeting_update and a series' template (not in
        service_fields, which the series edit form shares without a reminder field)."""
        value = self.cleaned_data.get("reminder_minutes")
        return int(value) if value is not None else None

    def vc_request(self) -> VcRequest | None:
        """The link asked for, or None when "需要视频会议" is not ticked.

        Only `external` takes join details; values typed there and then left behind by
        switching the provider are not sent, so they cannot cause an error.
        """
        data = self.cleaned_data
        if not data.get("vc_wanted"):
            return None
        provider = data.get("vc_provider") or default_code()
        if provider != EXTERNAL:
            return VcRequest(provider=provider)
        return VcRequest(
            provider=provider,
            url=data.get("vc_url") or "",
            number=data.get("vc_number") or "",
            password=data.get("vc_password") or "",
            dial_in=data.get("vc_dial_in") or "",
        ).stripped()

    def vc_changes(self, meeting: Meeting) -> dict[str, Any]:
        """meeting_update's VC arguments for editing `meeting`: only what changed."""
        wanted = self.vc_request()
        current = vc_details(meeting)
        if wanted is None:
            return {"vc_release": True} if current is not None else {}
        if current is None or current.provider != wanted.provider:
            return {"vc": wanted}
        if wanted.provider == EXTERNAL and (
            current.url,
            current.number,
            current.password,
            current.dial_in,
        ) != (wanted.url, wanted.number, wanted.password, wanted.dial_in):
            return {"vc": wanted}
        return {}

    def acknowledged(self) -> list[str]:
        return list(self.cleaned_data.get("acknowledge") or [])

    def add_service_error(self, field: str | None, message: str) -> None:
        target = SERVICE_FIELDS.get(field or "")
        if target and target in self.fields:
            self.add_error(target, message)
        else:
            self.add_error(None, message)


def roster_changed(meeting: Meeting, specs: Sequence[AttendeeSpec]) -> bool:
    # Directory people only, in any order: guests and the order are kept on the attendee
    # page, which the booking form does not show (meetings.attendees.roster_sync).
    current = sorted((a.person_id, a.role) for a in meeting.attendances.all() if a.person_id)
    return current != sorted((s.person.pk, s.role) for s in specs)


def vc_choices() -> list[tuple[str, str]]:
    return [(code, str(label)) for code, label in provider_choices()]


class VcForm(forms.Form):
    """Book or replace the link of a booked meeting, from its page."""

    vc_provider = forms.ChoiceField(label="方式")
    vc_url = forms.CharField(label="入会链接", max_length=500, required=False)
    vc_number = forms.CharField(label="会议号", max_length=50, required=False)
    vc_password = forms.CharField(label="入会密码", max_length=50, required=False)
    vc_dial_in = forms.CharField(label="拨入号码", max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        provider_field = self.fields["vc_provider"]
        assert isinstance(provider_field, forms.ChoiceField)
        provider_field.choices = vc_choices()
        provider_field.initial = default_code()

    def vc_request(self) -> VcRequest:
        data = self.cleaned_data
        provider = data["vc_provider"]
        if provider != EXTERNAL:
            return VcRequest(provider=provider)
        return VcRequest(
            provider=provider,
            url=data.get("vc_url") or "",
            number=data.get("vc_number") or "",
            password=data.get("vc_password") or "",
            dial_in=data.get("vc_dial_in") or "",
        ).stripped()


class CancelForm(forms.Form):
    reason = forms.CharField(label="取消原因", max_length=500, required=False)


class DecisionForm(forms.Form):
    note = forms.CharField(label="审批意见", max_length=500, required=False)
