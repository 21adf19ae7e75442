"""Seat layout generators: ids, zones, coordinates, the centre line, table ranking."""

from __future__ import annotations

import pytest

from core.exceptions import InvalidInput
from rooms.layouts import (
    FeatureKind,
    LayoutKind,
    Precedence,
    Seat,
    SeatLayout,
    Zone,
    classroom_layout,
    long_table_layout,
    rank_tables,
    reception_layout,
    rostrum_layout,
    round_tables_layout,
    seat_order,
    u_shape_layout,
)


def test_rostrum_layout_has_rows_blocks_and_a_lectern():
    layout = rostrum_layout([7, 9], 3, [4, 6, 4], lectern="left", reserved=["A1-01"])
    assert layout.kind is LayoutKind.ROSTRUM
    rostrum = layout.in_zone(Zone.ROSTRUM)
    audience = layout.in_zone(Zone.AUDIENCE)
    assert len(rostrum) == 16 and len(audience) == 3 * 14
    assert {s.facing for s in rostrum} == {270.0} and {s.facing for s in audience} == {90.0}
    row1 = sorted((s for s in rostrum if s.row == 1), key=lambda s: s.x)
    assert [s.x for s in row1] == [-3, -2, -1, 0, 1, 2, 3]  # symmetric about the centre line
    assert min(s.y for s in rostrum if s.row == 2) > max(s.y for s in row1)  # back row further
    assert layout.by_id["A1-01"].reserved and layout.by_id["A1-01"].block == "左区"
    assert layout.by_id["A2-14"].label == "2排14号"
    kinds = {f.kind for f in layout.features}
    assert {FeatureKind.ROSTRUM, FeatureKind.LECTERN, FeatureKind.DOOR} <= kinds
    lectern = next(f for f in layout.features if f.kind is FeatureKind.LECTERN)
    assert lectern.x < 0  # left as seen from the audience


def test_centre_point_rows_put_a_seat_on_the_centre_line():
    standard = rostrum_layout([8])
    variant = rostrum_layout([8], centre_point=True)
    mirrored = rostrum_layout([8], centre_point=True, precedence=Precedence.RIGHT)
    assert sorted(s.x for s in standard.seats) == [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5]
    # The extra seat goes to the leaders' own left: the audience's right.
    assert sorted(s.x for s in variant.seats) == [-3, -2, -1, 0, 1, 2, 3, 4]
    assert sorted(s.x for s in mirrored.seats) == [-4, -3, -2, -1, 0, 1, 2, 3]


def test_seat_sides_come_from_the_facing():
    leader = Seat("x", Zone.ROSTRUM, 1, 1, 0, 0, facing=270)  # facing the audience
    assert leader.left_vector == pytest.approx((1, 0))  # own left = the audience's right
    pupil = Seat("y", Zone.AUDIENCE, 1, 1, 0, 0, facing=90)  # facing the front
    assert pupil.left_vector == pytest.approx((-1, 0))


def test_other_generators():
    talks = long_table_layout(7)
    assert len(talks.seats) == 14 and talks.door is not None
    assert {s.row for s in talks.seats} == {1, 2}
    u = u_shape_layout(5, 3)
    assert len(u.seats) == 11 and [s.position for s in u.seats] == list(range(1, 12))
    hollow = u_shape_layout(5, 3, closed=True)
    assert len(hollow.seats) == 5 + 6 + 4  # the foot is kept even so the line is symmetric
    room = classroom_layout(4, [5, 8, 5])
    assert len(room.seats) == 72 and {s.facing for s in room.seats} == {90.0}
    assert any(f.kind is FeatureKind.SCREEN for f in room.features)
    reception = reception_layout(4)
    assert len(reception.in_zone(Zone.PRINCIPAL)) == 2 and len(reception.in_zone(Zone.WING)) == 8


def test_round_tables_are_numbered_by_protocol_rank():
    layout = round_tables_layout(4, 10, per_row=3)
    ranked = rank_tables(layout)
    assert [t.label for t in ranked] == ["主桌", "2号桌", "3号桌", "4号桌"]
    main, second, third, fourth = ranked
    assert main.main and main.y > second.y  # the main table is the farthest from the door
    assert second.x == pytest.approx(main.x)  # nearest first
    # Same distance: the main host's right (he faces the door, so the audience's left) first.
    assert third.x < main.x < fourth.x
    host_seat = next(s for s in layout.seats if s.table == "1" and s.position == 1)
    assert host_seat.facing == pytest.approx(270)  # seat 1 faces the door


def test_seat_order_walks_zones_rows_and_positions():
    layout = rostrum_layout([3], 2, [2])
    assert [s.id for s in seat_order(layout)] == [
        "R1-01",
        "R1-02",
        "R1-03",
        "A1-01",
        "A1-02",
        "A2-01",
        "A2-02",
    ]


@pytest.mark.parametrize(
    "build",
    [
        lambda: rostrum_layout([-1]),
        lambda: rostrum_layout([5], 3, [100000]),
        lambda: round_tables_layout(2, 1),
        lambda: rostrum_layout([3], lectern="middle"),
    ],
)
def test_nonsense_parameters_are_refused(build):
    with pytest.raises(InvalidInput):
        build()


def test_duplicate_seat_ids_are_refused():
    seat = Seat("A", Zone.AUDIENCE, 1, 1, 0, 0)
    with pytest.raises(InvalidInput, match="重复"):
        SeatLayout(LayoutKind.CLASSROOM, (seat, seat))
