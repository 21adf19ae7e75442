"""The single accessor for a meeting's video-conference details.

Feeds, documents, the board and the API read VC details only through `vc_details`, so
that how a link was obtained (pool, Jitsi, an upstream notice) never leaks into them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist

from core.timeutil import localtime
from meetings.models import BranchLevel, Meeting
from meetings.vc_providers import provider_label


@dataclass(frozen=True)
class VcDetails:
    """What a participant needs to join: shown in notices, agendas and calendar entries.

    `provider` is "" only for a 分会场 without a link of its own (asked for with
    include_branch=True): the upstream conference dials the room's terminal.
    """

    provider: str
    provider_label: str
    url: str
    number: str
    password: str
    dial_in: str
    room_name: str = ""
    # 分会场 (branch venue): whose conference, and when the 联调 (link test) starts.
    branch_of: str = ""
    branch_label: str = ""
    link_test_start: dt.datetime | None = None
    # True when the join details were withheld (a confidential meeting, see masked()).
    masked: bool = False

    @property
    def has_link(self) -> bool:
        return bool(self.provider)

    def masked_copy(self) -> VcDetails:
        """The same without anything that lets one join: for viewers of a masked meeting."""
        return replace(self, url="", number="", password="", dial_in="", room_name="", masked=True)

    def summary(self) -> str:
        """One line for a calendar DESCRIPTION or a printed notice."""
        parts = []
        if self.branch_of:
            part = f"{self.branch_label}电视电话会议分会场"
            if self.link_test_start is not None:
                part += f"，{localtime(self.link_test_start):%H:%M} 联调"
            parts.append(part)
        if self.provider_label:
            parts.append(self.provider_label)
        if self.number:
            parts.append(f"会议号 {self.number}")
        if self.password:
            parts.append(f"密码 {self.password}")
        if self.dial_in:
            parts.append(f"拨入 {self.dial_in}")
        if self.url:
            parts.append(self.url)
        return "，".join(parts)


def link_test_minutes_for(*, branch_of: str, link_test_minutes: int | None) -> int:
    """Minutes of 联调 a 分会场 holds its room for before 布场; 0 for other meetings."""
    if not branch_of:
        return 0
    return settings.VC_LINK_TEST_MINUTES if link_test_minutes is None else link_test_minutes


def link_test_start(meeting: Meeting) -> dt.datetime | None:
    """When a 分会场's 联调 starts (its start minus the link-test minutes), else None."""
    if not meeting.branch_of:
        return None
    minutes = link_test_minutes_for(
        branch_of=meeting.branch_of, link_test_minutes=meeting.link_test_minutes
    )
    return meeting.start - dt.timedelta(minutes=minutes)


def vc_details(meeting: Meeting, *, include_branch: bool = False) -> VcDetails | None:
    """The active VC link of `meeting`, or None. Prefetch `vc_link` for lists.

    With `include_branch`, a 分会场 without a link of its own gets details too (provider
    "", the branch level and 联调 time), for notices and agendas that must say so.
    """
    try:
        link = meeting.vc_link
    except ObjectDoesNotExist:
        link = None
    branch_label = BranchLevel(meeting.branch_of).label if meeting.branch_of else ""
    test_start = link_test_start(meeting)
    if link is None or not link.active:
        if include_branch and meeting.branch_of:
            return VcDetails(
                provider="",
                provider_label="",
                url="",
                number="",
                password="",
                dial_in="",
                branch_of=meeting.branch_of,
                branch_label=branch_label,
                link_test_start=test_start,
            )
        return None
    return VcDetails(
        provider=link.provider,
        provider_label=provider_label(link.provider),
        url=link.url,
        number=link.number,
        password=link.password,
        dial_in=link.dial_in,
        room_name=link.room_name,
        branch_of=meeting.branch_of,
        branch_label=branch_label,
        link_test_start=test_start,
    )
