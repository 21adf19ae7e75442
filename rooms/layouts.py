"""Seat layouts of a room as plain data: seats with ids, zone, row, position and coordinates.

Pure functions and frozen dataclasses — no models, no database — so the seating engine
(`meetings/seating/engine.py`), the seating chart and tests use them directly, and a
room's stored layout (a kind plus a few parameters) is expanded by the generators here.

Plan coordinates, in metres-ish "seat units":
- `x` grows to the right **as seen from the audience** (standing at the door / back of
  the room, looking at the front);
- `y` grows towards the **front** (rostrum, screen, the principals' end of the room).
So the plan drawn with the front at the top of the page is the view 从观众席看; turning
it by 180° gives 从主席台看.

Each seat has a `facing` angle in degrees (0 = towards +x, 90 = towards the front,
270 = towards the audience): "the leader's own left" in the protocol rules is computed
from it, so the same rule seats a rostrum (facing the audience) and a classroom front
row (facing the screen) correctly.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from core.exceptions import InvalidInput

FACING_FRONT = 90.0
FACING_AUDIENCE = 270.0
MAX_SEATS = 5000  # larger than any county hall; stops a typo from building a million seats


class LayoutKind(StrEnum):
    """Same values as `rooms.models.Layout`, so a room's default layout maps directly."""

    ROSTRUM = "rostrum"  # 主席台 + 台下
    LONG_TABLE = "long_table"  # 会谈：长条桌
    U_SHAPE = "u_shape"  # U 形 / 回字形
    ROUND = "round"  # 宴请：圆桌
    CLASSROOM = "classroom"  # 课桌式
    RECEPTION = "reception"  # 会见：沙发


class Precedence(StrEnum):
    """Which hand ranks higher: 以左为上 (domestic) or 以右为上 (foreign affairs)."""

    LEFT = "left"
    RIGHT = "right"

    @property
    def label(self) -> str:
        return "以左为上" if self is Precedence.LEFT else "以右为上"


class Zone(StrEnum):
    ROSTRUM = "rostrum"  # 主席台
    AUDIENCE = "audience"  # 台下 / 课桌
    TABLE = "table"  # seats at a table (会谈, U 形, 宴请)
    PRINCIPAL = "principal"  # 会见: the host's and the chief guest's seats
    WING = "wing"  # 会见: the parties' seats along the sides

    @property
    def label(self) -> str:
        return {
            "rostrum": "主席台",
            "audience": "台下",
            "table": "桌",
            "principal": "主位",
            "wing": "两侧",
        }[self.value]


# Order in which a person walking the room meets the zones: name cards and lists follow it.
ZONE_ORDER = (Zone.ROSTRUM, Zone.PRINCIPAL, Zone.TABLE, Zone.WING, Zone.AUDIENCE)


@dataclass(frozen=True)
class Seat:
    """One seat. `row` 1 is the front row of its zone; `position` runs along the row."""

    id: str
    zone: Zone
    row: int
    position: int
    x: float
    y: float
    facing: float = FACING_FRONT
    label: str = ""
    table: str = ""  # the table a seat belongs to (宴请), "" elsewhere
    block: str = ""  # the audience block (左区/中区/右区)
    reserved: bool = False  # 预留: never filled automatically

    @property
    def facing_vector(self) -> tuple[float, float]:
        rad = math.radians(self.facing)
        return (math.cos(rad), math.sin(rad))

    @property
    def right_vector(self) -> tuple[float, float]:
        """The seated person's own right hand (the facing direction turned clockwise)."""
        fx, fy = self.facing_vector
        return (fy, -fx)

    @property
    def left_vector(self) -> tuple[float, float]:
        rx, ry = self.right_vector
        return (-rx, -ry)


class FeatureKind(StrEnum):
    ROSTRUM = "rostrum"  # 主席台 table
    TABLE = "table"  # a rectangular table
    ROUND_TABLE = "round_table"
    LECTERN = "lectern"  # 讲台 / 发言席
    SCREEN = "screen"
    DOOR = "door"


