"""A weekly series through the real pages in headless Chromium: the preview shows a
clash, the clash is skipped, the occurrences are on the board, one is edited alone;
then find-a-time. Screenshots go to BROWSER_SHOTS (default /tmp).

Uses Debian's /usr/bin/chromium; skipped without it unless REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from core.roles import Role
from core.timeutil import at_local, localtime
from meetings.models import Meeting, MeetingSeries, Status
from tests.factories import make_meeting, make_person, make_room, make_user
from tests.test_browser import SHOTS, _need_browser, launch

pytestmark = pytest.mark.browser


def _monday_ahead() -> dt.date:
    today = localtime(timezone.now()).date()
    return today + dt.timedelta(days=14 - today.weekday())


def test_weekly_series_with_a_skipped_clash_and_one_occurrence_edited(
    live_server, transactional_db, monkeypatch
):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    staff = make_user("huiwu", Role.STAFF, first_name="会务张")
    wang = make_person("王县长", is_leader=True, rank=1, title="县长")
    make_person("李副县长", is_leader=True, rank=2, title="副县长")
    council = make_room("常务会议室", capacity=30, order=1)
    make_room("第二会议室", capacity=20, order=2)
    first = _monday_ahead()
    second = first + dt.timedelta(weeks=1)
    make_meeting(
        room=council,
        organizer=staff,
        title="全县安全生产大会",
        start=at_local(second, dt.time(8, 30)),
        end=at_local(second, dt.time(9, 30)),
    )
    base = live_server.url

    with sync_playwright() as p:
        browser = launch(p)
        page = browser.new_page(viewport={"width": 1366, "height": 1000}, locale="zh-CN")
        page.set_default_timeout(15_000)

        page.goto(f"{base}/board/")
        page.fill("#id_username", "huiwu")
        page.fill("#id_password", "pw-for-tests-1")
        page.click("button:has-text('登录')")
        expect(page).to_have_url(re.compile(r"/board/$"))

        # 1. the booking form with 重复: weekly, 4 times; the preview shows the clash
        page.goto(f"{base}/meetings/new/")
        page.fill("#id_title", "县政府常务会议")
        page.select_option("#id_kind", "executive")
        page.fill("#id_date", first.isoformat())
        page.fill("#id_start_time", "09:00")
        page.fill("#id_end_time", "10:00")
        page.select_option("#id_room", str(council.pk))
        page.select_option("#id_attendees", [str(wang.pk)])
        page.select_option("#id_repeat", "weekly")
        page.fill("#id_repeat_count", "4")
        page.locator("#id_repeat_count").dispatch_event("change")
        preview = page.locator("#series-preview")
        expect(preview).to_contain_text("每周一：共 4 次，其中 1 次有冲突")
        expect(preview.locator(".occ-clash")).to_contain_text("全县安全生产大会")
        # The check panel (first occurrence) is still answered alongside the preview.
        expect(page.locator("#check-panel")).to_contain_text("该时段可用")
        page.screenshot(path=str(SHOTS / "huiwu-series-preview.png"), full_page=True)

        # 2. submitting without skipping is refused; skipping books the other three
        page.click("#submit-booking")
        expect(page.locator(".form-errors")).to_contain_text("与现有安排冲突")
        expect(page.locator("#series-preview")).to_contain_text("其中 1 次有冲突")
        page.check("#id_skip_conflicts")
        page.click("#submit-booking")
        expect(page).to_have_url(re.compile(r"/series/\d+/$"))
        expect(page.locator(".messages")).to_contain_text("共 3 次，跳过 1 次")
        expect(page.locator(".skipped")).to_contain_text("与现有安排冲突")
        page.screenshot(path=str(SHOTS / "huiwu-series-page.png"), full_page=True)

        # 3. the occurrences are on the room board (week view)
        page.goto(f"{base}/board/?date={first.isoformat()}&view=week")
        expect(page.locator("body")).to_contain_text("县政府常务会议")
        page.goto(f"{base}/board/?date={second.isoformat()}")
        expect(page.locator("body")).to_contain_text("全县安全生产大会")
        page.goto(f"{base}/board/?date={(second + dt.timedelta(weeks=1)).isoformat()}")
        expect(page.locator("body")).to_contain_text("县政府常务会议")

        # 4. edit one occurrence only: it becomes an exception. (Found through the pages:
        # ORM queries inside the playwright block would open a connection in playwright's
        # event-loop context that is never closed, which PostgreSQL's teardown trips on.)
        page.go_back()
        page.go_back()
        page.go_back()
        expect(page).to_have_url(re.compile(r"/series/\d+/$"))
        page.locator(".occurrences-table tbody tr").nth(1).locator("a").first.click()
        expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
        expect(page.locator("#series-card")).to_contain_text("每周一")
        page.click("#edit-this")
        page.fill("#id_start_time", "15:00")
        page.fill("#id_end_time", "16:00")
        page.click("#submit-booking")
        expect(page.locator(".messages")).to_contain_text("已保存修改")
        expect(page.locator("#series-card")).to_contain_text("本次单独修改过")
        page.screenshot(path=str(SHOTS / "huiwu-occurrence.png"), full_page=True)

        # 5. then "全部": the exception keeps its time
        page.click("#series-link")
        page.click("#series-edit-all")
        page.fill("#id_title", "县政府常务会议（调整）")
        page.screenshot(path=str(SHOTS / "huiwu-series-edit.png"), full_page=True)
        page.click("#submit-series")
        expect(page.locator(".messages")).to_contain_text("单独修改过的会议保持不变")
        expect(page.locator(".occurrences-table")).to_contain_text("单独修改过")

        # 6. find-a-time
        page.goto(f"{base}/slots/")
        page.select_option("#id_people", [str(wang.pk)])
        page.fill("#id_window_start", first.isoformat())
        page.fill("#id_window_end", (first + dt.timedelta(days=2)).isoformat())
        page.click("#find-slots")
        expect(page.locator("#slot-results")).to_contain_text("预订此时段")
        page.screenshot(path=str(SHOTS / "huiwu-find-a-time.png"), full_page=True)
        page.locator(".book-slot").first.click()
        expect(page).to_have_url(re.compile(r"/meetings/new/\?room="))
        expect(page.locator("#check-panel")).to_contain_text("该时段可用")
        browser.close()

    series = MeetingSeries.objects.get()
    third = Meeting.objects.filter(series=series).order_by("recurrence_id")[1]
    assert third.is_exception and localtime(third.start).hour == 15
    assert third.title == "县政府常务会议"
    others = Meeting.objects.filter(series__isnull=False, is_exception=False)
    assert {m.title for m in others} == {"县政府常务会议（调整）"}
    assert Meeting.objects.filter(status=Status.APPROVED).count() == 4


def test_an_admin_preempts_through_the_dialog(live_server, transactional_db, monkeypatch):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    make_user("guanli", Role.ADMIN, first_name="管理员赵")
    staff = make_user("huiwu", Role.STAFF, first_name="会务张")
    big = make_room("大会议室", capacity=60, order=1)
    spare = make_room("第二会议室", capacity=30, order=2)
    day = _monday_ahead()
    lower = make_meeting(
        room=big,
        organizer=staff,
        title="农业农村专题会议",
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
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

        page.goto(f"{base}/meetings/new/")
        page.fill("#id_title", "省政府电视电话会议")
        page.select_option("#id_kind", "teleconference")
        page.fill("#id_date", day.isoformat())
        page.fill("#id_start_time", "09:30")
        page.fill("#id_end_time", "11:00")
        page.select_option("#id_room", str(big.pk))
        dialog = page.locator("#preempt-dialog")
        expect(dialog).to_contain_text("农业农村专题会议")
        expect(dialog.locator(".preempt-target")).to_have_text("第二会议室")
        page.screenshot(path=str(SHOTS / "huiwu-preempt-dialog.png"), full_page=True)
        page.check("#preempt-confirm")
        expect(page.locator("#preempt-confirm")).to_be_checked()
        page.click("#submit-booking")
        expect(page).to_have_url(re.compile(r"/meetings/\d+/$"))
        expect(page.locator("table.audit")).to_contain_text("农业农村专题会议")
        browser.close()

    lower.refresh_from_db()
    assert lower.room == spare
    assert Meeting.objects.get(title="省政府电视电话会议").room == big
