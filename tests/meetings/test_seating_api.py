"""The seating API: GET the plan, arrange, move, swap, lock; permissions and bad input."""

from __future__ import annotations

import pytest

from core.audit import audit_for
from meetings.models import Confidentiality, SeatAssignment
from meetings.seating import services
from tests.api_support import api_client, error_fields, post, when
from tests.factories import NOW
from tests.meetings.seating_support import scene

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(organiser):
    return scene(organiser, start=when(9))


def url(s, tail: str = "") -> str:
    return f"/api/v1/meetings/{s.meeting.pk}/seating{tail}"


def seat_named(body: dict, name: str) -> dict:
    return next(seat for seat in body["seats"] if seat["name"] == name)


def test_get_before_arranging_shows_the_room_layout_and_everyone_unseated(s, organiser):
    response = api_client(organiser).get(url(s))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["arranged"] is False and body["seated"] == 0 and body["total"] == 13
    assert {u["name"] for u in body["unseated"]} >= {"一号", "七号"}
    assert body["layout"]["kind"] == "rostrum" and body["layout"]["layout_id"] == s.layout.pk
    assert len(body["seats"]) == 7 + 30
    assert {f["kind"] for f in body["layout"]["features"]} >= {"rostrum", "door"}
    assert body["viewpoint_label"] == "从观众席看"
    assert body["reprint"]["printed"] is False
    assert body["can_edit"] is True
    assert body["room_layouts"] == [
        {"id": s.layout.pk, "name": s.layout.name, "kind": "rostrum", "is_default": True}
    ]


def test_arrange_answers_with_coordinates_labels_and_people(s, organiser):
    response = post(api_client(organiser), url(s, "/arrange"), {})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["arranged"] and body["seated"] == 13 and body["unseated"] == []
    centre = seat_named(body, "一号")
    assert (centre["id"], centre["label"], centre["zone"], centre["x"]) == (
        "R1-04",
        "台1-4",
        "rostrum",
        0.0,
    )
    assert centre["title"] == "县长" and centre["unit"] == "县人民政府"
    assert centre["attendance_id"] == s.leaders[0].pk and centre["locked"] is False
    rostrum = sorted((x for x in body["seats"] if x["zone"] == "rostrum"), key=lambda x: x["x"])
    assert [x["name"] for x in rostrum] == ["七号", "五号", "三号", "一号", "二号", "四号", "六号"]


def test_arrange_with_options_merges_into_the_stored_ones(s, organiser):
    client = api_client(organiser)
    body = post(client, url(s, "/arrange"), {"options": {"precedence": "right"}}).json()
    rostrum = sorted((x for x in body["seats"] if x["zone"] == "rostrum"), key=lambda x: x["x"])
    assert [x["name"] for x in rostrum][:3] == ["六号", "四号", "二号"]
    body = post(client, url(s, "/arrange"), {"options": {"viewpoint": "rostrum"}}).json()
    assert body["options"]["precedence"] == "right"  # kept
    assert body["viewpoint"] == "rostrum" and body["viewpoint_label"] == "从主席台看"
    assert "以右为上" in body["options_label"]


def test_arrange_with_a_zone_override(s, organiser):
    head = s.heads[0]
    body = post(
        api_client(organiser),
        url(s, "/arrange"),
        {"options": {"zones": {str(head.pk): "rostrum", str(s.leaders[6].pk): "audience"}}},
    ).json()
    assert seat_named(body, head.display_name)["zone"] == "rostrum"
    assert seat_named(body, "七号")["zone"] == "audience"


def test_more_people_than_seats_is_422_with_the_counts(organiser):
    small = {"rostrum_rows": [7], "audience_rows": 1, "audience_blocks": [2, 2]}
    s = scene(organiser, start=when(9), heads=6, params=small)
    response = post(api_client(organiser), url(s, "/arrange"), {})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "not_enough_seats"
    assert body["details"]["people"] == 6 and body["details"]["seats"] == 4
    assert "座位不足" in body["message"]
    assert not SeatAssignment.objects.exists()


def test_move_swap_and_lock(s, organiser):
    client = api_client(organiser)
    post(client, url(s, "/arrange"), {})
    head = s.heads[0]
    body = post(client, url(s, "/move"), {"attendance_id": head.pk, "seat_id": "A3-10"}).json()
    assert seat_named(body, head.display_name)["id"] == "A3-10"
    body = post(client, url(s, "/swap"), {"seat_a": "R1-04", "seat_b": "R1-05"}).json()
    assert seat_named(body, "一号")["id"] == "R1-05" and seat_named(body, "二号")["id"] == "R1-04"
    body = post(client, url(s, "/lock"), {"seat_id": "R1-05"}).json()
    assert seat_named(body, "一号")["locked"] is True
    refused = post(client, url(s, "/swap"), {"seat_a": "R1-05", "seat_b": "R1-04"})
    assert refused.status_code == 422 and "已锁定" in refused.json()["message"]
    body = post(client, url(s, "/lock"), {"seat_id": "R1-05", "locked": False}).json()
    assert seat_named(body, "一号")["locked"] is False
    actions = [e.action for e in audit_for(s.meeting)]
    assert {"seating_move", "seating_swap", "seating_lock", "seating_unlock"} <= set(actions)


