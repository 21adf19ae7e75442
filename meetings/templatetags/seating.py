"""`{% seating_card meeting %}`: the 座次 card of a meeting's page, with its print buttons."""

from __future__ import annotations

from typing import Any

from django import template

from core.exceptions import DomainError
from core.pdf.base import NAMECARD_STOCKS
from meetings.access import can_edit
from meetings.models import Meeting, Status
from meetings.seating.selectors import seating_state
from meetings.seating.services import seating_reprint_plan

register = template.Library()


@register.inclusion_tag("meetings/_seating_card.html", takes_context=True)
def seating_card(context: dict[str, Any], meeting: Meeting) -> dict[str, Any]:
    user = context["request"].user if "request" in context else None
    try:
        state = seating_state(meeting)
    except DomainError:
        return {"show": False}  # held outside any room: nothing to seat
    editable = can_edit(user, meeting) and meeting.status not in (
        Status.CANCELLED,
        Status.REJECTED,
    )
    return {
        "show": True,
        "meeting": meeting,
        "seated": len(state.arrangement.assignments),
        "total": len(state.people),
        "unseated": len(state.unseated),
        "notice": seating_reprint_plan(state),
        "editable": editable,
        "mark": "1" if editable else "0",
        "stocks": [(key, page.label) for key, page in NAMECARD_STOCKS.items()],
    }
