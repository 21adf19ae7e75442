"""Booking rules (DESIGN §4): buffers, conflicts, approval holds, state changes.

Every write goes through these functions; views and API endpoints only translate. They
take `now` so that tests and the worker need no clock tricks, and `actor` so that the
permission rules and the audit log are the same whichever door a request came in by.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core import roles
from core.audit import audit_record, diff, field_labels, snapshot
from core.exceptions import (
    BookingConflict,
    DomainError,
    InvalidInput,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    SoftConflict,
)
from core.models import Person
from core.names import user_display_name
from core.timeutil import localtime
from core.workdays import add_working_days
from meetings import notifications
from meetings.access import can_edit, display_title
from meetings.documents.text import when_label
from meetings.models import (
    BLOCKING,
    DEFAULT_PRIORITY,
    Attendance,
    BranchLevel,
    Confidentiality,
    Kind,
    Meeting,
    MeetingSeries,
    Priority,
    Role,
    Status,
)
from meetings.vc import link_test_minutes_for
from meetings.vc_providers import VcRequest
from meetings.vc_services import vc_after_save, vc_validate
from rooms.models import Room, VcKind
from rooms.services import Buffers, free_slots, rooms_free_for, within_hours

log = logging.getLogger(__name__)

# Soft conflicts a requester may acknowledge; their codes are part of the API.
PERSON_BUSY = "person_busy"
OVER_CAPACITY = "over_capacity"
OUTSIDE_HOURS = "outside_hours"
SOFT_CODES = (PERSON_BUSY, OVER_CAPACITY, OUTSIDE_HOURS)

# Fields whose change is a change of "when or where": the iCalendar SEQUENCE goes up and
# the conflict rules run again.
_SCHEDULE_FIELDS = (
    "start",
    "end",
    "room_id",
    "setup_minutes",
    "teardown_minutes",
    "branch_of",
    "link_test_minutes",
)
# What invitees read in their calendars besides time and room: a change of these sends
# them an update (same SEQUENCE, newer DTSTAMP: an update, not a new time).
_DETAIL_FIELDS = ("title", "description", "place")
_AUDITED_FIELDS = [
    "title",
    "kind",
    "priority",
    "start",
    "end",
    "room",
    "place",
    "setup_minutes",
    "teardown_minutes",
    "status",
    "confidentiality",
    "description",
    "expected_attendance",
    "branch_of",
    "link_test_minutes",
    "reminder_minutes",
]
_EDITABLE_FIELDS = set(_AUDITED_FIELDS) - {"status"}


@dataclass
class Warning_:
    """One soft conflict: a code the requester can acknowledge and the meetings behind it."""

    code: str
    message: str
    meetings: list[Meeting] = field(default_factory=list)


@dataclass
class BookingCheck:
    """What booking this slot would run into: the preview the form shows as one types."""

    occupied_start: dt.datetime
    occupied_end: dt.datetime
    hard: list[Meeting]
    soft: list[Warning_]
    alternatives: dict[str, list[dict[str, Any]]] | None = None

    @property
    def ok(self) -> bool:
        return not self.hard and not self.soft


# --- validation ---------------------------------------------------------------------------


def validate_times(*, start: dt.datetime, end: dt.datetime, now: dt.datetime) -> None:
    """Refuse intervals no office could mean; raise InvalidInput naming the field."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("时间必须带时区", field="start")
    if end <= start:
        raise InvalidInput("结束时间必须晚于开始时间", field="end")
    if end - start > dt.timedelta(hours=settings.MAX_MEETING_HOURS):
        raise InvalidInput(f"会议时长不能超过 {settings.MAX_MEETING_HOURS} 小时", field="end")
    if end <= now:
        raise InvalidInput("不能预订已经过去的时间", field="start")
    if start > now + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS):
        raise InvalidInput(f"只能预订 {settings.BOOKING_HORIZON_DAYS} 天以内的会议", field="start")


