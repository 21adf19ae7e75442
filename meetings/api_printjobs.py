"""Background print jobs over the API (issue 8): request one, poll it, download the file.

Thin: the rules are in meetings/printjobs.py. A job is visible to its requester and to
whoever may see its meeting's documents; to anyone else it does not exist (404, so that
a job id reveals nothing). The file is streamed from Django storage, never from /media/.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import FileResponse, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja.responses import Status as HttpStatus
from ninja.responses import codes_4xx

from core.schemas import ErrorOut, InputSchema, ParamId
from core.timeutil import localtime
from meetings import printjobs
from meetings.access import access_meeting
from meetings.models import PrintJob, PrintJobStatus

router = Router(tags=["print-jobs"])

KindCode = Literal["namecards", "seating", "signin", "agenda", "notice", "all"]
_KIND_DOC = "；".join(f"{k} = {v}" for k, v in printjobs.KINDS.items())


class PrintOptionsIn(InputSchema):
    """Each document takes only its own options; the others are a 422."""

    stock: Literal["a4", "200x120", "210x140", "190x178", "195x175"] | None = Field(
        None, description="桌签纸张（namecards、all）"
    )
    title: bool | None = Field(None, strict=True, description="桌签加印职务")
    fold_line: bool | None = Field(None, strict=True, description="桌签印折线（默认是）")
    crop_marks: bool | None = Field(None, strict=True, description="桌签印裁切标记")
    paper: Literal["a4", "a3", "A4", "A3"] | None = Field(
        None, description="座次图纸张（seating、all）"
    )
    viewpoint: Literal["audience", "rostrum"] | None = Field(
        None, description="座次图视角；省略按排座选项"
    )
    mark_printed: bool | None = Field(
        None, strict=True, description="生成后登记为已打印（承办人或管理员）"
    )


class PrintJobIn(InputSchema):
    kind: KindCode = Field(..., description=_KIND_DOC)
    options: PrintOptionsIn | None = None


class PrintJobOut(Schema):
    id: int
    meeting_id: int | None
    kind: str
    kind_label: str
    options: dict[str, Any]
    status: Literal["queued", "running", "done", "failed"]
    status_label: str
    done: int = Field(..., description="已完成的页/份（桌签按张，ZIP 按文件和桌签计）")
    total: int
    percent: int
    error: str = Field(..., description="失败原因（失败时）")
    notes: list[str] = Field(..., description="已完成但有文件未生成时的说明（ZIP）")
    stale: bool = Field(..., description="后台任务中断或长时间未开始（可重试）")
    filename: str
    download_url: str | None
    page_url: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None


def job_out(job: PrintJob, *, now: dt.datetime | None = None) -> dict[str, Any]:
    done = job.status == PrintJobStatus.DONE
    return {
        "id": job.pk,
        "meeting_id": job.meeting_id,
        "kind": job.kind,
        "kind_label": printjobs.KINDS.get(job.kind, job.kind),
        "options": job.options,
        "status": job.status,
        "status_label": job.get_status_display(),
        "done": job.done,
        "total": job.total,
        "percent": job.percent,
        "error": job.error if job.status == PrintJobStatus.FAILED else "",
        "notes": printjobs.notes_of(job),
        "stale": printjobs.is_stale(job, now or timezone.now()),
        "filename": job.filename,
        "download_url": reverse("api-v1:print_job_download", kwargs={"job_id": job.pk})
        if done
        else None,
        "page_url": reverse("meeting_print_job", args=[job.meeting_id, job.pk])
        if job.meeting_id
        else None,
        "created_at": localtime(job.created_at),
        "started_at": localtime(job.started_at) if job.started_at else None,
        "finished_at": localtime(job.finished_at) if job.finished_at else None,
    }


@router.post(
    "/meetings/{meeting_id}/print-jobs",
    response={202: PrintJobOut, codes_4xx: ErrorOut},
    summary="后台生成文件（桌签、座次图、签到表或全部文件 ZIP）",
    description=(
        "创建打印任务并交给后台进程生成，立即返回 202；轮询 GET /print-jobs/{id} 查看进度，"
        "完成后从 download_url 下载。权限与对应的同步 PDF 接口相同；尚未排座等会在此直接 422。"
        "同一人对同一文件、同样选项的任务尚在进行时，返回该任务而不重复生成。"
    ),
)
def print_job_create(request: HttpRequest, meeting_id: ParamId, payload: PrintJobIn) -> HttpStatus:
    meeting = access_meeting(request.user, meeting_id)
    options = payload.options.model_dump(exclude_none=True) if payload.options else {}
    job = printjobs.request_print_job(
        actor=request.user, meeting=meeting, kind=payload.kind, options=options
    )
    return HttpStatus(202, job_out(job))


@router.get(
    "/print-jobs/{job_id}",
    response={200: PrintJobOut, codes_4xx: ErrorOut},
    summary="打印任务的状态与进度",
)
def print_job_detail(request: HttpRequest, job_id: ParamId) -> dict[str, Any]:
    return job_out(printjobs.access_print_job(request.user, job_id))


@router.post(
    "/print-jobs/{job_id}/retry",
    response={202: PrintJobOut, codes_4xx: ErrorOut},
    summary="重新生成失败（或中断）的打印任务",
    description="以相同的文件和选项新建任务；正在进行或已完成的任务 409。",
)
def print_job_retry(request: HttpRequest, job_id: ParamId) -> HttpStatus:
    job = printjobs.access_print_job(request.user, job_id)
    new = printjobs.print_job_retry(actor=request.user, job=job, now=timezone.now())
    return HttpStatus(202, job_out(new))


@router.get(
    "/print-jobs/{job_id}/download",
    response={200: None, codes_4xx: ErrorOut},
    summary="下载打印任务生成的文件",
    description="PDF 或 ZIP；尚未完成 409，文件已过期清理 410。",
    openapi_extra={
        "responses": {
            200: {
                "description": "PDF 或 ZIP",
                "content": {
                    "application/pdf": {"schema": {"type": "string", "format": "binary"}},
                    "application/zip": {"schema": {"type": "string", "format": "binary"}},
                },
            },
            410: {
                "description": "文件已过期清理，请重新生成",
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}
                },
            },
        }
    },
)
def print_job_download(request: HttpRequest, job_id: ParamId) -> FileResponse:
    job = printjobs.access_print_job(request.user, job_id)
    response = FileResponse(
        printjobs.open_file(job),
        as_attachment=True,
        filename=job.filename or f"print-job-{job.pk}",
        content_type=printjobs.content_type(job),
    )
    # A roster may be confidential: never kept by a shared cache.
    response["Cache-Control"] = "private, no-store"
    return response
