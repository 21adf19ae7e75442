"""The outbox (DESIGN §9): who is told what, by which channel — written with the change.

Every notice, invitation and reminder is a `Notification` row written in the caller's
transaction, so it exists exactly when the change it tells of does. Delivery is the
worker's (meetings.tasks.deliver_notification, enqueued on commit); if the enqueue is
lost (broker down at that moment) the sweep `deliver_due` finds the row within a minute.

Channel and address come from the directory when the row is written:
- a user → their person in the directory if they have one, else the account's e-mail;
- a person → `notify_channel`: e-mail (`email`), a 企业微信/钉钉 group robot (their own
  `robot_webhook`, else their unit's, with an @ of their phone), or 仅站内 (inbox).
A person without an address still gets a row — channel inbox, status `skipped`, and
`last_error` saying what is missing — so a missing address is visible, never a silent drop.

Group chats are shared: a robot message about a confidential meeting says only that
there is a meeting, when and in which room, and links to the (login-protected) meeting
page; it never carries the title, the roster or the personal 回执 link, which would let
anyone in the group answer for the person.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import functools
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Count, F, QuerySet

from core.models import NotifyChannel, Person
from core.names import user_display_name
from core.timeutil import localtime
from meetings import invitations
from meetings.documents.text import when_label
from meetings.models import (
    Attendance,
    Channel,
    DeliveryStatus,
    Meeting,
    Notification,
    Role,
    Rsvp,
    Status,
)
from meetings.vc import vc_details

log = logging.getLogger(__name__)

# Kinds written here (services also write "approval_requested", "approved", "reject",
# "cancel", "expire", "preempted" through notify_users).
INVITATION = "invitation"
INVITATION_CANCEL = "invitation_cancel"
SERIES_INVITATION = "series_invitation"
REMINDER = "reminder"
INVITATION_KINDS = (INVITATION, INVITATION_CANCEL, SERIES_INVITATION)
# Kinds that make sense only while their meeting exists (meetings.delivery).
NEEDS_MEETING = (INVITATION, REMINDER)

ROBOT_CHANNELS = (Channel.WECOM, Channel.DINGTALK)
NO_EMAIL = "未设置电子邮箱"
NO_ROBOT = "未设置群机器人地址（本人和所在单位都没有）"
INBOX_ONLY = "通知方式为仅站内通知，且该人员没有登录账号"
PERSON_INACTIVE = "该人员在名录中已停用（不在职），未发送"
USER_INACTIVE = "该账号已停用，未发送"
# last_error of an invitation replaced by a newer one before it went out.
SUPERSEDED_PREFIX = "已由 "

# What a group chat may show of a confidential meeting, per kind.
_MASKED_HEADLINES = {
    INVITATION: "您有一个会议",
    INVITATION_CANCEL: "您的一个会议已取消",
    SERIES_INVITATION: "您有一组会议安排",
    REMINDER: "会议提醒：您有一个会议即将开始",
    "approval_requested": "您有一个会议申请待审批",
}


# --- where a notification goes ----------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """A resolved destination. `problem` says why nothing can be sent (→ skipped)."""

    channel: str
    address: str = ""
    mention: str = ""
    problem: str = ""
    user: Any = None
    # The person chose a group robot: the text is written for a group chat even while
    # the address is missing, so that it can go there once an admin adds it.
    group_chat: bool = False


def target_for_person(person: Person) -> Target:
    user = person.user
    if not person.active:
        # Someone who has left keeps their place on old rosters, but their mailbox or
        # group chat is no longer the office's business: a visible record, nothing sent.
        return Target(Channel.INBOX, problem=PERSON_INACTIVE, user=user)
    choice = person.notify_channel
    if choice == NotifyChannel.EMAIL:
        if person.email:
            return Target(Channel.EMAIL, person.email, user=user)
        return Target(Channel.INBOX, problem=NO_EMAIL, user=user)
    if choice in (NotifyChannel.WECOM, NotifyChannel.DINGTALK):
        webhook = person.robot_webhook or person.unit.robot_webhook
        if webhook:
            return Target(
                Channel(choice), webhook, mention=person.phone, user=user, group_chat=True
            )
        return Target(Channel.INBOX, problem=NO_ROBOT, user=user, group_chat=True)
    return Target(Channel.INBOX, problem="" if user is not None else INBOX_ONLY, user=user)


def target_for_user(user: Any) -> Target:
    if not user.is_active:
        return Target(Channel.INBOX, problem=USER_INACTIVE, user=user)
    try:
        person = user.person
    except ObjectDoesNotExist:
        person = None
    if person is not None:
        return target_for_person(person)
    if user.email:
        return Target(Channel.EMAIL, user.email, user=user)
    return Target(Channel.INBOX, problem=NO_EMAIL, user=user)


# --- writing rows -----------------------------------------------------------------------


def _when(meeting: Meeting) -> str:
    return when_label(localtime(meeting.start), localtime(meeting.end))


def meeting_url(meeting: Meeting) -> str:
    return f"{settings.SITE_URL}/meetings/{meeting.pk}/"


def _masked(kind: str, meetings: Sequence[Meeting]) -> tuple[str, str]:
    """Subject and body a group chat may show of confidential meetings: when and which
    room (public on the room board anyway), never the title or an off-site place."""
    lines = []
    for m in meetings:
        where = f"，{m.room.location}" if m.room is not None else ""
        lines.append(f"时间：{_when(m)}{where}")
    lines.append(f"详情请登录会务系统查看：{meeting_url(meetings[0])}")
    return _MASKED_HEADLINES.get(kind, "您有一条会务通知"), "\n".join(lines)


def _robot_safe(
    target: Target, kind: str, subject: str, body: str, meetings: Sequence[Meeting]
) -> tuple[str, str]:
    if target.group_chat and any(m.is_confidential for m in meetings):
        return _masked(kind, meetings)
    return subject, body


def _row(
    target: Target,
    *,
    kind: str,
    subject: str,
    body: str,
    meeting: Meeting | None,
    now: dt.datetime,
    person: Person | None = None,
    ics: str = "",
    ics_method: str = "",
    dedupe_key: str | None = None,
) -> Notification:
    row = Notification(
        recipient=target.user,
        person=person,
        meeting=meeting,
        kind=kind,
        subject=subject[:200],
        body=body,
        created_at=now,
        channel=target.channel,
        address=target.address,
        mention=target.mention[:30],
        dedupe_key=dedupe_key,
    )
    if target.channel == Channel.EMAIL:
        row.ics, row.ics_method = ics, ics_method if ics else ""
    if target.channel == Channel.INBOX:
        if target.problem:
            row.status, row.last_error = DeliveryStatus.SKIPPED, target.problem
        else:
            # In the user's own list from the moment it is written: nothing to send.
            row.status, row.sent_at = DeliveryStatus.SENT, now
    return row


# Rows per queued task: confirming a meeting of 300 must not write 300 queue entries inside
# the request, nor give one worker all 300 to send while the other idles.
ENQUEUE_CHUNK = 25


def _enqueue(*pks: int) -> None:
    from django_q.tasks import async_task

    for i in range(0, len(pks), ENQUEUE_CHUNK):
        chunk = list(pks[i : i + ENQUEUE_CHUNK])
        try:
            if len(chunk) == 1:
                async_task("meetings.tasks.deliver_notification", chunk[0], group="notifications")
            else:
                async_task("meetings.tasks.deliver_notifications", chunk, group="notifications")
        except Exception:  # the broker is down: the sweep sends the rows within a minute
            log.warning("could not enqueue notifications %s; deliver_due will send them", chunk)


def _save(rows: Sequence[Notification]) -> list[Notification]:
    """Insert rows; those to be sent are enqueued once the caller's transaction commits."""
    created: list[Notification] = []
    plain = [r for r in rows if r.dedupe_key is None]
    created.extend(Notification.objects.bulk_create(plain))
    keyed = [r for r in rows if r.dedupe_key is not None]
    if keyed:
        # Queued before (e.g. the same reminder): once is enough. Looked up in one query
        # and inserted in bulk; only a race with another writer falls back to row by row.
        taken = set(
            Notification.objects.filter(dedupe_key__in=[r.dedupe_key for r in keyed]).values_list(
                "dedupe_key", flat=True
            )
        )
        fresh = [r for r in keyed if r.dedupe_key not in taken]
        try:
            with transaction.atomic():
                created.extend(Notification.objects.bulk_create(fresh))
        except IntegrityError:
            for row in fresh:
                row.pk = None
                try:
                    with transaction.atomic():
                        row.save(force_insert=True)
                except IntegrityError:
                    continue
                created.append(row)
    pending = [row.pk for row in created if row.status == DeliveryStatus.PENDING]
    if pending:
        transaction.on_commit(functools.partial(_enqueue, *pending))
    return created


