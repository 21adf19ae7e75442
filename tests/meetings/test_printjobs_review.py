"""Print jobs under review: who may still read a job, what is left in storage when
saving fails or a slow worker comes back, bad options from direct callers, the page's
polling of stuck and vanished jobs, and the background file against the synchronous one."""

from __future__ import annotations

import datetime as dt
import errno
import io
import os
import re
import zipfile

import pdfplumber
import pytest
from django.core.files.storage import FileSystemStorage, InMemoryStorage, default_storage
from django.db import OperationalError, connection
from django.utils import timezone

from core.exceptions import InvalidInput
from core.models import AuditEntry
from meetings import printjobs
from meetings.models import Attendance, Confidentiality, PrintJob, PrintJobStatus, Role
from meetings.seating import services
from tests.api_support import api_client, post, when
from tests.conftest import client_for
from tests.factories import NOW, make_person
from tests.meetings.printjob_support import big_scene
from tests.meetings.seating_support import scene

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def enqueued(monkeypatch):
    calls: list[int] = []
    monkeypatch.setattr(printjobs, "async_task", lambda func, pk, **kw: calls.append(pk))
    return calls


def seated(organiser, **kw):
    s = scene(organiser, start=when(9), **kw)
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    return s


def stored_files(root) -> list[str]:
    return sorted(name for _, _, names in os.walk(root) for name in names)


def page_texts(data: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


# --- who may read a job ------------------------------------------------------------------


def test_a_requester_taken_off_a_confidential_meeting_loses_its_jobs(organiser, colleague):
    secret = seated(organiser, title="内部专题会议", confidentiality=Confidentiality.CONFIDENTIAL)
    seat = Attendance.objects.create(
        meeting=secret.meeting, person=make_person("同事甲", user=colleague), role=Role.SIT_IN
    )
    job = printjobs.request_print_job(actor=colleague, meeting=secret.meeting, kind="signin")
    printjobs.run_print_job(job.pk)
    api = api_client(colleague)
    assert api.get(f"/api/v1/print-jobs/{job.pk}").status_code == 200  # while on the roster

    seat.delete()
    for url in (f"/api/v1/print-jobs/{job.pk}", f"/api/v1/print-jobs/{job.pk}/download"):
        response = api.get(url)
        assert response.status_code == 404, url
        assert "内部专题会议" not in response.content.decode()
    page = client_for(colleague).get(f"/meetings/{secret.meeting.pk}/print-jobs/{job.pk}/")
    assert page.status_code == 404
    # The organiser still may.
    response = api_client(organiser).get(f"/api/v1/print-jobs/{job.pk}/download")
    assert response.status_code == 200
    response.close()


def test_the_stored_name_cannot_be_found_from_the_job_id(organiser):
    s = seated(organiser)
    names = []
    for kind in ("signin", "agenda"):
        job = printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind=kind)
        printjobs.run_print_job(job.pk)
        job.refresh_from_db()
        names.append(job.file.name)
        assert re.fullmatch(
            rf"print/\d{{4}}/\d{{2}}/job-{job.pk}-[0-9a-f]{{32}}\.pdf", job.file.name
        )
    assert names[0].rsplit("-", 1)[1] != names[1].rsplit("-", 1)[1]


def test_the_download_header_survives_quotes_and_newlines_in_the_title(organiser):
    s = seated(organiser, title='关于"安全"\r\nX-Evil: 1; a\\b的会议')
    job = printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind="signin")
    printjobs.run_print_job(job.pk)
    response = api_client(organiser).get(f"/api/v1/print-jobs/{job.pk}/download")
    assert response.status_code == 200
    header = response["Content-Disposition"]
    response.close()
    assert "\r" not in header and "\n" not in header and "X-Evil" not in response.headers
    assert header.startswith("attachment; filename*=utf-8''")
    assert '"' not in header and "\\" not in header  # RFC 5987: all percent-encoded
    assert "X-Evil%201%3B%20a%20b" in header


# --- storage ------------------------------------------------------------------------------


