"""Reads of a meeting's seating: its plan, the layout and the roster as engine data.

`seating_state(meeting)` costs four queries whatever the size of the roster (the plan,
its seat assignments, the roster with people and units, the room's layouts) and turns
the rows into the plain dataclasses of meetings/seating/engine.py. The services build on
the same `compose()` with the changes a write asks for, so a page, the API, the PDFs and
the writes all see one interpretation of the rows.

Who is seated, and where (the rules staff would apply by hand):
- everyone on the roster except 工作人员 and those on leave (请假); a 代参会 substitute
  takes the absent person's place, rank and card (Attendance.display_name);
- the engine's person id is stable across roster edits — `p<person id>` for people of
  the directory, `a<attendance id>` for ad-hoc guests — so a printed snapshot can still
  be compared after the roster was saved again;
- rank is the meeting's 本次排序号 when set, else the directory's 排序号; the unit order is
  the unit's 排序号; the 主持 sits in the front row;
- rostrum rooms: the 主持, 嘉宾 and county leaders (出席 with `is_leader`) go on the
  rostrum, everyone else to the audience; when the rostrum is too small the lowest
  ranked go to the audience's front, with a note. Classroom rooms: the same people take
  the front rows. Per-meeting overrides (options `zones`) win;
- 会见/会谈/宴请: 嘉宾 form the guests' party, everyone else the hosts' (options `parties`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from core.exceptions import InvalidInput
from meetings.models import Attendance, Meeting, Role, Rsvp, SeatAssignment, SeatingPlan
from meetings.seating.engine import (
    Arrangement,
    Assignment,
    Fill,
    Options,
    Party,
    Person,
    PersonOrder,
    StartSide,
    UnitOrder,
    Viewpoint,
    precedence_key,
)
from rooms.layouts import LayoutKind, Precedence, SeatLayout, Zone, build_layout, default_params
from rooms.models import RoomLayout

GUEST_RANK = 1000  # ad-hoc guests without a directory rank: after every ranked person
_NOT_SEATED_ROLES = {Role.STAFF}


# --- options ------------------------------------------------------------------------------

_OPTION_ENUMS: dict[str, type[StrEnum]] = {
    "precedence": Precedence,
    "viewpoint": Viewpoint,
    "fill": Fill,
    "start_side": StartSide,
    "unit_order": UnitOrder,
    "person_order": PersonOrder,
}
_OPTION_BOOLS = ("centre_point", "unit_new_line", "guest_on_host_right")
MAX_UNIT_GAP = 10


@dataclass(frozen=True)
class SeatingOptions:
    """The engine's options plus per-meeting overrides (attendance id → zone / party)."""

    engine: Options = field(default_factory=Options)
    zones: Mapping[int, Zone] = field(default_factory=dict)
    parties: Mapping[int, Party] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        e = self.engine
        return {
            "precedence": e.precedence.value,
            "centre_point": e.centre_point,
            "viewpoint": e.viewpoint.value,
            "fill": e.fill.value,
            "start_side": e.start_side.value,
            "unit_order": e.unit_order.value,
            "person_order": e.person_order.value,
            "unit_gap": e.unit_gap,
            "unit_new_line": e.unit_new_line,
            "guest_on_host_right": e.guest_on_host_right,
            "zones": {str(k): v.value for k, v in sorted(self.zones.items())},
            "parties": {str(k): v.value for k, v in sorted(self.parties.items())},
        }

    @classmethod
    def parse(cls, data: Mapping[str, Any], *, strict: bool = True) -> SeatingOptions:
        """Options from JSON; `strict` refuses unknown or bad values (input), otherwise they
        fall back to the defaults (rows stored by an older version)."""
        values: dict[str, Any] = {}
        problems: list[str] = []
        for key, value in data.items():
            if key in _OPTION_ENUMS:
                try:
                    values[key] = _OPTION_ENUMS[key](value)
                except ValueError:
                    choices = "、".join(m.value for m in _OPTION_ENUMS[key])
                    problems.append(f"{key} 只能是：{choices}")
            elif key in _OPTION_BOOLS:
                if isinstance(value, bool):
                    values[key] = value
                else:
                    problems.append(f"{key} 应为 true 或 false")
            elif key == "unit_gap":
                if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10:
                    values[key] = value
                else:
                    problems.append(f"unit_gap 应为 0–{MAX_UNIT_GAP} 的整数")
            elif key not in ("zones", "parties", "room_id"):
                problems.append(f"未知的排座选项：{key}")
        zones = _overrides(data.get("zones"), Zone, "zones", problems)
        parties = _overrides(data.get("parties"), Party, "parties", problems)
        bad_zones = [z for z in zones.values() if z not in (Zone.ROSTRUM, Zone.AUDIENCE)]
        if bad_zones:
            problems.append("zones 只能是 rostrum 或 audience")
        if problems and strict:
            raise InvalidInput("排座选项有误：" + "；".join(problems), field="options")
        if problems:
            zones = {k: z for k, z in zones.items() if z in (Zone.ROSTRUM, Zone.AUDIENCE)}
        return cls(Options(**values), zones, parties)


