"""rooms.services writes: rooms and equipment, their rules and audit entries."""

from __future__ import annotations

import datetime as dt

import pytest

from core.audit import audit_for
from core.exceptions import InvalidInput, PermissionDenied
from core.models import AuditEntry
from rooms.models import Equipment, Room
from rooms.services import equipment_create, room_create, room_update
from tests.factories import NOW, make_room

pytestmark = pytest.mark.django_db


def fields_of(error: InvalidInput) -> list[str]:
    return [e["field"] for e in error.details["errors"]]


@pytest.fixture
def kit(db) -> None:
    Equipment.objects.create(code="projector", name="投影")
    Equipment.objects.create(code="vc_terminal", name="视频会议终端")


# --- room_create --------------------------------------------------------------------------


def test_room_create_saves_and_audits_every_value(admin, kit):
    room = room_create(
        actor=admin,
        name=" 视频会议室 ",
        capacity=40,
        equipment=["vc_terminal", "projector"],
        bookable_from=dt.time(8),
        bookable_until=dt.time(18),
        notes="  靠窗一侧有讲台",
        now=NOW,
    )
    assert room.name == "视频会议室" and room.notes == "  靠窗一侧有讲台"
    assert sorted(room.equipment.values_list("code", flat=True)) == ["projector", "vc_terminal"]
    [entry] = audit_for(room)
    assert (entry.actor, entry.action, entry.at) == (admin, "create", NOW)
    after = entry.changes["after"]
    assert after["capacity"] == 40 and after["bookable_until"] == "18:00:00"
    assert after["equipment"] == ["projector", "vc_terminal"]


@pytest.mark.parametrize("who", ["organiser", "approver", "outsider", "leader", "secretary"])
def test_only_admins_create_rooms(request, who):
    with pytest.raises(PermissionDenied):
        room_create(actor=request.getfixturevalue(who), name="新会议室", capacity=10)
    assert not Room.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"capacity": 0}, "capacity"),
        ({"capacity": -3}, "capacity"),
        ({"bookable_from": dt.time(18), "bookable_until": dt.time(8)}, "bookable_until"),
        ({"bookable_from": dt.time(9), "bookable_until": dt.time(9)}, "bookable_until"),
        ({"name": "第一会议室"}, "name"),
        ({"name": "  "}, "name"),
        ({"equipment": ["projector", "hologram"]}, "equipment"),
        ({"layout": "theatre"}, "layout"),
    ],
)
def test_a_bad_room_is_invalid_naming_the_field_and_nothing_is_saved(admin, kit, kw, field):
    make_room("第一会议室")
    args = {"name": "新会议室", "capacity": 10, **kw}
    with pytest.raises(InvalidInput) as caught:
        room_create(actor=admin, **args)
    assert fields_of(caught.value) == [field]
    assert list(Room.objects.values_list("name", flat=True)) == ["第一会议室"]
    assert not AuditEntry.objects.exists()


# --- room_update --------------------------------------------------------------------------


def test_room_update_audits_before_and_after_of_what_changed(admin, kit):
    room = make_room("第一会议室", capacity=60, equipment=["projector"])
    room_update(
        actor=admin,
        room=room,
        capacity=80,
        teardown_minutes=room.teardown_minutes,
        equipment=["projector", "vc_terminal"],
        now=NOW,
    )
    room.refresh_from_db()
    assert room.capacity == 80
    [entry] = audit_for(room)
    assert (entry.actor, entry.action, entry.at) == (admin, "update", NOW)
    assert entry.changes == {
        "capacity": [60, 80],
        "equipment": [["projector"], ["projector", "vc_terminal"]],
    }


def test_room_update_checks_hours_against_the_stored_ones(admin):
    room = make_room(bookable_from=dt.time(7), bookable_until=dt.time(22))
    with pytest.raises(InvalidInput) as caught:
        room_update(actor=admin, room=room, bookable_from=dt.time(23))
    assert fields_of(caught.value) == ["bookable_until"]
    assert room.bookable_from == dt.time(7)
    assert Room.objects.get(pk=room.pk).bookable_from == dt.time(7)


@pytest.mark.parametrize("who", ["organiser", "approver", "outsider", "leader", "secretary"])
def test_only_admins_change_rooms(request, who):
    room = make_room(capacity=60)
    with pytest.raises(PermissionDenied):
        room_update(actor=request.getfixturevalue(who), room=room, capacity=5)
    assert Room.objects.get(pk=room.pk).capacity == 60
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"capacity": 0, "notes": "x"}, "capacity"),
        ({"name": "第二会议室", "notes": "x"}, "name"),
        ({"equipment": ["hologram"], "notes": "x"}, "equipment"),
        ({"colour": "blue"}, "colour"),
    ],
)
def test_a_refused_room_change_touches_nothing(admin, kit, changes, field):
    make_room("第二会议室")
    room = make_room("第一会议室", capacity=60, equipment=["projector"])
    with pytest.raises(InvalidInput) as caught:
        room_update(actor=admin, room=room, **changes)
    assert fields_of(caught.value) == [field]
    assert (room.name, room.capacity, room.notes) == ("第一会议室", 60, "")
    stored = Room.objects.get(pk=room.pk)
    assert (stored.name, stored.capacity, stored.notes) == ("第一会议室", 60, "")
    assert list(stored.equipment.values_list("code", flat=True)) == ["projector"]
    assert not AuditEntry.objects.exists()


# --- equipment_create ---------------------------------------------------------------------


def test_equipment_create_saves_and_audits(admin):
    eq = equipment_create(actor=admin, code="mic", name=" 话筒 ", now=NOW)
    assert eq.name == "话筒"
    [entry] = audit_for(eq)
    assert (entry.actor, entry.action, entry.at) == (admin, "create", NOW)
    assert entry.changes == {"after": {"code": "mic", "name": "话筒"}}


def test_only_admins_create_equipment(organiser):
    with pytest.raises(PermissionDenied):
        equipment_create(actor=organiser, code="mic", name="话筒")
    assert not Equipment.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("code", "name", "field"), [("projector", "投影仪", "code"), ("mic", " ", "name")]
)
def test_bad_equipment_is_invalid_naming_the_field(admin, kit, code, name, field):
    with pytest.raises(InvalidInput) as caught:
        equipment_create(actor=admin, code=code, name=name)
    assert fields_of(caught.value) == [field]
    assert Equipment.objects.count() == 2
    assert not AuditEntry.objects.exists()
