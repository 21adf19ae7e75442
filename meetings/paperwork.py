"""The papers of a meeting and of the week, built from the database for the renderers.

meetings/documents/* draw plain dataclasses and never see a model; this module reads the
roster, agenda, notice and VC details (through meetings.vc.vc_details) and fills them
in. It also decides who may have which version of the leaders' weekly schedule.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db.models import Q

from core import roles
from core.exceptions import InvalidInput, PermissionDenied
from core.models import Person
from core.timeutil import local_day_bounds, localtime
from meetings.access import can_see_details, with_visibility
from meetings.agenda import agenda_items, notice_for
from meetings.attendees import rsvp_deadline
from meetings.documents import agenda as agenda_doc
from meetings.documents import notice as notice_doc
from meetings.documents import signin as signin_doc
from meetings.documents import weekly as weekly_doc
from meetings.documents.text import clock, date_label, period_label, when_label
from meetings.models import (
    Attendance,
    Confidentiality,
    Kind,
    Meeting,
    Role,
    Rsvp,
    Status,
)
from meetings.roster import names_by_role, precedence_order, roster, seats_by_attendance
from meetings.vc import vc_details

# --- one meeting ----------------------------------------------------------------------------


def require_details(user: Any, meeting: Meeting) -> None:
    """Documents carry the roster and details: only for those who may see them."""
    if not can_see_details(user, meeting):
        raise PermissionDenied("这是内部会议，只有承办人、参会人员及其秘书等可以打印材料")


def _vc_line(meeting: Meeting) -> str:
    details = vc_details(meeting, include_branch=True)
    return details.summary() if details is not None else ""


def _when(meeting: Meeting) -> str:
    return when_label(localtime(meeting.start))


def agenda_document(meeting: Meeting) -> agenda_doc.Agenda:
    rows = roster(meeting)
    names = names_by_role(rows)
    entries = []
    for item in agenda_items(meeting):
        entries.append(
            agenda_doc.AgendaEntry(
                topic=item.topic,
                time=clock(localtime(item.starts_at)) if item.starts_at else "",
                presenter=item.presenter,
                units=tuple(u.name for u in item.units.all()),
                wait=clock(localtime(item.wait_from)) if item.wait_from else "",
                notes=item.notes,
            )
        )
    return agenda_doc.Agenda(
        title=meeting.title,
        when=_when(meeting),
        place=meeting.location,
        chair=tuple(names.get(Role.CHAIR, ())),
        attend=tuple(names.get(Role.ATTEND, ())),
        sit_in=tuple(names.get(Role.SIT_IN, ())) + tuple(names.get(Role.GUEST, ())),
        items=tuple(entries),
        executive=meeting.kind == Kind.EXECUTIVE,
        vc=_vc_line(meeting),
    )


def _deadline_text(value: dt.datetime) -> str:
    local = localtime(value)
    return f"{date_label(local.date())}{clock(local)}"


def notice_document(meeting: Meeting, *, today: dt.date) -> notice_doc.Notice:
    notice = notice_for(meeting)
    rows = roster(meeting)
    names = {
        role: [a.person.name if a.person else a.guest_name for a in rows if a.role == role]
        for role in Role.values
    }
    start = localtime(meeting.start)
    sections = [
        notice_doc.NoticeSection("会议时间", (when_label(start),)),
    ]
    place = [meeting.location or "另行通知"]
    vc = _vc_line(meeting)
    if vc:
        place.append(f"视频会议：{vc}")
    sections.append(notice_doc.NoticeSection("会议地点", tuple(place)))
    people = []
    for role, label in (
        (Role.CHAIR, "主持"),
        (Role.ATTEND, "出席"),
        (Role.SIT_IN, "列席"),
        (Role.GUEST, "特邀嘉宾"),
    ):
        if names.get(role):
            people.append(f"{label}：{'、'.join(names[role])}")
    sections.append(notice_doc.NoticeSection("参会人员", tuple(people) or ("另行通知",)))
    topics = tuple(item.topic for item in agenda_items(meeting))
    if topics:
        sections.append(notice_doc.NoticeSection("会议议题", items=topics))
    requirements = [
        line.strip()
        for line in (notice.requirements if notice else "").splitlines()
        if line.strip()
    ]
    deadline = _deadline_text(rsvp_deadline(meeting)) if meeting.rsvp_deadline else ""
    requirements.append(
        f"请于{deadline or '会前'}前报送参会回执（见附件）。不能参会的，须说明事由；"
        "委托他人代参会的，请写明代参会人姓名、职务。"
    )
    sections.append(notice_doc.NoticeSection("会议要求", tuple(requirements)))
    issued = notice.issued_on if notice and notice.issued_on else today
    contact = notice.contact if notice else ""
    return notice_doc.Notice(
        title=meeting.title,
        opening=f"经研究，定于{date_label(start.date())}召开{meeting.title}。现将有关事项通知如下：",
        sections=tuple(sections),
        addressees=(notice.addressees if notice else "") or "各参会单位",
        contact=contact,
        issuer=notice.issuer if notice else "",
        date=date_label(issued),
        doc_number=notice.doc_number if notice else "",
        reply=notice_doc.ReplyForm(meeting=meeting.title, deadline=deadline, send_to=contact),
    )


def seat_labels(meeting: Meeting) -> dict[int, str]:
    """The printed label of each seated attendee's seat (3排5号, 台1-2), as on the chart.

    The stored seat ids are the engine's; people look for the label on the chart and the
    name card, so a sign-in sheet showing the id would send them to the wrong seat.
    """
    ids = seats_by_attendance(meeting)
    if not ids:
        return {}
    # Imported here: the seating package builds on the roster and documents modules.
    from meetings.seating.selectors import seating_state

    try:
        state = seating_state(meeting)
    except InvalidInput:
        # A plan whose layout can no longer be built (edited by hand): the sheet still
        # prints, with the seat ids the plan stored.
        return ids
    labels = {}
    for key, attendance in state.attendances.items():
        seat = state.arrangement.seat_of(key)
        if seat is not None:
            labels[attendance.pk] = state.seat_label(seat)
    return labels


def signin_rows(meeting: Meeting) -> list[signin_doc.SigninRow]:
    """Everyone who signs in (工作人员 run the desk and do not), unit then rank order."""
    seats = seat_labels(meeting)
    rows = [a for a in roster(meeting) if a.role != Role.STAFF]
    out = []
    for a in precedence_order(rows):
        own = a.person.name if a.person else a.guest_name
        name = own
        if a.rsvp == Rsvp.SUBSTITUTE and a.substitute_name:
            name = f"{a.substitute_name}（代{own}）"
        out.append(
            signin_doc.SigninRow(
                unit=a.display_unit,
                name=name,
                title=a.display_title,
                seat=seats.get(a.pk, ""),
                remark="请假" if a.rsvp == Rsvp.LEAVE else "",
            )
        )
    return out


def signin_document(meeting: Meeting) -> signin_doc.SigninSheet:
    return signin_doc.SigninSheet(
        title=meeting.title,
        when=when_label(localtime(meeting.start), localtime(meeting.end)),
        place=meeting.location,
        rows=tuple(signin_rows(meeting)),
    )


def meeting_pdf(kind: str, meeting: Meeting, *, today: dt.date) -> bytes:
    """agenda / notice / signin as PDF bytes."""
    if kind == "agenda":
        return agenda_doc.render(agenda_document(meeting))
    if kind == "notice":
        return notice_doc.render(notice_document(meeting, today=today))
    if kind == "signin":
        return signin_doc.render(signin_document(meeting))
    raise InvalidInput(f"未知的文档：{kind}（可选：agenda、notice、signin）", field="kind")


DOCUMENT_LABELS = {"agenda": "议程", "notice": "会议通知", "signin": "签到表"}


# --- the leaders' week -------------------------------------------------------------------------

_WEEK = re.compile(r"^(\d{4})-W(\d{1,2})$")
INTERNAL, PUBLIC = "internal", "public"
VERSION_LABELS = {INTERNAL: "内部版", PUBLIC: "公开版"}


def parse_week(text: str | None, *, today: dt.date) -> dt.date:
    """The Monday of an ISO week "2026-W49"; today's week when empty; 422 otherwise."""
    if not text:
        return today - dt.timedelta(days=today.weekday())
    match = _WEEK.match(text.strip().upper())
    if match is None:
        raise InvalidInput(f"周次格式不对：{text[:20]}（应为 2026-W49 这样的格式）", field="week")
    year, week = int(match.group(1)), int(match.group(2))
    try:
        monday = dt.date.fromisocalendar(year, week, 1)
    except ValueError:
        raise InvalidInput(f"{year} 年没有第 {week} 周", field="week") from None
    if not 2000 <= year <= 2100:
        raise InvalidInput("年份须在 2000–2100 之间", field="week")
    return monday


