"""VC over the API: booked with the meeting, on its own, masked, with clear errors."""

from __future__ import annotations

import pytest
from django.test import override_settings

from meetings.models import Confidentiality, Meeting, VcLink
from tests.api_support import api_client, error_fields, meeting_body, patch, post, when
from tests.factories import make_meeting, make_pool, make_room, make_terminal

pytestmark = pytest.mark.django_db


def create(client, room, start=None, end=None, **kw):
    return post(
        client,
        "/api/v1/meetings",
        meeting_body(room.pk if room else None, start or when(9), end or when(10), **kw),
    )


def test_a_meeting_is_booked_with_a_pool_number_in_one_request(organiser, room):
    make_pool("8001")
    response = create(api_client(organiser), room, vc={"provider": "pool"})
    assert response.status_code == 201, response.json()
    vc = response.json()["vc"]
    assert vc == {
        "provider": "pool",
        "provider_label": "本单位 MCU 号池",
        "url": "",
        "number": "8001",
        "password": "pw8001",
        "dial_in": "",
        "room_name": "MCU 8001",
        "masked": False,
    }
    listed = api_client(organiser).get("/api/v1/meetings").json()["items"]
    assert listed[0]["vc"]["number"] == "8001"


def test_the_default_provider_is_used_when_none_is_named(organiser, room):
    make_pool("8001")
    response = create(api_client(organiser), room, vc={})
    assert response.status_code == 201 and response.json()["vc"]["provider"] == "pool"


def test_a_meeting_without_vc_says_null(organiser, room):
    response = create(api_client(organiser), room)
    assert response.json()["vc"] is None and response.json()["branch_of"] == ""


def test_pool_exhaustion_is_a_409_and_books_no_room(organiser, room):
    make_pool("8001")
    assert create(api_client(organiser), make_room("第二会议室"), vc={}).status_code == 201
    response = create(api_client(organiser), room, vc={"provider": "pool"}, title="晚到的")
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "vc_pool_exhausted" and set(body) == {"code", "message", "details"}
    assert body["details"]["alternatives"]["slots"]
    assert body["details"]["conflicts"][0]["number"] == "8001"
    assert not Meeting.objects.filter(title="晚到的").exists()


def test_a_room_conflict_allocates_no_number(organiser, room):
    make_pool("8001")
    make_meeting(room=room, start=when(9), end=when(10), organizer=organiser)
    response = create(api_client(organiser), room, vc={"provider": "pool"})
    assert response.status_code == 409 and response.json()["code"] == "booking_conflict"
    assert not VcLink.objects.exists()


@pytest.mark.parametrize(
    ("vc", "field"),
    [
        ({"provider": "external", "url": "meeting.tencent.com/dm/x"}, "vc.url"),
        ({"provider": "external", "number": "腾讯会议"}, "vc.number"),
        ({"provider": "external"}, "vc.url"),
        ({"provider": "zoom"}, "vc.provider"),
        ({"provider": "pool", "number": "8001"}, "vc.number"),
        ({"provider": "external", "url": 5}, "vc.url"),
        ({"provider": "external", "colour": "red"}, "vc.colour"),
    ],
)
def test_bad_vc_input_is_a_422_naming_the_field(organiser, room, vc, field):
    make_pool("8001")
    response = create(api_client(organiser), room, vc=vc)
    assert response.status_code == 422, response.json()
    assert field in error_fields(response)
    assert not Meeting.objects.exists() and not VcLink.objects.exists()


@override_settings(JITSI_BASE_URL="")
def test_jitsi_without_a_base_url_is_a_clear_error(organiser, room):
    response = create(api_client(organiser), room, vc={"provider": "jitsi"})
    assert response.status_code == 422
    assert response.json()["code"] == "vc_unavailable"
    assert "JITSI_BASE_URL" in response.json()["message"]
    providers = {p["code"]: p for p in api_client(organiser).get("/api/v1/vc/providers").json()}
    assert providers["pool"]["default"] and not providers["jitsi"]["usable"]
    # Which setting is wrong is for the admin, not for every booker.
    assert providers["jitsi"]["problems"] == ["尚未配置，请联系会务管理员"]