def _overrides(raw: Any, enum: type, name: str, problems: list[str]) -> dict[int, Any]:
    if raw in (None, {}):
        return {}
    if not isinstance(raw, Mapping):
        problems.append(f"{name} 应为对象（参会人员编号 → 取值）")
        return {}
    out: dict[int, Any] = {}
    for key, value in raw.items():
        try:
            out[int(key)] = enum(value)
        except (TypeError, ValueError):
            problems.append(f"{name}.{key} 无效")
    return out


def describe(options: Options) -> str:
    """The options as staff say them: 以左为上，单位按惯例顺序，按行."""
    parts = [options.precedence.label]
    if options.centre_point:
        parts.append("居中点变体")
    parts.append("单位按姓氏笔画" if options.unit_order is UnitOrder.STROKES else "单位按惯例顺序")
    parts.append("按列" if options.fill is Fill.COLUMNS else "按行")
    return "，".join(parts)


# --- the state ----------------------------------------------------------------------------


def person_key(attendance: Attendance) -> str:
    """The engine's id of an attendee, stable when the roster rows are written again."""
    return f"p{attendance.person_id}" if attendance.person_id else f"a{attendance.pk}"


def unit_short(attendance: Attendance) -> str:
    """The unit as a seat box shows it: the short name (财政局) where the directory has one."""
    if attendance.person is not None:
        unit = attendance.person.unit
        return unit.short_name or unit.name
    return attendance.guest_unit.strip()


def seatable(attendance: Attendance) -> bool:
    return attendance.role not in _NOT_SEATED_ROLES and attendance.rsvp != Rsvp.LEAVE


@dataclass(frozen=True)
class LayoutChoice:
    """Which layout a plan uses: a copy (kind, params) and the room layout it came from."""

    kind: str
    params: dict[str, Any]
    source: RoomLayout | None


@dataclass
class SeatingState:
    """A meeting's seating as the engine sees it, with the rows it came from."""

    meeting: Meeting
    plan: SeatingPlan | None
    choice: LayoutChoice
    layout: SeatLayout
    options: SeatingOptions
    people: list[Person]  # everyone to seat, in precedence order
    attendances: dict[str, Attendance]  # engine id → roster row (seated ones)
    arrangement: Arrangement
    room_layouts: list[RoomLayout]
    notes: list[str] = field(default_factory=list)

    @functools.cached_property
    def people_by_key(self) -> dict[str, Person]:
        return {p.id: p for p in self.people}

    @property
    def arranged(self) -> bool:
        return bool(self.arrangement.assignments)

    @property
    def unseated(self) -> list[Person]:
        return [p for p in self.people if self.arrangement.seat_of(p.id) is None]

    def key_of(self, attendance_id: int) -> str:
        for key, attendance in self.attendances.items():
            if attendance.pk == attendance_id:
                return key
        raise InvalidInput(
            "该人员不在本次会议的座位名单中（工作人员和请假人员不排座）", field="attendance_id"
        )

    def seat_label(self, seat_id: str | None) -> str:
        if seat_id is None:
            return "（未排）"
        seat = self.layout.by_id.get(seat_id)
        return (seat.label or seat.id) if seat else seat_id

    def name_of(self, key: str | None) -> str:
        if key is None:
            return ""
        person = self.people_by_key.get(key)
        return person.name if person else key


