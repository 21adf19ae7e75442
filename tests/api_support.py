"""Helpers for API tests.

The API reads the real clock (timezone.now()), unlike the services' tests with their
fixed NOW, so API tests book a working day a week or more ahead of the real today.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from core.timeutil import at_local, localtime
from core.workdays import is_workday


def future_day(days: int = 7) -> dt.date:
    """The first working day at least `days` days after today (Beijing time)."""
    day = localtime(timezone.now()).date() + dt.timedelta(days=days)
    while not is_workday(day):
        day += dt.timedelta(days=1)
    return day


def when(hour: int, minute: int = 0, *, day: dt.date | None = None) -> dt.datetime:
    """An aware Beijing time on `day` (default: future_day())."""
    return at_local(day or future_day(), dt.time(hour, minute))


def iso(value: dt.datetime) -> str:
    return localtime(value).isoformat()


def api_client(user: User | None = None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def post(client: Client, url: str, data: Any = None, **kw: Any) -> Any:
    return client.post(
        url, json.dumps(data if data is not None else {}), content_type="application/json", **kw
    )


def patch(client: Client, url: str, data: Any, **kw: Any) -> Any:
    return client.patch(url, json.dumps(data), content_type="application/json", **kw)


def meeting_body(
    room_id: int | None, start: dt.datetime, end: dt.datetime, **kw: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "title": "专题会议",
        "start": iso(start),
        "end": iso(end),
        "room_id": room_id,
    }
    body.update(kw)
    return body


def error_fields(response: Any) -> list[str]:
    return [e["field"] for e in response.json()["details"].get("errors", [])]
