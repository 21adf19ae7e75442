"""Properties of the arrangement engine over random rooms, rosters, options and locks.

- every person gets exactly one seat, no seat is used twice, reserved seats stay empty;
- rank never breaks the rule: each rostrum row reads exactly as the independent
  "deque" construction of 以左为上 (…5 3 1 2 4…), and front rows outrank back rows;
- locked seats never move, whatever else changes;
- more people than seats is always `NotEnoughSeats`, never a silent drop.
"""

from __future__ import annotations

from collections import deque

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.exceptions import NotEnoughSeats
from meetings.seating.engine import (
    Arrangement,
    Fill,
    Options,
    Party,
    Person,
    Precedence,
    StartSide,
    UnitOrder,
    arrange,
    precedence_key,
    reading,
    rearrange,
)
from rooms.layouts import (
    SeatLayout,
    Zone,
    classroom_layout,
    long_table_layout,
    rostrum_layout,
    round_tables_layout,
    u_shape_layout,
)

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
UNITS = ["发改委", "财政局", "教育局", "公安局", "卫健委", ""]

options_strategy = st.builds(
    Options,
    precedence=st.sampled_from(list(Precedence)),
    fill=st.sampled_from(list(Fill)),
    start_side=st.sampled_from(list(StartSide)),
    unit_order=st.sampled_from(list(UnitOrder)),
    unit_gap=st.integers(0, 2),
    unit_new_line=st.booleans(),
)


@st.composite
def rostrum_rooms(draw: st.DrawFn) -> tuple[SeatLayout, list[Person]]:
    rows = draw(st.lists(st.integers(1, 13), min_size=0, max_size=3))
    audience_rows = draw(st.integers(0, 6))
    blocks = draw(st.lists(st.integers(1, 8), min_size=1, max_size=3))
    reserved = draw(st.sets(st.sampled_from([f"A1-{i:02d}" for i in range(1, 6)]), max_size=2))
    layout = rostrum_layout(rows, audience_rows, blocks, reserved=reserved)
    on_rostrum = draw(st.integers(0, sum(rows)))
    free_audience = sum(1 for s in layout.in_zone(Zone.AUDIENCE) if not s.reserved)
    in_audience = draw(st.integers(0, free_audience))
    ranks = st.integers(1, 30)  # duplicates on purpose: ties must still be stable
    people = [
        Person(f"r{i}", f"领导{i}", rank=draw(ranks), zone=Zone.ROSTRUM) for i in range(on_rostrum)
    ] + [
        Person(
            f"a{i}",
            f"人员{i}",
            rank=draw(ranks),
            unit=(unit := draw(st.sampled_from(UNITS))),
            unit_order=UNITS.index(unit) if unit else None,
        )
        for i in range(in_audience)
    ]
    return layout, draw(st.permutations(people))


def check_complete(layout: SeatLayout, people: list[Person], result: Arrangement) -> None:
    seats = [a.seat_id for a in result.assignments]
    persons = [a.person_id for a in result.assignments]
    assert len(set(seats)) == len(seats), "a seat used twice"
    assert sorted(persons) == sorted(p.id for p in people), "not exactly one seat each"
    assert set(seats) <= set(layout.by_id)


def deque_oracle(ranked: list[str], precedence: Precedence) -> list[str]:
    """以左为上 built independently: 1 in the middle, then left, right, left … ends."""
    line: deque[str] = deque()
    for i, person in enumerate(ranked):
        if i == 0:
            line.append(person)
        elif i % 2 == 1:
            line.append(person)  # the leaders' own left = the audience's right
        else:
            line.appendleft(person)
    read = list(line)
    return read if precedence is Precedence.LEFT else read[::-1]


@SETTINGS
@given(rostrum_rooms(), options_strategy)
def test_everyone_gets_exactly_one_seat_and_reserved_seats_stay_empty(room, options):
    layout, people = room
    result = arrange(layout, people, options)
    check_complete(layout, people, result)
    assert not any(layout.by_id[a.seat_id].reserved for a in result.assignments)


@SETTINGS
@given(rostrum_rooms(), st.sampled_from(list(Precedence)))
def test_rank_never_breaks_the_rostrum_rule(room, precedence):
    layout, people = room
    result = arrange(layout, people, Options(precedence=precedence))
    by_id = {p.id: p for p in people}
    rostrum_rows = sorted({s.row for s in layout.in_zone(Zone.ROSTRUM)})
    previous_worst = None
    for number in rostrum_rows:
        seats = [s for s in layout.in_zone(Zone.ROSTRUM) if s.row == number]
        seated = [p for p in reading(result, seats) if p is not None]
        if not seated:
            continue
        ranked = sorted(seated, key=lambda pid: precedence_key(by_id[pid]))
        assert seated == deque_oracle(ranked, precedence)
        # Front rows before back rows: everyone in this row outranks the next row.
        if previous_worst is not None:
            assert precedence_key(by_id[ranked[0]]) > previous_worst
        previous_worst = precedence_key(by_id[ranked[-1]])


