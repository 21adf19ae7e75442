"""Pages of series, pre-emption and find-a-time (the real clock: dates ahead of today)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.timeutil import at_local, localtime
from meetings.models import Meeting, MeetingSeries, Notification, Status
from meetings.services import meeting_cancel
from tests.conftest import client_for
from tests.factories import make_meeting, make_person, make_room

pytestmark = pytest.mark.django_db


def monday_ahead(weeks: int = 2) -> dt.date:
    today = localtime(timezone.now()).date()
    return today + dt.timedelta(days=7 * weeks - today.weekday())


def form_data(room, day: dt.date, **kw) -> dict:
    data = {
        "title": "县政府常务会议",
        "kind": "executive",
        "room": room.pk,
        "date": day.isoformat(),
        "start_time": "09:00",
        "end_time": "10:00",
        "confidentiality": "normal",
        "repeat": "weekly",
        "repeat_interval": "1",
        "repeat_end": "count",
        "repeat_count": "3",
        # The real clock may reach into a year without holiday data; 2026 holidays have
        # their own tests.
        "skip_holidays": "",
    }
    data.update(kw)
    return data


def test_the_booking_form_has_the_repeat_section(organiser):
    html = client_for(organiser).get("/meetings/new/").content.decode()
    assert 'id="repeat-box"' in html and 'hx-post="/meetings/new/series-preview/"' in html
    assert "每月（按星期）" in html and 'name="skip_holidays"' in html
    # The preview has its own target and sync, not the check panel's.
    assert 'hx-target="this"' in html and 'hx-sync="this:replace"' in html


def test_the_preview_lists_each_date_and_its_clash(organiser, colleague, room):
    day = monday_ahead()
    make_meeting(
        room=room,
        organizer=colleague,
        title="已有的会",
        start=at_local(day + dt.timedelta(weeks=1), dt.time(9, 30)),
        end=at_local(day + dt.timedelta(weeks=1), dt.time(11)),
    )
    r = client_for(organiser).post("/meetings/new/series-preview/", form_data(room, day))
    html = r.content.decode()
    assert r.status_code == 200
    assert "每周一：共 3 次，其中 1 次有冲突" in html
    assert html.count("occ-clash") == 1 and "已有的会" in html
    assert 'name="skip_conflicts"' in html
    r = client_for(organiser).post(
        "/meetings/new/series-preview/", form_data(room, day, repeat="none")
    )
    assert r.content.decode().strip() == ""
    r = client_for(organiser).post("/meetings/new/series-preview/", form_data(room, day, date=""))
    assert "填写首次会议的日期和时间" in r.content.decode()
    r = client_for(organiser).post(
        "/meetings/new/series-preview/", form_data(room, day, repeat_end="until", repeat_until="")
    )
    assert "请填写截止日期" in r.content.decode()


def test_booking_a_series_from_the_form(organiser, room):
    day = monday_ahead()
    client = client_for(organiser)
    r = client.post("/meetings/new/", form_data(room, day))
    series = MeetingSeries.objects.get()
    assert r.status_code == 302 and r.url == f"/series/{series.pk}/"
    starts = [localtime(m.start) for m in Meeting.objects.filter(series=series).order_by("start")]
    assert [s.date() for s in starts] == [day + dt.timedelta(weeks=i) for i in range(3)]
    page = client.get(r.url).content.decode()
    assert "已预订系列会议：县政府常务会议（每周一，共 3 次）" in page
    assert page.count("仅本次") == 3


def test_a_clash_refuses_then_skip_books_the_rest(organiser, colleague, room):
    day = monday_ahead()
    make_meeting(
        room=room,
        organizer=colleague,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
    )
    client = client_for(organiser)
    r = client.post("/meetings/new/", form_data(room, day))
    assert r.status_code == 409
    assert "与现有安排冲突" in r.content.decode() and not MeetingSeries.objects.exists()
    r = client.post("/meetings/new/", form_data(room, day, skip_conflicts="1"))
    assert r.status_code == 302
    series = MeetingSeries.objects.get()
    assert Meeting.objects.filter(series=series).count() == 2
    assert "与现有安排冲突，已跳过" in client.get(r.url).content.decode()


def test_bad_rules_come_back_on_the_form(organiser, room):
    day = monday_ahead()
    r = client_for(organiser).post(
        "/meetings/new/", form_data(room, day, repeat_end="until", repeat_until="")
    )
    assert r.status_code == 422 and "请填写截止日期" in r.content.decode()
    r = client_for(organiser).post(
        "/meetings/new/",
        form_data(
            room, day, repeat_end="until", repeat_until=(day + dt.timedelta(days=3000)).isoformat()
        ),
    )
    assert r.status_code == 422 and "超出系列期限" in r.content.decode()


@pytest.fixture
def booked(organiser, room):
    day = monday_ahead()
    client_for(organiser).post("/meetings/new/", form_data(room, day, repeat_count="4"))
    series = MeetingSeries.objects.get()
    return series, list(Meeting.objects.filter(series=series).order_by("start"))


def test_an_occurrence_page_offers_the_scope_choice(organiser, booked):
    series, meetings = booked
    html = client_for(organiser).get(f"/meetings/{meetings[1].pk}/").content.decode()
    assert 'id="series-card"' in html and "每周一" in html
    assert f'href="/meetings/{meetings[1].pk}/edit/"' in html
    assert f"/series/{series.pk}/edit/?scope=following&amp;from={meetings[1].pk}" in html
    assert f"/series/{series.pk}/edit/?scope=all" in html


def test_cancel_and_restore_from_the_page(organiser, booked):
    _, meetings = booked
    client = client_for(organiser)
    client.post(f"/meetings/{meetings[2].pk}/cancel/", {"reason": "出差"})
    html = client.get(f"/meetings/{meetings[2].pk}/").content.decode()
    assert 'id="restore-occurrence"' in html
    r = client.post(f"/meetings/{meetings[2].pk}/restore/")
    assert r.status_code == 302
    meetings[2].refresh_from_db()
    assert meetings[2].status == Status.APPROVED
    assert "已恢复本次会议" in client.get(r.url).content.decode()


def _edit_data(series, **kw) -> dict:
    data = {
        "title": series.template["title"],
        "kind": series.template["kind"],
        "room": series.template["room_id"],
        "start_time": "09:00",
        "end_time": "10:00",
        "confidentiality": "normal",
    }
    data.update(kw)
    return data


def test_edit_all_from_the_page_keeps_exceptions(organiser, booked):
    series, meetings = booked
    client = client_for(organiser)
    moved_day = localtime(meetings[1].start).date() + dt.timedelta(days=1)
    client.post(
        f"/meetings/{meetings[1].pk}/edit/",
        {
            "title": "单独改过",
            "kind": "executive",
            "room": series.template["room_id"],
            "date": moved_day.isoformat(),
            "start_time": "15:00",
            "end_time": "16:00",
            "confidentiality": "normal",
        },
    )
    meetings[1].refresh_from_db()
    assert meetings[1].is_exception
    page = client.get(f"/series/{series.pk}/edit/?scope=all")
    assert page.status_code == 200 and "全部（未开始、未单独修改的各次）" in page.content.decode()
    r = client.post(
        f"/series/{series.pk}/edit/?scope=all",
        _edit_data(
            series, title="常务会议（新）", start_time="10:00", end_time="11:00", scope="all"
        ),
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    for m in meetings:
        m.refresh_from_db()
    assert meetings[1].title == "单独改过" and localtime(meetings[1].start).hour == 15
    assert {m.title for m in (meetings[0], meetings[2], meetings[3])} == {"常务会议（新）"}
    assert {localtime(m.start).hour for m in (meetings[0], meetings[2], meetings[3])} == {10}


def test_edit_following_from_the_page_splits(organiser, booked):
    series, meetings = booked
    client = client_for(organiser)
    url = f"/series/{series.pk}/edit/?scope=following&from={meetings[2].pk}"
    assert "及以后" in client.get(url).content.decode()
    r = client.post(
        url,
        _edit_data(
            series,
            start_time="14:00",
            end_time="15:00",
            scope="following",
            **{"from": meetings[2].pk, "repeat": "keep"},
        ),
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    tail = MeetingSeries.objects.exclude(pk=series.pk).get()
    assert r.url == f"/series/{tail.pk}/"
    assert list(
        Meeting.objects.filter(series=tail).order_by("start").values_list("pk", flat=True)
    ) == [meetings[2].pk, meetings[3].pk]
    assert localtime(Meeting.objects.get(pk=meetings[0].pk).start).hour == 9


def test_others_may_not_edit_the_series(colleague, outsider, booked):
    series, meetings = booked
    assert client_for(colleague).get(f"/series/{series.pk}/edit/?scope=all").status_code == 403
    assert client_for(colleague).post(f"/meetings/{meetings[0].pk}/restore/").status_code == 403
    assert client_for(outsider).get(f"/series/{series.pk}/").status_code == 200
    assert client_for(outsider).get("/series/999999/").status_code == 404
    assert client_for(colleague).get(
        f"/series/{series.pk}/edit/?scope=following&from=999999"
    ).status_code in (403, 404)


def test_the_admin_sees_the_preemption_dialog_and_confirms(admin, organiser, colleague):
    big = make_room("大会议室", capacity=60, order=1)
    spare = make_room("第二会议室", capacity=30, order=2)
    day = monday_ahead()
    lower = make_meeting(
        room=big,
        organizer=organiser,
        title="专题会议",
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
    )
    data = {
        "title": "省政府电视电话会议",
        "kind": "teleconference",
        "room": big.pk,
        "date": day.isoformat(),
        "start_time": "09:30",
        "end_time": "11:00",
        "confidentiality": "normal",
    }
    panel = client_for(admin).post("/meetings/new/check/", data).content.decode()
    assert (
        'id="preempt-dialog"' in panel and '改到 <b class="preempt-target">第二会议室</b>' in panel
    )
    assert 'name="preempt"' in panel
    staff_panel = (
        client_for(colleague)
        .post("/meetings/new/check/", {**data, "kind": "teleconference"})
        .content.decode()
    )
    assert "preempt-dialog" not in staff_panel
    assert client_for(colleague).post("/meetings/new/", {**data, "preempt": "1"}).status_code == 403
    r = client_for(admin).post("/meetings/new/", {**data, "preempt": "1"})
    assert r.status_code == 302
    lower.refresh_from_db()
    assert lower.room == spare and Notification.objects.filter(kind="preempted").count() == 1


def test_an_equal_class_shows_why_not(admin, organiser):
    big = make_room("大会议室", capacity=60)
    day = monday_ahead()
    make_meeting(
        room=big,
        organizer=organiser,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
    )
    data = {
        "title": "另一个会",
        "kind": "topic",
        "room": big.pk,
        "date": day.isoformat(),
        "start_time": "09:30",
        "end_time": "11:00",
        "confidentiality": "normal",
    }
    panel = client_for(admin).post("/meetings/new/check/", data).content.decode()
    assert "不能优先调整" in panel and 'name="preempt"' not in panel


def test_the_find_a_time_page(organiser, room, outsider):
    wang = make_person("王县长", is_leader=True)
    day = monday_ahead()
    make_meeting(
        room=None,
        organizer=organiser,
        attendees=[wang],
        start=at_local(day, dt.time(8)),
        end=at_local(day, dt.time(12)),
    )
    client = client_for(organiser)
    page = client.get("/slots/").content.decode()
    assert 'id="slots-form"' in page and "王县长" in page and "找时间" in page
    r = client.get(
        "/slots/",
        {
            "people": [wang.pk],
            "duration": "60",
            "window_start": day.isoformat(),
            "window_end": day.isoformat(),
            "hours_from": "08:30",
            "hours_to": "18:00",
            "working_days_only": "on",
        },
    )
    html = r.content.decode()
    assert r.status_code == 200 and "预订此时段" in html
    first = html.index('class="slot-when"')
    assert "12:00–13:00" in html[first : first + 200]
    link = (
        f"/meetings/new/?room={room.pk}&amp;date={day.isoformat()}"
        f"&amp;start=12%3A00&amp;end=13%3A00&amp;attendees={wang.pk}"
    )
    assert link in html
    form = client.get(link.replace("&amp;", "&")).content.decode()
    assert f'<option value="{wang.pk}" selected>' in form
    assert client_for(outsider).get("/slots/").status_code == 403


def test_the_find_a_time_page_reports_bad_input(organiser, room):
    day = monday_ahead()
    r = client_for(organiser).get(
        "/slots/",
        {
            "duration": "60",
            "window_start": day.isoformat(),
            "window_end": (day - dt.timedelta(days=2)).isoformat(),
            "hours_from": "08:30",
            "hours_to": "18:00",
        },
    )
    assert r.status_code == 200 and "结束日期不能早于开始日期" in r.content.decode()
    r = client_for(organiser).get(
        "/slots/",
        {
            "duration": "60",
            "window_start": day.isoformat(),
            "window_end": day.isoformat(),
            "hours_from": "18:00",
            "hours_to": "09:00",
        },
    )
    assert "晚于开始" in r.content.decode()


def test_cancelled_by_hand_stays_cancelled_on_the_series_page(organiser, booked):
    series, meetings = booked
    meeting_cancel(meeting=meetings[3], actor=organiser, now=timezone.now())
    html = client_for(organiser).get(f"/series/{series.pk}/").content.decode()
    assert html.count('class="cancelled"') == 1


def test_a_busy_leader_on_a_later_date_can_be_acknowledged_in_the_preview(
    organiser, colleague, room
):
    wang = make_person("王县长", is_leader=True)
    day = monday_ahead()
    later = day + dt.timedelta(weeks=2)
    make_meeting(
        room=None,
        organizer=colleague,
        attendees=[wang],
        start=at_local(later, dt.time(8)),
        end=at_local(later, dt.time(12)),
    )
    data = form_data(room, day, attendees=[wang.pk])
    client = client_for(organiser)
    html = client.post("/meetings/new/series-preview/", data).content.decode()
    assert "其中 1 次有冲突" in html and "王县长在该时段已有其他安排" in html
    assert 'name="acknowledge" value="person_busy"' in html
    html = client.post(
        "/meetings/new/series-preview/", {**data, "acknowledge": "person_busy"}
    ).content.decode()
    assert "均可预订" in html and 'value="person_busy" checked' in html
    r = client.post("/meetings/new/", {**data, "acknowledge": "person_busy"})
    assert r.status_code == 302
    assert Meeting.objects.filter(series__isnull=False).count() == 3


def test_editing_a_branch_venue_series_keeps_it_a_branch_venue(organiser):
    from tests.factories import make_terminal

    hall = make_room("视频会议室", capacity=40)
    make_terminal(hall)
    day = monday_ahead()
    client = client_for(organiser)
    r = client.post(
        "/meetings/new/", form_data(hall, day, kind="teleconference", branch_of="provincial")
    )
    assert r.status_code == 302
    series = MeetingSeries.objects.get()
    page = client.get(f"/series/{series.pk}/edit/?scope=all").content.decode()
    assert 'name="branch_of"' in page and 'value="provincial" selected' in page
    r = client.post(
        f"/series/{series.pk}/edit/?scope=all",
        _edit_data(
            series,
            kind="teleconference",
            title="省政府视频会议（分会场）",
            branch_of="provincial",
            scope="all",
        ),
    )
    assert r.status_code == 302
    assert set(Meeting.objects.filter(series=series).values_list("branch_of", flat=True)) == {
        "provincial"
    }


@pytest.mark.parametrize("raw", ["²", "١", "9" * 30, "-1", "abc"])
def test_a_malformed_occurrence_id_is_a_404_not_an_error(organiser, booked, raw):
    series, _ = booked
    url = f"/series/{series.pk}/edit/?scope=following&from={raw}"
    assert client_for(organiser).get(url).status_code == 404
