"""Writes to a meeting's seating (DESIGN §5): arrange, move, swap, lock, mark printed.

Each service checks that the actor may change the meeting (its organiser or an admin,
meetings.access.can_edit), runs in one transaction with the plan's row locked (two staff
dragging names at once are applied one after the other, never interleaved), writes an
audit entry on the meeting — so the seating's history shows in the meeting's 操作记录 —
and returns the new state read back from the rows.

The rules themselves are the engine's (meetings/seating/engine.py); this module maps
rows to its dataclasses and back (meetings/seating/selectors.py) and stores the result.
A refusal (more people than seats, a locked seat) raises before anything is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction

from core.audit import audit_record
from core.exceptions import Conflict, InvalidInput, InvalidTransition, PermissionDenied
from core.timeutil import localtime
from meetings.access import can_edit
from meetings.models import Meeting, SeatAssignment, SeatingPlan, Status
from meetings.seating import engine
from meetings.seating.engine import Arrangement, Assignment, Person, Reprint
from meetings.seating.selectors import (
    LayoutChoice,
    SeatingOptions,
    SeatingState,
    compose,
    describe,
    load_rows,
    plan_room_changed,
    seating_state,
)
from rooms.layouts import check_params
from rooms.models import RoomLayout

# How the meeting page's 操作记录 names these entries and their fields.
AUDIT_ACTIONS = {
    "seating_arrange": "排座",
    "seating_move": "调座",
    "seating_swap": "换座",
    "seating_lock": "锁定座位",
    "seating_unlock": "解锁座位",
    "seating_print": "打印座次",
}
AUDIT_FIELDS = {
    "seated": "已排座人数",
    "locked_kept": "保留的锁定座位",
    "moved": "座位变动",
    "layout": "座位布局",
    "options": "排座选项",
    "document": "文件",
}

CHART = "seating_chart"
CARDS = "namecards"
DOCUMENTS = {CHART: "座次图", CARDS: "桌签"}
_CLOSED = (Status.CANCELLED, Status.REJECTED)


def _require_edit(actor: Any, meeting: Meeting) -> None:
    if not can_edit(actor, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以调整座次")
    if meeting.status in _CLOSED:
        raise InvalidTransition(f"会议{Status(meeting.status).label}，不能再调整座次")


def _locked_plan(meeting: Meeting, choice: LayoutChoice | None = None) -> SeatingPlan:
    """The meeting's plan, its row locked for this transaction; created on first use."""
    plan = SeatingPlan.objects.select_for_update().filter(meeting=meeting).first()
    if plan is not None:
        return plan
    if choice is None:
        _, room_layouts, _, _ = load_rows(meeting, plan=SeatingPlan(meeting=meeting))
        choice = compose(meeting, None, room_layouts, [], []).choice
    try:
        with transaction.atomic():
            plan = SeatingPlan.objects.create(
                meeting=meeting,
                layout=choice.source,
                kind=choice.kind,
                params=choice.params,
                options={"room_id": meeting.room_id},
            )
    except IntegrityError:
        # Another request created it a moment ago (one-to-one): use theirs, locked.
        plan = SeatingPlan.objects.select_for_update().get(meeting=meeting)
    return plan


def _state(meeting: Meeting, plan: SeatingPlan, **changes: Any) -> SeatingState:
    _, room_layouts, attendances, assignments = load_rows(meeting, plan=plan)
    return compose(meeting, plan, room_layouts, attendances, assignments, **changes)


def _moves(state: SeatingState, old: Arrangement, new: Arrangement) -> list[str]:
    """ "张三：台1-2 → 台1-3" for everyone whose seat changed (the audit's before/after)."""
    keys = [p.id for p in state.people]
    return [
        f"{state.name_of(key)}：{state.seat_label(old.seat_of(key))} → "
        f"{state.seat_label(new.seat_of(key))}"
        for key in keys
        if old.seat_of(key) != new.seat_of(key)
    ]


