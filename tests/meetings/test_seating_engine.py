"""The protocol rules of DESIGN §5, pinned as exact seat orders."""

from __future__ import annotations

from dataclasses import replace

import pytest

from core.exceptions import InvalidInput, NotEnoughSeats
from meetings.seating.engine import (
    Arrangement,
    Assignment,
    Fill,
    Options,
    Party,
    Person,
    PersonOrder,
    Precedence,
    StartSide,
    UnitOrder,
    Viewpoint,
    arrange,
    card_order,
    lock,
    move,
    reading,
    rearrange,
    reprint_plan,
    swap,
    unlock,
)
from meetings.seating.strokes import sort_by_strokes, stroke_count
from rooms.layouts import (
    Zone,
    classroom_layout,
    long_table_layout,
    reception_layout,
    rostrum_layout,
    round_tables_layout,
    u_shape_layout,
)


def leaders(count: int, **extra) -> list[Person]:
    """People named by their rank, so a reading is the rank order itself."""
    return [
        Person(str(i), f"领导{i}", rank=i, zone=Zone.ROSTRUM, **extra) for i in range(1, count + 1)
    ]


def row(layout, number: int = 1, zone: Zone = Zone.ROSTRUM):
    return [s for s in layout.seats if s.zone is zone and s.row == number]


def read(arrangement, seats, viewpoint: Viewpoint = Viewpoint.AUDIENCE) -> str:
    return " ".join(p or "_" for p in reading(arrangement, seats, viewpoint))


# --- 主席台 --------------------------------------------------------------------------------


def test_seven_on_the_rostrum_read_7_5_3_1_2_4_6_from_the_audience():
    layout = rostrum_layout([7])
    result = arrange(layout, leaders(7))
    assert read(result, row(layout)) == "7 5 3 1 2 4 6"
    assert read(result, row(layout), Viewpoint.ROSTRUM) == "6 4 2 1 3 5 7"
    assert result.viewpoint is Viewpoint.AUDIENCE


def test_eight_on_the_rostrum_read_7_5_3_1_2_4_6_8_from_the_audience():
    layout = rostrum_layout([8])
    result = arrange(layout, leaders(8))
    assert read(result, row(layout)) == "7 5 3 1 2 4 6 8"
    # No. 1 and No. 2 share the centre, No. 2 on No. 1's own left (the audience's right).
    x = {result.person_at(s.id): s.x for s in layout.seats}
    assert (x["1"], x["2"]) == (-0.5, 0.5)


def test_foreign_affairs_rule_mirrors_the_order():
    layout7, layout8 = rostrum_layout([7]), rostrum_layout([8])
    right = Options(precedence=Precedence.RIGHT)
    assert read(arrange(layout7, leaders(7), right), row(layout7)) == "6 4 2 1 3 5 7"
    assert read(arrange(layout8, leaders(8), right), row(layout8)) == "8 6 4 2 1 3 5 7"


def test_centre_point_variant_puts_no_1_alone_on_the_centre():
    layout = rostrum_layout([8], centre_point=True)
    result = arrange(layout, leaders(8), Options(centre_point=True))
    assert read(result, row(layout)) == "7 5 3 1 2 4 6 8"
    x = {result.person_at(s.id): s.x for s in layout.seats}
    assert x["1"] == 0 == layout.axis_x
    assert x["2"] == 1 and x["3"] == -1 and x["8"] == 4


def test_one_and_odd_counts_take_the_centre():
    layout = rostrum_layout([9])
    assert read(arrange(layout, leaders(1)), row(layout)) == "_ _ _ _ 1 _ _ _ _"
    assert read(arrange(layout, leaders(5)), row(layout)) == "_ _ 5 3 1 2 4 _ _"


def test_a_longer_row_seats_the_people_in_its_middle():
    layout = rostrum_layout([9])
    # Eight people cannot straddle the centre of nine seats: No. 1 takes the centre seat.
    assert read(arrange(layout, leaders(8)), row(layout)) == "_ 7 5 3 1 2 4 6 8"


