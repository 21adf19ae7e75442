"""A meeting's 座次图 and 桌签 as PDF bytes, from its seating state.

The document modules (meetings/documents/seating_chart.py, namecards.py) draw plain
dataclasses; this module fills them from a `SeatingState` and refuses, with a message
staff can act on, what would print wrong: no roster, nobody seated yet, people without a
seat (a card would be missing — never a silent drop). Used by the API endpoints and by
anything else that writes a meeting's documents (e.g. `manage.py make_documents`).
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable

from core.exceptions import InvalidInput
from core.timeutil import localtime
from meetings.documents import namecards, seating_chart
from meetings.documents.namecards import NameCard, NameCardOptions
from meetings.documents.seating_chart import Occupant, SeatingChart
from meetings.models import Meeting
from meetings.seating.engine import Viewpoint, card_order
from meetings.seating.selectors import SeatingState, unit_short

WEEKDAYS = "一二三四五六日"
PAPERS = tuple(seating_chart.PAGES)  # "a4", "a3"


def require_printable(state: SeatingState) -> None:
    """Everyone on the roster has a seat, or a clear 422 saying who has not."""
    if not state.people:
        raise InvalidInput("没有参会人员", field="attendees")
    if not state.arranged:
        raise InvalidInput("尚未排座，请先在座次页面排座", field="seating")
    unseated = state.unseated
    if unseated:
        names = "、".join(p.name for p in unseated[:20])
        raise InvalidInput(
            f"有 {len(unseated)} 人尚未安排座位：{names}。请先排座（重新排座会保留锁定的座位）",
            field="seating",
            details={"unseated": [p.name for p in unseated]},
        )


def when_and_where(meeting: Meeting) -> str:
    start, end = localtime(meeting.start), localtime(meeting.end)
    day = f"{start.year}年{start.month}月{start.day}日（星期{WEEKDAYS[start.weekday()]}）"
    return f"{day} {start:%H:%M}–{end:%H:%M}　{meeting.location}".strip()


def chart_for(
    state: SeatingState, *, paper: str = "a4", viewpoint: Viewpoint | None = None
) -> SeatingChart:
    require_printable(state)
    if paper not in PAPERS:
        raise InvalidInput("座次图纸张只能是 A4 或 A3", field="paper")
    occupants = {
        a.seat_id: Occupant(state.name_of(a.person_id), unit_short(state.attendances[a.person_id]))
        for a in state.arrangement.assignments
    }
    return SeatingChart(
        title=f"{state.meeting.title}座次图",
        layout=state.layout,
        occupants=occupants,
        viewpoint=viewpoint or state.options.engine.viewpoint,
        subtitle=when_and_where(state.meeting),
        page=paper,
    )


def cards_for(state: SeatingState) -> list[NameCard]:
    """One card per seated attendee, in seat order (zones, tables by rank, rows)."""
    require_printable(state)
    people = state.people_by_key
    return [
        NameCard(people[key].name, people[key].title)
        for key in card_order(state.arrangement, state.layout)
    ]


def render_chart(
    state: SeatingState, *, paper: str = "a4", viewpoint: Viewpoint | None = None
) -> bytes:
    return seating_chart.render(chart_for(state, paper=paper, viewpoint=viewpoint))


def render_cards(
    state: SeatingState,
    options: NameCardOptions,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    options.page  # noqa: B018 — an unknown stock is a 422 before anything is drawn
    return namecards.render(
        cards_for(state), options, title=f"{state.meeting.title}桌签", progress=progress
    )


def content_disposition(meeting: Meeting, document: str, *, inline: bool = True) -> str:
    """`inline; filename="meeting-12-seating.pdf"; filename*=UTF-8''<title>-座次图.pdf`.

    The ASCII name is for old clients; browsers take the UTF-8 one (RFC 6266 / 5987).
    """
    ascii_names = {"座次图": "seating", "桌签": "namecards"}
    fallback = f"meeting-{meeting.pk}-{ascii_names.get(document, 'document')}.pdf"
    title = re.sub(r'[\\/:*?"<>|\s]+', " ", meeting.title).strip() or f"会议{meeting.pk}"
    utf8 = urllib.parse.quote(f"{title}-{document}.pdf", safe="")
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{utf8}"
