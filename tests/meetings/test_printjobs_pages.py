"""The 后台生成 buttons on the meeting page and the job page that polls its progress."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from meetings import printjobs
from meetings.models import Confidentiality, PrintJob, PrintJobStatus, SeatingPlan
from meetings.seating import services
from tests.api_support import when
from tests.conftest import client_for
from tests.factories import NOW
from tests.meetings.seating_support import scene

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def enqueued(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(printjobs, "async_task", lambda func, pk, **kw: calls.append(pk))
    return calls


def seated(organiser, **kw):
    s = scene(organiser, start=when(9), **kw)
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    return s


@pytest.fixture
def s(organiser):
    return seated(organiser)


def start_job(client: Client, meeting_id: int, capture, **fields: str):
    with capture(execute=True):
        return client.post(f"/meetings/{meeting_id}/print-jobs/", fields)


def test_the_documents_panel_offers_background_jobs(organiser, s):
    html = client_for(organiser).get(f"/meetings/{s.meeting.pk}/").content.decode()
    for kind in ("signin", "namecards", "seating", "all"):
        assert f'id="job-{kind}"' in html
    assert "全部文件（ZIP）" in html and 'name="csrfmiddlewaretoken"' in html
    SeatingPlan.objects.filter(meeting=s.meeting).delete()
    html = client_for(organiser).get(f"/meetings/{s.meeting.pk}/").content.decode()
    assert 'id="job-signin"' in html and 'id="job-all"' in html
    assert 'id="job-namecards"' not in html  # nothing to seat: no card button


def test_posting_needs_the_csrf_token(organiser, s):
    client = Client(enforce_csrf_checks=True)
    client.force_login(organiser)
    response = client.post(f"/meetings/{s.meeting.pk}/print-jobs/", {"kind": "all"})
    assert response.status_code == 403
    assert not PrintJob.objects.exists()


def test_a_job_is_started_watched_and_downloaded(
    organiser, s, enqueued, django_capture_on_commit_callbacks
):
    client = client_for(organiser)
    response = start_job(
        client,
        s.meeting.pk,
        django_capture_on_commit_callbacks,
        kind="namecards",
        stock="200x120",
        title="1",
        fold_line="0",
        crop_marks="1",
        mark_printed="0",
    )
    job = PrintJob.objects.get()
    # The page offers what the seating page's 打印桌签 offers: fold line and crop marks.
    assert (job.options["fold_line"], job.options["crop_marks"]) == (False, True)
    panel = client.get(f"/meetings/{s.meeting.pk}/").content.decode()
    assert 'name="fold_line"' in panel and 'name="crop_marks"' in panel
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{s.meeting.pk}/print-jobs/{job.pk}/"
    assert enqueued == [job.pk]
    assert job.options["stock"] == "200x120" and job.options["title"] is True

    page = client.get(response["Location"]).content.decode()
    assert "后台生成：桌签" in page and "全县安全生产工作会议" in page
    status_url = f"/meetings/{s.meeting.pk}/print-jobs/{job.pk}/status/"
    assert f'hx-get="{status_url}"' in page and 'hx-trigger="every 1s"' in page
    assert '<noscript><meta http-equiv="refresh"' in page  # works without JavaScript
    assert re.search(r'<progress id="job-progress" max="100" value="0"', page)
    assert "排队中" in page and 'id="job-download"' not in page

    printjobs.run_print_job(job.pk)
    partial = client.get(status_url, HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in partial  # done: the polling stops
    assert 'value="100"' in partial and "已完成" in partial and "13 / 13" in partial
    download = re.search(r'id="job-download" href="([^"]+)"', partial).group(1)
    assert download == f"/api/v1/print-jobs/{job.pk}/download"
    response = client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    # …and the meeting page lists it, so a job left running is found again.
    html = client.get(f"/meetings/{s.meeting.pk}/").content.decode()
    assert f"/meetings/{s.meeting.pk}/print-jobs/{job.pk}/" in html


def test_a_failed_job_shows_its_message_and_a_retry_button(
    organiser, s, enqueued, django_capture_on_commit_callbacks
):
    client = client_for(organiser)
    start_job(client, s.meeting.pk, django_capture_on_commit_callbacks, kind="namecards")
    job = PrintJob.objects.get()
    s.meeting.seating.assignments.all().delete()  # unseated before the worker ran
    printjobs.run_print_job(job.pk)
    page = client.get(f"/meetings/{s.meeting.pk}/print-jobs/{job.pk}/").content.decode()
    assert "生成失败：尚未排座，请先在座次页面排座" in page
    assert 'id="job-retry"' in page and "hx-trigger" not in page

    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/meetings/{s.meeting.pk}/print-jobs/{job.pk}/retry/")
    new = PrintJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == f"/meetings/{s.meeting.pk}/print-jobs/{new.pk}/"
    assert enqueued == [job.pk, new.pk]
    assert printjobs.run_print_job(new.pk) == PrintJobStatus.DONE


def test_a_stuck_job_says_so_and_can_be_retried(organiser, s, enqueued):
    job = printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind="signin")
    PrintJob.objects.filter(pk=job.pk).update(
        status=PrintJobStatus.RUNNING, heartbeat_at=timezone.now() - dt.timedelta(minutes=10)
    )
    client = client_for(organiser)
    page = client.get(f"/meetings/{s.meeting.pk}/print-jobs/{job.pk}/").content.decode()
    assert 'id="job-stale"' in page and "中断" in page and 'id="job-retry"' in page
    response = client.post(f"/meetings/{s.meeting.pk}/print-jobs/{job.pk}/retry/")
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == PrintJobStatus.FAILED  # closed, so it can never finish twice
    assert PrintJob.objects.filter(status=PrintJobStatus.QUEUED).count() == 1


def test_bad_form_input_is_a_message_not_a_500(organiser, s):
    client = client_for(organiser)
    for fields in (
        {"kind": "poster"},
        {"kind": "namecards", "stock": "a9"},
        {"kind": "namecards", "title": "maybe"},
    ):
        response = client.post(f"/meetings/{s.meeting.pk}/print-jobs/", fields, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0] == f"/meetings/{s.meeting.pk}/#documents"
        assert 'class="msg msg-error"' in response.content.decode()
    assert not PrintJob.objects.exists()
    assert client.get(f"/meetings/{s.meeting.pk}/print-jobs/").status_code == 405


def test_permissions_on_a_confidential_meetings_jobs(organiser, colleague, outsider):
    secret = seated(organiser, title="内部专题会议", confidentiality=Confidentiality.CONFIDENTIAL)
    job = printjobs.request_print_job(actor=organiser, meeting=secret.meeting, kind="all")
    base = f"/meetings/{secret.meeting.pk}/print-jobs/{job.pk}"
    assert client_for(organiser).get(f"{base}/").status_code == 200
    for user in (colleague, outsider):
        client = client_for(user)
        response = client.post(f"/meetings/{secret.meeting.pk}/print-jobs/", {"kind": "all"})
        assert response.status_code == 403
        for url in (f"{base}/", f"{base}/status/"):
            response = client.get(url)
            assert response.status_code == 404 and "内部专题会议" not in response.content.decode()
        assert client.post(f"{base}/retry/").status_code == 404
    assert PrintJob.objects.count() == 1
    response = Client().get(f"{base}/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_job_under_another_meetings_address_is_not_found(organiser, s):
    job = printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind="signin")
    client = client_for(organiser)
    assert client.get(f"/meetings/{s.meeting.pk + 1}/print-jobs/{job.pk}/").status_code == 404
    assert client.get(f"/meetings/{s.meeting.pk}/print-jobs/{'9' * 25}/").status_code == 404


def test_a_deleted_meetings_job_page_still_tells_the_requester(organiser, s):
    job = printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind="signin")
    pk = s.meeting.pk
    s.meeting.delete()
    printjobs.run_print_job(job.pk)
    page = client_for(organiser).get(f"/meetings/{pk}/print-jobs/{job.pk}/").content.decode()
    assert "生成失败：会议已删除" in page and "（会议已删除）" in page
    assert 'id="job-retry"' not in page