def _persist(state: SeatingState, plan: SeatingPlan, new: Arrangement, *, replace: bool) -> None:
    """Store `new`: every row again (`replace`), or only the rows that differ from the state."""
    if replace:
        plan.assignments.all().delete()
        added = list(new.assignments)
    else:
        old = set(state.arrangement.assignments)
        fresh = set(new.assignments)
        removed, added_set = old - fresh, fresh - old
        seats = {a.seat_id for a in removed | added_set}
        people = {state.attendances[a.person_id].pk for a in removed | added_set}
        # Delete before insert: swapping two seats would otherwise trip the unique
        # (plan, seat) index between two updates. Rows of people no longer seated (on
        # leave) go too when their old seat is taken now.
        plan.assignments.filter(seat_id__in=seats).delete()
        plan.assignments.filter(attendance_id__in=people).delete()
        added = sorted(added_set, key=lambda a: a.seat_id)
    SeatAssignment.objects.bulk_create(
        SeatAssignment(
            plan=plan,
            seat_id=a.seat_id,
            attendance=state.attendances[a.person_id],
            locked=a.locked,
        )
        for a in added
    )


def _guarded(fn: Any) -> Any:
    """A concurrent write that slipped past the row lock hits the unique indexes: a 409."""
    try:
        return fn()
    except IntegrityError:
        raise Conflict("座次刚被其他人修改，请刷新后重试") from None


# --- arrange ------------------------------------------------------------------------------


def seating_arrange(
    *,
    actor: Any,
    meeting: Meeting,
    now: dt.datetime,
    options: SeatingOptions | None = None,
    layout: RoomLayout | None = None,
    params: Mapping[str, Any] | None = None,
) -> SeatingState:
    """Seat the roster by protocol, keeping every locked seat's person where they are.

    `layout` switches to another layout of the meeting's room (a fresh copy of it);
    `params` adjusts the plan's copy (same kind). Options not given keep the stored ones.
    More people than seats raises `NotEnoughSeats` (422) and changes nothing.
    """
    _require_edit(actor, meeting)
    if layout is not None and layout.room_id != meeting.room_id:
        raise InvalidInput("该布局不属于本会议的会议室", field="layout_id")

    def run() -> SeatingState:
        with transaction.atomic():
            plan = _locked_plan(meeting)
            current = _state(meeting, plan)
            choice = current.choice
            if layout is not None:
                choice = LayoutChoice(layout.kind, dict(layout.params), layout)
            if params is not None:
                choice = LayoutChoice(choice.kind, check_params(choice.kind, params), choice.source)
            state = _state(meeting, plan, choice=choice, options=options or current.options)
            if not state.people:
                raise InvalidInput("没有参会人员，无法排座", field="attendees")
            result = engine.rearrange(
                state.arrangement, state.layout, state.people, state.options.engine
            )
            kept = len(result.locked)
            _persist(state, plan, result, replace=True)
            plan.layout = choice.source
            plan.kind, plan.params = choice.kind, choice.params
            plan.options = {**state.options.to_json(), "room_id": meeting.room_id}
            plan.updated_at = now
            plan.save()
            summary = f"排座：{len(result.assignments)} 人（{describe(state.options.engine)}）"
            if kept:
                summary += f"，{kept} 个锁定座位保持不变"
            audit_record(
                actor=actor,
                action="seating_arrange",
                obj=meeting,
                summary=summary,
                changes={
                    "seated": len(result.assignments),
                    **({"locked_kept": kept} if kept else {}),
                    "layout": state.layout.name or state.layout.kind.value,
                    "moved": _moves(state, state.arrangement, result),
                },
                at=now,
            )
            fresh = _state(meeting, plan)
            fresh.notes = [*fresh.notes, *result.notes]
            return fresh

    return _guarded(run)


# --- manual changes -----------------------------------------------------------------------


