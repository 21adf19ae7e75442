"""通知送达 on the meeting page: who was told, and who could not be reached."""

from __future__ import annotations

import pytest

from meetings.models import DeliveryStatus, Notification
from meetings.notifications import meeting_reach
from meetings.services import AttendeeSpec, meeting_create, meeting_update
from tests.conftest import client_for
from tests.factories import NOW, at
from tests.meetings.notify_support import cast

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return cast()


def book(organiser, room, attendees):
    return meeting_create(
        actor=organiser,
        title="财政预算编制会",
        room=room,
        start=at(2, 9),
        end=at(2, 10),
        now=NOW,
        attendees=[AttendeeSpec(p) for p in attendees],
    )


def test_the_latest_message_per_person(people, organiser, room):
    meeting = book(organiser, room, [people.zhang, people.wang])
    meeting = meeting_update(
        meeting=meeting, actor=organiser, now=NOW, start=at(2, 14), end=at(2, 15)
    )
    reach = {r.person.name: r.row for r in meeting_reach(meeting)}
    assert reach["张局长"] is not None and reach["张局长"].subject.startswith("会议变更")
    assert reach["王科员"].status == DeliveryStatus.SKIPPED
    assert "未设置电子邮箱" in reach["王科员"].last_error


def test_the_page_shows_it_to_the_organiser_only(people, organiser, colleague, room):
    meeting = book(organiser, room, [people.zhang, people.wang])
    Notification.objects.filter(person=people.zhang).update(
        status=DeliveryStatus.FAILED, last_error="SMTP 550 mailbox unavailable"
    )
    html = client_for(organiser).get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'id="reach-card"' in html
    assert "发送失败" in html and "SMTP 550" in html and "未设置电子邮箱" in html
    # Problems open the list and are counted in its summary.
    assert "未送达 2 人" in html and "<details open>" in html
    other = client_for(colleague).get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'id="reach-card"' not in other


def test_before_confirmation_nobody_has_been_told(people, organiser, approval_room):
    meeting = book(organiser, approval_room, [people.zhang])  # waits for an approver
    [row] = meeting_reach(meeting)
    assert row.row is None
    html = client_for(organiser).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "尚未发送" in html


def test_confirmed_conflicts_name_who_confirmed_them(organiser, leader, room):
    from tests.factories import make_meeting

    meeting = make_meeting(
        room=room,
        organizer=organiser,
        start=at(2, 9),
        end=at(2, 10),
        acknowledged_conflicts=[{"code": "person_busy", "message": "有人时间冲突", "by": "leader"}],
    )
    html = client_for(organiser).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "有人时间冲突<small>（王县长 确认）</small>" in html