def test_a_full_disk_fails_the_job_with_a_message_and_leaves_no_partial_file(
    organiser, media, monkeypatch
):
    s = seated(organiser)
    job = printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind="namecards")

    def full_disk(self, name, content):
        # What FileSystemStorage does when the disk fills up: the file is created, part
        # of it written, then the write fails — and Django leaves the partial file.
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(content.read()[:100])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(FileSystemStorage, "_save", full_disk)
    assert printjobs.run_print_job(job.pk) == PrintJobStatus.FAILED
    job.refresh_from_db()
    assert (job.status, job.file.name) == (PrintJobStatus.FAILED, "")
    assert "存储空间已满" in job.error and "重试" in job.error
    assert stored_files(media) == []


# Autocommit, as in the worker: the failed write does not break a surrounding transaction.
@pytest.mark.django_db(transaction=True)
def test_a_file_that_could_not_be_recorded_is_removed(organiser, media):
    s = seated(organiser)
    job = printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind="signin")

    def final_write_fails(execute, sql, params, many, context):
        if sql.startswith("UPDATE") and '"file" =' in sql:
            raise OperationalError("database is locked")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(final_write_fails):
        assert printjobs.run_print_job(job.pk) == PrintJobStatus.FAILED
    job.refresh_from_db()
    assert job.error == printjobs.STORE_FAILED
    assert stored_files(media) == []  # nobody could ever have downloaded it


def test_a_late_original_worker_leaves_the_new_attempts_file_and_status(
    organiser, media, monkeypatch
):
    """The original worker looked dead (no heartbeat in its last, silent stretch), a new
    attempt took the job over and finished; then the original finishes too."""
    s = seated(organiser)
    job = printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind="namecards")
    render = printjobs.printing.render_cards
    state = {"inner": False}

    def original_then_taken_over(*args, **kwargs):
        data = render(*args, **kwargs)
        if not state["inner"]:
            state["inner"] = True
            PrintJob.objects.filter(pk=job.pk).update(
                heartbeat_at=timezone.now() - printjobs.STALE_AFTER - dt.timedelta(seconds=1)
            )
            assert printjobs.run_print_job(job.pk) == PrintJobStatus.DONE  # attempt 2
        return data

    monkeypatch.setattr(printjobs.printing, "render_cards", original_then_taken_over)
    assert printjobs.run_print_job(job.pk) == PrintJobStatus.DONE  # the row's, untouched
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (PrintJobStatus.DONE, 2, "")
    assert default_storage.exists(job.file.name)
    assert stored_files(media) == [os.path.basename(job.file.name)]  # the original's is gone


def test_the_purge_uses_the_storage_api_and_spares_running_and_young_files(
    organiser, settings, monkeypatch
):
    # No filesystem behind it (default_storage.path() is not implemented), like S3.
    memory = {"BACKEND": "django.core.files.storage.InMemoryStorage"}
    settings.STORAGES = {**settings.STORAGES, "default": memory}
    s = seated(organiser)
    now = timezone.now()
    old, running = (
        printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind=kind)
        for kind in ("signin", "agenda")
    )
    for job in (old, running):
        printjobs.run_print_job(job.pk)
        job.refresh_from_db()
    ancient = now - dt.timedelta(days=30)
    PrintJob.objects.filter(pk=old.pk).update(created_at=ancient)
    # Old, but its worker is alive (a re-run of an old job, just now): not touched.
    PrintJob.objects.filter(pk=running.pk).update(
        created_at=ancient, status=PrintJobStatus.RUNNING, heartbeat_at=now
    )
    stale_orphan = default_storage.save("print/2020/01/job-9-x.pdf", io.BytesIO(b"%PDF-"))
    young_orphan = default_storage.save("print/2026/01/job-8-y.pdf", io.BytesIO(b"%PDF-"))
    real_modified = InMemoryStorage.get_modified_time

    def modified(self, name):
        return ancient if name == stale_orphan else real_modified(self, name)

    monkeypatch.setattr(InMemoryStorage, "get_modified_time", modified)
    assert printjobs.purge_old_jobs(now) == 1
    assert not default_storage.exists(old.file.name) and not default_storage.exists(stale_orphan)
    assert default_storage.exists(running.file.name) and default_storage.exists(young_orphan)
    assert list(PrintJob.objects.values_list("pk", flat=True)) == [running.pk]


# --- input from direct callers -------------------------------------------------------------


@pytest.mark.parametrize(
    "options",
    [{"stock": []}, {"stock": {"a": 1}}, {"viewpoint": ["audience"]}, {"paper": {}}],
)
def test_options_of_the_wrong_type_are_invalid_input_not_a_crash(organiser, options):
    s = seated(organiser)
    with pytest.raises(InvalidInput):
        printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind="all", options=options)
    assert not PrintJob.objects.exists()