# --- plain notices to users -------------------------------------------------------------


def notify_users(
    users: Iterable[Any],
    *,
    kind: str,
    subject: str,
    body: str,
    meeting: Meeting | None,
    now: dt.datetime,
) -> list[Notification]:
    """A text notice (approval request, decision, hold expiry, pre-emption) to each user,
    through their own channel."""
    rows = []
    seen: set[int] = set()
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        target = target_for_user(user)
        text = body
        if meeting is not None:
            text = (f"{body}\n\n" if body else "") + f"详情：{meeting_url(meeting)}"
        s, b = _robot_safe(target, kind, subject, text, [meeting] if meeting else [])
        rows.append(_row(target, kind=kind, subject=s, body=b, meeting=meeting, now=now))
    return _save(rows)


# --- invitations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Invited:
    """A directory person on a roster, as an invitation describes them."""

    person: Person
    role: str = Role.ATTEND
    rsvp: str = Rsvp.PENDING
    rsvp_token: str = ""


def invited_from(attendance: Attendance) -> Invited:
    from meetings.attendees import rsvp_token

    assert attendance.person is not None
    return Invited(attendance.person, attendance.role, attendance.rsvp, rsvp_token(attendance))


def roster(meeting: Meeting, person_ids: Iterable[int] | None = None) -> list[Invited]:
    """The meeting's directory people (guests have no address in the directory)."""
    qs = Attendance.objects.filter(meeting=meeting, person__isnull=False).select_related(
        "person__unit", "person__user"
    )
    if person_ids is not None:
        qs = qs.filter(person_id__in=list(person_ids))
    return [invited_from(a) for a in qs.order_by("order", "pk")]


