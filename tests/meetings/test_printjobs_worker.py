"""The print-job worker (meetings/printjobs.py): files read back, progress, and what goes
wrong — a task delivered twice, a killed worker, a deleted meeting, a renderer crash."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_q.conf import Conf

from meetings import printjobs, tasks
from meetings.models import PrintJob, PrintJobStatus, SeatingPlan
from tests.api_support import when
from tests.factories import NOW
from tests.meetings.printjob_support import big_scene, pdf_pages, zip_members
from tests.meetings.seating_support import scene

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def sync_q(monkeypatch):
    """django-q2's sync mode: async_task runs the task at once, in this process."""
    monkeypatch.setattr(Conf, "SYNC", True)


@pytest.fixture
def seated(organiser):
    from meetings.seating import services

    s = scene(organiser, start=when(9))
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    return s


def request(actor, meeting, kind, **options) -> PrintJob:
    return printjobs.request_print_job(actor=actor, meeting=meeting, kind=kind, options=options)


def test_name_cards_for_500_are_rendered_by_the_task_in_sync_mode(
    organiser, sync_q, django_capture_on_commit_callbacks
):
    s = big_scene(organiser, 500)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = request(organiser, s.meeting, "namecards", stock="200x120", title=True)
    assert len(callbacks) == 1  # enqueued once the row was committed
    job.refresh_from_db()
    assert job.status == PrintJobStatus.DONE, job.error
    assert (job.done, job.total, job.percent, job.attempts) == (500, 500, 100, 1)
    assert job.filename == "全县安全生产工作会议-桌签.pdf"
    assert job.file.name.startswith("print/") and default_storage.exists(job.file.name)
    with job.file.open("rb") as f:
        assert pdf_pages(f.read()) == 500  # one page per card
    assert job.started_at <= job.finished_at


def test_progress_is_written_a_bounded_number_of_times(organiser):
    s = big_scene(organiser, 500)
    job = request(organiser, s.meeting, "namecards")
    with CaptureQueriesContext(connection) as captured:
        assert tasks.run_print_job(job.pk) == PrintJobStatus.DONE
    updates = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("UPDATE") and "printjob" in q["sql"].lower()
    ]
    # claim + first progress + a few timed ones + the final write: never one per card
    assert 3 <= len(updates) <= 15, len(updates)


def test_progress_reaches_the_row_while_rendering(organiser, monkeypatch):
    s = big_scene(organiser, 120)
    job = request(organiser, s.meeting, "namecards")
    seen = []
    original = printjobs._Progress.__call__

    def spy(self, done, total, *, force=False):
        original(self, done, total, force=force)
        row = PrintJob.objects.get(pk=job.pk)
        seen.append((row.status, row.done, row.total))

    monkeypatch.setattr(printjobs, "PROGRESS_SECONDS", 0)  # write at every report
    monkeypatch.setattr(printjobs._Progress, "__call__", spy)
    tasks.run_print_job(job.pk)
    assert seen[0] == (PrintJobStatus.RUNNING, 0, 120)
    assert (PrintJobStatus.RUNNING, 50, 120) in seen  # every 25 cards from the renderer
    assert seen[-1] == (PrintJobStatus.RUNNING, 120, 120)


def test_all_documents_are_one_zip_of_valid_pdfs(organiser, seated):
    job = request(organiser, seated.meeting, "all", paper="a3")
    assert tasks.run_print_job(job.pk) == PrintJobStatus.DONE
    job.refresh_from_db()
    assert job.filename.endswith("会务材料.zip")
    with job.file.open("rb") as f:
        members = zip_members(f.read())
    title = "全县安全生产工作会议"
    names = {f"{title}-{label}.pdf" for label in ("议程", "会议通知", "签到表", "座次图", "桌签")}
    assert set(members) == names
    for data in members.values():
        assert data.startswith(b"%PDF") and pdf_pages(data) >= 1
    assert pdf_pages(members[f"{title}-桌签.pdf"]) == 13
    # 3 documents + the chart + 13 cards
    assert (job.done, job.total, printjobs.notes_of(job)) == (17, 17, [])


def test_the_zip_skips_what_does_not_apply_with_a_note(organiser, seated):
    SeatingPlan.objects.filter(meeting=seated.meeting).delete()
    job = request(organiser, seated.meeting, "all")
    tasks.run_print_job(job.pk)
    job.refresh_from_db()
    assert job.status == PrintJobStatus.DONE
    with job.file.open("rb") as f:
        members = zip_members(f.read())
    assert len([n for n in members if n.endswith(".pdf")]) == 3
    assert "没有座次安排" in members["说明.txt"].decode()
    assert printjobs.notes_of(job) == ["座次图、桌签：本会议没有座次安排，未生成"]


