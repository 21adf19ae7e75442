"""PATCH, submit and cancel: only the organiser or an admin, and nothing half-saved."""

from __future__ import annotations

import pytest

from meetings.models import Attendance, Meeting, Status
from tests.api_support import api_client, error_fields, iso, meeting_body, patch, post, when
from tests.factories import make_person, make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(organiser, room):
    response = post(
        api_client(organiser), "/api/v1/meetings", meeting_body(room.pk, when(9), when(10))
    )
    assert response.status_code == 201
    return response.json()["id"]


def test_organiser_moves_a_meeting(organiser, booked):
    response = patch(
        api_client(organiser),
        f"/api/v1/meetings/{booked}",
        {"start": iso(when(14)), "end": iso(when(15))},
    )
    assert response.status_code == 200, response.json()
    out = response.json()
    assert out["start"] == iso(when(14)) and out["sequence"] == 1
    assert Meeting.objects.get(pk=booked).start == when(14)


@pytest.mark.parametrize(
    ("who", "status"),
    [("admin", 200), ("colleague", 403), ("outsider", 403), ("approver", 403), ("leader", 403)],
)
def test_who_may_edit(request, booked, who, status):
    client = api_client(request.getfixturevalue(who))
    response = patch(client, f"/api/v1/meetings/{booked}", {"title": "改名"})
    assert response.status_code == status
    assert (Meeting.objects.get(pk=booked).title == "改名") == (status == 200)


def test_can_edit_is_reported_per_user(organiser, colleague, booked):
    assert api_client(organiser).get(f"/api/v1/meetings/{booked}").json()["can_edit"] is True
    assert api_client(colleague).get(f"/api/v1/meetings/{booked}").json()["can_edit"] is False


def test_attendees_replace_the_roster(organiser, booked):
    a, b = make_person("甲"), make_person("乙")
    client = api_client(organiser)
    patch(client, f"/api/v1/meetings/{booked}", {"attendees": [{"person_id": a.pk}]})
    response = patch(
        client, f"/api/v1/meetings/{booked}", {"attendees": [{"person_id": b.pk, "role": "chair"}]}
    )
    assert [x["name"] for x in response.json()["attendees"]] == ["乙"]
    assert list(Attendance.objects.values_list("person__name", flat=True)) == ["乙"]


def test_a_move_into_a_taken_slot_is_409_and_changes_nothing(organiser, colleague, room, booked):
    post(api_client(colleague), "/api/v1/meetings", meeting_body(room.pk, when(14), when(15)))
    person = make_person()
    response = patch(
        api_client(organiser),
        f"/api/v1/meetings/{booked}",
        {
            "start": iso(when(14)),
            "end": iso(when(15)),
            "title": "新名称",
            "attendees": [{"person_id": person.pk}],
        },
    )
    assert response.status_code == 409
    assert response.json()["details"]["conflicts"]
    meeting = Meeting.objects.get(pk=booked)
    assert (meeting.start, meeting.title, meeting.sequence) == (when(9), "专题会议", 0)
    assert not meeting.attendances.exists()


def test_bad_patch_input_is_422_and_changes_nothing(organiser, booked):
    client = api_client(organiser)
    cases = [
        ({"end": iso(when(8))}, ["end"]),
        ({"title": None}, ["title"]),
        ({"room_id": 999999}, ["room_id"]),
        ({"attendees": [{"person_id": 999999}]}, ["attendees.0.person_id"]),
        ({"status": "approved"}, ["status"]),
        ({"title": "x" * 201}, ["title"]),
    ]
    for body, fields in cases:
        response = patch(client, f"/api/v1/meetings/{booked}", body)
        assert response.status_code == 422, body
        assert error_fields(response) == fields, body
    meeting = Meeting.objects.get(pk=booked)
    assert (meeting.end, meeting.title, meeting.status) == (when(10), "专题会议", Status.APPROVED)


