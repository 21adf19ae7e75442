"""议程 editor and the notice's text: add, edit, delete and reorder items; the notice form.

For a 常务会议 each item also takes the units attending it and their 候会 time; other
kinds show those fields folded away (they still work, for a 专题会议 that needs them).
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
from django.views.decorators.http import require_http_methods, require_POST

from core.exceptions import DomainError, InvalidInput
from core.schemas import MAX_ID
from meetings import agenda as svc
from meetings.access import can_edit, can_see_details
from meetings.forms_attendees import AgendaItemForm, NoticeForm
from meetings.models import AgendaItem, Kind, Meeting, Status
from meetings.views import _access, _page


def _item(meeting: Meeting, item_id: int) -> AgendaItem:
    item = meeting.agenda_items.filter(pk=item_id).first() if item_id <= MAX_ID else None
    if item is None:
        raise Http404("议题不存在")
    item.meeting = meeting
    return item


def _apply(form: Any, exc: DomainError) -> None:
    errors = exc.details.get("errors") if isinstance(exc, InvalidInput) else None
    for err in errors or []:
        name = err.get("field")
        name = {"unit_ids": "units"}.get(name, name)
        form.add_error(name if name in form.fields else None, err.get("message") or exc.message)
    if not errors:
        form.add_error(None, exc.message)


def _context(request: HttpRequest, meeting: Meeting, **extra: Any) -> dict[str, Any]:
    items = svc.agenda_items(meeting)
    editable = can_edit(request.user, meeting) and meeting.status not in (
        Status.CANCELLED,
        Status.REJECTED,
    )
    return {
        "meeting": meeting,
        "items": items,
        "editable": editable,
        "executive": meeting.kind == Kind.EXECUTIVE,
        "form": AgendaItemForm(meeting=meeting),
        **extra,
    }


@login_required
@require_http_methods(["GET", "POST"])
def agenda_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda; POST adds an item at the end."""
    meeting = _access(request.user, pk, edit=request.method == "POST")
    if not can_see_details(request.user, meeting):
        raise DjangoPermissionDenied("这是内部会议，只有承办人、参会人员等可以查看议程")
    if request.method == "GET":
        return _page(request, "meetings/agenda.html", _context(request, meeting))
    form = AgendaItemForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            svc.agenda_item_add(
                meeting=meeting, actor=request.user, now=timezone.now(), **form.service_fields()
            )
        except DomainError as exc:
            _apply(form, exc)
        else:
            messages.success(request, f"已添加议题：{form.cleaned_data['topic']}")
            return redirect("meeting_agenda", pk=pk)
    return _page(request, "meetings/agenda.html", _context(request, meeting, form=form), status=422)


@login_required
@require_http_methods(["GET", "POST"])
def agenda_item_edit(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    meeting = _access(request.user, pk, edit=True)
    item = _item(meeting, item_id)
    if request.method == "GET":
        form = AgendaItemForm(initial=AgendaItemForm.initial_for(item), meeting=meeting)
        return _page(
            request,
            "meetings/agenda_item.html",
            {
                "meeting": meeting,
                "item": item,
                "form": form,
                "executive": meeting.kind == Kind.EXECUTIVE,
            },
        )
    form = AgendaItemForm(request.POST, meeting=meeting)
    if form.is_valid():
        try:
            svc.agenda_item_update(
                item=item, actor=request.user, now=timezone.now(), **form.service_fields()
            )
        except DomainError as exc:
            _apply(form, exc)
        else:
            messages.success(request, "已保存议题")
            return redirect("meeting_agenda", pk=pk)
    context = {
        "meeting": meeting,
        "item": item,
        "form": form,
        "executive": meeting.kind == Kind.EXECUTIVE,
    }
    return _page(request, "meetings/agenda_item.html", context, status=422)


@login_required
@require_POST
def agenda_item_delete_view(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    meeting = _access(request.user, pk, edit=True)
    item = _item(meeting, item_id)
    topic = item.topic
    try:
        svc.agenda_item_delete(item=item, actor=request.user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除议题：{topic}")
    return redirect("meeting_agenda", pk=pk)


@login_required
@require_POST
def agenda_item_move_view(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    meeting = _access(request.user, pk, edit=True)
    offset = -1 if request.POST.get("direction") == "up" else 1
    try:
        svc.agenda_item_move(
            item=_item(meeting, item_id), actor=request.user, now=timezone.now(), offset=offset
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("meeting_agenda", args=[pk]) + f"#item-{item_id}")


@login_required
@require_http_methods(["GET", "POST"])
def notice_page(request: HttpRequest, pk: int) -> HttpResponse:
    """会议通知: the text the notice prints, and the RSVP deadline."""
    meeting = _access(request.user, pk, edit=True)
    if request.method == "GET":
        form = NoticeForm(initial=NoticeForm.initial_for(meeting, svc.notice_for(meeting)))
        return _page(request, "meetings/notice_form.html", {"meeting": meeting, "form": form})
    form = NoticeForm(request.POST)
    if form.is_valid():
        try:
            svc.notice_save(
                meeting=meeting, actor=request.user, now=timezone.now(), **form.service_fields()
            )
        except DomainError as exc:
            fields = {"rsvp_deadline": "rsvp_date"}
            errors = exc.details.get("errors") or []
            for err in errors:
                name = fields.get(err.get("field"), err.get("field"))
                form.add_error(name if name in form.fields else None, err.get("message"))
            if not errors:
                form.add_error(None, exc.message)
        else:
            messages.success(request, "已保存会议通知")
            return redirect("meeting_detail", pk=pk)
    return _page(
        request, "meetings/notice_form.html", {"meeting": meeting, "form": form}, status=422
    )