def test_front_rows_fill_first_each_from_its_own_centre():
    layout = rostrum_layout([5, 7])
    result = arrange(layout, leaders(10))
    assert read(result, row(layout, 1)) == "5 3 1 2 4"
    assert read(result, row(layout, 2)) == "_ 10 8 6 7 9 _"


def test_the_chair_sits_in_the_front_row():
    layout = rostrum_layout([3, 3])
    people = [*leaders(5), Person("c", "主持人", rank=9, zone=Zone.ROSTRUM, chair=True)]
    result = arrange(layout, people)
    assert result.seat_of("c") in {s.id for s in row(layout, 1)}
    assert result.notes


def test_a_per_meeting_override_replaces_the_directory_rank():
    layout = rostrum_layout([3])
    people = [*leaders(3)[:2], Person("3", "领导3", rank=3, override=0, zone=Zone.ROSTRUM)]
    assert read(arrange(layout, people), row(layout)) == "2 3 1"


def test_classroom_front_row_follows_the_leaders_own_left():
    """Leaders facing the screen have their own left on the audience's left."""
    layout = classroom_layout(2, [7])
    people = [*leaders(7), *(Person(f"p{i}", f"人员{i}", rank=i) for i in range(3))]
    result = arrange(layout, people)
    assert read(result, row(layout, 1, Zone.AUDIENCE)) == "6 4 2 1 3 5 7"
    assert {result.seat_of(f"p{i}") for i in range(3)} <= {
        s.id for s in row(layout, 2, Zone.AUDIENCE)
    }


def test_u_shape_fills_from_the_middle_of_the_head_table():
    layout = u_shape_layout(5, 3)
    result = arrange(layout, [Person(str(i), f"人{i}", rank=i) for i in range(1, 10)])
    by_position = [result.person_at(s.id) for s in sorted(layout.seats, key=lambda s: s.position)]
    # left arm (door end first) · head table left→right · right arm (head end first)
    assert by_position == [None, "9", "7", "5", "3", "1", "2", "4", "6", "8", None]


# --- 台下 ------------------------------------------------------------------------------


def audience(units: dict[str, tuple[int, int]]) -> list[Person]:
    people = []
    for unit, (order, count) in units.items():
        people += [
            Person(f"{unit}{i}", f"{unit}{i}", rank=i, unit=unit, unit_order=order)
            for i in range(1, count + 1)
        ]
    return people


def grid(result: Arrangement, layout) -> list[list[str | None]]:
    rows = sorted({s.row for s in layout.in_zone(Zone.AUDIENCE)})
    return [
        [result.person_at(s.id) for s in sorted(row(layout, r, Zone.AUDIENCE), key=lambda s: s.x)]
        for r in rows
    ]


def test_audience_blocks_follow_the_customary_unit_order_row_by_row():
    layout = rostrum_layout([], 3, [4])
    people = audience({"财政局": (2, 3), "发改委": (1, 3), "教育局": (3, 2)})
    assert grid(arrange(layout, people), layout) == [
        ["发改委1", "发改委2", "发改委3", "财政局1"],
        ["财政局2", "财政局3", "教育局1", "教育局2"],
        [None, None, None, None],
    ]


def test_audience_can_fill_by_columns_from_the_right_with_gaps_and_new_rows():
    layout = rostrum_layout([], 3, [3])
    people = audience({"甲局": (1, 4), "乙局": (2, 2)})
    by_columns = arrange(layout, people, Options(fill=Fill.COLUMNS, start_side=StartSide.RIGHT))
    assert grid(by_columns, layout) == [
        [None, "甲局4", "甲局1"],
        [None, "乙局1", "甲局2"],
        [None, "乙局2", "甲局3"],
    ]
    gapped = arrange(layout, people, Options(unit_gap=1))
    assert grid(gapped, layout) == [
        ["甲局1", "甲局2", "甲局3"],
        ["甲局4", None, "乙局1"],
        ["乙局2", None, None],
    ]
    new_rows = arrange(layout, people, Options(unit_new_line=True))
    assert grid(new_rows, layout) == [
        ["甲局1", "甲局2", "甲局3"],
        ["甲局4", None, None],
        ["乙局1", "乙局2", None],
    ]


