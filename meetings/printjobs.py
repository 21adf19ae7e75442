"""Large print jobs (issue 8): documents rendered by the worker, with progress.

Name cards for a meeting of 500, or all the papers of a meeting as one ZIP, are made by
the django-q2 worker instead of inside the request. A `PrintJob` row is the record the
page polls: queued → running (done/total, heartbeat) → done (a file in Django storage)
or failed (a message staff can act on). The synchronous PDF endpoints stay as they are;
this is the path for big meetings and for the ZIP.

Rules that keep the record honest when things go wrong:
- the worker claims a job with a conditional UPDATE (queued → running), so a task
  delivered twice renders once; a done or failed job is left alone;
- a `running` job whose heartbeat is older than STALE_AFTER belongs to a worker that was
  killed: the next delivery (django-q2 redelivers unacknowledged tasks; `sweep` enqueues
  again) takes it over, counting attempts, and gives up with a clear message after
  MAX_ATTEMPTS;
- every progress write and the final write are conditional on the attempt that claimed
  the job, so a worker that lost its job (taken over) stops and leaves no second file;
- the meeting deleted meanwhile → failed with "会议已删除", never a silent drop.
"""

from __future__ import annotations

import datetime as dt
import errno
import io
import logging
import re
import secrets
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django_q.tasks import async_task

from core.exceptions import DomainError, InvalidInput, InvalidTransition, NotFound, PermissionDenied
from core.pdf.base import NAMECARD_STOCKS
from core.timeutil import localtime
from meetings.access import can_edit, can_see_details
from meetings.documents.namecards import NameCardOptions
from meetings.models import Meeting, PrintJob, PrintJobStatus, SeatingPlan
from meetings.paperwork import DOCUMENT_LABELS, meeting_pdf, require_details
from meetings.seating import printing
from meetings.seating import services as seating_services
from meetings.seating.engine import Viewpoint
from meetings.seating.selectors import SeatingState, seating_state

log = logging.getLogger(__name__)

TASK = "meetings.tasks.run_print_job"

# A running job writes its heartbeat at least at every progress step; none for this long
# means its worker was killed (the longest silent stretch, a 5,000-card PDF's font
# subsetting, takes seconds).
STALE_AFTER = dt.timedelta(minutes=2)
# A job still queued after this long was most likely lost by the queue (Redis drops a
# task whose worker died): the sweep enqueues it again, the page offers 重试.
QUEUED_TOO_LONG = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 3
# Progress is written at most this often (plus once per document): a 500-card job is a
# handful of UPDATEs, never one per card.
PROGRESS_SECONDS = 0.5

KINDS: dict[str, str] = {
    "namecards": "桌签",
    "seating": "座次图",
    "signin": DOCUMENT_LABELS["signin"],
    "agenda": DOCUMENT_LABELS["agenda"],
    "notice": DOCUMENT_LABELS["notice"],
    "all": "全部文件（ZIP）",
}
SEATING_KINDS = ("namecards", "seating")

GAVE_UP = "后台生成多次中断（已尝试 {n} 次），请点“重试”重新生成；如仍失败请联系管理员"
MEETING_GONE = "会议已删除"
CRASHED = "生成时出现程序错误（已记录日志），请点“重试”；如仍失败请联系管理员"
STORE_FAILED = "文件保存失败（已记录日志），请点“重试”；如仍失败请联系管理员"
DISK_FULL = "服务器存储空间已满，文件未能保存：请联系管理员清理后点“重试”"


class PrintFileGone(DomainError):
    """The job's file was purged (or lost from storage): generate it again."""

    status = 410
    code = "file_gone"
    default_message = "文件已过期清理，请重新生成"


class _Lost(Exception):
    """This worker no longer owns the job (taken over, or the row is gone): stop quietly."""


# --- options ------------------------------------------------------------------------------

_CARD_DEFAULTS: dict[str, Any] = {
    "stock": "a4",
    "title": False,
    "fold_line": True,
    "crop_marks": False,
}
_CHART_DEFAULTS: dict[str, Any] = {"paper": "a4", "viewpoint": None}
_MARK_DEFAULTS: dict[str, Any] = {"mark_printed": False}
DEFAULTS: dict[str, dict[str, Any]] = {
    "namecards": {**_CARD_DEFAULTS, **_MARK_DEFAULTS},
    "seating": {**_CHART_DEFAULTS, **_MARK_DEFAULTS},
    "all": {**_CARD_DEFAULTS, **_CHART_DEFAULTS, **_MARK_DEFAULTS},
    "signin": {},
    "agenda": {},
    "notice": {},
}
OPTION_LABELS = {
    "stock": "桌签纸张",
    "title": "加印职务",
    "fold_line": "折线",
    "crop_marks": "裁切标记",
    "paper": "座次图纸张",
    "viewpoint": "视角",
    "mark_printed": "登记打印",
}


