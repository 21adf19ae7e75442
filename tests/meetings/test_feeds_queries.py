"""A leader's feed of 2,000 events costs a handful of queries (DESIGN §10: ≤ 10)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from meetings.feeds import feed_create
from meetings.models import Attendance, Meeting, Role, Status, VcLink
from tests.factories import make_person
from tests.meetings.ics import events, parse, parse_icaljs

pytestmark = pytest.mark.django_db

N = 2000


@pytest.fixture
def busy_leader(leader, organiser, room):
    person = leader.person
    others = [make_person(f"参会人{i}") for i in range(3)]
    base = timezone.now().replace(microsecond=0) - dt.timedelta(days=150)
    meetings = []
    for i in range(N):
        start = base + dt.timedelta(hours=4 * i)  # one room, never overlapping
        status = (Status.APPROVED, Status.APPROVED, Status.PENDING, Status.CANCELLED)[i % 4]
        meetings.append(
            Meeting(
                title=f"第{i}次专题会议",
                room=room,
                start=start,
                end=start + dt.timedelta(hours=1),
                occupied_start=start - dt.timedelta(minutes=15),
                occupied_end=start + dt.timedelta(hours=1, minutes=15),
                organizer=organiser,
                status=status,
                description="研究部署有关工作",
                updated_at=timezone.now(),  # cancellations: recent, so they are all shown
                submitted_at=timezone.now(),  # bulk_create skips save(), which sets it
            )
        )
    Meeting.objects.bulk_create(meetings, batch_size=500)
    ids = list(Meeting.objects.order_by("pk").values_list("pk", flat=True))
    Attendance.objects.bulk_create(
        [
            Attendance(meeting_id=pk, person=p, role=Role.CHAIR if p == person else Role.ATTEND)
            for pk in ids
            for p in (person, *others)
        ],
        batch_size=2000,
    )
    VcLink.objects.bulk_create(
        [
            VcLink(
                meeting=m,
                provider="external",
                url=f"https://meeting.example.com/j/{m.pk}",
                occupied_start=m.occupied_start,
                occupied_end=m.occupied_end,
            )
            for m in Meeting.objects.filter(pk__in=ids[::10])
        ]
    )
    return person


def test_two_thousand_events_in_at_most_ten_queries(
    busy_leader, leader, django_assert_max_num_queries
):
    cache.clear()
    _, raw = feed_create(actor=leader, now=timezone.now(), person=busy_leader)
    client = Client()
    with django_assert_max_num_queries(10):
        response = client.get(f"/ical/{raw}.ics")
    assert response.status_code == 200
    cal = parse(response.content)
    assert len(events(cal)) == N
    assert sum(1 for e in events(cal) if "CONFERENCE" in e) == N // 10
    assert len(parse_icaljs(response.content)["events"]) == N
    # Repeat without If-None-Match: the bytes come from the cache.
    with django_assert_max_num_queries(3):
        again = client.get(f"/ical/{raw}.ics")
    assert again.content == response.content
    # A phone that sends its ETag back: no calendar is built, whatever the feed's size.
    with django_assert_max_num_queries(3):
        unchanged = client.get(f"/ical/{raw}.ics", HTTP_IF_NONE_MATCH=again["ETag"])
    assert unchanged.status_code == 304
    cache.clear()
