"""会议室日历订阅: staff subscribe a room's bookings (e.g. the door display or the room
keeper's phone) as a calendar feed, and revoke them.

The leaders' feeds live on 我的日程 (views_schedule); a room has no owner who would look
there, so its feeds get this page, for the people who may manage them (会务人员 and
会务管理员). As there, a new feed's link is shown once, right after it is created.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core.exceptions import DomainError
from core.params import parse_id
from meetings.feeds import can_manage_room_feeds, feed_list_for, feed_revoke
from meetings.forms_feeds import FeedForm
from meetings.models import FeedKind, FeedToken
from meetings.views_schedule import create_feed_from_form, feed_or_404, new_feed_card
from rooms.models import Room

# The raw token waits in the session for the one page view that shows it (as on 我的日程).
_NEW_FEED = "new_room_feed"


def _require(request: HttpRequest) -> None:
    if not can_manage_room_feeds(request.user):
        raise DjangoPermissionDenied("只有会务人员或会务管理员可以管理会议室日历订阅")


def _back() -> HttpResponse:
    return redirect(reverse("room_feeds"))


@login_required
def room_feeds(request: HttpRequest) -> HttpResponse:
    """Every active room with its feeds, and a form to add one."""
    _require(request)
    rooms = list(Room.objects.filter(active=True).order_by("order", "name"))
    feeds = feed_list_for(request.user).filter(kind=FeedKind.ROOM).order_by("-created_at")
    by_room: dict[int, list[FeedToken]] = {}
    for feed in feeds:
        assert feed.room_id is not None  # a room feed names its room (constraint)
        by_room.setdefault(feed.room_id, []).append(feed)
    new_feed = None
    pending = request.session.pop(_NEW_FEED, None)
    if isinstance(pending, dict):
        subtitle = " · ".join(str(pending[k]) for k in ("room", "name") if pending.get(k))
        new_feed = new_feed_card(str(pending.get("token", "")), subtitle)
    context = {
        "nav": "board",
        "rows": [{"room": r, "feeds": by_room.get(r.pk, [])} for r in rooms],
        "form": FeedForm(),
        "new_feed": new_feed,
    }
    return render(request, "meetings/room_feeds.html", context)


@login_required
@require_POST
def room_feed_create(request: HttpRequest) -> HttpResponse:
    _require(request)
    room_id = parse_id(request.POST.get("room"))
    room = Room.objects.filter(pk=room_id, active=True).first() if room_id else None
    if room is None:
        messages.error(request, "未能新建订阅：请选择一个启用的会议室")
        return _back()
    create_feed_from_form(request, session_key=_NEW_FEED, shown={"room": room.name}, room=room)
    return _back()


@login_required
@require_POST
def room_feed_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    _require(request)
    feed = feed_or_404(request.user, pk)
    if feed.kind != FeedKind.ROOM:
        # A person's feed is revoked on 我的日程, by those who manage that person's feeds.
        raise Http404("没有这个会议室订阅")
    try:
        feed_revoke(actor=request.user, feed=feed, now=timezone.now())
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已撤销{feed.room}的订阅，使用它的设备将不再更新")
    return _back()
