"""Two meetings never get one MCU number at the same time, also under concurrent requests.

Like test_concurrency.py: clients released together by a barrier against the threaded
live server, each request in its own thread and database connection. On SQLite the
IMMEDIATE transactions serialise them; on PostgreSQL the pool lock and the exclusion
constraint vclink_no_double_booking do.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth.models import Group

from core.roles import Role
from meetings.models import Meeting, VcLink
from tests.factories import make_meeting, make_pool, make_room, make_token, make_user
from tests.meetings.test_concurrency import Answer, post_json, race, slot, staff_tokens

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENTS = 10
POOL = ("8001", "8002", "8003")


@pytest.fixture(autouse=True)
def role_groups(transactional_db):
    for role in Role:
        Group.objects.get_or_create(name=role.value)


def assert_clean(answers: list[Answer], ok: int) -> None:
    for a in answers:
        assert a.status in (ok, 409), (a.status, a.raw)
        assert "database is locked" not in a.raw
        if a.status == 409:
            assert a.body.get("code") == "vc_pool_exhausted", a.raw
            assert set(a.body) == {"code", "message", "details"}


def assert_no_number_twice() -> None:
    active = list(VcLink.objects.filter(active=True).select_related("resource"))
    numbers = [link.resource.number for link in active]
    assert sorted(numbers) == sorted(POOL), numbers
    for link in active:
        clash = [
            other
            for other in active
            if other.pk != link.pk
            and other.resource_id == link.resource_id
            and other.occupied_start < link.occupied_end
            and link.occupied_start < other.occupied_end
        ]
        assert not clash, (link, clash)


def test_ten_bookings_wanting_a_number_from_a_pool_of_three(live_server):
    make_pool(*POOL)
    rooms = [make_room(f"会议室{i}", capacity=20) for i in range(CLIENTS)]
    start, end = slot(7, 10), slot(7, 11)
    requests = [
        (
            token,
            {
                "title": f"视频会{i}",
                "room_id": room.pk,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "vc": {"provider": "pool"},
            },
        )
        for i, (token, room) in enumerate(zip(staff_tokens(CLIENTS), rooms, strict=True))
    ]

    answers = race(f"{live_server.url}/api/v1/meetings", requests)

    assert_clean(answers, 201)
    won = [a for a in answers if a.status == 201]
    assert len(won) == len(POOL)
    assert sorted(a.body["vc"]["number"] for a in won) == sorted(POOL)
    assert_no_number_twice()
    # A refused link leaves no room booking behind.
    assert sorted(Meeting.objects.values_list("pk", flat=True)) == sorted(a.body["id"] for a in won)


def race_each(requests: list[tuple[str, str, dict[str, Any]]]) -> list[Answer]:
    """Like test_concurrency.race, with a URL of its own for each (url, token, payload)."""
    barrier = threading.Barrier(len(requests))
    answers: list[Answer | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def client(i: int, url: str, token: str, payload: dict[str, Any]) -> None:
        try:
            barrier.wait(timeout=30)
            answers[i] = post_json(url, token, payload)
        except BaseException as exc:  # reported below, a thread must not swallow it
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(i, *r)) for i, r in enumerate(requests)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert all(a is not None for a in answers), "a client did not finish"
    return [a for a in answers if a is not None]


def test_ten_booked_meetings_asking_for_a_number_at_once(live_server):
    make_pool(*POOL)
    start, end = slot(8, 14), slot(8, 15)
    requests = []
    for i in range(CLIENTS):
        organiser = make_user(f"organiser{i}", Role.STAFF)
        meeting = make_meeting(
            room=make_room(f"会议室{i}"), start=start, end=end, organizer=organiser
        )
        url = f"{live_server.url}/api/v1/meetings/{meeting.pk}/vc"
        requests.append((url, make_token(organiser), {"provider": "pool"}))

    answers = race_each(requests)

    assert_clean(answers, 201)
    assert sum(a.status == 201 for a in answers) == len(POOL)
    assert_no_number_twice()
