"""Sending one outbox row (DESIGN §9): e-mail through Django's backend, or a group robot.

Each attempt is claim → send → record:

- **claim** is one conditional UPDATE (pending and due → sending, or a `sending` row whose
  lease ran out because its worker died). Of two workers given the same row — the task
  enqueued on commit and the minutely sweep, or two clusters — exactly one gets it.
  The lease outlasts the slowest possible attempt (lease()), so a slow send is never
  taken over while it is still running. The claim counts the attempt, so a message that
  kills its worker cannot loop forever: once its attempts are used up, the sweep marks
  it failed (fail_abandoned).
- **send** by the row's channel, with short timeouts.
- **record**: `sent`; or `pending` again with `next_attempt_at` doubling from
  NOTIFY_RETRY_SECONDS; or `failed` after NOTIFY_MAX_ATTEMPTS, with the last error, for
  admins to see and re-send (/notifications/outbox/). Never deleted, never dropped.

Delivery is at least once: a worker killed after the mail server took a message but
before recording it sends it again when the lease runs out. Every copy carries the same
`Message-ID: <notification-<pk>@<site host>>`, by which mail systems recognise a
duplicate, and the `X-Huiwu-Notification: <pk>` header (the scale-out smoke test counts
deliveries by it — keep both).

A row keeps what it froze when it was written (subject, body, .ics), so it can be sent
after its meeting was deleted — except invitations (REQUEST) and reminders, which would
put a meeting that no longer exists into someone's calendar: those are `skipped` with
the reason. A reminder whose meeting was cancelled, moved or has begun is skipped too,
and so is an invitation for which a newer one (to the same person, about the same
meeting) was written while it waited for a retry: the old word must not arrive last.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import logging
import smtplib
import urllib.error
import urllib.request
from collections.abc import Sequence
from email.mime.text import MIMEText
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q

from core.timeutil import localtime
from meetings import invitations
from meetings.calendar import uid_domain
from meetings.models import Channel, DeliveryStatus, Notification, Status
from meetings.notifications import (
    INVITATION_KINDS,
    NEEDS_MEETING,
    REMINDER,
    SERIES_INVITATION,
    SUPERSEDED_PREFIX,
)

log = logging.getLogger(__name__)

# How long a worker may hold a row in `sending` before it counts as dead: at least this,
# and always more than one attempt can take (lease()). A lease that runs out while the
# first worker is still talking to the mail server would let a second one send it too.
LEASE = dt.timedelta(minutes=5)
# EMAIL_TIMEOUT bounds each socket operation, not the conversation: connect, greeting,
# EHLO, STARTTLS, EHLO again, AUTH (up to three exchanges), MAIL, RCPT, DATA, the message,
# QUIT — about a dozen waits, each up to EMAIL_TIMEOUT. An HTTP POST to a robot: connect,
# send, status line and headers, body.
SMTP_WAITS = 15
HTTP_WAITS = 5
MAX_BACKOFF = dt.timedelta(hours=6)
# 企业微信 takes at most 2048 bytes of text; 钉钉 more. Cut a little below, on a character.
ROBOT_TEXT_BYTES = 2000
HEADER = "X-Huiwu-Notification"


class DeliveryError(Exception):
    """One attempt failed; `final` when retrying cannot help (a refused address)."""

    def __init__(self, message: str, *, final: bool = False):
        super().__init__(message)
        self.final = final


class Skip(Exception):
    """Nothing to send any more (meeting deleted, reminder too late): `skipped`, not failed."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# --- claiming -------------------------------------------------------------------------------


def lease() -> dt.timedelta:
    """How long a claim holds: twice the longest an attempt can take, at least LEASE."""
    worst = max(settings.EMAIL_TIMEOUT * SMTP_WAITS, settings.NOTIFY_ROBOT_TIMEOUT * HTTP_WAITS)
    return max(LEASE, dt.timedelta(seconds=2 * worst))


def _abandoned(now: dt.datetime) -> Q:
    # A `sending` row without a claim time cannot come from claim(); a hand edit or an
    # old bug must not strand it for ever.
    return Q(status=DeliveryStatus.SENDING) & (
        Q(claimed_at__lt=now - lease()) | Q(claimed_at__isnull=True)
    )


def _due(now: dt.datetime) -> Q:
    pending = Q(status=DeliveryStatus.PENDING) & (
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    )
    # A row whose worker died on every attempt (a message that crashes it, a send that
    # always outlives the task timeout) stops here: fail_abandoned() records it as failed.
    stale = _abandoned(now) & Q(attempts__lt=settings.NOTIFY_MAX_ATTEMPTS)
    return pending | stale


