"""A leader's calendar feed of 2,000 events: first build, cached repeat, 304, queries.

Feature: GET /ical/<token>.ics through the whole Django stack (token lookup, the ETag
query, the meetings and their rosters, icalendar, the cache), as a phone polls it:
- first build: the cache emptied before each fetch;
- repeat: an unchanged feed fetched again without If-None-Match (served from the cache);
- 304: fetched with the ETag of the last answer.
Floor: bare icalendar — a Calendar of the same 2,000 events built from plain Python
values already in memory (taken from the feature's own output before timing: the same
properties, texts and parameters) and serialised with `to_ical()`.
Targets (DESIGN §10): first build ≤ 1.5× the floor; repeat ≤ 0.05× the floor; 304
≤ 5 ms; ≤ 10 queries. The query counts are also tests (tests/meetings/test_feeds_*.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bench.common import (
    Case,
    Row,
    collect_garbage,
    interleaved,
    main,
    ms,
    progress,
    ratio,
    setup_django,
)

EVENTS = 2000
OTHERS = 8000  # meetings the leader does not attend, in the same table
REPS = 9
FAST_REPS = 200
MAX_QUERIES = 10

Props = list[tuple[str, Any, dict[str, Any]]]


def _plain(component: Any) -> Props:
    """A parsed component's properties as plain Python values and their parameters."""
    props: Props = []
    for name in component:
        prop = component[name]
        for value, p in (
            zip(component.decoded(name), prop, strict=True)
            if isinstance(prop, list)
            else [(component.decoded(name), prop)]
        ):
            # TZID comes back from the aware datetime itself, as in meetings/calendar.py.
            params = {k: v for k, v in getattr(p, "params", {}).items() if k != "TZID"}
            props.append((name.lower(), value, params))
    return props