@dataclass(frozen=True)
class Feature:
    """Something drawn on the chart besides seats; `x`, `y` is its centre."""

    kind: FeatureKind
    x: float
    y: float
    width: float
    height: float
    label: str = ""
    key: str = ""  # the table id for round tables
    main: bool = False  # 主桌


@dataclass(frozen=True)
class SeatLayout:
    """All seats of a room set up one way, with what to draw around them."""

    kind: LayoutKind
    seats: tuple[Seat, ...]
    features: tuple[Feature, ...] = ()
    seat_width: float = 0.9  # the box a seat gets on the chart, in plan units
    seat_depth: float = 0.7
    door: tuple[float, float] | None = None
    name: str = ""
    axis_x: float = 0.0  # the room's centre line (the rostrum's middle), in plan x

    def __post_init__(self) -> None:
        ids = [seat.id for seat in self.seats]
        if len(set(ids)) != len(ids):
            duplicates = sorted({i for i in ids if ids.count(i) > 1})
            raise InvalidInput(
                f"座位编号重复：{'、'.join(duplicates)}", details={"seats": duplicates}
            )
        if len(ids) > MAX_SEATS:
            raise InvalidInput(f"座位太多（{len(ids)}），最多 {MAX_SEATS} 个")

    @functools.cached_property
    def by_id(self) -> dict[str, Seat]:
        return {seat.id: seat for seat in self.seats}

    def seat(self, seat_id: str) -> Seat:
        try:
            return self.by_id[seat_id]
        except KeyError:
            raise InvalidInput(f"没有这个座位：{seat_id}", field="seat") from None

    def in_zone(self, *zones: Zone) -> list[Seat]:
        return [seat for seat in self.seats if seat.zone in zones]

    def bounds(self) -> tuple[float, float, float, float]:
        """(min x, min y, max x, max y) of the seats' boxes and the features."""
        xs: list[float] = []
        ys: list[float] = []
        hw, hd = self.seat_width / 2, self.seat_depth / 2
        for seat in self.seats:
            xs += [seat.x - hw, seat.x + hw]
            ys += [seat.y - hd, seat.y + hd]
        for feature in self.features:
            xs += [feature.x - feature.width / 2, feature.x + feature.width / 2]
            ys += [feature.y - feature.height / 2, feature.y + feature.height / 2]
        if not xs:
            return (0.0, 0.0, 1.0, 1.0)
        return (min(xs), min(ys), max(xs), max(ys))

    def tables(self) -> list[Feature]:
        return [f for f in self.features if f.kind is FeatureKind.ROUND_TABLE]


# --- helpers shared by the engine and the generators --------------------------------------


def _dot(a: tuple[float, float], b: tuple[float, float]) -> float:
    return a[0] * b[0] + a[1] * b[1]


def side_of(origin: Seat, x: float, y: float) -> int:
    """+1 when (x, y) is on the seated person's own right, -1 on the left, 0 straight ahead."""
    value = _dot((x - origin.x, y - origin.y), origin.right_vector)
    if abs(value) < 1e-6:
        return 0
    return 1 if value > 0 else -1


def rank_tables(layout: SeatLayout) -> list[Feature]:
    """Round tables in protocol order (DESIGN §5, 宴请).

    The main table first; then nearer to the main table before farther, and at the same
    distance the one on the main host's right before the one on his left. The main host
    sits facing the door, so "his right" is computed from that seat, not from the page.
    """
    tables = layout.tables()
    if not tables:
        return []
    main = next((t for t in tables if t.main), None)
    door = layout.door
    if main is None:
        # Without a marked main table: the one farthest from the door.
        if door is None:
            main = max(tables, key=lambda t: (t.y, -abs(t.x)))
        else:
            main = max(tables, key=lambda t: (math.dist((t.x, t.y), door), -abs(t.x)))
    # The main host faces the door (or the audience side when no door is marked).
    target = door if door is not None else (main.x, main.y - 1.0)
    facing = math.degrees(math.atan2(target[1] - main.y, target[0] - main.x))
    host = Seat("_host", Zone.TABLE, 1, 0, main.x, main.y, facing=facing)

    def key(table: Feature) -> tuple[float, int, float, float]:
        distance = round(math.dist((table.x, table.y), (main.x, main.y)), 1)
        side = side_of(host, table.x, table.y)
        # right (+1) → 0, straight ahead (0) → 1, left (-1) → 2
        return (distance, 1 - side, -table.y, table.x)

    return [main, *sorted((t for t in tables if t is not main), key=key)]


