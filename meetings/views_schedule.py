"""我的日程: a leader's coming meetings, their calendar feeds, and subscribing a phone.

A leader sees their own schedule; a secretary chooses among the leaders assigned to
them; an admin among all leaders. A new feed's link is shown once — right after it is
created — with a QR code drawn on the server (no internet, no JavaScript library).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from core import roles
from core.exceptions import DomainError, NotFound
from core.exceptions import PermissionDenied as DomainPermissionDenied
from core.models import Person
from core.timeutil import local_day_bounds, localtime
from meetings.access import display_title, with_visibility
from meetings.calendar import feed_window, person_meetings
from meetings.feeds import (
    access_feed,
    feed_create,
    feed_list_for,
    feed_revoke,
    feed_url,
    schedule_people_for,
    webcal_url,
)
from meetings.forms_feeds import FeedForm
from meetings.models import FeedToken, Meeting, Status

SCHEDULE_DAYS = 14
WEEKDAYS = "一二三四五六日"
# The raw token of a feed just created waits here for the one page view that shows it,
# then is popped: it never reaches the database in a readable form for longer.
_NEW_FEED = "new_feed"


def qr_svg(data: str, label: str = "订阅二维码") -> SafeString:
    """`data` as a QR code in inline SVG, drawn here: pages must work without internet."""
    image = qrcode.make(
        data,
        image_factory=qrcode.image.svg.SvgPathFillImage,  # white background: scannable
        box_size=10,
        border=2,
        error_correction=qrcode.constants.ERROR_CORRECT_M,
    )
    svg = image.to_string(encoding="unicode")
    # The markup is ours (qrcode's path of squares); data only shapes the squares.
    aria = f'<svg role="img" aria-label="{escape(label)}" '
    return mark_safe(svg.replace("<svg ", aria, 1))  # noqa: S308


def new_feed_card(raw: str, subtitle: str) -> dict[str, Any]:
    """What templates/meetings/_new_feed.html shows of a feed just created."""
    webcal = webcal_url(raw)
    return {"url": feed_url(raw), "webcal": webcal, "qr": qr_svg(webcal), "subtitle": subtitle}


def create_feed_from_form(
    request: HttpRequest, *, session_key: str, shown: dict[str, Any], **subject: Any
) -> None:
    """Create a feed of `subject` (person= or room=) from the posted FeedForm; the raw
    token waits in the session under `session_key`, with `shown`, for the next page."""
    form = FeedForm(request.POST)
    if not form.is_valid():
        errors = "；".join(str(e) for errs in form.errors.values() for e in errs)
        messages.error(request, f"未能新建订阅：{errors}")
        return
    try:
        feed, raw = feed_create(
            actor=request.user,
            now=timezone.now(),
            name=form.cleaned_data["name"],
            privacy=form.cleaned_data["privacy"],
            alarm_minutes=form.cleaned_data["alarm_minutes"],
            **subject,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return
    request.session[session_key] = {**shown, "token": raw, "name": feed.name}
    messages.success(request, "已新建订阅。请现在复制链接或扫描二维码：链接只显示这一次。")


def feed_or_404(user: Any, pk: int) -> FeedToken:
    """The feed `user` manages, as a page answers: 404 unknown, 403 someone else's."""
    try:
        return access_feed(user, pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainPermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc


def _pending_count(user: Any) -> int | None:
    # The navigation bar's badge of requests waiting for approval, as on the other pages.
    if not roles.can_approve(user):
        return None
    return Meeting.objects.filter(status=Status.PENDING).count()


def _people(request: HttpRequest) -> list[Person]:
    people = schedule_people_for(request.user)
    if not people:
        raise DjangoPermissionDenied("只有领导、领导的秘书或会务管理员可以查看日程")
    return people


def _chosen(people: list[Person], raw: str | None) -> Person:
    if raw:
        for person in people:
            if str(person.pk) == raw:
                return person
        raise Http404("没有这个人的日程")
    return people[0]


def _days(user: Any, person: Person, now: dt.datetime) -> list[dict[str, Any]]:
    """The next SCHEDULE_DAYS days of the person's meetings, as in their feed."""
    today = localtime(now).date()
    horizon, _ = local_day_bounds(today + dt.timedelta(days=SCHEDULE_DAYS))
    qs = (
        person_meetings(person, feed_window(today))
        .filter(end__gt=now, start__lt=horizon)
        .select_related("room")
        .order_by("start", "pk")
    )
    days: dict[dt.date, list[dict[str, Any]]] = {}
    meeting: Meeting
    for meeting in with_visibility(qs, user):
        s, e = localtime(meeting.start), localtime(meeting.end)
        days.setdefault(s.date(), []).append(
            {
                "meeting": meeting,
                "title": display_title(user, meeting),
                "time": f"{s:%H:%M}–{e:%H:%M}"
                if s.date() == e.date()
                else f"{s:%H:%M}–{e.month}月{e.day}日 {e:%H:%M}",
                "cancelled": meeting.status == Status.CANCELLED,
                "pending": meeting.status == Status.PENDING,
            }
        )
    return [
        {
            "label": f"{d.month}月{d.day}日 星期{WEEKDAYS[d.weekday()]}",
            "today": d == today,
            "items": items,
        }
        for d, items in days.items()
    ]


@login_required
def my_schedule(request: HttpRequest) -> HttpResponse:
    """我的日程: coming meetings, subscriptions, and a form to add one."""
    people = _people(request)
    person = _chosen(people, request.GET.get("person"))
    new_feed = None
    pending = request.session.pop(_NEW_FEED, None)
    if isinstance(pending, dict) and pending.get("person_id") == person.pk:
        new_feed = new_feed_card(str(pending.get("token", "")), str(pending.get("name") or ""))
    now = timezone.now()
    context = {
        "nav": "schedule",
        "person": person,
        "people": people,
        "days": _days(request.user, person, now),
        "schedule_days": SCHEDULE_DAYS,
        "feeds": list(feed_list_for(request.user, person=person)),
        "form": FeedForm(),
        "new_feed": new_feed,
        "pending_count": _pending_count(request.user),
    }
    return render(request, "meetings/schedule.html", context)


def _back(person_id: int | str | None) -> HttpResponse:
    url = reverse("my_schedule")
    return redirect(f"{url}?person={person_id}" if person_id else url)


@login_required
@require_POST
def schedule_feed_create(request: HttpRequest) -> HttpResponse:
    """Create a feed of the chosen person's schedule; its link is shown on the next page."""
    people = _people(request)
    person = _chosen(people, request.POST.get("person"))
    create_feed_from_form(
        request, session_key=_NEW_FEED, shown={"person_id": person.pk}, person=person
    )
    return _back(person.pk)


@login_required
@require_POST
def schedule_feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """Revoke one feed; the devices using it stop receiving updates."""
    feed = feed_or_404(request.user, pk)
    try:
        feed_revoke(actor=request.user, feed=feed, now=timezone.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, f"已撤销订阅{f'“{feed.name}”' if feed.name else ''}，使用它的设备将不再更新"
        )
    return _back(feed.person_id)