# Inside `batched()`, invitations are collected here and written once per person at the end.
_batch: contextvars.ContextVar[list[tuple[int, str, str, Invited]] | None] = contextvars.ContextVar(
    "huiwu_invitation_batch", default=None
)


@contextlib.contextmanager
def batched(*, now: dt.datetime) -> Iterator[None]:
    """Collect the invitations of many meetings (a series booked or edited) and give each
    person one message at the end instead of one per occurrence. Use inside the caller's
    transaction; if the block raises, nothing is written."""
    if _batch.get() is not None:  # nested: the outer batch writes
        yield
        return
    items: list[tuple[int, str, str, Invited]] = []
    token = _batch.set(items)
    try:
        yield
    finally:
        _batch.reset(token)
    _flush(items, now=now)


_SUBJECTS = {
    "new": "会议通知：{}",
    "changed": "会议变更：{}",
    "updated": "会议信息更新：{}",
    "added": "会议通知：{}",
    "cancelled": "会议取消：{}",
    "removed": "参会调整：{}",
}
_HEADLINES = {
    "new": "请参加以下会议。",
    "changed": "以下会议的时间或地点有变更，请以本通知为准。",
    "updated": "以下会议的名称、地点说明或视频会议信息有更新，时间不变，请以本通知为准。",
    "added": "您已列入以下会议的参会人员，请参加。",
    "cancelled": "以下会议已取消。",
    "removed": "您已不在以下会议的参会人员名单中，无需参加。",
}


def _meeting_lines(meeting: Meeting, *, with_vc: bool = True) -> list[str]:
    lines = [f"会议：{meeting.title}", f"时间：{_when(meeting)}"]
    if meeting.location:
        lines.append(f"地点：{meeting.location}")
    vc = vc_details(meeting) if with_vc else None
    if vc is not None:
        lines.append(f"视频会议：{vc.summary()}")
    return lines


def _invitation_text(
    meeting: Meeting, invited: Invited, *, reason: str, method: str
) -> tuple[str, str]:
    lines = [f"{invited.person.name}：", "", _HEADLINES[reason], "", *_meeting_lines(meeting)]
    if method == invitations.REQUEST:
        lines.append(f"身份：{Role(invited.role).label}")
        if meeting.status == Status.PENDING:
            lines.append("（会议室待审批，时间暂定）")
    elif meeting.cancel_reason and meeting.status == Status.CANCELLED:
        lines.append(f"取消原因：{meeting.cancel_reason}")
    lines.append(f"承办：{user_display_name(meeting.organizer)}")
    if method == invitations.REQUEST and invited.rsvp_token:
        lines.append(f"回执（参加、代参会、请假）：{invitations.rsvp_url(invited.rsvp_token)}")
    lines.append(f"详情：{meeting_url(meeting)}")
    return _SUBJECTS[reason].format(meeting.title), "\n".join(lines)