def seat_order(layout: SeatLayout) -> list[Seat]:
    """Seats in the order staff walk them: zones, tables by rank, rows front first, positions."""
    table_rank = {t.key: i for i, t in enumerate(rank_tables(layout))}
    zone_rank = {zone: i for i, zone in enumerate(ZONE_ORDER)}
    return sorted(
        layout.seats,
        key=lambda s: (zone_rank[s.zone], table_rank.get(s.table, 0), s.row, s.position),
    )


# --- generators -------------------------------------------------------------------------


def _positive(value: int, what: str, *, maximum: int = 500) -> int:
    if not isinstance(value, int) or value < 0 or value > maximum:
        raise InvalidInput(f"{what}应为 0–{maximum} 的整数，收到 {value!r}", field=what)
    return value


def _row_xs(count: int, pitch: float = 1.0) -> list[float]:
    return [(i - (count - 1) / 2) * pitch for i in range(count)]


def _audience_rows(
    rows: int,
    blocks: Sequence[int],
    *,
    top: float,
    pitch: float,
    aisle: float,
    facing: float,
    reserved: set[str],
) -> list[Seat]:
    """Rows of seats split into blocks by aisles; seat numbers run left to right (audience view)."""
    blocks = [_positive(b, "每区座位数", maximum=200) for b in blocks]
    total = sum(blocks) + aisle * max(len(blocks) - 1, 0)
    names = _block_names(len(blocks))
    seats: list[Seat] = []
    for row in range(1, rows + 1):
        y = top - (row - 1) * pitch
        x = -total / 2 + 0.5
        number = 0
        for b, count in enumerate(blocks):
            for _ in range(count):
                number += 1
                seat_id = f"A{row}-{number:02d}"
                seats.append(
                    Seat(
                        seat_id,
                        Zone.AUDIENCE,
                        row,
                        number,
                        round(x, 3),
                        round(y, 3),
                        facing=facing,
                        label=f"{row}排{number}号",
                        block=names[b],
                        reserved=seat_id in reserved,
                    )
                )
                x += 1.0
            x += aisle
    return seats


def _block_names(count: int) -> list[str]:
    if count == 1:
        return ["中区"]
    if count == 2:
        return ["左区", "右区"]
    if count == 3:
        return ["左区", "中区", "右区"]
    return [f"{i}区" for i in range(1, count + 1)]


def _lectern(side: str | None, x_edge: float, y: float) -> list[Feature]:
    if side is None:
        return []
    if side not in ("left", "right"):
        raise InvalidInput("讲台位置应为 left、right 或不设", field="lectern")
    x = -x_edge if side == "left" else x_edge
    return [Feature(FeatureKind.LECTERN, x, y, 1.0, 0.7, "讲台")]