def _bad(name: str, message: str) -> InvalidInput:
    return InvalidInput(f"{OPTION_LABELS.get(name, name)}：{message}", field=f"options.{name}")


def clean_options(kind: str, raw: Mapping[str, Any] | None) -> dict[str, Any]:
    """The options of `kind` with defaults filled in; unknown or wrong ones are a 422."""
    if kind not in KINDS:
        choices = "、".join(f"{k}（{v}）" for k, v in KINDS.items())
        raise InvalidInput(f"未知的文档：{str(kind)[:30]}（可选：{choices}）", field="kind")
    if raw is not None and not isinstance(raw, Mapping):
        raise InvalidInput("options 必须是对象", field="options")
    allowed = DEFAULTS[kind]
    options = dict(allowed)
    for name, value in (raw or {}).items():
        if name not in allowed:
            where = "、".join(allowed) or "无"
            raise InvalidInput(
                f"{KINDS[kind]}没有选项 {str(name)[:30]}（可用：{where}）", field=f"options.{name}"
            )
        if name == "stock":
            # isinstance first: a list or dict (JSON from a direct caller) is unhashable.
            if not isinstance(value, str) or value not in NAMECARD_STOCKS:
                raise _bad(name, f"只能是 {'、'.join(NAMECARD_STOCKS)}")
        elif name == "paper":
            if not isinstance(value, str) or value.lower() not in printing.PAPERS:
                raise _bad(name, "只能是 a4 或 a3")
            value = value.lower()
        elif name == "viewpoint":
            if value is not None and (
                not isinstance(value, str) or value not in {v.value for v in Viewpoint}
            ):
                raise _bad(name, "只能是 audience（从观众席看）或 rostrum（从主席台看）")
        elif not isinstance(value, bool):
            raise _bad(name, "必须是 true 或 false")
        options[name] = value
    return options


def card_options(options: Mapping[str, Any]) -> NameCardOptions:
    return NameCardOptions(
        stock=options["stock"],
        show_title=options["title"],
        fold_line=options["fold_line"],
        crop_marks=options["crop_marks"],
    )


# --- requesting a job -------------------------------------------------------------------


def _title_for_file(meeting: Meeting) -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', " ", meeting.title).strip()[:80] or f"会议{meeting.pk}"


def download_name(meeting: Meeting, kind: str) -> str:
    """The name the browser saves: 《title》-桌签.pdf, or -全部文件.zip."""
    if kind == "all":
        return f"{_title_for_file(meeting)}-会务材料.zip"
    return f"{_title_for_file(meeting)}-{KINDS[kind]}.pdf"


def _check_printable(meeting: Meeting, kind: str) -> None:
    """What the synchronous endpoint would refuse, refused now rather than in the worker."""
    if kind in SEATING_KINDS:
        printing.require_printable(seating_state(meeting))


