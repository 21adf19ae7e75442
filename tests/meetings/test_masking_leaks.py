"""Masked meetings must not leak through side doors: filters and off-site places."""

from __future__ import annotations

import pytest

from meetings.models import Confidentiality
from tests.conftest import client_for
from tests.factories import at, make_meeting

pytestmark = pytest.mark.django_db


def test_filtering_by_person_does_not_reveal_a_confidential_roster(
    organiser, outsider, leader, room
):
    make_meeting(
        room=room,
        start=at(4, 9),
        end=at(4, 10),
        organizer=organiser,
        confidentiality=Confidentiality.CONFIDENTIAL,
        attendees=[leader.person],
    )
    url = f"/api/v1/meetings?person_id={leader.person.pk}"
    assert client_for(outsider).get(url).json()["count"] == 0
    assert client_for(leader).get(url).json()["count"] == 1


def test_the_place_of_a_confidential_offsite_meeting_is_masked(organiser, outsider):
    m = make_meeting(
        room=None,
        place="县纪委谈话室",
        start=at(4, 9),
        end=at(4, 10),
        organizer=organiser,
        confidentiality=Confidentiality.CONFIDENTIAL,
    )
    body = client_for(outsider).get(f"/api/v1/meetings/{m.pk}").json()
    assert body["masked"] and "谈话室" not in body["place"] + body["location"]
    assert "谈话室" not in client_for(outsider).get(f"/meetings/{m.pk}/").content.decode()
    assert "谈话室" in client_for(organiser).get(f"/meetings/{m.pk}/").content.decode()