def rostrum_layout(
    rostrum_rows: Sequence[int],
    audience_rows: int = 0,
    audience_blocks: Sequence[int] = (),
    *,
    lectern: str | None = None,
    reserved: Iterable[str] = (),
    centre_point: bool = False,
    precedence: Precedence = Precedence.LEFT,
    name: str = "",
) -> SeatLayout:
    """主席台 rows (front row first) facing 台下 rows split into blocks by aisles.

    A rostrum row is set for the number of people in it. Normally it is symmetric about
    the centre line, so with an even count No. 1 and No. 2 share the centre. With
    `centre_point` (the variant of DESIGN §5) an even row has a seat on the centre line
    for No. 1 alone and one seat more on the leaders' own higher-ranking side (their left
    under 以左为上, i.e. the audience's right).

    `lectern` is "left" or "right" as seen from the audience. Rostrum seats are
    `R<row>-<n>`, audience seats `A<row>-<n>`, numbered left to right from the audience.
    """
    rostrum_rows = [_positive(n, "主席台每排座位数", maximum=60) for n in rostrum_rows]
    _positive(audience_rows, "台下排数")
    reserved_ids = set(reserved)
    seats: list[Seat] = []
    gap = 3.0  # from the audience's front row to the rostrum's front row
    for row, count in enumerate(rostrum_rows, start=1):
        y = gap + (row - 1) * 1.1
        xs = _row_xs(count)
        if centre_point and count % 2 == 0:
            # Leaders face the audience: their own left is the audience's right (+x).
            shift = 0.5 if Precedence(precedence) is Precedence.LEFT else -0.5
            xs = [x + shift for x in xs]
        for i, x in enumerate(xs, start=1):
            seat_id = f"R{row}-{i:02d}"
            seats.append(
                Seat(
                    seat_id,
                    Zone.ROSTRUM,
                    row,
                    i,
                    round(x, 3),
                    y,
                    facing=FACING_AUDIENCE,
                    label=f"台{row}-{i}",
                    reserved=seat_id in reserved_ids,
                )
            )
    if audience_rows and audience_blocks:
        seats += _audience_rows(
            audience_rows,
            audience_blocks,
            top=0.0,
            pitch=1.2,
            aisle=1.0,
            facing=FACING_FRONT,
            reserved=reserved_ids,
        )
    widest = max(rostrum_rows, default=0)
    features: list[Feature] = []
    if rostrum_rows:
        features.append(Feature(FeatureKind.ROSTRUM, 0.0, gap - 0.65, widest + 1.6, 0.5, "主席台"))
        features += _lectern(lectern, widest / 2 + 1.9, gap - 0.65)
    layout = SeatLayout(LayoutKind.ROSTRUM, tuple(seats), tuple(features), name=name)
    _, min_y, max_x, _ = layout.bounds()
    door = (max_x - 0.5, min_y - 1.2)
    features.append(Feature(FeatureKind.DOOR, door[0], door[1], 1.2, 0.3, "入口"))
    return SeatLayout(LayoutKind.ROSTRUM, tuple(seats), tuple(features), door=door, name=name)


def classroom_layout(
    rows: int,
    blocks: Sequence[int],
    *,
    lectern: str | None = None,
    reserved: Iterable[str] = (),
    name: str = "",
) -> SeatLayout:
    """课桌式: rows facing the screen at the front (e.g. a VC branch venue)."""
    _positive(rows, "排数")
    seats = _audience_rows(
        rows, blocks, top=0.0, pitch=1.4, aisle=1.0, facing=FACING_FRONT, reserved=set(reserved)
    )
    width = max((abs(s.x) for s in seats), default=2.0) * 2 + 1
    features = [
        Feature(FeatureKind.SCREEN, 0.0, 2.6, min(width * 0.6, 8.0), 0.25, "屏幕"),
        *[
            Feature(FeatureKind.TABLE, 0.0, -(r - 1) * 1.4 + 0.55, width, 0.35)
            for r in range(1, rows + 1)
        ],
        *_lectern(lectern, width / 2 - 0.5, 1.6),
    ]
    door = (width / 2 - 0.5, -(rows - 1) * 1.4 - 1.5)
    features.append(Feature(FeatureKind.DOOR, door[0], door[1], 1.2, 0.3, "入口"))
    return SeatLayout(LayoutKind.CLASSROOM, tuple(seats), tuple(features), door=door, name=name)