def test_running_the_task_twice_renders_once(organiser, seated, monkeypatch):
    job = request(organiser, seated.meeting, "namecards")
    assert tasks.run_print_job(job.pk) == PrintJobStatus.DONE
    job.refresh_from_db()
    first_file, finished = job.file.name, job.finished_at

    def must_not_render(*args, **kwargs):
        raise AssertionError("rendered a second time")

    monkeypatch.setattr(printjobs.printing, "render_cards", must_not_render)
    assert tasks.run_print_job(job.pk) == PrintJobStatus.DONE
    job.refresh_from_db()
    assert (job.status, job.file.name, job.finished_at, job.attempts) == (
        PrintJobStatus.DONE,
        first_file,
        finished,
        1,
    )
    assert len(os.listdir(default_storage.path(os.path.dirname(first_file)))) == 1


def test_a_failed_job_stays_failed(organiser, seated):
    job = request(organiser, seated.meeting, "namecards")
    PrintJob.objects.filter(pk=job.pk).update(status=PrintJobStatus.FAILED, error="早先的错误")
    assert tasks.run_print_job(job.pk) == PrintJobStatus.FAILED
    job.refresh_from_db()
    assert (job.error, job.attempts) == ("早先的错误", 0)


def test_an_unknown_job_is_nothing_to_do():
    assert tasks.run_print_job(987654) == ""


def test_a_killed_workers_job_is_taken_over(organiser, seated):
    job = request(organiser, seated.meeting, "namecards")
    long_ago = timezone.now() - printjobs.STALE_AFTER - dt.timedelta(seconds=5)
    PrintJob.objects.filter(pk=job.pk).update(
        status=PrintJobStatus.RUNNING, attempts=1, heartbeat_at=long_ago, done=7, total=13
    )
    assert tasks.run_print_job(job.pk) == PrintJobStatus.DONE
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done) == (PrintJobStatus.DONE, 2, 13)


def test_a_job_with_a_live_worker_is_left_to_it(organiser, seated):
    job = request(organiser, seated.meeting, "namecards")
    fresh = timezone.now() - dt.timedelta(seconds=10)
    PrintJob.objects.filter(pk=job.pk).update(
        status=PrintJobStatus.RUNNING, attempts=1, heartbeat_at=fresh, done=7, total=13
    )
    assert tasks.run_print_job(job.pk) == PrintJobStatus.RUNNING
    job.refresh_from_db()
    assert (job.status, job.attempts, job.done, job.file.name) == (
        PrintJobStatus.RUNNING,
        1,
        7,
        "",
    )


def test_a_job_killed_too_often_fails_with_a_clear_record(organiser, seated):
    job = request(organiser, seated.meeting, "namecards")
    long_ago = timezone.now() - printjobs.STALE_AFTER - dt.timedelta(seconds=5)
    PrintJob.objects.filter(pk=job.pk).update(
        status=PrintJobStatus.RUNNING, attempts=printjobs.MAX_ATTEMPTS, heartbeat_at=long_ago
    )
    assert tasks.run_print_job(job.pk) == PrintJobStatus.FAILED
    job.refresh_from_db()
    assert job.status == PrintJobStatus.FAILED
    assert f"已尝试 {printjobs.MAX_ATTEMPTS} 次" in job.error and job.finished_at


def test_a_worker_that_lost_its_job_stops_and_leaves_no_file(organiser, monkeypatch):
    """Taken over mid-render (this worker looked dead): its next progress write finds the
    job is no longer its own, it stops, and only the new owner's file will exist."""
    s = big_scene(organiser, 60)
    job = request(organiser, s.meeting, "namecards")
    monkeypatch.setattr(printjobs, "PROGRESS_SECONDS", 0)
    original = printjobs._Progress.__call__

    def taken_over(self, done, total, *, force=False):
        if done >= 25:  # another worker claims it now (attempt 2)
            PrintJob.objects.filter(pk=job.pk).update(attempts=2, heartbeat_at=timezone.now())
        original(self, done, total, force=force)

    monkeypatch.setattr(printjobs._Progress, "__call__", taken_over)
    assert tasks.run_print_job(job.pk) == PrintJobStatus.RUNNING
    job.refresh_from_db()
    assert (job.status, job.attempts, job.file.name) == (PrintJobStatus.RUNNING, 2, "")
    assert not os.path.exists(default_storage.path("print"))