def populate() -> str:
    """The leader, 2,000 meetings of theirs among 10,000, and a feed: its URL path.

    Call after `setup_django()`; also handy for profiling a fetch by hand.
    """
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from core.models import Person, Unit
    from core.roles import Role
    from meetings.feeds import feed_create
    from meetings.models import Attendance, Meeting, Status, VcLink
    from meetings.models import Role as AttendeeRole
    from rooms.models import Room

    organiser = User.objects.create_user("bench-staff")
    organiser.groups.add(Group.objects.get_or_create(name=Role.STAFF.value)[0])
    leader_user = User.objects.create_user("bench-leader")
    leader_user.groups.add(Group.objects.get_or_create(name=Role.LEADER.value)[0])
    unit = Unit.objects.create(name="县人民政府")
    leader = Person.objects.create(
        name="张建国", title="县长", unit=unit, rank=1, is_leader=True, user=leader_user
    )
    others = [
        Person.objects.create(name=name, title="副县长", unit=unit, rank=2 + i)
        for i, name in enumerate(("李明华", "王秀英", "陈志强"))
    ]
    rooms = Room.objects.bulk_create(
        [
            Room(name=f"第{i + 1}会议室", capacity=30, building="县政府大楼", floor="3")
            for i in range(10)
        ]
    )

    progress(f"feed: {EVENTS:,} meetings of the leader, {OTHERS:,} others")
    now = timezone.now().replace(microsecond=0)
    base = now - dt.timedelta(days=150)
    pad = dt.timedelta(minutes=15)
    meetings = []
    for i in range(EVENTS + OTHERS):
        start = base + dt.timedelta(hours=3 * (i // len(rooms)))
        meetings.append(
            Meeting(
                title=f"第{i}次县政府专题会议",
                room=rooms[i % len(rooms)],
                start=start,
                end=start + dt.timedelta(hours=1),
                occupied_start=start - pad,
                occupied_end=start + dt.timedelta(hours=1) + pad,
                organizer=organiser,
                status=(Status.APPROVED, Status.APPROVED, Status.PENDING, Status.CANCELLED)[i % 4],
                description="研究部署有关工作。\n请各单位主要负责同志参加。",
                confidentiality="confidential" if i % 10 == 3 else "normal",
                cancel_reason="时间调整" if i % 4 == 3 else "",
                updated_at=now,  # cancellations are recent: all of them still shown
                submitted_at=now,  # bulk_create skips save(), which would set it
            )
        )
    created = Meeting.objects.bulk_create(meetings, batch_size=2000)
    # Every fifth meeting is the leader's: spread over the same months as the others.
    mine = created[::5][:EVENTS]
    Attendance.objects.bulk_create(
        [
            Attendance(
                meeting=m,
                person=p,
                role=AttendeeRole.CHAIR if p == leader else AttendeeRole.ATTEND,
                order=k,
            )
            for m in mine
            for k, p in enumerate((leader, *others))
        ],
        batch_size=4000,
    )
    VcLink.objects.bulk_create(
        [
            VcLink(
                meeting=m,
                provider="external",
                url=f"https://vc.example.gov.cn/j/{m.pk}",
                number=f"8{m.pk:05d}",
                occupied_start=m.occupied_start,
                occupied_end=m.occupied_end,
            )
            for m in mine[::10]
        ]
    )
    _, raw = feed_create(actor=leader_user, now=timezone.now(), person=leader)
    return f"/ical/{raw}.ics"


def run() -> list[Row]:
    setup_django("feed")

    import icalendar
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    url = populate()
    client = Client()

    def fetch(headers: dict[str, str] | None = None) -> Any:
        return client.get(url, headers=headers)

    cache.clear()
    first = fetch()
    assert first.status_code == 200, first.status_code
    body = first.content
    etag = first["ETag"]

    # The floor's input: the very events of the feed, as plain values.
    parsed = icalendar.Calendar.from_ical(body)
    cal_props = _plain(parsed)
    vtimezone = parsed.walk("VTIMEZONE")[0]
    events = [_plain(e) for e in parsed.walk("VEVENT")]
    assert len(events) == EVENTS, len(events)

    def bare_icalendar() -> bytes:
        cal = icalendar.Calendar()
        for name, value, params in cal_props:
            cal.add(name, value, parameters=params)
        cal.add_component(vtimezone)
        for props in events:
            event = icalendar.Event()
            for name, value, params in props:
                event.add(name, value, parameters=params)
            cal.add_component(event)
        return bytes(cal.to_ical())

    floor_size = len(bare_icalendar())

    def first_build() -> None:
        response = fetch()
        assert response.status_code == 200 and response.content == body

    def repeat() -> None:
        response = fetch()
        assert response.status_code == 200 and len(response.content) == len(body)

    def not_modified() -> None:
        assert fetch({"If-None-Match": etag}).status_code == 304

    def queries(setup: Any, action: Any) -> int:
        setup()
        with CaptureQueriesContext(connection) as captured:
            action()
        return len(captured.captured_queries)

    q_first = queries(cache.clear, first_build)
    q_repeat = queries(lambda: None, repeat)
    q_304 = queries(lambda: None, not_modified)

    collect_garbage()
    progress(f"feed: {REPS} first builds and bare icalendar serialisations, interleaved")
    slow = interleaved(
        {
            "first": Case(first_build, setup=cache.clear),
            "floor": Case(bare_icalendar),
            "repeat": Case(repeat),
        },
        REPS,
    )
    progress(f"feed: {FAST_REPS} cached repeats and 304s")
    fast = interleaved({"repeat": Case(repeat), "304": Case(not_modified)}, FAST_REPS, warmup=5)

    t_floor = slow["floor"].median
    t_first = slow["first"].median
    t_repeat = fast["repeat"].median
    t_304 = fast["304"].median
    t_floor_wall = slow["floor"].wall_median
    size = f"{EVENTS:,} events, {len(body) / 1024:.0f} kB"
    floor_label = f"{ms(t_floor)} (bare icalendar)"
    return [
        Row(
            what="leader feed: first build",
            size=size,
            median=ms(t_first),
            floor=floor_label,
            ratio=ratio(t_first / t_floor),
            target="≤ 1.5× bare icalendar",
            met=t_first / t_floor <= 1.5,
            notes=[
                f"the floor's output is {floor_size / len(body):.2f}× the feed's size "
                "(the same events and properties); wall clock: "
                f"{ms(slow['first'].wall_median)} vs {ms(t_floor_wall)}",
            ],
        ),
        Row(
            what="leader feed: repeat fetch, no If-None-Match",
            size=size,
            median=ms(t_repeat),
            floor=floor_label,
            ratio=ratio(t_repeat / t_floor),
            target="≤ 0.05× (from the cache)",
            met=t_repeat / t_floor <= 0.05,
        ),
        Row(
            what="leader feed: 304 Not Modified",
            size=size,
            median=ms(t_304),
            floor="—",
            ratio="—",
            target="≤ 5 ms",
            met=t_304 <= 0.005,
            notes=[f"wall clock {ms(fast['304'].wall_median)}"],
        ),
        Row(
            what="leader feed: queries",
            size=size,
            median=f"{q_first} (first build)",
            floor=f"{q_repeat} (repeat), {q_304} (304)",
            ratio="—",
            target=f"≤ {MAX_QUERIES} queries",
            met=max(q_first, q_repeat, q_304) <= MAX_QUERIES,
        ),
    ]


if __name__ == "__main__":
    main("feed", run)