def long_table_layout(per_side: int, *, name: str = "") -> SeatLayout:
    """会谈: one long table, `per_side` seats on each long side, the door at the bottom.

    Row 1 is the far side (facing the door: the guests' side), row 2 the near side.
    """
    _positive(per_side, "每侧座位数", maximum=60)
    length = per_side + 1.0
    seats: list[Seat] = []
    for i, x in enumerate(_row_xs(per_side), start=1):
        seats.append(
            Seat(f"F{i:02d}", Zone.TABLE, 1, i, round(x, 3), 1.3, FACING_AUDIENCE, f"远{i}")
        )
    for i, x in enumerate(_row_xs(per_side), start=1):
        seats.append(Seat(f"N{i:02d}", Zone.TABLE, 2, i, round(x, 3), -1.3, FACING_FRONT, f"近{i}"))
    door = (0.0, -4.0)
    features = (
        Feature(FeatureKind.TABLE, 0.0, 0.0, length, 1.6, "会谈桌"),
        Feature(FeatureKind.DOOR, door[0], door[1], 1.2, 0.3, "入口"),
    )
    return SeatLayout(LayoutKind.LONG_TABLE, tuple(seats), features, door=door, name=name)


def u_shape_layout(head: int, arm: int, *, closed: bool = False, name: str = "") -> SeatLayout:
    """U 形 (open towards the door) or 回字形 (`closed`): one line of seats around the tables.

    Positions run along the line — up the left arm, along the head table left to right
    (audience view), down the right arm — so the head table's centre is the line's middle
    and the rostrum rule can fill the line from there.
    """
    _positive(head, "主桌座位数", maximum=60)
    _positive(arm, "每侧座位数", maximum=60)
    half = head / 2 + 0.7
    top = 0.0
    line: list[tuple[float, float, float, str]] = []  # x, y, facing, label
    # The foot (回字形) gets an even count so the line stays symmetric about the head's
    # centre: the engine fills a line from its middle.
    foot = (head if head % 2 == 0 else max(head - 1, 0)) if closed else 0
    foot_xs = _row_xs(foot)
    bottom = top - 1.3 - arm - 0.3
    left_foot = [x for x in foot_xs if x < 0]
    right_foot = [x for x in foot_xs if x > 0]
    for x in sorted(left_foot, reverse=True):  # from the foot's middle out to the left corner
        line.append((x, bottom, FACING_FRONT, "下"))
    for j in range(arm, 0, -1):  # left arm, from the door end up to the head
        line.append((-half, top - 0.6 - j, 0.0, "左"))
    for x in _row_xs(head):
        line.append((x, top, FACING_AUDIENCE, "上"))
    for j in range(1, arm + 1):
        line.append((half, top - 0.6 - j, 180.0, "右"))
    for x in sorted(right_foot, reverse=True):  # from the right corner back to the middle
        line.append((x, bottom, FACING_FRONT, "下"))
    seats = tuple(
        Seat(f"U{i:02d}", Zone.TABLE, 1, i, round(x, 3), round(y, 3), facing, f"{side}{i}")
        for i, (x, y, facing, side) in enumerate(line, start=1)
    )
    features = [Feature(FeatureKind.TABLE, 0.0, top - 0.55, head + 0.4, 0.5)]
    if arm:
        arm_y = top - 0.6 - (arm + 1) / 2
        features += [
            Feature(FeatureKind.TABLE, -half + 0.6, arm_y, 0.5, arm + 0.4),
            Feature(FeatureKind.TABLE, half - 0.6, arm_y, 0.5, arm + 0.4),
        ]
    if closed:
        features.append(Feature(FeatureKind.TABLE, 0.0, bottom + 0.55, head + 0.4, 0.5))
    door = (0.0, bottom - 1.5)
    features.append(Feature(FeatureKind.DOOR, door[0], door[1], 1.2, 0.3, "入口"))
    return SeatLayout(LayoutKind.U_SHAPE, seats, tuple(features), door=door, name=name)


