"""会议室日历订阅 in headless Chromium: from the board to a room feed a door display can
subscribe to, then revoking it.

Same browser set-up as tests/test_browser.py (Debian's chromium, skipped without it
unless REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import re
import urllib.request

import icalendar
import pytest
from django.contrib.auth.models import Group

from core.roles import Role
from meetings.models import FeedToken
from tests.factories import make_room, make_user
from tests.test_browser import SHOTS, _need_browser, launch

pytestmark = pytest.mark.browser


def test_subscribe_a_room_from_the_board_in_a_real_browser(
    live_server, transactional_db, monkeypatch, settings
):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    # See tests/test_browser.py: the test's own ORM reads run beside Playwright's loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    settings.SITE_URL = live_server.url
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    make_user("huiwu", Role.STAFF, first_name="会务张")
    make_room("第一会议室", order=1)
    make_room("多功能厅", order=2)
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

        page.click("a:has-text('日历订阅')")
        expect(page).to_have_url(re.compile(r"/rooms/feeds/$"))
        page.select_option("#room-select", label="多功能厅")
        page.fill("#id_name", "门口屏")
        page.click("button:has-text('新建订阅')")
        expect(page.locator(".messages")).to_contain_text("链接只显示这一次")
        link = page.locator("input[aria-label='https 订阅链接']").input_value()
        expect(page.locator("#new-feed svg")).to_be_visible()
        page.screenshot(path=str(SHOTS / "huiwu-room-feeds.png"), full_page=True)

        # What the door display fetches: a calendar named after the room.
        with urllib.request.urlopen(link, timeout=10) as response:
            calendar = icalendar.Calendar.from_ical(response.read())
        assert "多功能厅" in str(calendar["X-WR-CALNAME"])

        page.once("dialog", lambda dialog: dialog.accept())
        page.locator("tr", has_text="门口屏").locator("button:has-text('撤销')").click()
        expect(page.locator(".messages")).to_contain_text("已撤销多功能厅的订阅")
        browser.close()

    assert FeedToken.objects.get().revoked_at is not None
