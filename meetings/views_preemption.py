"""The pre-emption dialog of the booking form (admins only): who would give way, where to."""

from __future__ import annotations

from typing import Any

from core import roles
from core.timeutil import localtime
from meetings.access import display_title
from meetings.models import Meeting, Priority
from meetings.preemption import effective_priority, preemption_plan
from meetings.services import BookingCheck
from rooms.models import Room


def _when(meeting: Meeting) -> str:
    s, e = localtime(meeting.start), localtime(meeting.end)
    return f"{s.month}月{s.day}日 {s:%H:%M}–{e:%H:%M}"


def preemption_panel(
    user: Any,
    *,
    room: Room | None,
    check: BookingCheck,
    kind: str,
    branch_of: str,
    exclude: Meeting | None,
    confirmed: bool,
) -> dict[str, Any] | None:
    """What the dialog shows for a clash, or None (not an admin, no room clash)."""
    if not check.hard or room is None or not roles.is_admin(user):
        return None
    # Editing keeps the meeting's class unless its kind changes (as meeting_update does).
    kept = exclude.priority if exclude is not None and exclude.kind == kind else None
    priority = effective_priority(kind=kind, priority=kept, branch_of=branch_of)
    plan = preemption_plan(
        actor=user,
        room=room,
        occupied_start=check.occupied_start,
        occupied_end=check.occupied_end,
        priority=priority,
        exclude_id=exclude.pk if exclude else None,
    )
    if plan is None:
        return None
    targets = {mv.meeting.pk: mv.room for mv in plan.moves}
    return {
        "possible": plan.possible,
        "reason": plan.reason,
        "priority_label": Priority(priority).label,
        "confirmed": confirmed,
        "items": [
            {
                "id": m.pk,
                "title": display_title(user, m),
                "when": _when(m),
                "priority_label": Priority(m.priority).label,
                "target": target.name if (target := targets.get(m.pk)) else None,
            }
            for m in plan.victims
        ],
    }
