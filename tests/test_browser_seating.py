"""The seating page in headless Chromium: drag one name onto another seat, see them swapped.

Same browser set-up as tests/test_browser.py (Debian's chromium, skipped without it
unless REQUIRE_BROWSER=1). Screenshots of the page and the chart PDF go to BROWSER_SHOTS
(default: the temp folder).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group

from core.roles import Role
from meetings.seating import services
from meetings.seating.selectors import seating_state
from tests.api_support import when
from tests.factories import NOW, make_user
from tests.meetings.seating_support import scene, seat_of
from tests.test_browser import SHOTS, _need_browser, _workday_ahead, launch

pytestmark = pytest.mark.browser


def test_drag_a_name_onto_another_seat_swaps_them(live_server, transactional_db, monkeypatch):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    # See tests/test_browser.py: the test's own ORM reads run beside Playwright's loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    staff = make_user("huiwu", Role.STAFF, first_name="会务张")
    s = scene(staff, start=when(9, day=_workday_ahead()), title="全县安全生产工作会议")
    services.seating_arrange(actor=staff, meeting=s.meeting, now=NOW)
    assert seat_of(seating_state(s.meeting), "一号") == "R1-04"
    base = live_server.url

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1440, "height": 1000}, locale="zh-CN")
        page.set_default_timeout(15_000)
        page.goto(f"{base}/meetings/{s.meeting.pk}/")
        page.fill("#id_username", "huiwu")
        page.fill("#id_password", "pw-for-tests-1")
        page.click("button:has-text('登录')")
        expect(page.locator("#seating-card")).to_contain_text("已排 13 / 13 人")
        page.click("#seating-link")
        expect(page).to_have_url(re.compile(r"/seating/$"))

        first = page.locator('.seat[data-seat="R1-04"]')
        second = page.locator('.seat[data-seat="R1-05"]')
        expect(first.locator(".seat-name")).to_have_text("一号")
        expect(second.locator(".seat-name")).to_have_text("二号")
        page.screenshot(path=str(SHOTS / "huiwu-seating-before.png"), full_page=True)

        # HTML5 drag and drop: the page's script posts the move form and reloads.
        with page.expect_navigation():
            first.locator(".seat-name").drag_to(second)
        expect(page.locator(".messages")).to_contain_text("已交换：一号 ↔ 二号")
        page.reload()
        expect(page.locator('.seat[data-seat="R1-04"] .seat-name')).to_have_text("二号")
        expect(page.locator('.seat[data-seat="R1-05"] .seat-name')).to_have_text("一号")
        page.screenshot(path=str(SHOTS / "huiwu-seating.png"), full_page=True)

        # The chart as printed from the page (the session's cookie is the credential).
        pdf = page.request.get(f"{base}/api/v1/meetings/{s.meeting.pk}/documents/seating.pdf")
        assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
        (SHOTS / "huiwu-seating-chart.pdf").write_bytes(pdf.body())
        browser.close()

    state = seating_state(s.meeting)
    assert (seat_of(state, "一号"), seat_of(state, "二号")) == ("R1-05", "R1-04")