def plan_room_changed(meeting: Meeting, plan: SeatingPlan | None) -> bool:
    """The meeting moved to another room after it was seated: the old seats mean nothing."""
    if plan is None or not plan.kind or meeting.room_id is None:
        return False
    return (plan.options or {}).get("room_id") not in (None, meeting.room_id)


def _choice(
    meeting: Meeting, plan: SeatingPlan | None, room_layouts: Sequence[RoomLayout]
) -> tuple[LayoutChoice, list[str]]:
    """The plan's own copy; else the room's default layout; else one made for the room."""
    notes: list[str] = []
    if plan is not None and plan.kind:
        if not plan_room_changed(meeting, plan):
            return LayoutChoice(plan.kind, dict(plan.params or {}), plan.layout), notes
        notes.append("会议已更换会议室：座次已清空，请按新会议室的布局重新排座")
    room = meeting.room
    if room is None:
        raise InvalidInput("会议不在会议室举行，没有座位布局", field="room")
    default = next((lay for lay in room_layouts if lay.is_default), None) or next(
        iter(room_layouts), None
    )
    if default is not None:
        return LayoutChoice(default.kind, dict(default.params or {}), default), notes
    kind = room.layout if room.layout in LayoutKind._value2member_map_ else LayoutKind.LONG_TABLE
    return LayoutChoice(str(kind), default_params(kind, room.capacity), None), notes


def _zones(
    layout: SeatLayout, rows: Sequence[tuple[Attendance, Person]], options: SeatingOptions
) -> tuple[dict[str, Zone | None], list[str]]:
    """Who sits on the rostrum (or a classroom's front rows) and who in the audience."""
    kind = layout.kind
    if kind not in (LayoutKind.ROSTRUM, LayoutKind.CLASSROOM):
        return {}, []
    has_audience = bool(layout.in_zone(Zone.AUDIENCE))
    if kind is LayoutKind.ROSTRUM and not has_audience:
        return {p.id: Zone.ROSTRUM for _, p in rows}, []
    zones: dict[str, Zone | None] = {}
    automatic: list[Person] = []
    for attendance, person in rows:
        if attendance.pk in options.zones:
            zones[person.id] = options.zones[attendance.pk]
        elif attendance.role in (Role.CHAIR, Role.GUEST) or (
            attendance.role == Role.ATTEND
            and attendance.person is not None
            and attendance.person.is_leader
        ):
            automatic.append(person)
        else:
            zones[person.id] = Zone.AUDIENCE
    notes: list[str] = []
    if kind is LayoutKind.ROSTRUM:
        free = [s for s in layout.in_zone(Zone.ROSTRUM) if not s.reserved]
        room_left = len(free) - sum(1 for z in zones.values() if z is Zone.ROSTRUM)
        ranked = sorted(automatic, key=precedence_key)
        chair = [p for p in ranked if p.chair]
        ranked = chair + [p for p in ranked if not p.chair]  # the chair keeps a rostrum seat
        on_stage, below = ranked[: max(room_left, 0)], ranked[max(room_left, 0) :]
        for person in on_stage:
            zones[person.id] = Zone.ROSTRUM
        for person in below:
            zones[person.id] = Zone.AUDIENCE
        if below:
            names = "、".join(p.name for p in sorted(below, key=precedence_key))
            notes.append(f"主席台座位不足，{names}安排在台下")
    else:
        for person in automatic:
            zones[person.id] = Zone.ROSTRUM
    return zones, notes


def _parties(
    layout: SeatLayout, rows: Sequence[tuple[Attendance, Person]], options: SeatingOptions
) -> dict[str, Party]:
    if layout.kind not in (LayoutKind.RECEPTION, LayoutKind.LONG_TABLE, LayoutKind.ROUND):
        return {}
    out: dict[str, Party] = {}
    for attendance, person in rows:
        if attendance.pk in options.parties:
            out[person.id] = options.parties[attendance.pk]
        else:
            out[person.id] = Party.GUEST if attendance.role == Role.GUEST else Party.HOST
    return out


def _person(attendance: Attendance) -> Person:
    directory = attendance.person
    return Person(
        id=person_key(attendance),
        name=" ".join(attendance.display_name.split()),
        rank=directory.rank if directory is not None else GUEST_RANK,
        override=attendance.rank_override,
        title=" ".join(attendance.display_title.split()),
        unit=attendance.display_unit.strip(),
        unit_order=directory.unit.order if directory is not None else None,
        chair=attendance.role == Role.CHAIR,
    )


