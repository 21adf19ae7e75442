"""GET/POST/PATCH /api/v1/rooms and /api/v1/equipment."""

from __future__ import annotations

import pytest

from core.models import AuditEntry
from rooms.models import Equipment, Room
from tests.api_support import api_client, error_fields, patch, post
from tests.factories import make_room

pytestmark = pytest.mark.django_db


def test_rooms_list_active_rooms_with_what_a_booker_needs(outsider):
    make_room(
        "第一会议室", capacity=60, equipment=["vc_terminal", "projector"], needs_approval=True
    )
    make_room("旧会议室", active=False)
    response = api_client(outsider).get("/api/v1/rooms")
    assert response.status_code == 200
    rooms = response.json()
    assert [r["name"] for r in rooms] == ["第一会议室"]
    room = rooms[0]
    assert room["equipment"] == ["projector", "vc_terminal"]
    assert room["capacity"] == 60 and room["needs_approval"] is True
    assert room["bookable_from"] == "07:00:00" and room["bookable_until"] == "22:00:00"
    assert room["setup_minutes"] == 15 and room["teardown_minutes"] == 15
    assert room["layout"] == "long_table" and room["layout_label"]


def test_admins_may_list_inactive_rooms_too(admin, organiser):
    make_room("旧会议室", active=False)
    assert (
        api_client(admin).get("/api/v1/rooms?include_inactive=true").json()[0]["name"] == "旧会议室"
    )
    assert api_client(organiser).get("/api/v1/rooms?include_inactive=true").json() == []


def test_one_room_and_an_unknown_one(outsider, room):
    client = api_client(outsider)
    assert client.get(f"/api/v1/rooms/{room.pk}").json()["name"] == room.name
    missing = client.get("/api/v1/rooms/999999")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_admin_creates_a_room_with_equipment(admin):
    Equipment.objects.create(code="vc_terminal", name="视频会议终端")
    body = {
        "name": "视频会议室",
        "capacity": 40,
        "equipment": ["vc_terminal"],
        "bookable_from": "08:00",
        "bookable_until": "18:00",
        "needs_approval": True,
        "setup_minutes": 30,
    }
    response = post(api_client(admin), "/api/v1/rooms", body)
    assert response.status_code == 201, response.json()
    room = Room.objects.get(name="视频会议室")
    assert list(room.equipment.values_list("code", flat=True)) == ["vc_terminal"]
    assert room.setup_minutes == 30 and room.needs_approval
    assert AuditEntry.objects.filter(object_type="rooms.room", object_id=str(room.pk)).exists()


@pytest.mark.parametrize("who", ["organiser", "approver", "outsider", "leader", "secretary"])
def test_only_admins_create_or_change_rooms(request, who, room):
    client = api_client(request.getfixturevalue(who))
    assert post(client, "/api/v1/rooms", {"name": "新会议室", "capacity": 10}).status_code == 403
    assert patch(client, f"/api/v1/rooms/{room.pk}", {"capacity": 5}).status_code == 403
    assert Room.objects.count() == 1
    assert Room.objects.get(pk=room.pk).capacity == 60


@pytest.mark.parametrize("capacity", [0, -5, 100000, "many", 3.5])
def test_a_bad_capacity_is_422(admin, capacity):
    response = post(api_client(admin), "/api/v1/rooms", {"name": "新会议室", "capacity": capacity})
    assert response.status_code == 422
    assert error_fields(response) == ["capacity"]
    assert Room.objects.count() == 0


def test_bookable_hours_must_be_ordered(admin):
    body = {"name": "新会议室", "capacity": 10, "bookable_from": "18:00", "bookable_until": "08:00"}
    response = post(api_client(admin), "/api/v1/rooms", body)
    assert response.status_code == 422
    assert error_fields(response) == ["bookable_until"]
    assert Room.objects.count() == 0


def test_bookable_hours_with_an_offset_are_422(admin):
    body = {"name": "新会议室", "capacity": 10, "bookable_from": "08:00+08:00"}
    response = post(api_client(admin), "/api/v1/rooms", body)
    assert response.status_code == 422
    assert error_fields(response) == ["bookable_from"]


def test_unknown_equipment_and_duplicate_names_are_422(admin, room):
    client = api_client(admin)
    unknown = post(
        client, "/api/v1/rooms", {"name": "新会议室", "capacity": 10, "equipment": ["x"]}
    )
    duplicate = post(client, "/api/v1/rooms", {"name": room.name, "capacity": 10})
    assert error_fields(unknown) == ["equipment"] and unknown.status_code == 422
    assert error_fields(duplicate) == ["name"] and duplicate.status_code == 422
    assert Room.objects.count() == 1


def test_over_long_strings_and_extra_fields_are_422(admin):
    body = {"name": "会" * 51, "capacity": 10, "notes": "x" * 2001, "colour": "blue"}
    response = post(api_client(admin), "/api/v1/rooms", body)
    assert response.status_code == 422
    assert set(error_fields(response)) == {"name", "notes", "colour"}


def test_admin_changes_a_room(admin, room):
    response = patch(
        api_client(admin), f"/api/v1/rooms/{room.pk}", {"capacity": 80, "teardown_minutes": 0}
    )
    assert response.status_code == 200
    assert response.json()["capacity"] == 80
    room.refresh_from_db()
    assert (room.capacity, room.teardown_minutes) == (80, 0)


def test_patch_checks_hours_against_the_stored_ones(admin, room):
    # The room closes at 22:00; opening at 23:00 would leave no bookable time.
    response = patch(api_client(admin), f"/api/v1/rooms/{room.pk}", {"bookable_from": "23:00"})
    assert response.status_code == 422
    assert error_fields(response) == ["bookable_until"]


def test_patch_refuses_null_and_unknown_rooms(admin, room):
    client = api_client(admin)
    assert error_fields(patch(client, f"/api/v1/rooms/{room.pk}", {"capacity": None})) == [
        "capacity"
    ]
    assert patch(client, "/api/v1/rooms/999999", {"capacity": 5}).status_code == 404


def test_equipment_kinds_are_listed_and_admins_add_them(admin, outsider):
    assert (
        post(
            api_client(admin), "/api/v1/equipment", {"code": "projector", "name": "投影"}
        ).status_code
        == 201
    )
    assert (
        post(api_client(outsider), "/api/v1/equipment", {"code": "mic", "name": "话筒"}).status_code
        == 403
    )
    assert api_client(outsider).get("/api/v1/equipment").json() == [
        {"code": "projector", "name": "投影"}
    ]
