"""Priority classes (DESIGN §4): derived from the kind, raised only by an admin."""

from __future__ import annotations

import pytest

from core.exceptions import PermissionDenied
from meetings.models import Kind, Meeting, Priority
from meetings.services import meeting_create, meeting_update
from tests.api_support import api_client, meeting_body, patch, post, when
from tests.factories import at, make_terminal

pytestmark = pytest.mark.django_db

NOW = at(1, 9)


def book(actor, room, **kw):
    kw = {"start": at(3, 9), "end": at(3, 10), **kw}
    return meeting_create(actor=actor, now=NOW, title="会议", room=room, **kw)


def test_the_class_follows_the_kind(organiser, room):
    assert book(organiser, room, kind=Kind.EXECUTIVE).priority == Priority.IMPORTANT
    assert (
        book(organiser, room, kind=Kind.TOPIC, start=at(3, 11), end=at(3, 12)).priority
        == Priority.NORMAL
    )


def test_a_kind_change_lowers_the_class_as_well_as_raising_it(organiser, room):
    meeting = book(organiser, room, kind=Kind.EXECUTIVE)
    meeting = meeting_update(meeting=meeting, actor=organiser, now=NOW, kind=Kind.TOPIC)
    assert meeting.priority == Priority.NORMAL
    meeting = meeting_update(meeting=meeting, actor=organiser, now=NOW, kind=Kind.EXECUTIVE)
    assert meeting.priority == Priority.IMPORTANT


def test_a_meeting_that_is_no_longer_a_branch_venue_is_no_longer_superior(organiser, room):
    make_terminal(room)
    meeting = book(organiser, room, kind=Kind.TELECONFERENCE, branch_of="provincial")
    assert meeting.priority == Priority.SUPERIOR
    meeting = meeting_update(
        meeting=meeting, actor=organiser, now=NOW, kind=Kind.TOPIC, branch_of=""
    )
    assert meeting.priority == Priority.NORMAL


def test_only_an_admin_raises_the_class(organiser, admin, room):
    with pytest.raises(PermissionDenied, match="只有会务管理员"):
        book(organiser, room, priority=Priority.SUPERIOR)
    assert not Meeting.objects.exists()
    mine = book(organiser, room, priority=Priority.NORMAL, kind=Kind.EXECUTIVE)
    assert mine.priority == Priority.NORMAL  # lowering one's own is allowed
    with pytest.raises(PermissionDenied):
        meeting_update(meeting=mine, actor=organiser, now=NOW, priority=Priority.SUPERIOR)
    mine.refresh_from_db()
    assert mine.priority == Priority.NORMAL
    raised = meeting_update(meeting=mine, actor=admin, now=NOW, priority=Priority.SUPERIOR)
    assert raised.priority == Priority.SUPERIOR


def test_over_the_api_a_raised_class_is_a_403_naming_the_field(organiser, admin, room):
    body = meeting_body(room.pk, when(9), when(10), priority=3)
    refused = post(api_client(organiser), "/api/v1/meetings", body)
    assert refused.status_code == 403
    assert refused.json()["details"]["errors"][0]["field"] == "priority"
    created = post(api_client(admin), "/api/v1/meetings", body)
    assert created.status_code == 201 and created.json()["priority"] == 3
    own = post(api_client(organiser), "/api/v1/meetings", meeting_body(room.pk, when(11), when(12)))
    url = f"/api/v1/meetings/{own.json()['id']}"
    raised = patch(api_client(organiser), url, {"priority": 3})
    assert raised.status_code == 403 and "会务管理员" in raised.json()["message"]
    assert Meeting.objects.get(pk=own.json()["id"]).priority == Priority.NORMAL