def request_print_job(
    *, actor: Any, meeting: Meeting, kind: str, options: Mapping[str, Any] | None = None
) -> PrintJob:
    """A queued job, enqueued for the worker once the transaction commits.

    Permissions are those of the synchronous PDFs: whoever may see the meeting's details
    may print its documents; registering the print (mark_printed) needs its organiser.
    The same request still queued or running returns that job (a double click is one job).
    """
    clean = clean_options(kind, options)
    require_details(actor, meeting)
    if clean.get("mark_printed") and not can_edit(actor, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以登记打印（mark_printed）")
    _check_printable(meeting, kind)
    now = timezone.now()
    with transaction.atomic():
        # Compared in Python: JSON equality in SQL differs between SQLite and PostgreSQL.
        active = PrintJob.objects.filter(meeting=meeting, kind=kind, requested_by=actor).filter(
            Q(status=PrintJobStatus.QUEUED, created_at__gte=now - QUEUED_TOO_LONG)
            | Q(status=PrintJobStatus.RUNNING, heartbeat_at__gte=now - STALE_AFTER)
        )
        twin = next((job for job in active if job.options == clean), None)
        if twin is not None:
            return twin
        job = PrintJob.objects.create(
            meeting=meeting,
            kind=kind,
            options=clean,
            requested_by=actor,
            filename=download_name(meeting, kind),
            created_at=now,
        )
        _enqueue_on_commit(job.pk)
    return job


def _enqueue_on_commit(pk: int) -> None:
    # After the commit, so the worker never looks for a row it cannot see yet. robust:
    # a broker that is down must not turn a saved job into a 500; the job stays queued,
    # the page says so and the sweep enqueues it again.
    transaction.on_commit(lambda: async_task(TASK, pk, task_name=f"print-job-{pk}"), robust=True)


def is_stale(job: PrintJob, now: dt.datetime) -> bool:
    """Killed (running, no heartbeat for STALE_AFTER) or lost (queued for too long)."""
    if job.status == PrintJobStatus.RUNNING:
        return job.heartbeat_at is None or job.heartbeat_at < now - STALE_AFTER
    if job.status == PrintJobStatus.QUEUED:
        return job.created_at < now - QUEUED_TOO_LONG
    return False


def print_job_retry(*, actor: Any, job: PrintJob, now: dt.datetime) -> PrintJob:
    """A new job with the same document and options, for a failed (or stuck) one.

    A stuck job is closed as failed first (conditionally: if its worker finishes in the
    meantime, it stays done and no new job is made), so it can never finish twice.
    """
    if job.status == PrintJobStatus.DONE:
        raise InvalidTransition("该文件已生成，可直接下载")
    if job.status != PrintJobStatus.FAILED and not is_stale(job, now):
        raise InvalidTransition("正在生成，请稍候")
    meeting = Meeting.objects.filter(pk=job.meeting_id).first() if job.meeting_id else None
    if meeting is None:
        raise NotFound(f"{MEETING_GONE}，无法重新生成")
    # One transaction: a new job that cannot be made (not allowed, nobody seated any
    # more) leaves the stuck one as it was.
    with transaction.atomic():
        if job.status != PrintJobStatus.FAILED:
            closed = (
                PrintJob.objects.filter(pk=job.pk, status=job.status, attempts=job.attempts)
                .filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER))
                .update(
                    status=PrintJobStatus.FAILED, error="后台任务中断，已重新提交", finished_at=now
                )
            )
            if not closed:
                raise InvalidTransition("该任务刚刚恢复运行，请稍候")
        options = dict(job.options)
        if options.get("mark_printed") and not can_edit(actor, meeting):
            # A colleague retrying the organiser's job gets the file; registering the
            # print stays the organiser's (rather than a 403 for the whole retry).
            options["mark_printed"] = False
        return request_print_job(actor=actor, meeting=meeting, kind=job.kind, options=options)


# --- who may read a job -------------------------------------------------------------------


def may_read(user: Any, job: PrintJob) -> bool:
    """Anyone who may (still) see that meeting's documents; once the meeting is deleted,
    its requester alone (to learn why it failed).

    Having requested the job is not enough while the meeting exists: someone taken off a
    confidential meeting's roster must lose its files (a roster rendered after the
    removal, possibly) as they lose the meeting itself.
    """
    if not getattr(user, "is_authenticated", False):
        return False
    if job.meeting is None:
        return job.requested_by_id == user.pk
    return can_see_details(user, job.meeting)


def access_print_job(user: Any, job_id: int) -> PrintJob:
    """The job, or 404 — also for a job the user may not read, so as not to reveal it."""
    job = PrintJob.objects.select_related("meeting", "requested_by").filter(pk=job_id).first()
    if job is None or not may_read(user, job):
        raise NotFound("打印任务不存在", details={"id": job_id})
    return job


def notes_of(job: PrintJob) -> list[str]:
    """A done job's notes on what was skipped (kept in `error`, which a done job has free)."""
    if job.status != PrintJobStatus.DONE:
        return []
    return [line for line in job.error.splitlines() if line.strip()]


def open_file(job: PrintJob) -> Any:
    """The job's file, opened from storage for streaming."""
    if job.status != PrintJobStatus.DONE:
        raise InvalidTransition(f"文件尚未生成（{job.get_status_display()}）")
    if not job.file or not job.file.storage.exists(job.file.name):
        raise PrintFileGone()
    try:
        return job.file.open("rb")
    except FileNotFoundError:  # purged between the check and the open
        raise PrintFileGone() from None


