"""Pages of series (系列会议): the 重复 part of the booking form with its preview, a
series' page, editing by scope, and restoring a cancelled occurrence.

Thin like meetings/views.py (whose form page and helpers these reuse): forms parse,
meetings/series.py decides, domain errors come back as form messages — never a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from core import roles
from core.exceptions import DomainError, NotFound
from core.exceptions import PermissionDenied as DomainPermissionDenied
from core.params import parse_id
from core.timeutil import localtime
from meetings import views
from meetings.access import can_edit, display_title
from meetings.forms import DecisionForm, MeetingForm
from meetings.forms_series import KEEP, RecurrenceForm, SeriesEditForm
from meetings.models import BLOCKING, Meeting, MeetingSeries, Status
from meetings.recurrence import parse_rrule
from meetings.series import (
    SKIP_LABELS,
    Preview,
    SeriesConflict,
    SeriesSpec,
    access_series,
    can_edit_series,
    key_of,
    occurrence_restore,
    series_approve,
    series_create,
    series_meetings,
    series_preview,
    series_update,
    series_visible,
    spec_from_template,
)

WEEKDAYS = views.WEEKDAYS


def _day_label(day: dt.date) -> str:
    return f"{day.month}月{day.day}日（周{WEEKDAYS[day.weekday()]}）"


def _series_or_404(user: Any, pk: int, *, edit: bool = False) -> MeetingSeries:
    try:
        return access_series(user, pk, edit=edit)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainPermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc


def _spec(form: MeetingForm) -> SeriesSpec:
    """The template from the booking form's valid fields (the preview runs on partial input)."""
    data = form.cleaned_data
    room = data.get("room")
    return SeriesSpec(
        title=(data.get("title") or "").strip() or "（未命名）",
        room=room,
        place="" if room else (data.get("place") or ""),
        kind=data.get("kind") or "topic",
        setup_minutes=data.get("setup_minutes"),
        teardown_minutes=data.get("teardown_minutes"),
        confidentiality=data.get("confidentiality") or "normal",
        description=data.get("description") or "",
        expected_attendance=data.get("expected_attendance"),
        attendees=form.attendee_specs(),
        branch_of=data.get("branch_of") or "",
        link_test_minutes=data.get("link_test_minutes"),
        vc=form.vc_request() if "vc_wanted" in data else None,
    )


# --- the booking form: preview and create ---------------------------------------------------


SOFT_LABELS = {
    "person_busy": "人员时间冲突",
    "over_capacity": "超出容量",
    "outside_hours": "超出可预订时间",
}


def preview_context(
    user: Any,
    preview: Preview,
    *,
    skip_checked: bool,
    acknowledged: frozenset[str] | set[str] = frozenset(),
) -> dict[str, Any]:
    """What the 重复 preview lists: each date, held or clashing, and the holidays skipped."""
    # Warnings of any date can be acknowledged here (the check panel shows only the
    # first date's); an acknowledged one stays listed so that it stays ticked.
    codes = {w.code for p in preview.probes if p.check for w in p.check.soft}
    items = []
    for probe in preview.probes:
        occ = probe.occurrence
        start, end = localtime(occ.start), localtime(occ.end)
        check = probe.check
        items.append(
            {
                "day": _day_label(start.date()),
                "time": f"{start:%H:%M}–{end:%H:%M}",
                "clash": probe.clash,
                "adjusted": occ.adjusted,
                "instead_of": _day_label(occ.key) if occ.adjusted else "",
                "hard": [views._meeting_item(user, m) for m in (check.hard if check else [])],
                "warnings": [w.message for w in probe.warnings],
            }
        )
    return {
        "state": "preview",
        "label": preview.rule.label(),
        "items": items,
        "total": len(items),
        "clashing": len(preview.clashing),
        "holidays": [_day_label(o.key) for o in preview.plan.holidays],
        "truncated": preview.plan.truncated,
        "skip_checked": skip_checked,
        "soft": [
            {"code": c, "label": SOFT_LABELS.get(c, c), "checked": c in acknowledged}
            for c in SOFT_LABELS
            if c in codes
        ],
    }


