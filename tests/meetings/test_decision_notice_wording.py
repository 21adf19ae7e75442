"""What approvers and organisers read in the request and decision notices.

They name people as the office knows them (林晓燕, not the login name) and give the time
the way the invitations do (2026年12月2日（星期三）上午10:00–11:30), not as ISO dates.
"""

from __future__ import annotations

import pytest

from core.roles import Role
from meetings.models import Meeting, Notification, Status
from meetings.series import series_approve
from meetings.services import meeting_approve, meeting_create, meeting_update
from tests.conftest import client_for
from tests.factories import NOW, at, make_user
from tests.meetings.series_support import book_series

pytestmark = pytest.mark.django_db


@pytest.fixture
def booker(db):
    return make_user("linxy", Role.STAFF, last_name="林", first_name="晓燕")


def test_a_request_and_its_approval_read_as_an_office_writes_them(booker, approver, approval_room):
    meeting = meeting_create(
        actor=booker,
        title="研究安全生产工作专题会议",
        room=approval_room,
        start=at(2, 10),
        end=at(2, 11, 30),
        now=NOW,
    )
    asked = Notification.objects.get(kind="approval_requested")
    assert asked.body.startswith("林晓燕 申请 ")
    assert "linxy" not in asked.body
    assert "2026年12月2日（星期三）上午10:00–11:30" in asked.body
    assert "12月02日" not in asked.body

    meeting_approve(meeting=meeting, actor=approver, now=NOW)
    decided = Notification.objects.get(kind="approved")
    assert "时间：2026年12月2日（星期三）上午10:00–11:30" in decided.body
    assert "2026-12-02" not in decided.body


def test_a_series_request_and_its_approval_too(booker, approver, approval_room):
    result = book_series(booker, approval_room)
    asked = Notification.objects.get(kind="approval_requested")
    assert asked.body.startswith("林晓燕 申请 ") and "linxy" not in asked.body

    series_approve(series=result.series, actor=approver, now=NOW)
    decided = Notification.objects.get(kind="approved")
    assert decided.body.startswith("2026年12月7日至12月28日的 4 次会议已批准。")


def test_the_meeting_page_says_when_the_attendees_will_be_reminded(booker, room):
    meeting = meeting_create(
        actor=booker,
        title="专题会议",
        room=room,
        start=at(2, 10),
        end=at(2, 11),
        now=NOW,
        reminder_minutes=60,
    )
    page = client_for(booker).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "<dt>会前提醒</dt><dd>提前 1 小时</dd>" in page
    Meeting.objects.filter(pk=meeting.pk).update(reminder_sent_for=meeting.start)
    page = client_for(booker).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "提前 1 小时<small" in page and "（已提醒）" in page
    Meeting.objects.filter(pk=meeting.pk).update(status=Status.CANCELLED)
    page = client_for(booker).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "<dt>会前提醒</dt>" not in page  # nobody will be reminded of it
    Meeting.objects.filter(pk=meeting.pk).update(status=Status.APPROVED, reminder_minutes=None)
    page = client_for(booker).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "<dt>会前提醒</dt>" not in page


def test_the_meetings_log_names_changed_fields_in_chinese(booker, room):
    meeting = meeting_create(
        actor=booker, title="专题会议", room=room, start=at(2, 10), end=at(2, 11), now=NOW
    )
    meeting_update(meeting=meeting, actor=booker, now=NOW, start=at(2, 14), end=at(2, 15))
    page = client_for(booker).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "修改：开始时间、结束时间" in page
    assert "修改：start" not in page