def content_type(job: PrintJob) -> str:
    return "application/zip" if job.kind == "all" else "application/pdf"


# --- the worker -------------------------------------------------------------------------


class _Progress:
    """Writes done/total and the heartbeat, at most every PROGRESS_SECONDS.

    Each write is conditional on the attempt that claimed the job: 0 rows means another
    worker took it over (or it is gone), and raising `_Lost` stops this rendering.
    """

    def __init__(self, pk: int, attempt: int) -> None:
        self.pk = pk
        self.attempt = attempt
        self.last = time.monotonic()

    def __call__(self, done: int, total: int, *, force: bool = False) -> None:
        moment = time.monotonic()
        if not force and moment - self.last < PROGRESS_SECONDS:
            return
        self.last = moment
        updated = PrintJob.objects.filter(
            pk=self.pk, status=PrintJobStatus.RUNNING, attempts=self.attempt
        ).update(done=min(done, total), total=total, heartbeat_at=timezone.now())
        if not updated:
            raise _Lost()

    def shifted(self, offset: int, total: int) -> Callable[[int, int], None]:
        """A renderer's own (done, of) as part of the job's (offset + done, total)."""
        return lambda done, _of: self(offset + done, total)


@dataclass
class _Output:
    data: bytes
    total: int
    notes: list[str] = field(default_factory=list)
    marked: list[str] = field(default_factory=list)  # seating documents to mark printed


def _claim(pk: int, now: dt.datetime) -> PrintJob | None:
    """Queued → running, or take over a killed worker's job; None when not ours to run."""
    stale = Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER)
    jobs = PrintJob.objects.filter(pk=pk)
    given_up = jobs.filter(stale, status=PrintJobStatus.RUNNING, attempts__gte=MAX_ATTEMPTS).update(
        status=PrintJobStatus.FAILED,
        error=GAVE_UP.format(n=MAX_ATTEMPTS),
        finished_at=now,
    )
    if given_up:
        log.warning("Print job %s: killed %s times, given up", pk, MAX_ATTEMPTS)
        return None
    claimed = jobs.filter(
        Q(status=PrintJobStatus.QUEUED) | (Q(status=PrintJobStatus.RUNNING) & stale)
    ).update(
        status=PrintJobStatus.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        done=0,
        error="",
    )
    if not claimed:
        return None
    return PrintJob.objects.select_related("meeting", "requested_by").get(pk=pk)


def _seating(meeting: Meeting) -> SeatingState:
    state = seating_state(meeting)
    printing.require_printable(state)
    return state


def _chart(state: SeatingState, options: Mapping[str, Any]) -> bytes:
    viewpoint = Viewpoint(options["viewpoint"]) if options.get("viewpoint") else None
    return printing.render_chart(state, paper=options["paper"], viewpoint=viewpoint)


def _render_one(job: PrintJob, meeting: Meeting, progress: _Progress, today: dt.date) -> _Output:
    if job.kind == "namecards":
        state = _seating(meeting)
        total = len(state.arrangement.assignments)
        progress(0, total, force=True)
        data = printing.render_cards(state, card_options(job.options), progress=progress)
        return _Output(data, total, marked=[seating_services.CARDS])
    progress(0, 1, force=True)
    if job.kind == "seating":
        data = _chart(_seating(meeting), job.options)
        return _Output(data, 1, marked=[seating_services.CHART])
    return _Output(meeting_pdf(job.kind, meeting, today=today), 1)


