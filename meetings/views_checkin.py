"""签到 desk page: a focused input for scanned or typed codes, the list to click, a live count.

A QR scanner is a keyboard: it types the code into the focused input and presses Enter.
With htmx the form posts in the background and only the panel (count, last result,
list) is replaced, so the input keeps the focus for the next person; without JavaScript
the same form posts and the page reloads. The panel also polls every few seconds, so
two desks at two doors see each other's check-ins.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.exceptions import DomainError
from core.params import parse_id
from core.timeutil import localtime
from meetings import attendees as svc
from meetings.documents.text import when_label
from meetings.models import Meeting, Rsvp
from meetings.roster import checkin_count, roster
from meetings.views import _access, _page
from meetings.views_attendees import _attendance

POLL_SECONDS = 3


def _desk(request: HttpRequest, pk: int) -> Meeting:
    meeting = _access(request.user, pk)
    if not svc.can_check_in(request.user, meeting):
        raise DjangoPermissionDenied("只有会务人员可以办理签到")
    return meeting


def _panel(meeting: Meeting, result: dict[str, Any] | None = None) -> dict[str, Any]:
    rows = roster(meeting)
    present = [a for a in rows if a.checked_in_at]
    waiting = [a for a in rows if not a.checked_in_at and a.rsvp != Rsvp.LEAVE]
    excused = [a for a in rows if not a.checked_in_at and a.rsvp == Rsvp.LEAVE]
    return {
        "meeting": meeting,
        "count": checkin_count(meeting),
        "waiting": waiting,
        "present": sorted(present, key=lambda a: a.checked_in_at or timezone.now(), reverse=True),
        "excused": excused,
        "result": result,
        "poll": POLL_SECONDS,
    }


def _result(kind: str, message: str) -> dict[str, Any]:
    return {"kind": kind, "message": message}


@login_required
@require_http_methods(["GET", "POST"])
def checkin_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _desk(request, pk)
    result = None
    status = 200
    if request.method == "POST":
        code = request.POST.get("code")
        raw_id = request.POST.get("attendance_id", "")
        attendance_id = parse_id(raw_id)
        if not (code or "").strip() and attendance_id is None:
            result, status = _result("error", "请扫描或输入签到码"), 422
        else:
            try:
                done = svc.checkin(
                    meeting=meeting,
                    actor=request.user,
                    now=timezone.now(),
                    code=code if (code or "").strip() else None,
                    attendance_id=attendance_id if not (code or "").strip() else None,
                )
            except DomainError as exc:
                result, status = _result("error", exc.message), exc.status
            else:
                a = done.attendance
                who = f"{a.display_name}（{a.display_unit}）" if a.display_unit else a.display_name
                if done.already:
                    when = localtime(a.checked_in_at) if a.checked_in_at else None
                    result = _result(
                        "info", f"{who} 已于 {when:%H:%M} 签到，无需重复" if when else who
                    )
                else:
                    note = "（原回执：请假）" if a.rsvp == Rsvp.LEAVE else ""
                    result = _result("success", f"签到成功：{who}{note}")
        if getattr(request, "htmx", False):
            # 200 even for a wrong code: htmx swaps only successful answers by default,
            # and the message is what the desk must see.
            return render(
                request, "meetings/_checkin_panel.html", {**_panel(meeting, result), "oob": True}
            )
    context = {
        **_panel(meeting, result),
        "when": when_label(localtime(meeting.start), localtime(meeting.end)),
    }
    return _page(request, "meetings/checkin.html", context, status=status)


@login_required
@require_GET
def checkin_panel(request: HttpRequest, pk: int) -> HttpResponse:
    """The polled part: count and lists."""
    meeting = _desk(request, pk)
    return render(request, "meetings/_checkin_panel.html", _panel(meeting))


@login_required
@require_POST
def checkin_undo_view(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    meeting = _desk(request, pk)
    attendance = _attendance(meeting, aid)
    try:
        svc.checkin_undo(attendance=attendance, actor=request.user, now=timezone.now())
        result = _result("info", f"已撤销签到：{attendance.display_name}")
    except DomainError as exc:
        result = _result("error", exc.message)
    if getattr(request, "htmx", False):
        return render(
            request, "meetings/_checkin_panel.html", {**_panel(meeting, result), "oob": True}
        )
    context = {
        **_panel(meeting, result),
        "when": when_label(localtime(meeting.start), localtime(meeting.end)),
    }
    return _page(request, "meetings/checkin.html", context)