def _edit(
    *,
    actor: Any,
    meeting: Meeting,
    now: dt.datetime,
    action: str,
    change: Any,
    summary: Any,
) -> SeatingState:
    """Apply `change(state) -> Arrangement` to the stored seats, audited as `action`."""
    _require_edit(actor, meeting)

    def run() -> SeatingState:
        with transaction.atomic():
            plan = _locked_plan(meeting)
            if plan_room_changed(meeting, plan):
                # The stored seats belong to the old room: hand edits would mix two rooms.
                raise InvalidInput("会议已更换会议室，请先重新排座", field="seating")
            state = _state(meeting, plan)
            new: Arrangement = change(state)
            if new.assignments == state.arrangement.assignments:
                return state
            _persist(state, plan, new, replace=False)
            plan.updated_at = now
            plan.save(update_fields=["updated_at"])
            moved = _moves(state, state.arrangement, new)
            audit_record(
                actor=actor,
                action=action,
                obj=meeting,
                summary=summary(state, new),
                changes={"moved": moved} if moved else {},
                at=now,
            )
            return _state(meeting, plan)

    return _guarded(run)


def seating_move(
    *, actor: Any, meeting: Meeting, attendance_id: int, seat_id: str, now: dt.datetime
) -> SeatingState:
    """Put an attendee on an empty seat (from their seat, or unseated)."""

    def change(state: SeatingState) -> Arrangement:
        key = state.key_of(attendance_id)
        return engine.move(state.arrangement, state.layout, key, seat_id)

    def summary(state: SeatingState, new: Arrangement) -> str:
        key = state.key_of(attendance_id)
        old_seat = state.seat_label(state.arrangement.seat_of(key))
        return f"调座：{state.name_of(key)} {old_seat} → {state.seat_label(seat_id)}"

    return _edit(
        actor=actor,
        meeting=meeting,
        now=now,
        action="seating_move",
        change=change,
        summary=summary,
    )


def seating_swap(
    *, actor: Any, meeting: Meeting, seat_a: str, seat_b: str, now: dt.datetime
) -> SeatingState:
    """Exchange the occupants of two seats (either may be empty: then it is a move)."""

    def change(state: SeatingState) -> Arrangement:
        return engine.swap(state.arrangement, state.layout, seat_a, seat_b)

    def summary(state: SeatingState, new: Arrangement) -> str:
        a = state.name_of(state.arrangement.person_at(seat_a)) or "空座"
        b = state.name_of(state.arrangement.person_at(seat_b)) or "空座"
        return f"换座：{state.seat_label(seat_a)}（{a}）↔ {state.seat_label(seat_b)}（{b}）"

    return _edit(
        actor=actor,
        meeting=meeting,
        now=now,
        action="seating_swap",
        change=change,
        summary=summary,
    )


def seating_lock(
    *, actor: Any, meeting: Meeting, seat_id: str, locked: bool = True, now: dt.datetime
) -> SeatingState:
    """Lock a seat with its person (re-arranging leaves it alone), or unlock it."""

    def change(state: SeatingState) -> Arrangement:
        state.layout.seat(seat_id)  # 422 for a seat the layout does not have
        if locked:
            return engine.lock(state.arrangement, seat_id)
        return engine.unlock(state.arrangement, seat_id)

    def summary(state: SeatingState, new: Arrangement) -> str:
        who = state.name_of(state.arrangement.person_at(seat_id))
        verb = "锁定座位" if locked else "解锁座位"
        return f"{verb}：{state.seat_label(seat_id)}（{who}）"

    return _edit(
        actor=actor,
        meeting=meeting,
        now=now,
        action="seating_lock" if locked else "seating_unlock",
        change=change,
        summary=summary,
    )


def seating_unlock(*, actor: Any, meeting: Meeting, seat_id: str, now: dt.datetime) -> SeatingState:
    return seating_lock(actor=actor, meeting=meeting, seat_id=seat_id, locked=False, now=now)


# --- printing and what to print again -----------------------------------------------------


def snapshot_of(state: SeatingState, *, now: dt.datetime) -> dict[str, Any]:
    """What a printed document showed: the layout, who sat where, and how each read."""
    seated = {a.person_id for a in state.arrangement.assignments}
    return {
        "at": now.isoformat(),
        "layout": _layout_identity(state),
        "seats": {a.seat_id: a.person_id for a in state.arrangement.assignments},
        "people": {p.id: [p.name, p.title, p.unit] for p in state.people if p.id in seated},
    }