def test_a_meeting_deleted_before_the_worker_runs_fails_the_job(organiser, seated):
    job = request(organiser, seated.meeting, "namecards")
    seated.meeting.delete()
    assert tasks.run_print_job(job.pk) == PrintJobStatus.FAILED
    job.refresh_from_db()
    assert (job.status, job.error, job.meeting_id) == (PrintJobStatus.FAILED, "会议已删除", None)


def test_a_meeting_deleted_while_rendering_fails_the_job_without_a_file(
    organiser, seated, monkeypatch
):
    job = request(organiser, seated.meeting, "namecards")
    original = printjobs.printing.render_cards

    def render_then_delete(state, options, *, progress=None):
        data = original(state, options, progress=progress)
        seated.meeting.delete()
        return data

    monkeypatch.setattr(printjobs.printing, "render_cards", render_then_delete)
    assert tasks.run_print_job(job.pk) == PrintJobStatus.FAILED
    job.refresh_from_db()
    assert (job.status, job.error, job.file.name) == (PrintJobStatus.FAILED, "会议已删除", "")
    assert not any(files for _, _, files in os.walk(default_storage.path("print")))


def test_a_renderer_crash_fails_the_job_with_a_message_and_logs_it(
    organiser, seated, monkeypatch, caplog
):
    job = request(organiser, seated.meeting, "seating")

    def crash(*args, **kwargs):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(printjobs.printing, "render_chart", crash)
    assert tasks.run_print_job(job.pk) == PrintJobStatus.FAILED
    job.refresh_from_db()
    assert job.status == PrintJobStatus.FAILED
    assert "程序错误" in job.error and "boom" not in job.error
    assert any("ZeroDivisionError" in (r.exc_text or "") for r in caplog.records)


def test_a_domain_error_in_the_worker_is_the_jobs_message(organiser, seated):
    """Seated when requested, unseated before the worker ran: the same 422 text."""
    job = request(organiser, seated.meeting, "namecards")
    seated.meeting.seating.assignments.all().delete()
    tasks.run_print_job(job.pk)
    job.refresh_from_db()
    assert (job.status, job.error) == (PrintJobStatus.FAILED, "尚未排座，请先在座次页面排座")


def test_mark_printed_is_registered_when_the_file_is_made(organiser, seated):
    job = request(organiser, seated.meeting, "namecards", mark_printed=True)
    tasks.run_print_job(job.pk)
    plan = SeatingPlan.objects.get(meeting=seated.meeting)
    assert plan.printed_at is not None and "namecards" in plan.printed_snapshot


def test_the_purge_deletes_old_jobs_and_their_files(organiser, seated, settings):
    settings.PRINT_JOB_KEEP_DAYS = 7
    old = request(organiser, seated.meeting, "namecards")
    tasks.run_print_job(old.pk)
    recent = request(organiser, seated.meeting, "seating")
    tasks.run_print_job(recent.pk)
    old.refresh_from_db()
    recent.refresh_from_db()
    old_path = old.file.name
    PrintJob.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    # A file no job refers to (a worker killed between storing and recording it).
    orphan = default_storage.save("print/2020/01/job-1-namecards.pdf", ContentFile(b"%PDF-"))
    os.utime(default_storage.path(orphan), (0, 0))

    assert printjobs.purge_old_jobs(timezone.now()) == 1
    assert not PrintJob.objects.filter(pk=old.pk).exists()
    assert not default_storage.exists(old_path) and not default_storage.exists(orphan)
    assert default_storage.exists(recent.file.name)  # younger than 7 days: kept
    assert printjobs.purge_old_jobs(timezone.now()) == 0  # safe to run twice


def test_the_sweep_requeues_stuck_jobs_only(organiser, seated, monkeypatch):
    queued = []
    monkeypatch.setattr(printjobs, "async_task", lambda func, pk, **kw: queued.append(pk))
    now = timezone.now()
    dead = request(organiser, seated.meeting, "namecards")
    PrintJob.objects.filter(pk=dead.pk).update(
        status=PrintJobStatus.RUNNING, heartbeat_at=now - dt.timedelta(minutes=5)
    )
    lost = request(organiser, seated.meeting, "seating")
    PrintJob.objects.filter(pk=lost.pk).update(created_at=now - dt.timedelta(hours=1))
    fresh = request(organiser, seated.meeting, "signin")
    assert tasks.sweep_print_jobs() == 2  # the scheduled task, on the real clock
    assert sorted(queued) == sorted([dead.pk, lost.pk]) and fresh.pk not in queued