def test_the_reprint_plan_is_in_the_answer(s, organiser):
    client = api_client(organiser)
    post(client, url(s, "/arrange"), {})
    services.seating_mark_printed(
        actor=organiser, meeting=s.meeting, document=services.CHART, now=NOW
    )
    services.seating_mark_printed(
        actor=organiser, meeting=s.meeting, document=services.CARDS, now=NOW
    )
    body = post(client, url(s, "/swap"), {"seat_a": "R1-04", "seat_b": "R1-05"}).json()
    reprint = body["reprint"]
    assert reprint["printed"] and not reprint["nothing"]
    assert reprint["count"] == 2 and reprint["chart_pages"] == [1]
    assert {c["seat_id"] for c in reprint["seats"]} == {"R1-04", "R1-05"}
    assert reprint["cards_to_print"] == []
    assert reprint["message"].startswith("自上次打印后有 2 处变动")


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/move", {"attendance_id": "1", "seat_id": "A1-01"}, "attendance_id"),
        ("/move", {"attendance_id": 1}, "seat_id"),
        ("/swap", {"seat_a": "", "seat_b": "A1-01"}, "seat_a"),
        ("/lock", {"seat_id": "A1-01", "locked": "yes"}, "locked"),
        ("/lock", {"seat_id": "A1-01", "extra": 1}, "extra"),
        ("/arrange", {"options": {"precedence": "up"}}, "options.precedence"),
        ("/arrange", {"options": {"unit_gap": 99}}, "options.unit_gap"),
        ("/arrange", {"options": {"zones": {"1": "balcony"}}}, "options.zones.1"),
    ],
)
def test_bad_input_is_422_naming_the_field(s, organiser, path, payload, field):
    response = post(api_client(organiser), url(s, path), payload)
    assert response.status_code == 422, response.content
    assert field in error_fields(response)


def test_rule_errors_are_422_with_a_message(s, organiser):
    client = api_client(organiser)
    post(client, url(s, "/arrange"), {})
    for path, payload, text in [
        ("/move", {"attendance_id": 999999, "seat_id": "A1-01"}, "不在本次会议"),
        ("/move", {"attendance_id": s.heads[0].pk, "seat_id": "NOPE"}, "没有这个座位"),
        ("/swap", {"seat_a": "R1-01", "seat_b": "NOPE"}, "没有这个座位"),
        ("/lock", {"seat_id": "A3-10"}, "只能锁定"),
        ("/arrange", {"params": {"rostrum_rows": "seven"}}, "rostrum_rows"),
        ("/arrange", {"layout_id": 999999}, "布局不存在"),
    ]:
        response = post(client, url(s, path), payload)
        assert response.status_code == 422, (path, response.content)
        assert text in response.json()["message"]


@pytest.mark.parametrize("who", ["colleague", "outsider", "approver", "leader"])
def test_writes_need_the_organiser_or_an_admin(s, who, request):
    client = api_client(request.getfixturevalue(who))
    for path, payload in [
        ("/arrange", {}),
        ("/move", {"attendance_id": s.heads[0].pk, "seat_id": "A1-01"}),
        ("/swap", {"seat_a": "A1-01", "seat_b": "A1-02"}),
        ("/lock", {"seat_id": "A1-01"}),
    ]:
        assert post(client, url(s, path), payload).status_code == 403
    assert client.get(url(s)).status_code == 200  # a normal meeting's seating is readable


def test_an_admin_may_arrange(s, admin):
    assert post(api_client(admin), url(s, "/arrange"), {}).status_code == 200


def test_a_confidential_meetings_seating_is_forbidden_to_those_who_may_not_see_it(
    organiser, colleague, approver
):
    s = scene(organiser, start=when(9), confidentiality=Confidentiality.CONFIDENTIAL)
    response = api_client(colleague).get(url(s))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "一号" not in response.content.decode()
    assert api_client(approver).get(url(s)).status_code == 200


def test_unknown_meeting_and_anonymous(s):
    client = api_client(None)
    assert client.get(url(s)).status_code == 401
    from tests.factories import make_user

    assert api_client(make_user("x")).get("/api/v1/meetings/999999/seating").status_code == 404


def test_the_openapi_documents_the_endpoints_and_the_stocks(client):
    schema = client.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/meetings/{meeting_id}/seating",
        "/api/v1/meetings/{meeting_id}/seating/arrange",
        "/api/v1/meetings/{meeting_id}/seating/move",
        "/api/v1/meetings/{meeting_id}/seating/swap",
        "/api/v1/meetings/{meeting_id}/seating/lock",
        "/api/v1/meetings/{meeting_id}/documents/seating.pdf",
        "/api/v1/meetings/{meeting_id}/documents/namecards.pdf",
        "/api/v1/rooms/{room_id}/layouts",
    ):
        assert path in paths, path
    cards = paths["/api/v1/meetings/{meeting_id}/documents/namecards.pdf"]["get"]
    assert "190x178" in cards["description"] and "A4 横向对折" in cards["description"]
    assert "application/pdf" in cards["responses"]["200"]["content"]
    stock = next(p for p in cards["parameters"] if p["name"] == "stock")
    assert set(stock["schema"]["enum"]) == {"a4", "200x120", "210x140", "190x178", "195x175"}
    assert "503" in cards["responses"]