def round_tables_layout(
    tables: int, seats_per_table: int = 10, *, per_row: int = 3, name: str = ""
) -> SeatLayout:
    """宴请: the main table at the front centre, the others in rows towards the door.

    Every table's first seat is the one facing the door (the host's); its seats go
    counter-clockwise from there. Tables are numbered by protocol rank (`rank_tables`).
    """
    _positive(tables, "桌数", maximum=100)
    _positive(seats_per_table, "每桌座位数", maximum=24)
    if seats_per_table < 2:
        raise InvalidInput("每桌至少 2 个座位", field="seats_per_table")
    per_row = max(1, per_row)
    radius = max(1.0, seats_per_table * 1.0 / (2 * math.pi) + 0.35)  # ~1 m of table edge per seat
    pitch = 2 * radius + 2.4
    centres: list[tuple[float, float]] = [(0.0, 0.0)]
    remaining = tables - 1
    row = 1
    while remaining > 0:
        count = min(per_row, remaining)
        for x in _row_xs(count, pitch):
            centres.append((x, -row * pitch))
        remaining -= count
        row += 1
    door_y = (centres[-1][1] if centres else 0.0) - radius - 2.0
    door = (0.0, door_y)
    provisional = tuple(
        Feature(FeatureKind.ROUND_TABLE, cx, cy, 2 * radius, 2 * radius, key=str(i), main=i == 0)
        for i, (cx, cy) in enumerate(centres[:tables])
    )
    ranked = rank_tables(SeatLayout(LayoutKind.ROUND, (), provisional, door=door))
    features: list[Feature] = []
    seats: list[Seat] = []
    seat_radius = radius + 0.45
    for number, table in enumerate(ranked, start=1):
        key = str(number)
        label = "主桌" if number == 1 else f"{number}号桌"
        features.append(
            Feature(
                FeatureKind.ROUND_TABLE,
                table.x,
                table.y,
                table.width,
                table.height,
                label,
                key,
                table.main,
            )
        )
        for k in range(seats_per_table):
            angle = 90.0 + k * 360.0 / seats_per_table  # seat 1 at the top, facing the door
            rad = math.radians(angle)
            x = table.x + seat_radius * math.cos(rad)
            y = table.y + seat_radius * math.sin(rad)
            seats.append(
                Seat(
                    f"T{number}-{k + 1:02d}",
                    Zone.TABLE,
                    1,
                    k + 1,
                    round(x, 3),
                    round(y, 3),
                    facing=(angle + 180.0) % 360.0,
                    label=f"{number}-{k + 1}",
                    table=key,
                )
            )
    features.append(Feature(FeatureKind.DOOR, door[0], door[1], 1.2, 0.3, "入口"))
    return SeatLayout(
        LayoutKind.ROUND,
        tuple(seats),
        tuple(features),
        seat_width=1.25,
        seat_depth=0.55,
        door=door,
        name=name,
    )


def reception_layout(per_side: int, *, name: str = "") -> SeatLayout:
    """会见: two principal seats side by side facing the door, each party's seats down a side."""
    _positive(per_side, "每侧座位数", maximum=40)
    seats = [
        Seat("P1", Zone.PRINCIPAL, 1, 1, -0.8, 0.0, FACING_AUDIENCE, "主位左"),
        Seat("P2", Zone.PRINCIPAL, 1, 2, 0.8, 0.0, FACING_AUDIENCE, "主位右"),
    ]
    for j in range(1, per_side + 1):
        seats.append(Seat(f"L{j:02d}", Zone.WING, j, 1, -2.6, -0.6 - j, 0.0, f"左{j}"))
    for j in range(1, per_side + 1):
        seats.append(Seat(f"R{j:02d}", Zone.WING, j, 2, 2.6, -0.6 - j, 180.0, f"右{j}"))
    door = (0.0, -per_side - 2.6)
    features = (
        Feature(FeatureKind.TABLE, 0.0, -0.1, 0.5, 0.5, "茶几"),
        Feature(FeatureKind.DOOR, door[0], door[1], 1.2, 0.3, "入口"),
    )
    return SeatLayout(LayoutKind.RECEPTION, tuple(seats), features, door=door, name=name)


# --- stored layouts: (kind, params) → SeatLayout -----------------------------------------

