"""待审批: the queue for approvers, oldest first, with inline approve and reject."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.timeutil import at_local, localtime
from core.workdays import is_workday
from meetings.models import Meeting, Status
from meetings.services import AttendeeSpec, meeting_create
from tests.conftest import client_for
from tests.factories import make_meeting, make_room

pytestmark = pytest.mark.django_db


def workday_ahead(days: int = 4) -> dt.date:
    day = localtime(timezone.now()).date() + dt.timedelta(days=days)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def request_room(user, room, title: str, hour: int = 9, **kw) -> Meeting:
    day = workday_ahead()
    return meeting_create(
        actor=user,
        title=title,
        room=room,
        start=at_local(day, dt.time(hour)),
        end=at_local(day, dt.time(hour + 1)),
        now=timezone.now(),
        **kw,
    )


def test_only_approvers_and_admins_see_the_queue(
    organiser, colleague, outsider, leader, approver, admin
):
    for user in (organiser, colleague, outsider, leader):
        assert client_for(user).get("/approvals/").status_code == 403
    for user in (approver, admin):
        assert client_for(user).get("/approvals/").status_code == 200


def test_the_nav_shows_the_queue_with_its_count_to_approvers_only(
    organiser, approver, approval_room
):
    request_room(organiser, approval_room, "申请一")
    assert 'href="/approvals/"' not in client_for(organiser).get("/board/").content.decode()
    html = client_for(approver).get("/board/").content.decode()
    assert 'href="/approvals/"' in html and '<span class="count">1</span>' in html


def test_pending_requests_are_listed_oldest_first_with_details(
    organiser, colleague, approver, approval_room
):
    first = request_room(organiser, approval_room, "先申请的会议", hour=9)
    second = request_room(colleague, approval_room, "后申请的会议", hour=14)
    Meeting.objects.filter(pk=first.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))
    html = client_for(approver).get("/approvals/").content.decode()
    assert html.index("先申请的会议") < html.index("后申请的会议")
    assert "常务会议室" in html and "organiser" in html and "colleague" in html
    deadline = localtime(second.hold_expires_at)
    assert f"{deadline.month}月{deadline.day}日 {deadline:%H:%M}" in html


def test_a_leader_now_busy_is_shown_as_a_clash(
    organiser, colleague, approver, approval_room, leader
):
    request_room(organiser, approval_room, "申请", attendees=[AttendeeSpec(leader.person)])
    day = workday_ahead()
    make_meeting(
        room=make_room("第二会议室"),
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=colleague,
        attendees=[leader.person],
    )
    html = client_for(approver).get("/approvals/").content.decode()
    assert "王县长在该时段已有其他安排" in html


def test_inline_approve_returns_to_the_queue(organiser, approver, approval_room):
    meeting = request_room(organiser, approval_room, "申请")
    client = client_for(approver)
    response = client.post(f"/meetings/{meeting.pk}/approve/", {"note": "", "next": "/approvals/"})
    assert response.status_code == 302 and response["Location"] == "/approvals/"
    meeting.refresh_from_db()
    assert meeting.status == Status.APPROVED
    html = client.get("/approvals/").content.decode()
    assert "已批准" in html and "没有待审批的申请" in html


def test_inline_reject_needs_a_note(organiser, approver, approval_room):
    meeting = request_room(organiser, approval_room, "申请")
    client = client_for(approver)
    html = client.post(
        f"/meetings/{meeting.pk}/reject/", {"note": "", "next": "/approvals/"}, follow=True
    ).content.decode()
    assert "驳回时请填写理由" in html
    client.post(f"/meetings/{meeting.pk}/reject/", {"note": "另有安排", "next": "/approvals/"})
    meeting.refresh_from_db()
    assert meeting.status == Status.REJECTED and meeting.decision_note == "另有安排"


def test_next_never_leaves_the_site(organiser, approver, approval_room):
    meeting = request_room(organiser, approval_room, "申请")
    response = client_for(approver).post(
        f"/meetings/{meeting.pk}/approve/", {"next": "https://evil.example/"}
    )
    assert response["Location"] == f"/meetings/{meeting.pk}/"
