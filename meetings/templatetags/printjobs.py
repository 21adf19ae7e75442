"""`{% print_jobs_panel meeting %}`: the 后台生成 buttons of the 会务材料 panel, and the
user's recent print jobs of the meeting (so a job left running is found again)."""

from __future__ import annotations

from typing import Any

from django import template

from core.pdf.base import NAMECARD_STOCKS
from meetings.access import can_edit
from meetings.models import Meeting, PrintJob, SeatingPlan
from meetings.printjobs import KINDS

register = template.Library()

RECENT = 5


@register.inclusion_tag("meetings/_print_jobs.html", takes_context=True)
def print_jobs_panel(context: template.Context, meeting: Meeting) -> dict[str, Any]:
    request = context.get("request")
    user = getattr(request, "user", None)
    recent = (
        PrintJob.objects.filter(meeting=meeting, requested_by=user)[:RECENT]
        if getattr(user, "is_authenticated", False)
        else []
    )
    return {
        "meeting": meeting,
        # Inclusion tags do not inherit the context: the forms need the token.
        "csrf_token": context.get("csrf_token"),
        "has_seating": SeatingPlan.objects.filter(meeting=meeting).exists(),
        "mark": "1" if can_edit(user, meeting) else "0",
        "stocks": [(key, page.label) for key, page in NAMECARD_STOCKS.items()],
        "recent": [{"job": job, "label": KINDS.get(job.kind, job.kind)} for job in recent],
    }