def test_moving_to_another_room_and_to_no_room(organiser, booked):
    other = make_room("第二会议室")
    client = api_client(organiser)
    assert (
        patch(client, f"/api/v1/meetings/{booked}", {"room_id": other.pk}).json()["room"]["id"]
        == other.pk
    )
    out = patch(
        client, f"/api/v1/meetings/{booked}", {"room_id": None, "place": "县工业园区"}
    ).json()
    assert out["room"] is None and out["location"] == "县工业园区"


def test_a_draft_is_submitted(organiser, room):
    client = api_client(organiser)
    draft = post(
        client, "/api/v1/meetings", meeting_body(room.pk, when(9), when(10), submit=False)
    ).json()
    response = post(client, f"/api/v1/meetings/{draft['id']}/submit", {})
    assert response.status_code == 200
    assert response.json()["status"] == "approved"
    again = post(client, f"/api/v1/meetings/{draft['id']}/submit", {})
    assert again.status_code == 409 and again.json()["code"] == "invalid_state"


def test_a_draft_is_changed_and_submitted_in_one_patch(organiser, colleague, room):
    client = api_client(organiser)
    draft = post(
        client, "/api/v1/meetings", meeting_body(room.pk, when(9), when(10), submit=False)
    ).json()
    post(api_client(colleague), "/api/v1/meetings", meeting_body(room.pk, when(9), when(10)))
    clash = patch(client, f"/api/v1/meetings/{draft['id']}", {"title": "新名称", "submit": True})
    assert clash.status_code == 409
    assert Meeting.objects.get(pk=draft["id"]).title == "专题会议", "nothing half-saved"
    moved = patch(
        client,
        f"/api/v1/meetings/{draft['id']}",
        {"start": iso(when(14)), "end": iso(when(15)), "submit": True},
    )
    assert moved.status_code == 200 and moved.json()["status"] == "approved"


def test_submitting_someone_elses_draft_is_403(organiser, colleague, room):
    draft = post(
        api_client(organiser),
        "/api/v1/meetings",
        meeting_body(room.pk, when(9), when(10), submit=False),
    )
    response = post(api_client(colleague), f"/api/v1/meetings/{draft.json()['id']}/submit", {})
    assert response.status_code == 403


def test_organiser_cancels_and_the_room_is_free_again(organiser, colleague, room, booked):
    response = post(
        api_client(organiser), f"/api/v1/meetings/{booked}/cancel", {"reason": "领导另有安排"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled" and response.json()["can_edit"] is False
    assert Meeting.objects.get(pk=booked).cancel_reason == "领导另有安排"
    again = post(
        api_client(colleague), "/api/v1/meetings", meeting_body(room.pk, when(9), when(10))
    )
    assert again.status_code == 201


@pytest.mark.parametrize("who", ["colleague", "outsider", "approver", "leader", "secretary"])
def test_others_cannot_cancel(request, who, booked):
    response = post(
        api_client(request.getfixturevalue(who)), f"/api/v1/meetings/{booked}/cancel", {}
    )
    assert response.status_code == 403
    assert Meeting.objects.get(pk=booked).status == Status.APPROVED


def test_a_cancelled_meeting_cannot_be_edited(organiser, booked):
    client = api_client(organiser)
    post(client, f"/api/v1/meetings/{booked}/cancel", {})
    response = patch(client, f"/api/v1/meetings/{booked}", {"title": "复活"})
    assert response.status_code == 409 and response.json()["code"] == "invalid_state"


def test_unknown_and_malformed_meeting_ids(organiser):
    client = api_client(organiser)
    assert client.get("/api/v1/meetings/999999").status_code == 404
    assert patch(client, "/api/v1/meetings/999999", {"title": "x"}).status_code == 404
    assert post(client, "/api/v1/meetings/999999/cancel", {}).status_code == 404
    malformed = client.get("/api/v1/meetings/abc")
    assert malformed.status_code == 422 and error_fields(malformed) == ["meeting_id"]
    assert client.get(f"/api/v1/meetings/{2**70}").status_code == 422
