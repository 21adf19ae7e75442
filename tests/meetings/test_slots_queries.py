"""Find-a-time on a year of data for 20 leaders: a constant number of queries, whatever
the window, and the candidates are worked out in Python (no query per candidate)."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meetings.models import Attendance, Meeting, Status
from meetings.slots import RoomNeeds, slots_search
from tests.factories import NOW, make_person, make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_year(organiser):
    leaders = [make_person(f"领导{i}", is_leader=True, rank=i) for i in range(20)]
    rooms = [
        make_room(f"会议室{i}", capacity=10 + 10 * i, equipment=["projector"]) for i in range(6)
    ]
    meetings = []
    day = NOW.date()
    for offset in range(365):
        current = day + dt.timedelta(days=offset)
        if current.weekday() >= 5:
            continue
        for slot, hour in enumerate((9, 11, 14, 16)):
            start = dt.datetime.combine(current, dt.time(hour), tzinfo=NOW.tzinfo)
            end = start + dt.timedelta(hours=1, minutes=30)
            room = rooms[(offset + slot) % len(rooms)]
            meetings.append(
                Meeting(
                    title="会议",
                    start=start,
                    end=end,
                    room=room,
                    occupied_start=start - dt.timedelta(minutes=15),
                    occupied_end=end + dt.timedelta(minutes=15),
                    organizer=organiser,
                    status=Status.APPROVED,
                )
            )
    Meeting.objects.bulk_create(meetings, batch_size=500)
    saved = list(Meeting.objects.order_by("pk").values_list("pk", flat=True))
    Attendance.objects.bulk_create(
        [
            Attendance(meeting_id=pk, person=leaders[(i * 3 + k) % 20], order=k)
            for i, pk in enumerate(saved)
            for k in range(3)
        ],
        batch_size=1000,
    )
    return leaders, rooms


def _search(leaders, days: int):
    return slots_search(
        person_ids=[p.pk for p in leaders],
        duration=dt.timedelta(hours=1),
        window_start=NOW,
        window_end=NOW + dt.timedelta(days=days),
        now=NOW,
        needs=RoomNeeds(min_capacity=20, equipment=("projector",)),
    )


def test_query_count_does_not_grow_with_the_window(busy_year):
    leaders, _ = busy_year
    counts = []
    for days in (3, 14, 62):
        with CaptureQueriesContext(connection) as ctx:
            _search(leaders, days)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1] == counts[2] <= 6, counts


def test_a_busy_year_still_answers_at_once(busy_year):
    leaders, _ = busy_year
    began = time.perf_counter()
    slots = _search(leaders, 62)
    elapsed = time.perf_counter() - began
    # Four meetings a working day, each with three of the twenty: someone is always
    # busy in office hours, so the answer is early mornings and late afternoons.
    assert slots, "there are gaps between the meetings"
    assert all(s.start.astimezone(NOW.tzinfo).time() >= dt.time(8, 30) for s in slots)
    # A sanity bound, not a benchmark (those are in bench/): seconds would mean a query
    # per candidate crept back in.
    assert elapsed < 3, elapsed
