"""The personal RSVP page (回执), /r/<token>/: no login, the signed link is the key.

A forged or garbled link is a 404 that says nothing about which meetings exist. After
the deadline (or once the meeting is cancelled) the page says so and saves nothing.
The page also carries the attendee's check-in QR code, to show at the door.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.exceptions import DomainError, InvalidInput, NotFound
from core.timeutil import localtime
from meetings import attendees as svc
from meetings.documents.text import when_label
from meetings.forms_attendees import RsvpForm
from meetings.models import Attendance, Rsvp, Status
from meetings.vc import vc_details
from meetings.views_schedule import qr_svg


def _context(attendance: Attendance, form: RsvpForm, **extra: Any) -> dict[str, Any]:
    meeting = attendance.meeting
    now = timezone.now()
    details = vc_details(meeting, include_branch=True)
    code = svc.checkin_code(attendance)
    return {
        "a": attendance,
        "meeting": meeting,
        "own_name": attendance.person.name if attendance.person else attendance.guest_name,
        "when": when_label(localtime(meeting.start), localtime(meeting.end)),
        "vc": details.summary() if details else "",
        "deadline": localtime(svc.rsvp_deadline(meeting)),
        "closed": svc.rsvp_closed_reason(meeting, now),
        "form": form,
        "code": code,
        # Nothing to sign in to once the meeting is called off: a code that says "show
        # this at the desk" would send the person to a meeting that will not take place.
        "qr": qr_svg(code, "签到二维码")
        if attendance.rsvp != Rsvp.LEAVE
        and meeting.status not in (Status.CANCELLED, Status.REJECTED)
        else None,
        **extra,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def rsvp(request: HttpRequest, token: str) -> HttpResponse:
    try:
        attendance = svc.attendance_for_rsvp(token)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if request.method == "GET":
        initial = {
            "answer": attendance.rsvp if attendance.rsvp != Rsvp.PENDING else None,
            "substitute_name": attendance.substitute_name,
            "substitute_title": attendance.substitute_title,
            "note": attendance.rsvp_note,
        }
        saved = request.GET.get("saved") == "1" and attendance.rsvp != Rsvp.PENDING
        return render(
            request,
            "meetings/rsvp.html",
            _context(attendance, RsvpForm(initial=initial), saved=saved),
        )
    form = RsvpForm(request.POST)
    closed = svc.rsvp_closed_reason(attendance.meeting, timezone.now())
    if closed:
        return render(request, "meetings/rsvp.html", _context(attendance, form), status=409)
    if not form.is_valid():
        return render(request, "meetings/rsvp.html", _context(attendance, form), status=422)
    data = form.cleaned_data
    try:
        svc.rsvp_answer(
            attendance=attendance,
            answer=data["answer"],
            now=timezone.now(),
            substitute_name=data["substitute_name"],
            substitute_title=data["substitute_title"],
            note=data["note"],
        )
    except InvalidInput as exc:
        for err in exc.details.get("errors", []):
            name = err.get("field")
            form.add_error(name if name in form.fields else None, err.get("message"))
        if not exc.details.get("errors"):
            form.add_error(None, exc.message)
        return render(request, "meetings/rsvp.html", _context(attendance, form), status=422)
    except DomainError as exc:
        return render(
            request, "meetings/rsvp.html", _context(attendance, form, error=exc.message), status=409
        )
    # Post/redirect/get: a reload does not send the answer twice.
    return redirect(request.path + "?saved=1")
