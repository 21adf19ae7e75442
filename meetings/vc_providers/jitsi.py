"""`jitsi`: a room on the office's self-hosted Jitsi Meet (settings.JITSI_BASE_URL).

Jitsi rooms exist while someone is in them, so anyone who guesses a name can join:
names here are 120 random bits from `secrets`. With JITSI_APP_SECRET set, the link also
carries a JWT (HS256) in the form Prosody's token authentication checks: `iss` the app
id, `aud` "jitsi", `sub` the Jitsi host, `room` this room only, valid until the meeting's
occupied end plus some overrun.
"""

from __future__ import annotations

import base64
import datetime as dt
import secrets
from urllib.parse import urlsplit

import jwt
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from meetings.models import VcLink
from meetings.vc_providers.base import VcBackend, VcRequest

AUDIENCE = "jitsi"
# Meetings overrun; a token that expired at the scheduled end would throw people out.
OVERRUN = dt.timedelta(hours=2)
ROOM_PREFIX = "huiwu-"
MIN_SECRET = 32


def new_room_name() -> str:
    # Lower-case base32: Jitsi lower-cases room names, so case would add no entropy.
    return ROOM_PREFIX + base64.b32encode(secrets.token_bytes(15)).decode().lower()


def room_token(*, room: str, expires: dt.datetime, now: dt.datetime) -> str:
    """The JWT for one room, signed with settings.JITSI_APP_SECRET."""
    claims = {
        "iss": settings.JITSI_APP_ID,
        "aud": AUDIENCE,
        "sub": urlsplit(settings.JITSI_BASE_URL).hostname or "*",
        "room": room,
        "iat": int(now.timestamp()),
        "nbf": int(now.timestamp()),
        "exp": int(expires.timestamp()),
    }
    return jwt.encode(claims, settings.JITSI_APP_SECRET, algorithm="HS256")


class JitsiBackend(VcBackend):
    code = "jitsi"
    label = "自建 Jitsi Meet"

    def configuration_errors(self) -> list[str]:
        base = settings.JITSI_BASE_URL
        problems = []
        if not base:
            problems.append("未设置 JITSI_BASE_URL（自建 Jitsi Meet 的网址）")
        else:
            try:
                URLValidator(schemes=["http", "https"])(base)
            except ValidationError:
                problems.append(f"JITSI_BASE_URL 不是有效的 http(s) 网址：{base}")
        if bool(settings.JITSI_APP_ID) != bool(settings.JITSI_APP_SECRET):
            problems.append("JITSI_APP_ID 与 JITSI_APP_SECRET 须同时设置（用于签发 JWT）")
        if settings.JITSI_APP_SECRET and len(settings.JITSI_APP_SECRET.encode()) < MIN_SECRET:
            # HS256 with a shorter key is guessable offline (RFC 7518 §3.2).
            problems.append(f"JITSI_APP_SECRET 至少 {MIN_SECRET} 个字符")
        return problems

    def create(self, link: VcLink, *, request: VcRequest, now: dt.datetime) -> None:
        link.resource = None
        link.room_name = new_room_name()
        link.number = link.password = link.dial_in = ""
        self._issue(link, now=now)

    def update(self, link: VcLink, *, now: dt.datetime) -> None:
        # Same room, a token valid for the new time.
        self._issue(link, now=now)

    def cancel(self, link: VcLink, *, now: dt.datetime) -> None:
        """Nothing to do: a Jitsi room vanishes when empty, and the token just expires."""

    def _issue(self, link: VcLink, *, now: dt.datetime) -> None:
        url = f"{settings.JITSI_BASE_URL}/{link.room_name}"
        if settings.JITSI_APP_SECRET:
            token = room_token(room=link.room_name, expires=link.occupied_end + OVERRUN, now=now)
            url += f"?jwt={token}"
        link.url = url
