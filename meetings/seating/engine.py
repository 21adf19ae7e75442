"""Seat arrangement by protocol (DESIGN §5): pure functions, plain dataclasses in and out.

No models and no database: the service layer turns attendees into `Person`s and a room's
layout into a `SeatLayout` (rooms/layouts.py), calls `arrange()`, and stores the
`Arrangement`. Everything is deterministic: the same input gives the same seats.

The rules, with the plan coordinates of rooms/layouts.py (x to the audience's right):

- **Lines** (a rostrum row, a classroom row, a side of the talks table, the U of a U-shaped
  table) are filled from their centre. Under 以左为上 No. 1 takes the centre, No. 2 the
  seat on No. 1's **own left**, No. 3 his right, and so on alternating; with an even count
  No. 1 and No. 2 share the centre, No. 2 on No. 1's left. "Own left" comes from the
  seats' facing, so leaders facing the audience read `7 5 3 1 2 4 6` from the audience,
  and leaders in a classroom front row (facing the screen, like the audience) read
  `6 4 2 1 3 5 7` from behind. 以右为上 mirrors it. Front rows fill before back rows.
- **台下**: units as blocks in customary order or 姓氏笔画 order, front rows first, filled
  row by row or column by column from a chosen side; reserved seats are never filled.
- **会见**: host and chief guest side by side, the chief guest on the host's right (or
  left, by setting); each party continues down its own side.
- **会谈**: guests on the side facing the door; each side's principal in its middle, the
  others alternating outwards by rank.
- **宴请**: at each table the host faces the door, guest 1 on his right, guest 2 on his
  left, the deputy host opposite with guests 3 and 4 on his right and left, then hosts
  and guests alternate; tables are filled in protocol order (`rank_tables`).

Locked seats keep their person; everyone else is placed around them. More people than
free seats raises `NotEnoughSeats` — nobody is ever silently left out.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum

from core.exceptions import InvalidInput, NotEnoughSeats
from meetings.seating.strokes import stroke_key
from rooms.layouts import (
    LayoutKind,
    Precedence,
    Seat,
    SeatLayout,
    Zone,
    rank_tables,
    seat_order,
)

__all__ = [
    "Arrangement",
    "Assignment",
    "Fill",
    "Options",
    "Party",
    "Person",
    "PersonOrder",
    "Precedence",
    "Reprint",
    "SeatChange",
    "StartSide",
    "UnitOrder",
    "Viewpoint",
    "arrange",
    "card_order",
    "line_precedence",
    "lock",
    "move",
    "reading",
    "rearrange",
    "reprint_plan",
    "swap",
    "unassign",
    "unlock",
]

MAX_PEOPLE = 5000


class Viewpoint(StrEnum):
    """From where a chart is drawn; a chart always says it (DESIGN §5)."""

    AUDIENCE = "audience"
    ROSTRUM = "rostrum"

    @property
    def label(self) -> str:
        return "从观众席看" if self is Viewpoint.AUDIENCE else "从主席台看"


class Fill(StrEnum):
    ROWS = "rows"  # 横排: along each row, front row first
    COLUMNS = "columns"  # 竖排: down each column, from the start side


class StartSide(StrEnum):
    """Where audience filling starts, as seen from the audience."""

    LEFT = "left"
    RIGHT = "right"


class UnitOrder(StrEnum):
    CUSTOMARY = "customary"  # 惯例顺序 (the unit's 排序号)
    STROKES = "strokes"  # 单位名称笔画


class PersonOrder(StrEnum):
    RANK = "rank"  # 职级排序号
    STROKES = "strokes"  # 姓氏笔画 (e.g. 代表 without a protocol rank)


class Party(StrEnum):
    HOST = "host"  # 主方
    GUEST = "guest"  # 客方 / 宾方


@dataclass(frozen=True)
class Person:
    """Someone to seat. `rank` is the directory's 排序号; `override` a per-meeting one."""

    id: str
    name: str
    rank: int = 1000
    override: int | None = None
    title: str = ""
    unit: str = ""
    unit_order: int | None = None
    zone: Zone | None = None  # ROSTRUM for 主席台 (and classroom front-row leaders)
    party: Party | None = None  # 会见 / 会谈 / 宴请; None counts as host
    chair: bool = False  # 主持人: always in the front row

    @property
    def effective_rank(self) -> int:
        """The per-meeting order replaces the directory rank when set."""
        return self.override if self.override is not None else self.rank


