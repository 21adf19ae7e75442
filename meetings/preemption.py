"""Pre-emption (DESIGN §4): an admin's higher-class booking takes a lower one's room.

Never automatic. When an admin's booking clashes only with meetings of a lower priority
class (上级会议 > 重要会议 > 一般会议), the 409 carries an offer: which meetings would
have to give way and where each would go — a free room that fits at the same time
(capacity, the equipment of its present room, a VC terminal if it has a video link or is
a 分会场), or nowhere, in which case it would be cancelled. The admin confirms with
`preempt: true` (API) or the confirm button of the booking form; then, in one
transaction, each lower meeting is moved (or cancelled), its organiser gets a
"preempted" notification for the worker to send, the audit log of both meetings says
who did it and why, and the admin's booking is made. If the booking then still fails,
everything is rolled back: nobody is moved for a booking that did not happen.

Non-admins never see an offer and cannot pre-empt; a meeting of the same or a higher
class is never pre-emptable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from core import roles
from core.audit import audit_record
from core.exceptions import DomainError, PermissionDenied
from core.timeutil import localtime
from meetings import services
from meetings.access import display_title
from meetings.models import DEFAULT_PRIORITY, Kind, Meeting, Priority, Status, VcLink
from rooms.models import Room, VcKind, VcResource
from rooms.services import rooms_free_for

Interval = tuple[dt.datetime, dt.datetime]
NOT_ADMIN = "只有会务管理员可以优先调整其他会议"


def effective_priority(*, kind: str, priority: int | None, branch_of: str = "") -> int:
    """The class a booking will have: what meeting_create would give it."""
    if branch_of:
        return int(Priority.SUPERIOR)
    if priority is not None:
        return int(priority)
    try:
        return int(DEFAULT_PRIORITY.get(Kind(kind), Priority.NORMAL))
    except ValueError:
        return int(Priority.NORMAL)


@dataclass
class Move:
    """A meeting that gives way, and the room it goes to (None: it is cancelled)."""

    meeting: Meeting
    room: Room | None


@dataclass
class PreemptionPlan:
    possible: bool
    reason: str
    priority: int
    victims: list[Meeting] = field(default_factory=list)
    moves: list[Move] = field(default_factory=list)

    def as_details(self, actor: Any) -> dict[str, Any]:
        """The `preemption` object of a 409's details."""
        return {
            "possible": self.possible,
            "reason": self.reason,
            "priority": self.priority,
            "priority_label": Priority(self.priority).label,
            "victims": [
                {
                    **services.conflict_item(actor, m),
                    "priority": m.priority,
                    "priority_label": Priority(m.priority).label,
                }
                for m in self.victims
            ],
            "suggestions": [
                {
                    "meeting_id": mv.meeting.pk,
                    "room_id": mv.room.pk if mv.room else None,
                    "room_name": mv.room.name if mv.room else None,
                }
                for mv in self.moves
            ],
        }


def _needs(victim: Meeting) -> tuple[int, list[str], bool]:
    """What the lower meeting needs from another room: seats, equipment, a VC terminal."""
    people = victim.attendances.count()
    capacity = max(victim.expected_attendance or 0, people, 1)
    codes = list(victim.room.equipment.values_list("code", flat=True)) if victim.room else []
    terminal = bool(victim.branch_of) or VcLink.objects.filter(meeting=victim, active=True).exists()
    return capacity, codes, terminal


def _plan_moves(victims: list[Meeting], *, contested: Room) -> list[Move]:
    """Each lower meeting to the smallest fitting free room; two never to the same slot."""
    planned: dict[int, list[Interval]] = {}

    def busy(
        room_ids: Any, start: dt.datetime, end: dt.datetime, exclude: int | None
    ) -> dict[int, list[Interval]]:
        taken = services.busy_intervals(room_ids, start, end, exclude)
        for room_id, intervals in planned.items():
            taken.setdefault(room_id, []).extend(intervals)
        return taken

    with_terminal = set(
        VcResource.objects.filter(
            kind=VcKind.TERMINAL, active=True, room__isnull=False
        ).values_list("room_id", flat=True)
    )
    moves = []
    for victim in victims:
        capacity, codes, terminal = _needs(victim)
        rooms = rooms_free_for(
            start=victim.start,
            end=victim.end,
            busy=busy,
            min_capacity=capacity,
            equipment_codes=codes,
            exclude_room_id=contested.pk,
            exclude_meeting_id=victim.pk,
            limit=100,
        )
        if terminal:
            rooms = [r for r in rooms if r.pk in with_terminal]
        target = rooms[0] if rooms else None
        if target is not None:
            planned.setdefault(target.pk, []).append(
                services.occupied_interval(
                    room=target,
                    start=victim.start,
                    end=victim.end,
                    setup_minutes=victim.setup_minutes,
                    teardown_minutes=victim.teardown_minutes,
                    branch_of=victim.branch_of,
                    link_test_minutes=victim.link_test_minutes,
                )
            )
        moves.append(Move(victim, target))
    return moves


