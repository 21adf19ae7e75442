"""GET /api/v1/rooms/{id}/availability and GET /api/v1/availability."""

from __future__ import annotations

import datetime as dt

import pytest

from meetings.models import Status
from tests.api_support import api_client, error_fields, iso, when
from tests.factories import make_meeting, make_room

pytestmark = pytest.mark.django_db


def day_params(hours: int = 24) -> dict[str, str]:
    start = when(0)
    return {"start": iso(start), "end": iso(start + dt.timedelta(hours=hours))}


def test_busy_intervals_and_free_slots_of_a_room(outsider, organiser, room):
    m = make_meeting(room=room, start=when(9), end=when(10), organizer=organiser, title="调度会")
    make_meeting(
        room=room, start=when(14), end=when(15), organizer=organiser, status=Status.CANCELLED
    )
    response = api_client(outsider).get(f"/api/v1/rooms/{room.pk}/availability", day_params())
    assert response.status_code == 200
    out = response.json()
    assert out["room"]["id"] == room.pk
    assert out["busy"] == [
        {
            "meeting_id": m.pk,
            "title": "调度会",
            "masked": False,
            "status": "approved",
            "start": iso(when(9)),
            "end": iso(when(10)),
            "occupied_start": iso(when(8, 45)),
            "occupied_end": iso(when(10, 15)),
        }
    ]
    # Free within the bookable hours 07:00–22:00, around the occupied 08:45–10:15.
    assert out["free"] == [
        {"start": iso(when(7)), "end": iso(when(8, 45))},
        {"start": iso(when(10, 15)), "end": iso(when(22))},
    ]


def test_a_pending_hold_counts_as_busy(outsider, organiser, room):
    make_meeting(room=room, start=when(9), end=when(10), organizer=organiser, status=Status.PENDING)
    busy = (
        api_client(outsider)
        .get(f"/api/v1/rooms/{room.pk}/availability", day_params())
        .json()["busy"]
    )
    assert [b["status"] for b in busy] == ["pending"]


def test_a_period_over_31_days_is_422(outsider, room):
    response = api_client(outsider).get(
        f"/api/v1/rooms/{room.pk}/availability", day_params(hours=24 * 32)
    )
    assert response.status_code == 422
    assert error_fields(response) == ["end"]


@pytest.mark.parametrize(
    ("params", "fields"),
    [({}, {"start", "end"}), ({"start": "x", "end": "y"}, {"start", "end"})],
)
def test_missing_or_bad_times_are_422(outsider, room, params, fields):
    response = api_client(outsider).get(f"/api/v1/rooms/{room.pk}/availability", params)
    assert response.status_code == 422
    assert set(error_fields(response)) == fields


def test_an_unknown_room_is_404(outsider):
    response = api_client(outsider).get("/api/v1/rooms/999999/availability", day_params())
    assert response.status_code == 404


def test_free_rooms_fit_capacity_and_equipment(outsider, organiser):
    small = make_room("小会议室", capacity=10, equipment=["vc_terminal", "projector"])
    big = make_room("大会议室", capacity=100, equipment=["vc_terminal", "projector"])
    taken = make_room("视频会议室", capacity=50, equipment=["vc_terminal", "projector"])
    make_room("无设备会议室", capacity=50)
    make_meeting(room=taken, start=when(9), end=when(10), organizer=organiser)
    params = {
        "start": iso(when(9)),
        "end": iso(when(10)),
        "capacity": 20,
        "equipment": "vc_terminal,projector",
    }
    response = api_client(outsider).get("/api/v1/availability", params)
    assert response.status_code == 200
    rooms = response.json()["rooms"]
    assert [r["id"] for r in rooms] == [big.pk]
    assert rooms[0]["equipment"] == ["projector", "vc_terminal"]
    params["capacity"] = 5
    ids = [
        r["id"] for r in api_client(outsider).get("/api/v1/availability", params).json()["rooms"]
    ]
    assert ids == [small.pk, big.pk], "smallest fitting room first"


def test_free_rooms_respect_buffers(outsider, organiser, room):
    make_meeting(room=room, start=when(9), end=when(10), organizer=organiser)
    params = {"start": iso(when(10, 10)), "end": iso(when(11))}
    assert api_client(outsider).get("/api/v1/availability", params).json()["rooms"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"equipment": "teleporter"}, "equipment"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": "lots"}, "capacity"),
    ],
)
def test_bad_free_room_queries_are_422(outsider, params, field):
    query = {"start": iso(when(9)), "end": iso(when(10)), **params}
    response = api_client(outsider).get("/api/v1/availability", query)
    assert response.status_code == 422
    assert error_fields(response) == [field]


def test_free_rooms_need_a_sane_period(outsider):
    response = api_client(outsider).get(
        "/api/v1/availability", {"start": iso(when(10)), "end": iso(when(9))}
    )
    assert response.status_code == 422 and error_fields(response) == ["end"]


def test_availability_needs_sign_in(room):
    from django.test import Client

    assert Client().get(f"/api/v1/rooms/{room.pk}/availability", day_params()).status_code == 401
    assert Client().get("/api/v1/availability", day_params()).status_code == 401
