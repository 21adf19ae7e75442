"""The single accessor for a meeting's video-conference details.

Feeds, documents, the board and the API read VC details only through `vc_details`, so
that how a link was obtained (pool, Jitsi, an upstream notice) never leaks into them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist

from meetings.models import Meeting


@dataclass(frozen=True)
class VcDetails:
    """What a participant needs to join: shown in notices, agendas and calendar entries."""

    provider: str
    provider_label: str
    url: str
    number: str
    password: str
    dial_in: str

    def summary(self) -> str:
        """One line for a calendar DESCRIPTION or a printed notice."""
        parts = [self.provider_label]
        if self.number:
            parts.append(f"会议号 {self.number}")
        if self.password:
            parts.append(f"密码 {self.password}")
        if self.dial_in:
            parts.append(f"拨入 {self.dial_in}")
        if self.url:
            parts.append(self.url)
        return "，".join(parts)


def vc_details(meeting: Meeting) -> VcDetails | None:
    """The active VC link of `meeting`, or None. Prefetch `vc_link` for lists."""
    try:
        link = meeting.vc_link
    except ObjectDoesNotExist:
        return None
    if not link.active:
        return None
    return VcDetails(
        provider=link.provider,
        provider_label=link.get_provider_display(),
        url=link.url,
        number=link.number,
        password=link.password,
        dial_in=link.dial_in,
    )
