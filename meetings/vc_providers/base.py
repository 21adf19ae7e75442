"""The one interface every video-conference provider implements (DESIGN §8).

Booking code (meetings.vc_services) only ever talks to a `VcBackend`: it builds the
`VcLink` row, sets the interval the link occupies, and hands it to the provider to fill
in (create), to keep valid after the meeting moved (update) or to let go (cancel). A new
provider is a subclass listed in settings.VC_BACKENDS; nothing else changes.
"""

from __future__ import annotations

import datetime as dt
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import ClassVar

from core.exceptions import InvalidInput
from meetings.models import VcLink


@dataclass(frozen=True)
class VcRequest:
    """What a booking asks for.

    `provider` is a code from the registry ("" means settings.VC_PROVIDER); the join
    details are for providers that are given them (an upstream notice's link or number)
    rather than allocating their own.
    """

    provider: str = ""
    url: str = ""
    number: str = ""
    password: str = ""
    dial_in: str = ""

    def stripped(self) -> VcRequest:
        return replace(
            self,
            provider=self.provider.strip(),
            url=self.url.strip(),
            number=self.number.strip(),
            password=self.password.strip(),
            dial_in=self.dial_in.strip(),
        )

    @property
    def has_details(self) -> bool:
        return bool(self.url or self.number or self.password or self.dial_in)


class VcBackend(ABC):
    """A way to get a meeting a video-conference link."""

    code: ClassVar[str]
    label: ClassVar[str]

    def configuration_errors(self) -> list[str]:
        """What is missing or wrong in the settings for this provider; [] when usable."""
        return []

    def validate(self, request: VcRequest) -> VcRequest:
        """The request, checked and normalised before anything is written.

        By default a provider allocates its own link, so join details are refused
        rather than silently dropped.
        """
        if request.has_details:
            field = next(
                f"vc.{name}"
                for name in ("url", "number", "password", "dial_in")
                if getattr(request, name)
            )
            raise InvalidInput(
                f"“{self.label}”自动生成入会信息，不能指定链接、会议号或密码", field=field
            )
        return request

    @abstractmethod
    def create(self, link: VcLink, *, request: VcRequest, now: dt.datetime) -> None:
        """Fill `link` (join details, resource) for `link.meeting` over the link's interval.

        `link.occupied_start/end` are set; the caller saves the row in the booking's
        transaction, so raising a DomainError here leaves nothing behind.
        """

    @abstractmethod
    def update(self, link: VcLink, *, now: dt.datetime) -> None:
        """The meeting moved: `link.occupied_*` hold the new interval; keep the link valid."""

    @abstractmethod
    def cancel(self, link: VcLink, *, now: dt.datetime) -> None:
        """The link is being released: free whatever the provider holds outside this database."""