def _robot_text(meeting: Meeting, invited: Invited, *, reason: str) -> tuple[str, str]:
    # No 回执 link (whoever reads the group chat could answer for the person) and no VC
    # number or password: the meeting page, behind the login, has them.
    lines = [*_meeting_lines(meeting, with_vc=False), f"详情：{meeting_url(meeting)}"]
    return _SUBJECTS[reason].format(meeting.title), "\n".join(lines)


def _supersede(
    meeting_ids: Iterable[int],
    person_ids: Iterable[int],
    now: dt.datetime,
    *,
    kinds: Sequence[str] = (INVITATION, INVITATION_CANCEL),
) -> None:
    """Older invitations not yet sent are out of date: the new message replaces them.

    Conditional on the status, so a row a worker is sending right now is left to it
    (meetings.delivery skips it if it comes back for a retry). A series message is
    filed under its first meeting only: a single invitation about that meeting does
    not replace it (the other meetings would never be told); only a new series
    message does (`kinds`).
    """
    Notification.objects.filter(
        meeting_id__in=list(meeting_ids),
        person_id__in=list(person_ids),
        kind__in=list(kinds),
        status__in=(DeliveryStatus.PENDING, DeliveryStatus.FAILED),
    ).update(
        status=DeliveryStatus.SKIPPED,
        last_error=f"{SUPERSEDED_PREFIX}{localtime(now):%m-%d %H:%M} 的新通知取代",
        next_attempt_at=None,
    )


def _invitation_row(
    loaded: invitations.Loaded, invited: Invited, *, method: str, reason: str, now: dt.datetime
) -> Notification:
    meeting = loaded.meeting
    target = target_for_person(invited.person)
    kind = INVITATION if method == invitations.REQUEST else INVITATION_CANCEL
    ics = ""
    if target.group_chat:
        subject, body = _robot_text(meeting, invited, reason=reason)
        subject, body = _robot_safe(target, kind, subject, body, [meeting])
    else:
        subject, body = _invitation_text(meeting, invited, reason=reason, method=method)
        if target.channel == Channel.EMAIL:
            invitee = invitations.Invitee(
                name=invited.person.name,
                email=target.address,
                role=invited.role,
                rsvp=invited.rsvp,
                rsvp_url=invitations.rsvp_url(invited.rsvp_token) if invited.rsvp_token else "",
            )
            ics = invitations.text(invitations.invitation(loaded, invitee, method=method, now=now))
    return _row(
        target,
        kind=kind,
        subject=subject,
        body=body,
        meeting=meeting,
        person=invited.person,
        ics=ics,
        ics_method=method,
        now=now,
    )


def invite(
    meeting: Meeting,
    invited: Sequence[Invited],
    *,
    method: str,
    reason: str,
    now: dt.datetime,
) -> list[Notification]:
    """REQUEST (or CANCEL) `meeting` to each of `invited`: e-mail with the .ics, or a text
    to their group robot, or a visible `skipped` row when they have no address."""
    if not invited:
        return []
    batch = _batch.get()
    if batch is not None:
        batch.extend((meeting.pk, method, reason, i) for i in invited)
        return []
    loaded = invitations.load(meeting)
    if loaded is None:
        return []
    _supersede([meeting.pk], [i.person.pk for i in invited], now)
    return _save(
        [_invitation_row(loaded, i, method=method, reason=reason, now=now) for i in invited]
    )


