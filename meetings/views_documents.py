"""领导一周活动安排 as a page: the same grid as the PDF, with week navigation.

/schedules/leaders/week/?week=2026-W49&version=internal|public. Every signed-in user may
see the public version; the internal one (pending requests, confidential meetings as
far as the viewer may see them) is for staff, approvers, admins, leaders and secretaries.
A week that does not exist (2026-W60, garbage) is a 422 page, never a 500.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.exceptions import InvalidInput
from core.exceptions import PermissionDenied as DomainPermissionDenied
from core.timeutil import localtime
from meetings.documents.text import WEEKDAYS, date_label
from meetings.documents.weekly import PERIODS
from meetings.paperwork import (
    INTERNAL,
    PUBLIC,
    VERSION_LABELS,
    leaders_week,
    may_see_internal,
    parse_week,
    week_code,
    week_version,
)
from meetings.views import _page


@login_required
@require_GET
def leaders_week_page(request: HttpRequest) -> HttpResponse:
    today = localtime(timezone.now()).date()
    try:
        version = week_version(request.user, request.GET.get("version", "")[:20] or None)
        monday = parse_week(request.GET.get("week", "")[:20], today=today)
    except DomainPermissionDenied as exc:
        raise DjangoPermissionDenied(exc.message) from exc
    except InvalidInput as exc:
        version = PUBLIC if not may_see_internal(request.user) else INTERNAL
        this_week = week_code(today - dt.timedelta(days=today.weekday()))
        context: dict[str, Any] = {
            "nav": "leaders_week",
            "error": exc.message,
            "this_week": this_week,
            "version": version,
        }
        return _page(request, "meetings/leaders_week.html", context, status=422)
    schedule = leaders_week(user=request.user, monday=monday, version=version)
    days = schedule.days
    rows = []
    for leader in schedule.leaders:
        rows.append(
            {
                "name": leader.name,
                "title": leader.title,
                "periods": [
                    {
                        "label": label,
                        "first": p == 0,
                        "cells": [
                            {
                                "items": leader.cells.get((d, p), ()),
                                "weekend": days[d].weekday() >= 5,
                            }
                            for d in range(7)
                        ],
                    }
                    for p, label in enumerate(PERIODS)
                ],
            }
        )
    base = reverse("leaders_week")
    code = week_code(monday)
    query = f"&version={version}"
    pdf = reverse("api-v1:leaders_week_pdf") + f"?week={code}&version={version}"
    context = {
        "nav": "leaders_week",
        "rows": rows,
        "days": [
            {
                "label": f"周{WEEKDAYS[d.weekday()]}",
                "date": f"{d.month}月{d.day}日",
                "today": d == today,
                "weekend": d.weekday() >= 5,
            }
            for d in days
        ],
        "week": code,
        "span": f"{date_label(days[0])}—{days[-1].month}月{days[-1].day}日",
        "prev": f"{base}?week={week_code(monday - dt.timedelta(days=7))}{query}",
        "next": f"{base}?week={week_code(monday + dt.timedelta(days=7))}{query}",
        "this": f"{base}?version={version}",
        "version": version,
        "version_label": VERSION_LABELS[version],
        "versions": (
            [(v, VERSION_LABELS[v], f"{base}?week={code}&version={v}") for v in (INTERNAL, PUBLIC)]
            if may_see_internal(request.user)
            else []
        ),
        "pdf": pdf,
        "pdf_a3": pdf + "&paper=a3",
        "is_this_week": monday == today - dt.timedelta(days=today.weekday()),
    }
    return _page(request, "meetings/leaders_week.html", context)