def precedence_key(person: Person) -> tuple[int, int, str]:
    # Directory rank breaks ties among equal overrides; the id keeps the order stable.
    return (person.effective_rank, person.rank, person.id)


@dataclass(frozen=True)
class Options:
    precedence: Precedence = Precedence.LEFT
    centre_point: bool = False  # No. 1 alone on the centre point even for an even count
    viewpoint: Viewpoint = Viewpoint.AUDIENCE
    fill: Fill = Fill.ROWS
    start_side: StartSide = StartSide.LEFT
    unit_order: UnitOrder = UnitOrder.CUSTOMARY
    person_order: PersonOrder = PersonOrder.RANK
    unit_gap: int = 0  # empty seats left between two units' blocks
    unit_new_line: bool = False  # each unit starts a new row (or column)
    guest_on_host_right: bool = True  # 会见


@dataclass(frozen=True)
class Assignment:
    seat_id: str
    person_id: str
    locked: bool = False


@dataclass(frozen=True)
class Arrangement:
    """Who sits where, and from which side a chart of it is drawn."""

    assignments: tuple[Assignment, ...]
    viewpoint: Viewpoint = Viewpoint.AUDIENCE
    notes: tuple[str, ...] = field(default=(), compare=False)

    @functools.cached_property
    def by_seat(self) -> dict[str, Assignment]:
        return {a.seat_id: a for a in self.assignments}

    @functools.cached_property
    def by_person(self) -> dict[str, Assignment]:
        return {a.person_id: a for a in self.assignments}

    def seat_of(self, person_id: str) -> str | None:
        found = self.by_person.get(person_id)
        return found.seat_id if found else None

    def person_at(self, seat_id: str) -> str | None:
        found = self.by_seat.get(seat_id)
        return found.person_id if found else None

    @property
    def locked(self) -> dict[str, str]:
        return {a.seat_id: a.person_id for a in self.assignments if a.locked}


# --- lines ------------------------------------------------------------------------------


def _alternation(centre: int, length: int) -> list[int]:
    """centre, centre+1, centre-1, centre+2, centre-2 … within [0, length)."""
    order = [centre] if 0 <= centre < length else []
    for step in range(1, length + 1):
        for index in (centre + step, centre - step):
            if 0 <= index < length:
                order.append(index)
    return order


