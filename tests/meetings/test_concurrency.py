"""Never double-booked under concurrent requests (DESIGN §4), over real HTTP.

Sixteen clients, each with its own token, are released together by a barrier against
Django's threaded live server, so their requests really race in separate threads with
separate database connections: on SQLite the IMMEDIATE transactions serialise them, on
PostgreSQL the room lock and the exclusion constraint do.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.roles import Role
from core.timeutil import local_tz
from meetings.models import Meeting
from meetings.services import meeting_create
from tests.factories import make_room, make_token, make_user

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CLIENTS = 16


@pytest.fixture(autouse=True)
def role_groups(transactional_db):
    """The role groups come from a data migration; the flush after an earlier
    transactional test has wiped them out."""
    for role in Role:
        Group.objects.get_or_create(name=role.value)


@dataclass
class Answer:
    status: int
    body: dict[str, Any]
    raw: str


def post_json(url: str, token: str, payload: dict[str, Any]) -> Answer:
    request = urllib.request.Request(
        url,
        data=json.dumps(payload).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            raw = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as err:
        raw = err.read().decode()
        status = err.code
    try:
        body = json.loads(raw)
    except ValueError:
        body = {}
    return Answer(status, body, raw)


def race(url: str, requests: list[tuple[str, dict[str, Any]]]) -> list[Answer]:
    """Send every (token, payload) at once from its own thread; answers in request order."""
    barrier = threading.Barrier(len(requests))
    answers: list[Answer | None] = [None] * len(requests)
    errors: list[BaseException] = []

    def client(i: int, token: str, payload: dict[str, Any]) -> None:
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


def slot(days_ahead: int, hour: int, minute: int = 0) -> dt.datetime:
    """A time on a future day, in Beijing time, well inside the room's bookable hours."""
    day = timezone.localtime(timezone.now(), local_tz()).date() + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=local_tz())


def staff_tokens(n: int) -> list[str]:
    return [make_token(make_user(f"staff{i}", Role.STAFF)) for i in range(n)]


def assert_no_server_errors(answers: list[Answer]) -> None:
    for a in answers:
        assert a.status in (201, 409), (a.status, a.raw)
        assert "database is locked" not in a.raw
        if a.status == 409:
            assert a.body.get("code") == "booking_conflict", a.raw
            assert set(a.body) == {"code", "message", "details"}


def test_sixteen_requests_for_one_slot_give_exactly_one_booking(live_server):
    room = make_room("第一会议室", capacity=60)
    start, end = slot(7, 10), slot(7, 11)
    tokens = staff_tokens(CLIENTS)
    payload = {
        "title": "抢同一时段",
        "room_id": room.pk,
        "start": start.isoformat(),
        "end": end.isoformat(),
    }
    assert start.isoformat().endswith("+08:00")

    answers = race(f"{live_server.url}/api/v1/meetings", [(t, payload) for t in tokens])

    assert_no_server_errors(answers)
    assert sorted(a.status for a in answers) == [201] + [409] * (CLIENTS - 1)
    winner = next(a for a in answers if a.status == 201)
    blocking = list(Meeting.objects.blocking().filter(room=room))
    assert [m.pk for m in blocking] == [winner.body["id"]]
    for loser in (a for a in answers if a.status == 409):
        # The database's last guard (PostgreSQL's exclusion constraint) knows no ids.
        conflicts = loser.body["details"].get("conflicts")
        if conflicts is not None:
            assert [c["id"] for c in conflicts] == [winner.body["id"]]


def test_staggered_requests_never_overlap_through_the_buffers(live_server):
    # 30-minute meetings every 10 minutes, with 15-minute 布场/撤场 buffers: two of them
    # clash when their starts are less than an hour apart, although their own times
    # stop clashing at 30 minutes — so only the buffers keep some pairs apart.
    room = make_room("第二会议室", capacity=20, setup_minutes=15, teardown_minutes=15)
    base = slot(8, 9)
    tokens = staff_tokens(CLIENTS)
    requests = []
    for i, token in enumerate(tokens):
        start = base + dt.timedelta(minutes=10 * i)
        requests.append(
            (
                token,
                {
                    "title": f"错开{i}",
                    "room_id": room.pk,
                    "start": start.isoformat(),
                    "end": (start + dt.timedelta(minutes=30)).isoformat(),
                },
            )
        )

    answers = race(f"{live_server.url}/api/v1/meetings", requests)

    assert_no_server_errors(answers)
    won = list(Meeting.objects.blocking().filter(room=room).order_by("occupied_start"))
    assert {m.pk for m in won} == {a.body["id"] for a in answers if a.status == 201}
    assert len(won) >= 2
    for earlier, later in itertools.pairwise(won):
        assert earlier.occupied_end <= later.occupied_start, (earlier, later)
        assert later.start - earlier.start >= dt.timedelta(hours=1)
    # Every refusal was for a real clash with a booking that was made.
    for (_, payload), answer in zip(requests, answers, strict=True):
        if answer.status != 409:
            continue
        start = dt.datetime.fromisoformat(payload["start"]) - dt.timedelta(minutes=15)
        end = dt.datetime.fromisoformat(payload["end"]) + dt.timedelta(minutes=15)
        assert any(m.occupied_start < end and start < m.occupied_end for m in won), payload


def test_concurrent_service_calls_book_one_slot_once(transactional_db):
    """The same race one layer down, without HTTP: threads calling the service directly."""
    from django.db import connection

    room = make_room("常务会议室", capacity=30)
    users = [make_user(f"svc{i}", Role.STAFF) for i in range(8)]
    start, end = slot(9, 14), slot(9, 15)
    barrier = threading.Barrier(len(users))
    outcomes: list[str] = []
    lock = threading.Lock()

    def book(user: Any) -> None:
        try:
            barrier.wait(timeout=30)
            meeting_create(
                actor=user, title="并发", room=room, start=start, end=end, now=timezone.now()
            )
            result = "ok"
        except Exception as exc:
            result = type(exc).__name__ + ": " + str(exc)
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert outcomes.count("ok") == 1, outcomes
    assert all(o == "ok" or o.startswith("BookingConflict") for o in outcomes), outcomes
    assert Meeting.objects.blocking().filter(room=room).count() == 1