def week_code(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def may_see_internal(user: Any) -> bool:
    """Staff, approvers, admins, leaders and secretaries; everyone else gets the public one."""
    return bool(roles.user_roles(user))


def week_version(user: Any, requested: str | None) -> str:
    if requested in (None, ""):
        return INTERNAL if may_see_internal(user) else PUBLIC
    if requested not in VERSION_LABELS:
        raise InvalidInput("version 只能是 internal 或 public", field="version")
    if requested == INTERNAL and not may_see_internal(user):
        raise PermissionDenied("内部版只供会务人员、领导、秘书和管理员查看")
    return requested


def leaders_week(
    *, user: Any, monday: dt.date, version: str, page: str = "a4", note: str = ""
) -> weekly_doc.WeekSchedule:
    """Each county leader's meetings of the week by day and 上午/下午/晚上.

    The public version has approved, non-confidential meetings only. The internal one
    adds requests still pending (marked 待定) and confidential meetings — with their
    details for those who may see them, as 内部会议 without a place for the others.
    Someone who sent 请假 or a substitute is not shown at that meeting.
    """
    start, _ = local_day_bounds(monday)
    end, _ = local_day_bounds(monday + dt.timedelta(days=7))
    leaders = list(
        Person.objects.filter(is_leader=True, active=True).order_by("rank", "unit__order", "name")
    )
    statuses = [Status.APPROVED] if version == PUBLIC else [Status.APPROVED, Status.PENDING]
    going = Attendance.objects.filter(person__in=leaders).exclude(
        rsvp__in=[Rsvp.LEAVE, Rsvp.SUBSTITUTE]
    )
    qs = Meeting.objects.filter(
        status__in=statuses, start__lt=end, end__gt=start, attendances__in=going
    ).distinct()
    if version == PUBLIC:
        qs = qs.filter(~Q(confidentiality=Confidentiality.CONFIDENTIAL))
    meetings = {m.pk: m for m in with_visibility(qs.select_related("room"), user)}
    cells: dict[int, dict[tuple[int, int], list[tuple[dt.datetime, weekly_doc.WeekItem]]]] = {
        p.pk: {} for p in leaders
    }
    pairs = going.filter(meeting_id__in=list(meetings)).values_list("meeting_id", "person_id")
    for meeting_id, person_id in pairs:
        meeting = meetings[meeting_id]
        visible = version == PUBLIC or can_see_details(user, meeting)
        s, e = localtime(meeting.start), localtime(meeting.end)
        title = meeting.title if visible else "内部会议"
        if meeting.status == Status.PENDING:
            title += "（待定）"
        place = (meeting.room.name if meeting.room else meeting.place) if visible else ""
        # A meeting past midnight shows on each day it covers ("（续）" after the first).
        last = min((e - dt.timedelta(microseconds=1)).date(), monday + dt.timedelta(days=6))
        day = max(s.date(), monday)
        while day <= last:
            first = day == s.date()
            slot = (day.weekday(), _period_index(s) if first else 0)
            item = weekly_doc.WeekItem(clock(s) if first else "（续）", title, place)
            cells[person_id].setdefault(slot, []).append((s, item))
            day += dt.timedelta(days=1)
    rows = []
    for p in leaders:
        ordered = {
            slot: tuple(item for _, item in sorted(items, key=lambda pair: pair[0]))
            for slot, items in cells[p.pk].items()
        }
        rows.append(weekly_doc.LeaderWeek(name=p.name, title=p.title, cells=ordered))
    return weekly_doc.WeekSchedule(
        title="县政府领导一周活动安排",
        monday=monday,
        leaders=tuple(rows),
        version_label=VERSION_LABELS[version],
        page=page,
        note=note,
    )


def _period_index(value: dt.datetime) -> int:
    return ("上午", "下午", "晚上").index(period_label(value))