@SETTINGS
@given(rostrum_rooms(), options_strategy)
def test_audience_units_sit_in_unit_order(room, options):
    layout, people = room
    options = Options(
        fill=options.fill, start_side=options.start_side, unit_gap=options.unit_gap
    )  # customary order
    result = arrange(layout, people, options)
    by_id = {p.id: p for p in people}
    audience_ids = [
        result.person_at(s.id)
        for s in _fill_order(layout, options)
        if result.person_at(s.id) is not None
    ]
    orders = [by_id[pid].unit_order for pid in audience_ids]
    keys = [o if o is not None else 99 for o in orders]
    assert keys == sorted(keys)


def _fill_order(layout: SeatLayout, options: Options) -> list:
    seats = layout.in_zone(Zone.AUDIENCE)
    reverse = options.start_side is StartSide.RIGHT
    if options.fill is Fill.ROWS:
        return sorted(seats, key=lambda s: (s.row, -s.x if reverse else s.x))
    return sorted(seats, key=lambda s: (-s.x if reverse else s.x, s.row))


@SETTINGS
@given(rostrum_rooms(), st.data())
def test_locked_seats_never_move(room, data):
    layout, people = room
    first = arrange(layout, people)
    if not first.assignments:
        return
    locked = data.draw(st.sets(st.sampled_from([a.seat_id for a in first.assignments]), max_size=4))
    kept = {seat: first.person_at(seat) for seat in locked}
    # Re-rank everybody and shuffle the roster: only the locked seats must stay.
    reranked = [
        Person(p.id, p.name, rank=data.draw(st.integers(1, 30)), unit=p.unit, zone=p.zone)
        for p in data.draw(st.permutations(people))
    ]
    previous = Arrangement(
        tuple(
            a if a.seat_id not in locked else type(a)(a.seat_id, a.person_id, True)
            for a in first.assignments
        )
    )
    again = rearrange(previous, layout, reranked, data.draw(options_strategy))
    check_complete(layout, reranked, again)
    for seat, person in kept.items():
        assert again.person_at(seat) == person
        assert again.by_seat[seat].locked


@SETTINGS
@given(st.integers(1, 40), st.integers(0, 20))
def test_more_people_than_seats_is_always_refused(seats, extra):
    layout = rostrum_layout([], 1, [seats])
    people = [Person(str(i), "人", rank=i) for i in range(seats + extra + 1)]
    try:
        arrange(layout, people)
    except NotEnoughSeats as error:
        assert error.details["people"] == len(people)
    else:
        raise AssertionError("someone was dropped silently")


@st.composite
def other_rooms(draw: st.DrawFn) -> tuple[SeatLayout, list[Person]]:
    kind = draw(st.sampled_from(["talks", "u", "classroom", "banquet"]))
    if kind == "talks":
        layout = long_table_layout(draw(st.integers(1, 12)))
        side = len(layout.seats) // 2
        guests, hosts = draw(st.integers(0, side)), draw(st.integers(0, side))
    elif kind == "u":
        layout = u_shape_layout(
            draw(st.integers(1, 9)), draw(st.integers(0, 6)), closed=draw(st.booleans())
        )
        guests, hosts = 0, draw(st.integers(0, len(layout.seats)))
    elif kind == "classroom":
        layout = classroom_layout(
            draw(st.integers(1, 5)), draw(st.lists(st.integers(1, 6), min_size=1, max_size=3))
        )
        guests, hosts = 0, draw(st.integers(0, len(layout.seats)))
    else:
        layout = round_tables_layout(draw(st.integers(1, 5)), draw(st.integers(2, 12)))
        total = draw(st.integers(0, len(layout.seats)))
        guests = draw(st.integers(0, total))
        hosts = total - guests
    leaders = draw(st.integers(0, hosts)) if kind == "classroom" else 0
    people = [
        Person(f"g{i}", "宾", rank=draw(st.integers(1, 9)), party=Party.GUEST)
        for i in range(guests)
    ]
    people += [
        Person(
            f"h{i}",
            "主",
            rank=draw(st.integers(1, 9)),
            party=Party.HOST,
            zone=Zone.ROSTRUM if i < leaders else None,
        )
        for i in range(hosts)
    ]
    return layout, draw(st.permutations(people))


@SETTINGS
@given(other_rooms(), st.sampled_from(list(Precedence)))
def test_every_layout_kind_seats_everyone_once(room, precedence):
    layout, people = room
    result = arrange(layout, people, Options(precedence=precedence))
    check_complete(layout, people, result)
