"""The availability answers come from the cache until a write changes availability.

Every way the data behind them changes (booking services, series, pre-emption, hold
expiry, the admin, the rooms' own services) must change the bookings version in the
same transaction (rooms/versions.py), or the next request would be served the old
answer. Each test asks first (and checks that the repeat really was a cache hit), then
writes, then asks again.

Transactional tests: inside a transaction the cache is bypassed on purpose, so the
ordinary `db` fixture would never exercise it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from core.models import Counter
from meetings.models import Attendance, Confidentiality, Kind, Meeting, Status, VcLink
from meetings.preemption import meeting_create_preempting
from meetings.series import occurrence_restore, series_update
from meetings.services import (
    holds_expire,
    meeting_approve,
    meeting_cancel,
    meeting_create,
    meeting_reject,
    meeting_update,
)
from rooms.models import Equipment, Room
from rooms.services import equipment_create, room_update, vc_resource_create
from rooms.versions import bookings_version, bump_bookings_version, cached_by_bookings
from tests.conftest import client_for
from tests.factories import NOW, at, make_meeting, make_person, make_room, make_token, make_user
from tests.meetings.series_support import book_series, by_day
from tests.rooms.test_room_admin_audit import room_form

pytestmark = pytest.mark.django_db(transaction=True)

# Tuesday 1 December 2026: 09:00–10:00, and the whole day.
HOUR = {"start": at(1, 9).isoformat(), "end": at(1, 10).isoformat()}
DAY = {"start": at(1, 0).isoformat(), "end": at(2, 0).isoformat()}


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def bearer(user: User) -> Client:
    return Client(headers={"authorization": f"Bearer {make_token(user)}"})


@pytest.fixture
def viewer(outsider) -> Client:
    return bearer(outsider)


def ask(client: Client, url: str, params: dict[str, Any]) -> Any:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


def asked_twice(client: Client, url: str, params: dict[str, Any]) -> Any:
    """The answer, asked twice; the repeat must come from the cache (token + version)."""
    first = ask(client, url, params)
    with CaptureQueriesContext(connection) as queries:
        again = ask(client, url, params)
    assert len(queries) == 2, [q["sql"] for q in queries]
    assert again == first
    return first


def free_ids(client: Client, params: dict[str, Any] = HOUR, *, warm: bool = False) -> list[int]:
    get = asked_twice if warm else ask
    return [r["id"] for r in get(client, "/api/v1/availability", params)["rooms"]]


def busy(client: Client, room: Room, *, warm: bool = False) -> list[tuple[int, str, str]]:
    get = asked_twice if warm else ask
    out = get(client, f"/api/v1/rooms/{room.pk}/availability", DAY)
    return [(b["meeting_id"], b["status"], b["start"]) for b in out["busy"]]


def free_periods(client: Client, room: Room) -> list[tuple[str, str]]:
    out = ask(client, f"/api/v1/rooms/{room.pk}/availability", DAY)
    return [(f["start"], f["end"]) for f in out["free"]]


def version_number() -> int:
    version = bookings_version()
    assert version is not None
    return int(version.split(".")[0])


# --- the cache itself ---------------------------------------------------------------------


def test_a_repeat_costs_the_token_and_the_version_query_only(viewer, room, organiser):
    make_meeting(room=room, start=at(1, 9), end=at(1, 10), organizer=organiser)
    free_ids(viewer, warm=True)
    busy(viewer, room, warm=True)


def test_a_write_that_bypasses_the_signals_is_not_seen_until_it_bumps(viewer, room, organiser):
    # Why every queryset .update()/bulk_create() on these models must bump by hand.
    assert free_ids(viewer, warm=True) == [room.pk]
    o_start, o_end = at(1, 8, 45), at(1, 10, 15)
    Meeting.objects.bulk_create(
        [
            Meeting(
                title="直接写入",
                room=room,
                start=at(1, 9),
                end=at(1, 10),
                occupied_start=o_start,
                occupied_end=o_end,
                organizer=organiser,
                status=Status.APPROVED,
            )
        ]
    )
    assert free_ids(viewer) == [room.pk]
    bump_bookings_version()
    assert free_ids(viewer) == []


def test_another_process_with_its_own_cache_never_serves_what_a_write_changed(room, organiser):
    # Two gunicorn workers: two local-memory caches, one database.
    first = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    second = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "second-process",
        }
    }
    client = bearer(make_user("viewer"))
    with override_settings(CACHES=first):
        assert free_ids(client, warm=True) == [room.pk]
    with override_settings(CACHES=second):
        # An empty cache builds the same answer; then this process books the room.
        assert free_ids(client, warm=True) == [room.pk]
        meeting_create(
            actor=organiser, title="专题会议", room=room, start=at(1, 9), end=at(1, 10), now=NOW
        )
        assert free_ids(client) == []
    with override_settings(CACHES=first):
        # The first process still holds its old answer, under the old version.
        assert free_ids(client) == []


def test_inside_a_transaction_the_cache_is_neither_read_nor_written(room):
    builds: list[int] = []

    def build() -> int:
        builds.append(1)
        return len(builds)

    assert cached_by_bookings(("test",), build) == 1
    assert cached_by_bookings(("test",), build) == 1
    with transaction.atomic():
        # This transaction could see its own uncommitted writes: never shared.
        assert cached_by_bookings(("test",), build) == 2
        assert cached_by_bookings(("test", "other"), build) == 3
    assert cached_by_bookings(("test", "other"), build) == 4


def test_a_rolled_back_write_leaves_the_version_as_it_was(room):
    before = bookings_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        room_update(actor=make_user("root", is_superuser=True), room=room, capacity=99)
        assert bookings_version() != before
        raise RuntimeError
    assert bookings_version() == before


def test_every_bump_raises_the_version_by_one():
    bump_bookings_version()
    start = version_number()
    for _ in range(3):
        bump_bookings_version()
    assert version_number() == start + 3
    # Folded as it goes: the counter does not grow a row per write.
    assert Counter.objects.filter(name__startswith="bookings").count() == 1


def test_a_counter_made_again_never_repeats_an_earlier_version():
    # A test database flushed between tests loses the row; a cached answer of the
    # previous test under the "same" number must not be served.
    bump_bookings_version()
    earlier = bookings_version()
    Counter.objects.filter(name__startswith="bookings").delete()
    assert bookings_version() is None
    bump_bookings_version()
    assert bookings_version() not in (None, earlier)


def test_a_migrate_changes_the_version():
    # A data migration writes through historical models, which send no signals we hear.
    bump_bookings_version()
    before = bookings_version()
    call_command("migrate", verbosity=0)
    assert bookings_version() != before


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL only")
def test_a_bump_never_waits_for_another_transactions_bump():
    import threading

    from django.db import connections

    bump_bookings_version()
    start = version_number()
    bumped, release = threading.Event(), threading.Event()

    def other() -> None:
        try:
            with transaction.atomic():
                bump_bookings_version()
                bumped.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=other)
    thread.start()
    try:
        assert bumped.wait(10)
        with transaction.atomic():
            with connection.cursor() as cursor:
                # Waiting for the other transaction's row would fail here, not hang.
                cursor.execute("SET LOCAL lock_timeout = '1s'")
            bump_bookings_version()
    finally:
        release.set()
        thread.join(10)
    assert version_number() == start + 2


# --- confidential meetings: masked per viewer, whoever asked first ------------------------


@pytest.mark.parametrize("first", ["organiser", "outsider"])
def test_a_confidential_title_is_masked_for_each_viewer_whoever_asked_first(
    first, room, organiser, outsider
):
    secret = make_meeting(
        room=room,
        start=at(1, 9),
        end=at(1, 10),
        organizer=organiser,
        title="人事议题",
        confidentiality=Confidentiality.CONFIDENTIAL,
    )
    clients = {"organiser": bearer(organiser), "outsider": bearer(outsider)}
    order = [first, *(k for k in clients if k != first)]
    seen = {}
    for _ in range(2):
        for who in order:
            out = ask(clients[who], f"/api/v1/rooms/{room.pk}/availability", DAY)
            seen[who] = [(b["meeting_id"], b["title"], b["masked"]) for b in out["busy"]]
    assert seen["organiser"] == [(secret.pk, "人事议题", False)]
    assert seen["outsider"] == [(secret.pk, "内部会议", True)]


def test_someone_added_to_a_confidential_meeting_sees_its_title_at_once(room, organiser, outsider):
    secret = make_meeting(
        room=room,
        start=at(1, 9),
        end=at(1, 10),
        organizer=organiser,
        title="人事议题",
        confidentiality=Confidentiality.CONFIDENTIAL,
    )
    client = bearer(outsider)
    url = f"/api/v1/rooms/{room.pk}/availability"
    assert [b["title"] for b in ask(client, url, DAY)["busy"]] == ["内部会议"]
    # A roster change moves no booking (no new version): who sees what is asked anew.
    Attendance.objects.create(meeting=secret, person=make_person(user=outsider))
    assert [b["title"] for b in ask(client, url, DAY)["busy"]] == ["人事议题"]


# --- every write path ---------------------------------------------------------------------


def test_booking_cancelling_approving_and_rejecting(viewer, organiser, approver, room):
    assert free_ids(viewer, warm=True) == [room.pk]
    booked = meeting_create(
        actor=organiser, title="专题会议", room=room, start=at(1, 9), end=at(1, 10), now=NOW
    )
    assert free_ids(viewer, warm=True) == []
    meeting_cancel(meeting=booked, actor=organiser, now=NOW)
    assert free_ids(viewer, warm=True) == [room.pk]

    gated = make_room("常务会议室", capacity=30, needs_approval=True)
    held = meeting_create(
        actor=organiser, title="常务会议", room=gated, start=at(1, 14), end=at(1, 15), now=NOW
    )
    assert busy(viewer, gated, warm=True) == [(held.pk, "pending", at(1, 14).isoformat())]
    meeting_approve(meeting=held, actor=approver, now=NOW)
    assert busy(viewer, gated, warm=True) == [(held.pk, "approved", at(1, 14).isoformat())]

    other = meeting_create(
        actor=organiser, title="专题会议", room=gated, start=at(1, 16), end=at(1, 17), now=NOW
    )
    assert [b[0] for b in busy(viewer, gated, warm=True)] == [held.pk, other.pk]
    meeting_reject(meeting=other, actor=approver, now=NOW, note="时间另议")
    assert [b[0] for b in busy(viewer, gated)] == [held.pk]


def test_moving_a_meeting_in_time_and_to_another_room(viewer, organiser, room):
    second = make_room("第二会议室", capacity=60)
    meeting = meeting_create(
        actor=organiser, title="专题会议", room=room, start=at(1, 9), end=at(1, 10), now=NOW
    )
    assert free_ids(viewer, warm=True) == [second.pk]
    meeting_update(meeting=meeting, actor=organiser, now=NOW, start=at(1, 14), end=at(1, 15))
    assert sorted(free_ids(viewer, warm=True)) == sorted([room.pk, second.pk])
    assert busy(viewer, room, warm=True) == [(meeting.pk, "approved", at(1, 14).isoformat())]
    meeting_update(meeting=meeting, actor=organiser, now=NOW, room=second)
    assert busy(viewer, room) == []
    assert busy(viewer, second) == [(meeting.pk, "approved", at(1, 14).isoformat())]


def test_a_series_its_edit_and_an_occurrence_cancelled_and_restored(viewer, organiser, room):
    monday = {"start": at(7, 0).isoformat(), "end": at(8, 0).isoformat()}
    url = f"/api/v1/rooms/{room.pk}/availability"

    def mondays_busy() -> list[str]:
        return [b["start"] for b in asked_twice(viewer, url, monday)["busy"]]

    assert mondays_busy() == []
    series = book_series(organiser, room).series  # Mondays 09:00–10:00 from 7 December
    assert mondays_busy() == [at(7, 9).isoformat()]
    series_update(
        series=series,
        actor=organiser,
        now=NOW,
        scope="all",
        start_time=dt.time(14, 0),
        end_time=dt.time(15, 0),
    )
    assert mondays_busy() == [at(7, 14).isoformat()]
    first = by_day(series)[7]
    meeting_cancel(meeting=first, actor=organiser, now=NOW)
    assert mondays_busy() == []
    first.refresh_from_db()
    occurrence_restore(meeting=first, actor=organiser, now=NOW)
    assert mondays_busy() == [at(7, 14).isoformat()]


def test_preemption_moves_the_lower_meeting(viewer, admin, organiser):
    big = make_room("大会议室", capacity=80, equipment=["projector"], order=1)
    fitting = make_room("第二会议室", capacity=20, equipment=["projector"], order=2)
    lower = make_meeting(
        room=big, organizer=organiser, start=at(1, 9), end=at(1, 10), expected_attendance=12
    )
    assert busy(viewer, fitting, warm=True) == []
    winner = meeting_create_preempting(
        actor=admin,
        now=NOW,
        title="省政府电视电话会议",
        kind=Kind.TELECONFERENCE,
        start=at(1, 9, 30),
        end=at(1, 11),
        room=big,
    )
    assert busy(viewer, fitting) == [(lower.pk, "approved", at(1, 9).isoformat())]
    assert [b[0] for b in busy(viewer, big)] == [winner.pk]


def test_an_expired_hold_frees_the_room(viewer, organiser, approval_room):
    held = meeting_create(
        actor=organiser,
        title="专题会议",
        room=approval_room,
        start=at(1, 9),
        end=at(1, 10),
        now=at(27, 9, month=11),
    )
    assert held.status == Status.PENDING
    assert busy(viewer, approval_room, warm=True) == [(held.pk, "pending", at(1, 9).isoformat())]
    assert holds_expire(now=held.hold_expires_at) == 1
    assert busy(viewer, approval_room) == []


def test_the_admins_cancel_action_frees_the_room(viewer, organiser, room):
    meeting = make_meeting(room=room, start=at(1, 9), end=at(1, 10), organizer=organiser)
    assert free_ids(viewer, warm=True) == []
    root = make_user("root", is_superuser=True, is_staff=True)
    response = client_for(root).post(
        "/admin/meetings/meeting/",
        {"action": "cancel_meetings", "_selected_action": [meeting.pk]},
    )
    assert response.status_code == 302
    assert free_ids(viewer) == [room.pk]


@pytest.mark.parametrize(
    ("change", "free_after"),
    [({"active": ""}, False), ({"capacity": 5}, False), ({"bookable_from": "09:30"}, False)],
)
def test_a_room_changed_in_the_admin(viewer, room, change, free_after):
    assert free_ids(viewer, {**HOUR, "capacity": 10}, warm=True) == [room.pk]
    root = make_user("root", is_superuser=True, is_staff=True)
    form = room_form(room, **change)
    if form["active"] == "":
        del form["active"]  # an unticked box is not posted at all
    response = client_for(root).post(f"/admin/rooms/room/{room.pk}/change/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert (free_ids(viewer, {**HOUR, "capacity": 10}) == [room.pk]) is free_after


def test_a_room_deleted_in_the_admin(viewer):
    spare = make_room("备用会议室")
    assert free_ids(viewer, warm=True) == [spare.pk]
    root = make_user("root", is_superuser=True, is_staff=True)
    response = client_for(root).post(f"/admin/rooms/room/{spare.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert free_ids(viewer) == []


def test_room_services_hours_capacity_and_equipment(viewer, admin, room):
    wants_projector = {**HOUR, "equipment": "projector"}
    assert free_periods(viewer, room)[0][0] == at(1, 7).isoformat()
    room_update(actor=admin, room=room, bookable_from=dt.time(8, 0))
    assert free_periods(viewer, room)[0][0] == at(1, 8).isoformat()

    equipment_create(actor=admin, code="projector", name="投影")
    assert free_ids(viewer, wants_projector, warm=True) == []
    room_update(actor=admin, room=room, equipment=["projector"])
    assert free_ids(viewer, wants_projector, warm=True) == [room.pk]
    # A room's equipment changed through the relation itself (m2m_changed).
    room.equipment.clear()
    assert free_ids(viewer, wants_projector, warm=True) == []
    room.equipment.add(Equipment.objects.get(code="projector"))
    assert free_ids(viewer, wants_projector) == [room.pk]


def test_an_equipment_code_deleted_is_unknown_again(viewer, room):
    kit = Equipment.objects.create(code="projector", name="投影")
    room.equipment.add(kit)
    params = {**HOUR, "equipment": "projector"}
    assert free_ids(viewer, params, warm=True) == [room.pk]
    kit.delete()
    response = viewer.get("/api/v1/availability", params)
    assert response.status_code == 422


def test_vc_resources_and_links_change_the_version(admin, room, organiser):
    before = bookings_version()
    vc_resource_create(actor=admin, kind="terminal", name="终端", room=room)
    after_resource = bookings_version()
    assert after_resource != before
    meeting = make_meeting(room=room, start=at(1, 9), end=at(1, 10), organizer=organiser)
    between = bookings_version()
    VcLink.objects.create(
        meeting=meeting,
        provider="external",
        url="https://vc.example/1",
        occupied_start=meeting.occupied_start,
        occupied_end=meeting.occupied_end,
    )
    assert bookings_version() != between
