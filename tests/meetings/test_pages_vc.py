"""VC on the staff pages: "需要视频会议" on the form, the link on the meeting page and board."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.timeutil import at_local, localtime
from core.workdays import is_workday
from meetings.models import Confidentiality, Kind, Meeting, VcLink
from meetings.services import meeting_create
from meetings.vc_providers import VcRequest
from tests.conftest import client_for
from tests.factories import make_pool, make_room, make_terminal

pytestmark = pytest.mark.django_db


def workday_ahead(days: int = 4) -> dt.date:
    day = localtime(timezone.now()).date() + dt.timedelta(days=days)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def form_data(room, day: dt.date, start: str = "09:00", end: str = "10:00", **kw) -> dict:
    data = {
        "title": "全县森林防火视频调度会",
        "kind": "topic",
        "room": room.pk,
        "date": day.isoformat(),
        "start_time": start,
        "end_time": end,
        "confidentiality": "normal",
    }
    data.update(kw)
    return data


def book(organiser, room, day, vc: VcRequest | None = None, **kw) -> Meeting:
    return meeting_create(
        actor=organiser,
        title=kw.pop("title", "视频调度会"),
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        now=timezone.now(),
        vc=vc,
        **kw,
    )


def test_the_form_offers_video_conferences_and_branch_venues(organiser):
    html = client_for(organiser).get("/meetings/new/").content.decode()
    assert "需要视频会议" in html and 'name="vc_wanted"' in html
    assert '<option value="pool" selected>本单位 MCU 号池</option>' in html
    assert "上级/外部会议号" in html and 'name="vc_url"' in html
    assert 'name="branch_of"' in html and "省级" in html and 'name="link_test_minutes"' in html


def test_booking_with_a_pool_number_shows_it_on_the_meeting_page(organiser, room):
    make_pool("8001")
    day = workday_ahead()
    response = client_for(organiser).post(
        "/meetings/new/", form_data(room, day, vc_wanted="on", vc_provider="pool")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    page = client_for(organiser).get(response["Location"]).content.decode()
    assert 'id="vc-card"' in page and "本单位 MCU 号池" in page
    assert '<dd class="vc-number">8001</dd>' in page and "pw8001" in page
    assert 'id="vc-release"' in page


def test_external_fields_are_sent_only_for_external(organiser, room):
    make_pool("8001")
    day = workday_ahead()
    # Typed into the external fields, then switched to the pool: the pool wins, no error.
    response = client_for(organiser).post(
        "/meetings/new/",
        form_data(room, day, vc_wanted="on", vc_provider="pool", vc_url="not a url"),
    )
    assert response.status_code == 302
    response = client_for(organiser).post(
        "/meetings/new/",
        form_data(
            make_room("第二会议室"),
            day,
            vc_wanted="on",
            vc_provider="external",
            vc_url="https://meeting.tencent.com/dm/AbCdEf",
            vc_number="123 456 789",
        ),
    )
    assert response.status_code == 302
    page = client_for(organiser).get(response["Location"]).content.decode()
    assert 'href="https://meeting.tencent.com/dm/AbCdEf"' in page
    assert 'rel="noopener noreferrer"' in page and "123 456 789" in page


def test_a_bad_external_link_is_shown_at_its_field_and_nothing_is_booked(organiser, room):
    day = workday_ahead()
    response = client_for(organiser).post(
        "/meetings/new/",
        form_data(room, day, vc_wanted="on", vc_provider="external", vc_url="javascript:alert(1)"),
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "入会链接须为" in html and 'href="javascript' not in html
    assert not Meeting.objects.exists()


def test_an_exhausted_pool_is_explained_on_the_form(organiser, room):
    make_pool("8001")
    day = workday_ahead()
    book(organiser, make_room("第二会议室"), day, vc=VcRequest(provider="pool"))
    response = client_for(organiser).post(
        "/meetings/new/", form_data(room, day, vc_wanted="on", vc_provider="pool")
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert "号池" in html and "可改在" in html
    assert Meeting.objects.count() == 1


def test_a_branch_venue_needs_a_terminal_on_the_form(organiser, room):
    day = workday_ahead()
    response = client_for(organiser).post(
        "/meetings/new/",
        form_data(room, day, "15:00", "17:00", kind="teleconference", branch_of="provincial"),
    )
    assert response.status_code == 422
    assert "没有可用的视频会议终端" in response.content.decode()
    make_terminal(room)
    response = client_for(organiser).post(
        "/meetings/new/",
        form_data(room, day, "15:00", "17:00", kind="teleconference", branch_of="provincial"),
    )
    assert response.status_code == 302
    page = client_for(organiser).get(response["Location"]).content.decode()
    assert "省级电视电话会议分会场，14:00 起联调" in page and "含联调" in page


def test_the_check_panel_counts_the_link_test(organiser, room):
    make_terminal(room)
    day = workday_ahead()
    html = (
        client_for(organiser)
        .post(
            "/meetings/new/check/",
            form_data(room, day, "15:00", "17:00", kind="teleconference", branch_of="municipal"),
        )
        .content.decode()
    )
    assert "13:45–17:15" in html  # 60 min 联调 + 15 min 布场 before, 15 min 撤场 after


def test_the_meeting_page_allocates_and_releases(organiser, colleague, room):
    make_pool("8001")
    day = workday_ahead()
    meeting = book(organiser, room, day)
    client = client_for(organiser)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'id="vc-submit"' in page and "预订视频会议" in page
    other = client_for(colleague)
    assert 'id="vc-submit"' not in other.get(f"/meetings/{meeting.pk}/").content.decode()
    assert other.post(f"/meetings/{meeting.pk}/vc/", {"vc_provider": "pool"}).status_code == 403

    response = client.post(f"/meetings/{meeting.pk}/vc/", {"vc_provider": "pool"})
    assert response.status_code == 302
    assert VcLink.objects.get(meeting=meeting).number == "8001"
    assert "已预订视频会议" in client.get(f"/meetings/{meeting.pk}/").content.decode()
    response = client.post(f"/meetings/{meeting.pk}/vc/release/")
    assert response.status_code == 302
    assert not VcLink.objects.get(meeting=meeting).active
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert "已释放视频会议" in page and "释放视频会议：本单位 MCU 号池（8001）" in page


def test_editing_keeps_switches_and_drops_the_link(organiser, room):
    make_pool("8001")
    day = workday_ahead()
    meeting = book(organiser, room, day, vc=VcRequest(provider="pool"))
    client = client_for(organiser)
    edit = client.get(f"/meetings/{meeting.pk}/edit/").content.decode()
    assert 'name="vc_wanted" id="id_vc_wanted" checked' in edit
    # Saving with the same choice keeps the same number.
    assert (
        client.post(
            f"/meetings/{meeting.pk}/edit/",
            form_data(room, day, vc_wanted="on", vc_provider="pool"),
        ).status_code
        == 302
    )
    link = VcLink.objects.get(meeting=meeting)
    assert link.active and link.number == "8001"
    # Moving it moves the link.
    client.post(
        f"/meetings/{meeting.pk}/edit/",
        form_data(room, day, "14:00", "15:00", vc_wanted="on", vc_provider="pool"),
    )
    link.refresh_from_db()
    assert localtime(link.occupied_start).time() == dt.time(13, 45)
    # Unticking "需要视频会议" releases it.
    client.post(f"/meetings/{meeting.pk}/edit/", form_data(room, day, "14:00", "15:00"))
    link.refresh_from_db()
    assert not link.active


def test_the_board_marks_meetings_with_video_and_branch_venues(organiser, colleague, room):
    make_pool("8001")
    make_terminal(room)
    day = workday_ahead()
    book(organiser, room, day, vc=VcRequest(provider="pool"), title="调度会")
    meeting_create(
        actor=organiser,
        title="全省电视电话会议",
        kind=Kind.TELECONFERENCE,
        room=room,
        start=at_local(day, dt.time(15)),
        end=at_local(day, dt.time(17)),
        now=timezone.now(),
        branch_of="provincial",
    )
    html = client_for(colleague).get(f"/board/?date={day.isoformat()}").content.decode()
    assert '<span class="b-badge">视频 8001</span>' in html
    assert '<span class="b-badge">省级分会场</span>' in html
    week = client_for(colleague).get(f"/board/?date={day.isoformat()}&view=week").content.decode()
    assert "视频 8001" in week


def test_a_confidential_meetings_link_is_hidden_from_others(organiser, colleague, room):
    make_pool("8001", "8002")
    day = workday_ahead()
    meeting = book(
        organiser,
        room,
        day,
        vc=VcRequest(provider="pool"),
        confidentiality=Confidentiality.CONFIDENTIAL,
    )
    board = client_for(colleague).get(f"/board/?date={day.isoformat()}").content.decode()
    assert '<span class="b-badge">视频</span>' in board and "8001" not in board
    page = client_for(colleague).get(f"/meetings/{meeting.pk}/").content.decode()
    assert "本单位 MCU 号池" in page and "8001" not in page and "pw8001" not in page
    assert "入会信息仅对可查看详情的人员显示" in page
