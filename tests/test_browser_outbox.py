"""发送记录 in headless Chromium: an admin finds a failed invitation and re-sends it.

Same browser set-up as tests/test_browser.py (Debian's chromium, skipped without it
unless REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.roles import Role
from meetings.models import Channel, DeliveryStatus, Notification
from tests.factories import make_person, make_unit, make_user
from tests.test_browser import SHOTS, _need_browser, launch

pytestmark = pytest.mark.browser


def test_an_admin_resends_a_failed_invitation_in_a_real_browser(
    live_server, transactional_db, monkeypatch
):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    # See tests/test_browser.py: the test's own ORM reads run beside Playwright's loop.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    make_user("guanli", Role.ADMIN, first_name="管理员")
    person = make_person("张局长", unit=make_unit("县财政局"), email="zhang@czj.example.gov.cn")
    row = Notification.objects.create(
        person=person,
        kind="invitation",
        subject="会议通知：财政预算编制会",
        body="请参加",
        channel=Channel.EMAIL,
        address=person.email,
        status=DeliveryStatus.FAILED,
        attempts=6,
        last_error="SMTPServerDisconnected: Connection unexpectedly closed",
        created_at=timezone.now(),
    )
    base = live_server.url

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
        page.set_default_timeout(15_000)
        page.goto(f"{base}/board/")
        page.fill("#id_username", "guanli")
        page.fill("#id_password", "pw-for-tests-1")
        page.click("button:has-text('登录')")
        expect(page).to_have_url(re.compile(r"/board/$"))

        page.click("nav.mainnav >> text=发送记录")
        expect(page).to_have_url(re.compile(r"/notifications/outbox/$"))
        line = page.locator(f"#notification-{row.pk}")
        expect(line).to_contain_text("会议通知：财政预算编制会")
        expect(line).to_contain_text("发送失败")
        expect(line).to_contain_text("Connection unexpectedly closed")
        page.screenshot(path=str(SHOTS / "huiwu-outbox.png"), full_page=True)

        line.locator("button:has-text('重新发送')").click()
        expect(page.locator(".messages")).to_contain_text("已重新排队发送")
        line = page.locator(f"#notification-{row.pk}")
        expect(line).to_contain_text("待发送")
        expect(line.locator("button:has-text('重新发送')")).to_have_count(0)
        browser.close()

    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.PENDING, 0)