def test_gaps_are_given_up_with_a_note_when_seats_run_short():
    layout = rostrum_layout([], 2, [3])
    result = arrange(layout, audience({"甲局": (1, 4), "乙局": (2, 2)}), Options(unit_gap=2))
    assert len(result.assignments) == 6
    assert "留空" in result.notes[0]


def test_reserved_seats_are_kept_empty():
    layout = rostrum_layout([], 2, [3], reserved=["A1-01", "A1-02"])
    result = arrange(layout, audience({"甲局": (1, 3)}))
    assert grid(result, layout) == [[None, None, "甲局1"], ["甲局2", "甲局3", None]]


def test_units_and_names_can_go_by_strokes():
    layout = rostrum_layout([], 1, [6])
    people = [
        Person("1", "赵明", rank=1, unit="教育局"),
        Person("2", "丁一", rank=2, unit="财政局"),
        Person("3", "王五", rank=3, unit="财政局"),
        Person("4", "马六", rank=4, unit="财政局"),
        Person("5", "于八", rank=5, unit="公安局"),
    ]
    by_strokes = Options(unit_order=UnitOrder.STROKES, person_order=PersonOrder.STROKES)
    # Units: 公安局 (公 4 strokes) · 财政局 (财 7) · 教育局 (教 11); in 财政局: 丁 马 王.
    assert stroke_count("公") == 4 and stroke_count("财") == 7 and stroke_count("教") == 11
    assert grid(arrange(layout, people, by_strokes), layout) == [["5", "2", "4", "3", "1", None]]


def test_strokes_order_follows_count_then_first_strokes():
    # 丁 2 strokes; 于 (横横竖) before 马 (折折横): both 3 strokes, 横 comes first.
    assert sort_by_strokes(["王五", "马六", "于八", "丁一", "欧阳修", "李四", "张三"]) == [
        "丁一",
        "于八",
        "马六",
        "王五",
        "李四",
        "张三",
        "欧阳修",
    ]


# --- 会见 · 会谈 · 宴请 ------------------------------------------------------------------------


def party(side: Party, count: int) -> list[Person]:
    tag = "g" if side is Party.GUEST else "h"
    return [Person(f"{tag}{i}", f"{tag}{i}", rank=i, party=side) for i in range(1, count + 1)]


def test_courtesy_call_puts_the_chief_guest_on_the_hosts_right():
    layout = reception_layout(4)
    people = party(Party.HOST, 3) + party(Party.GUEST, 3)
    result = arrange(layout, people)
    host, guest = layout.by_id[result.seat_of("h1")], layout.by_id[result.seat_of("g1")]
    # Both face the door; the host's right hand is the audience's left.
    assert host.facing == 270 and guest.x < host.x
    assert {result.seat_of("g2"), result.seat_of("g3")} == {"L01", "L02"}  # guests down their side
    assert {result.seat_of("h2"), result.seat_of("h3")} == {"R01", "R02"}
    assert result.seat_of("g2") == "L01"  # nearest the principals first
    flipped = arrange(layout, people, Options(guest_on_host_right=False))
    assert layout.by_id[flipped.seat_of("g1")].x > layout.by_id[flipped.seat_of("h1")].x
    assert flipped.seat_of("g2") == "R01"


def test_talks_seat_guests_facing_the_door_principals_in_the_middle():
    layout = long_table_layout(7)
    result = arrange(layout, party(Party.HOST, 5) + party(Party.GUEST, 4))
    far, near = row(layout, 1, Zone.TABLE), row(layout, 2, Zone.TABLE)
    assert all(
        layout.by_id[result.seat_of(f"g{i}")].row == 1 for i in range(1, 5)
    )  # facing the door
    # Guests face the door (the audience side): their own left is the audience's right.
    assert read(result, far) == "_ _ g3 g1 g2 g4 _"
    # Hosts have their backs to the door: their own left is the audience's left.
    assert read(result, near) == "_ h4 h2 h1 h3 h5 _"
    people = party(Party.HOST, 5) + party(Party.GUEST, 4)
    mirrored = arrange(layout, people, Options(precedence=Precedence.RIGHT))
    assert read(mirrored, far) == "_ g4 g2 g1 g3 _ _"
    assert read(mirrored, near) == "_ h5 h3 h1 h2 h4 _"