def occupied_interval(
    *,
    room: Room | None,
    start: dt.datetime,
    end: dt.datetime,
    setup_minutes: int | None,
    teardown_minutes: int | None,
    branch_of: str = "",
    link_test_minutes: int | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """start − 布场 (− 联调 for a 分会场), end + 撤场: per-meeting values win over defaults.

    The 联调 (link test with the superior conference) comes right before the start, the
    布场 before that; both are in the stored interval, so the room's exclusion
    constraint keeps the room free for them.
    """
    link_test = dt.timedelta(
        minutes=link_test_minutes_for(branch_of=branch_of, link_test_minutes=link_test_minutes)
    )
    if room is None:
        return start - link_test, end
    setup = room.setup_minutes if setup_minutes is None else setup_minutes
    teardown = room.teardown_minutes if teardown_minutes is None else teardown_minutes
    return start - link_test - dt.timedelta(minutes=setup), end + dt.timedelta(minutes=teardown)


# --- conflict detection -------------------------------------------------------------------


def hard_conflicts(
    *,
    room: Room,
    occupied_start: dt.datetime,
    occupied_end: dt.datetime,
    exclude_id: int | None = None,
) -> list[Meeting]:
    ids = _clashing_ids(
        room_id=room.pk,
        occupied_start=occupied_start,
        occupied_end=occupied_end,
        exclude_id=exclude_id,
    )
    if not ids:
        return []
    return list(
        Meeting.objects.filter(pk__in=ids).select_related("room").order_by("occupied_start")
    )


def _clashing_ids(
    *, room_id: int, occupied_start: dt.datetime, occupied_end: dt.datetime, exclude_id: int | None
) -> list[int]:
    """Ids of the room's blocking meetings overlapping [start, end) (half-open), i.e.
    `Meeting.objects.blocking().filter(room=…).occupying(…)` written out in SQL.

    Every booking runs this and nearly always finds the room free. Through the ORM,
    building the statement cost more than the INSERT that follows and put a booking at
    over 3× a bare insert (DESIGN §10, bench/booking.py); the database's own work is a
    few index lookups on meeting_room_occupied_end. The rows are loaded through the ORM only
    when there is a clash to report.
    """
    ops = connection.ops
    sql = (
        "SELECT id FROM meetings_meeting"
        " WHERE room_id = %s AND status IN (%s, %s) AND occupied_start < %s AND occupied_end > %s"
    )
    params: list[Any] = [
        room_id,
        *(status.value for status in BLOCKING),
        ops.adapt_datetimefield_value(occupied_end),
        ops.adapt_datetimefield_value(occupied_start),
    ]
    if exclude_id:
        sql += " AND id <> %s"
        params.append(exclude_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def soft_conflicts(
    *,
    room: Room | None,
    start: dt.datetime,
    end: dt.datetime,
    person_ids: Iterable[int],
    expected_attendance: int | None,
    exclude_id: int | None = None,
) -> list[Warning_]:
    warnings: list[Warning_] = []
    ids = list(person_ids)
    if ids:
        busy = (
            Attendance.objects.filter(person_id__in=ids, meeting__status__in=BLOCKING)
            .filter(meeting__start__lt=end, meeting__end__gt=start)
            .select_related("person", "meeting", "meeting__room")
            .order_by("person__rank", "meeting__start")
        )
        if exclude_id:
            busy = busy.exclude(meeting_id=exclude_id)
        by_person: dict[int, tuple[Person, list[Meeting]]] = {}
        for a in busy:
            if a.person is not None:  # guests are not in the directory: no clash check
                by_person.setdefault(a.person.pk, (a.person, []))[1].append(a.meeting)
        for person, meetings in by_person.values():
            warnings.append(Warning_(PERSON_BUSY, f"{person.name}在该时段已有其他安排", meetings))
    needed = max(expected_attendance or 0, len(ids))
    if room is not None and needed > room.capacity:
        warnings.append(
            Warning_(OVER_CAPACITY, f"参会人数 {needed} 超过{room.name}容纳人数 {room.capacity}")
        )
    if room is not None and not within_hours(room, start, end):
        warnings.append(
            Warning_(
                OUTSIDE_HOURS,
                f"{room.name}的可预订时间为 {room.bookable_from:%H:%M}–{room.bookable_until:%H:%M}",
            )
        )
    return warnings


def alternatives_for(
    *,
    room: Room,
    start: dt.datetime,
    end: dt.datetime,
    needed_capacity: int,
    now: dt.datetime,
    exclude_id: int | None = None,
    setup_minutes: int | None = None,
    teardown_minutes: int | None = None,
    branch_of: str = "",
    link_test_minutes: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Other rooms that fit at that time, and the wanted room's next free slots.

    Measured with the request's own buffers and 联调 time, and for a 分会场 only rooms
    with a terminal: an alternative must be bookable exactly as offered.
    """
    buffers = Buffers(
        setup_minutes=setup_minutes,
        teardown_minutes=teardown_minutes,
        extra_lead=dt.timedelta(
            minutes=link_test_minutes_for(branch_of=branch_of, link_test_minutes=link_test_minutes)
        ),
    )
    rooms = rooms_free_for(
        start=start,
        end=end,
        min_capacity=max(needed_capacity, 1),
        equipment_codes=list(room.equipment.values_list("code", flat=True)),
        exclude_room_id=room.pk,
        busy=busy_intervals,
        exclude_meeting_id=exclude_id,
        buffers=buffers,
        needs_terminal=bool(branch_of),
    )
    slots = free_slots(
        room=room,
        duration=end - start,
        after=max(start, now),
        busy=busy_intervals,
        exclude_meeting_id=exclude_id,
        buffers=buffers,
    )
    return {
        "rooms": [
            {"id": r.pk, "name": r.name, "capacity": r.capacity, "location": r.location}
            for r in rooms
        ],
        "slots": [{"start": s.isoformat(), "end": e.isoformat()} for s, e in slots],
    }


def busy_intervals(
    room_ids: Sequence[int], start: dt.datetime, end: dt.datetime, exclude_meeting_id: int | None
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Occupied intervals of blocking meetings per room: what rooms/ needs from meetings/."""
    qs = Meeting.objects.blocking().filter(room_id__in=room_ids).occupying(start, end)
    if exclude_meeting_id:
        qs = qs.exclude(pk=exclude_meeting_id)
    out: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    # No ordering: the meeting's default (start) would make the database walk the
    # start index, every meeting ever, to save sorting a handful of rows.
    for room_id, s, e in qs.order_by().values_list("room_id", "occupied_start", "occupied_end"):
        out.setdefault(room_id, []).append((s, e))
    return out


def meeting_recheck(
    meeting: Meeting,
    *,
    person_ids: Iterable[int],
    now: dt.datetime,
    expected_attendance: int | None = None,
) -> BookingCheck:
    """The rules for a stored meeting as it stands (its room, time, buffers, 联调),
    itself excluded: after an edit, on restore, for a roster change, on 待审批."""
    return booking_check(
        room=meeting.room,
        start=meeting.start,
        end=meeting.end,
        setup_minutes=meeting.setup_minutes,
        teardown_minutes=meeting.teardown_minutes,
        person_ids=person_ids,
        expected_attendance=(
            meeting.expected_attendance if expected_attendance is None else expected_attendance
        ),
        exclude_id=meeting.pk,
        now=now,
        with_alternatives=False,
        branch_of=meeting.branch_of,
        link_test_minutes=meeting.link_test_minutes,
    )


def booking_check(
    *,
    room: Room | None,
    start: dt.datetime,
    end: dt.datetime,
    setup_minutes: int | None = None,
    teardown_minutes: int | None = None,
    person_ids: Iterable[int] = (),
    expected_attendance: int | None = None,
    exclude_id: int | None = None,
    now: dt.datetime,
    with_alternatives: bool = True,
    branch_of: str = "",
    link_test_minutes: int | None = None,
) -> BookingCheck:
    """Every conflict this booking would meet, plus alternatives when there is one."""
    ids = list(person_ids)
    o_start, o_end = occupied_interval(
        room=room,
        start=start,
        end=end,
        setup_minutes=setup_minutes,
        teardown_minutes=teardown_minutes,
        branch_of=branch_of,
        link_test_minutes=link_test_minutes,
    )
    hard = (
        hard_conflicts(room=room, occupied_start=o_start, occupied_end=o_end, exclude_id=exclude_id)
        if room
        else []
    )
    soft = soft_conflicts(
        room=room,
        start=start,
        end=end,
        person_ids=ids,
        expected_attendance=expected_attendance,
        exclude_id=exclude_id,
    )
    check = BookingCheck(o_start, o_end, hard, soft)
    if with_alternatives and room is not None and not check.ok:
        check.alternatives = alternatives_for(
            room=room,
            start=start,
            end=end,
            needed_capacity=max(expected_attendance or 0, len(ids)),
            now=now,
            exclude_id=exclude_id,
            setup_minutes=setup_minutes,
            teardown_minutes=teardown_minutes,
            branch_of=branch_of,
            link_test_minutes=link_test_minutes,
        )
    return check


def conflict_item(user: Any, meeting: Meeting) -> dict[str, Any]:
    """A clashing meeting as the requester may see it (confidential titles masked)."""
    return {
        "id": meeting.pk,
        "title": display_title(user, meeting),
        "start": localtime(meeting.start).isoformat(),
        "end": localtime(meeting.end).isoformat(),
        "occupied_start": localtime(meeting.occupied_start).isoformat(),
        "occupied_end": localtime(meeting.occupied_end).isoformat(),
        "room": meeting.room.name if meeting.room else None,
        "status": meeting.status,
    }


def _raise_for(check: BookingCheck, *, actor: Any, acknowledge: Sequence[str]) -> None:
    if check.hard:
        raise BookingConflict(
            "会议室在该时段（含布场、撤场时间）已被占用",
            details={
                "conflicts": [conflict_item(actor, m) for m in check.hard],
                "alternatives": check.alternatives or {"rooms": [], "slots": []},
            },
        )
    unacknowledged = [w for w in check.soft if w.code not in acknowledge]
    if unacknowledged:
        raise SoftConflict(
            "；".join(w.message for w in unacknowledged) + "。如确需预订，请确认后再提交。",
            details={
                "warnings": [
                    {
                        "code": w.code,
                        "message": w.message,
                        "conflicts": [conflict_item(actor, m) for m in w.meetings],
                    }
                    for w in unacknowledged
                ],
                "alternatives": check.alternatives or {"rooms": [], "slots": []},
            },
        )


# --- writes -------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendeeSpec:
    person: Person
    role: str = Role.ATTEND


def _validate_fields(
    *,
    title: str,
    room: Room | None,
    place: str,
    attendees: Sequence[AttendeeSpec],
    room_chosen: bool = True,
) -> None:
    if not title.strip():
        raise InvalidInput("会议名称不能为空", field="title")
    # Only when the room is being chosen: a room taken out of service later must not
    # block editing the title of the meetings already booked in it.
    if room_chosen and room is not None and not room.active:
        raise InvalidInput(f"{room.name}已停用", field="room_id")
    if room is None and not place.strip():
        raise InvalidInput("请选择会议室或填写地点", field="room_id")
    seen: set[int] = set()
    for a in attendees:
        if a.person.pk in seen:
            raise InvalidInput(f"{a.person.name}重复出现在参会人员中", field="attendees")
        if a.role not in Role.values:
            raise InvalidInput(f"未知的参会身份：{a.role}", field="attendees")
        seen.add(a.person.pk)


MAX_LINK_TEST_MINUTES = 240


def _validate_reminder(reminder_minutes: int | None) -> None:
    limit = notifications.MAX_REMINDER_MINUTES
    if reminder_minutes is not None and not 1 <= reminder_minutes <= limit:
        raise InvalidInput(f"会前提醒须在 1–{limit} 分钟之间", field="reminder_minutes")


def _validate_branch(
    *, kind: str, branch_of: str, room: Room | None, link_test_minutes: int | None
) -> None:
    """A 分会场 is a teleconference in a room with a working VC terminal (DESIGN §8)."""
    if branch_of and branch_of not in BranchLevel.values:
        raise InvalidInput(
            f"未知的上级会议级别：{branch_of}（可选：{', '.join(BranchLevel.values)}）",
            field="branch_of",
        )
    if link_test_minutes is not None and not 0 <= link_test_minutes <= MAX_LINK_TEST_MINUTES:
        raise InvalidInput(
            f"联调时间须在 0–{MAX_LINK_TEST_MINUTES} 分钟之间", field="link_test_minutes"
        )
    if not branch_of:
        return
    if kind != Kind.TELECONFERENCE:
        raise InvalidInput("只有电视电话会议可以作为上级会议的分会场", field="branch_of")
    if room is None:
        raise InvalidInput("分会场须选择装有视频会议终端的会议室", field="room_id")
    if not room.vc_resources.filter(kind=VcKind.TERMINAL, active=True).exists():
        raise InvalidInput(
            f"{room.name}没有可用的视频会议终端，不能作为分会场；请选择装有终端的会议室",
            field="room_id",
            details={"room_id": room.pk},
        )


def _record_acknowledgement(
    meeting: Meeting,
    check: BookingCheck,
    *,
    actor: Any,
    acknowledge: Sequence[str],
    now: dt.datetime,
) -> None:
    acked = [w for w in check.soft if w.code in acknowledge]
    if not acked:
        return
    meeting.acknowledged_conflicts = [
        *meeting.acknowledged_conflicts,
        *(
            {"code": w.code, "message": w.message, "at": now.isoformat(), "by": str(actor)}
            for w in acked
        ),
    ]


def _needs_approval(room: Room | None, actor: Any) -> bool:
    return bool(room is not None and room.needs_approval and not roles.can_approve(actor))


BookingState = tuple[str, dt.datetime, dt.datetime, int | None]


def booking_state(meeting: Meeting) -> BookingState:
    """What the booking is: its status, time and room (not its title or roster)."""
    return (meeting.status, meeting.start, meeting.end, meeting.room_id)


def _lock_unchanged(meeting: Meeting, *, state: BookingState) -> None:
    """Lock the row and make sure its status, time and room are still as read.

    The caller's object was loaded before the transaction; saving it whole after someone
    else cancelled, rejected or moved the meeting would write their change back over
    (a cancelled booking coming back, an approval restoring an old time). Roster and
    seating edits in between are fine: they do not change what is booked.
    """
    current = (
        Meeting.objects.select_for_update(of=("self",))
        .filter(pk=meeting.pk)
        .values_list("status", "start", "end", "room_id")
        .first()
    )
    if current is None:
        raise NotFound("会议不存在", details={"id": meeting.pk})
    if current != state:
        raise InvalidTransition(
            "该会议刚被他人修改或处理，请刷新后再试", details={"id": meeting.pk}
        )


def _save_guarded(meeting: Meeting) -> None:
    """Save; on PostgreSQL the exclusion constraint may still refuse a racing booking."""
    try:
        with transaction.atomic():
            meeting.save()
    except IntegrityError as exc:
        if "meeting_no_double_booking" in str(exc):
            raise BookingConflict("会议室在该时段已被占用（并发预订）") from exc
        raise


def _lock_room(room: Room | None) -> None:
    # Serialises bookings of one room on PostgreSQL, so the conflict check below reads
    # what the competing transaction wrote. On SQLite the IMMEDIATE transaction already
    # holds the database write lock, and select_for_update is a no-op: no query at all.
    if room is not None and connection.features.has_select_for_update:
        Room.objects.select_for_update().filter(pk=room.pk).exists()


def _notify(
    recipients: Iterable[Any],
    *,
    kind: str,
    subject: str,
    body: str,
    meeting: Meeting | None,
    now: dt.datetime | None = None,
) -> None:
    """A text notice to users, each through their own channel, sent by the worker after
    the caller's transaction commits (meetings.notifications)."""
    notifications.notify_users(
        recipients,
        kind=kind,
        subject=subject,
        body=body,
        meeting=meeting,
        now=now or timezone.now(),
    )


def _approvers() -> list[Any]:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return list(
        User.objects.filter(is_active=True, groups__name=roles.Role.APPROVER.value).distinct()
    )


def _offer_preemption(exc: BookingConflict | SoftConflict, *, meeting: Meeting, actor: Any) -> None:
    """An admin whose booking clashes only with lower-priority meetings is offered to
    pre-empt them (DESIGN §4); the offer goes into the 409's details, never acted on."""
    if isinstance(exc, BookingConflict) and roles.is_admin(actor):
        # Imported here: meetings.preemption builds on this module.
        from meetings.preemption import preemption_details

        details = preemption_details(actor=actor, meeting=meeting)
        if details is not None:
            exc.details["preemption"] = details


def _alternatives_on_failure(
    exc: BookingConflict | SoftConflict, *, room: Room | None, **kw: Any
) -> None:
    """Fill in alternatives after the transaction has rolled back (no lock held)."""
    if room is None:
        return
    if exc.details.get("alternatives", {}).get("rooms") or exc.details.get("alternatives", {}).get(
        "slots"
    ):
        return
    exc.details["alternatives"] = alternatives_for(room=room, **kw)


def meeting_create(
    *,
    actor: Any,
    title: str,
    start: dt.datetime,
    end: dt.datetime,
    now: dt.datetime,
    room: Room | None = None,
    place: str = "",
    kind: str = Kind.TOPIC,
    priority: int | None = None,
    setup_minutes: int | None = None,
    teardown_minutes: int | None = None,
    confidentiality: str = Confidentiality.NORMAL,
    description: str = "",
    expected_attendance: int | None = None,
    attendees: Sequence[AttendeeSpec] = (),
    acknowledge: Sequence[str] = (),
    submit: bool = True,
    branch_of: str = "",
    link_test_minutes: int | None = None,
    vc: VcRequest | None = None,
    series: MeetingSeries | None = None,
    recurrence_id: dt.datetime | None = None,
    notify: bool = True,
    reminder_minutes: int | None = None,
) -> Meeting:
    """Book a meeting. Submitted bookings are checked; drafts hold nothing.

    `series` and `recurrence_id` make it an occurrence of a 系列会议 (meetings.series
    books every occurrence through here, so each one meets the same rules); `notify`
    False leaves the approvers' notice to the caller (one for a whole series).

    `vc` books a video-conference link in the same transaction: if no link can be had,
    no room is booked either, and the other way round. A 分会场 (`branch_of`) carries the
    priority class 上级会议 whatever was asked.
    """
    if not roles.can_book(actor):
        raise PermissionDenied("只有会务人员、秘书或管理员可以预订会议")
    validate_times(start=start, end=end, now=now)
    _validate_fields(title=title, room=room, place=place, attendees=attendees)
    _validate_branch(kind=kind, branch_of=branch_of, room=room, link_test_minutes=link_test_minutes)
    _validate_reminder(reminder_minutes)
    _check_priority(actor, priority, kind=kind, branch_of=branch_of)
    if vc is not None and not submit:
        raise InvalidInput("草稿不占用会议室和会议号：提交时再预订视频会议", field="vc")
    attach = vc_validate(vc) if vc is not None else None
    if branch_of:
        priority = Priority.SUPERIOR
    meeting = Meeting(
        title=title.strip(),
        kind=kind,
        priority=priority if priority is not None else derived_priority(kind, branch_of),
        start=start,
        end=end,
        room=room,
        place=place.strip(),
        setup_minutes=setup_minutes,
        teardown_minutes=teardown_minutes,
        organizer=actor,
        confidentiality=confidentiality,
        description=description,
        expected_attendance=expected_attendance,
        branch_of=branch_of,
        link_test_minutes=link_test_minutes,
        series=series,
        recurrence_id=recurrence_id,
        reminder_minutes=reminder_minutes,
        created_at=now,
        updated_at=now,
    )
    meeting.occupied_start, meeting.occupied_end = occupied_interval(
        room=room,
        start=start,
        end=end,
        setup_minutes=setup_minutes,
        teardown_minutes=teardown_minutes,
        branch_of=branch_of,
        link_test_minutes=link_test_minutes,
    )
    person_ids = [a.person.pk for a in attendees]
    try:
        with transaction.atomic():
            if submit:
                _lock_room(room)
                check = booking_check(
                    room=room,
                    start=start,
                    end=end,
                    setup_minutes=setup_minutes,
                    teardown_minutes=teardown_minutes,
                    person_ids=person_ids,
                    expected_attendance=expected_attendance,
                    now=now,
                    with_alternatives=False,
                    branch_of=branch_of,
                    link_test_minutes=link_test_minutes,
                )
                _raise_for(check, actor=actor, acknowledge=acknowledge)
                _record_acknowledgement(
                    meeting, check, actor=actor, acknowledge=acknowledge, now=now
                )
                _enter_submitted_state(meeting, actor=actor, now=now)
            _save_guarded(meeting)
            Attendance.objects.bulk_create(
                [
                    Attendance(meeting=meeting, person=a.person, role=a.role, order=i)
                    for i, a in enumerate(attendees)
                ]
            )
            audit_record(
                actor=actor,
                action="create",
                obj=meeting,
                summary=f"预订：{meeting.title}（{meeting.get_status_display()}）",
                changes={
                    "after": snapshot(meeting, _AUDITED_FIELDS),
                    "attendees": [a.person.name for a in attendees],
                    "acknowledged": meeting.acknowledged_conflicts,
                },
                at=now,
            )
            if attach is not None:
                vc_after_save(meeting, actor=actor, now=now, attach=attach)
            if notify:
                _after_submit(meeting, now=now)
            if meeting.status == Status.APPROVED and attendees:
                # Confirmed at once: the roster is invited (a series collects these and
                # sends each person one message, meetings.notifications.batched).
                notifications.meeting_confirmed(meeting, now=now)
    except (BookingConflict, SoftConflict) as exc:
        _offer_preemption(exc, meeting=meeting, actor=actor)
        _alternatives_on_failure(
            exc,
            room=room,
            start=start,
            end=end,
            needed_capacity=max(expected_attendance or 0, len(person_ids)),
            now=now,
            setup_minutes=setup_minutes,
            teardown_minutes=teardown_minutes,
            branch_of=branch_of,
            link_test_minutes=link_test_minutes,
        )
        raise
    return meeting


def derived_priority(kind: str, branch_of: str) -> int:
    """The class a meeting has unless an admin says otherwise (DESIGN §4)."""
    if branch_of:
        return Priority.SUPERIOR
    return DEFAULT_PRIORITY.get(Kind(kind), Priority.NORMAL)


def _check_priority(actor: Any, priority: int | None, *, kind: str, branch_of: str) -> None:
    # A higher class protects a booking from pre-emption and lets it pre-empt others:
    # raising it is the admin's call, not every booker's. Lowering one's own is harmless.
    if priority is None or priority <= derived_priority(kind, branch_of):
        return
    if not roles.is_admin(actor):
        message = "会议等级由会议类型决定；只有会务管理员可以调高等级"
        raise PermissionDenied(
            message, details={"errors": [{"field": "priority", "message": message}]}
        )


def _enter_submitted_state(meeting: Meeting, *, actor: Any, now: dt.datetime) -> None:
    if _needs_approval(meeting.room, actor):
        deadline = add_working_days(now, settings.HOLD_WORKING_DAYS)
        if meeting.status == Status.PENDING and meeting.hold_expires_at is not None:
            # A request moved while it waits keeps its deadline: nudging the time must
            # not keep a hold on a room alive for ever without an approver deciding.
            deadline = min(deadline, meeting.hold_expires_at)
        meeting.status = Status.PENDING
        meeting.hold_expires_at = min(deadline, meeting.start)
    else:
        meeting.status = Status.APPROVED
        meeting.hold_expires_at = None


def _after_submit(meeting: Meeting, *, now: dt.datetime) -> None:
    if meeting.status == Status.PENDING:
        when = when_label(localtime(meeting.start), localtime(meeting.end))
        deadline = localtime(meeting.hold_expires_at or now)
        _notify(
            _approvers(),
            kind="approval_requested",
            subject=f"待审批：{meeting.title}",
            # The person's name, not the login name: approvers know 林晓燕, not "linxy".
            body=f"{user_display_name(meeting.organizer)} 申请 {meeting.location}，{when}。"
            f"请在 {deadline.month}月{deadline.day}日 {deadline:%H:%M} 前审批。",
            meeting=meeting,
            now=now,
        )


def meeting_submit(
    *,
    meeting: Meeting,
    actor: Any,
    now: dt.datetime,
    acknowledge: Sequence[str] = (),
    attendees: Sequence[AttendeeSpec] | None = None,
    **changes: Any,
) -> Meeting:
    """Send a draft: the conflict rules run now, and the room is held or confirmed.

    `changes` and `attendees` are saved in the same transaction as the submission, so
    an edit sent together with it is stored with it or not at all.
    """
    if not can_edit(actor, meeting):
        raise PermissionDenied()
    if meeting.status != Status.DRAFT:
        raise InvalidTransition("只有草稿可以提交")
    return meeting_update(
        meeting=meeting,
        actor=actor,
        now=now,
        acknowledge=acknowledge,
        attendees=attendees,
        _submit=True,
        **changes,
    )


def meeting_update(
    *,
    meeting: Meeting,
    actor: Any,
    now: dt.datetime,
    acknowledge: Sequence[str] = (),
    attendees: Sequence[AttendeeSpec] | None = None,
    _submit: bool = False,
    vc: VcRequest | None = None,
    vc_release: bool = False,
    _series_edit: bool = False,
    **changes: Any,
) -> Meeting:
    """Change fields of a meeting; a change of time or room runs the rules again.

    An occurrence of a series changed on its own becomes an exception (`is_exception`),
    which later edits of the whole series leave alone; meetings.series passes
    `_series_edit` for the changes it makes on the series' behalf.

    The meeting's VC link follows a move (another pool number if its own is taken at
    the new time); `vc` books or replaces the link and `vc_release` lets it go, in the
    same transaction as the change.
    """
    if not can_edit(actor, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以修改此会议")
    if meeting.status in (Status.CANCELLED, Status.REJECTED):
        raise InvalidTransition(f"{meeting.get_status_display()}的会议不能修改")
    unknown = set(changes) - _EDITABLE_FIELDS
    if unknown:
        raise InvalidInput(f"不能修改字段：{', '.join(sorted(unknown))}", field=sorted(unknown)[0])

    attach = vc_validate(vc) if vc is not None and not vc_release else None
    read_state = booking_state(meeting)
    before = snapshot(meeting, _AUDITED_FIELDS)
    before_schedule = {f: getattr(meeting, f) for f in _SCHEDULE_FIELDS}
    before_details = {f: getattr(meeting, f) for f in _DETAIL_FIELDS}
    for name, value in changes.items():
        setattr(meeting, name, value)
    if "priority" in changes:
        _check_priority(actor, meeting.priority, kind=meeting.kind, branch_of=meeting.branch_of)
    elif {"kind", "branch_of"} & set(changes):
        # The class follows the kind both ways: 常务会议 → 专题会议 is 一般会议 again, and a
        # meeting that is no longer a 分会场 is no longer 上级会议.
        meeting.priority = derived_priority(meeting.kind, meeting.branch_of)
    schedule_changed = any(getattr(meeting, f) != v for f, v in before_schedule.items())
    details_changed = any(getattr(meeting, f) != v for f, v in before_details.items())
    if schedule_changed or _submit:
        validate_times(start=meeting.start, end=meeting.end, now=now)
    _validate_fields(
        title=meeting.title,
        room=meeting.room,
        place=meeting.place,
        attendees=attendees or (),
        room_chosen=_submit or "room" in changes,
    )
    # Only when something it depends on changes: a terminal taken out of a room later
    # must not block editing the title of a 分会场 booked before.
    if _submit or {"kind", "branch_of", "room", "link_test_minutes"} & set(changes):
        _validate_branch(
            kind=meeting.kind,
            branch_of=meeting.branch_of,
            room=meeting.room,
            link_test_minutes=meeting.link_test_minutes,
        )
    if "reminder_minutes" in changes:
        _validate_reminder(meeting.reminder_minutes)
    if meeting.branch_of:
        meeting.priority = Priority.SUPERIOR
    meeting.occupied_start, meeting.occupied_end = occupied_interval(
        room=meeting.room,
        start=meeting.start,
        end=meeting.end,
        setup_minutes=meeting.setup_minutes,
        teardown_minutes=meeting.teardown_minutes,
        branch_of=meeting.branch_of,
        link_test_minutes=meeting.link_test_minutes,
    )
    person_ids = (
        [a.person.pk for a in attendees]
        if attendees is not None
        else list(meeting.attendances.values_list("person_id", flat=True))
    )
    roster_changed = attendees is not None
    capacity_changed = "expected_attendance" in changes
    recheck = _submit or (
        meeting.status in BLOCKING and (schedule_changed or roster_changed or capacity_changed)
    )
    try:
        with transaction.atomic():
            _lock_unchanged(meeting, state=read_state)
            if recheck:
                _lock_room(meeting.room)
                check = meeting_recheck(meeting, person_ids=person_ids, now=now)
                # A room that was already double-booked by an acknowledged soft conflict
                # stays acknowledged only for the same codes; new ones must be confirmed.
                _raise_for(check, actor=actor, acknowledge=acknowledge)
                _record_acknowledgement(
                    meeting, check, actor=actor, acknowledge=acknowledge, now=now
                )
            was_pending = meeting.status == Status.PENDING
            if _submit or (schedule_changed and meeting.status in BLOCKING):
                # A move is decided afresh: into a room that needs approval it waits for
                # an approver (who is told, below); into one that does not, it is confirmed.
                _enter_submitted_state(meeting, actor=actor, now=now)
            if schedule_changed and meeting.status != Status.DRAFT:
                meeting.sequence += 1
            if (
                meeting.series_id is not None
                and not (_series_edit or _submit)
                and (changes or attendees is not None or vc is not None or vc_release)
            ):
                meeting.is_exception = True
            meeting.updated_at = now
            _save_guarded(meeting)
            added: list[int] = []
            removed: list[notifications.Invited] = []
            if attendees is not None:
                # Not delete-and-recreate: RSVPs, check-ins, seats and guests must survive
                # an edit of the booking (imported here: meetings.attendees uses this module).
                from meetings.attendees import roster_sync

                added, removed = roster_sync(meeting, attendees)
            changed = diff(before, snapshot(meeting, _AUDITED_FIELDS))
            extra: dict[str, Any] = {}
            if attendees is not None:
                extra["attendees"] = [a.person.name for a in attendees]
            if acknowledge and meeting.acknowledged_conflicts:
                extra["acknowledged"] = meeting.acknowledged_conflicts
            audit_record(
                actor=actor,
                action="submit" if _submit else "update",
                obj=meeting,
                # The meeting page shows this line: the fields by their Chinese names.
                summary=("提交" if _submit else "修改")
                + ("：" + field_labels(Meeting, changed) if changed else ""),
                changes={**changed, **extra},
                at=now,
            )
            vc_after_save(meeting, actor=actor, now=now, attach=attach, release=vc_release)
            if meeting.status == Status.PENDING and (_submit or not was_pending):
                _after_submit(meeting, now=now)
            _invite_after_update(
                meeting,
                was_approved=read_state[0] == Status.APPROVED,
                schedule_changed=schedule_changed,
                details_changed=details_changed,
                added=added,
                removed=removed,
                now=now,
            )
    except (BookingConflict, SoftConflict) as exc:
        # Before the refresh: the offer is about the room and time asked for.
        _offer_preemption(exc, meeting=meeting, actor=actor)
        meeting.refresh_from_db()
        _alternatives_on_failure(
            exc,
            room=changes.get("room", meeting.room),
            start=changes.get("start", meeting.start),
            end=changes.get("end", meeting.end),
            needed_capacity=max(meeting.expected_attendance or 0, len(person_ids)),
            now=now,
            exclude_id=meeting.pk,
            setup_minutes=changes.get("setup_minutes", meeting.setup_minutes),
            teardown_minutes=changes.get("teardown_minutes", meeting.teardown_minutes),
            branch_of=changes.get("branch_of", meeting.branch_of),
            link_test_minutes=changes.get("link_test_minutes", meeting.link_test_minutes),
        )
        raise
    except DomainError:
        # A refused VC change: the caller's object shows what is stored, as above.
        meeting.refresh_from_db()
        raise
    return meeting


def _invite_after_update(
    meeting: Meeting,
    *,
    was_approved: bool,
    schedule_changed: bool,
    added: Sequence[int],
    removed: Sequence[notifications.Invited],
    now: dt.datetime,
    details_changed: bool = False,
) -> None:
    """Invitations after an edit: confirmed now → everyone; a confirmed meeting moved
    (SEQUENCE bumped, maybe back to 待审批 in a room that needs approval) → everyone
    again with the new time; otherwise only the people added. People taken off the
    roster of a meeting they were invited to get a CANCEL."""
    notifications.roster_removed(meeting, removed, was_invited=was_approved, now=now)
    if meeting.status == Status.APPROVED and not was_approved:
        notifications.meeting_confirmed(meeting, now=now)
    elif was_approved and schedule_changed:
        notifications.meeting_changed(meeting, now=now)
    elif meeting.status == Status.APPROVED:
        if details_changed:
            # A new title, place or note reaches the calendars it was sent to.
            notifications.meeting_updated(meeting, now=now, skip=set(added))
        if added:
            notifications.roster_added(meeting, added, now=now)


def meeting_cancel(*, meeting: Meeting, actor: Any, now: dt.datetime, reason: str = "") -> Meeting:
    """Cancel: the room is released at once; the entry stays, marked cancelled."""
    if not can_edit(actor, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以取消此会议")
    if meeting.status in (Status.CANCELLED, Status.REJECTED):
        raise InvalidTransition(f"会议已是“{meeting.get_status_display()}”状态")
    return _close(
        meeting, actor=actor, now=now, status=Status.CANCELLED, note=reason, action="cancel"
    )


def meeting_approve(
    *,
    meeting: Meeting,
    actor: Any,
    now: dt.datetime,
    note: str = "",
    notify_organiser: bool = True,
) -> Meeting:
    """Approve a pending request; its hold becomes a confirmed booking. `notify_organiser`
    False leaves the organiser's notice to the caller (one for a whole series)."""
    if not roles.can_approve(actor):
        raise PermissionDenied("只有审批人可以审批")
    if meeting.status != Status.PENDING:
        raise InvalidTransition("只有待审批的申请可以批准")
    if meeting.hold_expires_at is not None and meeting.hold_expires_at <= now:
        # The worker releases overdue holds every few minutes; until it has, the request
        # still looks pending, but its slot is no longer promised: release it now.
        holds_expire(now=now)
        raise InvalidTransition(
            "该申请已超过审批期限，预留已自动释放；如仍需使用，请申请人重新预订",
            details={"id": meeting.pk},
        )
    with transaction.atomic():
        _lock_unchanged(meeting, state=booking_state(meeting))
        meeting.status = Status.APPROVED
        meeting.hold_expires_at = None
        meeting.decided_by = actor
        meeting.decided_at = now
        meeting.decision_note = note[:500]
        meeting.updated_at = now
        meeting.save()
        audit_record(
            actor=actor,
            action="approve",
            obj=meeting,
            summary="批准" + (f"：{note}" if note else ""),
            changes={"status": [Status.PENDING, Status.APPROVED]},
            at=now,
        )
        if notify_organiser:
            _notify(
                [meeting.organizer],
                kind="approved",
                subject=f"已批准：{meeting.title}",
                body=_notice_body(meeting, note),
                meeting=meeting,
                now=now,
            )
        notifications.meeting_confirmed(meeting, now=now)
    return meeting


def _notice_body(meeting: Meeting, note: str) -> str:
    """What a decision notice says besides its subject: the booking, and the note."""
    lines = [
        f"会议：{meeting.title}",
        f"时间：{when_label(localtime(meeting.start), localtime(meeting.end))}",
    ]
    if meeting.location:
        lines.append(f"地点：{meeting.location}")
    if note:
        lines.append(f"说明：{note}")
    return "\n".join(lines)


def meeting_reject(*, meeting: Meeting, actor: Any, now: dt.datetime, note: str = "") -> Meeting:
    """Reject a pending request and release its hold."""
    if not roles.can_approve(actor):
        raise PermissionDenied("只有审批人可以审批")
    if meeting.status != Status.PENDING:
        raise InvalidTransition("只有待审批的申请可以驳回")
    if not note.strip():
        raise InvalidInput("驳回时请填写理由", field="note")
    return _close(meeting, actor=actor, now=now, status=Status.REJECTED, note=note, action="reject")


def _close(
    meeting: Meeting, *, actor: Any, now: dt.datetime, status: str, note: str, action: str
) -> Meeting:
    with transaction.atomic():
        before = meeting.status
        _lock_unchanged(meeting, state=booking_state(meeting))
        meeting.status = status
        meeting.hold_expires_at = None
        if status == Status.REJECTED:
            meeting.decided_by = actor
            meeting.decided_at = now
            meeting.decision_note = note[:500]
        else:
            meeting.cancel_reason = note[:500]
        meeting.sequence += 1
        meeting.updated_at = now
        meeting.save()
        # The pool number (or other link) goes with the room.
        vc_after_save(meeting, actor=actor, now=now, release=True)
        label = {
            "cancel": "取消",
            "reject": "驳回",
            "expire": "预留过期",
            "preempt": "因优先安排取消",
        }[action]
        audit_record(
            actor=actor,
            action=action,
            obj=meeting,
            summary=label + (f"：{note}" if note else ""),
            changes={"status": [before, status]},
            at=now,
        )
        if getattr(actor, "pk", None) != meeting.organizer_id:
            _notify(
                [meeting.organizer],
                kind="preempted" if action == "preempt" else action,
                subject=f"{label}：{meeting.title}",
                body=_notice_body(meeting, note),
                meeting=meeting,
                now=now,
            )
        # Whoever was sent an invitation is told it is off (meetings.notifications).
        notifications.meeting_closed(meeting, was_approved=before == Status.APPROVED, now=now)
    return meeting


def holds_expire(*, now: dt.datetime | None = None) -> int:
    """Release every pending hold whose working-day deadline has passed; tell the requester."""
    now = now or timezone.now()
    expired = 0
    due = Meeting.objects.filter(status=Status.PENDING, hold_expires_at__lte=now).values_list(
        "pk", flat=True
    )
    for pk in list(due):
        with transaction.atomic():
            # Re-read under lock: an approver may have decided between the query and now.
            meeting = (
                # of=self: PostgreSQL refuses FOR UPDATE on the nullable side of the
                # LEFT JOIN that select_related("room") makes.
                Meeting.objects.select_for_update(of=("self",))
                .select_related("organizer", "room")
                .filter(pk=pk, status=Status.PENDING)
                .first()
            )
            if meeting is None:
                continue
            _close(
                meeting,
                actor=None,
                now=now,
                status=Status.CANCELLED,
                note="审批期限已过，预留已自动释放",
                action="expire",
            )
            expired += 1
    if expired:
        log.info("released %d expired holds", expired)
    return expired


def people_by_ids(ids: Sequence[int]) -> dict[int, Person]:
    """Load people for a roster; unknown ids are a field error, not a 500."""
    found = Person.objects.in_bulk(list(ids))
    missing = [i for i in ids if i not in found]
    if missing:
        raise InvalidInput(
            f"人员不存在：{missing}", field="attendees", details={"missing": missing}
        )
    return found
