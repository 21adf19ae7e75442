"""The room board: the pure grid of rooms.board, and the page with its constant query count."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.timeutil import at_local, localtime
from meetings.models import Confidentiality, Status
from rooms.board import Occupation, day_board, week_board, week_of
from rooms.models import Room
from tests.conftest import client_for
from tests.factories import make_meeting, make_room

DAY = dt.date(2026, 12, 1)  # a Tuesday
EARLY = at_local(dt.date(2026, 11, 1), dt.time(8))  # a "now" long before DAY


def occ(
    key: int, room: Room, start: dt.datetime, end: dt.datetime, buffer: int = 15, **kw
) -> Occupation:
    pad = dt.timedelta(minutes=buffer)
    return Occupation(
        key=key,
        room_id=room.pk,
        start=start,
        end=end,
        occupied_start=start - pad,
        occupied_end=end + pad,
        title=kw.pop("title", f"会议{key}"),
        status=kw.pop("status", "approved"),
        status_label=kw.pop("status_label", "已确认"),
        **kw,
    )


def a_room(pk: int = 1, **kw) -> Room:
    # Unsaved rooms: the grid is pure and needs no database.
    return Room(pk=pk, name=kw.pop("name", f"会议室{pk}"), capacity=30, **kw)


def t(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return at_local(day, dt.time(hour, minute))


# --- the pure grid ------------------------------------------------------------------------


def test_a_meeting_is_placed_on_the_07_to_22_axis_with_its_buffers():
    room = a_room()
    board = day_board(day=DAY, rooms=[room], items=[occ(1, room, t(9), t(10))], now=EARLY)
    assert board.hours == list(range(7, 22))
    block = board.rows[0].blocks[0]
    # 15 hours wide: 09:00 is 2/15 in, one hour is 1/15 wide.
    assert block.left == pytest.approx(200 / 15) and block.width == pytest.approx(100 / 15)
    assert block.buffer_left == pytest.approx(175 / 15) and block.buffer_width == pytest.approx(
        150 / 15
    )
    assert "left:13.333%" in block.style and "." in block.buffer_style


def test_meetings_are_clipped_to_the_window_or_listed_beside_it():
    room = a_room()
    early = occ(1, room, t(6), t(8))
    late = occ(2, room, t(22, 30), t(23, 30))
    board = day_board(day=DAY, rooms=[room], items=[early, late], now=EARLY)
    row = board.rows[0]
    assert [b.item.key for b in row.blocks] == [1]
    block = row.blocks[0]
    assert block.left == 0 and block.starts_before and block.width == pytest.approx(100 / 15)
    assert row.outside == [late]


def test_overlapping_items_get_their_own_lanes():
    room = a_room()
    items = [occ(1, room, t(9), t(11)), occ(2, room, t(10), t(12)), occ(3, room, t(13), t(14))]
    row = day_board(day=DAY, rooms=[room], items=items, now=EARLY).rows[0]
    assert [b.lane for b in row.blocks] == [0, 1, 0]
    assert row.lanes == 2


def test_hours_outside_the_rooms_bookable_time_are_closed_and_past_hours_not_bookable():
    room = a_room(bookable_from=dt.time(8, 30), bookable_until=dt.time(18, 0))
    now = t(10, 15)
    slots = {s.hour: s for s in day_board(day=DAY, rooms=[room], items=[], now=now).rows[0].slots}
    assert slots[7].closed and not slots[8].closed and not slots[17].closed and slots[18].closed
    assert slots[9].past and not slots[10].past
    assert not slots[9].bookable and slots[11].bookable


def test_each_room_gets_only_its_own_meetings():
    one, two = a_room(1), a_room(2)
    board = day_board(day=DAY, rooms=[one, two], items=[occ(1, two, t(9), t(10))], now=EARLY)
    assert [len(r.blocks) for r in board.rows] == [0, 1]


def test_the_week_runs_monday_to_sunday_and_lists_meetings_per_day():
    room = a_room()
    overnight = occ(1, room, t(20), t(2, day=DAY + dt.timedelta(days=1)))
    morning = occ(2, room, t(9), t(10))
    board = week_board(day=DAY, rooms=[room], items=[overnight, morning])
    assert board.days == week_of(DAY) and board.days[0] == dt.date(2026, 11, 30)
    cells = board.rows[0].cells
    assert [c.day for c in cells] == board.days
    assert [o.key for o in cells[1].items] == [2, 1]
    assert [o.key for o in cells[2].items] == [1]
    assert overnight.time_label == "20:00–12-02 02:00"


# --- the page -----------------------------------------------------------------------------


def page_day() -> dt.date:
    return localtime(timezone.now()).date() + dt.timedelta(days=3)


@pytest.mark.django_db
def test_every_signed_in_user_sees_the_board_confidential_titles_masked(
    organiser, outsider, approver, room
):
    day = page_day()
    make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
        title="人事研究会",
        confidentiality=Confidentiality.CONFIDENTIAL,
    )
    make_meeting(
        room=room,
        start=at_local(day, dt.time(14)),
        end=at_local(day, dt.time(15)),
        organizer=organiser,
        title="公开的会",
    )
    outsider_html = client_for(outsider).get(f"/board/?date={day}").content.decode()
    assert (
        "内部会议" in outsider_html
        and "人事研究会" not in outsider_html
        and "公开的会" in outsider_html
    )
    assert "/meetings/new/?room=" not in outsider_html  # no click-to-book without the role
    for user in (organiser, approver):
        assert "人事研究会" in client_for(user).get(f"/board/?date={day}").content.decode()
    week_html = client_for(outsider).get(f"/board/?date={day}&view=week").content.decode()
    assert "内部会议" in week_html and "人事研究会" not in week_html


@pytest.mark.django_db
def test_the_board_shows_status_buffers_and_links(organiser, room, approval_room):
    day = page_day()
    confirmed = make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
        title="已确认的会",
    )
    held = make_meeting(
        room=approval_room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
        title="待批的会",
        status=Status.PENDING,
    )
    make_meeting(
        room=room,
        start=at_local(day, dt.time(11)),
        end=at_local(day, dt.time(12)),
        organizer=organiser,
        title="已取消的会",
        status=Status.CANCELLED,
    )
    html = client_for(organiser).get(f"/board/?date={day}").content.decode()
    assert f'href="/meetings/{confirmed.pk}/"' in html and f'href="/meetings/{held.pk}/"' in html
    assert 'class="block pending"' in html and "待审批" in html
    assert 'class="buffer"' in html
    assert "已取消的会" not in html
    assert f"/meetings/new/?room={room.pk}&amp;date={day.isoformat()}&amp;start=15:00" in html
    assert f"?date={(day - dt.timedelta(days=1)).isoformat()}" in html
    assert f"?date={(day + dt.timedelta(days=1)).isoformat()}" in html
    assert 'type="date"' in html


@pytest.mark.django_db
def test_a_bad_date_falls_back_to_today(organiser, room):
    response = client_for(organiser).get("/board/?date=2026-02-31")
    assert response.status_code == 200
    today = localtime(timezone.now()).date()
    assert f"{today.year}年{today.month}月{today.day}日" in response.content.decode()


def fill(n_rooms: int, per_room: int, organiser) -> None:
    day = page_day()
    for i in range(n_rooms):
        room = make_room(f"测试室{i:02d}", needs_approval=i % 3 == 0)
        for j in range(per_room):
            start = at_local(day, dt.time(7 + j))
            make_meeting(
                room=room,
                start=start,
                end=start + dt.timedelta(minutes=30),
                organizer=organiser,
                status=Status.PENDING if j % 2 else Status.APPROVED,
                confidentiality=Confidentiality.CONFIDENTIAL
                if j % 3 == 0
                else Confidentiality.NORMAL,
                setup_minutes=0,
                teardown_minutes=0,
            )


@pytest.mark.django_db
@pytest.mark.parametrize(("n_rooms", "per_room"), [(3, 2), (30, 12)])
@pytest.mark.parametrize("view", ["", "&view=week"])
def test_the_board_costs_a_constant_number_of_queries(
    n_rooms, per_room, view, organiser, outsider, approver, django_assert_max_num_queries
):
    fill(n_rooms, per_room, organiser)
    for user in (outsider, approver):
        client = client_for(user)
        with django_assert_max_num_queries(10):
            response = client.get(f"/board/?date={page_day()}{view}")
        assert response.status_code == 200
        assert response.content.decode().count("/meetings/") >= n_rooms * per_room


@pytest.mark.django_db
@pytest.mark.parametrize("view", ["", "&view=week"])
def test_the_query_count_does_not_grow_with_rooms_or_bookings(view, organiser, outsider, approver):
    # DESIGN §10: "independent of rooms and bookings" — the same count, not only ≤ 10.
    def count(user) -> int:
        client = client_for(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"/board/?date={page_day()}{view}").status_code == 200
        return len(captured.captured_queries)

    users = (organiser, outsider, approver)
    fill(2, 1, organiser)
    small = [count(user) for user in users]
    day = page_day()
    for i in range(20):
        room = make_room(f"大会议室{i:02d}")
        for j in range(6):
            start = at_local(day, dt.time(8 + 2 * j))
            make_meeting(
                room=room,
                start=start,
                end=start + dt.timedelta(hours=1),
                organizer=organiser,
                confidentiality=Confidentiality.CONFIDENTIAL if j % 2 else Confidentiality.NORMAL,
            )
            # Meetings on other days are in the table, not on the page.
            make_meeting(
                room=room,
                start=start - dt.timedelta(days=7),
                end=start - dt.timedelta(days=7) + dt.timedelta(hours=1),
                organizer=organiser,
            )
    assert [count(user) for user in users] == small


@pytest.mark.parametrize("date", ["0001-01-01", "9999-12-31"])
@pytest.mark.parametrize("view", ["", "week"])
def test_extreme_dates_fall_back_to_today(outsider, date, view):
    from tests.conftest import client_for

    assert client_for(outsider).get(f"/board/?date={date}&view={view}").status_code == 200