def _flush(items: Sequence[tuple[int, str, str, Invited]], *, now: dt.datetime) -> None:
    """Write a batch: per person, the last word on each meeting; one meeting → the usual
    invitation, several → one message listing them with one calendar to import.

    A series has the same roster on every occurrence, so people fall into a few groups:
    everything is written per group, not per person — a series of 300 people costs the
    same handful of queries as one of 3.
    """
    per_person: dict[int, dict[int, tuple[str, str, Invited]]] = {}
    for meeting_id, method, reason, invited in items:
        per_person.setdefault(invited.person.pk, {})[meeting_id] = (method, reason, invited)
    if not per_person:
        return
    ids = {m for person in per_person.values() for m in person}
    meetings = {
        m.pk: m for m in Meeting.objects.filter(pk__in=ids).select_related("room", "organizer")
    }
    singles: dict[tuple[int, str, str], list[Invited]] = {}
    several: list[tuple[list[Meeting], dict[int, tuple[str, str, Invited]]]] = []
    for person_items in per_person.values():
        present = {k: v for k, v in person_items.items() if k in meetings}
        if len(present) == 1:
            [(meeting_id, (method, reason, invited))] = present.items()
            singles.setdefault((meeting_id, method, reason), []).append(invited)
        elif present:
            ordered = sorted(present, key=lambda k: (meetings[k].start, k))
            several.append(([meetings[k] for k in ordered], present))
    for (meeting_id, method, reason), people in singles.items():
        invite(meetings[meeting_id], people, method=method, reason=reason, now=now)
    _digests(several, now=now)


def _digests(
    entries: Sequence[tuple[list[Meeting], dict[int, tuple[str, str, Invited]]]],
    *,
    now: dt.datetime,
) -> None:
    """One SERIES_INVITATION per person: the meetings they are to attend and those off."""
    calendars: dict[tuple[int, ...], str] = {}
    superseded: dict[tuple[int, ...], list[int]] = {}
    rows = []
    for meetings, items in entries:
        person = next(iter(items.values()))[2].person
        on = [m for m in meetings if items[m.pk][0] == invitations.REQUEST]
        off = [m for m in meetings if items[m.pk][0] == invitations.CANCEL]
        # The calendar to import holds what is on for this person, and what was
        # cancelled (as the feeds show it); never a meeting they were taken off, which
        # importing would put into their calendar as if they were to attend.
        shown = tuple(
            m.pk for m in meetings if m in on or m.status in (Status.CANCELLED, Status.REJECTED)
        )
        if shown and shown not in calendars:
            calendars[shown] = invitations.text(invitations.digest(list(shown)))
        superseded.setdefault(tuple(m.pk for m in meetings), []).append(person.pk)
        tokens = {m.pk: items[m.pk][2].rsvp_token for m in on}
        rows.append(
            _digest_row(
                person, meetings, on, off, ics=calendars.get(shown, ""), tokens=tokens, now=now
            )
        )
    for meeting_ids, person_ids in superseded.items():
        _supersede(meeting_ids, person_ids, now, kinds=INVITATION_KINDS)
    _save(rows)


def _digest_row(
    person: Person,
    meetings: Sequence[Meeting],
    on: Sequence[Meeting],
    off: Sequence[Meeting],
    *,
    ics: str,
    now: dt.datetime,
    tokens: Mapping[int, str] | None = None,
) -> Notification:
    target = target_for_person(person)
    first = meetings[0]
    # Personal 回执 links go to the person's own mailbox only, never into a group chat.
    links = (tokens or {}) if target.channel == Channel.EMAIL else {}
    subject = f"会议安排：{first.title}（共 {len(meetings)} 次）"
    lines = [f"{person.name}：", ""]
    if on:
        lines.append(f"请参加以下会议（{len(on)} 次）：")
        for m in on:
            token = links.get(m.pk)
            reply = (
                f"\n    回执（参加/请假/代参会）：{invitations.rsvp_url(token)}" if token else ""
            )
            lines.append(f"  {_when(m)}  {m.location}{reply}")
    if off:
        lines.append(f"以下会议已取消或您无需参加（{len(off)} 次）：")
        lines.extend(f"  {_when(m)}  {m.location}" for m in off)
    lines.append("")
    lines.append(f"会议：{first.title}")
    lines.append(f"承办：{user_display_name(first.organizer)}")
    if target.channel == Channel.EMAIL and ics:
        lines.append(
            "附件为这些会议的日历文件，可导入 Outlook 或手机日历；"
            "各次会议的回执请用上面的链接办理。"
        )
    lines.append(f"详情：{meeting_url(first)}")
    body = "\n".join(lines)
    subject, body = _robot_safe(target, SERIES_INVITATION, subject, body, meetings)
    return _row(
        target,
        kind=SERIES_INVITATION,
        subject=subject,
        body=body,
        meeting=first,
        person=person,
        ics=ics,
        ics_method=invitations.PUBLISH,
        now=now,
    )


