"""/api/v1/meetings/{id}/print-jobs and /api/v1/print-jobs/{id}: request, poll, download,
retry — with the fixed cast, bad input of every kind, and never a 500."""

from __future__ import annotations

import datetime as dt
import urllib.parse

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone
from django_q.conf import Conf

from meetings import printjobs
from meetings.models import Confidentiality, PrintJob, PrintJobStatus
from meetings.seating import services
from tests.api_support import api_client, post, when
from tests.factories import NOW
from tests.meetings.printjob_support import pdf_pages
from tests.meetings.seating_support import scene

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def enqueued(monkeypatch):
    """The worker's queue, replaced by a list: the tests run the tasks themselves."""
    calls: list[tuple[str, int]] = []
    monkeypatch.setattr(printjobs, "async_task", lambda func, pk, **kw: calls.append((func, pk)))
    return calls


def seated(organiser, **kw):
    s = scene(organiser, start=when(9), **kw)
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    return s


@pytest.fixture
def s(organiser):
    return seated(organiser)


@pytest.fixture
def secret(organiser):
    return seated(organiser, title="内部专题会议", confidentiality=Confidentiality.CONFIDENTIAL)


def create(user, meeting_id, body, capture=None):
    client = api_client(user)
    url = f"/api/v1/meetings/{meeting_id}/print-jobs"
    if capture is None:
        return post(client, url, body)
    with capture(execute=True):
        return post(client, url, body)


def test_a_job_is_accepted_queued_and_enqueued_after_commit(
    organiser, s, enqueued, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = post(
            api_client(organiser),
            f"/api/v1/meetings/{s.meeting.pk}/print-jobs",
            {"kind": "namecards", "options": {"stock": "210x140", "title": True}},
        )
        assert enqueued == []  # not before the commit
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["kind_label"] == "桌签"
    assert body["options"] == {
        "stock": "210x140",
        "title": True,
        "fold_line": True,
        "crop_marks": False,
        "mark_printed": False,
    }
    assert body["download_url"] is None
    assert body["page_url"] == f"/meetings/{s.meeting.pk}/print-jobs/{body['id']}/"
    for callback in callbacks:
        callback()
    assert enqueued == [("meetings.tasks.run_print_job", body["id"])]


def test_the_whole_path_in_sync_mode_poll_then_download_from_storage(
    organiser, s, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(Conf, "SYNC", True)
    response = create(
        organiser, s.meeting.pk, {"kind": "namecards"}, django_capture_on_commit_callbacks
    )
    assert response.status_code == 202
    job_id = response.json()["id"]
    client = api_client(organiser)
    body = client.get(f"/api/v1/print-jobs/{job_id}").json()
    assert (body["status"], body["done"], body["total"], body["percent"]) == ("done", 13, 13, 100)
    assert body["download_url"] == f"/api/v1/print-jobs/{job_id}/download"

    download = client.get(body["download_url"])
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Cache-Control"] == "private, no-store"
    quoted = urllib.parse.quote("全县安全生产工作会议-桌签.pdf")
    assert download["Content-Disposition"].startswith("attachment")
    assert f"filename*=utf-8''{quoted}" in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    job = PrintJob.objects.get(pk=job_id)
    with default_storage.open(job.file.name, "rb") as f:
        assert f.read() == data
    assert pdf_pages(data) == 13
    # The storage folder itself is not served: downloads go through the checked view.
    assert client.get(f"/media/{job.file.name}").status_code == 404


def test_a_double_click_is_one_job(organiser, s, enqueued):
    first = create(organiser, s.meeting.pk, {"kind": "signin"}).json()
    second = create(organiser, s.meeting.pk, {"kind": "signin"}).json()
    other = create(organiser, s.meeting.pk, {"kind": "seating", "options": {"paper": "A3"}})
    assert first["id"] == second["id"] != other.json()["id"]
    assert other.json()["options"]["paper"] == "a3"
    assert PrintJob.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"kind": "poster"}, "kind"),
        ({}, "kind"),
        ({"kind": "namecards", "options": {"stock": "a5"}}, "options.stock"),
        ({"kind": "namecards", "options": {"title": "yes"}}, "options.title"),
        ({"kind": "namecards", "options": {"paper": "a3"}}, "options.paper"),
        ({"kind": "signin", "options": {"stock": "a4"}}, "options.stock"),
        ({"kind": "seating", "options": {"viewpoint": "balcony"}}, "options.viewpoint"),
        ({"kind": "seating", "options": {"colour": "red"}}, "options.colour"),
        ({"kind": "all", "extra": 1}, "extra"),
        ({"kind": "all\x00"}, "kind"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(organiser, s, enqueued, body, field):
    response = create(organiser, s.meeting.pk, body)
    assert response.status_code == 422, response.content
    error = response.json()
    assert error["code"] == "invalid" and error["message"]
    assert field in [e["field"] for e in error["details"]["errors"]]
    assert not PrintJob.objects.exists() and enqueued == []


def test_a_meeting_not_yet_seated_is_refused_at_once(organiser, enqueued):
    unseated = scene(organiser, start=when(14), title="未排座的会议")
    for kind in ("namecards", "seating"):
        response = create(organiser, unseated.meeting.pk, {"kind": kind})
        assert response.status_code == 422
        assert response.json()["message"] == "尚未排座，请先在座次页面排座"
    # The ZIP is still possible: it skips the seating documents with a note.
    assert create(organiser, unseated.meeting.pk, {"kind": "all"}).status_code == 202


def test_unknown_meetings_and_huge_ids_are_clean_errors(organiser, enqueued):
    assert create(organiser, 999999, {"kind": "all"}).status_code == 404
    client = api_client(organiser)
    for url in ("/api/v1/print-jobs/99999", "/api/v1/print-jobs/99999/download"):
        response = client.get(url)
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    huge = "9" * 30
    assert client.get(f"/api/v1/print-jobs/{huge}").status_code == 422
    assert create(organiser, huge, {"kind": "all"}).status_code == 422


def test_permissions_on_a_confidential_meeting(organiser, colleague, outsider, secret, enqueued):
    job_id = create(organiser, secret.meeting.pk, {"kind": "signin"}).json()["id"]
    printjobs.run_print_job(job_id)
    for user in (colleague, outsider):
        response = create(user, secret.meeting.pk, {"kind": "signin"})
        assert response.status_code == 403 and response.json()["code"] == "forbidden"
        client = api_client(user)
        # Another's job on a meeting one may not see does not exist, as far as one knows.
        for url in (f"/api/v1/print-jobs/{job_id}", f"/api/v1/print-jobs/{job_id}/download"):
            response = client.get(url)
            assert response.status_code == 404, (user, url)
            assert "内部专题会议" not in response.content.decode()
        assert post(client, f"/api/v1/print-jobs/{job_id}/retry").status_code == 404
    assert api_client().get(f"/api/v1/print-jobs/{job_id}").status_code == 401
    download = api_client(organiser).get(f"/api/v1/print-jobs/{job_id}/download")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"%PDF")


