"""Background print jobs on the staff pages: start one, watch its progress, download.

The meeting page's 会务材料 panel posts a job (CSRF); its page shows a progress bar that
htmx refreshes every second until the job is done (下载) or failed (the message and
重试). Without JavaScript the page refreshes itself (a <noscript> meta refresh) and has a
plain 刷新 link. Files are downloaded through the permission-checked API view, never
from /media/.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from core.exceptions import DomainError, InvalidInput, NotFound
from core.exceptions import PermissionDenied as DomainPermissionDenied
from meetings import printjobs
from meetings.models import PrintJob, PrintJobStatus
from meetings.views import _access, _page

POLL_SECONDS = 1
# Without JavaScript: a slower full-page refresh.
REFRESH_SECONDS = 3
# A stuck job (no worker running, or one killed) may wait for the sweep for minutes, or
# for ever: a page left open on it asks rarely instead of every second.
STALE_POLL_SECONDS = 15
GONE_PARTIAL = (
    '<div id="print-job" class="print-job"><p class="msg msg-error">打印任务不存在</p></div>'
)

_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"0", "false", "off", "no", ""}
_FLAGS = ("title", "fold_line", "crop_marks", "mark_printed")
_CHOICES = ("stock", "paper", "viewpoint")


def form_options(data: QueryDict, kind: str) -> dict[str, Any]:
    """The options a form posted, typed as the service expects (it checks the values)."""
    allowed = printjobs.DEFAULTS.get(kind, {})
    options: dict[str, Any] = {}
    for name in _FLAGS:
        if name in data and name in allowed:
            raw = data.get(name, "").strip().lower()
            if raw not in _TRUE | _FALSE:
                raise InvalidInput(f"{printjobs.OPTION_LABELS[name]}：选项无效", field=name)
            options[name] = raw in _TRUE
    for name in _CHOICES:
        if name in data and name in allowed:
            value = data.get(name, "").strip()[:30]
            options[name] = (value or None) if name == "viewpoint" else value
    return options


def _job(request: HttpRequest, pk: int, job_id: int) -> PrintJob:
    """The job if this user may read it and it belongs to this meeting (or its meeting
    was deleted); 404 otherwise, as the API does."""
    try:
        job = printjobs.access_print_job(request.user, job_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    if job.meeting_id not in (None, pk):
        raise Http404("打印任务不存在")
    return job


def _status_context(pk: int, job: PrintJob) -> dict[str, Any]:
    finished = job.status in (PrintJobStatus.DONE, PrintJobStatus.FAILED)
    stale = printjobs.is_stale(job, timezone.now())
    return {
        "job": job,
        "meeting_id": pk,
        "kind_label": printjobs.KINDS.get(job.kind, job.kind),
        "finished": finished,
        "stale": stale,
        "notes": printjobs.notes_of(job),
        "status_url": reverse("meeting_print_job_status", args=[pk, job.pk]),
        "page_url": reverse("meeting_print_job", args=[pk, job.pk]),
        "retry_url": reverse("meeting_print_job_retry", args=[pk, job.pk]),
        "download_url": reverse("api-v1:print_job_download", kwargs={"job_id": job.pk}),
        "can_retry": job.meeting_id is not None,
        "poll": STALE_POLL_SECONDS if stale else POLL_SECONDS,
        "refresh": STALE_POLL_SECONDS if stale else REFRESH_SECONDS,
        "keep_days": settings.PRINT_JOB_KEEP_DAYS,
    }


@login_required
@require_POST
def print_job_create_view(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = _access(request.user, pk)
    kind = request.POST.get("kind", "").strip()[:30]
    try:
        job = printjobs.request_print_job(
            actor=request.user,
            meeting=meeting,
            kind=kind,
            options=form_options(request.POST, kind),
        )
    except DomainPermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("meeting_detail", args=[pk]) + "#documents")
    return redirect("meeting_print_job", pk=pk, job_id=job.pk)


@login_required
@require_GET
def print_job_page(request: HttpRequest, pk: int, job_id: int) -> HttpResponse:
    job = _job(request, pk, job_id)
    context = _status_context(pk, job)
    context.update(
        {
            "meeting_title": job.meeting.title if job.meeting else "（会议已删除）",
            "meeting_url": reverse("meeting_detail", args=[pk]) if job.meeting else "",
        }
    )
    return _page(request, "meetings/print_job.html", context)


@login_required
@require_GET
def print_job_status_view(request: HttpRequest, pk: int, job_id: int) -> HttpResponse:
    """The polled part: state, progress bar, and 下载 or the error with 重试."""
    try:
        job = _job(request, pk, job_id)
    except Http404:
        if request.headers.get("HX-Request") != "true":
            raise
        # Purged, or access lost, while the page was open. htmx polls on through a 404
        # (it swaps nothing); 286 is its "stop polling" answer, and the text is the 404's.
        return HttpResponse(GONE_PARTIAL, status=286)
    return render(request, "meetings/_print_job_status.html", _status_context(pk, job))


@login_required
@require_POST
def print_job_retry_view(request: HttpRequest, pk: int, job_id: int) -> HttpResponse:
    job = _job(request, pk, job_id)
    try:
        new = printjobs.print_job_retry(actor=request.user, job=job, now=timezone.now())
    except DomainPermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("meeting_print_job", pk=pk, job_id=job.pk)
    return redirect("meeting_print_job", pk=pk, job_id=new.pk)
