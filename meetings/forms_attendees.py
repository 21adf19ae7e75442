"""Forms of the attendee, RSVP, check-in, agenda and notice pages.

They only parse and bound the input; the rules are in meetings.attendees and
meetings.agenda, whose errors the views show next to the form.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from core.models import Person, Unit
from core.timeutil import at_local, localtime
from meetings.forms import grouped_people
from meetings.models import AgendaItem, Meeting, MeetingNotice, Role, Rsvp
from meetings.roster_xlsx import MAX_BYTES

ROLE_CHOICES = Role.choices


class AddPersonForm(forms.Form):
    person = forms.ModelChoiceField(label="名录人员", queryset=Person.objects.none())
    role = forms.ChoiceField(label="身份", choices=ROLE_CHOICES, initial=Role.ATTEND)

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        taken = meeting.attendances.exclude(person=None).values_list("person_id", flat=True)
        people = (
            Person.objects.filter(active=True).exclude(pk__in=list(taken)).select_related("unit")
        )
        field = self.fields["person"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = people
        field.choices = [("", "（请选择）"), *grouped_people(people)]


class GuestForm(forms.Form):
    guest_name = forms.CharField(label="姓名", max_length=50)
    guest_title = forms.CharField(label="职务", max_length=100, required=False)
    guest_unit = forms.CharField(label="单位", max_length=100, required=False)
    guest_phone = forms.CharField(
        label="手机",
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    role = forms.ChoiceField(label="身份", choices=ROLE_CHOICES, initial=Role.GUEST)


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件（.xlsx）",
        help_text="列：序号、单位、姓名、职务、身份、手机；"
        f"不超过 {MAX_BYTES // 1024 // 1024} MB、2000 行",
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )
    skip_bad = forms.BooleanField(label="跳过有问题的行，导入其余各行", required=False)


class RsvpForm(forms.Form):
    answer = forms.ChoiceField(
        label="回执",
        choices=[
            (Rsvp.ATTENDING, "参加"),
            (Rsvp.SUBSTITUTE, "委托他人代参会"),
            (Rsvp.LEAVE, "请假"),
        ],
        widget=forms.RadioSelect,
    )
    substitute_name = forms.CharField(label="代参会人姓名", max_length=50, required=False)
    substitute_title = forms.CharField(label="代参会人职务", max_length=100, required=False)
    note = forms.CharField(
        label="请假事由 / 备注",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class StaffRsvpForm(RsvpForm):
    """Staff may also reset an answer to 未回复."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        answer = self.fields["answer"]
        assert isinstance(answer, forms.ChoiceField)
        choices = [
            (Rsvp.ATTENDING, "参加"),
            (Rsvp.SUBSTITUTE, "代参会"),
            (Rsvp.LEAVE, "请假"),
            (Rsvp.PENDING, "未回复"),
        ]
        answer.choices = choices
        answer.widget = forms.Select(choices=choices)


class AgendaItemForm(forms.Form):
    """Times are clock times on the meeting's day (the form shows no date)."""

    topic = forms.CharField(label="议题", max_length=300, widget=forms.TextInput)
    starts_at = forms.TimeField(
        label="时间",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    presenter = forms.CharField(label="汇报人 / 汇报单位", max_length=200, required=False)
    units = forms.ModelMultipleChoiceField(
        label="列席单位",
        queryset=Unit.objects.all(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text="常务会议：列席该议题的单位（按住 Ctrl 多选）",
    )
    wait_from = forms.TimeField(
        label="候会时间",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="列席单位到会场外候会的时间",
    )
    notes = forms.CharField(
        label="备注", max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.meeting = meeting

    @classmethod
    def initial_for(cls, item: AgendaItem) -> dict[str, Any]:
        return {
            "topic": item.topic,
            "starts_at": localtime(item.starts_at).time() if item.starts_at else None,
            "presenter": item.presenter,
            "units": [u.pk for u in item.units.all()],
            "wait_from": localtime(item.wait_from).time() if item.wait_from else None,
            "notes": item.notes,
        }

    def _at(self, value: dt.time | None) -> dt.datetime | None:
        if value is None:
            return None
        return at_local(localtime(self.meeting.start).date(), value)

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "topic": data["topic"],
            "starts_at": self._at(data.get("starts_at")),
            "presenter": data.get("presenter") or "",
            "unit_ids": [u.pk for u in data.get("units") or []],
            "wait_from": self._at(data.get("wait_from")),
            "notes": data.get("notes") or "",
        }


class NoticeForm(forms.Form):
    doc_number = forms.CharField(
        label="文号",
        max_length=100,
        required=False,
        help_text="如 X政办发〔2026〕12号；填写后打印红色版头",
    )
    issuer = forms.CharField(label="发文机关", max_length=100, required=False)
    addressees = forms.CharField(
        label="主送",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="如：县政府各部门，各乡镇人民政府",
    )
    requirements = forms.CharField(
        label="会议要求",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一条",
    )
    contact = forms.CharField(label="联系人及电话", max_length=200, required=False)
    issued_on = forms.DateField(
        label="成文日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="留空为打印当天",
    )
    rsvp_date = forms.DateField(
        label="回执截止日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="留空则截至会议开始",
    )
    rsvp_time = forms.TimeField(
        label="回执截止时刻",
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    @classmethod
    def initial_for(cls, meeting: Meeting, notice: MeetingNotice | None) -> dict[str, Any]:
        initial: dict[str, Any] = {}
        if notice is not None:
            initial.update(
                doc_number=notice.doc_number,
                issuer=notice.issuer,
                addressees=notice.addressees,
                requirements=notice.requirements,
                contact=notice.contact,
                issued_on=notice.issued_on,
            )
        if meeting.rsvp_deadline:
            local = localtime(meeting.rsvp_deadline)
            initial.update(rsvp_date=local.date(), rsvp_time=local.time())
        return initial

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        deadline = None
        if data.get("rsvp_date"):
            deadline = at_local(data["rsvp_date"], data.get("rsvp_time") or dt.time(17, 0))
        return {
            "doc_number": data.get("doc_number") or "",
            "issuer": data.get("issuer") or "",
            "addressees": data.get("addressees") or "",
            "requirements": data.get("requirements") or "",
            "contact": data.get("contact") or "",
            "issued_on": data.get("issued_on"),
            "rsvp_deadline": deadline,
        }
