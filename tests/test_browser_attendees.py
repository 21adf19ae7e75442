"""The roster in a real browser: staff add attendees, someone answers 请假 through their
personal link (no login), staff see the tally, and check a person in by typing the code.

Uses Debian's /usr/bin/chromium like tests/test_browser.py; skipped without it unless
REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from core.roles import Role
from meetings import attendees as svc
from meetings.models import Attendance, Rsvp
from tests.api_support import when
from tests.factories import make_meeting, make_person, make_room, make_unit, make_user
from tests.test_browser import SHOTS, _need_browser, launch

pytestmark = pytest.mark.browser


def test_roster_rsvp_and_checkin_in_a_real_browser(live_server, transactional_db, monkeypatch):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    staff = make_user("huiwu", Role.STAFF, first_name="会务张")
    gov = make_unit("县人民政府", order=1)
    finance = make_unit("县财政局", order=20)
    make_person("张建国", unit=gov, rank=1, title="县长", is_leader=True)
    make_person("林国栋", unit=finance, rank=120, title="局长")
    room = make_room("常务会议室", capacity=30)
    meeting = make_meeting(
        room=room,
        start=when(9),
        end=when(11),
        organizer=staff,
        title="县政府第49次常务会议",
        kind="executive",
    )
    base = live_server.url

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)
        page.goto(f"{base}/meetings/{meeting.pk}/attendees/")
        page.fill("#id_username", "huiwu")
        page.fill("#id_password", "pw-for-tests-1")
        page.click("button:has-text('登录')")
        expect(page).to_have_url(re.compile(rf"/meetings/{meeting.pk}/attendees/$"))

        # 1. add two directory people, the first as 主持
        page.select_option("#add-person select[name=person]", label="张建国（县长）")
        page.select_option("#add-person select[name=role]", "chair")
        page.click("#add-person-submit")
        expect(page.locator(".messages")).to_contain_text("已添加：张建国（主持）")
        page.select_option("#add-person select[name=person]", label="林国栋（局长）")
        page.select_option("#add-person select[name=role]", "sit_in")
        page.click("#add-person-submit")
        roster = page.locator("#roster")
        expect(roster).to_contain_text("张建国")
        expect(roster).to_contain_text("林国栋")
        expect(page.locator("#tally")).to_contain_text("2 未回复")

        # 2. 林国栋's personal link, opened in a fresh context without a login: 请假
        row = page.locator("tr[data-name='林国栋']")
        row.locator(".rsvp-link summary").click()
        link = row.locator(".link-box").input_value()
        assert "/r/" in link
        guest = browser.new_context(locale="zh-CN").new_page()
        guest.goto(link)
        expect(guest.locator("#rsvp-meeting")).to_have_text("县政府第49次常务会议")
        guest.locator("input[value=leave]").check()
        guest.fill("#id_note", "赴省财政厅参加培训")
        guest.click("#rsvp-submit")
        expect(guest.locator("#rsvp-saved")).to_be_visible()
        expect(guest.locator("#rsvp-state")).to_contain_text("请假：赴省财政厅参加培训")
        guest.screenshot(path=str(SHOTS / "huiwu-rsvp.png"), full_page=True)
        guest.context.close()

        # 3. staff see the answer in the tally
        page.reload()
        expect(page.locator("#tally")).to_contain_text("1 请假")
        expect(page.locator("#tally")).to_contain_text("1 未回复")
        expect(row).to_contain_text("请假")
        page.screenshot(path=str(SHOTS / "huiwu-attendees.png"), full_page=True)

        # 4. the printable check-in cards give 张建国's code (林国栋 is on leave: no card);
        # the desk: type it and press Enter, as a scanner does. (No ORM calls inside this
        # block: under playwright's event loop they would open a connection of their own
        # that nobody closes, and PostgreSQL could not drop the test database.)
        page.goto(f"{base}/meetings/{meeting.pk}/attendees/codes/")
        expect(page.locator(".code-card")).to_have_count(1)
        code = page.locator(".code-card", has_text="张建国").locator("code").inner_text()
        page.goto(f"{base}/meetings/{meeting.pk}/attendees/")
        page.click("#open-checkin")
        expect(page.locator("#checkin-count")).to_contain_text("0 / 1")
        page.locator("#checkin-code").fill(code)
        page.locator("#checkin-code").press("Enter")
        expect(page.locator("#checkin-result")).to_contain_text("签到成功：张建国")
        expect(page.locator("#present-count")).to_have_text("1")
        # the input is cleared and keeps the focus for the next scan
        expect(page.locator("#checkin-code")).to_have_value("")
        expect(page.locator("#checkin-code")).to_be_focused()
        page.locator("#checkin-code").fill(code)
        page.locator("#checkin-code").press("Enter")
        expect(page.locator("#checkin-result")).to_contain_text("无需重复")
        page.screenshot(path=str(SHOTS / "huiwu-checkin.png"), full_page=True)
        browser.close()

    chair = Attendance.objects.get(meeting=meeting, person__name="张建国")
    assert chair.checked_in_at is not None and code == svc.checkin_code(chair)
    assert Attendance.objects.get(meeting=meeting, person__name="林国栋").rsvp == Rsvp.LEAVE
