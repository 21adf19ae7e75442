"""A booked meeting's video-conference link over the API (DESIGN §8): allocate, change
provider, release, and which providers there are.

Thin like meetings/api.py: the rules are in meetings.vc_services. Each answer is the
whole meeting as GET /meetings/{id} shows it, with its `vc`.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.responses import Status as HttpStatus
from ninja.responses import codes_4xx

from core import roles
from core.schemas import ErrorOut, ParamId
from meetings.access import access_meeting
from meetings.api import _reloaded, vc_request
from meetings.schemas import MeetingOut, VcIn, VcProviderOut
from meetings.vc_providers import VcRequest, backends, default_code
from meetings.vc_services import vc_link_allocate, vc_link_change, vc_link_release

router = Router(tags=["vc"])


@router.get("/vc/providers", response=list[VcProviderOut], summary="视频会议方式")
def vc_providers(request: HttpRequest) -> list[dict[str, Any]]:
    default = default_code()
    # What is misconfigured (setting names, the values set) is for admins; everyone else
    # learns only that a provider cannot be used yet and whom to ask.
    admin = roles.is_admin(request.user)
    out = []
    for code, backend in backends().items():
        problems = backend.configuration_errors()
        if problems and not admin:
            problems = ["尚未配置，请联系会务管理员"]
        out.append(
            {
                "code": code,
                "label": backend.label,
                "default": code == default,
                "usable": not problems,
                "problems": problems,
            }
        )
    return out


@router.post(
    "/meetings/{meeting_id}/vc",
    response={201: MeetingOut, codes_4xx: ErrorOut},
    summary="为会议预订视频会议",
)
def vc_allocate(
    request: HttpRequest, meeting_id: ParamId, payload: VcIn | None = None
) -> HttpStatus[dict[str, Any]]:
    # The body is optional: an empty POST means the default provider.
    wanted = vc_request(payload) if payload is not None else VcRequest()
    meeting = access_meeting(request.user, meeting_id, edit=True)
    vc_link_allocate(meeting=meeting, actor=request.user, now=timezone.now(), request=wanted)
    return HttpStatus(201, _reloaded(meeting_id, request.user))


@router.patch(
    "/meetings/{meeting_id}/vc",
    response={200: MeetingOut, codes_4xx: ErrorOut},
    summary="更换视频会议方式或入会信息",
)
def vc_change(request: HttpRequest, meeting_id: ParamId, payload: VcIn) -> dict[str, Any]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    vc_link_change(
        meeting=meeting, actor=request.user, now=timezone.now(), request=vc_request(payload)
    )
    return _reloaded(meeting_id, request.user)


@router.delete(
    "/meetings/{meeting_id}/vc",
    response={200: MeetingOut, codes_4xx: ErrorOut},
    summary="释放视频会议（会议室保留）",
)
def vc_release(request: HttpRequest, meeting_id: ParamId) -> dict[str, Any]:
    meeting = access_meeting(request.user, meeting_id, edit=True)
    vc_link_release(meeting=meeting, actor=request.user, now=timezone.now())
    return _reloaded(meeting_id, request.user)