# --- what the booking services call -------------------------------------------------------


def meeting_confirmed(meeting: Meeting, *, now: dt.datetime, reason: str = "new") -> None:
    """The meeting is on (approved or confirmed at once): invite the whole roster."""
    invite(meeting, roster(meeting), method=invitations.REQUEST, reason=reason, now=now)


def meeting_changed(meeting: Meeting, *, now: dt.datetime) -> None:
    """Time or room of an invited meeting changed (SEQUENCE bumped): REQUEST again."""
    invite(meeting, roster(meeting), method=invitations.REQUEST, reason="changed", now=now)


def meeting_updated(meeting: Meeting, *, now: dt.datetime, skip: Iterable[int] = ()) -> None:
    """Title, place, description or the VC link of a confirmed meeting changed: the same
    SEQUENCE with a newer DTSTAMP, which calendars take as an update of the entry."""
    left_out = set(skip)
    people = [i for i in roster(meeting) if i.person.pk not in left_out]
    invite(meeting, people, method=invitations.REQUEST, reason="updated", now=now)


def invited_ids(meeting: Meeting) -> set[int]:
    """People who were sent (or are about to be sent) an invitation to `meeting`."""
    return set(
        Notification.objects.filter(
            meeting=meeting, kind=INVITATION, person__isnull=False
        ).values_list("person_id", flat=True)
    )


def meeting_closed(meeting: Meeting, *, was_approved: bool, now: dt.datetime) -> None:
    """Cancelled (or a hold refused or expired): CANCEL to those who were invited — the
    whole roster of a confirmed meeting; of a pending one, whoever got a REQUEST when it
    was confirmed before being moved into a room that needs approval."""
    people = roster(meeting)
    if not was_approved:
        known = invited_ids(meeting)
        people = [i for i in people if i.person.pk in known]
    invite(meeting, people, method=invitations.CANCEL, reason="cancelled", now=now)


def roster_added(meeting: Meeting, person_ids: Iterable[int], *, now: dt.datetime) -> None:
    """People added to a confirmed meeting get their invitation."""
    ids = list(person_ids)
    if ids and meeting.status == Status.APPROVED:
        invite(meeting, roster(meeting, ids), method=invitations.REQUEST, reason="added", now=now)


def roster_removed(
    meeting: Meeting, removed: Sequence[Invited], *, was_invited: bool, now: dt.datetime
) -> None:
    """People taken off the roster of a meeting they were invited to get a CANCEL
    (`was_invited`: the meeting was confirmed, so the whole roster had been invited)."""
    if not removed:
        return
    if not was_invited:
        known = invited_ids(meeting)
        removed = [i for i in removed if i.person.pk in known]
    invite(meeting, removed, method=invitations.CANCEL, reason="removed", now=now)


# --- reminders ----------------------------------------------------------------------------

# The booking form's choices (minutes before the start); the API takes any value in range.
REMINDER_CHOICES = [
    (15, "15 分钟"),
    (30, "30 分钟"),
    (60, "1 小时"),
    (120, "2 小时"),
    (1440, "1 天"),
]
MAX_REMINDER_MINUTES = 1440


def reminders_due(*, now: dt.datetime) -> int:
    """Queue the reminders whose time has come; returns how many meetings were reminded.

    Each meeting is claimed by a conditional update of `reminder_sent_for` to its start,
    in the same transaction as its reminder rows: two workers never both remind it, a
    crash in between reminds nobody twice nor loses it, and a meeting moved later has a
    new start and is reminded again. A reminder is never sent after the start.
    """
    candidates = (
        Meeting.objects.filter(
            status=Status.APPROVED,
            reminder_minutes__isnull=False,
            start__gt=now,
            start__lte=now + dt.timedelta(minutes=MAX_REMINDER_MINUTES),
        )
        .exclude(reminder_sent_for=F("start"))
        .order_by()
        .values_list("pk", "start", "reminder_minutes")
    )
    done = 0
    for pk, start, minutes in list(candidates):
        if minutes is None or start - dt.timedelta(minutes=minutes) > now:
            continue
        with transaction.atomic():
            claimed = (
                Meeting.objects.filter(pk=pk, start=start, status=Status.APPROVED)
                .exclude(reminder_sent_for=F("start"))
                .update(reminder_sent_for=start)
            )
            if not claimed:
                continue  # another worker, or the meeting moved or was cancelled meanwhile
            meeting = Meeting.objects.select_related("room", "organizer").get(pk=pk)
            reminders_queue(meeting, now=now)
        done += 1
    return done