def test_a_colleague_who_may_see_the_documents_may_read_the_job(organiser, colleague, s, enqueued):
    job_id = create(organiser, s.meeting.pk, {"kind": "seating"}).json()["id"]
    assert api_client(colleague).get(f"/api/v1/print-jobs/{job_id}").status_code == 200
    # …but registering the print is the organiser's.
    response = create(
        colleague, s.meeting.pk, {"kind": "seating", "options": {"mark_printed": True}}
    )
    assert response.status_code == 403


def test_the_requester_still_sees_a_job_whose_meeting_was_deleted(
    organiser, colleague, s, enqueued
):
    job_id = create(organiser, s.meeting.pk, {"kind": "namecards"}).json()["id"]
    s.meeting.delete()
    printjobs.run_print_job(job_id)
    body = api_client(organiser).get(f"/api/v1/print-jobs/{job_id}").json()
    assert (body["status"], body["error"], body["meeting_id"]) == ("failed", "会议已删除", None)
    assert api_client(colleague).get(f"/api/v1/print-jobs/{job_id}").status_code == 404
    response = post(api_client(organiser), f"/api/v1/print-jobs/{job_id}/retry")
    assert response.status_code == 404 and "会议已删除" in response.json()["message"]


def test_download_before_done_is_a_409_and_after_the_purge_a_410(organiser, s, enqueued):
    job_id = create(organiser, s.meeting.pk, {"kind": "signin"}).json()["id"]
    client = api_client(organiser)
    response = client.get(f"/api/v1/print-jobs/{job_id}/download")
    assert response.status_code == 409 and "尚未生成" in response.json()["message"]
    printjobs.run_print_job(job_id)
    job = PrintJob.objects.get(pk=job_id)
    default_storage.delete(job.file.name)
    response = client.get(f"/api/v1/print-jobs/{job_id}/download")
    assert response.status_code == 410 and response.json()["code"] == "file_gone"


def test_a_failed_job_is_retried_as_a_new_job(organiser, s, enqueued):
    job_id = create(organiser, s.meeting.pk, {"kind": "namecards"}).json()["id"]
    client = api_client(organiser)
    assert post(client, f"/api/v1/print-jobs/{job_id}/retry").status_code == 409  # queued
    PrintJob.objects.filter(pk=job_id).update(status=PrintJobStatus.FAILED, error="字体缺失")
    response = post(client, f"/api/v1/print-jobs/{job_id}/retry")
    assert response.status_code == 202
    new = response.json()
    assert new["id"] != job_id and new["status"] == "queued" and new["kind"] == "namecards"
    printjobs.run_print_job(new["id"])
    assert post(client, f"/api/v1/print-jobs/{new['id']}/retry").status_code == 409  # done


def test_a_broker_that_is_down_leaves_the_job_queued_not_a_500(
    organiser, s, monkeypatch, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(printjobs, "async_task", down)
    response = create(organiser, s.meeting.pk, {"kind": "all"}, django_capture_on_commit_callbacks)
    assert response.status_code == 202
    assert PrintJob.objects.get(pk=response.json()["id"]).status == PrintJobStatus.QUEUED


def test_the_endpoints_are_in_the_openapi_schema(organiser):
    paths = api_client(organiser).get("/api/v1/openapi.json").json()["paths"]
    assert "post" in paths["/api/v1/meetings/{meeting_id}/print-jobs"]
    assert "get" in paths["/api/v1/print-jobs/{job_id}/download"]


def test_a_retry_that_cannot_be_made_leaves_the_stuck_job_as_it_was(organiser, s, enqueued):
    job_id = create(organiser, s.meeting.pk, {"kind": "namecards"}).json()["id"]
    long_ago = timezone.now() - printjobs.STALE_AFTER - dt.timedelta(minutes=1)
    PrintJob.objects.filter(pk=job_id).update(
        status=PrintJobStatus.RUNNING, attempts=1, heartbeat_at=long_ago
    )
    s.meeting.seating.assignments.all().delete()
    response = post(api_client(organiser), f"/api/v1/print-jobs/{job_id}/retry")
    assert response.status_code == 422 and "尚未排座" in response.json()["message"]
    assert PrintJob.objects.get(pk=job_id).status == PrintJobStatus.RUNNING
    assert PrintJob.objects.count() == 1
