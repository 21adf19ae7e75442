"""Pending → approve / reject through the API."""

from __future__ import annotations

import pytest

from meetings.models import Meeting, Notification, Status
from tests.api_support import api_client, error_fields, meeting_body, post, when

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(organiser, approval_room):
    response = post(
        api_client(organiser), "/api/v1/meetings", meeting_body(approval_room.pk, when(9), when(10))
    )
    assert response.json()["status"] == "pending"
    return response.json()["id"]


def test_an_approver_approves_and_the_organiser_is_told(approver, organiser, pending):
    response = post(api_client(approver), f"/api/v1/meetings/{pending}/approve", {"note": "同意"})
    assert response.status_code == 200
    assert response.json()["status"] == "approved" and response.json()["hold_expires_at"] is None
    meeting = Meeting.objects.get(pk=pending)
    assert meeting.decided_by == approver and meeting.decision_note == "同意"
    assert Notification.objects.filter(recipient=organiser, kind="approved").exists()


def test_approve_without_a_body(admin, pending):
    response = api_client(admin).post(
        f"/api/v1/meetings/{pending}/approve", "", content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["status"] == "approved"


def test_an_approver_rejects_with_a_reason(approver, pending):
    response = post(
        api_client(approver), f"/api/v1/meetings/{pending}/reject", {"note": "时段另有安排"}
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected" and response.json()["can_edit"] is False
    assert Meeting.objects.get(pk=pending).status == Status.REJECTED


def test_a_rejection_needs_a_reason(approver, pending):
    response = post(api_client(approver), f"/api/v1/meetings/{pending}/reject", {"note": "  "})
    assert response.status_code == 422
    assert error_fields(response) == ["note"]
    assert Meeting.objects.get(pk=pending).status == Status.PENDING


@pytest.mark.parametrize("who", ["organiser", "colleague", "outsider", "leader", "secretary"])
@pytest.mark.parametrize("action", ["approve", "reject"])
def test_only_approvers_decide(request, who, action, pending):
    client = api_client(request.getfixturevalue(who))
    response = post(client, f"/api/v1/meetings/{pending}/{action}", {"note": "x"})
    assert response.status_code == 403
    assert Meeting.objects.get(pk=pending).status == Status.PENDING


def test_an_approved_meeting_cannot_be_approved_again(approver, organiser, room):
    confirmed = post(
        api_client(organiser), "/api/v1/meetings", meeting_body(room.pk, when(9), when(10))
    ).json()
    response = post(api_client(approver), f"/api/v1/meetings/{confirmed['id']}/approve", {})
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_state"


def test_deciding_an_unknown_meeting_is_404(approver):
    assert post(api_client(approver), "/api/v1/meetings/999999/approve", {}).status_code == 404


def test_a_long_note_is_422(approver, pending):
    response = post(
        api_client(approver), f"/api/v1/meetings/{pending}/approve", {"note": "x" * 501}
    )
    assert response.status_code == 422
    assert error_fields(response) == ["note"]
