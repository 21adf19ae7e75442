"""Staff pages: the room board, booking, a meeting's page and the approvals queue.

Views are thin: they parse a form, call a service from meetings.services and turn its
domain errors into form messages (never a 500). Fetching a meeting for a user always
goes through meetings.access.
"""

from __future__ import annotations

import collections
import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from core import roles
from core.audit import audit_for
from core.exceptions import DomainError, InvalidInput, NotFound
from core.exceptions import PermissionDenied as DomainPermissionDenied
from core.models import AuditEntry
from core.names import user_display_name
from core.params import parse_id
from core.timeutil import localtime
from meetings import board as board_selector
from meetings import notifications
from meetings.access import (
    access_meeting,
    can_edit,
    can_see_details,
    display_title,
    with_visibility,
)
from meetings.attendees import AUDIT_ACTIONS as ROSTER_AUDIT_ACTIONS
from meetings.attendees import AUDIT_FIELDS as ROSTER_AUDIT_FIELDS
from meetings.feeds import can_manage_room_feeds
from meetings.forms import CancelForm, DecisionForm, MeetingForm, VcForm, roster_changed
from meetings.forms_series import recurrence_form
from meetings.models import (
    BLOCKING,
    BranchLevel,
    Confidentiality,
    DeliveryStatus,
    Kind,
    Meeting,
    Priority,
    Status,
)
from meetings.seating.services import AUDIT_ACTIONS as SEATING_AUDIT_ACTIONS
from meetings.seating.services import AUDIT_FIELDS as SEATING_AUDIT_FIELDS
from meetings.services import (
    BookingCheck,
    booking_check,
    meeting_approve,
    meeting_cancel,
    meeting_create,
    meeting_recheck,
    meeting_reject,
    meeting_update,
    validate_times,
)
from meetings.vc import link_test_start, vc_details
from meetings.vc_services import vc_link_allocate, vc_link_change, vc_link_release
from rooms.models import Room

WEEKDAYS = "一二三四五六日"


# --- helpers ------------------------------------------------------------------------------


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render a full page with what the navigation bar needs (the approvals count)."""
    context.setdefault("pending_count", _pending_count(request.user))
    return render(request, template, context, status=status)


def _pending_count(user: Any) -> int | None:
    if not roles.can_approve(user):
        return None
    return Meeting.objects.filter(status=Status.PENDING).count()


def _access(user: Any, pk: int, *, edit: bool = False) -> Meeting:
    """meetings.access.access_meeting, with its errors as Django's 404 and 403 pages."""
    try:
        return access_meeting(user, pk, edit=edit)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainPermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc


def _require_booker(user: Any) -> None:
    if not roles.can_book(user):
        raise DjangoPermissionDenied("只有会务人员、秘书或会务管理员可以预订会议")


def _local_date(value: str | None, default: dt.date) -> dt.date:
    try:
        day = dt.date.fromisoformat(value) if value else default
    except ValueError:
        return default
    # 0001-01-01 or 9999-12-31 would overflow when the week or the day's bounds are built.
    return day if dt.date(2000, 1, 1) <= day <= dt.date(2100, 12, 31) else default


