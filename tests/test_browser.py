"""One walk through the real pages in headless Chromium: book, clash, hold, approve.

Uses Debian's /usr/bin/chromium (browser downloads are impossible on the intranet build
machine). Without it the test is skipped, unless REQUIRE_BROWSER=1 says it must run.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.roles import Role
from core.timeutil import localtime
from core.workdays import is_workday
from meetings.models import Meeting, Status
from tests.factories import make_room, make_user

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("BROWSER_SHOTS", tempfile.gettempdir()))

pytestmark = pytest.mark.browser


def _need_browser() -> None:
    missing = None
    if not Path(CHROMIUM).exists():
        missing = f"{CHROMIUM} is not installed (apt install chromium)"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            missing = "the playwright package is not installed"
    if missing:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {missing}")
        pytest.skip(missing)


def launch(p: Any) -> Any:
    """Debian's Chromium, headless; no background networking (the intranet has none)."""
    return p.chromium.launch(
        executable_path=CHROMIUM,
        args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
    )


def _workday_ahead(days: int = 4) -> dt.date:
    day = localtime(timezone.now()).date() + dt.timedelta(days=days)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def test_book_clash_hold_and_approve_in_a_real_browser(live_server, transactional_db, monkeypatch):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    # Playwright's sync API runs an event loop in this thread; Django's ORM calls made by
    # the test itself (reading results back) would otherwise be refused as "async unsafe".
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    # Transactional tests that ran before this one flushed every table, the role groups
    # of the data migration included.
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    make_user("huiwu", Role.STAFF, first_name="会务张")
    make_user("zhuren", Role.APPROVER, first_name="办公室李主任")
    first = make_room("第一会议室", capacity=40, order=1)
    second = make_room("第二会议室", capacity=40, order=2)
    council = make_room("常务会议室", capacity=30, order=3, needs_approval=True)
    day = _workday_ahead()
    base = live_server.url

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)

        def log_in(username: str) -> None:
            page.goto(f"{base}/board/")
            expect(page).to_have_url(re.compile(r"/login/\?next=/board/"))
            page.fill("#id_username", username)
            page.fill("#id_password", "pw-for-tests-1")
            page.click("button:has-text('登录')")
            expect(page).to_have_url(re.compile(r"/board/$"))

        def fill_booking(title: str, room_id: int, start: str, end: str) -> None:
            page.goto(f"{base}/meetings/new/")
            page.fill("#id_title", title)
            page.fill("#id_date", day.isoformat())
            page.fill("#id_start_time", start)
            page.fill("#id_end_time", end)
            page.select_option("#id_room", str(room_id))

        # 1. sign in as staff and book a free room
        log_in("huiwu")
        fill_booking("冬季安全生产专题会议", first.pk, "09:00", "10:00")
        expect(page.locator("#check-panel")).to_contain_text("该时段可用")
        page.click("#submit-booking")
        expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
        expect(page.locator(".messages")).to_contain_text("已预订")

        # 2. the same slot again: the clash panel and its alternatives arrive via htmx
        fill_booking("另一个会议", first.pk, "09:30", "10:30")
        panel = page.locator("#check-panel")
        expect(panel.locator("#check-hard")).to_contain_text("冬季安全生产专题会议")
        expect(panel.locator(".alt-rooms")).to_contain_text("第二会议室")
        expect(panel.locator(".alt-slots button").first).to_be_visible()
        page.screenshot(path=str(SHOTS / "huiwu-booking-clash.png"), full_page=True)
        # clicking a suggested room puts it into the form and the panel turns green
        panel.locator(".alt-rooms button", has_text="第二会议室").click()
        expect(page.locator("#id_room")).to_have_value(str(second.pk))
        expect(page.locator("#check-panel")).to_contain_text("该时段可用")

        # 3. a room that needs approval: the request holds the slot, pending
        fill_booking("县政府常务会议", council.pk, "14:00", "16:00")
        expect(page.locator("#check-panel")).to_contain_text("需审批")
        page.click("#submit-booking")
        expect(page.locator(".messages")).to_contain_text("已提交审批，预留至")
        expect(page.locator(".status")).to_have_text("待审批")
        pending_url = page.url

        page.goto(f"{base}/board/?date={day.isoformat()}")
        expect(page.locator(".block.pending")).to_contain_text("县政府常务会议")
        page.screenshot(path=str(SHOTS / "huiwu-board.png"), full_page=True)

        # 4. sign out; the approver approves from 待审批
        page.click("button:has-text('退出')")
        expect(page).to_have_url(re.compile(r"/login/$"))
        log_in("zhuren")
        page.click("nav >> text=待审批")
        row = page.locator("tr", has_text="县政府常务会议")
        expect(row).to_contain_text("常务会议室")
        expect(row).to_contain_text("会务张")
        row.locator("button:has-text('批准')").click()
        expect(page.locator(".messages")).to_contain_text("已批准")
        page.screenshot(path=str(SHOTS / "huiwu-approvals.png"), full_page=True)

        page.goto(pending_url)
        expect(page.locator(".status")).to_have_text("已确认")
        expect(page.locator("table.audit")).to_contain_text("批准")
        browser.close()

    meeting = Meeting.objects.get(title="县政府常务会议")
    assert meeting.status == Status.APPROVED and meeting.decided_by.username == "zhuren"
    assert Meeting.objects.filter(room=first).count() == 1
