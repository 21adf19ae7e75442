"""409s: a taken room (never overridable) and soft conflicts (acknowledgeable)."""

from __future__ import annotations

import pytest

from meetings.models import Meeting
from tests.api_support import api_client, meeting_body, post, when
from tests.factories import make_person, make_room

pytestmark = pytest.mark.django_db


def create(user, body):
    return post(api_client(user), "/api/v1/meetings", body)


def test_a_taken_room_is_409_with_conflicts_and_alternatives(organiser, colleague, room):
    other = make_room("第二会议室", capacity=80)
    first = create(organiser, meeting_body(room.pk, when(9), when(10), title="全县安全生产会议"))
    assert first.status_code == 201
    # 10:10 is inside the first meeting's 15-minute teardown.
    response = create(
        colleague, meeting_body(room.pk, when(10, 10), when(11), expected_attendance=40)
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "booking_conflict" and body["message"]
    conflict = body["details"]["conflicts"][0]
    assert conflict["id"] == first.json()["id"]
    assert conflict["title"] == "全县安全生产会议"
    assert conflict["occupied_end"] == first.json()["occupied_end"]
    alternatives = body["details"]["alternatives"]
    assert [r["id"] for r in alternatives["rooms"]] == [other.pk]
    assert alternatives["slots"], "the room's next free slots are offered"
    assert all(s["start"].endswith("+08:00") for s in alternatives["slots"])
    assert Meeting.objects.count() == 1


def test_an_acknowledgement_does_not_override_a_taken_room(organiser, room):
    create(organiser, meeting_body(room.pk, when(9), when(10)))
    ack = ["person_busy", "over_capacity", "outside_hours"]
    response = create(organiser, meeting_body(room.pk, when(9), when(10), acknowledge=ack))
    assert response.status_code == 409
    assert Meeting.objects.count() == 1


def test_back_to_back_without_buffers_is_fine(organiser, room):
    kw = {"setup_minutes": 0, "teardown_minutes": 0}
    assert create(organiser, meeting_body(room.pk, when(9), when(10), **kw)).status_code == 201
    assert create(organiser, meeting_body(room.pk, when(10), when(11), **kw)).status_code == 201


def test_a_busy_leader_is_409_until_acknowledged(organiser, room):
    leader = make_person("李副县长", is_leader=True)
    other = make_room("第二会议室")
    roster = [{"person_id": leader.pk}]
    create(organiser, meeting_body(room.pk, when(9), when(10), attendees=roster))

    refused = create(organiser, meeting_body(other.pk, when(9, 30), when(11), attendees=roster))
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "soft_conflict"
    warning = body["details"]["warnings"][0]
    assert warning["code"] == "person_busy" and warning["conflicts"]
    assert "alternatives" in body["details"]
    assert Meeting.objects.count() == 1

    accepted = create(
        organiser,
        meeting_body(
            other.pk, when(9, 30), when(11), attendees=roster, acknowledge=["person_busy"]
        ),
    )
    assert accepted.status_code == 201
    recorded = accepted.json()["acknowledged_conflicts"]
    assert recorded[0]["code"] == "person_busy" and recorded[0]["by"] == "organiser"
    assert (
        Meeting.objects.get(pk=accepted.json()["id"]).acknowledged_conflicts[0]["code"]
        == "person_busy"
    )


def test_over_capacity_and_outside_hours_need_acknowledgement(organiser):
    small = make_room("小会议室", capacity=5)
    body = meeting_body(small.pk, when(21), when(23), expected_attendance=10)
    refused = create(organiser, body)
    assert refused.status_code == 409
    codes = {w["code"] for w in refused.json()["details"]["warnings"]}
    assert codes == {"over_capacity", "outside_hours"}

    partly = create(organiser, {**body, "acknowledge": ["over_capacity"]})
    assert partly.status_code == 409
    assert [w["code"] for w in partly.json()["details"]["warnings"]] == ["outside_hours"]

    accepted = create(organiser, {**body, "acknowledge": ["over_capacity", "outside_hours"]})
    assert accepted.status_code == 201
    assert {a["code"] for a in accepted.json()["acknowledged_conflicts"]} == {
        "over_capacity",
        "outside_hours",
    }
