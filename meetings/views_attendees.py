"""参会人员 page: the roster with RSVP states, adding and ordering, .xlsx import/export,
the RSVP tally, each attendee's personal link, and printable check-in QR cards.

Thin: forms parse, meetings.attendees and meetings.roster_xlsx do the work, and their
domain errors become messages on the page (never a 500). A soft conflict (a leader busy
elsewhere, the room too small) is shown with a button that sends the same request again
with the acknowledgement, as the booking form does.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import DomainError, InvalidInput, SoftConflict
from core.schemas import MAX_ID
from core.timeutil import localtime
from meetings import attendees as svc
from meetings.access import can_edit, can_see_details
from meetings.forms_attendees import AddPersonForm, GuestForm, ImportForm, StaffRsvpForm
from meetings.models import Attendance, Meeting, Role, Rsvp
from meetings.roster import checkin_count, roster, rsvp_tally
from meetings.roster_xlsx import CONTENT_TYPE, MAX_BYTES, roster_export, roster_import
from meetings.views import _access, _page
from meetings.views_schedule import qr_svg


def _readable(request: HttpRequest, pk: int) -> Meeting:
    meeting = _access(request.user, pk)
    if not can_see_details(request.user, meeting):
        raise DjangoPermissionDenied("这是内部会议，只有承办人、参会人员及其秘书等可以查看名单")
    return meeting


def _attendance(meeting: Meeting, aid: int) -> Attendance:
    found = (
        Attendance.objects.select_related("person__unit").filter(pk=aid, meeting=meeting).first()
        if aid <= MAX_ID
        else None
    )
    if found is None:
        raise Http404("参会人员不存在")
    found.meeting = meeting
    return found


def rsvp_link(request: HttpRequest, attendance: Attendance) -> str:
    return request.build_absolute_uri(reverse("rsvp", args=[svc.rsvp_token(attendance)]))


def _back(meeting: Meeting, anchor: str = "") -> HttpResponse:
    return redirect(reverse("meeting_attendees", args=[meeting.pk]) + anchor)


def _context(request: HttpRequest, meeting: Meeting, **extra: Any) -> dict[str, Any]:
    rows = roster(meeting)
    editable = can_edit(request.user, meeting) and meeting.status not in ("cancelled", "rejected")
    items = []
    for a in rows:
        items.append(
            {
                "a": a,
                "own_name": a.person.name if a.person else a.guest_name,
                "title": a.person.title if a.person else a.guest_title,
                "unit": a.display_unit,
                # A guest's phone, for the staff who run the meeting (not in the directory).
                "phone": a.guest_phone if editable else "",
                "link": rsvp_link(request, a) if editable else "",
            }
        )
    deadline = svc.rsvp_deadline(meeting)
    context = {
        "meeting": meeting,
        "items": items,
        "tally": rsvp_tally(rows),
        "count": checkin_count(meeting),
        "editable": editable,
        "deadline": localtime(deadline),
        "deadline_set": meeting.rsvp_deadline is not None,
        "rsvp_open": svc.rsvp_closed_reason(meeting, timezone.now()) is None,
        "roles": Role.choices,
        "add_form": AddPersonForm(meeting=meeting),
        "guest_form": GuestForm(),
        "import_form": ImportForm(),
        "rsvp_form": StaffRsvpForm(),
        "max_mb": MAX_BYTES // 1024 // 1024,
    }
    context.update(extra)
    return context


@login_required
@require_GET
def attendee_list(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _readable(request, pk)
    return _page(request, "meetings/attendees.html", _context(request, meeting))


def _confirm(
    request: HttpRequest, meeting: Meeting, exc: SoftConflict, **extra: Any
) -> HttpResponse:
    """The page again with the warning and a button that repeats the request, acknowledged."""
    codes = [w["code"] for w in exc.details.get("warnings", [])]
    data = [
        (k, v) for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "acknowledge")
    ]
    confirm = {"message": exc.message, "action": request.path, "data": data, "codes": codes}
    return _page(
        request,
        "meetings/attendees.html",
        _context(request, meeting, confirm=confirm, **extra),
        status=409,
    )


@login_required
@require_POST
def attendee_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Add a directory person (`person`) or a guest (`guest_name` …)."""
    meeting = _access(request.user, pk, edit=True)
    acknowledge = request.POST.getlist("acknowledge")
    if request.POST.get("guest_name") is not None:
        guest_form = GuestForm(request.POST)
        if not guest_form.is_valid():
            return _page(
                request,
                "meetings/attendees.html",
                _context(request, meeting, guest_form=guest_form),
                status=422,
            )
        data = guest_form.cleaned_data
        kwargs: dict[str, Any] = {
            "guest": svc.Guest(
                data["guest_name"], data["guest_title"], data["guest_unit"], data["guest_phone"]
            ),
            "role": data["role"],
        }
    else:
        form = AddPersonForm(request.POST, meeting=meeting)
        if not form.is_valid():
            return _page(
                request,
                "meetings/attendees.html",
                _context(request, meeting, add_form=form),
                status=422,
            )
        kwargs = {"person": form.cleaned_data["person"], "role": form.cleaned_data["role"]}
    try:
        added = svc.attendee_add(
            meeting=meeting,
            actor=request.user,
            now=timezone.now(),
            acknowledge=acknowledge,
            **kwargs,
        )
    except SoftConflict as exc:
        return _confirm(request, meeting, exc)
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(meeting)
    messages.success(request, f"已添加：{added.display_name}（{added.get_role_display()}）")
    return _back(meeting, f"#att-{added.pk}")