def preemption_plan(
    *,
    actor: Any,
    room: Room | None,
    occupied_start: dt.datetime,
    occupied_end: dt.datetime,
    priority: int,
    exclude_id: int | None = None,
) -> PreemptionPlan | None:
    """The offer for an admin's booking of `room`, or None (not an admin, no clash)."""
    if room is None or not roles.is_admin(actor):
        return None
    victims = services.hard_conflicts(
        room=room, occupied_start=occupied_start, occupied_end=occupied_end, exclude_id=exclude_id
    )
    if not victims:
        return None
    blockers = [m for m in victims if m.priority >= priority]
    if blockers:
        label = Priority(priority).label
        return PreemptionPlan(
            possible=False,
            reason=f"冲突的会议中有优先级不低于本会议（{label}）的，不能优先调整",
            priority=priority,
            victims=victims,
        )
    return PreemptionPlan(
        possible=True,
        reason="",
        priority=priority,
        victims=victims,
        moves=_plan_moves(victims, contested=room),
    )


def preemption_details(*, actor: Any, meeting: Meeting) -> dict[str, Any] | None:
    """What meetings.services puts into an admin's 409 (`meeting` as asked, maybe unsaved)."""
    plan = preemption_plan(
        actor=actor,
        room=meeting.room,
        occupied_start=meeting.occupied_start,
        occupied_end=meeting.occupied_end,
        priority=meeting.priority,
        exclude_id=meeting.pk,
    )
    return plan.as_details(actor) if plan is not None else None


# --- carrying it out ----------------------------------------------------------------------


def _when(meeting: Meeting) -> str:
    s, e = localtime(meeting.start), localtime(meeting.end)
    return f"{s.month}月{s.day}日 {s:%H:%M}–{e:%H:%M}"


def _give_way(
    move: Move, *, actor: Any, now: dt.datetime, title: str, room: Room, priority: int
) -> None:
    victim = move.meeting
    why = f"“{title}”（{Priority(priority).label}）需使用{room.name}"
    if move.room is not None:
        try:
            # Through the booking rules: the target room is checked again under its lock.
            services.meeting_update(
                meeting=victim,
                actor=actor,
                now=now,
                acknowledge=services.SOFT_CODES,
                room=move.room,
            )
        except DomainError:
            move.room = None  # taken meanwhile, or refused: the meeting is cancelled instead
    if move.room is not None:
        audit_record(
            actor=actor,
            action="preempt",
            obj=victim,
            summary=f"{why}，本会议改到{move.room.name}",
            changes={"room": [room.name, move.room.name], "preempted_by": title},
            at=now,
        )
        if getattr(actor, "pk", None) != victim.organizer_id:
            services._notify(
                [victim.organizer],
                kind="preempted",
                subject=f"会议室调整：{victim.title}",
                body=f"{why}。您的会议（{_when(victim)}）已改到{move.room.location}。",
                meeting=victim,
                now=now,
            )
        return
    services._close(
        victim,
        actor=actor,
        now=now,
        status=Status.CANCELLED,
        note=f"{why}；同一时段没有合适的空闲会议室，本会议已取消",
        action="preempt",
    )


def _clear_room(
    *,
    actor: Any,
    now: dt.datetime,
    title: str,
    room: Room | None,
    occupied_start: dt.datetime,
    occupied_end: dt.datetime,
    priority: int,
    exclude_id: int | None,
) -> list[Move]:
    """Move or cancel what holds `room`, if it may be pre-empted; inside the caller's
    transaction, under the room's lock."""
    if room is None:
        return []
    services._lock_room(room)
    plan = preemption_plan(
        actor=actor,
        room=room,
        occupied_start=occupied_start,
        occupied_end=occupied_end,
        priority=priority,
        exclude_id=exclude_id,
    )
    if plan is None or not plan.possible:
        # The booking below then answers the usual 409, with the offer (or why not).
        return []
    for move in plan.moves:
        _give_way(move, actor=actor, now=now, title=title, room=room, priority=priority)
    return plan.moves


