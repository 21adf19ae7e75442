"""找时间 (find-a-time): the page. meetings/slots.py does the search."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from core.exceptions import InvalidInput
from core.timeutil import at_local, localtime
from meetings import views
from meetings.api_series import book_url
from meetings.forms_series import SlotSearchForm
from meetings.slots import slots_search

# Form fields that the service's error fields name.
_FIELDS = {
    "person_ids": "people",
    "duration_minutes": "duration",
    "window.end": "window_end",
    "working_hours.to": "hours_to",
    "room.min_capacity": "min_capacity",
    "room.equipment": "equipment",
    "room.layout": "layout",
}


@login_required
@require_GET
def find_a_time(request: HttpRequest) -> HttpResponse:
    """找时间: people, duration, a window and room needs → the earliest slots, each with a
    "预订此时段" link to the booking form filled in. A GET form, so results can be shared."""
    views._require_booker(request.user)
    searched = "window_start" in request.GET
    form = SlotSearchForm(request.GET if searched else None, initial=SlotSearchForm.defaults())
    results: list[dict[str, Any]] | None = None
    if searched and form.is_valid():
        data = form.cleaned_data
        people = list(data.get("people") or [])
        ids = [p.pk for p in people]
        try:
            slots = slots_search(
                person_ids=ids,
                duration=dt.timedelta(minutes=data["duration"]),
                window_start=at_local(data["window_start"], dt.time.min),
                window_end=at_local(data["window_end"] + dt.timedelta(days=1), dt.time.min),
                now=timezone.now(),
                hours_from=data["hours_from"],
                hours_to=data["hours_to"],
                working_days_only=bool(data.get("working_days_only")),
                needs=form.needs(),
            )
        except InvalidInput as exc:
            for err in exc.details.get("errors", []):
                field = _FIELDS.get(err.get("field", ""))
                form.add_error(field if field in form.fields else None, err.get("message"))
        else:
            results = []
            for slot in slots:
                start, end = localtime(slot.start), localtime(slot.end)
                results.append(
                    {
                        "day": f"{start.month}月{start.day}日"
                        f"（周{views.WEEKDAYS[start.weekday()]}）",
                        "time": f"{start:%H:%M}–{end:%H:%M}",
                        "room": slot.room,
                        "others": slot.rooms[1:],
                        "url": book_url(slot, ids),
                    }
                )
    return views._page(
        request,
        "meetings/slots.html",
        {"nav": "slots", "form": form, "results": results, "searched": searched},
    )
