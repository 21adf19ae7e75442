"""The admin site: master data editable, meetings and the audit log read-only."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from core.audit import audit_for
from core.models import ApiToken
from core.timeutil import at_local, localtime
from meetings.models import Notification, PrintJob, Status
from tests.conftest import client_for
from tests.factories import make_meeting, make_person, make_room, make_token, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def root() -> User:
    return make_user("root", is_superuser=True, is_staff=True)


def test_every_admin_page_loads(root, organiser, leader, secretary):
    room = make_room("第一会议室", equipment=["projector"])
    day = localtime(timezone.now()).date() + dt.timedelta(days=5)
    meeting = make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
        attendees=[leader.person, make_person()],
    )
    make_token(organiser)
    note = Notification.objects.create(
        recipient=organiser, kind="x", subject="已批准", channel="email", last_error="550"
    )
    job = PrintJob.objects.create(meeting=meeting, kind="namecards", requested_by=organiser)
    client = client_for(root)
    urls = [
        "/admin/",
        "/admin/core/unit/",
        "/admin/core/person/",
        "/admin/core/person/?email__isempty=1&notify_channel__exact=email",
        f"/admin/core/person/{leader.person.pk}/change/",
        "/admin/core/apitoken/",
        "/admin/core/auditentry/",
        "/admin/rooms/room/",
        f"/admin/rooms/room/{room.pk}/change/",
        "/admin/rooms/room/add/",
        "/admin/rooms/equipment/",
        "/admin/meetings/meeting/",
        f"/admin/meetings/meeting/{meeting.pk}/change/",
        "/admin/meetings/notification/",
        f"/admin/meetings/notification/{note.pk}/change/",
        "/admin/meetings/printjob/",
        f"/admin/meetings/printjob/{job.pk}/change/",
    ]
    for url in urls:
        assert client.get(url).status_code == 200, url
    person_page = client.get(f"/admin/core/person/{leader.person.pk}/change/").content.decode()
    assert "secretaries" in person_page and "秘书" in person_page


def test_meetings_and_audit_entries_cannot_be_added_or_edited_in_admin(root):
    client = client_for(root)
    assert client.get("/admin/meetings/meeting/add/").status_code == 403
    assert client.get("/admin/core/auditentry/add/").status_code == 403
    assert client.get("/admin/core/apitoken/add/").status_code == 403


def test_cancelling_from_admin_goes_through_the_rules(root, organiser):
    day = localtime(timezone.now()).date() + dt.timedelta(days=5)
    meeting = make_meeting(
        room=make_room(),
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
    )
    client_for(root).post(
        "/admin/meetings/meeting/",
        {"action": "cancel_meetings", "_selected_action": [meeting.pk]},
    )
    meeting.refresh_from_db()
    assert meeting.status == Status.CANCELLED
    assert audit_for(meeting).filter(action="cancel", actor=root).exists()


def test_tokens_are_revoked_not_shown(root, organiser):
    make_token(organiser)
    token = ApiToken.objects.get()
    client_for(root).post(
        "/admin/core/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}
    )
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_staff_without_admin_rights_see_no_admin_link(organiser, admin):
    assert "管理后台" not in client_for(organiser).get("/board/").content.decode()
    assert "管理后台" in client_for(admin).get("/board/").content.decode()