def _oriented(seats: Sequence[Seat]) -> list[Seat]:
    """The line in position order, turned so that the index grows to the sitters' own left."""
    line = sorted(seats, key=lambda s: (s.position, s.x, s.y, s.id))
    if len(line) < 2:
        return line
    a, b = line[len(line) // 2 - 1], line[len(line) // 2]
    lx, ly = b.left_vector
    if (b.x - a.x) * lx + (b.y - a.y) * ly < 0:
        line.reverse()
    return line


def _along(line: Sequence[Seat], axis_x: float | None) -> tuple[list[float], float]:
    """Each seat's distance along the line from its first seat, and where the centre is.

    A straight row's centre is where the room's centre line (axis) crosses it; a bent
    line (U 形) has its centre halfway along.
    """
    t = [0.0]
    for a, b in itertools.pairwise(line):
        t.append(t[-1] + math.dist((a.x, a.y), (b.x, b.y)))
    straight = (
        len({round(s.facing, 3) for s in line}) == 1 and len({round(s.y, 3) for s in line}) == 1
    )
    if straight and axis_x is not None and len(line) >= 2 and line[-1].x != line[0].x:
        centre = (axis_x - line[0].x) / (line[-1].x - line[0].x) * t[-1]
    else:
        centre = t[-1] / 2
    return t, centre


def line_precedence(
    seats: Sequence[Seat],
    count: int,
    *,
    precedence: Precedence = Precedence.LEFT,
    centre_point: bool = False,
    axis_x: float | None = 0.0,
) -> list[Seat]:
    """The seats of one line best first for `count` people, then the seats left over.

    Standard rule: the `count` people take the block of adjacent seats best centred on
    the line; inside it No. 1 sits at index (count-1)//2 counted from the sitters' own
    right end (own left under 以右为上), then No. 2 one seat to his left, No. 3 one to his
    right, and so on — so an odd count puts No. 1 in the centre and an even count puts
    No. 1 and No. 2 astride it, No. 2 on No. 1's left.
    Centre-point variant: No. 1 takes the seat nearest the centre, the others alternate
    outwards (continuing on one side when the other runs out).
    """
    line = _oriented(seats)
    if precedence is Precedence.RIGHT:
        line.reverse()  # 以右为上: "own right" plays the part of "own left"
    size = len(line)
    if size == 0:
        return []
    t, centre = _along(line, axis_x)
    k = max(0, min(count, size))
    if centre_point or k == 0:
        first = min(range(size), key=lambda i: (abs(t[i] - centre), i))
        return [line[i] for i in _alternation(first, size)]

    def score(start: int) -> tuple[float, float, int]:
        mid = (t[start] + t[start + k - 1]) / 2
        one = start + (k - 1) // 2
        return (round(abs(mid - centre), 6), round(abs(t[one] - centre), 6), start)

    start = min(range(size - k + 1), key=score)
    one = start + (k - 1) // 2
    order = _alternation(one, size)
    inside = [i for i in order if start <= i < start + k]
    outside = [i for i in order if not start <= i < start + k]
    return [line[i] for i in inside + outside]


def _rows(seats: Iterable[Seat]) -> list[list[Seat]]:
    """Seats grouped into rows, front row first (tables apart)."""
    rows: dict[tuple[str, int], list[Seat]] = defaultdict(list)
    for seat in seats:
        rows[(seat.table, seat.row)].append(seat)
    return [rows[key] for key in sorted(rows, key=lambda k: (k[1], k[0]))]


# --- the arranging state ------------------------------------------------------------------


class _Plan:
    """Seats taken so far (locked ones first) and the assignments made."""

    def __init__(self, layout: SeatLayout, locked: Mapping[str, str]):
        self.layout = layout
        self.locked = dict(locked)
        self.taken: dict[str, str] = dict(locked)
        self.notes: list[str] = []

    def free(self, seats: Iterable[Seat]) -> list[Seat]:
        return [s for s in seats if s.id not in self.taken]

    def place(self, seat: Seat, person: Person) -> None:
        self.taken[seat.id] = person.id

    def locked_in(self, seats: Iterable[Seat]) -> int:
        return sum(1 for s in seats if s.id in self.locked)


def _not_enough(what: str, people: int, seats: int, **details: object) -> NotEnoughSeats:
    return NotEnoughSeats(
        f"{what}座位不足：需要安排 {people} 人，只有 {seats} 个空座位，请增加座位或减少人员",
        details={"people": people, "seats": seats, "zone": what, **details},
    )


def _fill_lines(
    plan: _Plan,
    lines: Sequence[Sequence[Seat]],
    people: Sequence[Person],
    options: Options,
    *,
    what: str,
    centre_point: bool | None = None,
) -> None:
    """Fill lines front first, each from its centre, ranked people in precedence order."""
    usable_lines = [[s for s in line if not s.reserved or s.id in plan.locked] for line in lines]
    locked_here = sum(plan.locked_in(line) for line in usable_lines)
    remaining = len(people) + locked_here
    order: list[Seat] = []
    rest: list[Seat] = []
    for line in usable_lines:
        k = min(len(line), remaining)
        ranked = line_precedence(
            line,
            k,
            precedence=options.precedence,
            centre_point=options.centre_point if centre_point is None else centre_point,
            axis_x=plan.layout.axis_x,
        )
        order += ranked[:k]
        rest += ranked[k:]
        remaining -= k
    free = plan.free(order + rest)
    if len(people) > len(free):
        raise _not_enough(what, len(people), len(free))
    for seat, person in zip(free, people, strict=False):
        plan.place(seat, person)


def _ranked(people: Iterable[Person]) -> list[Person]:
    return sorted(people, key=precedence_key)


def _chair_to_front(plan: _Plan, lines: Sequence[Sequence[Seat]], people: Sequence[Person]) -> None:
    """主持人 sits in the front row: swap with the lowest-ranked front-row person if needed."""
    chair = next((p for p in people if p.chair), None)
    if chair is None or not lines:
        return
    front = {s.id for s in lines[0]}
    seat_of = {pid: sid for sid, pid in plan.taken.items()}
    if seat_of.get(chair.id) in front:
        return
    movable = [p for p in reversed(people) if seat_of.get(p.id) in front and p.id != chair.id]
    if not movable:
        return
    other = movable[0]
    a, b = seat_of[chair.id], seat_of[other.id]
    plan.taken[a], plan.taken[b] = other.id, chair.id
    plan.notes.append(f"主持人{chair.name}按规则安排在前排")


# --- audience -------------------------------------------------------------------------


def _audience_lines(seats: Sequence[Seat], options: Options) -> list[list[Seat]]:
    reverse = options.start_side is StartSide.RIGHT
    if options.fill is Fill.ROWS:
        return [sorted(row, key=lambda s: s.x, reverse=reverse) for row in _rows(seats)]
    columns: dict[float, list[Seat]] = defaultdict(list)
    for seat in seats:
        columns[round(seat.x, 2)].append(seat)
    return [
        sorted(columns[x], key=lambda s: (s.row, -s.y)) for x in sorted(columns, reverse=reverse)
    ]


def _unit_groups(people: Sequence[Person], options: Options) -> list[list[Person]]:
    units: dict[str, list[Person]] = defaultdict(list)
    for person in people:
        units[person.unit].append(person)

    def unit_key(name: str) -> tuple[object, ...]:
        members = units[name]
        orders = [p.unit_order for p in members if p.unit_order is not None]
        no_unit = name == ""  # people without a unit sit after every unit
        if options.unit_order is UnitOrder.STROKES:
            return (no_unit, stroke_key(name), name)
        return (no_unit, min(orders) if orders else math.inf, stroke_key(name), name)

    def person_key(person: Person) -> tuple[object, ...]:
        if options.person_order is PersonOrder.STROKES:
            return (stroke_key(person.name), precedence_key(person))
        return (precedence_key(person),)

    return [sorted(units[name], key=person_key) for name in sorted(units, key=unit_key)]


def _fill_audience(
    plan: _Plan, seats: Sequence[Seat], people: Sequence[Person], options: Options
) -> None:
    if not people:
        return
    lines = _audience_lines([s for s in seats if not s.reserved], options)
    groups = _unit_groups(people, options)
    free_total = len(plan.free(s for line in lines for s in line))
    if len(people) > free_total:
        raise _not_enough(Zone.AUDIENCE.label, len(people), free_total)
    spaced = options.unit_gap > 0 or options.unit_new_line
    result = _flow(plan, lines, groups, options.unit_gap, options.unit_new_line)
    if result is None and spaced:
        plan.notes.append("座位不够在单位之间留空或换排，已连续安排")
        result = _flow(plan, lines, groups, 0, False)
    if result is None:  # cannot happen after the count check; kept as a guard
        raise _not_enough(Zone.AUDIENCE.label, len(people), free_total)
    for seat, person in result:
        plan.place(seat, person)


def _flow(
    plan: _Plan,
    lines: Sequence[Sequence[Seat]],
    groups: Sequence[Sequence[Person]],
    gap: int,
    new_line: bool,
) -> list[tuple[Seat, Person]] | None:
    """Pour unit blocks into the lines in order; None when they do not fit."""
    cells = [
        (li, seat) for li, line in enumerate(lines) for seat in line if seat.id not in plan.taken
    ]
    placed: list[tuple[Seat, Person]] = []
    i = 0
    for g, group in enumerate(groups):
        if g > 0 and placed:
            if new_line:
                last_line = cells[i - 1][0] if i > 0 else -1
                while i < len(cells) and cells[i][0] == last_line:
                    i += 1
            i += gap
        for person in group:
            if i >= len(cells):
                return None
            placed.append((cells[i][1], person))
            i += 1
    return placed


# --- per layout kind ----------------------------------------------------------------------


def _default_zone(layout: SeatLayout) -> Zone:
    """Where a person without a zone sits: 台下 if the room has one, else the rostrum."""
    zones = {s.zone for s in layout.seats}
    if Zone.AUDIENCE in zones or not zones:
        return Zone.AUDIENCE
    return Zone.ROSTRUM if Zone.ROSTRUM in zones else next(iter(zones))


def _arrange_rostrum(plan: _Plan, people: Sequence[Person], options: Options) -> None:
    layout = plan.layout
    by_zone: dict[Zone, list[Person]] = defaultdict(list)
    default = _default_zone(layout)
    for person in people:
        by_zone[person.zone or default].append(person)
    unknown = set(by_zone) - {Zone.ROSTRUM, Zone.AUDIENCE}
    if unknown:
        raise InvalidInput(f"主席台会场没有这些区域：{'、'.join(sorted(z.label for z in unknown))}")
    rostrum = _ranked(by_zone[Zone.ROSTRUM])
    lines = _rows(layout.in_zone(Zone.ROSTRUM))
    _fill_lines(plan, lines, rostrum, options, what=Zone.ROSTRUM.label)
    _chair_to_front(plan, lines, rostrum)
    _fill_audience(plan, layout.in_zone(Zone.AUDIENCE), by_zone[Zone.AUDIENCE], options)


def _arrange_classroom(plan: _Plan, people: Sequence[Person], options: Options) -> None:
    """Leaders (zone ROSTRUM) take the front rows by the rostrum rule; the rest by units."""
    seats = plan.layout.in_zone(Zone.AUDIENCE, Zone.ROSTRUM)
    leaders = _ranked(p for p in people if p.zone is Zone.ROSTRUM)
    others = [p for p in people if p.zone is not Zone.ROSTRUM]
    lines = _rows(seats)
    if not leaders:
        _fill_audience(plan, seats, others, options)
        return
    _fill_lines(plan, lines, leaders, options, what="前排领导")
    _chair_to_front(plan, lines, leaders)
    # The leaders' rows are theirs; the others sit behind them unless that leaves too
    # few seats.
    leader_ids = {p.id for p in leaders}
    leader_rows = {(s.table, s.row) for s in seats if plan.taken.get(s.id) in leader_ids}
    behind = [s for s in seats if (s.table, s.row) not in leader_rows]
    if len(others) <= len(plan.free(s for s in behind if not s.reserved)):
        _fill_audience(plan, behind, others, options)
    else:
        plan.notes.append("后排座位不足，部分人员与领导同排")
        _fill_audience(plan, seats, others, options)


def _arrange_lines_only(plan: _Plan, people: Sequence[Person], options: Options) -> None:
    """U 形 / 回字形 and any other layout of lines: everyone by rank from the centre."""
    lines = _rows(plan.layout.seats)
    _fill_lines(plan, lines, _ranked(people), options, what="会场")


def _parties(people: Iterable[Person]) -> tuple[list[Person], list[Person]]:
    hosts = _ranked(p for p in people if p.party is not Party.GUEST)
    guests = _ranked(p for p in people if p.party is Party.GUEST)
    return hosts, guests


def _door_score(seats: Sequence[Seat], door: tuple[float, float] | None) -> float:
    """How much a group of seats faces the door (positive: facing it)."""
    if door is None:  # no door marked: take it to be at the back, as the generators put it
        return -sum(s.facing_vector[1] for s in seats) / max(len(seats), 1)
    total = 0.0
    for s in seats:
        fx, fy = s.facing_vector
        dx, dy = door[0] - s.x, door[1] - s.y
        norm = math.hypot(dx, dy) or 1.0
        total += (fx * dx + fy * dy) / norm
    return total / max(len(seats), 1)


def _arrange_talks(plan: _Plan, people: Sequence[Person], options: Options) -> None:
    """会谈: guests on the side facing the door; principals in the middle of each side."""
    rows = _rows(plan.layout.seats)
    if len(rows) != 2:
        raise InvalidInput("会谈桌应有两侧座位（宾方、主方）", details={"rows": len(rows)})
    guest_row, host_row = sorted(rows, key=lambda r: -_door_score(r, plan.layout.door))
    hosts, guests = _parties(people)
    _fill_lines(plan, [guest_row], guests, options, what="宾方", centre_point=True)
    _fill_lines(plan, [host_row], hosts, options, what="主方", centre_point=True)


def _arrange_reception(plan: _Plan, people: Sequence[Person], options: Options) -> None:
    """会见: host and chief guest side by side; each party down its own side."""
    layout = plan.layout
    principals = layout.in_zone(Zone.PRINCIPAL)
    if len(principals) != 2:
        raise InvalidInput(
            "会见厅应有两个主位（主人、主宾）", details={"principal_seats": len(principals)}
        )
    a, b = sorted(principals, key=lambda s: s.position)
    # Is b on a's right hand? Then with the guest on the host's right, a is the host's.
    b_on_a_right = (b.x - a.x) * a.right_vector[0] + (b.y - a.y) * a.right_vector[1] > 0
    host_seat, guest_seat = (a, b) if b_on_a_right == options.guest_on_host_right else (b, a)
    hosts, guests = _parties(people)
    centre = ((a.x + b.x) / 2, (a.y + b.y) / 2)
    right = host_seat.right_vector

    def side(seat: Seat) -> float:
        return (seat.x - centre[0]) * right[0] + (seat.y - centre[1]) * right[1]

    guest_sign = 1 if side(guest_seat) > 0 else -1
    wings = sorted(layout.in_zone(Zone.WING), key=lambda s: (math.dist((s.x, s.y), centre), s.id))
    guest_wing = [s for s in wings if side(s) * guest_sign > 0 and not s.reserved]
    host_wing = [s for s in wings if side(s) * guest_sign <= 0 and not s.reserved]
    for party, seat, wing, what in (
        (hosts, host_seat, host_wing, "主方"),
        (guests, guest_seat, guest_wing, "宾方"),
    ):
        order = plan.free([seat, *wing])
        if len(party) > len(order):
            raise _not_enough(what, len(party), len(order))
        for s, person in zip(order, party, strict=False):
            plan.place(s, person)


def table_slots(
    seats: Sequence[Seat], toward_door: tuple[float, float] = (0.0, -1.0)
) -> list[tuple[Seat, Party]]:
    """One round table's seats in precedence order, each marked for a host or a guest.

    The host's seat is the one facing the door's direction (every table the same way
    round, as set in a banquet hall, not each turned towards the door itself). Seats
    facing the centre have their right-hand neighbour the same way round the table, so
    "right of the host" and "right of the deputy" are one direction.
    """
    if not seats:
        return []
    cx = sum(s.x for s in seats) / len(seats)
    cy = sum(s.y for s in seats) / len(seats)
    ring = sorted(seats, key=lambda s: math.atan2(s.y - cy, s.x - cx))  # counter-clockwise
    n = len(ring)
    dx, dy = toward_door

    def facing_door(i: int) -> tuple[float, int]:
        fx, fy = ring[i].facing_vector
        return (round(fx * dx + fy * dy, 6), -i)

    h = max(range(n), key=facing_door)
    host = ring[h]
    nxt = ring[(h + 1) % n]
    step = (
        1
        if (nxt.x - host.x) * host.right_vector[0] + (nxt.y - host.y) * host.right_vector[1] > 0
        else -1
    )
    d = (h + n // 2) % n
    wanted = [
        (h, Party.HOST),
        (h + step, Party.GUEST),
        (h - step, Party.GUEST),
        (d, Party.HOST),
        (d + step, Party.GUEST),
        (d - step, Party.GUEST),
    ]
    slots: list[tuple[Seat, Party]] = []
    used: set[int] = set()
    for index, party in wanted:
        index %= n
        if index not in used:
            used.add(index)
            slots.append((ring[index], party))

    # The rest: nearest the host first, his right before his left; hosts and guests
    # alternate (主客穿插), a guest first.
    def rest_key(i: int) -> tuple[int, int]:
        to_right = ((i - h) * step) % n  # seats away from the host, going round to his right
        to_left = n - to_right
        return (min(to_right, to_left), 0 if to_right <= to_left else 1)

    rest = sorted((i for i in range(n) if i not in used), key=rest_key)
    for j, index in enumerate(rest):
        slots.append((ring[index], Party.GUEST if j % 2 == 0 else Party.HOST))
    return slots


def _arrange_banquet(plan: _Plan, people: Sequence[Person], options: Options) -> None:
    layout = plan.layout
    hosts, guests = _parties(people)
    by_table: dict[str, list[Seat]] = defaultdict(list)
    for seat in layout.seats:
        by_table[seat.table].append(seat)
    ranked = rank_tables(layout)
    order = [t.key for t in ranked if t.key in by_table]
    order += sorted(k for k in by_table if k not in order)
    toward = (0.0, -1.0)  # no door marked: the generators put it at the bottom
    if layout.door is not None and ranked:
        vx, vy = layout.door[0] - ranked[0].x, layout.door[1] - ranked[0].y
        norm = math.hypot(vx, vy) or 1.0
        toward = (vx / norm, vy / norm)
    queues = {Party.HOST: list(hosts), Party.GUEST: list(guests)}
    free_total = len(plan.free(s for s in layout.seats if not s.reserved))
    if len(hosts) + len(guests) > free_total:
        raise _not_enough("宴会", len(hosts) + len(guests), free_total)
    for key in order:
        for seat, party in table_slots(by_table[key], toward):
            if seat.id in plan.taken or seat.reserved:
                continue
            other = Party.GUEST if party is Party.HOST else Party.HOST
            queue = queues[party] or queues[other]
            if not queue:
                return
            plan.place(seat, queue.pop(0))


_ARRANGERS = {
    LayoutKind.ROSTRUM: _arrange_rostrum,
    LayoutKind.CLASSROOM: _arrange_classroom,
    LayoutKind.U_SHAPE: _arrange_lines_only,
    LayoutKind.LONG_TABLE: _arrange_talks,
    LayoutKind.RECEPTION: _arrange_reception,
    LayoutKind.ROUND: _arrange_banquet,
}


# --- public API -------------------------------------------------------------------------


def _check(layout: SeatLayout, people: Sequence[Person], locked: Mapping[str, str]) -> None:
    if len(people) > MAX_PEOPLE:
        raise InvalidInput(f"人数太多（{len(people)}），最多 {MAX_PEOPLE} 人")
    ids = [p.id for p in people]
    if any(not str(i).strip() for i in ids):
        raise InvalidInput("人员编号不能为空")
    if len(set(ids)) != len(ids):
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        raise InvalidInput(f"人员重复：{'、'.join(duplicates)}", details={"people": duplicates})
    known = set(ids)
    for seat_id, person_id in locked.items():
        layout.seat(seat_id)  # raises for an unknown seat
        if person_id not in known:
            raise InvalidInput(f"锁定座位 {seat_id} 上的人员不在名单中：{person_id}")
    if len(set(locked.values())) != len(locked):
        raise InvalidInput("同一人锁定在多个座位上")


def arrange(
    layout: SeatLayout,
    people: Iterable[Person],
    options: Options = Options(),
    *,
    locked: Mapping[str, str] | None = None,
) -> Arrangement:
    """Seat everyone by the protocol rules of the layout's kind.

    `locked` maps seat id → person id for seats that must keep their person.
    Raises `NotEnoughSeats` (with the counts) when people outnumber free seats.
    """
    people = list(people)
    locked = dict(locked or {})
    _check(layout, people, locked)
    plan = _Plan(layout, locked)
    pinned = set(locked.values())
    _ARRANGERS[layout.kind](plan, [p for p in people if p.id not in pinned], options)
    seated = set(plan.taken.values())
    missing = [p.id for p in people if p.id not in seated]
    if missing:  # a rule that leaves someone out is a bug, never a silent drop
        raise _not_enough("会场", len(people), len(layout.seats), unseated=missing)
    order = {seat.id: i for i, seat in enumerate(seat_order(layout))}
    assignments = tuple(
        Assignment(seat_id, person_id, seat_id in locked)
        for seat_id, person_id in sorted(plan.taken.items(), key=lambda item: order[item[0]])
    )
    return Arrangement(assignments, options.viewpoint, tuple(plan.notes))


def rearrange(
    previous: Arrangement,
    layout: SeatLayout,
    people: Iterable[Person],
    options: Options = Options(),
) -> Arrangement:
    """Arrange again (after a roster change), keeping every locked seat's person."""
    people = list(people)
    present = {p.id for p in people}
    locked = {
        seat: person
        for seat, person in previous.locked.items()
        if person in present and seat in layout.by_id
    }
    result = arrange(layout, people, options, locked=locked)
    dropped = set(previous.locked.values()) - set(locked.values())
    if dropped:
        note = f"已不在名单中的锁定人员已移除：{'、'.join(sorted(dropped))}"
        result = replace(result, notes=(*result.notes, note))
    return result


def _with(arrangement: Arrangement, assignments: Iterable[Assignment]) -> Arrangement:
    return Arrangement(tuple(assignments), arrangement.viewpoint, arrangement.notes)


def _refuse_locked(arrangement: Arrangement, layout: SeatLayout, seat_id: str | None) -> None:
    if seat_id is None:
        return
    current = arrangement.by_seat.get(seat_id)
    if current is not None and current.locked:
        raise InvalidInput(
            f"座位 {layout.seat(seat_id).label or seat_id} 已锁定，请先解锁", field="seat"
        )


def move(arrangement: Arrangement, layout: SeatLayout, person_id: str, seat_id: str) -> Arrangement:
    """Put a person on an empty seat (from their current seat, or unseated)."""
    target = layout.seat(seat_id)
    occupant = arrangement.person_at(seat_id)
    if occupant == person_id:
        return arrangement
    if occupant is not None:
        raise InvalidInput(f"座位 {target.label or seat_id} 已有人，请用“交换”", field="seat")
    current = arrangement.seat_of(person_id)
    _refuse_locked(arrangement, layout, current)
    kept = [a for a in arrangement.assignments if a.person_id != person_id]
    return _with(arrangement, [*kept, Assignment(seat_id, person_id)])


def swap(arrangement: Arrangement, layout: SeatLayout, seat_a: str, seat_b: str) -> Arrangement:
    """Exchange the occupants of two seats (either may be empty)."""
    layout.seat(seat_a)
    layout.seat(seat_b)
    _refuse_locked(arrangement, layout, seat_a)
    _refuse_locked(arrangement, layout, seat_b)
    if seat_a == seat_b:
        return arrangement
    swapped = {seat_a: seat_b, seat_b: seat_a}
    return _with(
        arrangement,
        [replace(a, seat_id=swapped.get(a.seat_id, a.seat_id)) for a in arrangement.assignments],
    )


def unassign(arrangement: Arrangement, layout: SeatLayout, person_id: str) -> Arrangement:
    _refuse_locked(arrangement, layout, arrangement.seat_of(person_id))
    return _with(arrangement, [a for a in arrangement.assignments if a.person_id != person_id])


def lock(arrangement: Arrangement, seat_id: str) -> Arrangement:
    if seat_id not in arrangement.by_seat:
        raise InvalidInput("只能锁定已有人的座位", field="seat")
    return _with(
        arrangement,
        [replace(a, locked=True) if a.seat_id == seat_id else a for a in arrangement.assignments],
    )


def unlock(arrangement: Arrangement, seat_id: str) -> Arrangement:
    return _with(
        arrangement,
        [replace(a, locked=False) if a.seat_id == seat_id else a for a in arrangement.assignments],
    )


def reading(
    arrangement: Arrangement,
    seats: Iterable[Seat],
    viewpoint: Viewpoint = Viewpoint.AUDIENCE,
) -> list[str | None]:
    """Who sits on these seats, read left to right as seen from `viewpoint`."""
    ordered = sorted(seats, key=lambda s: (s.x, s.y))
    if viewpoint is Viewpoint.ROSTRUM:
        ordered.reverse()
    return [arrangement.person_at(s.id) for s in ordered]


def card_order(arrangement: Arrangement, layout: SeatLayout) -> list[str]:
    """Person ids in seat order (zones, tables by rank, rows, positions): the 桌签 order."""
    return [
        person
        for seat in seat_order(layout)
        if (person := arrangement.person_at(seat.id)) is not None
    ]


@dataclass(frozen=True)
class SeatChange:
    seat_id: str
    before: str | None
    after: str | None


@dataclass(frozen=True)
class Reprint:
    """What must be printed again after a roster or seat change."""

    seats: tuple[SeatChange, ...]  # seats whose occupant or printed name changed
    cards_to_print: tuple[str, ...]  # people whose 桌签 is new or reads differently
    cards_to_discard: tuple[str, ...]  # people no longer attending
    card_pages: tuple[int, ...]  # pages of the new 桌签 PDF (one card per page) to print
    chart_pages: tuple[int, ...]  # pages of the 座次图 to print again
    moved: tuple[str, ...]  # people with another seat (sign-in sheet's 座位 column)

    @property
    def nothing(self) -> bool:
        return not (self.seats or self.cards_to_print or self.cards_to_discard)


def reprint_plan(
    old: Arrangement,
    new: Arrangement,
    old_people: Iterable[Person],
    new_people: Iterable[Person],
    layout: SeatLayout,
) -> Reprint:
    """Compare two arrangements and say which seats, cards and pages to print again.

    A 桌签 shows name and 职务 only, so a person who merely moved keeps their card;
    the chart shows names and units, so any seat whose occupant or either of those
    changed reprints it. Card pages count in the new deck, one card per page.
    """
    before = {p.id: p for p in old_people}
    after = {p.id: p for p in new_people}

    def card(people: Mapping[str, Person], pid: str | None) -> tuple[str, str] | None:
        if pid is None or pid not in people:
            return None
        return (people[pid].name, people[pid].title)  # what a 桌签 shows

    def chart(people: Mapping[str, Person], pid: str | None) -> tuple[str, str] | None:
        if pid is None or pid not in people:
            return None
        return (people[pid].name, people[pid].unit)  # what a seat box on the chart shows

    changes = []
    for seat in seat_order(layout):
        a, b = old.person_at(seat.id), new.person_at(seat.id)
        if a != b or chart(before, a) != chart(after, b):
            changes.append(SeatChange(seat.id, a, b))
    order = card_order(new, layout)
    old_seated = {a.person_id for a in old.assignments}  # the cards printed last time
    to_print = tuple(
        pid for pid in order if pid not in old_seated or card(before, pid) != card(after, pid)
    )
    discard = tuple(
        pid for pid in card_order(old, layout) if pid not in after or new.seat_of(pid) is None
    )
    page_of = {pid: page for page, pid in enumerate(order, start=1)}
    pages = tuple(page_of[pid] for pid in to_print)
    moved = tuple(
        pid for pid in order if pid in old_seated and old.seat_of(pid) != new.seat_of(pid)
    )
    return Reprint(
        seats=tuple(changes),
        cards_to_print=to_print,
        cards_to_discard=discard,
        card_pages=pages,
        chart_pages=(1,) if changes else (),
        moved=moved,
    )