def _render_all(job: PrintJob, meeting: Meeting, progress: _Progress, today: dt.date) -> _Output:
    """Every document of the meeting in one ZIP, like `manage.py make_documents`.

    Documents that do not apply (no seating plan, nobody seated yet, a missing glyph) are
    skipped with a note, in 说明.txt and on the job; progress counts documents and cards.
    """
    notes: list[str] = []
    steps: list[tuple[str, int]] = [("agenda", 1), ("notice", 1), ("signin", 1)]
    state: SeatingState | None = None
    if not SeatingPlan.objects.filter(meeting=meeting).exists():
        notes.append("座次图、桌签：本会议没有座次安排，未生成")
    else:
        try:
            state = _seating(meeting)
        except DomainError as exc:
            notes.append(f"座次图、桌签：{exc.message}，未生成")
        else:
            steps += [("seating", 1), ("namecards", len(state.arrangement.assignments))]
    total = sum(size for _, size in steps)
    progress(0, total, force=True)
    buffer = io.BytesIO()
    title = _title_for_file(meeting)
    marked: list[str] = []
    done = written = 0
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for kind, size in steps:
            try:
                if kind == "namecards" and state is not None:
                    data = printing.render_cards(
                        state, card_options(job.options), progress=progress.shifted(done, total)
                    )
                    marked.append(seating_services.CARDS)
                elif kind == "seating" and state is not None:
                    data = _chart(state, job.options)
                    marked.append(seating_services.CHART)
                else:
                    data = meeting_pdf(kind, meeting, today=today)
            except DomainError as exc:
                # One document that cannot be made does not stop the others.
                notes.append(f"{KINDS[kind]}：{exc.message}")
            else:
                archive.writestr(f"{title}-{KINDS[kind]}.pdf", data)
                written += 1
            done += size
            progress(done, total, force=True)
        if notes:
            archive.writestr("说明.txt", "\r\n".join(notes) + "\r\n")
    if not written:
        raise InvalidInput("没有可生成的文件：" + "；".join(notes))
    return _Output(buffer.getvalue(), total, notes=notes, marked=marked)


def _meeting_gone(pk: int) -> bool:
    return PrintJob.objects.filter(pk=pk, meeting__isnull=True).exists()


def _fail(job: PrintJob, attempt: int, message: str) -> None:
    if _meeting_gone(job.pk):
        message = MEETING_GONE  # whatever broke, this is the reason staff need to hear
    PrintJob.objects.filter(pk=job.pk, status=PrintJobStatus.RUNNING, attempts=attempt).update(
        status=PrintJobStatus.FAILED, error=message[:2000], finished_at=timezone.now()
    )


def _remove(storage: Any, name: str) -> None:
    try:
        storage.delete(name)
    except Exception:  # the purge's orphan sweep gets it later
        log.warning("Print job file %s could not be removed", name, exc_info=True)


def _store(job: PrintJob, output: _Output) -> str:
    """Save the file through the job's storage; returns its name there.

    The name has a random part: nothing in storage can be found from a job id (a folder
    or bucket exposed by mistake must not hand out rosters), and a save that fails half
    way (FileSystemStorage leaves the partial file of a full disk) removes exactly its
    own file — nobody else can have that name.
    """
    extension = "zip" if job.kind == "all" else "pdf"
    wanted = job.file.field.generate_filename(
        job, f"job-{job.pk}-{secrets.token_hex(16)}.{extension}"
    )
    storage = job.file.storage
    try:
        return storage.save(wanted, ContentFile(output.data), max_length=job.file.field.max_length)
    except Exception:
        _remove(storage, wanted)
        raise


def _finish(job: PrintJob, attempt: int, output: _Output) -> str:
    stored = _store(job, output)
    now = timezone.now()
    try:
        updated = PrintJob.objects.filter(
            pk=job.pk, status=PrintJobStatus.RUNNING, attempts=attempt, meeting__isnull=False
        ).update(
            status=PrintJobStatus.DONE,
            file=stored,
            done=output.total,
            total=output.total,
            error="\n".join(output.notes),
            finished_at=now,
            heartbeat_at=now,
        )
    except Exception:
        _remove(job.file.storage, stored)  # not recorded: nobody could ever download it
        raise
    if not updated:
        # Taken over (the new attempt's file has its own name and stays), or the meeting
        # was deleted while drawing: no orphan file, and a deleted meeting's job says so.
        _remove(job.file.storage, stored)
        _fail(job, attempt, MEETING_GONE)
        return PrintJob.objects.filter(pk=job.pk).values_list("status", flat=True).first() or ""
    job.file.name = stored
    _mark_printed(job, output, now)
    return PrintJobStatus.DONE


def _mark_printed(job: PrintJob, output: _Output, now: dt.datetime) -> None:
    if not job.options.get("mark_printed") or job.meeting is None or job.requested_by is None:
        return
    # The same audit line as the synchronous endpoints: 打印桌签（A4 横向对折）, 打印座次图（A3）.
    details = {
        seating_services.CARDS: NAMECARD_STOCKS[job.options["stock"]].label
        if job.options.get("stock") in NAMECARD_STOCKS
        else "",
        seating_services.CHART: str(job.options.get("paper") or "").upper(),
    }
    for document in output.marked:
        try:
            seating_services.seating_mark_printed(
                actor=job.requested_by,
                meeting=job.meeting,
                document=document,
                now=now,
                detail=details.get(document, ""),
            )
        except DomainError as exc:
            # The file is made; failing to register the print must not fail it.
            log.warning("Print job %s: could not mark %s printed: %s", job.pk, document, exc)


