"""Pre-emption over the API: the offer in an admin's 409, `preempt: true` to confirm."""

from __future__ import annotations

import pytest

from meetings.models import Meeting, Notification, Status
from tests.api_support import api_client, meeting_body, patch, post, when
from tests.factories import make_meeting, make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(organiser):
    big = make_room("大会议室", capacity=80, order=1)
    spare = make_room("第二会议室", capacity=30, order=2)
    lower = make_meeting(
        room=big, organizer=organiser, start=when(9), end=when(10), title="专题会议"
    )
    return big, spare, lower


def superior_body(room, **kw):
    return meeting_body(
        room.pk, when(9, 30), when(11), title="省政府电视电话会议", kind="teleconference", **kw
    )


def test_the_admin_gets_an_offer_and_confirms_it(admin, organiser, scene):
    big, spare, lower = scene
    client = api_client(admin)
    r = post(client, "/api/v1/meetings", superior_body(big))
    assert r.status_code == 409
    offer = r.json()["details"]["preemption"]
    assert offer["possible"] is True
    assert [v["id"] for v in offer["victims"]] == [lower.pk]
    assert offer["suggestions"] == [
        {"meeting_id": lower.pk, "room_id": spare.pk, "room_name": "第二会议室"}
    ]

    r = post(client, "/api/v1/meetings", superior_body(big, preempt=True))
    assert r.status_code == 201, r.json()
    assert r.json()["room"]["id"] == big.pk and r.json()["priority_label"] == "上级会议"
    lower.refresh_from_db()
    assert lower.room == spare and lower.status == Status.APPROVED
    assert Notification.objects.get(kind="preempted").recipient == organiser


def test_colleagues_get_no_offer_and_preempt_is_refused(colleague, scene):
    big, _, lower = scene
    client = api_client(colleague)
    r = post(client, "/api/v1/meetings", superior_body(big))
    assert r.status_code == 409 and "preemption" not in r.json()["details"]
    r = post(client, "/api/v1/meetings", superior_body(big, preempt=True))
    assert r.status_code == 403
    lower.refresh_from_db()
    assert lower.room == big


def test_an_equal_class_is_not_preemptable(admin, organiser, scene):
    big, _, lower = scene
    r = post(
        api_client(admin),
        "/api/v1/meetings",
        meeting_body(big.pk, when(9, 30), when(11), title="另一个专题会", preempt=True),
    )
    assert r.status_code == 409
    assert r.json()["details"]["preemption"]["possible"] is False
    lower.refresh_from_db()
    assert lower.room == big


def test_preempt_on_patch(admin, scene):
    big, spare, lower = scene
    elsewhere = make_room("第三会议室", capacity=20, order=9)
    client = api_client(admin)
    created = post(client, "/api/v1/meetings", superior_body(elsewhere)).json()
    url = f"/api/v1/meetings/{created['id']}"
    r = patch(client, url, {"room_id": big.pk})
    assert r.status_code == 409 and r.json()["details"]["preemption"]["possible"] is True
    r = patch(client, url, {"room_id": big.pk, "preempt": True})
    assert r.status_code == 200 and r.json()["room"]["id"] == big.pk
    assert Meeting.objects.get(pk=lower.pk).room == spare


def test_preempt_must_be_a_boolean(admin, scene):
    big, _, _ = scene
    r = post(api_client(admin), "/api/v1/meetings", superior_body(big, preempt="yes"))
    assert r.status_code == 422
