"""Seat layouts of a room: params expanded and checked, services, API and admin inline."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import User

from core.audit import audit_for
from core.exceptions import InvalidInput, PermissionDenied
from rooms.layouts import LayoutKind, build_layout, check_params, default_params
from rooms.models import Room, RoomLayout
from rooms.services import room_layout_create, room_layout_update
from tests.api_support import api_client, error_fields, patch, post
from tests.conftest import client_for
from tests.factories import make_room, make_user

pytestmark = pytest.mark.django_db

ROSTRUM = {"rostrum_rows": [7, 9], "audience_rows": 4, "audience_blocks": [4, 8, 4]}


# --- the builder ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "params", "seats"),
    [
        ("rostrum", ROSTRUM, 16 + 64),
        ("rostrum", {"rostrum_rows": [5], "lectern": "right", "reserved": ["R1-01"]}, 5),
        ("classroom", {"rows": 5, "blocks": [4, 4]}, 40),
        ("long_table", {"per_side": 6}, 12),
        ("u_shape", {"head": 5, "arm": 4, "closed": True}, 17),
        ("round", {"tables": 3, "seats_per_table": 8}, 24),
        ("reception", {"per_side": 3}, 8),
    ],
)
def test_every_kind_expands_from_its_params(kind, params, seats):
    assert len(build_layout(kind, params).seats) == seats


@pytest.mark.parametrize(
    ("kind", "params", "text"),
    [
        ("stage", {}, "未知的布局"),
        ("rostrum", [], "JSON 对象"),
        ("rostrum", {}, "缺少布局参数：rostrum_rows"),
        ("rostrum", {"rostrum_rows": [7], "rows": 3}, "未知项：rows"),
        ("rostrum", {"rostrum_rows": "7"}, "整数列表"),
        ("rostrum", {"rostrum_rows": [True]}, "整数列表"),
        ("rostrum", {"rostrum_rows": [7], "lectern": "middle"}, "left、right"),
        ("rostrum", {"rostrum_rows": [61]}, "0–60"),
        ("rostrum", {"rostrum_rows": [0]}, "没有座位"),
        ("rostrum", {"rostrum_rows": [3], "reserved": ["A9-99"]}, "预留座位不在布局中"),
        ("u_shape", {"head": 5, "arm": 2, "closed": "yes"}, "true 或 false"),
        ("round", {"tables": 2, "seats_per_table": 1}, "至少 2 个座位"),
        ("long_table", {"per_side": 3.5}, "整数"),
    ],
)
def test_bad_params_are_refused_naming_what_is_wrong(kind, params, text):
    with pytest.raises(InvalidInput) as error:
        build_layout(kind, params)
    assert text in error.value.message


def test_check_params_names_the_field():
    with pytest.raises(InvalidInput) as error:
        check_params("classroom", {"rows": 3, "blocks": [4], "aisle": 1})
    assert error.value.details["errors"][0]["field"] == "params.aisle"


@pytest.mark.parametrize("kind", list(LayoutKind))
@pytest.mark.parametrize("capacity", [1, 12, 60, 200, 5000])
def test_default_params_fit_any_room(kind, capacity):
    layout = build_layout(kind, default_params(kind, capacity))
    # Every kind seats the room's capacity up to what one layout of it can hold.
    assert len(layout.seats) >= min(capacity, 60)


# --- services -------------------------------------------------------------------------------


def test_create_audits_and_makes_the_first_layout_the_default(admin):
    room = make_room("第一会议室")
    first = room_layout_create(actor=admin, room=room, name="大会", kind="rostrum", params=ROSTRUM)
    assert first.is_default
    second = room_layout_create(
        actor=admin, room=room, name="座谈", kind="u_shape", params={"head": 5, "arm": 6}
    )
    assert not second.is_default
    [entry] = audit_for(first)
    assert entry.action == "create" and entry.changes["after"]["params"] == ROSTRUM


def test_a_new_default_takes_over_from_the_old_one(admin):
    room = make_room("第一会议室")
    first = room_layout_create(actor=admin, room=room, name="大会", kind="rostrum", params=ROSTRUM)
    second = room_layout_create(
        actor=admin,
        room=room,
        name="座谈",
        kind="long_table",
        params={"per_side": 8},
        is_default=True,
    )
    first.refresh_from_db()
    assert second.is_default and not first.is_default
    room_layout_update(actor=admin, layout=first, is_default=True)
    second.refresh_from_db()
    assert not second.is_default
    assert list(RoomLayout.objects.filter(is_default=True)) == [first]


def test_update_checks_before_changing_and_audits_the_diff(admin):
    layout = room_layout_create(
        actor=admin, room=make_room(), name="长桌", kind="long_table", params={"per_side": 8}
    )
    with pytest.raises(InvalidInput, match="tables"):
        room_layout_update(actor=admin, layout=layout, kind="round")  # params of long_table
    layout.refresh_from_db()
    assert layout.kind == "long_table"
    room_layout_update(actor=admin, layout=layout, params={"per_side": 10}, name="长桌（大）")
    entry = audit_for(layout).first()
    assert entry.changes["params"] == [{"per_side": 8}, {"per_side": 10}]
    assert entry.changes["name"] == ["长桌", "长桌（大）"]
    with pytest.raises(InvalidInput, match="不能修改的字段"):
        room_layout_update(actor=admin, layout=layout, room=make_room())


def test_names_are_unique_per_room(admin):
    room = make_room()
    room_layout_create(actor=admin, room=room, name="大会", kind="rostrum", params=ROSTRUM)
    with pytest.raises(InvalidInput, match="已有名为"):
        room_layout_create(actor=admin, room=room, name=" 大会 ", kind="rostrum", params=ROSTRUM)
    room_layout_create(actor=admin, room=make_room(), name="大会", kind="rostrum", params=ROSTRUM)


@pytest.mark.parametrize("who", ["organiser", "colleague", "outsider", "approver"])
def test_only_admins_write_layouts(who, request):
    user = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        room_layout_create(actor=user, room=make_room(), name="x", kind="rostrum", params=ROSTRUM)


# --- API ----------------------------------------------------------------------------------


def test_the_api_lists_creates_and_patches_layouts(admin, outsider):
    room = make_room("第一会议室")
    url = f"/api/v1/rooms/{room.pk}/layouts"
    client = api_client(admin)
    created = post(client, url, {"name": "大会", "kind": "rostrum", "params": ROSTRUM})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["seats"] == 80 and body["is_default"] and body["kind_label"] == "主席台+台下"
    listed = api_client(outsider).get(url)  # rooms and their layouts are visible to everyone
    assert listed.status_code == 200 and [x["name"] for x in listed.json()] == ["大会"]
    changed = patch(client, f"{url}/{body['id']}", {"params": {**ROSTRUM, "lectern": "left"}})
    assert changed.status_code == 200 and changed.json()["params"]["lectern"] == "left"


def test_the_api_refuses_bad_params_with_422(admin):
    room = make_room()
    url = f"/api/v1/rooms/{room.pk}/layouts"
    client = api_client(admin)
    bad = post(
        client, url, {"name": "x", "kind": "rostrum", "params": {"rostrum_rows": [7], "x": 1}}
    )
    assert bad.status_code == 422 and "params.x" in error_fields(bad)
    bad = post(client, url, {"name": "x", "kind": "stage", "params": {}})
    assert bad.status_code == 422 and "kind" in error_fields(bad)
    bad = post(client, url, {"name": "", "kind": "rostrum", "params": ROSTRUM})
    assert bad.status_code == 422 and "name" in error_fields(bad)
    created = post(client, url, {"name": "x", "kind": "reception", "params": {"per_side": 2}})
    nulled = patch(client, f"{url}/{created.json()['id']}", {"name": None})
    assert nulled.status_code == 422


@pytest.mark.parametrize("who", ["organiser", "outsider"])
def test_api_writes_are_for_admins(who, request):
    room = make_room()
    client = api_client(request.getfixturevalue(who))
    url = f"/api/v1/rooms/{room.pk}/layouts"
    assert post(client, url, {"name": "x", "kind": "rostrum", "params": ROSTRUM}).status_code == 403
    assert patch(client, f"{url}/1", {"name": "y"}).status_code == 403
    assert api_client(None).get(url).status_code == 401


def test_unknown_room_or_layout_is_404(admin):
    client = api_client(admin)
    assert client.get("/api/v1/rooms/999999/layouts").status_code == 404
    room = make_room()
    other = RoomLayout.objects.create(
        room=make_room(), name="x", kind="long_table", params={"per_side": 2}
    )
    # A layout of another room is not reachable through this room's path.
    assert (
        patch(client, f"/api/v1/rooms/{room.pk}/layouts/{other.pk}", {"name": "y"}).status_code
        == 404
    )


# --- admin --------------------------------------------------------------------------------


@pytest.fixture
def root() -> User:
    return make_user("root", is_superuser=True, is_staff=True)


def room_form(room: Room, layouts: list[dict[str, Any]], initial: int = 0) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": room.name,
        "capacity": room.capacity,
        "layout": room.layout,
        "bookable_from": "07:00",
        "bookable_until": "22:00",
        "setup_minutes": 15,
        "teardown_minutes": 15,
        "order": 100,
        "active": "on",
        "vc_resources-TOTAL_FORMS": "0",
        "vc_resources-INITIAL_FORMS": "0",
        "vc_resources-MIN_NUM_FORMS": "0",
        "vc_resources-MAX_NUM_FORMS": "1000",
        "layouts-TOTAL_FORMS": str(len(layouts)),
        "layouts-INITIAL_FORMS": str(initial),
        "layouts-MIN_NUM_FORMS": "0",
        "layouts-MAX_NUM_FORMS": "1000",
    }
    for i, layout in enumerate(layouts):
        for key, value in layout.items():
            data[f"layouts-{i}-{key}"] = value
    return data


def test_the_admin_adds_a_layout_inline_and_audits_it(root):
    room = make_room("第一会议室")
    response = client_for(root).post(
        f"/admin/rooms/room/{room.pk}/change/",
        room_form(
            room,
            [
                {
                    "name": "大会",
                    "kind": "rostrum",
                    "params": '{"rostrum_rows": [7]}',
                    "is_default": "on",
                }
            ],
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    layout = RoomLayout.objects.get(room=room)
    assert layout.params == {"rostrum_rows": [7]} and layout.is_default
    assert [e.action for e in audit_for(layout)] == ["create"]
    page = client_for(root).get(f"/admin/rooms/room/{room.pk}/change/").content.decode()
    assert "座位布局" in page and "rostrum_rows" in page


def test_the_admin_shows_bad_params_as_a_form_error(root):
    room = make_room("第一会议室")
    response = client_for(root).post(
        f"/admin/rooms/room/{room.pk}/change/",
        room_form(room, [{"name": "大会", "kind": "rostrum", "params": '{"rostrum_rows": "x"}'}]),
    )
    assert response.status_code == 200
    assert "整数列表" in response.content.decode()
    assert not RoomLayout.objects.exists()


def test_the_admin_moves_the_default_and_refuses_two(root):
    room = make_room("第一会议室")
    a = RoomLayout.objects.create(
        room=room, name="A", kind="long_table", params={"per_side": 2}, is_default=True
    )
    b = RoomLayout.objects.create(room=room, name="B", kind="long_table", params={"per_side": 3})

    def rows(a_default: bool, b_default: bool) -> list[dict[str, Any]]:
        out = []
        for obj, default in ((a, a_default), (b, b_default)):
            row = {
                "id": obj.pk,
                "room": room.pk,
                "name": obj.name,
                "kind": obj.kind,
                "params": f'{{"per_side": {obj.params["per_side"]}}}',
            }
            if default:
                row["is_default"] = "on"
            out.append(row)
        return out

    client = client_for(root)
    url = f"/admin/rooms/room/{room.pk}/change/"
    both = client.post(url, room_form(room, rows(True, True), initial=2))
    assert both.status_code == 200 and "只能有一个默认布局" in both.content.decode()
    moved = client.post(url, room_form(room, rows(False, True), initial=2))
    assert moved.status_code == 302, moved.content.decode()[:3000]
    a.refresh_from_db()
    b.refresh_from_db()
    assert b.is_default and not a.is_default
    assert [e.action for e in audit_for(b)] == ["update"]