def claim(pk: int, *, now: dt.datetime) -> Notification | None:
    """Take the row for this worker, or None if it is not due or someone else has it."""
    taken = (
        Notification.objects.filter(_due(now), pk=pk)
        .exclude(channel=Channel.INBOX)
        .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not taken:
        return None
    # None if deleted right after the claim (its recipient's account was deleted).
    return Notification.objects.select_related("meeting__room").filter(pk=pk).first()


# At most this many people @-ed in one group message (a chat shows them all at the top).
MAX_MENTIONS = 50


def claim_companions(row: Notification, *, now: dt.datetime) -> list[Notification]:
    """The other waiting rows that would post the same text into the same group chat
    (everyone of a unit told of one meeting through the unit's robot), claimed for this
    worker so that the group sees one message with every @ instead of one per person —
    robots also accept only about 20 messages a minute."""
    if row.channel not in (Channel.WECOM, Channel.DINGTALK) or row.meeting_id is None:
        return []
    same = (
        Notification.objects.filter(
            status=DeliveryStatus.PENDING,
            channel=row.channel,
            address=row.address,
            meeting_id=row.meeting_id,
            kind=row.kind,
            subject=row.subject,
            body=row.body,
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .exclude(pk=row.pk)
        .order_by("pk")
        .values_list("pk", flat=True)[: MAX_MENTIONS - 1]
    )
    taken = []
    for pk in list(same):
        # One by one, each conditional: a row another worker claimed meanwhile is theirs.
        if Notification.objects.filter(pk=pk, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1
        ):
            taken.append(pk)
    companions = []
    for other in Notification.objects.select_related("meeting__room").filter(pk__in=taken):
        try:
            _check_still_wanted(other, now=now)
        except Skip as skip:
            Notification.objects.filter(
                pk=other.pk, status=DeliveryStatus.SENDING, claimed_at=now
            ).update(status=DeliveryStatus.SKIPPED, last_error=skip.reason, next_attempt_at=None)
            continue
        companions.append(other)
    return sorted(companions, key=lambda c: c.pk)


def fail_abandoned(*, now: dt.datetime) -> int:
    """Mark failed the rows left in `sending` by dead workers that have used up their
    attempts, so that they show in the outbox instead of staying 发送中 for ever."""
    return (
        Notification.objects.filter(_abandoned(now), attempts__gte=settings.NOTIFY_MAX_ATTEMPTS)
        .exclude(channel=Channel.INBOX)
        .update(
            status=DeliveryStatus.FAILED,
            last_error="发送中断（工作进程退出或超时），已达最多尝试次数",
            next_attempt_at=None,
        )
    )


def due_ids(*, now: dt.datetime, limit: int = 500) -> list[int]:
    """Rows the sweep should try: due pending ones and those of dead workers."""
    return list(
        Notification.objects.filter(_due(now))
        .exclude(channel=Channel.INBOX)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt `attempts + 1`: 1, 2, 4 … × NOTIFY_RETRY_SECONDS, capped."""
    # In whole seconds (Python ints do not overflow) and capped before a timedelta is
    # made: 2 ** 40 minutes would not fit in one, and an OverflowError here would leave
    # the row in `sending` until its lease ran out, again and again.
    exponent = min(max(attempts - 1, 0), 40)
    seconds = settings.NOTIFY_RETRY_SECONDS * 2**exponent
    return dt.timedelta(seconds=min(seconds, int(MAX_BACKOFF.total_seconds())))


# --- one attempt ----------------------------------------------------------------------------


def deliver(pk: int, *, now: dt.datetime) -> str:
    """Try to send row `pk` once; the status it ends in ("" if it was not ours to send)."""
    row = claim(pk, now=now)
    if row is None:
        return ""
    try:
        _check_still_wanted(row, now=now)
    except Skip as skip:
        Notification.objects.filter(pk=pk, status=DeliveryStatus.SENDING, claimed_at=now).update(
            status=DeliveryStatus.SKIPPED, last_error=skip.reason, next_attempt_at=None
        )
        return DeliveryStatus.SKIPPED
    companions = claim_companions(row, now=now)
    # Only the worker holding these claims may record the result: after the lease ran
    # out another worker may own a row.
    mine = Notification.objects.filter(
        pk__in=[pk, *(c.pk for c in companions)],
        status=DeliveryStatus.SENDING,
        claimed_at=now,
    )
    try:
        send(row, mentions=[c.mention for c in companions])
    except Skip as skip:
        mine.update(status=DeliveryStatus.SKIPPED, last_error=skip.reason, next_attempt_at=None)
        return DeliveryStatus.SKIPPED
    except Exception as exc:
        final = isinstance(exc, DeliveryError) and exc.final
        error = _describe(exc)
        if row.channel in (Channel.WECOM, Channel.DINGTALK):
            # Some errors quote the URL (http.client.InvalidURL …): its key lets anyone
            # who reads it post into the group, so logs and the outbox never show it.
            error = scrub(error, row.address)
        if final or row.attempts >= settings.NOTIFY_MAX_ATTEMPTS:
            log.error(
                "notification %s failed for good after %s attempts: %s", pk, row.attempts, error
            )
            gone = mine if final else mine.filter(pk=pk)
            gone.update(status=DeliveryStatus.FAILED, last_error=error, next_attempt_at=None)
            if final:
                return DeliveryStatus.FAILED
            # Companions with attempts left try again, on their own or with others.
            mine.exclude(pk=pk).update(
                status=DeliveryStatus.PENDING,
                last_error=error,
                next_attempt_at=now + backoff(row.attempts),
            )
            return DeliveryStatus.FAILED
        log.warning("notification %s attempt %s failed: %s", pk, row.attempts, error)
        mine.update(
            status=DeliveryStatus.PENDING,
            last_error=error,
            next_attempt_at=now + backoff(row.attempts),
        )
        return DeliveryStatus.PENDING
    mine.update(status=DeliveryStatus.SENT, sent_at=now, last_error="", next_attempt_at=None)
    return DeliveryStatus.SENT


def _check_still_wanted(row: Notification, *, now: dt.datetime) -> None:
    if row.kind in NEEDS_MEETING and row.meeting is None:
        raise Skip("会议已被删除，未发送")
    if row.kind == REMINDER and row.meeting is not None:
        if row.meeting.status != Status.APPROVED:
            raise Skip(f"会议{row.meeting.get_status_display()}，不再提醒")
        if row.meeting.start <= now:
            raise Skip("会议已开始，不再提醒")
        # The key ends with the start it was queued for; a moved meeting has its own.
        queued_for = (row.dedupe_key or "").rsplit(":", 1)[-1]
        if queued_for != f"{row.meeting.start.timestamp():.0f}":
            raise Skip("会议时间已变更，按新时间另行提醒")
    newer = _newer_invitation(row)
    if newer is not None:
        raise Skip(f"{SUPERSEDED_PREFIX}{localtime(newer):%m-%d %H:%M} 的新通知取代")


def _newer_invitation(row: Notification) -> dt.datetime | None:
    """When a later invitation to the same person about the same meeting was written.

    Writing it marked this one superseded unless a worker held it then; if that attempt
    failed and came back for a retry, sending it now would put the old word (a REQUEST
    after the CANCEL, the old time after the move) last in the person's mailbox.
    """
    if row.kind not in INVITATION_KINDS or row.meeting_id is None or row.person_id is None:
        return None
    # A series message names only its first meeting: a single invitation about that one
    # does not replace the whole list.
    kinds = (SERIES_INVITATION,) if row.kind == SERIES_INVITATION else INVITATION_KINDS
    return (
        Notification.objects.filter(
            meeting_id=row.meeting_id, person_id=row.person_id, kind__in=kinds, pk__gt=row.pk
        )
        .order_by("pk")
        .values_list("created_at", flat=True)
        .first()
    )


def redact(address: str) -> str:
    """A robot's webhook fit to show: the query (企业微信 ?key=, 钉钉 ?access_token=) is
    its password, so only the names of its parameters are kept."""
    parts = urlsplit(address)
    if not parts.query:
        return address
    return urlunsplit(parts._replace(query=_hidden(parts.query)))


def _hidden(query: str) -> str:
    names = [name for name, _ in parse_qsl(query, keep_blank_values=True)]
    return "&".join(f"{name}=***" for name in names) or "***"


def scrub(text: str, address: str) -> str:
    """`text` with the secret part of the webhook `address` hidden wherever it appears."""
    query = urlsplit(address).query
    return text.replace(query, _hidden(query)) if query else text


def _describe(exc: Exception) -> str:
    if isinstance(exc, DeliveryError):
        return str(exc)
    text = str(exc) or repr(exc)
    return f"{type(exc).__name__}: {text}"[:1000]


def send(row: Notification, *, mentions: Sequence[str] = ()) -> None:
    """Send by the row's channel; raise on any failure."""
    if row.channel == Channel.EMAIL:
        send_email(row)
    elif row.channel in (Channel.WECOM, Channel.DINGTALK):
        send_robot(row, mentions)
    else:
        raise DeliveryError(f"未知的发送方式：{row.channel}", final=True)


# --- e-mail -----------------------------------------------------------------------------------


class _Email(EmailMultiAlternatives):
    """Parameters on a part's content type (`text/calendar; method=REQUEST`), which
    Django's own parts cannot carry and Outlook needs to treat the part as a meeting."""

    def _create_mime_attachment(self, content: Any, mimetype: str) -> Any:
        base, *params = (p.strip() for p in mimetype.split(";"))
        if base == "text/calendar":
            # Base64, not Django's 8bit: the CRLF line ends and folding iCalendar requires
            # arrive byte for byte, and no relay without 8BITMIME can mangle the Chinese.
            # (Exchange sends its own invitations the same way.)
            part = MIMEText(content, "calendar", "utf-8")
            # Written out as given — `method=REQUEST; charset=UTF-8`, unquoted tokens, as
            # Exchange writes them (set_param would quote them).
            part.replace_header("Content-Type", "; ".join([base, *params]))
            return part
        part = super()._create_mime_attachment(content, base)  # type: ignore[misc]
        for param in params:
            name, _, value = param.partition("=")
            part.set_param(name, value)
        return part


def message_id(pk: int) -> str:
    return f"<notification-{pk}@{uid_domain()}>"


def build_email(row: Notification) -> EmailMultiAlternatives:
    """The message for an e-mail row: the text, and the invitation when there is one —
    as an alternative part (what Outlook turns into a meeting) and as `invite.ics`
    (what other clients offer to import)."""
    message = _Email(
        subject=row.subject,
        body=row.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[row.address],
        headers={HEADER: str(row.pk), "Message-ID": message_id(row.pk)},
    )
    if row.ics:
        method = row.ics_method or invitations.REQUEST
        if method in (invitations.REQUEST, invitations.CANCEL):
            message.attach_alternative(row.ics, f"text/calendar; method={method}; charset=UTF-8")
        name = "invite.ics" if method != invitations.PUBLISH else "meetings.ics"
        message.attach(name, row.ics, f"text/calendar; method={method}; charset=UTF-8")
    return message


def send_email(row: Notification) -> None:
    if not row.address:
        raise DeliveryError("没有收件地址", final=True)
    try:
        sent = build_email(row).send(fail_silently=False)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _ in exc.recipients.values()]
        if codes and all(500 <= code < 600 for code in codes):
            raise DeliveryError(
                f"邮件服务器拒收地址 {row.address}：{exc.recipients}", final=True
            ) from exc
        raise
    if sent != 1:
        raise DeliveryError("邮件服务器没有接收邮件")


# --- group robots -----------------------------------------------------------------------------


def _cut(text: str, limit: int = ROBOT_TEXT_BYTES) -> str:
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode(errors="ignore") + "…"


def robot_payload(row: Notification, mentions: Sequence[str] = ()) -> dict[str, Any]:
    """The JSON text message of 企业微信 or 钉钉, with an @ of each person's phone (the
    row's own and those of the rows sent with it)."""
    content = f"{row.subject}\n{row.body}".strip()
    phones = list(dict.fromkeys(m for m in (row.mention, *mentions) if m))
    if row.channel == Channel.WECOM:
        text: dict[str, Any] = {"content": _cut(content)}
        if phones:
            text["mentioned_mobile_list"] = phones
        return {"msgtype": "text", "text": text}
    # 钉钉 shows the @ only when the number also appears in the text.
    if phones:
        ats = " ".join(f"@{p}" for p in phones)
        content = f"{_cut(content, ROBOT_TEXT_BYTES - len(ats.encode()) - 2)}\n{ats}"
    return {
        "msgtype": "text",
        "text": {"content": _cut(content)},
        "at": {"atMobiles": phones, "isAtAll": False},
    }


def send_robot(row: Notification, mentions: Sequence[str] = ()) -> None:
    """POST the message; a non-zero `errcode` in the reply is a failure like a 500."""
    url = row.address
    if urlsplit(url).scheme not in ("http", "https"):
        raise DeliveryError("群机器人地址须是 http 或 https 网址", final=True)
    body = json.dumps(robot_payload(row, mentions), ensure_ascii=False).encode()
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(  # noqa: S310
            request, timeout=settings.NOTIFY_ROBOT_TIMEOUT
        ) as response:
            raw = response.read(65536)
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"群机器人返回 HTTP {exc.code}") from exc
    except (http.client.InvalidURL, ValueError) as exc:
        # A space or control character in the address: no retry mends it. The message
        # would quote the address with its key; only its kind is kept.
        raise DeliveryError(f"群机器人地址无效（{type(exc).__name__}）", final=True) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise DeliveryError(f"无法连接群机器人：{reason}") from exc
    try:
        reply = json.loads(raw)
    except ValueError as exc:
        raise DeliveryError("群机器人的回复不是 JSON") from exc
    if not isinstance(reply, dict) or reply.get("errcode") != 0:
        code = reply.get("errcode") if isinstance(reply, dict) else None
        message = reply.get("errmsg", "") if isinstance(reply, dict) else ""
        raise DeliveryError(f"群机器人拒绝了消息：errcode {code} {message}".strip())
