"""Video-conference links of meetings: allocate, change provider, follow a move, release.

A link occupies the same interval as its meeting (start − 布场 [− 联调], end + 撤场), so a
pool number is booked under the room's rules: never twice at once, also under
concurrent requests. A meeting has at most one `VcLink` row; releasing sets `active`
False and a later allocation reuses the row.

The booking services (meetings.services) call `vc_validate` before their transaction
and `vc_after_save` inside it, so a failed allocation rolls the room booking back and a
refused room booking never allocates a link. The `vc_link_*` functions are the same
rules for a meeting that is already booked (the VC endpoints and buttons).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction

from core.audit import audit_record
from core.exceptions import (
    InvalidInput,
    InvalidTransition,
    PermissionDenied,
    VcPoolExhausted,
)
from core.timeutil import localtime
from meetings.access import can_edit, display_title
from meetings.models import BLOCKING, Meeting, Status, VcLink
from meetings.vc_providers import VcBackend, VcRequest, backend_for, backends, provider_label


def vc_validate(request: VcRequest) -> tuple[VcBackend, VcRequest]:
    """The provider and the checked request, before anything is written (422 if wrong)."""
    request = request.stripped()
    backend = backend_for(request.provider)
    return backend, backend.validate(request)


def _current(meeting: Meeting) -> VcLink | None:
    # Read the row, not the cached relation: the caller's transaction may have moved it.
    return VcLink.objects.filter(meeting=meeting).select_related("resource").first()


def _save(link: VcLink) -> None:
    """Save; on PostgreSQL the exclusion constraint may still refuse a racing allocation."""
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError as exc:
        if "vclink_no_double_booking" in str(exc):
            raise VcPoolExhausted("该会议号刚被其他会议占用（并发预订），请重试") from exc
        raise


def _describe(link: VcLink) -> str:
    label = provider_label(link.provider)
    detail = link.number or link.room_name or link.dial_in or link.url
    # Never the password or a Jitsi token: the audit log outlives the meeting.
    if link.provider == "jitsi":
        detail = link.room_name
    return f"{label}（{detail}）" if detail else label


def _audit(meeting: Meeting, *, actor: Any, action: str, summary: str, now: dt.datetime) -> None:
    audit_record(actor=actor, action=action, obj=meeting, summary=summary, at=now)


def _decorate(exc: VcPoolExhausted, actor: Any) -> None:
    """Name the meetings holding the numbers, as the actor may see them."""
    conflicts = exc.details.get("conflicts") or []
    ids = [c["meeting_id"] for c in conflicts if "meeting_id" in c]
    found = Meeting.objects.in_bulk(ids)
    for item in conflicts:
        m = found.get(item.get("meeting_id"))
        if m is None:
            continue
        item.update(
            {
                "id": m.pk,
                "title": display_title(actor, m),
                "start": localtime(m.start).isoformat(),
                "end": localtime(m.end).isoformat(),
                "occupied_start": localtime(m.occupied_start).isoformat(),
                "occupied_end": localtime(m.occupied_end).isoformat(),
            }
        )
    slots = exc.details.get("alternatives", {}).get("slots") or []
    if slots:
        labels = []
        for s in slots:
            start, end = dt.datetime.fromisoformat(s["start"]), dt.datetime.fromisoformat(s["end"])
            labels.append(f"{start.month}月{start.day}日 {start:%H:%M}–{end:%H:%M}")
        exc.message += "。可改在：" + "、".join(labels)
    else:
        exc.message += "。请调整时间，或改用其他视频会议方式"


# --- inside a booking's transaction -------------------------------------------------------


def vc_attach(
    meeting: Meeting,
    *,
    backend: VcBackend,
    request: VcRequest,
    actor: Any,
    now: dt.datetime,
) -> VcLink:
    """Give `meeting` a link from `backend`, replacing an active one (its provider's
    cancel runs first, so a pool number can be handed out again)."""
    link = _current(meeting)
    action, before = "vc_allocate", ""
    if link is not None and link.active:
        before = _describe(link)
        old_backend = _backend_or_none(link.provider)
        if old_backend is not None:
            old_backend.cancel(link, now=now)
        # Free the old number before looking for one, in this transaction.
        link.active = False
        _save(link)
        action = "vc_change"
    if link is None:
        link = VcLink(meeting=meeting, created_at=now)
    link.provider = backend.code
    link.occupied_start, link.occupied_end = meeting.occupied_start, meeting.occupied_end
    link.active = True
    link.updated_at = now
    try:
        backend.create(link, request=request, now=now)
        _save(link)
    except VcPoolExhausted as exc:
        _decorate(exc, actor)
        raise
    meeting.vc_link = link
    summary = f"视频会议：{_describe(link)}"
    if before:
        summary = f"更换视频会议：{before} → {_describe(link)}"
    _audit(meeting, actor=actor, action=action, summary=summary, now=now)
    return link


def _backend_or_none(code: str) -> VcBackend | None:
    # A provider taken out of VC_BACKENDS still lets its old links move and be released.
    return backends().get(code)


def vc_follow(meeting: Meeting, *, actor: Any, now: dt.datetime) -> VcLink | None:
    """The meeting moved (or its buffers changed): its active link moves with it.

    A pool number still free at the new time is kept; otherwise another is allocated,
    and when none is free the whole change is refused (409) by the caller's rollback.
    """
    link = _current(meeting)
    if link is None or not link.active:
        return None
    if (link.occupied_start, link.occupied_end) == (meeting.occupied_start, meeting.occupied_end):
        return link
    before = _describe(link)
    link.occupied_start, link.occupied_end = meeting.occupied_start, meeting.occupied_end
    link.updated_at = now
    backend = _backend_or_none(link.provider)
    try:
        if backend is not None:
            backend.update(link, now=now)
        _save(link)
    except VcPoolExhausted as exc:
        _decorate(exc, actor)
        raise
    after = _describe(link)
    summary = "视频会议随会议调整时间" + (f"：{before} → {after}" if after != before else "")
    _audit(meeting, actor=actor, action="vc_move", summary=summary, now=now)
    meeting.vc_link = link
    return link


def vc_release(meeting: Meeting, *, actor: Any, now: dt.datetime) -> VcLink | None:
    """Let go of the meeting's active link (cancelled, rejected, expired, or asked to)."""
    link = _current(meeting)
    if link is None or not link.active:
        return None
    backend = _backend_or_none(link.provider)
    if backend is not None:
        backend.cancel(link, now=now)
    link.active = False
    link.updated_at = now
    _save(link)
    _audit(
        meeting,
        actor=actor,
        action="vc_release",
        summary=f"释放视频会议：{_describe(link)}",
        now=now,
    )
    meeting.vc_link = link
    return link