@login_required
@require_POST
def series_preview_view(request: HttpRequest) -> HttpResponse:
    """The htmx partial under 重复: the dates the rule gives and what each runs into."""
    views._require_booker(request.user)
    rec = RecurrenceForm(request.POST)
    if not rec.wanted():
        return render(request, "meetings/_series_preview.html", {"preview": None})
    form = MeetingForm(request.POST)
    form.is_valid()
    rec.is_valid()
    interval = form.interval()
    context: dict[str, Any]
    if interval is None:
        context = {
            "state": "incomplete",
            "message": "填写首次会议的日期和时间后，这里列出每次会议的日期和冲突。",
        }
    else:
        try:
            preview = series_preview(
                actor=request.user,
                spec=_spec(form),
                rrule=rec.rrule(interval[0].date()),
                start=interval[0],
                end=interval[1],
                now=timezone.now(),
                skip_holidays=bool(rec.cleaned_data.get("skip_holidays")),
                include_adjusted_workdays=bool(rec.cleaned_data.get("include_adjusted_workdays")),
                acknowledge=form.acknowledged(),
            )
        except DomainError as exc:
            context = {"state": "invalid", "message": exc.message}
        except ValidationError as exc:  # from RecurrenceForm.rrule: no UNTIL date
            context = {"state": "invalid", "message": "；".join(exc.messages)}
        else:
            context = preview_context(
                request.user,
                preview,
                skip_checked=request.POST.get("skip_conflicts") == "1",
                acknowledged=set(form.acknowledged()),
            )
    return render(request, "meetings/_series_preview.html", {"preview": context})


def series_create_from_form(request: HttpRequest) -> HttpResponse:
    """预订 with 重复 chosen: book the series (called by views.meeting_create_view)."""
    form = MeetingForm(request.POST)
    rec = RecurrenceForm(request.POST)
    valid = form.is_valid() & rec.is_valid()
    interval = form.interval() if valid else None
    if interval is None:
        return views._form_page(request, form, meeting=None, panel_data=request.POST, status=422)
    try:
        result = series_create(
            actor=request.user,
            spec=SeriesSpec(
                **form.service_fields(),
                attendees=form.attendee_specs(),
                vc=form.vc_request(),
                reminder_minutes=form.reminder(),
            ),
            rrule=rec.rrule(interval[0].date()),
            start=interval[0],
            end=interval[1],
            now=timezone.now(),
            skip_holidays=bool(rec.cleaned_data.get("skip_holidays")),
            include_adjusted_workdays=bool(rec.cleaned_data.get("include_adjusted_workdays")),
            acknowledge=form.acknowledged(),
            skip_conflicts=request.POST.get("skip_conflicts") == "1",
        )
    except DomainError as exc:
        if isinstance(exc, SeriesConflict):
            form.add_error(None, exc.message + "（见“重复”下的各次列表）")
        elif exc.details.get("errors", [{}])[0].get("field") == "rrule":
            rec.add_error("repeat", exc.message)
            form.add_error(None, f"重复规则：{exc.message}")
        else:
            views._apply_domain_error(form, exc)
        return views._form_page(
            request, form, meeting=None, panel_data=request.POST, status=exc.status
        )
    except ValidationError as exc:  # the until date missing (RecurrenceForm.rrule)
        form.add_error(None, "重复规则：" + "；".join(exc.messages))
        return views._form_page(request, form, meeting=None, panel_data=request.POST, status=422)
    series = result.series
    label = parse_rrule(series.rrule).label()
    text = f"已预订系列会议：{series.template.get('title')}（{label}，共 {len(result.created)} 次"
    if result.skipped:
        text += f"，跳过 {len(result.skipped)} 次"
    messages.success(request, text + "）")
    return redirect("series_detail", pk=series.pk)


# --- a series' page -----------------------------------------------------------------------


def _occurrence_row(user: Any, m: Meeting) -> dict[str, Any]:
    start, end = localtime(m.start), localtime(m.end)
    return {
        "meeting": m,
        "title": display_title(user, m),
        "day": _day_label(start.date()),
        "time": f"{start:%H:%M}–{end:%H:%M}",
        "room": m.room.name if m.room else m.place,
        "moved": start.date() != key_of(m),
        "rule_day": _day_label(key_of(m)),
        "cancelled": m.status == Status.CANCELLED,
        "editable": m.status in BLOCKING and m.start > timezone.now(),
    }


@login_required
def series_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """系列会议: the rule, every occurrence (exceptions and cancellations marked), skips."""
    series = _series_or_404(request.user, pk)
    meetings = list(series_meetings(series, request.user))
    visible = series_visible(request.user, series, meetings)
    start = localtime(series.dtstart)
    end = start + dt.timedelta(minutes=series.duration_minutes)
    context = {
        "series": series,
        "title": series.template.get("title", "") if visible else "内部会议",
        "rule": parse_rrule(series.rrule).label(),
        "times": f"{start:%H:%M}–{end:%H:%M}",
        "rows": [_occurrence_row(request.user, m) for m in meetings],
        "skipped": [
            {
                "day": _day_label(dt.date.fromisoformat(s["date"])),
                "reason": SKIP_LABELS.get(s["reason"], s["reason"]),
            }
            for s in series.template.get("skipped", [])
        ],
        "can_edit": can_edit_series(request.user, series),
        "split_from": series.template.get("split_from"),
    }
    pending = sum(1 for m in meetings if m.status == Status.PENDING)
    # Not "pending_count": that name is the navigation bar's badge of every request
    # waiting for approval (views._page), which this series' own count must not replace.
    context["series_pending"] = pending
    context["can_approve_all"] = pending > 0 and roles.can_approve(request.user)
    return views._page(request, "meetings/series_detail.html", context)