# --- retry and registering the print ----------------------------------------------------------


def test_a_colleague_may_retry_the_organisers_job_without_registering_the_print(
    organiser, colleague
):
    s = seated(organiser)
    job = printjobs.request_print_job(
        actor=organiser, meeting=s.meeting, kind="namecards", options={"mark_printed": True}
    )
    PrintJob.objects.filter(pk=job.pk).update(status=PrintJobStatus.FAILED, error="字体缺失")
    response = post(api_client(colleague), f"/api/v1/print-jobs/{job.pk}/retry")
    assert response.status_code == 202, response.content
    new = response.json()
    assert new["options"]["mark_printed"] is False and new["options"]["stock"] == "a4"


def test_registering_the_print_names_the_stock_and_paper_as_the_sync_endpoints_do(organiser):
    s = seated(organiser)
    for kind, options in (("namecards", {"stock": "200x120"}), ("seating", {"paper": "a3"})):
        job = printjobs.request_print_job(
            actor=organiser, meeting=s.meeting, kind=kind, options={**options, "mark_printed": True}
        )
        assert printjobs.run_print_job(job.pk) == PrintJobStatus.DONE
    summaries = list(
        AuditEntry.objects.filter(action="seating_print").values_list("summary", flat=True)
    )
    assert any(re.match(r"打印桌签（200×120 mm.*）：13 人", text) for text in summaries), summaries
    assert "打印座次图（A3）：13 人" in summaries


# --- the page's polling -----------------------------------------------------------------------


def test_a_stuck_jobs_page_polls_rarely(organiser):
    s = seated(organiser)
    job = printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind="signin")
    client = client_for(organiser)
    status_url = f"/meetings/{s.meeting.pk}/print-jobs/{job.pk}/status/"
    assert 'hx-trigger="every 1s"' in client.get(status_url).content.decode()
    PrintJob.objects.filter(pk=job.pk).update(created_at=timezone.now() - dt.timedelta(hours=1))
    partial = client.get(status_url).content.decode()
    assert 'id="job-stale"' in partial
    assert f'hx-trigger="every {15}s"' in partial and 'content="15"' in partial


def test_polling_a_job_that_went_away_stops(organiser):
    s = seated(organiser)
    job = printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind="signin")
    status_url = f"/meetings/{s.meeting.pk}/print-jobs/{job.pk}/status/"
    job.delete()  # purged while the page was open
    client = client_for(organiser)
    response = client.get(status_url, HTTP_HX_REQUEST="true")
    assert response.status_code == 286  # htmx: stop polling
    assert "hx-trigger" not in response.content.decode() and "不存在" in response.content.decode()
    assert client.get(status_url).status_code == 404  # without htmx, the plain 404


# --- the same document as the synchronous endpoints ------------------------------------------


def test_background_files_are_the_synchronous_documents(organiser):
    s = big_scene(organiser, 60)
    api = api_client(organiser)
    cards = printjobs.request_print_job(
        actor=organiser,
        meeting=s.meeting,
        kind="namecards",
        options={"stock": "210x140", "title": True},
    )
    bundle = printjobs.request_print_job(actor=organiser, meeting=s.meeting, kind="all")
    for job in (cards, bundle):
        assert printjobs.run_print_job(job.pk) == PrintJobStatus.DONE
        job.refresh_from_db()

    base = f"/api/v1/meetings/{s.meeting.pk}/documents"
    sync_cards = api.get(f"{base}/namecards.pdf?stock=210x140&title=1").content
    with cards.file.open("rb") as f:
        texts = page_texts(f.read())
    assert len(texts) == 60 and texts == page_texts(sync_cards)

    with bundle.file.open("rb") as f, zipfile.ZipFile(f) as archive:
        members = {name.rsplit("-", 1)[1]: archive.read(name) for name in archive.namelist()}
    for label, url in (
        ("议程.pdf", "agenda.pdf"),
        ("会议通知.pdf", "notice.pdf"),
        ("签到表.pdf", "signin.pdf"),
        ("座次图.pdf", "seating.pdf"),
        ("桌签.pdf", "namecards.pdf"),
    ):
        assert page_texts(members[label]) == page_texts(api.get(f"{base}/{url}").content), label
