"""Booking create with its conflict checks, over 1,000 and 100,000 existing bookings.

Feature: `meetings.services.meeting_create` (permission, validation, the room lock, the
hard and soft conflict checks, the guarded insert, the audit entry) of a free slot.
Floor: a bare ORM insert of the same row: `Meeting.objects.bulk_create([row])`, which
sends no signals, so the floor leaves out what the application adds to every save (the
bookings version of rooms/versions.py), as it leaves out the rules.
Targets (DESIGN §10): ≤ 3× the floor with 100,000 bookings in the table, and flat —
≤ 1.5× — from 1,000 to 100,000 bookings.

The history is 50 rooms × two meetings a day over 1,000 days (years of it behind today),
inserted with bulk_create; the 1,000-booking stage holds every 100th of those rows, so
both stages span the same dates. New bookings go on free evenings after the history.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator

from bench.common import (
    Case,
    Row,
    Samples,
    collect_garbage,
    interleaved,
    main,
    ms,
    progress,
    ratio,
    setup_django,
)

ROOMS = 50
DAYS = 1000  # × 2 a day × 50 rooms = 100,000
TOTAL = ROOMS * DAYS * 2
SMALL = 1000
REPS = 300
FUTURE_DAYS = 29  # the history ends this many days ahead
SLOTS = ((dt.time(9), dt.time(10, 30)), (dt.time(14, 30), dt.time(16)))


def run() -> list[Row]:
    setup_django("booking")

    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.utils import timezone

    from core.roles import Role
    from core.timeutil import at_local, localtime
    from meetings.models import Confidentiality, Kind, Meeting, Priority, Status
    from meetings.services import meeting_create
    from rooms.models import Room

    staff = User.objects.create_user("bench-staff")
    staff.groups.add(Group.objects.get_or_create(name=Role.STAFF.value)[0])
    others = [User.objects.create_user(f"bench-user{i}") for i in range(5)]
    rooms = Room.objects.bulk_create(
        [
            Room(name=f"第{i + 1}会议室", capacity=20 + i, order=i, building="县政府大楼")
            for i in range(ROOMS)
        ]
    )
    today = localtime(timezone.now()).date()
    first_day = today - dt.timedelta(days=DAYS - FUTURE_DAYS)
    pad = dt.timedelta(minutes=15)
    created = timezone.now()

    def history(indices: Iterator[int], prefix: str) -> Iterator[Meeting]:
        # Index i → (day, room, slot), so any subset of indices spreads over all dates.
        for i in indices:
            day, rest = divmod(i, ROOMS * 2)
            room_index, slot = divmod(rest, 2)
            begin, finish = SLOTS[slot]
            date = first_day + dt.timedelta(days=day)
            start, end = at_local(date, begin), at_local(date, finish)
            yield Meeting(
                title=f"{prefix}{i}",
                kind=Kind.TOPIC,
                priority=Priority.NORMAL,
                start=start,
                end=end,
                room=rooms[room_index],
                occupied_start=start - pad,
                occupied_end=end + pad,
                status=Status.CANCELLED
                if i % 17 == 0
                else Status.PENDING
                if i % 7 == 3
                else Status.APPROVED,
                confidentiality=Confidentiality.CONFIDENTIAL
                if i % 9 == 4
                else Confidentiality.NORMAL,
                organizer=others[i % len(others)],
                created_at=created,
                updated_at=created,
            )

    def insert(indices: Iterator[int], prefix: str) -> None:
        rows = history(indices, prefix)
        while batch := list(itertools.islice(rows, 5000)):
            Meeting.objects.bulk_create(batch)

    slots = itertools.count()

    def next_slot() -> tuple[Room, dt.date]:
        # Each booking its own (room, evening), well after the history: always free.
        k = next(slots)
        return rooms[k % ROOMS], today + dt.timedelta(days=FUTURE_DAYS + 10 + k // ROOMS)

    def feature() -> None:
        room, date = next_slot()
        meeting_create(
            actor=staff,
            title="专题会议",
            start=at_local(date, dt.time(19)),
            end=at_local(date, dt.time(19, 45)),
            now=timezone.now(),
            room=room,
        )

    def floor() -> None:
        room, date = next_slot()
        now = timezone.now()
        start, end = at_local(date, dt.time(20, 30)), at_local(date, dt.time(21, 15))
        Meeting.objects.bulk_create(
            [
                Meeting(
                    title="专题会议",
                    kind=Kind.TOPIC,
                    priority=Priority.NORMAL,
                    start=start,
                    end=end,
                    room=room,
                    occupied_start=start - dt.timedelta(minutes=room.setup_minutes),
                    occupied_end=end + dt.timedelta(minutes=room.teardown_minutes),
                    status=Status.APPROVED,
                    organizer=staff,
                    created_at=now,
                    updated_at=now,
                )
            ]
        )

    def measure(label: str, warmup: int = 5) -> dict[str, Samples]:
        collect_garbage()
        progress(f"booking: {REPS} creates and {REPS} bare inserts at {label}")
        cases = {"feature": Case(feature), "floor": Case(floor)}
        return interleaved(cases, REPS, warmup=warmup)

    def in_small(i: int) -> bool:
        # One booking a day, in a different room each day: 1,000 over the same dates.
        return i % (ROOMS * 2) == (i // (ROOMS * 2)) % (ROOMS * 2)

    # 1,000 → 100,000 → 1,000 again: the two small stages' samples are pooled, so that a
    # change in the machine's load during the run weighs on both sides of the comparison.
    progress(f"booking: inserting {SMALL:,} existing bookings")
    insert((i for i in range(TOTAL) if in_small(i)), "历史会议")
    before = measure(f"{SMALL:,} bookings", warmup=50)
    progress(f"booking: inserting the other {TOTAL - SMALL:,} bookings (bulk_create)")
    insert((i for i in range(TOTAL) if not in_small(i)), "历史会议L")
    large = measure(f"{TOTAL:,} bookings")
    progress(f"booking: back to {SMALL:,} bookings")
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM meetings_meeting WHERE title LIKE %s", ["历史会议L%"])
    after = measure(f"{SMALL:,} bookings again")
    small = {
        name: Samples(before[name].cpu + after[name].cpu, before[name].wall + after[name].wall)
        for name in before
    }

    over_floor = large["feature"].median / large["floor"].median
    flatness = large["feature"].median / small["feature"].median
    return [
        Row(
            what="booking create with conflict check",
            size=f"{TOTAL:,} bookings, {ROOMS} rooms",
            median=ms(large["feature"].median),
            floor=f"{ms(large['floor'].median)} (bare ORM insert)",
            ratio=ratio(over_floor),
            target="≤ 3× bare insert",
            met=over_floor <= 3.0,
        ),
        Row(
            what="booking create: flat in history size",
            size="1,000 → 100,000 bookings",
            median=f"{ms(large['feature'].median)} at 100,000",
            floor=f"{ms(small['feature'].median)} at 1,000",
            ratio=ratio(flatness),
            target="≤ 1.5×",
            met=flatness <= 1.5,
            notes=[
                f"bare insert {ms(small['floor'].median)} at 1,000 and "
                f"{ms(large['floor'].median)} at 100,000 bookings; {REPS} of each per stage, "
                "interleaved; the 1,000 figures pool a stage before and one after the "
                f"100,000 one ({ms(before['feature'].median)} and "
                f"{ms(after['feature'].median)}); wall clock at 100,000: "
                f"{ms(large['feature'].wall_median)} vs {ms(large['floor'].wall_median)}"
            ],
        ),
    ]


if __name__ == "__main__":
    main("booking", run)
