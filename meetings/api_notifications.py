"""Notifications over the API (DESIGN §9): one's own list, and the admins' outbox.

`GET /notifications` lists what the signed-in user was told (whatever channel it went
by). The outbox — deliveries waiting, failing or failed, with their last error — and
re-sending are for 会务管理员. Thin: the rules are in meetings.notifications.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import codes_4xx

from core import roles
from core.exceptions import InvalidInput, NotFound, PermissionDenied
from core.names import user_display_name
from core.schemas import BodyId, ErrorOut, InputSchema, ParamId, QuerySchema
from core.timeutil import localtime
from meetings import notifications
from meetings.delivery import redact
from meetings.models import Channel, DeliveryStatus, Notification

router = Router(tags=["notifications"])

StatusCode = Literal["pending", "sending", "sent", "failed", "skipped"]


class NotificationOut(Schema):
    id: int
    kind: str
    subject: str
    body: str
    meeting_id: int | None
    created_at: dt.datetime
    read_at: dt.datetime | None
    channel: str = Field(
        ..., description="inbox 站内、email 电子邮件、wecom 企业微信、dingtalk 钉钉"
    )
    channel_label: str
    status: str = Field(..., description="pending、sending、sent、failed、skipped")
    status_label: str
    sent_at: dt.datetime | None


class OutboxItemOut(NotificationOut):
    recipient: str = Field(..., description="收件人（名录姓名或账号）")
    address: str = Field(..., description="群机器人地址不含密钥（key、access_token）")
    attempts: int
    next_attempt_at: dt.datetime | None
    last_error: str
    has_invitation: bool = Field(..., description="附有 iCalendar 邀请（.ics）")


class NotificationListOut(Schema):
    items: list[NotificationOut]
    unread: int
    count: int


class OutboxOut(Schema):
    items: list[OutboxItemOut]
    count: int
    counts: dict[str, int] = Field(..., description="各状态的条数")


class MineFilter(QuerySchema):
    unread: bool = Field(False, description="true：只列未读")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=1_000_000)


class OutboxFilter(QuerySchema):
    status: str = Field(
        "pending,sending,failed",
        max_length=60,
        description="逗号分隔：pending、sending、sent、failed、skipped",
    )
    limit: int = Field(100, ge=1, le=500)
    offset: int = Field(0, ge=0, le=1_000_000)


class ReadIn(InputSchema):
    ids: list[BodyId] | None = Field(None, max_length=500, description="省略：全部标为已读")


def _local(value: dt.datetime | None) -> dt.datetime | None:
    return localtime(value) if value is not None else None


def _out(n: Notification) -> dict[str, Any]:
    return {
        "id": n.pk,
        "kind": n.kind,
        "subject": n.subject,
        "body": n.body,
        "meeting_id": n.meeting_id,
        "created_at": localtime(n.created_at),
        "read_at": _local(n.read_at),
        "channel": n.channel,
        "channel_label": Channel(n.channel).label,
        "status": n.status,
        "status_label": DeliveryStatus(n.status).label,
        "sent_at": _local(n.sent_at),
    }


def outbox_item(n: Notification) -> dict[str, Any]:
    if n.person is not None:
        who = n.person.name
    elif n.recipient is not None:
        who = user_display_name(n.recipient)
    else:
        who = "（已删除）"
    address = n.address
    if n.channel in notifications.ROBOT_CHANNELS:
        # The webhook's key lets anyone post into the group: shown without it (admins
        # find the whole address in the directory).
        address = redact(address)
    return {
        **_out(n),
        "recipient": who,
        "address": address,
        "attempts": n.attempts,
        "next_attempt_at": _local(n.next_attempt_at),
        "last_error": n.last_error,
        "has_invitation": bool(n.ics),
    }


def _require_admin(user: Any) -> None:
    if not roles.is_admin(user):
        raise PermissionDenied("只有会务管理员可以查看发送记录")


@router.get("/notifications", response=NotificationListOut, summary="我的通知")
def my_notifications(request: HttpRequest, filters: Query[MineFilter]) -> dict[str, Any]:
    qs = notifications.user_notifications(request.user)
    unread = qs.filter(read_at__isnull=True)
    listed = unread if filters.unread else qs
    page = listed[filters.offset : filters.offset + filters.limit]
    return {"items": [_out(n) for n in page], "unread": unread.count(), "count": listed.count()}


@router.post(
    "/notifications/read",
    response={200: dict[str, int], codes_4xx: ErrorOut},
    summary="标为已读（我的通知）",
)
def my_notifications_read(request: HttpRequest, payload: ReadIn) -> dict[str, int]:
    done = notifications.mark_read(user=request.user, now=timezone.now(), ids=payload.ids)
    return {"marked": done}


@router.get(
    "/notifications/outbox",
    response={200: OutboxOut, codes_4xx: ErrorOut},
    summary="发送记录：待发送、发送中、发送失败（管理员）",
)
def outbox(request: HttpRequest, filters: Query[OutboxFilter]) -> dict[str, Any]:
    _require_admin(request.user)
    wanted = [s.strip() for s in filters.status.split(",") if s.strip()]
    unknown = [s for s in wanted if s not in DeliveryStatus.values]
    if unknown:
        raise InvalidInput(
            f"未知的状态：{'、'.join(unknown)}（可选：{', '.join(DeliveryStatus.values)}）",
            field="status",
        )
    qs = notifications.outbox(wanted or notifications.OPEN)
    page = qs[filters.offset : filters.offset + filters.limit]
    return {
        "items": [outbox_item(n) for n in page],
        "count": qs.count(),
        "counts": notifications.outbox_counts(),
    }


@router.post(
    "/notifications/{notification_id}/retry",
    response={200: OutboxItemOut, codes_4xx: ErrorOut},
    summary="重新发送（管理员）",
)
def retry(request: HttpRequest, notification_id: ParamId) -> dict[str, Any]:
    # Permission before existence: a non-admin learns nothing about which ids exist.
    _require_admin(request.user)
    row = Notification.objects.filter(pk=notification_id).first()
    if row is None:
        raise NotFound("通知不存在", details={"id": notification_id})
    row = notifications.notification_retry(notification=row, actor=request.user, now=timezone.now())
    return outbox_item(row)