def _record_on_winner(meeting: Meeting, moves: list[Move], *, actor: Any, now: dt.datetime) -> None:
    if not moves:
        return
    audit_record(
        actor=actor,
        action="preempt",
        obj=meeting,
        summary=f"优先使用{meeting.room.name if meeting.room else ''}："
        + "、".join(
            f"“{display_title(actor, m.meeting)}”" + (f"改到{m.room.name}" if m.room else "取消")
            for m in moves
        ),
        changes={
            "preempted": [
                {
                    "id": m.meeting.pk,
                    "title": m.meeting.title,
                    "moved_to": m.room.name if m.room else None,
                    "cancelled": m.room is None,
                }
                for m in moves
            ]
        },
        at=now,
    )


def meeting_create_preempting(*, actor: Any, now: dt.datetime, **kwargs: Any) -> Meeting:
    """services.meeting_create, after moving lower-class meetings out of the way."""
    if not roles.is_admin(actor):
        raise PermissionDenied(NOT_ADMIN)
    room: Room | None = kwargs.get("room")
    branch_of = kwargs.get("branch_of", "")
    with transaction.atomic():
        moves: list[Move] = []
        if kwargs.get("submit", True):
            o_start, o_end = services.occupied_interval(
                room=room,
                start=kwargs["start"],
                end=kwargs["end"],
                setup_minutes=kwargs.get("setup_minutes"),
                teardown_minutes=kwargs.get("teardown_minutes"),
                branch_of=branch_of,
                link_test_minutes=kwargs.get("link_test_minutes"),
            )
            moves = _clear_room(
                actor=actor,
                now=now,
                title=kwargs.get("title", ""),
                room=room,
                occupied_start=o_start,
                occupied_end=o_end,
                priority=effective_priority(
                    kind=kwargs.get("kind", Kind.TOPIC),
                    priority=kwargs.get("priority"),
                    branch_of=branch_of,
                ),
                exclude_id=None,
            )
        meeting = services.meeting_create(actor=actor, now=now, **kwargs)
        _record_on_winner(meeting, moves, actor=actor, now=now)
    return meeting


def meeting_update_preempting(
    *, meeting: Meeting, actor: Any, now: dt.datetime, **kwargs: Any
) -> Meeting:
    """services.meeting_update (or meeting_submit with `_submit`), after pre-empting."""
    if not roles.is_admin(actor):
        raise PermissionDenied(NOT_ADMIN)

    def value(name: str) -> Any:
        return kwargs[name] if name in kwargs else getattr(meeting, name)

    branch_of = value("branch_of") or ""
    if kwargs.get("priority") is not None:
        priority = effective_priority(
            kind=value("kind"), priority=kwargs["priority"], branch_of=branch_of
        )
    elif "kind" in kwargs:
        priority = effective_priority(kind=kwargs["kind"], priority=None, branch_of=branch_of)
    else:
        priority = effective_priority(
            kind=meeting.kind, priority=meeting.priority, branch_of=branch_of
        )
    room: Room | None = value("room")
    submit = kwargs.pop("_submit_draft", False)
    with transaction.atomic():
        moves: list[Move] = []
        if meeting.status != Status.DRAFT or submit:
            o_start, o_end = services.occupied_interval(
                room=room,
                start=value("start"),
                end=value("end"),
                setup_minutes=value("setup_minutes"),
                teardown_minutes=value("teardown_minutes"),
                branch_of=branch_of,
                link_test_minutes=value("link_test_minutes"),
            )
            moves = _clear_room(
                actor=actor,
                now=now,
                title=value("title"),
                room=room,
                occupied_start=o_start,
                occupied_end=o_end,
                priority=priority,
                exclude_id=meeting.pk,
            )
        if submit:
            services.meeting_submit(meeting=meeting, actor=actor, now=now, **kwargs)
        else:
            services.meeting_update(meeting=meeting, actor=actor, now=now, **kwargs)
        _record_on_winner(meeting, moves, actor=actor, now=now)
    return meeting