@login_required
@require_POST
def series_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    """批准整个系列: every pending occurrence at once (from 待审批 or the series page)."""
    series = _series_or_404(request.user, pk)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        result = series_approve(series=series, actor=request.user, now=timezone.now(), note=note)
    except DomainPermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        done = f"已批准系列中的 {len(result.approved)} 次会议"
        if result.expired:
            done += f"；{len(result.expired)} 次已超过审批期限，预留已释放"
        messages.success(request, done)
    return redirect(views._safe_next(request, reverse("series_detail", args=[pk])))


# --- edit by scope ------------------------------------------------------------------------


def _edit_initial(series: MeetingSeries) -> dict[str, Any]:
    template = series.template
    start = localtime(series.dtstart)
    pairs = template.get("attendees") or []
    chair = next((p for p, role in pairs if role == "chair"), None)
    return {
        "title": template.get("title", ""),
        "kind": template.get("kind", "topic"),
        "room": template.get("room_id"),
        "place": template.get("place", ""),
        "start_time": start.time(),
        "end_time": (start + dt.timedelta(minutes=series.duration_minutes)).time(),
        "expected_attendance": template.get("expected_attendance"),
        "chair": chair,
        "attendees": [p for p, _ in pairs if p != chair],
        "confidentiality": template.get("confidentiality", "normal"),
        "setup_minutes": template.get("setup_minutes"),
        "teardown_minutes": template.get("teardown_minutes"),
        "description": template.get("description", ""),
        "branch_of": template.get("branch_of", ""),
        "link_test_minutes": template.get("link_test_minutes"),
    }


def _changes(series: MeetingSeries, form: SeriesEditForm) -> dict[str, Any]:
    """The fields that differ from the series' template: only those are applied, so an
    edit of the title does not also rewrite every other field of every occurrence."""
    current = spec_from_template(series.template)
    wanted = form.service_fields()
    out = {}
    for name, value in wanted.items():
        if name == "room":
            if (value.pk if value else None) != series.template.get("room_id"):
                out[name] = value
        elif getattr(current, name) != value:
            out[name] = value
    return out


def _scope_from(request: HttpRequest, series: MeetingSeries) -> tuple[str, Meeting | None]:
    scope = request.GET.get("scope") or request.POST.get("scope") or "all"
    if scope not in ("all", "following"):
        raise Http404("未知的修改范围")
    occurrence = None
    if scope == "following":
        occurrence_id = parse_id(request.GET.get("from") or request.POST.get("from"))
        occurrence = (
            Meeting.objects.filter(pk=occurrence_id, series=series).first()
            if occurrence_id
            else None
        )
        if occurrence is None:
            raise Http404("该会议不属于此系列")
    return scope, occurrence


