"""Confidential meetings are masked in every API answer for those not involved."""

from __future__ import annotations

import datetime as dt

import pytest

from meetings.access import MASKED_TITLE
from meetings.models import Confidentiality
from tests.api_support import api_client, when
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db

SEES = ["organiser", "admin", "approver", "leader", "secretary"]
MASKED = ["colleague", "outsider"]


@pytest.fixture
def secret(organiser, room, leader):
    return make_meeting(
        room=room,
        start=when(9),
        end=when(10),
        organizer=organiser,
        title="干部人事研究",
        description="议题：干部任免",
        confidentiality=Confidentiality.CONFIDENTIAL,
        attendees=[leader.person],
        acknowledged_conflicts=[{"code": "person_busy", "message": "王县长在该时段已有其他安排"}],
    )


@pytest.mark.parametrize("who", MASKED)
def test_detail_is_masked_for_those_not_involved(request, who, secret):
    out = api_client(request.getfixturevalue(who)).get(f"/api/v1/meetings/{secret.pk}").json()
    assert out["title"] == MASKED_TITLE and out["masked"] is True
    assert out["description"] == "" and out["attendees"] == []
    assert out["organizer"] is None and out["acknowledged_conflicts"] == []
    # That the room is taken, and when, is not secret: the board shows it to everyone.
    assert out["room"]["id"] == secret.room_id and out["start"].endswith("+08:00")


@pytest.mark.parametrize("who", SEES)
def test_detail_is_shown_to_those_involved(request, who, secret):
    out = api_client(request.getfixturevalue(who)).get(f"/api/v1/meetings/{secret.pk}").json()
    assert out["title"] == "干部人事研究" and out["masked"] is False
    assert out["attendees"][0]["name"] == "王县长"
    assert out["organizer"]["username"] == "organiser"


@pytest.mark.parametrize(
    ("who", "masked"), [(w, False) for w in SEES] + [(w, True) for w in MASKED]
)
def test_the_list_masks_the_same_way(request, who, masked, secret):
    items = api_client(request.getfixturevalue(who)).get("/api/v1/meetings").json()["items"]
    assert [i["masked"] for i in items] == [masked]
    assert (items[0]["title"] == MASKED_TITLE) == masked


@pytest.mark.parametrize(
    ("who", "masked"), [("colleague", True), ("outsider", True), ("leader", False)]
)
def test_room_availability_masks_the_title(request, who, masked, secret, room):
    day = when(0)
    params = {"start": day.isoformat(), "end": (day + dt.timedelta(days=1)).isoformat()}
    client = api_client(request.getfixturevalue(who))
    busy = client.get(f"/api/v1/rooms/{room.pk}/availability", params).json()["busy"]
    assert busy[0]["meeting_id"] == secret.pk
    assert (busy[0]["title"] == MASKED_TITLE) == masked and busy[0]["masked"] == masked


def test_a_conflict_with_a_confidential_meeting_is_masked(colleague, secret, room):
    from tests.api_support import meeting_body, post

    response = post(
        api_client(colleague), "/api/v1/meetings", meeting_body(room.pk, when(9), when(10))
    )
    assert response.status_code == 409
    assert response.json()["details"]["conflicts"][0]["title"] == MASKED_TITLE