def notifications_cleanup(*, now: dt.datetime) -> int:
    """Delete sent and skipped rows older than NOTIFY_KEEP_DAYS; failed ones stay."""
    cutoff = now - dt.timedelta(days=settings.NOTIFY_KEEP_DAYS)
    deleted, _ = Notification.objects.filter(
        status__in=(DeliveryStatus.SENT, DeliveryStatus.SKIPPED), created_at__lt=cutoff
    ).delete()
    return deleted


def reminders_queue(meeting: Meeting, *, now: dt.datetime) -> list[Notification]:
    """One reminder per roster person for the meeting's present start (dedupe_key): a
    moved meeting is reminded again for its new time, an unmoved one never twice."""
    rows = []
    start = localtime(meeting.start)
    for invited in roster(meeting):
        if invited.rsvp in (Rsvp.LEAVE, Rsvp.SUBSTITUTE):
            continue  # on leave or sending someone else: nothing to remind them of
        target = target_for_person(invited.person)
        subject = f"会议提醒：{meeting.title}（{start:%H:%M} 开始）"
        lines = [f"{invited.person.name}：", "", "您参加的会议即将开始。", ""]
        lines += [
            *_meeting_lines(meeting, with_vc=not target.group_chat),
            f"详情：{meeting_url(meeting)}",
        ]
        body = "\n".join(lines)
        subject, body = _robot_safe(target, REMINDER, subject, body, [meeting])
        rows.append(
            _row(
                target,
                kind=REMINDER,
                subject=subject,
                body=body,
                meeting=meeting,
                person=invited.person,
                now=now,
                dedupe_key=f"reminder:{meeting.pk}:{invited.person.pk}:{meeting.start.timestamp():.0f}",
            )
        )
    return _save(rows)


# --- staff: sending again -----------------------------------------------------------------


def _retarget(row: Notification) -> Target | None:
    if row.person is not None:
        return target_for_person(row.person)
    if row.recipient is not None:
        return target_for_user(row.recipient)
    return None


def notification_retry(*, notification: Notification, actor: Any, now: dt.datetime) -> Notification:
    """重新发送: queue a failed (or skipped) delivery again, with full attempts.

    The address is read from the directory again — the usual fix is an admin correcting
    an e-mail address or adding a robot's webhook — while the content stays as frozen.
    A message written for someone's own mailbox (it may hold a personal 回执 link or a
    confidential title) is never redirected into a group chat.
    """
    from core import roles
    from core.audit import audit_record
    from core.exceptions import InvalidInput, InvalidTransition, NotFound, PermissionDenied

    if not roles.is_admin(actor):
        raise PermissionDenied("只有会务管理员可以重新发送通知")
    with transaction.atomic():
        row = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("person__unit", "person__user", "recipient", "meeting__room")
            .filter(pk=notification.pk)
            .first()
        )
        if row is None:
            raise NotFound("通知不存在", details={"id": notification.pk})
        if row.status == DeliveryStatus.SENT:
            raise InvalidTransition("该通知已发送，无需重发")
        if row.status == DeliveryStatus.SENDING:
            raise InvalidTransition("该通知正在发送，请稍后刷新查看结果")
        if row.status == DeliveryStatus.SKIPPED and row.last_error.startswith(SUPERSEDED_PREFIX):
            raise InvalidTransition("该通知已由更新的通知取代，无需重发")
        target = _retarget(row)
        if target is None:
            raise InvalidInput("收件人已从名录中删除，无法重发", field="recipient")
        if target.problem:
            raise InvalidInput(
                f"仍无法发送：{target.problem}。请先在人员名录中补全后再重发", field="address"
            )
        written_for_group = row.channel in ROBOT_CHANNELS or row.last_error == NO_ROBOT
        if target.channel in ROBOT_CHANNELS and not written_for_group:
            raise InvalidInput(
                "该人员的通知方式已改为群机器人；这条通知是写给本人的（可能含回执链接或会议详情），"
                "不能转发到群里",
                field="channel",
            )
        from meetings.delivery import redact  # it builds on this module

        # The audit log keeps no robot's key (redact leaves e-mail addresses as they are).
        before = {"status": row.status, "channel": row.channel, "address": redact(row.address)}
        previous_error = row.last_error
        row.channel, row.address, row.mention = target.channel, target.address, target.mention[:30]
        if target.user is not None and row.recipient_id is None:
            row.recipient = target.user
        row.attempts, row.next_attempt_at, row.claimed_at = 0, None, None
        row.last_error = ""
        if target.channel == Channel.INBOX:
            row.status, row.sent_at = DeliveryStatus.SENT, now
        else:
            row.status = DeliveryStatus.PENDING
        if target.channel != Channel.EMAIL:
            row.ics, row.ics_method = "", ""
        elif not row.ics and row.kind == INVITATION and row.meeting is not None:
            # Skipped for want of an address: the invitation was never built.
            row.ics, row.ics_method = _ics_for(row.meeting, row, now=now)
        row.save()
        audit_record(
            actor=actor,
            action="notification_retry",
            obj=row,
            summary=f"重新发送通知：{row.subject}"[:300],
            changes={
                "before": before,
                "after": {
                    "status": row.status,
                    "channel": row.channel,
                    "address": redact(row.address),
                },
                "last_error": previous_error,
            },
            at=now,
        )
        if row.status == DeliveryStatus.PENDING:
            transaction.on_commit(functools.partial(_enqueue, row.pk))
    return row