def test_banquet_main_table_follows_the_host_and_deputy_pattern():
    layout = round_tables_layout(3, 10)
    result = arrange(layout, party(Party.HOST, 6) + party(Party.GUEST, 12))
    seats = {p: layout.by_id[s] for s, p in ((a.seat_id, a.person_id) for a in result.assignments)}
    host, deputy = seats["h1"], seats["h2"]
    assert host.table == deputy.table == "1"  # the main table
    assert host.y > deputy.y  # host faces the door (at the bottom); deputy opposite
    assert host.x == pytest.approx(deputy.x)
    # Host faces down: his right is the audience's left. Deputy faces up: his right is
    # the audience's right.
    assert seats["g1"].x < host.x < seats["g2"].x and seats["g1"].y > 0 and seats["g2"].y > 0
    assert seats["g4"].x < deputy.x < seats["g3"].x and seats["g3"].y < 0 and seats["g4"].y < 0
    assert {seats[f"g{i}"].table for i in range(1, 5)} == {"1"}
    # The rest of the main table: guests and hosts alternate, the host's right first.
    rest = [
        p
        for p, s in seats.items()
        if s.table == "1" and p not in {"h1", "h2", "g1", "g2", "g3", "g4"}
    ]
    assert sorted(rest) == ["g5", "g6", "h3", "h4"]
    assert seats["g5"].x < host.x and seats["h3"].x > host.x
    # Table 2 is led by the next host.
    assert seats["h5"].table == "2" and seats["h5"].position == 1


# --- locks, edits, errors ----------------------------------------------------------------


def test_locked_seats_keep_their_person_when_re_arranging():
    layout = rostrum_layout([7])
    first = arrange(layout, leaders(7))
    locked = lock(first, first.seat_of("6"))
    # No. 3 leaves and a new No. 2 arrives: everyone else moves, No. 6 stays put.
    people = [p for p in leaders(7) if p.id != "3"] + [
        Person("n", "新领导", rank=2, override=2, zone=Zone.ROSTRUM)
    ]
    again = rearrange(locked, layout, people)
    assert again.seat_of("6") == first.seat_of("6")
    assert again.by_seat[first.seat_of("6")].locked
    assert len(again.assignments) == 7


def test_locked_people_who_left_are_dropped_with_a_note():
    layout = rostrum_layout([3])
    first = lock(arrange(layout, leaders(3)), "R1-01")
    again = rearrange(first, layout, leaders(2))
    assert again.locked == {}
    assert "移除" in again.notes[-1]


def test_move_and_swap():
    layout = rostrum_layout([3], 1, [3])
    result = arrange(layout, leaders(2))
    empty = next(s.id for s in layout.seats if result.person_at(s.id) is None)
    moved = move(result, layout, "1", empty)
    assert moved.seat_of("1") == empty
    with pytest.raises(InvalidInput, match="已有人"):
        move(moved, layout, "1", moved.seat_of("2"))
    swapped = swap(result, layout, result.seat_of("1"), result.seat_of("2"))
    assert swapped.seat_of("1") == result.seat_of("2") and swapped.seat_of("2") == result.seat_of(
        "1"
    )
    locked = lock(result, result.seat_of("1"))
    with pytest.raises(InvalidInput, match="锁定"):
        swap(locked, layout, result.seat_of("1"), result.seat_of("2"))
    with pytest.raises(InvalidInput, match="锁定"):
        move(locked, layout, "1", empty)
    assert (
        swap(unlock(locked, result.seat_of("1")), layout, result.seat_of("1"), empty).seat_of("1")
        == empty
    )
    with pytest.raises(InvalidInput):
        lock(result, empty)
    with pytest.raises(InvalidInput, match="没有这个座位"):
        move(result, layout, "1", "Z9")


