"""The room board (/board/): its query count is constant, whatever the rooms and bookings.

Feature: GET /board/?date=… (day and week views), signed in, through the whole Django
stack, for three users (an outsider, staff, an approver: masking differs). The number
that matters is the query count (DESIGN §10: ≤ 10, independent of rooms and bookings):
measured with 5 rooms and 10 meetings, then with 50 rooms, 400 meetings on the day and
20,000 on other days. The page time is reported beside it, for scale. The same
contract is a test (tests/rooms/test_board.py), because a count does not depend on the
machine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from bench.common import Case, Row, interleaved, main, ms, progress, ratio, setup_django

SMALL_ROOMS, SMALL_PER_ROOM = 5, 2
ROOMS, PER_ROOM = 50, 8
HISTORY = 20_000
REPS = 15
MAX_QUERIES = 10


def run() -> list[Row]:
    setup_django("board")

    from django.contrib.auth.models import Group, User
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from core.models import Person, Unit
    from core.roles import Role
    from core.timeutil import at_local, localtime
    from meetings.models import Attendance, Confidentiality, Meeting, Status, VcLink
    from rooms.models import Room

    def user(name: str, *roles: Role) -> User:
        u = User.objects.create_user(name)
        for role in roles:
            u.groups.add(Group.objects.get_or_create(name=role.value)[0])
        return u

    outsider = user("bench-outsider")
    staff = user("bench-staff", Role.STAFF)
    approver = user("bench-approver", Role.APPROVER)
    unit = Unit.objects.create(name="县政府办公室")
    Person.objects.create(name="林晓燕", unit=unit, user=staff)
    clients = {}
    for u in (outsider, staff, approver):
        client = Client()
        client.force_login(u)
        clients[u.username] = client

    today = localtime(timezone.now()).date()
    day = today + dt.timedelta(days=7)
    pad = dt.timedelta(minutes=15)
    now = timezone.now()

    def add_rooms(first: int, count: int) -> list[Room]:
        return Room.objects.bulk_create(
            [
                Room(name=f"第{i + 1}会议室", capacity=20 + i, order=i, needs_approval=i % 4 == 0)
                for i in range(first, first + count)
            ]
        )

    def add_meetings(rooms: Sequence[Room], per_room: int, dates: Sequence[dt.date]) -> None:
        meetings = []
        for date in dates:
            for r, room in enumerate(rooms):
                for j in range(per_room):
                    start = at_local(date, dt.time(7 + j * 2))  # 07:00, 09:00, … 21:00
                    end = start + dt.timedelta(minutes=75)
                    meetings.append(
                        Meeting(
                            title=f"{room.name}专题会议{j + 1}",
                            start=start,
                            end=end,
                            room=room,
                            occupied_start=start - pad,
                            occupied_end=end + pad,
                            status=Status.PENDING if (r + j) % 3 == 0 else Status.APPROVED,
                            confidentiality=Confidentiality.CONFIDENTIAL
                            if (r + j) % 4 == 0
                            else Confidentiality.NORMAL,
                            organizer=staff if j % 2 else approver,
                            created_at=now,
                            updated_at=now,
                        )
                    )
        created = Meeting.objects.bulk_create(meetings, batch_size=2000)
        VcLink.objects.bulk_create(
            [
                VcLink(
                    meeting=m,
                    provider="external",
                    number=f"8{m.pk:05d}",
                    url=f"https://vc.example.gov.cn/j/{m.pk}",
                    occupied_start=m.occupied_start,
                    occupied_end=m.occupied_end,
                )
                for m in created[::5]
            ],
            batch_size=2000,
        )
        staff_person = Person.objects.get(user=staff)
        Attendance.objects.bulk_create(
            [Attendance(meeting=m, person=staff_person) for m in created[::7]], batch_size=2000
        )

    def page(client: Client, view: str) -> None:
        response = client.get(f"/board/?date={day.isoformat()}{view}")
        assert response.status_code == 200, response.status_code

    def counts(view: str) -> int:
        worst = 0
        for client in clients.values():
            page(client, view)  # sessions and caches settle: count a steady request
            with CaptureQueriesContext(connection) as captured:
                page(client, view)
            worst = max(worst, len(captured.captured_queries))
        return worst

    def time_pages(view: str) -> float:
        client = clients["bench-outsider"]  # masking through the attendance subquery
        times = interleaved({"page": Case(lambda: page(client, view))}, REPS, warmup=2)
        return times["page"].median

    views = {"day": "", "week": "&view=week"}
    progress(f"board: {SMALL_ROOMS} rooms, {SMALL_ROOMS * SMALL_PER_ROOM} meetings")
    small_rooms = add_rooms(0, SMALL_ROOMS)
    add_meetings(small_rooms, SMALL_PER_ROOM, [day])
    small = {name: counts(view) for name, view in views.items()}
    small_time = {name: time_pages(view) for name, view in views.items()}

    progress(f"board: {ROOMS} rooms, {ROOMS * PER_ROOM} meetings on the day, +{HISTORY:,} others")
    more = add_rooms(SMALL_ROOMS, ROOMS - SMALL_ROOMS)
    add_meetings(more, SMALL_PER_ROOM, [day])
    all_rooms = [*small_rooms, *more]
    # The rest of the day's meetings (later hours), then history on other days.
    extra = []
    for room in all_rooms:
        for j in range(SMALL_PER_ROOM, PER_ROOM):
            start = at_local(day, dt.time(7 + j * 2))
            extra.append((room, start))
    Meeting.objects.bulk_create(
        [
            Meeting(
                title=f"{room.name}会议",
                start=start,
                end=start + dt.timedelta(minutes=75),
                room=room,
                occupied_start=start - pad,
                occupied_end=start + dt.timedelta(minutes=75) + pad,
                status=Status.APPROVED,
                organizer=staff,
                created_at=now,
                updated_at=now,
            )
            for room, start in extra
        ]
    )
    history_days = [day - dt.timedelta(days=d) for d in range(1, HISTORY // (ROOMS * 2) + 1)]
    add_meetings(all_rooms, 2, history_days)
    on_day = Meeting.objects.filter(
        start__gte=at_local(day, dt.time.min), start__lt=at_local(day, dt.time.max)
    ).count()
    large = {name: counts(view) for name, view in views.items()}
    large_time = {name: time_pages(view) for name, view in views.items()}

    rows = []
    for name in views:
        steady = large[name] / small[name]
        rows.append(
            Row(
                what=f"room board ({name} view), queries",
                size=f"{ROOMS} rooms × 1 {name}, {on_day} meetings that day, "
                f"{Meeting.objects.count():,} in all",
                median=f"{large[name]} queries ({ms(large_time[name])})",
                floor=f"{small[name]} queries at {SMALL_ROOMS} rooms, "
                f"{SMALL_ROOMS * SMALL_PER_ROOM} meetings ({ms(small_time[name])})",
                ratio=ratio(steady),
                target=f"≤ {MAX_QUERIES} queries, same at {SMALL_ROOMS} and {ROOMS} rooms",
                met=large[name] <= MAX_QUERIES and large[name] == small[name],
                notes=[
                    "the worst of three users (outsider, staff, approver), whole request "
                    "with session and user; page time: outsider, median of "
                    f"{REPS}"
                ],
            )
        )
    return rows


if __name__ == "__main__":
    main("board", run)