@login_required
@require_http_methods(["GET", "POST"])
def series_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """修改系列: 全部 (scope=all) or 本次及以后 (scope=following&from=<id>)."""
    series = _series_or_404(request.user, pk, edit=True)
    scope, occurrence = _scope_from(request, series)
    rec = RecurrenceForm(request.POST or None, editing=True) if scope == "following" else None
    if request.method == "GET":
        form = SeriesEditForm(initial=_edit_initial(series))
        return _edit_page(request, series, form, rec, scope=scope, occurrence=occurrence)
    form = SeriesEditForm(request.POST)
    if not form.is_valid() or (rec is not None and not rec.is_valid()):
        return _edit_page(
            request, series, form, rec, scope=scope, occurrence=occurrence, status=422
        )
    data = form.cleaned_data
    initial = _edit_initial(series)
    roster = form.attendee_specs(
        keep_roles={int(p): str(r) for p, r in series.template.get("attendees") or []}
    )
    roster_changed = [[a.person.pk, a.role] for a in roster] != [
        list(p) for p in series.template.get("attendees") or []
    ]
    rule_kwargs: dict[str, Any] = {}
    if rec is not None and (rec.wanted() or _flags_changed(rec, series)):
        assert occurrence is not None
        first = key_of(occurrence)
        try:
            rule_kwargs["rrule"] = rec.rrule(first) if rec.wanted() else series.rrule
        except ValidationError as exc:
            form.add_error(None, "重复规则：" + "；".join(exc.messages))
            return _edit_page(
                request, series, form, rec, scope=scope, occurrence=occurrence, status=422
            )
        rule_kwargs["skip_holidays"] = bool(rec.cleaned_data.get("skip_holidays"))
        rule_kwargs["include_adjusted_workdays"] = bool(
            rec.cleaned_data.get("include_adjusted_workdays")
        )
        if not rec.wanted():
            # Only the holiday options changed: the series' rule from this date on.
            rule_kwargs.pop("rrule")
    try:
        result = series_update(
            series=series,
            actor=request.user,
            now=timezone.now(),
            scope=scope,
            occurrence=occurrence,
            changes=_changes(series, form),
            attendees=roster if roster_changed else None,
            start_time=data["start_time"] if data["start_time"] != initial["start_time"] else None,
            end_time=data["end_time"]
            if (data["start_time"], data["end_time"])
            != (initial["start_time"], initial["end_time"])
            else None,
            acknowledge=form.acknowledged(),
            **rule_kwargs,
        )
    except DomainError as exc:
        views._apply_domain_error(form, exc)
        return _edit_page(
            request, series, form, rec, scope=scope, occurrence=occurrence, status=exc.status
        )
    text = f"已修改 {len(result.updated)} 次会议"
    if result.created:
        text += f"，新增 {len(result.created)} 次"
    if result.cancelled:
        text += f"，取消 {len(result.cancelled)} 次"
    messages.success(request, text + "；单独修改过的会议保持不变")
    return redirect("series_detail", pk=result.series.pk)


def _flags_changed(rec: RecurrenceForm, series: MeetingSeries) -> bool:
    data = rec.cleaned_data
    return (bool(data.get("skip_holidays")), bool(data.get("include_adjusted_workdays"))) != (
        series.skip_holidays,
        series.include_adjusted_workdays,
    )


def _edit_page(
    request: HttpRequest,
    series: MeetingSeries,
    form: SeriesEditForm,
    rec: RecurrenceForm | None,
    *,
    scope: str,
    occurrence: Meeting | None,
    status: int = 200,
) -> HttpResponse:
    if rec is not None and not rec.is_bound:
        rec = RecurrenceForm(
            initial={
                "repeat": KEEP,
                "skip_holidays": series.skip_holidays,
                "include_adjusted_workdays": series.include_adjusted_workdays,
            },
            editing=True,
        )
    from_label = _day_label(localtime(occurrence.start).date()) if occurrence else ""
    return views._page(
        request,
        "meetings/series_edit.html",
        {
            "series": series,
            "form": form,
            "recurrence": rec,
            "scope": scope,
            "occurrence": occurrence,
            "scope_short": "全部" if scope == "all" else "本次及以后",
            "scope_label": "全部（未开始、未单独修改的各次）"
            if scope == "all"
            else f"{from_label}及以后",
            "rule": parse_rrule(series.rrule).label(),
        },
        status=status,
    )


# --- one occurrence -----------------------------------------------------------------------


@login_required
@require_POST
def meeting_restore_view(request: HttpRequest, pk: int) -> HttpResponse:
    """恢复 a cancelled occurrence: the conflict check runs again."""
    meeting = views._access(request.user, pk, edit=True)
    views._act(request, "已恢复本次会议", occurrence_restore, meeting=meeting)
    return redirect("meeting_detail", pk=pk)


def series_context(user: Any, meeting: Meeting) -> dict[str, Any]:
    """The 系列会议 card of an occurrence's page: the rule and the scope choice."""
    if meeting.series_id is None or meeting.recurrence_id is None:
        return {}
    series = MeetingSeries.objects.filter(pk=meeting.series_id).first()
    if series is None:
        return {}
    editable = can_edit(user, meeting) and can_edit_series(user, series)
    rule_day = key_of(meeting)
    start = localtime(series.dtstart)
    end = start + dt.timedelta(minutes=series.duration_minutes)
    return {
        "series_card": {
            "series": series,
            "rule": parse_rrule(series.rrule).label(),
            "times": f"{start:%H:%M}–{end:%H:%M}",
            "count": Meeting.objects.filter(series=series).count(),
            "is_exception": meeting.is_exception,
            "moved": localtime(meeting.start).date() != rule_day,
            "rule_day": _day_label(rule_day),
            "can_edit": editable and meeting.status in BLOCKING,
            "can_restore": editable and meeting.status == Status.CANCELLED,
            "following_url": reverse("series_edit", args=[series.pk])
            + f"?scope=following&from={meeting.pk}",
            "all_url": reverse("series_edit", args=[series.pk]) + "?scope=all",
        }
    }