def roster_people(
    attendances: Iterable[Attendance], layout: SeatLayout, options: SeatingOptions
) -> tuple[list[Person], dict[str, Attendance], list[str]]:
    """Engine people for the seatable attendees (zones and parties set), in precedence order."""
    rows = [(a, _person(a)) for a in attendances if seatable(a)]
    zones, notes = _zones(layout, rows, options)
    parties = _parties(layout, rows, options)
    people = [replace(p, zone=zones.get(p.id), party=parties.get(p.id)) for _, p in rows]
    people.sort(key=precedence_key)
    return people, {p.id: a for a, p in rows}, notes


def stored_arrangement(
    assignments: Iterable[SeatAssignment],
    attendances: Mapping[str, Attendance],
    layout: SeatLayout,
    viewpoint: Viewpoint,
) -> tuple[Arrangement, list[str]]:
    """The stored seats of people still to be seated, on seats the layout still has."""
    key_of = {a.pk: key for key, a in attendances.items()}
    kept: list[Assignment] = []
    gone_seats: list[str] = []
    for row in assignments:
        key = key_of.get(row.attendance_id)
        if key is None:
            continue  # on leave now, or 工作人员: the seat is free again
        if row.seat_id not in layout.by_id:
            gone_seats.append(row.seat_id)
            continue
        kept.append(Assignment(row.seat_id, key, row.locked))
    notes = []
    if gone_seats:
        notes.append(
            f"这些座位已不在布局中，其人员待重新安排：{'、'.join(sorted(gone_seats)[:10])}"
        )
    return Arrangement(tuple(kept), viewpoint), notes


def compose(
    meeting: Meeting,
    plan: SeatingPlan | None,
    room_layouts: Sequence[RoomLayout],
    attendances: Sequence[Attendance],
    assignments: Sequence[SeatAssignment],
    *,
    choice: LayoutChoice | None = None,
    options: SeatingOptions | None = None,
) -> SeatingState:
    """The state from loaded rows; `choice` and `options` replace the stored ones (writes)."""
    notes: list[str] = []
    if choice is None:
        choice, notes = _choice(meeting, plan, room_layouts)
    if options is None:
        options = SeatingOptions.parse((plan.options if plan else None) or {}, strict=False)
    name = choice.source.name if choice.source is not None else ""
    layout = build_layout(
        choice.kind,
        choice.params,
        centre_point=options.engine.centre_point,
        precedence=options.engine.precedence,
        name=name,
    )
    people, by_key, zone_notes = roster_people(attendances, layout, options)
    if plan_room_changed(meeting, plan):
        assignments = []
    arrangement, seat_notes = stored_arrangement(
        assignments, by_key, layout, options.engine.viewpoint
    )
    return SeatingState(
        meeting=meeting,
        plan=plan,
        choice=choice,
        layout=layout,
        options=options,
        people=people,
        attendances=by_key,
        arrangement=arrangement,
        room_layouts=list(room_layouts),
        notes=[*notes, *zone_notes, *seat_notes],
    )


def load_rows(
    meeting: Meeting, *, plan: SeatingPlan | None = None
) -> tuple[SeatingPlan | None, list[RoomLayout], list[Attendance], list[SeatAssignment]]:
    """The rows behind a meeting's seating: four queries (three when `plan` is given)."""
    if plan is None:
        plan = SeatingPlan.objects.select_related("layout").filter(meeting=meeting).first()
    room_layouts = (
        list(RoomLayout.objects.filter(room_id=meeting.room_id)) if meeting.room_id else []
    )
    attendances = list(
        meeting.attendances.select_related("person", "person__unit").order_by(
            "order", "person__rank", "pk"
        )
    )
    assignments = list(plan.assignments.order_by("pk")) if plan is not None and plan.pk else []
    return plan, room_layouts, attendances, assignments


def seating_state(meeting: Meeting) -> SeatingState:
    """A meeting's seating for the page, the API and the PDFs."""
    plan, room_layouts, attendances, assignments = load_rows(meeting)
    return compose(meeting, plan, room_layouts, attendances, assignments)