@override_settings(JITSI_BASE_URL="ftp://meet.internal.example")
def test_only_admins_see_what_is_misconfigured(organiser, admin):
    def jitsi_problems(user):
        listed = api_client(user).get("/api/v1/vc/providers").json()
        return next(p["problems"] for p in listed if p["code"] == "jitsi")

    assert "ftp://meet.internal.example" not in str(jitsi_problems(organiser))
    assert any("ftp://meet.internal.example" in p for p in jitsi_problems(admin))


@override_settings(JITSI_BASE_URL="https://meet.example.gov.cn")
def test_jitsi_over_the_api(organiser, room):
    response = create(api_client(organiser), room, vc={"provider": "jitsi"})
    assert response.status_code == 201
    assert response.json()["vc"]["url"].startswith("https://meet.example.gov.cn/huiwu-")


# --- /meetings/{id}/vc --------------------------------------------------------------------


def test_allocate_change_and_release_a_booked_meetings_link(organiser, room):
    make_pool("8001")
    client = api_client(organiser)
    meeting_id = create(client, room).json()["id"]
    url = f"/api/v1/meetings/{meeting_id}/vc"

    allocated = post(client, url)
    assert allocated.status_code == 201 and allocated.json()["vc"]["number"] == "8001"
    assert post(client, url).status_code == 409  # one link per meeting

    changed = patch(
        client, url, {"provider": "external", "url": "https://meeting.tencent.com/dm/AbC"}
    )
    assert changed.status_code == 200
    assert changed.json()["vc"]["url"] == "https://meeting.tencent.com/dm/AbC"

    released = client.delete(url)
    assert released.status_code == 200 and released.json()["vc"] is None
    assert client.delete(url).status_code == 409
    assert patch(client, url, {"provider": "pool"}).status_code == 409


def test_each_link_change_is_a_change_of_the_meeting_for_calendars(organiser, room):
    # Calendars show the link; LAST-MODIFIED comes from the meeting's updated_at.
    make_pool("8001")
    client = api_client(organiser)
    meeting_id = create(client, room).json()["id"]
    url = f"/api/v1/meetings/{meeting_id}/vc"

    def stamp():
        return Meeting.objects.get(pk=meeting_id).updated_at

    seen = [stamp()]
    assert post(client, url).status_code == 201
    seen.append(stamp())
    changed = patch(client, url, {"provider": "external", "url": "https://x.example/1"})
    assert changed.status_code == 200
    seen.append(stamp())
    assert client.delete(url).status_code == 200
    seen.append(stamp())
    assert seen == sorted(seen) and len(set(seen)) == 4


def test_only_the_organiser_or_an_admin_may_change_the_link(
    organiser, colleague, outsider, admin, room
):
    make_pool("8001")
    meeting = make_meeting(room=room, start=when(9), end=when(10), organizer=organiser)
    url = f"/api/v1/meetings/{meeting.pk}/vc"
    assert post(api_client(colleague), url).status_code == 403
    assert post(api_client(outsider), url).status_code == 403
    assert post(api_client(), url).status_code == 401
    assert post(api_client(admin), url).status_code == 201
    assert api_client(colleague).delete(url).status_code == 403
    assert post(api_client(organiser), "/api/v1/meetings/999999/vc").status_code == 404


def test_a_draft_gets_no_link_until_submitted(organiser, room):
    make_pool("8001")
    client = api_client(organiser)
    draft = create(client, room, submit=False).json()
    response = post(client, f"/api/v1/meetings/{draft['id']}/vc")
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"
    assert create(client, room, submit=False, vc={}).status_code == 422