def run_print_job(pk: int) -> str:
    """Render job `pk` (the worker's task): safe to run twice, never raises.

    Returns the job's status afterwards ("" when there is no such job).
    """
    now = timezone.now()
    job = _claim(pk, now)
    if job is None:
        return PrintJob.objects.filter(pk=pk).values_list("status", flat=True).first() or ""
    attempt = job.attempts
    progress = _Progress(job.pk, attempt)
    meeting = job.meeting
    if meeting is None:
        _fail(job, attempt, MEETING_GONE)
        return PrintJobStatus.FAILED
    today = localtime(now).date()
    try:
        render = _render_all if job.kind == "all" else _render_one
        output = render(job, meeting, progress, today)
    except _Lost:
        log.info("Print job %s: taken over by another worker, stopping", pk)
        return PrintJob.objects.filter(pk=pk).values_list("status", flat=True).first() or ""
    except DomainError as exc:
        _fail(job, attempt, exc.message)
        return PrintJobStatus.FAILED
    except Exception:
        log.exception("Print job %s (%s) failed", pk, job.kind)
        _fail(job, attempt, CRASHED)
        return PrintJobStatus.FAILED
    try:
        return _finish(job, attempt, output)
    except Exception as exc:
        log.exception("Print job %s: could not store the file", pk)
        full = isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)
        _fail(job, attempt, DISK_FULL if full else STORE_FAILED)
        return PrintJobStatus.FAILED


# --- housekeeping -------------------------------------------------------------------------


def print_jobs_sweep(now: dt.datetime) -> int:
    """Enqueue again the jobs a dead worker or a lost task left behind; returns how many.

    A killed worker's job is taken over (or given up) by `run_print_job` itself, so the
    sweep only needs to deliver the task once more.
    """
    stuck = PrintJob.objects.filter(
        Q(status=PrintJobStatus.RUNNING)
        & (Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=now - STALE_AFTER))
        | Q(status=PrintJobStatus.QUEUED, created_at__lt=now - QUEUED_TOO_LONG)
    ).values_list("pk", flat=True)
    count = 0
    for pk in stuck:
        async_task(TASK, pk, task_name=f"print-job-{pk}")
        count += 1
    return count


def purge_old_jobs(now: dt.datetime) -> int:
    """Delete jobs older than PRINT_JOB_KEEP_DAYS and their files; returns the jobs deleted.

    Also removes files under print/ that no job refers to and that are as old (a worker
    killed between storing its file and recording it leaves one).
    """
    cutoff = now - dt.timedelta(days=settings.PRINT_JOB_KEEP_DAYS)
    old = PrintJob.objects.filter(created_at__lt=cutoff).exclude(
        status=PrintJobStatus.RUNNING, heartbeat_at__gte=now - STALE_AFTER
    )
    deleted = 0
    # A list, not iterator(): rows are deleted while going through them (undefined
    # for an open SQLite cursor), and a day's jobs are few.
    for job in list(old):
        if job.file:
            try:
                job.file.delete(save=False)
            except OSError:
                log.warning("Print job %s: could not delete %s", job.pk, job.file.name)
                continue  # keep the row, so the next purge tries again
        job.delete()
        deleted += 1
    _purge_orphans(cutoff)
    return deleted


def _listdir(path: str) -> tuple[list[str], list[str]]:
    """default_storage.listdir, or nothing where it cannot list (not implemented by the
    backend, or the folder went away meanwhile)."""
    try:
        return default_storage.listdir(path)
    except (NotImplementedError, OSError):
        return [], []


def _purge_orphans(cutoff: dt.datetime) -> None:
    # Through the storage API only, never os paths: S3-like backends have no folders.
    years = _listdir("print")[0]
    if not years:
        return
    known = set(PrintJob.objects.exclude(file="").values_list("file", flat=True))
    for year in years:
        for month in _listdir(f"print/{year}")[0]:
            folder = f"print/{year}/{month}"
            for name in _listdir(folder)[1]:
                path = f"{folder}/{name}"
                if path in known:
                    continue
                try:
                    if default_storage.get_modified_time(path) < cutoff:
                        default_storage.delete(path)
                except (NotImplementedError, OSError):
                    continue
