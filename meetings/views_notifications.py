"""Pages of the notifications (DESIGN §9): one's own list, and the admins' outbox.

通知 lists what the signed-in user was told, whatever channel it went by. 发送记录 shows
会务管理员 the deliveries that are waiting, failing or failed — with the last error and the
number of attempts — and re-sends one with 重新发送. Thin: meetings.notifications has the
rules; its domain errors become messages on the page.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from core import roles
from core.exceptions import DomainError
from meetings import notifications
from meetings.api_notifications import outbox_item
from meetings.models import DeliveryStatus, Notification
from meetings.views import _page

# The CSS tag each delivery status is shown with (static/css/huiwu.css).
STATUS_TAGS = {
    DeliveryStatus.PENDING: "status-pending",
    DeliveryStatus.SENDING: "status-pending",
    DeliveryStatus.SENT: "status-approved",
    DeliveryStatus.FAILED: "tag-clash",
    DeliveryStatus.SKIPPED: "status-cancelled",
}
FILTERS = {
    "open": ("未完成", notifications.OPEN),
    "failed": ("发送失败", (DeliveryStatus.FAILED,)),
    "skipped": ("无法发送（缺地址等）", (DeliveryStatus.SKIPPED,)),
    "sent": ("已发送", (DeliveryStatus.SENT,)),
}
PAGE_SIZE = 200


def _require_admin(user: Any) -> None:
    if not roles.is_admin(user):
        raise DjangoPermissionDenied("只有会务管理员可以查看发送记录")


@login_required
def my_notifications(request: HttpRequest) -> HttpResponse:
    """通知: the user's own notifications, newest first; unread ones marked."""
    rows = list(notifications.user_notifications(request.user)[:PAGE_SIZE])
    for n in rows:
        n.tag = STATUS_TAGS[DeliveryStatus(n.status)]  # type: ignore[attr-defined]
    return _page(
        request,
        "meetings/notifications.html",
        {
            "nav": "notifications",
            "rows": rows,
            "unread": sum(1 for n in rows if n.read_at is None),
        },
    )


@login_required
@require_POST
def my_notifications_read(request: HttpRequest) -> HttpResponse:
    done = notifications.mark_read(user=request.user, now=timezone.now())
    if done:
        messages.success(request, f"已将 {done} 条通知标为已读")
    return redirect("notifications")


@login_required
def outbox(request: HttpRequest) -> HttpResponse:
    """发送记录 (admins): deliveries by status, with the error and a 重新发送 button."""
    _require_admin(request.user)
    key = request.GET.get("status", "open")
    if key not in FILTERS:
        key = "open"
    label, statuses = FILTERS[key]
    qs = notifications.outbox(statuses)
    items = [outbox_item(n) for n in qs[:PAGE_SIZE]]
    for item in items:
        item["tag"] = STATUS_TAGS[DeliveryStatus(item["status"])]
        superseded = item["last_error"].startswith(notifications.SUPERSEDED_PREFIX)
        waiting = item["status"] == DeliveryStatus.PENDING and item["attempts"] > 0
        done = item["status"] in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)
        item["can_retry"] = waiting or (done and not superseded)
    return _page(
        request,
        "meetings/outbox.html",
        {
            "nav": "outbox",
            "items": items,
            "total": qs.count(),
            "filters": [(k, v[0]) for k, v in FILTERS.items()],
            "current": key,
            "label": label,
            "counts": notifications.outbox_counts(),
            "max_attempts": settings.NOTIFY_MAX_ATTEMPTS,
        },
    )


@login_required
@require_POST
def outbox_retry(request: HttpRequest, pk: int) -> HttpResponse:
    _require_admin(request.user)
    row = Notification.objects.filter(pk=pk).first()
    if row is None:
        raise Http404("通知不存在")
    try:
        notifications.notification_retry(notification=row, actor=request.user, now=timezone.now())
    except DomainError as exc:
        messages.error(request, f"未能重新发送“{row.subject}”：{exc.message}")
    else:
        messages.success(request, f"已重新排队发送：{row.subject}")
    back = request.POST.get("status", "open")
    return redirect(
        f"{reverse('notification_outbox')}?status={back if back in FILTERS else 'open'}"
    )
