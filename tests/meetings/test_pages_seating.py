"""The seating page: the plan, the no-JS move/swap form, locks, re-arranging, escaping."""

from __future__ import annotations

import re

import pytest

from meetings.models import Attendance, Confidentiality, Role, SeatingPlan
from meetings.seating import services
from meetings.seating.selectors import seating_state
from tests.api_support import when
from tests.conftest import client_for
from tests.factories import NOW
from tests.meetings.seating_support import rostrum_reading, scene, seat_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(organiser):
    s = scene(organiser, start=when(9))
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    return s


def page_url(s, tail: str = "") -> str:
    return f"/meetings/{s.meeting.pk}/seating/{tail}"


def test_the_page_draws_every_seat_at_its_place_with_names(s, organiser):
    response = client_for(organiser).get(page_url(s))
    assert response.status_code == 200
    html = response.content.decode()
    seats = re.findall(r'data-seat="([^"]+)"', html)
    assert len(set(seats)) == 37 and "R1-04" in seats
    centre = re.search(
        r'<div class="seat zone-rostrum taken[^"]*"\s+style="([^"]+)" data-seat="R1-04"', html
    )
    assert centre and "left:" in centre.group(1) and "top:" in centre.group(1)
    for name in ("一号", "七号", "财政局甲"):
        assert name in html
    assert "从观众席看（上方为主席台）" in html
    assert 'draggable="true"' in html and "重新排座" in html and "移动/交换" in html
    assert "/documents/seating.pdf?paper=A4&amp;mark_printed=1" in html
    assert "/documents/namecards.pdf" in html
    assert 'class="feature feature-rostrum"' in html


def test_the_rostrum_seen_from_the_audience_is_laid_out_left_to_right(s, organiser):
    html = client_for(organiser).get(page_url(s)).content.decode()
    lefts = {}
    for seat_id in ("R1-01", "R1-04", "R1-07"):
        match = re.search(rf'style="left:([\d.]+)px;[^"]*" data-seat="{seat_id}"', html)
        lefts[seat_id] = float(match.group(1))
    assert lefts["R1-01"] < lefts["R1-04"] < lefts["R1-07"]


def test_the_no_js_form_swaps_two_people(s, organiser):
    client = client_for(organiser)
    response = client.post(
        page_url(s, "move/"), {"attendance_id": s.leaders[0].pk, "to_seat": "R1-05"}
    )
    assert response.status_code == 302 and response.url.endswith("/seating/#plan")
    state = seating_state(s.meeting)
    assert seat_of(state, "一号") == "R1-05" and seat_of(state, "二号") == "R1-04"
    page = client.get(page_url(s)).content.decode()
    assert "已交换：一号 ↔ 二号" in page


def test_the_drag_post_from_a_seat_to_an_empty_seat_moves(s, organiser):
    client = client_for(organiser)
    from_seat = seat_of(seating_state(s.meeting), "财政局甲")
    response = client.post(page_url(s, "move/"), {"from_seat": from_seat, "to_seat": "A3-10"})
    assert response.status_code == 302
    assert seat_of(seating_state(s.meeting), "财政局甲") == "A3-10"
    assert "已将财政局甲移到3排10号" in client.get(page_url(s)).content.decode()


def test_an_unseated_attendee_can_be_dropped_on_an_empty_seat(s, organiser):
    late = Attendance.objects.create(meeting=s.meeting, guest_name="后来者", role=Role.SIT_IN)
    client = client_for(organiser)
    html = client.get(page_url(s)).content.decode()
    assert f'data-attendance="{late.pk}"' in html and "尚未安排座位（1 人）" in html
    client.post(page_url(s, "move/"), {"attendance_id": late.pk, "to_seat": "A3-09"})
    assert seat_of(seating_state(s.meeting), "后来者") == "A3-09"


def test_refusals_come_back_as_messages(s, organiser):
    client = client_for(organiser)
    services.seating_lock(actor=organiser, meeting=s.meeting, seat_id="R1-04", now=NOW)
    response = client.post(
        page_url(s, "move/"), {"from_seat": "R1-04", "to_seat": "R1-05"}, follow=True
    )
    assert "已锁定" in response.content.decode()
    response = client.post(page_url(s, "move/"), {"to_seat": "R1-05"}, follow=True)
    assert "请选择要移动的人员" in response.content.decode()


