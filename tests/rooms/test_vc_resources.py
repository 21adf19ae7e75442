"""The MCU pool and the terminals: kept by admins (API and admin), a number never twice."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from core.audit import audit_for
from rooms.models import VcKind, VcResource
from tests.api_support import api_client, error_fields, patch, post
from tests.conftest import client_for
from tests.factories import make_pool, make_room, make_terminal, make_user

pytestmark = pytest.mark.django_db

URL = "/api/v1/vc-resources"


@pytest.fixture
def root() -> User:
    return make_user("root", is_superuser=True, is_staff=True)


def test_an_admin_adds_a_pool_number_and_it_is_audited(admin):
    response = post(
        api_client(admin),
        URL,
        {"kind": "virtual_room", "name": "MCU 1", "number": "8001", "password": "1234"},
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["number"], body["password"]) == ("8001", "1234")
    resource = VcResource.objects.get(pk=body["id"])
    [entry] = audit_for(resource)
    assert entry.action == "create" and "1234" not in str(entry.changes)


def test_a_pool_number_used_twice_is_a_422_in_the_api(admin):
    make_pool("8001")
    response = post(
        api_client(admin), URL, {"kind": "virtual_room", "name": "又一个", "number": " 8001 "}
    )
    assert response.status_code == 422
    assert error_fields(response) == ["number"] and "8001" in response.json()["message"]
    assert VcResource.objects.filter(number="8001").count() == 1
    other = make_pool("8002")[0]
    clash = patch(api_client(admin), f"{URL}/{other.pk}", {"number": "8001"})
    assert clash.status_code == 422 and error_fields(clash) == ["number"]
    other.refresh_from_db()
    assert other.number == "8002"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "virtual_room", "name": "MCU", "number": ""}, "number"),
        ({"kind": "virtual_room", "name": "MCU", "number": "八零零一"}, "number"),
        ({"kind": "terminal", "name": "终端"}, "room_id"),
        ({"kind": "terminal", "name": "终端", "room_id": 999999}, "room_id"),
        ({"kind": "mobile", "name": "终端"}, "kind"),
    ],
)
def test_bad_vc_resources_are_422s(admin, body, field):
    response = post(api_client(admin), URL, body)
    assert response.status_code == 422, response.json()
    assert field in error_fields(response)


def test_a_terminal_belongs_to_a_room(admin, room):
    response = post(
        api_client(admin), URL, {"kind": "terminal", "name": "终端", "room_id": room.pk}
    )
    assert response.status_code == 201 and response.json()["room_id"] == room.pk


def test_only_admins_write_and_only_admins_see_passwords(organiser, outsider, admin):
    make_pool("8001")
    body = {"kind": "virtual_room", "name": "MCU", "number": "8009"}
    assert post(api_client(organiser), URL, body).status_code == 403
    assert post(api_client(outsider), URL, body).status_code == 403
    listed = api_client(organiser).get(URL).json()
    assert listed[0]["number"] == "8001" and listed[0]["password"] == ""
    assert api_client(admin).get(URL).json()[0]["password"] == "pw8001"


def test_a_pool_number_reused_in_the_admin_is_refused(root):
    make_pool("8001")
    response = client_for(root).post(
        "/admin/rooms/vcresource/add/",
        {"kind": "virtual_room", "name": "MCU 重号", "number": "8001", "active": "on", "order": 1},
    )
    assert response.status_code == 200
    assert "号池中已有会议号 8001" in response.content.decode()
    assert VcResource.objects.filter(number="8001").count() == 1


def test_the_admin_adds_pool_numbers_and_room_terminals(root, room):
    client = client_for(root)
    response = client.post(
        "/admin/rooms/vcresource/add/",
        {"kind": "virtual_room", "name": "MCU 2", "number": "8002", "active": "on", "order": 1},
    )
    assert response.status_code == 302
    assert audit_for(VcResource.objects.get(number="8002")).exists()
    # Terminals are an inline on the room's page.
    page = client.get(f"/admin/rooms/room/{room.pk}/change/").content.decode()
    assert "视频会议终端" in page
    for url in ("/admin/rooms/vcresource/", "/admin/rooms/vcresource/add/"):
        assert client.get(url).status_code == 200


def test_a_terminal_added_inline_on_the_room_is_a_terminal(root):
    room = make_room("视频会议室")
    terminal_form = {
        "name": room.name,
        "capacity": room.capacity,
        "layout": room.layout,
        "bookable_from": "07:00",
        "bookable_until": "22:00",
        "setup_minutes": 15,
        "teardown_minutes": 15,
        "order": 100,
        "active": "on",
        "vc_resources-TOTAL_FORMS": "1",
        "vc_resources-INITIAL_FORMS": "0",
        "vc_resources-MIN_NUM_FORMS": "0",
        "vc_resources-MAX_NUM_FORMS": "1000",
        "vc_resources-0-name": "华为 TE40",
        "vc_resources-0-number": "7101",
        "vc_resources-0-active": "on",
        "layouts-TOTAL_FORMS": "0",
        "layouts-INITIAL_FORMS": "0",
        "layouts-MIN_NUM_FORMS": "0",
        "layouts-MAX_NUM_FORMS": "1000",
    }
    response = client_for(root).post(f"/admin/rooms/room/{room.pk}/change/", terminal_form)
    assert response.status_code == 302, response.content.decode()[:3000]
    terminal = VcResource.objects.get(room=room)
    assert terminal.kind == VcKind.TERMINAL and terminal.name == "华为 TE40"
    assert [e.action for e in audit_for(terminal)] == ["create"]


def test_existing_terminals_are_listed_on_the_room(root):
    room = make_room("视频会议室")
    make_terminal(room, name="宝利通终端")
    page = client_for(root).get(f"/admin/rooms/room/{room.pk}/change/").content.decode()
    assert "宝利通终端" in page