def test_more_people_than_seats_is_a_clear_error():
    layout = rostrum_layout([], 6, [10])
    people = [Person(str(i), f"人员{i}", rank=i) for i in range(200)]
    with pytest.raises(NotEnoughSeats) as error:
        arrange(layout, people)
    assert error.value.details["people"] == 200 and error.value.details["seats"] == 60
    assert "200" in error.value.message and "60" in error.value.message


@pytest.mark.parametrize(
    ("layout", "people"),
    [
        (rostrum_layout([3], 2, [5]), leaders(4)),
        (long_table_layout(3), party(Party.GUEST, 4)),
        (reception_layout(1), party(Party.HOST, 3)),
        (round_tables_layout(1, 8), party(Party.GUEST, 9)),
        (u_shape_layout(3, 1), [Person(str(i), "人", rank=i) for i in range(6)]),
    ],
)
def test_every_layout_refuses_to_drop_anyone(layout, people):
    with pytest.raises(NotEnoughSeats):
        arrange(layout, people)


def test_an_empty_roster_is_an_empty_arrangement():
    result = arrange(rostrum_layout([5], 2, [4]), [], Options(viewpoint=Viewpoint.ROSTRUM))
    assert result.assignments == () and result.viewpoint is Viewpoint.ROSTRUM


def test_bad_input_is_refused():
    layout = rostrum_layout([3])
    with pytest.raises(InvalidInput, match="重复"):
        arrange(layout, [*leaders(2), leaders(1)[0]])
    with pytest.raises(InvalidInput, match="没有这个座位"):
        arrange(layout, leaders(2), locked={"X1": "1"})
    with pytest.raises(InvalidInput, match="不在名单"):
        arrange(layout, leaders(2), locked={"R1-01": "9"})


def test_reprint_plan_lists_seats_cards_and_pages():
    layout = rostrum_layout([5])
    old_people = leaders(4)
    old = arrange(layout, old_people)
    # No. 4 leaves; No. 2's title changes; a new person ranks 5th.
    new_people = [p for p in old_people if p.id != "4"]
    new_people = [
        Person(p.id, p.name, rank=p.rank, zone=p.zone, title="常务副县长" if p.id == "2" else "")
        for p in new_people
    ] + [Person("5", "新人", rank=5, zone=Zone.ROSTRUM)]
    new = arrange(layout, new_people)
    plan = reprint_plan(old, new, old_people, new_people, layout)
    assert set(plan.cards_to_print) == {"2", "5"}
    assert plan.cards_to_discard == ("4",)
    order = card_order(new, layout)
    assert plan.card_pages == tuple(order.index(pid) + 1 for pid in plan.cards_to_print)
    assert plan.chart_pages == (1,)
    # The chart shows names (not 职务): only No. 5's seat, where No. 4 sat, changes.
    assert [(c.seat_id, c.before, c.after) for c in plan.seats] == [(new.seat_of("5"), "4", "5")]
    renamed_unit = [replace(p, unit="县财政局") if p.id == "1" else p for p in new_people]
    unit_only = reprint_plan(new, new, new_people, renamed_unit, layout)
    assert [c.seat_id for c in unit_only.seats] == [
        new.seat_of("1")
    ] and unit_only.cards_to_print == ()
    same = reprint_plan(new, new, new_people, new_people, layout)
    assert same.nothing and same.chart_pages == ()
    swapped = swap(new, layout, new.seat_of("1"), new.seat_of("3"))
    moved_only = reprint_plan(new, swapped, new_people, new_people, layout)
    assert moved_only.cards_to_print == () and set(moved_only.moved) == {"1", "3"}
    assert len(moved_only.seats) == 2


def test_assignments_come_in_seat_order_and_are_deterministic():
    layout = rostrum_layout([5], 2, [4])
    people = leaders(5) + audience({"甲局": (1, 6)})
    first, second = arrange(layout, people), arrange(layout, list(reversed(people)))
    assert first == second
    assert [a.seat_id for a in first.assignments][:5] == [
        "R1-01",
        "R1-02",
        "R1-03",
        "R1-04",
        "R1-05",
    ]
    assert isinstance(first.assignments[0], Assignment)
