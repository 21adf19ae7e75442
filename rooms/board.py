"""The room board as pure data: rooms × hours of one day, or rooms × the days of a week.

Rooms do not know about meetings (imports point meetings → rooms → core): the caller
hands over `Occupation`s, the little a board needs to know about whatever holds a room.
These functions run no queries, so the board's query count is whatever the caller's
selector spends, however many rooms and meetings there are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from core.timeutil import at_local, localtime, overlaps
from rooms.models import Room

# The board shows the office day; rooms are rarely bookable outside it (Room defaults).
DAY_FROM = 7
DAY_UNTIL = 22


@dataclass(frozen=True)
class Occupation:
    """Something holding a room: its own time, its buffered time and how to show it."""

    key: int
    room_id: int
    start: dt.datetime
    end: dt.datetime
    occupied_start: dt.datetime
    occupied_end: dt.datetime
    title: str
    status: str
    status_label: str
    pending: bool = False
    masked: bool = False
    # What else the holder uses, as a short label ("视频会议 8001", "省级分会场"): rooms/
    # only shows it, whoever provides it.
    badges: tuple[str, ...] = ()

    @property
    def time_label(self) -> str:
        """ "09:00–10:30", with the date of the end when it ends on another day."""
        s, e = localtime(self.start), localtime(self.end)
        end = f"{e:%H:%M}" if s.date() == e.date() else f"{e:%m-%d %H:%M}"
        return f"{s:%H:%M}–{end}"


@dataclass(frozen=True)
class HourSlot:
    """One hour column of a room's row: a place to click to book, unless closed or past."""

    hour: int
    start: dt.datetime
    closed: bool
    past: bool

    @property
    def label(self) -> str:
        return f"{self.hour:02d}:00"

    @property
    def bookable(self) -> bool:
        return not (self.closed or self.past)


@dataclass(frozen=True)
class Block:
    """An occupation placed on the day's time axis, in percent of the board's width."""

    item: Occupation
    left: float
    width: float
    buffer_left: float
    buffer_width: float
    lane: int
    starts_before: bool
    ends_after: bool

    @property
    def style(self) -> str:
        # Pre-formatted with a dot so that no locale ever writes "12,5%" into CSS.
        return f"left:{self.left:.3f}%;width:{self.width:.3f}%;--lane:{self.lane}"

    @property
    def buffer_style(self) -> str:
        return f"left:{self.buffer_left:.3f}%;width:{self.buffer_width:.3f}%;--lane:{self.lane}"


@dataclass
class DayRow:
    room: Room
    slots: list[HourSlot]
    blocks: list[Block] = field(default_factory=list)
    lanes: int = 1
    # Meetings of the day that lie wholly before 07:00 or after 22:00: listed, not drawn.
    outside: list[Occupation] = field(default_factory=list)


@dataclass
class DayBoard:
    day: dt.date
    hours: list[int]
    rows: list[DayRow]

    @property
    def window(self) -> tuple[dt.datetime, dt.datetime]:
        return day_window(self.day)


@dataclass
class WeekCell:
    day: dt.date
    items: list[Occupation]


@dataclass
class WeekRow:
    room: Room
    cells: list[WeekCell]


@dataclass
class WeekBoard:
    monday: dt.date
    days: list[dt.date]
    rows: list[WeekRow]


