"""A walk through the VC pages in headless Chromium: book a meeting with a video-conference
link, see the link on the meeting page, switch it to a pool number, release it.

Same browser set-up as tests/test_browser.py (Debian's chromium, skipped without it
unless REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from core.roles import Role
from meetings.models import Meeting, VcLink
from tests.factories import make_pool, make_room, make_terminal, make_user
from tests.test_browser import SHOTS, _need_browser, _workday_ahead, launch

pytestmark = pytest.mark.browser

TENCENT = "https://meeting.tencent.com/dm/Hw2026Demo"


def test_book_a_meeting_with_a_vc_link_in_a_real_browser(
    live_server, transactional_db, monkeypatch
):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    # See tests/test_browser.py: the test's own ORM reads run beside Playwright's loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    make_user("huiwu", Role.STAFF, first_name="会务张")
    vc_room = make_room("视频会议室", capacity=40, order=1, setup_minutes=30)
    make_terminal(vc_room)
    make_pool("8001", "8002", "8003")
    day = _workday_ahead()
    base = live_server.url

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)

        page.goto(f"{base}/board/")
        page.fill("#id_username", "huiwu")
        page.fill("#id_password", "pw-for-tests-1")
        page.click("button:has-text('登录')")
        expect(page).to_have_url(re.compile(r"/board/$"))

        # 1. the booking form: a provincial 分会场 with the upstream 腾讯会议 link
        page.goto(f"{base}/meetings/new/")
        page.fill("#id_title", "全省安全生产电视电话会议")
        page.select_option("#id_kind", "teleconference")
        page.fill("#id_date", day.isoformat())
        page.fill("#id_start_time", "15:00")
        page.fill("#id_end_time", "17:00")
        page.select_option("#id_room", str(vc_room.pk))
        page.check("#id_vc_wanted")
        page.select_option("#id_vc_provider", "external")
        page.fill("#id_vc_url", TENCENT)
        page.fill("#id_vc_number", "123 456 789")
        page.fill("#id_vc_password", "2468")
        page.click("summary:has-text('分会场')")
        page.select_option("#id_branch_of", "provincial")
        # The check panel counts the 联调 hour and the 30 minutes of 布场.
        expect(page.locator("#check-panel")).to_contain_text("13:30–17:15")
        page.screenshot(path=str(SHOTS / "huiwu-vc-booking-form.png"), full_page=True)
        page.click("#submit-booking")

        # 2. the meeting page shows the link
        expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
        expect(page.locator(".messages")).to_contain_text("已预订")
        card = page.locator("#vc-card")
        expect(card).to_contain_text("上级/外部会议号")
        expect(card).to_contain_text("省级电视电话会议分会场，14:00 起联调")
        expect(card.locator(".vc-number")).to_have_text("123 456 789")
        expect(card.locator("a.vc-url")).to_have_attribute("href", TENCENT)
        page.screenshot(path=str(SHOTS / "huiwu-vc-meeting.png"), full_page=True)
        meeting_url = page.url

        # 3. switch to a number of the office MCU from the meeting page
        card.locator("summary:has-text('更换视频会议')").click()
        card.locator("#id_vc_provider").select_option("pool")
        card.locator("#vc-submit").click()
        expect(page.locator(".messages")).to_contain_text("已更换视频会议")
        expect(page.locator("#vc-card .vc-number")).to_have_text("8001")

        # 4. the room board marks the block
        page.goto(f"{base}/board/?date={day.isoformat()}")
        block = page.locator(".block", has_text="全省安全生产电视电话会议")
        expect(block.locator(".b-badge").first).to_have_text("省级分会场")
        expect(block).to_contain_text("视频 8001")
        page.screenshot(path=str(SHOTS / "huiwu-vc-board.png"), full_page=True)

        # 5. release it: the room stays booked
        page.goto(meeting_url)
        page.click("#vc-release")
        expect(page.locator(".messages")).to_contain_text("已释放视频会议")
        expect(page.locator("#vc-card")).to_contain_text("由上级会议呼叫本会议室终端")
        browser.close()

    meeting = Meeting.objects.get(title="全省安全生产电视电话会议")
    assert meeting.is_blocking and meeting.branch_of == "provincial"
    link = VcLink.objects.get(meeting=meeting)
    assert not link.active and link.provider == "pool"
