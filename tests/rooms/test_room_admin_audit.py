"""Changes to rooms and equipment made in the Django admin land in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from core.audit import audit_for
from core.models import AuditEntry
from rooms.models import Equipment, Room
from tests.conftest import client_for
from tests.factories import make_room, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> User:
    return make_user("root", is_superuser=True, is_staff=True)


def room_form(room: Room, **changes: Any) -> dict[str, Any]:
    """The change form as the browser would post it, with `changes` applied."""
    data: dict[str, Any] = {
        "name": room.name,
        "building": room.building,
        "floor": room.floor,
        "capacity": room.capacity,
        "layout": room.layout,
        "equipment": [e.pk for e in room.equipment.all()] if room.pk else [],
        "notes": room.notes,
        "bookable_from": room.bookable_from.strftime("%H:%M"),
        "bookable_until": room.bookable_until.strftime("%H:%M"),
        "setup_minutes": room.setup_minutes,
        "teardown_minutes": room.teardown_minutes,
        "order": room.order,
        "active": "on",
        # The VC terminals inline (rooms.admin.TerminalInline): none.
        "vc_resources-TOTAL_FORMS": "0",
        "vc_resources-INITIAL_FORMS": "0",
        "vc_resources-MIN_NUM_FORMS": "0",
        "vc_resources-MAX_NUM_FORMS": "1000",
        # The seat layouts inline (rooms.admin.RoomLayoutInline): none.
        "layouts-TOTAL_FORMS": "0",
        "layouts-INITIAL_FORMS": "0",
        "layouts-MIN_NUM_FORMS": "0",
        "layouts-MAX_NUM_FORMS": "1000",
    }
    data.update(changes)
    return data


def test_changing_a_rooms_capacity_in_the_admin_is_audited(root):
    room = make_room("第一会议室", capacity=60)
    url = f"/admin/rooms/room/{room.pk}/change/"
    response = client_for(root).post(url, room_form(room, capacity=80))
    assert response.status_code == 302, response.content.decode()[:2000]
    room.refresh_from_db()
    assert room.capacity == 80
    [entry] = audit_for(room)
    assert (entry.actor, entry.action) == (root, "update")
    assert entry.changes == {"capacity": [60, 80]}
    assert entry.summary == "后台修改会议室：第一会议室（容纳人数）"  # the field as staff name it


def test_equipment_added_in_the_admin_is_audited_as_codes(root):
    room = make_room("第一会议室")
    projector = Equipment.objects.create(code="projector", name="投影")
    url = f"/admin/rooms/room/{room.pk}/change/"
    response = client_for(root).post(url, room_form(room, equipment=[projector.pk]))
    assert response.status_code == 302
    [entry] = audit_for(room)
    assert entry.changes == {"equipment": [[], ["projector"]]}


def test_saving_without_a_change_records_nothing(root):
    room = make_room("第一会议室")
    url = f"/admin/rooms/room/{room.pk}/change/"
    assert client_for(root).post(url, room_form(room)).status_code == 302
    assert not AuditEntry.objects.exists()


def test_a_refused_admin_change_is_not_audited(root):
    room = make_room("第一会议室", capacity=60)
    url = f"/admin/rooms/room/{room.pk}/change/"
    # The model's check constraint refuses reversed hours; the form shows the error.
    response = client_for(root).post(
        url, room_form(room, bookable_from="18:00", bookable_until="08:00")
    )
    assert response.status_code == 200
    assert not AuditEntry.objects.exists()


def test_adding_a_room_in_the_admin_is_audited(root):
    response = client_for(root).post(
        "/admin/rooms/room/add/", room_form(Room(name="新会议室", capacity=12))
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    room = Room.objects.get(name="新会议室")
    [entry] = audit_for(room)
    assert (entry.actor, entry.action) == (root, "create")
    assert entry.changes["after"]["capacity"] == 12


def test_the_changelists_editable_order_is_audited(root):
    room = make_room("第一会议室", order=100)
    response = client_for(root).post(
        "/admin/rooms/room/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(room.pk),
            "form-0-order": "5",
            "_save": "保存",
        },
    )
    assert response.status_code == 302
    [entry] = audit_for(room)
    assert entry.changes == {"order": [100, 5]}


def test_deleting_in_the_admin_is_audited_with_the_last_values(root):
    room = make_room("第一会议室", capacity=60)
    pk = room.pk
    response = client_for(root).post(f"/admin/rooms/room/{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Room.objects.filter(pk=pk).exists()
    entry = AuditEntry.objects.get(object_type="rooms.room", object_id=str(pk))
    assert (entry.actor, entry.action) == (root, "delete")
    assert entry.changes["before"]["capacity"] == 60


def test_bulk_delete_audits_each_object(root):
    kinds = [Equipment.objects.create(code=c, name=c) for c in ("mic", "screen")]
    response = client_for(root).post(
        "/admin/rooms/equipment/",
        {"action": "delete_selected", "_selected_action": [e.pk for e in kinds], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Equipment.objects.exists()
    deleted = AuditEntry.objects.filter(object_type="rooms.equipment", action="delete")
    assert sorted(e.changes["before"]["code"] for e in deleted) == ["mic", "screen"]