@login_required
@require_POST
def attendee_role_view(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    meeting = _access(request.user, pk, edit=True)
    attendance = _attendance(meeting, aid)
    try:
        svc.attendee_update(
            attendance=attendance,
            actor=request.user,
            now=timezone.now(),
            role=request.POST.get("role") or attendance.role,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{attendance.display_name}：{attendance.get_role_display()}")
    return _back(meeting, f"#att-{aid}")


@login_required
@require_POST
def attendee_move_view(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    meeting = _access(request.user, pk, edit=True)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        svc.attendee_move(
            attendance=_attendance(meeting, aid),
            actor=request.user,
            now=timezone.now(),
            offset=offset,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return _back(meeting, f"#att-{aid}")


@login_required
@require_POST
def attendee_remove_view(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    meeting = _access(request.user, pk, edit=True)
    attendance = _attendance(meeting, aid)
    name = attendance.display_name
    try:
        svc.attendee_remove(attendance=attendance, actor=request.user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已移除：{name}")
    return _back(meeting)


@login_required
@require_POST
def attendee_rsvp_view(request: HttpRequest, pk: int, aid: int) -> HttpResponse:
    """Staff record an answer given by phone (the deadline does not bind them)."""
    meeting = _access(request.user, pk, edit=True)
    attendance = _attendance(meeting, aid)
    form = StaffRsvpForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择回执")
        return _back(meeting, f"#att-{aid}")
    try:
        svc.rsvp_answer(
            attendance=attendance,
            answer=form.cleaned_data["answer"],
            now=timezone.now(),
            actor=request.user,
            substitute_name=form.cleaned_data["substitute_name"],
            substitute_title=form.cleaned_data["substitute_title"],
            note=form.cleaned_data["note"],
        )
    except DomainError as exc:
        messages.error(request, f"{attendance.display_name}：{exc.message}")
    else:
        messages.success(
            request, f"已登记回执：{attendance.display_name} {attendance.get_rsvp_display()}"
        )
    return _back(meeting, f"#att-{aid}")


@login_required
@require_POST
def attendee_import_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _access(request.user, pk, edit=True)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(
            request,
            "meetings/attendees.html",
            _context(request, meeting, import_form=form),
            status=422,
        )
    upload = form.cleaned_data["file"]
    try:
        if upload.size > MAX_BYTES:
            raise InvalidInput(f"文件过大，不能超过 {MAX_BYTES // 1024 // 1024} MB", field="file")
        report = roster_import(
            meeting=meeting,
            actor=request.user,
            now=timezone.now(),
            data=upload.read(MAX_BYTES + 1),
            skip_bad=form.cleaned_data["skip_bad"],
            acknowledge=request.POST.getlist("acknowledge"),
        )
    except SoftConflict as exc:
        # The file cannot be sent again by a button: say what to do instead.
        messages.error(request, f"{exc.message}（请确认后，勾选下方“忽略冲突提示”重新导入）")
        return _page(
            request,
            "meetings/attendees.html",
            _context(
                request, meeting, import_ack=[w["code"] for w in exc.details.get("warnings", [])]
            ),
            status=409,
        )
    except DomainError as exc:
        rows = exc.details.get("rows", [])
        return _page(
            request,
            "meetings/attendees.html",
            _context(request, meeting, import_error=exc.message, import_rows=rows),
            status=exc.status,
        )
    text = f"已导入 {len(report.added)} 人（名录人员 {report.people}，临时人员 {report.guests}）"
    if report.skipped:
        text += f"；跳过 {len(report.skipped)} 行：" + "；".join(
            f"第 {e.row} 行 {e.message}" for e in report.skipped[:10]
        )
    messages.success(request, text)
    return _back(meeting)


@login_required
@require_GET
def attendee_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _readable(request, pk)
    response = HttpResponse(roster_export(meeting, roster(meeting)), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = (
        content_disposition_header(True, f"{meeting.title}参会人员.xlsx") or "attachment"
    )
    return response


@login_required
@require_GET
def attendee_codes_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Printable cards: each attendee's check-in QR code with name and code (for the desk,
    or to hand out with the notice)."""
    meeting = _access(request.user, pk)
    if not svc.can_check_in(request.user, meeting):
        raise DjangoPermissionDenied("只有会务人员可以打印签到码")
    cards = [
        {
            "a": a,
            "code": svc.checkin_code(a),
            "qr": qr_svg(svc.checkin_code(a), "签到二维码"),
        }
        for a in roster(meeting)
        if a.rsvp != Rsvp.LEAVE
    ]
    return _page(request, "meetings/attendee_codes.html", {"meeting": meeting, "cards": cards})
