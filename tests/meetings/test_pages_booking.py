"""预订会议: the booking form, its htmx check panel and the suggested alternatives.

Pages use the real clock, so every booking here is a few working days ahead of now.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.timeutil import at_local, localtime
from core.workdays import is_workday
from meetings.models import Attendance, Confidentiality, Meeting, Status
from meetings.models import Role as AttendeeRole
from tests.conftest import client_for
from tests.factories import make_meeting, make_person, make_room, make_unit

pytestmark = pytest.mark.django_db


def workday_ahead(days: int = 4) -> dt.date:
    day = localtime(timezone.now()).date() + dt.timedelta(days=days)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def form_data(room, day: dt.date, start: str = "09:00", end: str = "10:00", **kw) -> dict:
    data = {
        "title": "城市更新专题会议",
        "kind": "topic",
        "room": room.pk if room else "",
        "date": day.isoformat(),
        "start_time": start,
        "end_time": end,
        "confidentiality": "normal",
    }
    data.update(kw)
    return data


def test_outsider_and_leader_get_403_on_the_booking_form(outsider, leader, room):
    day = workday_ahead()
    for user in (outsider, leader):
        client = client_for(user)
        assert client.get("/meetings/new/").status_code == 403
        assert client.post("/meetings/new/", form_data(room, day)).status_code == 403
        assert client.post("/meetings/new/check/", form_data(room, day)).status_code == 403
    assert not Meeting.objects.exists()


def test_the_form_lists_rooms_and_people_leaders_first(organiser, room, leader):
    make_person("张科长", unit=make_unit("县发改局", order=5), title="科长")
    html = client_for(organiser).get("/meetings/new/").content.decode()
    assert "第一会议室（60人）" in html
    assert html.index('label="县领导"') < html.index('label="县发改局"')
    assert "王县长（县长）" in html and "张科长（科长）" in html
    assert 'hx-post="/meetings/new/check/"' in html and "X-CSRFToken" in html


def test_board_link_prefills_room_date_and_time_and_checks_the_slot(organiser, room):
    day = workday_ahead()
    response = client_for(organiser).get(f"/meetings/new/?room={room.pk}&date={day}&start=14:00")
    html = response.content.decode()
    assert f'<option value="{room.pk}" selected>' in html
    assert f'value="{day.isoformat()}"' in html
    assert 'value="14:00"' in html and 'value="15:00"' in html
    assert "该时段可用" in html


@pytest.mark.parametrize("raw", ["²", "١", "9" * 30, "0", "x"])
def test_a_malformed_prefill_is_ignored_not_an_error(organiser, room, raw):
    url = f"/meetings/new/?room={raw}&attendees={raw}&attendees=abc"
    response = client_for(organiser).get(url)
    assert response.status_code == 200
    assert f'<option value="{room.pk}" selected>' not in response.content.decode()


def test_booking_a_free_room_confirms_it_and_redirects_to_the_meeting(organiser, room, leader):
    day = workday_ahead()
    chair = leader.person
    other = make_person("李主任", title="主任")
    client = client_for(organiser)
    response = client.post(
        "/meetings/new/",
        form_data(
            room,
            day,
            "09:00",
            "10:30",
            chair=chair.pk,
            attendees=[other.pk],
            expected_attendance=12,
        ),
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/meetings/{meeting.pk}/"
    assert meeting.status == Status.APPROVED
    assert meeting.start == at_local(day, dt.time(9)) and meeting.end == at_local(
        day, dt.time(10, 30)
    )
    roster = [(a.person_id, a.role) for a in Attendance.objects.filter(meeting=meeting)]
    assert roster == [(chair.pk, AttendeeRole.CHAIR), (other.pk, AttendeeRole.ATTEND)]
    page = client.get(response["Location"]).content.decode()
    assert "已预订" in page and "城市更新专题会议" in page


def test_booking_a_room_that_needs_approval_holds_it_pending(organiser, approval_room):
    client = client_for(organiser)
    response = client.post("/meetings/new/", form_data(approval_room, workday_ahead()), follow=True)
    meeting = Meeting.objects.get()
    assert meeting.status == Status.PENDING and meeting.hold_expires_at
    html = response.content.decode()
    assert "已提交审批，预留至" in html
    assert "待审批" in html


def test_a_clash_is_a_form_message_with_alternatives_and_nothing_is_saved(
    organiser, colleague, room
):
    day = workday_ahead()
    make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=colleague,
        title="已有会议",
    )
    free = make_room("第二会议室", capacity=80)
    response = client_for(organiser).post(
        "/meetings/new/", form_data(room, day, "09:30", "10:30", expected_attendance=20)
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "已被占用" in html
    assert "已有会议" in html  # the clash itself, not confidential
    assert f'name="use_room" value="{free.pk}"' in html
    assert 'name="use_slot"' in html and "最近的空闲时段" in html
    assert Meeting.objects.count() == 1


def test_a_clash_with_a_confidential_meeting_is_masked(organiser, colleague, room):
    day = workday_ahead()
    make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=colleague,
        title="人事调整会",
        confidentiality=Confidentiality.CONFIDENTIAL,
    )
    response = client_for(organiser).post(
        "/meetings/new/check/", form_data(room, day, "09:30", "10:30")
    )
    html = response.content.decode()
    assert "内部会议" in html and "人事调整会" not in html


def test_a_soft_conflict_is_booked_once_acknowledged(organiser, colleague, room, leader):
    day = workday_ahead()
    other_room = make_room("第二会议室")
    make_meeting(
        room=other_room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=colleague,
        attendees=[leader.person],
    )
    client = client_for(organiser)
    data = form_data(room, day, "09:30", "10:30", attendees=[leader.person.pk])
    refused = client.post("/meetings/new/", data)
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "王县长在该时段已有其他安排" in html
    assert 'name="acknowledge" value="person_busy"' in html and "我已知悉，仍要预订" in html

    booked = client.post("/meetings/new/", {**data, "acknowledge": ["person_busy"]})
    assert booked.status_code == 302
    meeting = Meeting.objects.get(room=room)
    assert [a["code"] for a in meeting.acknowledged_conflicts] == ["person_busy"]


def test_an_acknowledged_conflict_is_listed_once_on_the_approvals_page(
    organiser, colleague, approver, approval_room, leader
):
    day = workday_ahead()
    make_meeting(
        room=make_room("第二会议室"),
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=colleague,
        attendees=[leader.person],
    )
    data = form_data(approval_room, day, "09:30", "10:30", attendees=[leader.person.pk])
    booked = client_for(organiser).post("/meetings/new/", {**data, "acknowledge": ["person_busy"]})
    assert booked.status_code == 302
    html = client_for(approver).get("/approvals/").content.decode()
    assert html.count("王县长在该时段已有其他安排") == 1
    assert "已确认：王县长在该时段已有其他安排" in html


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start_time": "11:00", "end_time": "10:00"}, "结束时间必须晚于开始时间"),
        ({"title": ""}, "这个字段是必填项"),
        ({"date": "2026-13-45"}, "输入一个有效的日期"),
        ({"date": "2020-01-06"}, "不能预订已经过去的时间"),
        ({"room": "", "place": ""}, "请选择会议室，或填写其他地点"),
        ({"room": "999999"}, "选择一个有效的选项"),
        ({"expected_attendance": "-3"}, "大于或等于1"),
    ],
)
def test_bad_input_is_shown_on_the_form_never_a_500(organiser, room, change, message):
    response = client_for(organiser).post(
        "/meetings/new/", {**form_data(room, workday_ahead()), **change}
    )
    assert response.status_code in (409, 422)
    assert message in response.content.decode()
    assert not Meeting.objects.exists()


def test_a_secretary_books_for_a_leader(secretary, leader, room):
    response = client_for(secretary).post(
        "/meetings/new/", form_data(room, workday_ahead(), attendees=[leader.person.pk])
    )
    assert response.status_code == 302
    assert Meeting.objects.get().organizer == secretary


# --- the htmx check panel -----------------------------------------------------------------


def test_check_says_free(organiser, room):
    response = client_for(organiser).post(
        "/meetings/new/check/", form_data(room, workday_ahead()), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "该时段可用" in html and "<html" not in html  # a fragment, not a page


def test_check_asks_for_the_missing_values(organiser):
    html = client_for(organiser).post("/meetings/new/check/", {"title": "x"}).content.decode()
    assert "填写日期和时间" in html


def test_check_shows_the_clash_and_alternatives(organiser, colleague, room):
    day = workday_ahead()
    make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=colleague,
        title="已有会议",
    )
    free = make_room("第二会议室", capacity=80)
    html = (
        client_for(organiser)
        .post("/meetings/new/check/", form_data(room, day, "10:00", "11:00"))
        .content.decode()
    )
    # 10:00 still clashes: the 15-minute teardown and setup overlap.
    assert "会议室已被占用" in html and "已有会议" in html
    assert "第二会议室" in html and f'value="{free.pk}"' in html
    assert 'name="use_slot"' in html


def test_check_shows_the_approval_note(organiser, approval_room):
    html = (
        client_for(organiser)
        .post("/meetings/new/check/", form_data(approval_room, workday_ahead()))
        .content.decode()
    )
    assert "该时段可用" in html and "需审批" in html


def test_check_keeps_acknowledged_warnings_ticked(organiser, colleague, room, leader):
    day = workday_ahead()
    make_meeting(
        room=make_room("第二会议室"),
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=colleague,
        attendees=[leader.person],
    )
    data = form_data(room, day, attendees=[leader.person.pk], acknowledge=["person_busy"])
    html = client_for(organiser).post("/meetings/new/check/", data).content.decode()
    assert 'value="person_busy" checked' in html


def test_check_reports_a_bad_time_in_words(organiser, room):
    html = (
        client_for(organiser)
        .post("/meetings/new/check/", form_data(room, workday_ahead(), "10:00", "09:00"))
        .content.decode()
    )
    assert "结束时间必须晚于开始时间" in html


# --- clicking an alternative ------------------------------------------------------------


def test_clicking_an_alternative_room_refills_the_form_without_booking(organiser, colleague, room):
    day = workday_ahead()
    make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=colleague,
    )
    free = make_room("第二会议室", capacity=80)
    response = client_for(organiser).post(
        "/meetings/new/", {**form_data(room, day), "use_room": free.pk}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<option value="{free.pk}" selected>' in html
    assert "该时段可用" in html
    assert Meeting.objects.count() == 1


def test_clicking_a_free_slot_sets_date_and_times(organiser, room):
    day = workday_ahead()
    start = at_local(day + dt.timedelta(days=1), dt.time(14))
    slot = f"{start.isoformat()}/{(start + dt.timedelta(hours=1)).isoformat()}"
    html = (
        client_for(organiser)
        .post("/meetings/new/", {**form_data(room, day), "use_slot": slot})
        .content.decode()
    )
    assert f'value="{(day + dt.timedelta(days=1)).isoformat()}"' in html
    assert 'value="14:00"' in html and 'value="15:00"' in html
    assert "这个字段是必填项" not in html
    assert not Meeting.objects.exists()


# --- editing -----------------------------------------------------------------------------


def test_organiser_edits_the_time_through_the_form(organiser, room):
    day = workday_ahead()
    meeting = make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
        title="原会议",
    )
    client = client_for(organiser)
    page = client.get(f"/meetings/{meeting.pk}/edit/").content.decode()
    assert 'value="原会议"' in page and 'value="09:00"' in page
    assert f'hx-post="/meetings/{meeting.pk}/edit/check/"' in page
    response = client.post(
        f"/meetings/{meeting.pk}/edit/", form_data(room, day, "14:00", "15:00", title="原会议")
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.start == at_local(day, dt.time(14)) and meeting.sequence == 1


def test_the_edit_check_does_not_clash_with_the_meeting_itself(organiser, room):
    day = workday_ahead()
    meeting = make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
    )
    html = (
        client_for(organiser)
        .post(f"/meetings/{meeting.pk}/edit/check/", form_data(room, day, "09:30", "10:30"))
        .content.decode()
    )
    assert "该时段可用" in html


def test_colleague_cannot_edit_the_organisers_meeting(organiser, colleague, room):
    day = workday_ahead()
    meeting = make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
        title="原会议",
    )
    client = client_for(colleague)
    assert client.get(f"/meetings/{meeting.pk}/edit/").status_code == 403
    assert (
        client.post(f"/meetings/{meeting.pk}/edit/", form_data(room, day, title="改掉")).status_code
        == 403
    )
    assert (
        client.post(f"/meetings/{meeting.pk}/edit/check/", form_data(room, day)).status_code == 403
    )
    meeting.refresh_from_db()
    assert meeting.title == "原会议"


def test_editing_keeps_roles_set_elsewhere(organiser, room):
    day = workday_ahead()
    sitter = make_person("列席人")
    meeting = make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
        title="会",
    )
    Attendance.objects.create(meeting=meeting, person=sitter, role=AttendeeRole.SIT_IN)
    response = client_for(organiser).post(
        f"/meetings/{meeting.pk}/edit/",
        form_data(room, day, title="会", attendees=[sitter.pk], description="补充说明"),
    )
    assert response.status_code == 302
    assert Attendance.objects.get(meeting=meeting).role == AttendeeRole.SIT_IN
