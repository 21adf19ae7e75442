"""The room board selector: loads rooms and meetings in two queries, whatever their number.

The grid itself is built by `rooms.board` from plain `Occupation`s, so rooms/ never
learns what a meeting is; masking happens here, before any title leaves meetings/.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from core.timeutil import at_local
from meetings.access import MASKED_TITLE, with_visibility
from meetings.models import BranchLevel, Meeting, Status
from meetings.vc import vc_details
from rooms import board as grid
from rooms.models import Room


def board_rooms() -> list[Room]:
    """Active rooms in their customary order: the rows of the board."""
    return list(Room.objects.filter(active=True).order_by("order", "name"))


def occupations(
    *, user: Any, rooms: Sequence[Room], start: dt.datetime, end: dt.datetime
) -> list[grid.Occupation]:
    """Blocking meetings of `rooms` whose buffered time overlaps [start, end), masked for `user`.

    One query: visibility is an annotation (meetings.access.with_visibility), not a
    lookup per meeting.
    """
    qs = with_visibility(
        Meeting.objects.blocking()
        .filter(room_id__in=[r.pk for r in rooms])
        .occupying(start, end)
        .only(
            "pk",
            "room_id",
            "title",
            "status",
            "start",
            "end",
            "occupied_start",
            "occupied_end",
            "confidentiality",
            "organizer_id",
            "branch_of",
            "link_test_minutes",
            *(f"vc_link__{f}" for f in _VC_FIELDS),
        )
        .select_related("vc_link"),
        user,
    ).order_by("occupied_start", "pk")
    out = []
    for m in qs:
        visible = bool(m.details_visible)  # type: ignore[attr-defined]
        assert m.room_id is not None  # filtered on room above
        out.append(
            grid.Occupation(
                key=m.pk,
                room_id=m.room_id,
                start=m.start,
                end=m.end,
                occupied_start=m.occupied_start,
                occupied_end=m.occupied_end,
                title=m.title if visible else MASKED_TITLE,
                status=m.status,
                status_label=m.get_status_display(),
                pending=m.status == Status.PENDING,
                masked=not visible,
                badges=_badges(m, visible=visible),
            )
        )
    return out


_VC_FIELDS = ("provider", "active", "url", "number", "password", "dial_in", "room_name")


def _badges(meeting: Meeting, *, visible: bool) -> tuple[str, ...]:
    """VC and 分会场 labels of a block; a masked meeting shows that it has VC, no number."""
    badges = []
    if meeting.branch_of:
        badges.append(f"{BranchLevel(meeting.branch_of).label}分会场")
    details = vc_details(meeting)
    if details is not None:
        badges.append(f"视频 {details.number}" if visible and details.number else "视频")
    return tuple(badges)


def board_day(*, user: Any, day: dt.date, now: dt.datetime) -> grid.DayBoard:
    """Rooms × hours of one day for `user`: two queries."""
    rooms = board_rooms()
    # The whole calendar day, not just the drawn window, so that meetings wholly before
    # 07:00 or after 22:00 can still be listed on their row.
    start = at_local(day, dt.time.min)
    end = at_local(day + dt.timedelta(days=1), dt.time.min)
    items = occupations(user=user, rooms=rooms, start=start, end=end)
    return grid.day_board(day=day, rooms=rooms, items=items, now=now)


def board_week(*, user: Any, day: dt.date) -> grid.WeekBoard:
    """Rooms × Monday–Sunday of `day`'s week for `user`: two queries."""
    rooms = board_rooms()
    days = grid.week_of(day)
    start = at_local(days[0], dt.time.min)
    end = at_local(days[-1] + dt.timedelta(days=1), dt.time.min)
    items = occupations(user=user, rooms=rooms, start=start, end=end)
    return grid.week_board(day=day, rooms=rooms, items=items)
