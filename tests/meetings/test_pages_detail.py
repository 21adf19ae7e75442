"""会议详情: fields, roster, audit log, masking, and the buttons for each member of the cast."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.timeutil import at_local, localtime
from core.workdays import is_workday
from meetings.models import Confidentiality, Meeting, Status
from meetings.services import AttendeeSpec, meeting_create
from tests.conftest import client_for
from tests.factories import make_meeting, make_person

pytestmark = pytest.mark.django_db


def workday_ahead(days: int = 4) -> dt.date:
    day = localtime(timezone.now()).date() + dt.timedelta(days=days)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def book(user, room, **kw) -> Meeting:
    day = workday_ahead()
    return meeting_create(
        actor=user,
        title=kw.pop("title", "安全生产专题会议"),
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        now=timezone.now(),
        **kw,
    )


def test_organiser_sees_everything_with_the_audit_log(organiser, room, leader):
    meeting = book(
        organiser,
        room,
        attendees=[AttendeeSpec(leader.person, "chair")],
        description="研究冬季安全生产",
    )
    html = client_for(organiser).get(f"/meetings/{meeting.pk}/").content.decode()
    for text in (
        "安全生产专题会议",
        "第一会议室",
        "09:00–10:00",
        "已确认",
        "王县长",
        "主持",
        "研究冬季安全生产",
    ):
        assert text in html
    assert "操作记录" in html and "预订" in html and "organiser" in html
    assert f'href="/meetings/{meeting.pk}/edit/"' in html and "取消会议" in html


def test_outsider_sees_a_confidential_meeting_masked_without_audit(
    organiser, outsider, room, leader
):
    meeting = book(
        organiser,
        room,
        title="干部任免研究",
        confidentiality=Confidentiality.CONFIDENTIAL,
        attendees=[AttendeeSpec(leader.person)],
        description="秘密议题",
    )
    response = client_for(outsider).get(f"/meetings/{meeting.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "内部会议" in html and "第一会议室" in html
    for secret in ("干部任免研究", "秘密议题", "王县长", "操作记录", "organiser"):
        assert secret not in html
    assert "编辑" not in html and "取消会议" not in html


def test_an_attendee_and_the_leaders_secretary_see_the_confidential_meeting(
    organiser, leader, secretary, room
):
    meeting = book(
        organiser,
        room,
        title="干部任免研究",
        confidentiality=Confidentiality.CONFIDENTIAL,
        attendees=[AttendeeSpec(leader.person)],
    )
    for user in (leader, secretary):
        assert "干部任免研究" in client_for(user).get(f"/meetings/{meeting.pk}/").content.decode()


def test_colleague_cannot_edit_or_cancel_the_organisers_meeting(organiser, colleague, room):
    meeting = book(organiser, room)
    client = client_for(colleague)
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "取消会议" not in html and f"/meetings/{meeting.pk}/edit/" not in html
    assert client.post(f"/meetings/{meeting.pk}/cancel/", {"reason": "x"}).status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == Status.APPROVED


def test_organiser_cancels_with_a_reason(organiser, room):
    meeting = book(organiser, room)
    client = client_for(organiser)
    response = client.post(
        f"/meetings/{meeting.pk}/cancel/", {"reason": "领导临时出差"}, follow=True
    )
    meeting.refresh_from_db()
    assert meeting.status == Status.CANCELLED and meeting.cancel_reason == "领导临时出差"
    html = response.content.decode()
    assert "会议已取消" in html and "领导临时出差" in html
    # a second cancel is refused politely, not with a 500
    again = client.post(f"/meetings/{meeting.pk}/cancel/", {"reason": ""}, follow=True)
    assert "已取消" in again.content.decode()


def test_cancel_and_approve_need_post(organiser, approver, room):
    meeting = book(organiser, room)
    assert client_for(organiser).get(f"/meetings/{meeting.pk}/cancel/").status_code == 405
    assert client_for(approver).get(f"/meetings/{meeting.pk}/approve/").status_code == 405


def test_approver_approves_a_pending_request_from_its_page(organiser, approver, approval_room):
    meeting = book(organiser, approval_room)
    assert meeting.status == Status.PENDING
    page = client_for(organiser).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "预留至" in page and "批准" not in page
    client = client_for(approver)
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "批准" in html and "驳回" in html
    response = client.post(f"/meetings/{meeting.pk}/approve/", {"note": "同意"}, follow=True)
    meeting.refresh_from_db()
    assert meeting.status == Status.APPROVED and meeting.decided_by == approver
    html = response.content.decode()
    assert "已批准" in html and "同意" in html


def test_reject_needs_a_reason(organiser, approver, approval_room):
    meeting = book(organiser, approval_room)
    client = client_for(approver)
    response = client.post(f"/meetings/{meeting.pk}/reject/", {"note": ""}, follow=True)
    assert "驳回时请填写理由" in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == Status.PENDING
    client.post(f"/meetings/{meeting.pk}/reject/", {"note": "时间与常务会议冲突"})
    meeting.refresh_from_db()
    assert meeting.status == Status.REJECTED


def test_only_approvers_decide(organiser, colleague, approval_room):
    meeting = book(organiser, approval_room)
    for user in (organiser, colleague):
        assert client_for(user).post(f"/meetings/{meeting.pk}/approve/").status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == Status.PENDING


def test_audit_log_shows_what_changed(organiser, room):
    meeting = book(organiser, room)
    day = localtime(meeting.start).date()
    client = client_for(organiser)
    client.post(
        f"/meetings/{meeting.pk}/edit/",
        {
            "title": "安全生产专题会议（调整）",
            "kind": "topic",
            "room": room.pk,
            "date": day.isoformat(),
            "start_time": "14:00",
            "end_time": "15:00",
            "confidentiality": "normal",
        },
    )
    html = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "修改" in html
    assert f"{day:%Y-%m-%d} 09:00 → {day:%Y-%m-%d} 14:00" in html
    assert "名称：安全生产专题会议 → 安全生产专题会议（调整）" in html


def test_unknown_meeting_is_404(organiser):
    assert client_for(organiser).get("/meetings/999999/").status_code == 404


def test_a_cancelled_meeting_cannot_be_edited(organiser, room):
    meeting = make_meeting(
        room=room,
        start=at_local(workday_ahead(), dt.time(9)),
        end=at_local(workday_ahead(), dt.time(10)),
        organizer=organiser,
        status=Status.CANCELLED,
    )
    response = client_for(organiser).get(f"/meetings/{meeting.pk}/edit/", follow=True)
    assert "不能修改" in response.content.decode()


def test_acknowledged_conflicts_are_listed(organiser, colleague, room, leader):
    from tests.factories import make_room

    day = workday_ahead()
    make_meeting(
        room=make_room("第二会议室"),
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=colleague,
        attendees=[leader.person],
    )
    meeting = book(
        organiser, room, attendees=[AttendeeSpec(leader.person)], acknowledge=["person_busy"]
    )
    html = client_for(organiser).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "已确认的冲突提示" in html and "王县长在该时段已有其他安排" in html
    assert make_person  # keeps the factory import honest for readers