def _layout_identity(state: SeatingState) -> dict[str, Any]:
    return {
        "kind": state.choice.kind,
        "params": state.choice.params,
        "centre_point": state.options.engine.centre_point,
        "precedence": state.options.engine.precedence.value,
    }


def seating_mark_printed(
    *, actor: Any, meeting: Meeting, document: str, now: dt.datetime, detail: str = ""
) -> SeatingPlan:
    """Remember what `document` (座次图 or 桌签) showed when printed, for reprint detection."""
    if document not in DOCUMENTS:
        raise InvalidInput(f"未知的文件：{document}", field="document")
    if not can_edit(actor, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以登记打印")
    with transaction.atomic():
        plan = _locked_plan(meeting)
        state = _state(meeting, plan)
        printed = dict(plan.printed_snapshot or {})
        printed[document] = snapshot_of(state, now=now)
        plan.printed_snapshot = printed
        plan.printed_at = now
        plan.save(update_fields=["printed_snapshot", "printed_at"])
        label = DOCUMENTS[document] + (f"（{detail}）" if detail else "")
        audit_record(
            actor=actor,
            action="seating_print",
            obj=meeting,
            summary=f"打印{label}：{len(state.arrangement.assignments)} 人",
            changes={"document": label},
            at=now,
        )
    return plan


@dataclass(frozen=True)
class SeatChangeOut:
    seat_id: str
    label: str
    before: str  # name, "" for an empty seat
    after: str


@dataclass(frozen=True)
class ReprintNotice:
    """What must be printed again since the last print, in staff's words."""

    chart_printed_at: dt.datetime | None = None
    cards_printed_at: dt.datetime | None = None
    seats: tuple[SeatChangeOut, ...] = ()
    cards_to_print: tuple[tuple[str, int], ...] = ()  # (name, page in the new deck)
    cards_to_discard: tuple[str, ...] = ()
    card_pages: tuple[int, ...] = ()
    chart_pages: tuple[int, ...] = ()
    moved: tuple[str, ...] = ()  # people with another seat: the sign-in sheet's 座位 column
    layout_changed: bool = False
    notes: tuple[str, ...] = field(default=())

    @property
    def printed(self) -> bool:
        return self.chart_printed_at is not None or self.cards_printed_at is not None

    @property
    def count(self) -> int:
        """Places that changed: seats on the chart, plus cards that read differently."""
        changed = {c.seat_id for c in self.seats}
        names_on_changed = {c.after for c in self.seats} | {c.before for c in self.seats}
        extra = [n for n, _ in self.cards_to_print if n not in names_on_changed]
        extra += [n for n in self.cards_to_discard if n not in names_on_changed]
        return len(changed) + len(extra)

    @property
    def nothing(self) -> bool:
        return not (self.seats or self.cards_to_print or self.cards_to_discard or self.chart_pages)

    @property
    def message(self) -> str:
        if not self.printed:
            return "尚未打印座次图或桌签"
        if self.nothing:
            return "自上次打印后没有变动，无需重印"
        parts = []
        if self.cards_to_print:
            cards = "、".join(f"{name}（第 {page} 页）" for name, page in self.cards_to_print)
            parts.append(f"需重印桌签 {cards}")
        if self.cards_to_discard:
            parts.append(f"作废桌签 {'、'.join(self.cards_to_discard)}")
        if self.chart_pages:
            pages = "、".join(str(p) for p in self.chart_pages)
            parts.append(f"座次图第 {pages} 页")
        if self.moved:
            parts.append(f"签到表座位有变：{'、'.join(self.moved)}")
        return f"自上次打印后有 {self.count} 处变动：" + "；".join(parts)


def _snapshot_people(snapshot: Mapping[str, Any]) -> list[Person]:
    people = []
    for key, values in (snapshot.get("people") or {}).items():
        name, title, unit = [*list(values), "", "", ""][:3]
        people.append(Person(id=str(key), name=str(name), title=str(title), unit=str(unit)))
    return people


def _snapshot_arrangement(snapshot: Mapping[str, Any], state: SeatingState) -> Arrangement:
    seats = snapshot.get("seats") or {}
    return Arrangement(
        tuple(
            Assignment(str(seat), str(key))
            for seat, key in seats.items()
            if seat in state.layout.by_id
        )
    )


def _compare(snapshot: Mapping[str, Any], state: SeatingState) -> tuple[Reprint, bool]:
    changed_layout = snapshot.get("layout") != _layout_identity(state)
    old = _snapshot_arrangement(snapshot, state)
    plan = engine.reprint_plan(
        old, state.arrangement, _snapshot_people(snapshot), state.people, state.layout
    )
    return plan, changed_layout


def _printed_at(snapshot: Mapping[str, Any] | None) -> dt.datetime | None:
    if not snapshot or not snapshot.get("at"):
        return None
    try:
        return localtime(dt.datetime.fromisoformat(str(snapshot["at"])))
    except ValueError:
        return None


def seating_reprint_plan(state: SeatingState) -> ReprintNotice:
    """Which seats, cards and chart pages changed since each document was last printed.

    The 座次图 and the 桌签 are compared with what each showed when it was printed
    (printed separately, they have separate snapshots): the chart shows name and unit
    per seat, a card name and 职务 — so a person who merely moved keeps their card.
    """
    printed = (state.plan.printed_snapshot if state.plan else None) or {}
    chart_snap, cards_snap = printed.get(CHART), printed.get(CARDS)
    seats: tuple[SeatChangeOut, ...] = ()
    chart_pages: tuple[int, ...] = ()
    moved: tuple[str, ...] = ()
    layout_changed = False
    old_names: dict[str, str] = {}
    for snap in (chart_snap, cards_snap):
        for p in _snapshot_people(snap or {}):
            old_names.setdefault(p.id, p.name)

    def name(key: str | None, *, old: bool) -> str:
        if key is None:
            return ""
        if old:
            return old_names.get(key, key)
        return state.name_of(key)

    if chart_snap:
        chart, changed = _compare(chart_snap, state)
        layout_changed = changed
        seats = tuple(
            SeatChangeOut(
                c.seat_id,
                state.seat_label(c.seat_id),
                name(c.before, old=True),
                name(c.after, old=False),
            )
            for c in chart.seats
        )
        chart_pages = (1,) if (chart.chart_pages or changed) else ()
        moved = tuple(state.name_of(k) for k in chart.moved)
    cards_to_print: tuple[tuple[str, int], ...] = ()
    discard: tuple[str, ...] = ()
    pages: tuple[int, ...] = ()
    if cards_snap:
        cards, changed = _compare(cards_snap, state)
        layout_changed = layout_changed or changed
        cards_to_print = tuple(
            (state.name_of(k), page)
            for k, page in zip(cards.cards_to_print, cards.card_pages, strict=True)
        )
        discard = tuple(name(k, old=True) for k in cards.cards_to_discard)
        pages = cards.card_pages
        if not chart_snap:
            moved = tuple(state.name_of(k) for k in cards.moved)
    notes = ("座位布局或排座规则已改变，座次图需整页重印",) if layout_changed else ()
    return ReprintNotice(
        chart_printed_at=_printed_at(chart_snap),
        cards_printed_at=_printed_at(cards_snap),
        seats=seats,
        cards_to_print=cards_to_print,
        cards_to_discard=discard,
        card_pages=pages,
        chart_pages=chart_pages,
        moved=moved,
        layout_changed=layout_changed,
        notes=notes,
    )


__all__ = [
    "AUDIT_ACTIONS",
    "AUDIT_FIELDS",
    "CARDS",
    "CHART",
    "ReprintNotice",
    "SeatChangeOut",
    "seating_arrange",
    "seating_lock",
    "seating_mark_printed",
    "seating_move",
    "seating_reprint_plan",
    "seating_state",
    "seating_swap",
    "seating_unlock",
]