def vc_after_save(
    meeting: Meeting,
    *,
    actor: Any,
    now: dt.datetime,
    attach: tuple[VcBackend, VcRequest] | None = None,
    release: bool = False,
) -> None:
    """Bring the link in line with a meeting just saved by a booking service.

    Runs inside the booking's transaction: any error here rolls the booking back.
    """
    if release:
        vc_release(meeting, actor=actor, now=now)
        return
    if attach is not None:
        if meeting.status not in BLOCKING:
            raise InvalidInput("草稿不占用会议室和会议号：提交时再预订视频会议", field="vc")
        backend, request = attach
        vc_attach(meeting, backend=backend, request=request, actor=actor, now=now)
        return
    if meeting.status in BLOCKING:
        vc_follow(meeting, actor=actor, now=now)


# --- a booked meeting's link on its own (API endpoints, the meeting page) -----------------


def _touch(meeting: Meeting, now: dt.datetime) -> None:
    # The link is part of what calendars show (URL, CONFERENCE, DESCRIPTION): without a
    # newer LAST-MODIFIED clients that compare it would keep the old link, and those
    # invited by e-mail get an update with the new one.
    Meeting.objects.filter(pk=meeting.pk).update(updated_at=now)
    meeting.updated_at = now
    if meeting.status == Status.APPROVED:
        # Imported here: notifications builds on the VC accessors of this package.
        from meetings import notifications

        notifications.meeting_updated(meeting, now=now)


def _locked_for_vc(meeting: Meeting, actor: Any) -> Meeting:
    if not can_edit(actor, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以预订或释放视频会议")
    # Re-read under lock: a cancellation racing this request must not leave a live link.
    locked = (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("room")
        .filter(pk=meeting.pk)
        .first()
    )
    if locked is None:
        raise InvalidTransition("会议已不存在")
    if locked.status not in BLOCKING:
        raise InvalidTransition(
            f"{locked.get_status_display()}的会议不占用资源，不能预订视频会议"
            if locked.status != "draft"
            else "草稿不占用会议室和会议号：请先提交，再预订视频会议"
        )
    return locked


def vc_link_allocate(
    *, meeting: Meeting, actor: Any, now: dt.datetime, request: VcRequest
) -> VcLink:
    """Book a link for a meeting that has none (409 if it already has one)."""
    backend, request = vc_validate(request)
    with transaction.atomic():
        locked = _locked_for_vc(meeting, actor)
        current = _current(locked)
        if current is not None and current.active:
            raise InvalidTransition("该会议已有视频会议链接；如需更换方式，请用修改（PATCH）")
        link = vc_attach(locked, backend=backend, request=request, actor=actor, now=now)
        _touch(locked, now)
        return link


def vc_link_change(*, meeting: Meeting, actor: Any, now: dt.datetime, request: VcRequest) -> VcLink:
    """Replace a meeting's link (another provider, or new details from a notice)."""
    backend, request = vc_validate(request)
    with transaction.atomic():
        locked = _locked_for_vc(meeting, actor)
        current = _current(locked)
        if current is None or not current.active:
            raise InvalidTransition("该会议还没有视频会议链接；请先预订")
        link = vc_attach(locked, backend=backend, request=request, actor=actor, now=now)
        _touch(locked, now)
        return link


def vc_link_release(*, meeting: Meeting, actor: Any, now: dt.datetime) -> VcLink:
    """Release a meeting's link; the meeting and its room stay booked."""
    if not can_edit(actor, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以预订或释放视频会议")
    with transaction.atomic():
        link = vc_release(meeting, actor=actor, now=now)
        if link is not None:
            _touch(meeting, now)
    if link is None:
        raise InvalidTransition("该会议没有有效的视频会议链接")
    return link