def test_lock_and_unlock_from_the_page(s, organiser):
    client = client_for(organiser)
    client.post(page_url(s, "lock/"), {"seat_id": "R1-04", "locked": "1"})
    assert seating_state(s.meeting).arrangement.by_seat["R1-04"].locked
    assert "已锁定" in client.get(page_url(s)).content.decode()
    client.post(page_url(s, "lock/"), {"seat_id": "R1-04"})
    assert not seating_state(s.meeting).arrangement.by_seat["R1-04"].locked


def test_re_arranging_with_the_page_options(s, organiser):
    client = client_for(organiser)
    response = client.post(
        page_url(s, "arrange/"),
        {
            "precedence": "right",
            "unit_order": "strokes",
            "fill": "columns",
            "centre_point": "on",
            "viewpoint": "rostrum",
            "layout": "",
        },
        follow=True,
    )
    html = response.content.decode()
    assert "已重新排座：13 人（以右为上，居中点变体，单位按姓氏笔画，按列）" in html
    assert "从主席台看（下方为主席台）" in html
    plan = SeatingPlan.objects.get(meeting=s.meeting)
    assert plan.options["precedence"] == "right" and plan.options["fill"] == "columns"
    assert rostrum_reading(seating_state(s.meeting)) == "六号 四号 二号 一号 三号 五号 七号"


def test_markup_in_names_is_escaped(s, organiser):
    Attendance.objects.create(
        meeting=s.meeting, guest_name='<b onclick="x">坏</b>', role=Role.SIT_IN
    )
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    html = client_for(organiser).get(page_url(s)).content.decode()
    assert '<b onclick="x">' not in html
    assert "&lt;b onclick=&quot;x&quot;&gt;坏&lt;/b&gt;" in html


def test_a_colleague_sees_a_read_only_page_and_may_not_post(s, colleague):
    client = client_for(colleague)
    html = client.get(page_url(s)).content.decode()
    assert "一号" in html
    assert 'draggable="true"' not in html and "arrange-submit" not in html
    assert "mark_printed=0" in html  # may print, but not record it as printed
    for tail, data in (
        ("move/", {"from_seat": "R1-04", "to_seat": "R1-05"}),
        ("lock/", {"seat_id": "R1-04", "locked": "1"}),
        ("arrange/", {"precedence": "left"}),
    ):
        assert client.post(page_url(s, tail), data).status_code == 403


def test_a_confidential_meetings_seating_page_is_forbidden(organiser, colleague):
    s = scene(organiser, start=when(9), confidentiality=Confidentiality.CONFIDENTIAL)
    response = client_for(colleague).get(page_url(s))
    assert response.status_code == 403
    assert "一号" not in response.content.decode()


def test_the_meeting_page_has_a_seating_card_with_print_buttons(s, organiser):
    html = client_for(organiser).get(f"/meetings/{s.meeting.pk}/").content.decode()
    assert 'id="seating-card"' in html and "已排 13 / 13 人" in html
    assert f'href="/meetings/{s.meeting.pk}/seating/"' in html
    assert "座次图 A4" in html and "打印桌签" in html
    assert "排座" in html  # the audit log names the action


def test_the_meeting_page_says_what_to_reprint(s, organiser):
    services.seating_mark_printed(
        actor=organiser, meeting=s.meeting, document=services.CHART, now=NOW
    )
    services.seating_swap(
        actor=organiser, meeting=s.meeting, seat_a="R1-04", seat_b="R1-05", now=NOW
    )
    html = client_for(organiser).get(f"/meetings/{s.meeting.pk}/").content.decode()
    assert "自上次打印后有 2 处变动" in html and "座次图第 1 页" in html
    page = client_for(organiser).get(page_url(s)).content.decode()
    assert 'id="reprint-notice"' in page and "自上次打印后有 2 处变动" in page


def test_a_meeting_outside_any_room_has_no_seating(organiser):
    s = scene(organiser, start=when(9))
    s.meeting.room, s.meeting.place = None, "青石镇"
    s.meeting.save()
    client = client_for(organiser)
    assert 'id="seating-card"' not in client.get(f"/meetings/{s.meeting.pk}/").content.decode()
    response = client.get(page_url(s), follow=True)
    assert "没有座位布局" in response.content.decode()