def _day_label(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日 星期{WEEKDAYS[day.weekday()]}"


def _span_label(start: dt.datetime, end: dt.datetime) -> str:
    s, e = localtime(start), localtime(end)
    tail = f"{e:%H:%M}" if s.date() == e.date() else f"{e.month}月{e.day}日 {e:%H:%M}"
    return f"{s.month}月{s.day}日（周{WEEKDAYS[s.weekday()]}）{s:%H:%M}–{tail}"


def _hours_label(start: dt.datetime, end: dt.datetime) -> str:
    """ "08:45–10:15" within one day, the full span when it crosses midnight."""
    s, e = localtime(start), localtime(end)
    return f"{s:%H:%M}–{e:%H:%M}" if s.date() == e.date() else _span_label(start, end)


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --- home and board -----------------------------------------------------------------------


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """会议室看板: rooms × hours of a day, or rooms × days of a week (?view=week)."""
    now = timezone.now()
    today = localtime(now).date()
    day = _local_date(request.GET.get("date"), today)
    week = request.GET.get("view") == "week"
    step = dt.timedelta(days=7 if week else 1)
    context: dict[str, Any] = {
        "nav": "board",
        "day": day,
        "today": today,
        "week": week,
        "prev_day": day - step,
        "next_day": day + step,
        "day_label": _day_label(day),
        "room_feeds": can_manage_room_feeds(request.user),
    }
    if week:
        wb = board_selector.board_week(user=request.user, day=day)
        context["board"] = wb
        context["days"] = [
            {
                "date": d,
                "label": f"周{WEEKDAYS[d.weekday()]} {d.month}/{d.day}",
                "today": d == today,
            }
            for d in wb.days
        ]
        context["week_label"] = f"{wb.days[0]:%Y年%m月%d日}–{wb.days[-1]:%m月%d日}"
    else:
        context["board"] = board_selector.board_day(user=request.user, day=day, now=now)
    return _page(request, "board.html", context)


# --- the booking check panel ----------------------------------------------------------------


def _meeting_item(user: Any, meeting: Meeting) -> dict[str, Any]:
    return {
        "id": meeting.pk,
        "title": display_title(user, meeting),
        "masked": not can_see_details(user, meeting),
        "when": _span_label(meeting.start, meeting.end),
        "occupied": _hours_label(meeting.occupied_start, meeting.occupied_end),
        "room": meeting.room.name if meeting.room else meeting.place,
        "status": meeting.get_status_display(),
        "pending": meeting.status == Status.PENDING,
    }


def check_context(
    user: Any, form: MeetingForm, *, exclude: Meeting | None = None, with_alternatives: bool = True
) -> dict[str, Any]:
    """What the panel beside the booking form shows for the values typed so far."""
    form.is_valid()  # fills cleaned_data with whatever fields are valid so far
    interval = form.interval()
    if interval is None:
        return {
            "state": "incomplete",
            "message": "选择会议室并填写日期和时间后，这里显示该时段是否可用。",
        }
    start, end = interval
    now = timezone.now()
    try:
        validate_times(start=start, end=end, now=now)
    except InvalidInput as exc:
        return {"state": "invalid", "message": exc.message}
    data = form.cleaned_data
    room: Room | None = data.get("room")
    check: BookingCheck = booking_check(
        room=room,
        start=start,
        end=end,
        setup_minutes=data.get("setup_minutes"),
        teardown_minutes=data.get("teardown_minutes"),
        person_ids=form.person_ids(),
        expected_attendance=data.get("expected_attendance"),
        exclude_id=exclude.pk if exclude else None,
        now=now,
        with_alternatives=with_alternatives,
        branch_of=data.get("branch_of") or "",
        link_test_minutes=data.get("link_test_minutes"),
    )
    acked = set(data.get("acknowledge") or [])
    # Imported here: views_preemption builds on meetings.preemption, which imports services.
    from meetings.views_preemption import preemption_panel

    preemption = preemption_panel(
        user,
        room=room,
        check=check,
        kind=data.get("kind") or Kind.TOPIC,
        branch_of=data.get("branch_of") or "",
        exclude=exclude,
        confirmed=form.data.get("preempt") == "1",
    )
    alternatives = check.alternatives or {"rooms": [], "slots": []}
    slots = []
    for slot in alternatives["slots"]:
        s, e = dt.datetime.fromisoformat(slot["start"]), dt.datetime.fromisoformat(slot["end"])
        slots.append({"value": f"{slot['start']}/{slot['end']}", "label": _span_label(s, e)})
    return {
        "state": "ok" if check.ok else ("hard" if check.hard else "soft"),
        "room": room,
        "when": _span_label(start, end),
        "occupied": _hours_label(check.occupied_start, check.occupied_end),
        "needs_approval": bool(room and room.needs_approval and not roles.can_approve(user)),
        "branch": bool(data.get("branch_of")),
        "hard": [_meeting_item(user, m) for m in check.hard],
        "soft": [
            {
                "code": w.code,
                "message": w.message,
                "acked": w.code in acked,
                "meetings": [_meeting_item(user, m) for m in w.meetings],
            }
            for w in check.soft
        ],
        "alt_rooms": alternatives["rooms"],
        "alt_slots": slots,
        "preemption": preemption,
    }


def _refill(data: QueryDict) -> QueryDict | None:
    """The form data with a suggested room or slot applied, if one was clicked.

    The alternatives in the check panel are submit buttons (use_room / use_slot), so
    they work with plain HTML; htmx only spares the page reload.
    """
    if "use_room" not in data and "use_slot" not in data:
        return None
    out = data.copy()
    if "use_room" in data:
        out["room"] = data.get("use_room") or ""
        out["place"] = ""
    if "use_slot" in data:
        try:
            start_s, end_s = (data.get("use_slot") or "").split("/", 1)
            start = localtime(dt.datetime.fromisoformat(start_s))
            end = localtime(dt.datetime.fromisoformat(end_s))
        except ValueError:
            pass
        else:
            out["date"] = start.date().isoformat()
            out["start_time"] = f"{start:%H:%M}"
            out["end_time"] = f"{end:%H:%M}"
    for key in ("use_room", "use_slot", "acknowledge", "preempt"):
        out.pop(key, None)
    return out


@login_required
@require_POST
def meeting_check(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """The htmx partial behind the booking form: free, clashes, warnings, alternatives."""
    _require_booker(request.user)
    meeting = _access(request.user, pk, edit=True) if pk is not None else None
    form = MeetingForm(request.POST, meeting=meeting)
    panel = check_context(request.user, form, exclude=meeting)
    panel["action"] = (
        reverse("meeting_edit", args=[meeting.pk]) if meeting else reverse("meeting_create")
    )
    return render(request, "meetings/_check.html", {"panel": panel})


# --- create and edit ----------------------------------------------------------------------


def _prefill(request: HttpRequest) -> dict[str, Any]:
    """Initial values from the board (?room=&date=&start=) or a link (?date=…)."""
    initial: dict[str, Any] = {}
    get = request.GET
    room_id = parse_id(get.get("room"))
    if room_id:
        initial["room"] = room_id
    if get.get("date"):
        day = _local_date(get["date"], dt.date.min)
        if day != dt.date.min:
            initial["date"] = day
    for key, name in (("start", "start_time"), ("end", "end_time")):
        try:
            initial[name] = dt.time.fromisoformat(get.get(key, ""))
        except ValueError:
            continue
    if "start_time" in initial and "end_time" not in initial:
        start = dt.datetime.combine(dt.date(2000, 1, 1), initial["start_time"])
        end = start + dt.timedelta(hours=1)
        if end.date() == start.date():
            initial["end_time"] = end.time()
    if get.get("title"):
        initial["title"] = get["title"][:200]
    # 找时间 links carry the people it searched for.
    people = [i for i in map(parse_id, get.getlist("attendees")[:500]) if i]
    if people:
        initial["attendees"] = people
    return initial


def _apply_domain_error(form: MeetingForm, exc: DomainError) -> None:
    errors = exc.details.get("errors") if isinstance(exc, InvalidInput) else None
    if errors:
        for err in errors:
            form.add_service_error(err.get("field"), err.get("message") or exc.message)
    else:
        form.add_error(None, exc.message)


def _form_page(
    request: HttpRequest,
    form: MeetingForm,
    *,
    meeting: Meeting | None,
    panel_data: QueryDict | None = None,
    status: int = 200,
) -> HttpResponse:
    """The booking form, with the check panel worked out from `panel_data` if given."""
    if meeting is None:
        action = reverse("meeting_create")
        check_url = reverse("meeting_check")
    else:
        action = reverse("meeting_edit", args=[meeting.pk])
        check_url = reverse("meeting_edit_check", args=[meeting.pk])
    panel = None
    if panel_data is not None:
        panel = check_context(
            request.user, MeetingForm(panel_data, meeting=meeting), exclude=meeting
        )
        panel["action"] = action
    return _page(
        request,
        "meetings/form.html",
        {
            "nav": "create" if meeting is None else "",
            "form": form,
            "meeting": meeting,
            "action": action,
            "check_url": check_url,
            "panel": panel,
            # The 重复 section: only when booking (an occurrence is edited by scope).
            "recurrence": recurrence_form(request) if meeting is None else None,
        },
        status=status,
    )


def _initial_as_data(initial: dict[str, Any]) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in initial.items():
        if value is None:
            continue
        if isinstance(value, list):
            data.setlist(key, [str(v) for v in value])
        elif isinstance(value, dt.time):
            data[key] = f"{value:%H:%M}"
        else:
            data[key] = str(value)
    return data


_MULTI = ("attendees", "acknowledge")


def _data_as_initial(data: QueryDict) -> dict[str, Any]:
    """Posted values as a form's initial values: shown again without error messages."""
    return {
        k: data.getlist(k) if k in _MULTI else data.get(k)
        for k in data
        if k != "csrfmiddlewaretoken"
    }


def _refilled_page(request: HttpRequest, data: QueryDict, meeting: Meeting | None) -> HttpResponse:
    form = MeetingForm(initial=_data_as_initial(data), meeting=meeting)
    return _form_page(request, form, meeting=meeting, panel_data=data)


def _booked_message(meeting: Meeting) -> str:
    details = vc_details(meeting)
    vc = f"；视频会议：{details.provider_label} {details.number}".rstrip() if details else ""
    if meeting.status == Status.PENDING and meeting.hold_expires_at:
        return f"已提交审批，预留至 {_deadline(meeting.hold_expires_at)}{vc}"
    return (
        f"已预订：{meeting.title}（{_span_label(meeting.start, meeting.end)}，{meeting.location}）"
        + vc
    )


def _deadline(value: dt.datetime) -> str:
    local = localtime(value)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create_view(request: HttpRequest) -> HttpResponse:
    """预订会议: the form; submitting runs services.meeting_create."""
    _require_booker(request.user)
    if request.method == "GET":
        initial = _prefill(request)
        # Arriving from the board with a slot: show at once whether it is still free.
        probe = _initial_as_data(initial) if "date" in initial and "start_time" in initial else None
        return _form_page(request, MeetingForm(initial=initial), meeting=None, panel_data=probe)

    refill = _refill(request.POST)
    if refill is not None:
        return _refilled_page(request, refill, None)
    if recurrence_form(request).wanted():
        from meetings.views_series import series_create_from_form

        return series_create_from_form(request)
    form = MeetingForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, meeting=None, panel_data=request.POST, status=422)
    interval = form.interval()
    assert interval is not None  # date and times are required fields
    create: Any = meeting_create
    if request.POST.get("preempt") == "1":
        # The admin ticked the pre-emption dialog's confirmation (non-admins get 403).
        from meetings.preemption import meeting_create_preempting as create
    try:
        meeting = create(
            actor=request.user,
            start=interval[0],
            end=interval[1],
            now=timezone.now(),
            attendees=form.attendee_specs(),
            acknowledge=form.acknowledged(),
            vc=form.vc_request(),
            reminder_minutes=form.reminder(),
            **form.service_fields(),
        )
    except DomainError as exc:
        _apply_domain_error(form, exc)
        return _form_page(request, form, meeting=None, panel_data=request.POST, status=exc.status)
    messages.success(request, _booked_message(meeting))
    return redirect("meeting_detail", pk=meeting.pk)


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """编辑: the booking form filled in; submitting runs services.meeting_update."""
    meeting = _access(request.user, pk, edit=True)
    if meeting.status in (Status.CANCELLED, Status.REJECTED):
        messages.error(request, f"{meeting.get_status_display()}的会议不能修改")
        return redirect("meeting_detail", pk=pk)
    if request.method == "GET":
        form = MeetingForm(initial=MeetingForm.initial_for(meeting), meeting=meeting)
        return _form_page(request, form, meeting=meeting)

    refill = _refill(request.POST)
    if refill is not None:
        return _refilled_page(request, refill, meeting)
    form = MeetingForm(request.POST, meeting=meeting)
    if not form.is_valid():
        return _form_page(request, form, meeting=meeting, panel_data=request.POST, status=422)
    interval = form.interval()
    assert interval is not None
    roster = {a.person_id: a.role for a in meeting.attendances.all() if a.person_id is not None}
    specs = form.attendee_specs(keep_roles=roster)
    wanted = {
        **form.service_fields(),
        "start": interval[0],
        "end": interval[1],
        "reminder_minutes": form.reminder(),
    }
    # Only what changed: the service re-runs the rules on a change of time, room or roster.
    changes = {k: v for k, v in wanted.items() if getattr(meeting, k) != v}
    update: Any = meeting_update
    if request.POST.get("preempt") == "1":
        from meetings.preemption import meeting_update_preempting as update
    try:
        update(
            meeting=meeting,
            actor=request.user,
            now=timezone.now(),
            acknowledge=form.acknowledged(),
            attendees=specs if roster_changed(meeting, specs) else None,
            **changes,
            **form.vc_changes(meeting),
        )
    except DomainError as exc:
        _apply_domain_error(form, exc)
        meeting.refresh_from_db()
        return _form_page(
            request, form, meeting=meeting, panel_data=request.POST, status=exc.status
        )
    if meeting.status == Status.PENDING and meeting.hold_expires_at:
        messages.success(
            request, f"已保存修改，待审批，预留至 {_deadline(meeting.hold_expires_at)}"
        )
    else:
        messages.success(request, "已保存修改")
    return redirect("meeting_detail", pk=meeting.pk)


# --- a meeting's page ---------------------------------------------------------------------

_FIELD_LABELS: dict[str, str] = {
    f.name: str(f.verbose_name) for f in Meeting._meta.get_fields() if hasattr(f, "verbose_name")
}
_FIELD_LABELS.update({"attendees": "参会人员", "acknowledged": "已确认的冲突提示", "after": "内容"})
_ACTIONS = {
    "create": "预订",
    "update": "修改",
    "submit": "提交",
    "cancel": "取消",
    "approve": "批准",
    "reject": "驳回",
    "expire": "预留过期",
    "preempt": "调整（优先）",
    "restore": "恢复",
    "vc_allocate": "预订视频会议",
    "vc_change": "更换视频会议",
    "vc_move": "视频会议随改",
    "vc_release": "释放视频会议",
}
_ACTIONS.update(SEATING_AUDIT_ACTIONS)
_FIELD_LABELS.update(SEATING_AUDIT_FIELDS)
_ACTIONS.update(ROSTER_AUDIT_ACTIONS)
_FIELD_LABELS.update(ROSTER_AUDIT_FIELDS)


_CHOICES: dict[str, type[models.Choices]] = {
    "status": Status,
    "kind": Kind,
    "confidentiality": Confidentiality,
    "priority": Priority,
    "branch_of": BranchLevel,
}


def _plain(field: str, value: Any) -> str:
    """An audit value as staff read it: local times, choice labels, lists joined."""
    if value is None or value == "":
        return "（空）"
    if field in _CHOICES:
        try:
            return str(_CHOICES[field](value).label)
        except ValueError:
            return str(value)
    if isinstance(value, str) and field in ("start", "end"):
        try:
            local = localtime(dt.datetime.fromisoformat(value))
        except ValueError:
            return value
        return f"{local:%Y-%m-%d %H:%M}"
    if isinstance(value, list):
        return "、".join(
            _plain(field, v) if not isinstance(v, dict) else str(v.get("message", v)) for v in value
        )
    if isinstance(value, dict):
        return "；".join(f"{_FIELD_LABELS.get(k, k)}：{_plain(k, v)}" for k, v in value.items())
    return str(value)


def audit_rows(entries: QuerySet[AuditEntry]) -> list[dict[str, Any]]:
    """The audit log of a meeting, each change as "field: before → after"."""
    rows = []
    for entry in entries:
        changes = []
        for key, value in (entry.changes or {}).items():
            label = _FIELD_LABELS.get(key, key)
            if key == "after" and isinstance(value, dict):
                # A creation records every field; the empty ones say nothing.
                filled = [
                    f"{_FIELD_LABELS.get(k, k)}：{_plain(k, v)}"
                    for k, v in value.items()
                    if v not in (None, "")
                ]
                changes.append("；".join(filled))
            elif (
                key != "attendees"
                and isinstance(value, list)
                and len(value) == 2
                and not isinstance(value[0], dict)
            ):
                changes.append(f"{label}：{_plain(key, value[0])} → {_plain(key, value[1])}")
            elif value not in (None, [], {}):
                changes.append(f"{label}：{_plain(key, value)}")
        rows.append(
            {
                "at": localtime(entry.at),
                "actor": user_display_name(entry.actor) if entry.actor else "系统",
                "action": _ACTIONS.get(entry.action, entry.action),
                "summary": entry.summary,
                "changes": changes,
            }
        )
    return rows


def _acked_codes(meeting: Meeting) -> set[str]:
    return {str(a.get("code")) for a in meeting.acknowledged_conflicts or [] if isinstance(a, dict)}


def _acknowledged(meeting: Meeting) -> list[dict[str, str]]:
    """The soft conflicts the booker confirmed, with who confirmed them by name (the
    stored record keeps the login name, which the API shows)."""
    from django.contrib.auth import get_user_model

    acks = [a for a in meeting.acknowledged_conflicts or [] if isinstance(a, dict)]
    logins = {str(a.get("by", "")) for a in acks}
    users = get_user_model().objects.filter(username__in=logins).select_related("person")
    names = {u.username: user_display_name(u) for u in users}
    return [
        {"message": str(a.get("message", "")), "by": names.get(str(a.get("by", "")), "")}
        for a in acks
    ]


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """会议详情: everything for those who may see it, time and room only for the others."""
    meeting = _access(request.user, pk)
    visible = can_see_details(request.user, meeting)
    context: dict[str, Any] = {
        "meeting": meeting,
        "visible": visible,
        "title": display_title(request.user, meeting),
        "when": _span_label(meeting.start, meeting.end),
        "meeting_day": localtime(meeting.start).date().isoformat(),
        "occupied": _hours_label(meeting.occupied_start, meeting.occupied_end),
        "hold_deadline": _deadline(meeting.hold_expires_at) if meeting.hold_expires_at else None,
        "can_edit": can_edit(request.user, meeting)
        and meeting.status not in (Status.CANCELLED, Status.REJECTED),
        "can_decide": roles.can_approve(request.user) and meeting.status == Status.PENDING,
        "cancel_form": CancelForm(),
        "decision_form": DecisionForm(),
    }
    if visible:
        context["acknowledged"] = _acknowledged(meeting)
        context["attendances"] = list(meeting.attendances.select_related("person__unit"))
        context["audit"] = audit_rows(audit_for(meeting)[:200])
        if meeting.reminder_minutes and meeting.status not in (Status.CANCELLED, Status.REJECTED):
            minutes = meeting.reminder_minutes
            context["reminder"] = {
                "label": dict(notifications.REMINDER_CHOICES).get(minutes, f"{minutes} 分钟"),
                # Sent for this start time; a move makes it due again.
                "sent": meeting.reminder_sent_for == meeting.start,
            }
        if can_edit(request.user, meeting):
            # Who was told and who could not be reached: for those who run the meeting.
            reach = notifications.meeting_reach(meeting)
            context["reach"] = reach
            states = collections.Counter(r.row.status if r.row else "" for r in reach)
            context["reach_summary"] = {
                "sent": states[DeliveryStatus.SENT],
                "waiting": states[DeliveryStatus.PENDING] + states[DeliveryStatus.SENDING],
                "problems": states[DeliveryStatus.FAILED] + states[DeliveryStatus.SKIPPED],
                "unsent": states[""],
            }
            context["outbox_link"] = roles.is_admin(request.user)
    context.update(_vc_context(request.user, meeting, visible=visible))
    from meetings.views_series import series_context

    context.update(series_context(request.user, meeting))
    return _page(request, "meetings/detail.html", context)


def _vc_context(user: Any, meeting: Meeting, *, visible: bool) -> dict[str, Any]:
    """The 视频会议 card: the link (join details only for those who see the meeting),
    the 分会场 facts, and the allocate / release forms for whoever may change it."""
    details = vc_details(meeting)
    if details is not None and not visible:
        details = details.masked_copy()
    test_start = link_test_start(meeting)
    can_change = can_edit(user, meeting) and meeting.status in BLOCKING
    return {
        "vc": details,
        "vc_form": VcForm(initial={"vc_provider": details.provider} if details else None),
        "can_change_vc": can_change,
        "branch_label": BranchLevel(meeting.branch_of).label if meeting.branch_of else "",
        "link_test_from": f"{localtime(test_start):%H:%M}" if test_start else "",
    }


@login_required
@require_POST
def meeting_vc_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Book a link for a booked meeting, or replace its link (another provider)."""
    meeting = _access(request.user, pk, edit=True)
    form = VcForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择视频会议方式")
        return redirect("meeting_detail", pk=pk)
    has_link = vc_details(meeting) is not None
    fn = vc_link_change if has_link else vc_link_allocate
    try:
        fn(meeting=meeting, actor=request.user, now=timezone.now(), request=form.vc_request())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已更换视频会议" if has_link else "已预订视频会议")
    return redirect("meeting_detail", pk=pk)


@login_required
@require_POST
def meeting_vc_release_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _access(request.user, pk, edit=True)
    _act(request, "已释放视频会议，会议室仍保留", vc_link_release, meeting=meeting)
    return redirect("meeting_detail", pk=pk)


def _act(request: HttpRequest, done: str, fn: Any, **kwargs: Any) -> None:
    try:
        fn(actor=request.user, now=timezone.now(), **kwargs)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)


@login_required
@require_POST
def meeting_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _access(request.user, pk, edit=True)
    form = CancelForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    _act(request, "会议已取消，会议室已释放", meeting_cancel, meeting=meeting, reason=reason)
    return redirect("meeting_detail", pk=pk)


def _decide(request: HttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    if not roles.can_approve(request.user):
        raise DjangoPermissionDenied("只有审批人可以审批")
    meeting = _access(request.user, pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if approve:
        _act(request, f"已批准：{meeting.title}", meeting_approve, meeting=meeting, note=note)
    else:
        _act(request, f"已驳回：{meeting.title}", meeting_reject, meeting=meeting, note=note)
    return redirect(_safe_next(request, reverse("meeting_detail", args=[pk])))


@login_required
@require_POST
def meeting_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=True)


@login_required
@require_POST
def meeting_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _decide(request, pk, approve=False)


# --- approvals ----------------------------------------------------------------------------


@login_required
def approvals(request: HttpRequest) -> HttpResponse:
    """待审批: pending requests, oldest first, each with what it would clash with now."""
    if not roles.can_approve(request.user):
        raise DjangoPermissionDenied("只有审批人或会务管理员可以查看待审批申请")
    now = timezone.now()
    pending = list(
        with_visibility(
            Meeting.objects.filter(status=Status.PENDING)
            .select_related("room", "organizer")
            .prefetch_related("attendances")
            .order_by("created_at", "pk"),
            request.user,
        )
    )
    series_pending = collections.Counter(m.series_id for m in pending if m.series_id)
    items = []
    for m in pending:
        # Holds block the room, so a hard clash here means data changed around the hold
        # (e.g. an admin booking); soft ones (a leader now busy) are worth seeing too.
        check = meeting_recheck(
            m,
            person_ids=[a.person_id for a in m.attendances.all() if a.person_id is not None],
            now=now,
        )
        # One acknowledged by the requester is listed once, as 已确认, not again as soft.
        acked = _acked_codes(m)
        items.append(
            {
                "meeting": m,
                "title": display_title(request.user, m),
                "when": _span_label(m.start, m.end),
                "requested": localtime(m.created_at),
                "deadline": _deadline(m.hold_expires_at) if m.hold_expires_at else None,
                "overdue": bool(m.hold_expires_at and m.hold_expires_at <= now),
                "hard": [_meeting_item(request.user, c) for c in check.hard],
                "soft": [w.message for w in check.soft if w.code not in acked],
                "acknowledged": m.acknowledged_conflicts,
                # A series waits as one request per occurrence: offer to decide them at once.
                "series_pending": series_pending[m.series_id] if m.series_id else 0,
            }
        )
    return _page(
        request,
        "meetings/approvals.html",
        {
            "nav": "approvals",
            "items": items,
            "pending_count": len(items),
            "decision_form": DecisionForm(),
        },
    )


def home(request: HttpRequest) -> HttpResponse:
    return redirect("board")