# What each kind's `params` (rooms.models.RoomLayout.params, meetings SeatingPlan.params)
# may hold: key → (type, required, what staff call it). Documented in the admin and the
# OpenAPI description; anything else is refused so that a typo never silently changes
# nothing.
PARAMS: dict[LayoutKind, dict[str, tuple[str, bool, str]]] = {
    LayoutKind.ROSTRUM: {
        "rostrum_rows": ("ints", True, "主席台每排座位数，前排在先，如 [7, 9]"),
        "audience_rows": ("int", False, "台下排数"),
        "audience_blocks": ("ints", False, "台下每排各区座位数，如 [4, 8, 4]"),
        "lectern": ("side", False, "讲台：left / right（从观众席看），不设为 null"),
        "reserved": ("ids", False, '预留座位编号，如 ["A1-01"]'),
    },
    LayoutKind.CLASSROOM: {
        "rows": ("int", True, "排数"),
        "blocks": ("ints", True, "每排各区座位数，如 [4, 4]"),
        "lectern": ("side", False, "讲台：left / right，不设为 null"),
        "reserved": ("ids", False, "预留座位编号"),
    },
    LayoutKind.LONG_TABLE: {"per_side": ("int", True, "每侧座位数")},
    LayoutKind.U_SHAPE: {
        "head": ("int", True, "主桌座位数"),
        "arm": ("int", True, "每侧座位数"),
        "closed": ("bool", False, "回字形（四面围合）为 true"),
    },
    LayoutKind.ROUND: {
        "tables": ("int", True, "桌数"),
        "seats_per_table": ("int", False, "每桌座位数（默认 10）"),
        "per_row": ("int", False, "主桌后每排桌数（默认 3）"),
    },
    LayoutKind.RECEPTION: {"per_side": ("int", True, "每侧座位数（主位两个另计）")},
}


def params_help(kind: str) -> str:
    """One line per parameter of a kind, for the admin and the API docs."""
    try:
        spec = PARAMS[LayoutKind(kind)]
    except ValueError:
        return ""
    return "；".join(
        f"{key}{'（必填）' if required else ''}：{what}"
        for key, (_, required, what) in spec.items()
    )


def _param(kind: LayoutKind, key: str, value: object) -> object:
    """Check one parameter's type; the generators check the ranges."""
    type_, _, what = PARAMS[kind][key]
    field = f"params.{key}"
    if type_ == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput(f"{key}（{what}）应为整数", field=field)
    elif type_ == "ints":
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise InvalidInput(f"{key}（{what}）应为整数列表", field=field)
        if len(value) > 50:
            raise InvalidInput(f"{key} 最多 50 项", field=field)
    elif type_ == "ids":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InvalidInput(f"{key}（{what}）应为座位编号列表", field=field)
        if len(value) > MAX_SEATS:
            raise InvalidInput(f"{key} 最多 {MAX_SEATS} 项", field=field)
    elif type_ == "bool":
        if not isinstance(value, bool):
            raise InvalidInput(f"{key}（{what}）应为 true 或 false", field=field)
    elif type_ == "side" and value not in (None, "left", "right"):
        raise InvalidInput(f"{key}（{what}）只能是 left、right 或 null", field=field)
    return value


def check_params(kind: str, params: object) -> dict[str, object]:
    """The params of a kind, type-checked (unknown or missing keys refused), as a new dict."""
    try:
        layout_kind = LayoutKind(kind)
    except ValueError:
        choices = "、".join(k.value for k in LayoutKind)
        raise InvalidInput(f"未知的布局：{kind}（可选：{choices}）", field="kind") from None
    if not isinstance(params, dict):
        raise InvalidInput("布局参数应为 JSON 对象", field="params")
    spec = PARAMS[layout_kind]
    unknown = sorted(set(params) - set(spec))
    if unknown:
        raise InvalidInput(
            f"布局参数中有未知项：{'、'.join(map(str, unknown))}（可用：{'、'.join(spec)}）",
            field=f"params.{unknown[0]}",
        )
    missing = [key for key, (_, required, _) in spec.items() if required and key not in params]
    if missing:
        raise InvalidInput(
            f"缺少布局参数：{'、'.join(missing)}（{params_help(kind)}）",
            field=f"params.{missing[0]}",
        )
    return {key: _param(layout_kind, key, value) for key, value in params.items()}


