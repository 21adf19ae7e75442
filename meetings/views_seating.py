"""The seating page: the plan drawn to scale, drag a name onto another seat, lock, re-arrange,
what to reprint, and the print buttons.

The plan is plain HTML: each seat an absolutely positioned box at its layout coordinates
(rooms/layouts.py), so it needs no canvas library and works offline. Dragging a name is a
tiny inline script that fills and posts the same form the page offers without script
(移动/交换); both go through meetings.seating.services like the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.pdf.base import NAMECARD_STOCKS
from meetings.access import can_edit, can_see_details
from meetings.forms_seating import ArrangeForm, LockForm, MoveForm
from meetings.models import Meeting, Status
from meetings.seating import services
from meetings.seating.engine import Viewpoint
from meetings.seating.selectors import SeatingState, describe, seating_state, unit_short
from meetings.views import _access, _page, _span_label
from rooms.layouts import FeatureKind, LayoutKind, Zone, seat_order

MAX_PLAN_WIDTH = 1040  # px: the plan column of the page
MAX_SCALE = 64.0  # px per metre: small rooms do not get giant seats
MIN_SCALE = 30.0  # below this a name no longer fits a seat; the plan scrolls instead


def _visible_meeting(user: Any, pk: int, *, edit: bool = False) -> Meeting:
    meeting = _access(user, pk, edit=edit)
    if not can_see_details(user, meeting):
        raise DjangoPermissionDenied(
            "内部会议：座次仅对承办人、参会人员及其秘书、审批人和管理员可见"
        )
    return meeting


def _editable(user: Any, meeting: Meeting) -> bool:
    return can_edit(user, meeting) and meeting.status not in (Status.CANCELLED, Status.REJECTED)


@dataclass(frozen=True)
class Box:
    left: float
    top: float
    width: float
    height: float

    @property
    def style(self) -> str:
        return (
            f"left:{self.left:.1f}px;top:{self.top:.1f}px;"
            f"width:{self.width:.1f}px;height:{self.height:.1f}px"
        )


def plan_drawing(state: SeatingState, viewpoint: Viewpoint) -> dict[str, Any]:
    """Seats and features in page pixels, turned by 180° when seen from the rostrum."""
    layout = state.layout
    min_x, min_y, max_x, max_y = layout.bounds()
    width, height = max(max_x - min_x, 1.0), max(max_y - min_y, 1.0)
    scale = max(MIN_SCALE, min(MAX_SCALE, MAX_PLAN_WIDTH / width))
    turned = viewpoint is Viewpoint.ROSTRUM

    def box(x: float, y: float, w: float, h: float) -> Box:
        if turned:
            left, top = max_x - (x + w / 2), (y - h / 2) - min_y
        else:
            left, top = (x - w / 2) - min_x, max_y - (y + h / 2)
        return Box(left * scale, top * scale, w * scale, h * scale)

    seats = []
    for seat in layout.seats:
        assignment = state.arrangement.by_seat.get(seat.id)
        person = state.people_by_key.get(assignment.person_id) if assignment else None
        attendance = state.attendances.get(assignment.person_id) if assignment else None
        seats.append(
            {
                "seat": seat,
                "label": seat.label or seat.id,
                "box": box(seat.x, seat.y, layout.seat_width, layout.seat_depth),
                "person": person,
                "attendance_id": attendance.pk if attendance else None,
                "locked": bool(assignment and assignment.locked),
                "long": bool(person and len(person.name) > 3),
                # The unit under the name in the audience (short name), as on the chart.
                "unit": unit_short(attendance) if attendance and seat.zone is Zone.AUDIENCE else "",
            }
        )
    features = [
        {"feature": f, "kind": f.kind.value, "box": box(f.x, f.y, f.width, f.height)}
        for f in layout.features
    ]
    front = layout.kind in (LayoutKind.ROSTRUM, LayoutKind.CLASSROOM)
    if front:
        where = "上方为主席台" if not turned else "下方为主席台"
        if layout.kind is LayoutKind.CLASSROOM:
            where = where.replace("主席台", "屏幕")
    else:
        where = "下方为入口" if not turned else "上方为入口"
    return {
        "seats": seats,
        "features": features,
        "width": f"{width * scale:.0f}",
        "height": f"{height * scale:.0f}",
        "viewpoint_label": f"{viewpoint.label}（{where}）",
        "round": any(f.kind is FeatureKind.ROUND_TABLE for f in layout.features),
    }


@login_required
def seating_page(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _visible_meeting(request.user, pk)
    try:
        state = seating_state(meeting)
    except DomainError as exc:  # e.g. a meeting held outside any room
        messages.error(request, exc.message)
        return redirect("meeting_detail", pk=pk)
    editable = _editable(request.user, meeting)
    viewpoint = state.options.engine.viewpoint
    notice = services.seating_reprint_plan(state)
    # The list under the plan, in the order staff walk the room (and the cards print).
    seated_rows = [
        {
            "seat": seat,
            "label": seat.label or seat.id,
            "person": state.people_by_key[assignment.person_id],
            "attendance_id": state.attendances[assignment.person_id].pk,
            "locked": assignment.locked,
        }
        for seat in seat_order(state.layout)
        if (assignment := state.arrangement.by_seat.get(seat.id)) is not None
    ]
    context: dict[str, Any] = {
        "meeting": meeting,
        "title": f"{meeting.title} · 座次",
        "when": _span_label(meeting.start, meeting.end),
        "state": state,
        "plan": plan_drawing(state, viewpoint),
        "notice": notice,
        "options_label": describe(state.options.engine),
        "editable": editable,
        "unseated": [(p, state.attendances[p.id].pk) for p in state.unseated],
        "seated_rows": seated_rows,
        "seat_choices": [
            (seat.id, seat.label or seat.id, state.name_of(state.arrangement.person_at(seat.id)))
            for seat in state.layout.seats
        ],
        "arrange_form": ArrangeForm(
            initial=ArrangeForm.initial_from(state.options), layouts=state.room_layouts
        ),
        "stocks": [(key, page.label) for key, page in NAMECARD_STOCKS.items()],
        "mark": "1" if editable else "0",
        "layout_name": state.layout.name or state.layout.kind.value,
    }
    return _page(request, "meetings/seating.html", context)


def _back(pk: int) -> HttpResponse:
    return redirect(reverse("meeting_seating", args=[pk]) + "#plan")


@login_required
@require_POST
def seating_arrange_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _visible_meeting(request.user, pk, edit=True)
    state = seating_state(meeting)
    form = ArrangeForm(request.POST, layouts=state.room_layouts)
    if not form.is_valid():
        messages.error(
            request, "排座选项有误：" + "；".join(str(e) for es in form.errors.values() for e in es)
        )
        return _back(pk)
    try:
        result = services.seating_arrange(
            actor=request.user,
            meeting=meeting,
            now=timezone.now(),
            options=form.seating_options(state.options),
            layout=form.chosen_layout(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        seated = len(result.arrangement.assignments)
        messages.success(request, f"已重新排座：{seated} 人（{describe(result.options.engine)}）")
        for note in result.notes:
            messages.info(request, note)
    return _back(pk)


@login_required
@require_POST
def seating_move_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Drop a name on a seat: a swap when it comes from a seat, a move when unseated."""
    meeting = _visible_meeting(request.user, pk, edit=True)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for es in form.errors.values() for e in es))
        return _back(pk)
    data = form.cleaned_data
    target: str = data["to_seat"]
    now = timezone.now()
    try:
        state = seating_state(meeting)
        source: str | None = data.get("from_seat") or None
        if source is None:
            key = state.key_of(data["attendance_id"])
            source = state.arrangement.seat_of(key)
            if source is None:
                services.seating_move(
                    actor=request.user,
                    meeting=meeting,
                    attendance_id=data["attendance_id"],
                    seat_id=target,
                    now=now,
                )
                messages.success(
                    request, f"已将{state.name_of(key)}安排到{state.seat_label(target)}"
                )
                return _back(pk)
        if source == target:
            return _back(pk)
        a = state.name_of(state.arrangement.person_at(source))
        b = state.name_of(state.arrangement.person_at(target))
        services.seating_swap(
            actor=request.user, meeting=meeting, seat_a=source, seat_b=target, now=now
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return _back(pk)
    if b:
        messages.success(request, f"已交换：{a} ↔ {b}")
    else:
        messages.success(request, f"已将{a}移到{state.seat_label(target)}")
    return _back(pk)


@login_required
@require_POST
def seating_lock_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _visible_meeting(request.user, pk, edit=True)
    form = LockForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择座位")
        return _back(pk)
    locked = form.cleaned_data["locked"]
    try:
        services.seating_lock(
            actor=request.user,
            meeting=meeting,
            seat_id=form.cleaned_data["seat_id"],
            locked=locked,
            now=timezone.now(),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "已锁定座位" if locked else "已解锁座位")
    return _back(pk)