def test_patch_moves_books_and_releases_with_the_meeting(organiser, room):
    make_pool("8001")
    client = api_client(organiser)
    meeting_id = create(client, room, vc={}).json()["id"]
    url = f"/api/v1/meetings/{meeting_id}"
    moved = patch(client, url, {"start": when(14).isoformat(), "end": when(15).isoformat()})
    assert moved.status_code == 200
    link = VcLink.objects.get(meeting_id=meeting_id)
    assert link.occupied_start == Meeting.objects.get(pk=meeting_id).occupied_start
    released = patch(client, url, {"vc": None})
    assert released.status_code == 200 and released.json()["vc"] is None
    rebooked = patch(client, url, {"vc": {"provider": "external", "number": "987 654 321"}})
    assert rebooked.json()["vc"]["number"] == "987 654 321"
    unchanged = patch(client, url, {"title": "新名称"})
    assert unchanged.json()["vc"]["number"] == "987 654 321"


def test_cancelling_over_the_api_releases_the_link(organiser, room):
    make_pool("8001")
    client = api_client(organiser)
    meeting_id = create(client, room, vc={}).json()["id"]
    cancelled = post(client, f"/api/v1/meetings/{meeting_id}/cancel", {"reason": "取消"})
    assert cancelled.json()["vc"] is None
    assert not VcLink.objects.get(meeting_id=meeting_id).active


def test_confidential_meetings_hide_the_join_details(organiser, colleague, room):
    make_pool("8001")
    response = create(
        api_client(organiser), room, vc={}, confidentiality=Confidentiality.CONFIDENTIAL
    )
    meeting_id = response.json()["id"]
    seen = api_client(colleague).get(f"/api/v1/meetings/{meeting_id}").json()
    assert seen["masked"] is True
    assert seen["vc"]["masked"] is True and seen["vc"]["provider"] == "pool"
    assert seen["vc"]["number"] == seen["vc"]["password"] == seen["vc"]["url"] == ""
    listed = api_client(colleague).get("/api/v1/meetings").json()["items"]
    assert "8001" not in str(listed) and "pw8001" not in str(listed)
    own = api_client(organiser).get(f"/api/v1/meetings/{meeting_id}").json()
    assert own["vc"]["number"] == "8001"


# --- 分会场 ----------------------------------------------------------------------------------


def test_a_branch_venue_over_the_api(organiser, room):
    make_terminal(room)
    response = create(
        api_client(organiser),
        room,
        when(15),
        when(17),
        kind="teleconference",
        branch_of="provincial",
        priority=1,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["branch_of"] == "provincial" and body["branch_of_label"] == "省级"
    assert body["priority"] == 3
    assert body["link_test_start"].startswith(when(14).isoformat()[:16])
    assert body["occupied_start"].startswith(when(13, 45).isoformat()[:16])


def test_a_branch_venue_in_a_room_without_a_terminal_is_a_422(organiser, room):
    response = create(api_client(organiser), room, kind="teleconference", branch_of="national")
    assert response.status_code == 422
    assert error_fields(response) == ["room_id"]
    assert "终端" in response.json()["message"]


def test_bad_branch_input_is_a_422(organiser, room):
    make_terminal(room)
    client = api_client(organiser)
    assert create(client, room, kind="teleconference", branch_of="county").status_code == 422
    assert (
        create(
            client, room, kind="teleconference", branch_of="provincial", link_test_minutes=-5
        ).status_code
        == 422
    )
    assert create(client, room, kind="topic", branch_of="provincial").status_code == 422


def test_patch_can_clear_a_branch_venue(organiser, room):
    make_terminal(room)
    client = api_client(organiser)
    meeting_id = create(
        client, room, when(15), when(17), kind="teleconference", branch_of="municipal"
    ).json()["id"]
    cleared = patch(client, f"/api/v1/meetings/{meeting_id}", {"branch_of": None})
    assert cleared.status_code == 200, cleared.json()
    assert cleared.json()["branch_of"] == "" and cleared.json()["link_test_start"] is None
    assert cleared.json()["occupied_start"].startswith(when(14, 45).isoformat()[:16])
