"""Find-a-time against a brute-force oracle (hypothesis): the sweeps find exactly the
slots that checking every meeting against every candidate finds."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from core.timeutil import at_local, localtime
from core.workdays import is_workday
from meetings.slots import candidate_starts, compute_slots, merged
from rooms.models import Room

BASE = dt.date(2026, 12, 10)  # a Thursday: the window runs over a weekend
DAYS = 4


def moment(day: int, minute: int) -> dt.datetime:
    return at_local(BASE + dt.timedelta(days=day), dt.time(0)) + dt.timedelta(minutes=minute)


intervals = st.lists(
    st.builds(
        lambda d, m, length: (moment(d, m), moment(d, m) + dt.timedelta(minutes=length)),
        st.integers(0, DAYS),
        st.integers(0, 24 * 12 - 1).map(lambda x: x * 5),
        st.integers(1, 48).map(lambda x: x * 5),
    ),
    max_size=12,
)

rooms = st.lists(
    st.builds(
        lambda cap, setup, teardown, open_h, close_h: {
            "capacity": cap,
            "setup_minutes": setup,
            "teardown_minutes": teardown,
            "bookable_from": dt.time(open_h),
            "bookable_until": dt.time(close_h),
        },
        st.integers(1, 60),
        st.sampled_from([0, 5, 15, 30, 60]),
        st.sampled_from([0, 10, 15, 45]),
        st.integers(6, 10),
        st.integers(15, 23),
    ),
    min_size=0,
    max_size=4,
)


def oracle(
    *,
    duration,
    people,
    room_list,
    room_busy,
    hours_from,
    hours_to,
    working_days_only,
    not_before,
    needed,
    limit,
):
    """Every candidate checked against every interval, no merging, no binary search."""
    window_start, window_end = moment(0, 0), moment(DAYS, 24 * 60 - 1)
    out = []
    day = BASE
    while day <= BASE + dt.timedelta(days=DAYS):
        if working_days_only and not is_workday(day):
            day += dt.timedelta(days=1)
            continue
        minute = hours_from.hour * 60 + hours_from.minute
        while True:
            start = at_local(day, dt.time(0)) + dt.timedelta(minutes=minute)
            end = start + duration
            if end > at_local(day, hours_to) or end > window_end:
                break
            minute += 30
            if start < max(window_start, not_before):
                continue
            if any(s < end and start < e for s, e in people):
                continue
            free = []
            for room in room_list:
                ls, le = localtime(start), localtime(end)
                if not (
                    ls.date() == le.date()
                    and room.bookable_from <= ls.time()
                    and le.time() <= room.bookable_until
                ):
                    continue
                o_start = start - dt.timedelta(minutes=room.setup_minutes)
                o_end = end + dt.timedelta(minutes=room.teardown_minutes)
                if any(s < o_end and o_start < e for s, e in room_busy.get(room.pk, [])):
                    continue
                free.append(room)
            if free:
                free.sort(key=lambda r: (r.capacity - needed, r.order, r.name, r.pk))
                out.append((start, end, tuple(r.pk for r in free[:3])))
                if len(out) >= limit:
                    return out
        day += dt.timedelta(days=1)
    return out


@settings(max_examples=150, deadline=None)
@given(
    people=intervals,
    room_specs=rooms,
    busy_lists=st.lists(intervals, min_size=4, max_size=4),
    duration=st.sampled_from([15, 30, 45, 60, 90, 120, 240]).map(lambda m: dt.timedelta(minutes=m)),
    hours=st.sampled_from(
        [(dt.time(8, 30), dt.time(18)), (dt.time(0), dt.time(23, 30)), (dt.time(9), dt.time(12))]
    ),
    working_days_only=st.booleans(),
    not_before_minutes=st.integers(0, 3 * 24 * 60),
    needed=st.integers(1, 30),
    limit=st.integers(1, 20),
)
def test_sweeps_agree_with_brute_force(
    people,
    room_specs,
    busy_lists,
    duration,
    hours,
    working_days_only,
    not_before_minutes,
    needed,
    limit,
):
    room_list = [
        Room(pk=i + 1, name=f"R{i}", order=100, **spec) for i, spec in enumerate(room_specs)
    ]
    room_busy = {r.pk: busy_lists[i] for i, r in enumerate(room_list)}
    not_before = moment(0, 0) + dt.timedelta(minutes=not_before_minutes)
    hours_from, hours_to = hours
    got = compute_slots(
        starts=candidate_starts(
            window_start=moment(0, 0),
            window_end=moment(DAYS, 24 * 60 - 1),
            duration=duration,
            hours_from=hours_from,
            hours_to=hours_to,
            working_days_only=working_days_only,
            not_before=not_before,
        ),
        duration=duration,
        people_busy=people,
        rooms=room_list,
        rooms_busy=room_busy,
        needed=needed,
        limit=limit,
    )
    expected = oracle(
        duration=duration,
        people=people,
        room_list=room_list,
        room_busy=room_busy,
        hours_from=hours_from,
        hours_to=hours_to,
        working_days_only=working_days_only,
        not_before=not_before,
        needed=needed,
        limit=limit,
    )
    assert [(s.start, s.end, tuple(r.pk for r in s.rooms)) for s in got] == expected


@given(intervals)
def test_merging_keeps_exactly_the_busy_minutes(items):
    joined = merged(items)
    assert all(a[1] < b[0] for a, b in itertools.pairwise(joined))
    for day in range(DAYS + 1):
        for minute in range(0, 24 * 60, 5):
            t = moment(day, minute)
            assert any(s <= t < e for s, e in items) == any(s <= t < e for s, e in joined)
