"""The personal 回执 page of a meeting that was called off sends nobody to a sign-in desk."""

from __future__ import annotations

import pytest
from django.test import Client

from meetings import attendees as svc
from meetings.models import Status
from tests.meetings.attendee_support import cast, full_roster, meeting_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("status", [Status.CANCELLED, Status.REJECTED])
def test_no_sign_in_code_once_the_meeting_is_off(organiser, room, status):
    meeting = meeting_for(organiser, room)
    roster = full_roster(meeting, organiser, cast())
    link = f"/r/{svc.rsvp_token(roster['李卫东'])}/"
    assert "签到二维码" in Client().get(link).content.decode()
    meeting.status = status
    meeting.save()
    page = Client().get(link).content.decode()
    assert f"会议{status.label}，无需回执" in page
    assert "签到二维码" not in page and "签到码" not in page