def build_layout(
    kind: str,
    params: object,
    *,
    centre_point: bool = False,
    precedence: Precedence = Precedence.LEFT,
    name: str = "",
) -> SeatLayout:
    """Expand a stored layout into seats; `InvalidInput` names the parameter that is wrong.

    `centre_point` and `precedence` are the meeting's seating options: a rostrum row set
    for the centre-point variant has one seat on the centre line (see `rostrum_layout`).
    """
    checked: dict[str, Any] = check_params(kind, params)
    layout_kind = LayoutKind(kind)
    if layout_kind is LayoutKind.ROSTRUM:
        layout = rostrum_layout(
            checked["rostrum_rows"],
            checked.get("audience_rows", 0),
            checked.get("audience_blocks", []),
            lectern=checked.get("lectern"),
            reserved=checked.get("reserved", ()),
            centre_point=centre_point,
            precedence=precedence,
            name=name,
        )
    elif layout_kind is LayoutKind.CLASSROOM:
        layout = classroom_layout(
            checked["rows"],
            checked["blocks"],
            lectern=checked.get("lectern"),
            reserved=checked.get("reserved", ()),
            name=name,
        )
    elif layout_kind is LayoutKind.LONG_TABLE:
        layout = long_table_layout(checked["per_side"], name=name)
    elif layout_kind is LayoutKind.U_SHAPE:
        layout = u_shape_layout(
            checked["head"], checked["arm"], closed=checked.get("closed", False), name=name
        )
    elif layout_kind is LayoutKind.ROUND:
        layout = round_tables_layout(
            checked["tables"],
            checked.get("seats_per_table", 10),
            per_row=checked.get("per_row", 3),
            name=name,
        )
    else:
        layout = reception_layout(checked["per_side"], name=name)
    if not layout.seats:
        raise InvalidInput("这个布局没有座位，请检查参数", field="params")
    unknown = sorted(set(checked.get("reserved", ())) - set(layout.by_id))
    if unknown:
        raise InvalidInput(
            f"预留座位不在布局中：{'、'.join(unknown[:10])}", field="params.reserved"
        )
    return layout


def default_params(kind: str, capacity: int) -> dict[str, object]:
    """A plausible layout of `kind` for a room of `capacity` that has no layout stored yet."""
    capacity = max(1, min(int(capacity), 1000))
    layout_kind = LayoutKind(kind)
    if layout_kind is LayoutKind.ROSTRUM:
        front = min(11, max(3, capacity // 8)) | 1  # an odd row: No. 1 alone in the centre
        width = 16 if capacity >= 40 else 10
        rows = max(1, math.ceil(max(capacity - front, 1) / width))
        return {
            "rostrum_rows": [front],
            "audience_rows": rows,
            "audience_blocks": [width // 4, width // 2, width // 4],
        }
    if layout_kind is LayoutKind.CLASSROOM:
        return {"rows": max(1, math.ceil(capacity / 8)), "blocks": [4, 4]}
    if layout_kind is LayoutKind.LONG_TABLE:
        return {"per_side": max(1, min(60, math.ceil(capacity / 2)))}
    if layout_kind is LayoutKind.U_SHAPE:
        return {"head": 5, "arm": max(1, min(60, math.ceil(max(capacity - 5, 2) / 2)))}
    if layout_kind is LayoutKind.ROUND:
        return {"tables": max(1, min(100, math.ceil(capacity / 10))), "seats_per_table": 10}
    return {"per_side": max(1, min(40, math.ceil(max(capacity - 2, 2) / 2)))}


__all__ = [
    "FACING_AUDIENCE",
    "FACING_FRONT",
    "PARAMS",
    "Feature",
    "FeatureKind",
    "LayoutKind",
    "Precedence",
    "Seat",
    "SeatLayout",
    "Zone",
    "build_layout",
    "check_params",
    "classroom_layout",
    "default_params",
    "long_table_layout",
    "params_help",
    "rank_tables",
    "reception_layout",
    "rostrum_layout",
    "round_tables_layout",
    "seat_order",
    "side_of",
    "u_shape_layout",
]
