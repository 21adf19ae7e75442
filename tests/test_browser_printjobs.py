"""后台生成 in headless Chromium: a meeting of 300, click the button, watch the job page
poll until 下载 appears, download the name cards and read the PDF back.

The worker runs in-process: the task is started in a thread of the live server when the
request commits (django-q2's queue replaced by that thread), held until the page shows the
job waiting, so 下载 appears through the page's own polling. Browser set-up as in
tests/test_browser.py.
"""

from __future__ import annotations

import io
import re
import threading
from pathlib import Path

import pypdf
import pytest
from django.contrib.auth.models import Group
from django.db import connection

from core.roles import Role
from meetings import printjobs, tasks
from meetings.models import PrintJob, PrintJobStatus
from tests.api_support import when
from tests.factories import make_user
from tests.meetings.printjob_support import big_scene
from tests.test_browser import SHOTS, _need_browser, _workday_ahead, launch

pytestmark = pytest.mark.browser


def test_name_cards_made_in_the_background_and_downloaded(
    live_server, transactional_db, monkeypatch, settings, tmp_path
):
    _need_browser()
    from playwright.sync_api import expect, sync_playwright

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # see tests/test_browser.py
    settings.MEDIA_ROOT = tmp_path / "media"
    workers: list[threading.Thread] = []
    go = threading.Event()

    def in_a_thread(func: str, pk: int, **kwargs: object) -> None:
        assert func == "meetings.tasks.run_print_job"

        def work() -> None:
            try:
                # Held until the test has seen the page waiting: the 下载 button must
                # then arrive by the page's own polling, not with the first load.
                go.wait(timeout=60)
                tasks.run_print_job(pk)
            finally:
                connection.close()

        worker = threading.Thread(target=work, name=f"print-job-{pk}")
        workers.append(worker)
        worker.start()

    monkeypatch.setattr(printjobs, "async_task", in_a_thread)
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    staff = make_user("huiwu", Role.STAFF, first_name="会务张")
    s = big_scene(staff, 300, start=when(9, day=_workday_ahead()))
    base = live_server.url

    try:
        with sync_playwright() as p:
            browser = launch(p)
            page = browser.new_page(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            page.set_default_timeout(30_000)
            page.goto(f"{base}/meetings/{s.meeting.pk}/")
            page.fill("#id_username", "huiwu")
            page.fill("#id_password", "pw-for-tests-1")
            page.click("button:has-text('登录')")
            panel = page.locator("#print-jobs")
            expect(panel).to_contain_text("后台生成")
            panel.locator("select[name=stock]").select_option("200x120")
            page.locator("#documents").screenshot(path=str(SHOTS / "huiwu-print-jobs-panel.png"))

            page.click("#job-namecards")
            expect(page).to_have_url(re.compile(rf"/meetings/{s.meeting.pk}/print-jobs/\d+/$"))
            expect(page.locator("h1")).to_have_text("后台生成：桌签")
            expect(page.locator("#job-progress")).to_be_visible()
            expect(page.locator("#job-status")).to_have_text("排队中")
            expect(page.locator("#job-download")).to_have_count(0)
            page.screenshot(path=str(SHOTS / "huiwu-print-job-queued.png"), full_page=True)
            go.set()
            # htmx polls the status every second until the job is done
            download_link = page.locator("#job-download")
            expect(download_link).to_be_visible(timeout=60_000)
            expect(page.locator("#job-status")).to_have_text("已完成")
            expect(page.locator("#job-count")).to_have_text("300 / 300")
            expect(page.locator("#job-progress")).to_have_attribute("value", "100")
            page.screenshot(path=str(SHOTS / "huiwu-print-job.png"), full_page=True)

            with page.expect_download() as caught:
                download_link.click()
            download = caught.value
            assert download.suggested_filename == "全县安全生产工作会议-桌签.pdf"
            data = Path(download.path()).read_bytes()
            browser.close()
    finally:
        go.set()
        for worker in workers:
            worker.join(timeout=60)

    assert data.startswith(b"%PDF")
    assert len(pypdf.PdfReader(io.BytesIO(data)).pages) == 300
    job = PrintJob.objects.get()
    assert (job.status, job.options["stock"], len(workers)) == (PrintJobStatus.DONE, "200x120", 1)