def day_window(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The part of `day` the board draws, 07:00–22:00 local time."""
    return at_local(day, dt.time(DAY_FROM)), at_local(day, dt.time(DAY_UNTIL))


def week_of(day: dt.date) -> list[dt.date]:
    """Monday to Sunday of the week holding `day` (Chinese weeks start on Monday)."""
    monday = day - dt.timedelta(days=day.weekday())
    return [monday + dt.timedelta(days=i) for i in range(7)]


def _percent(value: dt.datetime, start: dt.datetime, span: float) -> float:
    return max(0.0, min(100.0, (value - start).total_seconds() / span * 100))


def _assign_lanes(items: Sequence[Occupation]) -> list[int]:
    """Lane per item so that overlapping items never cover each other.

    The booking rules forbid overlaps in one room, but data imported around them or a
    room's buffers changed after booking can still produce some; they must stay visible.
    """
    lane_ends: list[dt.datetime] = []
    lanes = []
    for item in items:
        for i, busy_until in enumerate(lane_ends):
            if busy_until <= item.occupied_start:
                lane_ends[i] = item.occupied_end
                lanes.append(i)
                break
        else:
            lane_ends.append(item.occupied_end)
            lanes.append(len(lane_ends) - 1)
    return lanes


def _hour_slots(room: Room, day: dt.date, now: dt.datetime) -> list[HourSlot]:
    slots = []
    for hour in range(DAY_FROM, DAY_UNTIL):
        start = at_local(day, dt.time(hour))
        end = start + dt.timedelta(hours=1)
        # An hour counts as open when any part of it lies within the bookable hours.
        open_from = at_local(day, room.bookable_from)
        open_until = at_local(day, room.bookable_until)
        slots.append(
            HourSlot(
                hour=hour,
                start=start,
                closed=not overlaps(start, end, open_from, open_until),
                past=end <= now,
            )
        )
    return slots


def day_board(
    *, day: dt.date, rooms: Sequence[Room], items: Iterable[Occupation], now: dt.datetime
) -> DayBoard:
    """Rooms (rows) × 07:00–22:00 of `day`, each occupation placed with its buffers."""
    w_start, w_end = day_window(day)
    d_start, d_end = at_local(day, dt.time.min), at_local(day + dt.timedelta(days=1), dt.time.min)
    span = (w_end - w_start).total_seconds()
    by_room: dict[int, list[Occupation]] = {}
    for item in items:
        by_room.setdefault(item.room_id, []).append(item)

    rows = []
    for room in rooms:
        row = DayRow(room=room, slots=_hour_slots(room, day, now))
        mine = sorted(by_room.get(room.pk, []), key=lambda o: (o.occupied_start, o.key))
        drawn = []
        for item in mine:
            if overlaps(item.occupied_start, item.occupied_end, w_start, w_end):
                drawn.append(item)
            elif overlaps(item.start, item.end, d_start, d_end):
                row.outside.append(item)
        lanes = _assign_lanes(drawn)
        for item, lane in zip(drawn, lanes, strict=True):
            left = _percent(item.start, w_start, span)
            buffer_left = _percent(item.occupied_start, w_start, span)
            row.blocks.append(
                Block(
                    item=item,
                    left=left,
                    width=_percent(item.end, w_start, span) - left,
                    buffer_left=buffer_left,
                    buffer_width=_percent(item.occupied_end, w_start, span) - buffer_left,
                    lane=lane,
                    starts_before=item.start < w_start,
                    ends_after=item.end > w_end,
                )
            )
        row.lanes = max(lanes, default=0) + 1
        rows.append(row)
    return DayBoard(day=day, hours=list(range(DAY_FROM, DAY_UNTIL)), rows=rows)


def week_board(*, day: dt.date, rooms: Sequence[Room], items: Iterable[Occupation]) -> WeekBoard:
    """Rooms (rows) × Monday–Sunday of `day`'s week, each cell listing its meetings."""
    days = week_of(day)
    bounds = [
        (at_local(d, dt.time.min), at_local(d + dt.timedelta(days=1), dt.time.min)) for d in days
    ]
    by_room: dict[int, list[Occupation]] = {}
    for item in sorted(items, key=lambda o: (o.start, o.key)):
        by_room.setdefault(item.room_id, []).append(item)
    rows = []
    for room in rooms:
        mine = by_room.get(room.pk, [])
        # A meeting over midnight is listed on every day it touches.
        cells = [
            WeekCell(day=d, items=[o for o in mine if overlaps(o.start, o.end, s, e)])
            for d, (s, e) in zip(days, bounds, strict=True)
        ]
        rows.append(WeekRow(room=room, cells=cells))
    return WeekBoard(monday=days[0], days=days, rows=rows)