def _ics_for(meeting: Meeting, row: Notification, *, now: dt.datetime) -> tuple[str, str]:
    assert row.person is not None
    people = roster(meeting, [row.person.pk])
    loaded = invitations.load(meeting)
    if not people or loaded is None:
        return "", ""
    invited = people[0]
    invitee = invitations.Invitee(
        name=invited.person.name,
        email=row.address,
        role=invited.role,
        rsvp=invited.rsvp,
        rsvp_url=invitations.rsvp_url(invited.rsvp_token),
    )
    cal = invitations.invitation(loaded, invitee, method=invitations.REQUEST, now=now)
    return invitations.text(cal), invitations.REQUEST


# --- reads ----------------------------------------------------------------------------------

# What the outbox shows by default: everything that is not done.
OPEN = (DeliveryStatus.PENDING, DeliveryStatus.SENDING, DeliveryStatus.FAILED)


def outbox(statuses: Sequence[str] = OPEN) -> QuerySet[Notification]:
    """Deliveries by status for the admins' outbox, failed first, newest first."""
    return (
        Notification.objects.filter(status__in=list(statuses))
        .exclude(channel=Channel.INBOX, status=DeliveryStatus.SENT)
        # recipient__person: the name shown for a notice to a user (user_display_name).
        .select_related("recipient__person", "person__unit", "meeting")
        .order_by("-created_at", "-pk")
    )


@dataclass(frozen=True)
class Reached:
    """How the latest message about a meeting went for one person on its roster."""

    person: Person
    row: Notification | None  # None: nothing was sent to them (yet)


def meeting_reach(meeting: Meeting) -> list[Reached]:
    """Per roster person, the latest message about `meeting` (invitation, change, reminder):
    what 会务人员 check before the meeting — who was told, who could not be reached."""
    people = [
        a.person
        for a in meeting.attendances.select_related("person__unit").order_by(
            "order", "person__rank", "pk"
        )
        if a.person is not None
    ]
    latest: dict[int, Notification] = {}
    for row in (
        Notification.objects.filter(meeting=meeting, person__in=[p.pk for p in people])
        .exclude(last_error__startswith=SUPERSEDED_PREFIX)
        .order_by("created_at", "pk")
    ):
        assert row.person_id is not None
        latest[row.person_id] = row  # the newest wins
    return [Reached(person=p, row=latest.get(p.pk)) for p in people]


def outbox_counts() -> dict[str, int]:
    rows = Notification.objects.values_list("status").annotate(n=Count("pk")).order_by()
    return dict(rows)


def user_notifications(user: Any) -> QuerySet[Notification]:
    """A user's own notifications, newest first (whatever channel they went by)."""
    return (
        Notification.objects.filter(recipient=user)
        .select_related("meeting")
        .order_by("-created_at", "-pk")
    )


def mark_read(*, user: Any, now: dt.datetime, ids: Sequence[int] | None = None) -> int:
    """Mark the user's unread notifications (or those of `ids`) read; returns how many."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=now)
