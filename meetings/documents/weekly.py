"""领导一周活动安排 (the leaders' weekly schedule): leaders × days × 上午/下午/晚上 (DESIGN §6).

A4 or A3 landscape. One band of three rows per leader, in protocol rank; a column per
day, Monday to Sunday (weekends shaded: 调休 Saturdays do happen). Each cell lists
"时间 活动（地点）". The internal and public versions differ only in their input (the
public one never contains confidential items); the page says which version it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Paragraph, Table, TableStyle

from core.exceptions import InvalidInput
from core.pdf.base import A3_LANDSCAPE, A4_LANDSCAPE, MM, Margins, PageSize
from core.pdf.flow import FlowDocument, PageHook, TextStyle, draw_string
from core.pdf.fonts import FontRole, FontSet
from meetings.documents.text import WEEKDAYS

PAGES: dict[str, PageSize] = {"a4": A4_LANDSCAPE, "a3": A3_LANDSCAPE}
PERIODS = ("上午", "下午", "晚上")
MARGINS = Margins(top=30, right=12, bottom=14, left=12)
NAME_MM = 22.0
PERIOD_MM = 11.0


@dataclass(frozen=True)
class WeekItem:
    time: str  # "9:00"
    activity: str
    place: str = ""

    @property
    def text(self) -> str:
        place = f"（{self.place}）" if self.place else ""
        return f"{self.time} {self.activity}{place}".strip()


@dataclass(frozen=True)
class LeaderWeek:
    name: str
    title: str = ""
    # (day 0–6, period 0–2) → items in time order
    cells: Mapping[tuple[int, int], tuple[WeekItem, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class WeekSchedule:
    title: str  # "县政府领导一周活动安排"
    monday: dt.date
    leaders: tuple[LeaderWeek, ...]
    version_label: str = ""  # "内部版" / "公开版"
    page: str = "a4"
    note: str = ""  # a line at the foot, e.g. when it was printed

    @property
    def days(self) -> list[dt.date]:
        return [self.monday + dt.timedelta(days=i) for i in range(7)]


def _sizes(page: PageSize) -> tuple[TextStyle, TextStyle]:
    big = page is A3_LANDSCAPE
    cell = TextStyle(FontRole.SONG, 10 if big else 8, leading=13 if big else 10.2)
    head = TextStyle(FontRole.HEI, 12 if big else 9.5, leading=15 if big else 12, align="centre")
    return cell, head


def _header(doc: FlowDocument, schedule: WeekSchedule) -> PageHook:
    hei, song = doc.chain(FontRole.HEI), doc.chain(FontRole.SONG)
    page, margins = doc.page, doc.margins
    days = schedule.days
    span = (
        f"（{days[0].year}年{days[0].month}月{days[0].day}日—{days[-1].month}月{days[-1].day}日）"
    )
    top = page.height - 12 * MM

    def hook(canvas: Canvas, template: BaseDocTemplate) -> None:
        draw_string(
            canvas, hei, schedule.title, x=page.width / 2, y=top - 18, size=18, align="centre"
        )
        draw_string(canvas, song, span, x=page.width / 2, y=top - 36, size=11, align="centre")
        if schedule.version_label:
            draw_string(
                canvas,
                hei,
                schedule.version_label,
                x=page.width - margins.right * MM,
                y=top - 36,
                size=11,
                align="right",
            )
        footer = f"第 {template.page} 页"
        if schedule.note:
            draw_string(canvas, song, schedule.note, x=margins.left * MM, y=6 * MM, size=8)
        draw_string(
            canvas, song, footer, x=page.width - margins.right * MM, y=6 * MM, size=8, align="right"
        )

    return hook


def story(doc: FlowDocument, schedule: WeekSchedule) -> list[Flowable]:
    cell, head = _sizes(doc.page)
    name_style = TextStyle(
        FontRole.HEI, head.size + 1, leading=(head.leading or 12) + 1, align="centre"
    )
    title_style = TextStyle(FontRole.KAI, cell.size, leading=cell.leading, align="centre")
    period_style = TextStyle(FontRole.SONG, cell.size, leading=cell.leading, align="centre")
    days = schedule.days
    header: list[object] = [doc.para("领导", head), doc.para("时段", head)]
    header += [doc.para(f"周{WEEKDAYS[d.weekday()]}\n{d.month}月{d.day}日", head) for d in days]
    data: list[list[object]] = [header]
    spans = []
    for n, leader in enumerate(schedule.leaders):
        first = 1 + n * 3
        for p, period in enumerate(PERIODS):
            row: list[object] = []
            if p == 0:
                who: list[Paragraph] = [doc.para(leader.name, name_style)]
                if leader.title:
                    who.append(doc.para(leader.title, title_style))
                row.append(who)
            else:
                row.append("")
            row.append(doc.para(period, period_style))
            for d in range(7):
                items = leader.cells.get((d, p), ())
                row.append([doc.para(item.text, cell) for item in items] or "")
            data.append(row)
        spans.append(("SPAN", (0, first), (0, first + 2)))
    width = doc.content.width
    day_width = (width - (NAME_MM + PERIOD_MM) * MM) / 7
    table = Table(
        data,
        colWidths=[NAME_MM * MM, PERIOD_MM * MM] + [day_width] * 7,
        repeatRows=1,
    )
    style = [
        # The cells' own font: reportlab sets Helvetica (never embedded) otherwise.
        ("FONTNAME", (0, 0), (-1, -1), doc.chain(FontRole.SONG).primary.name),
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.9, 0.9, 0.9)),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("VALIGN", (2, 1), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 1), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 1), (-1, -1), 3),
        *spans,
    ]
    for i, day in enumerate(days):
        if day.weekday() >= 5:
            style.append(("BACKGROUND", (2 + i, 1), (2 + i, -1), colors.Color(0.96, 0.96, 0.96)))
    for n in range(len(schedule.leaders)):
        # A heavier line between leaders, so each band of three rows reads as one.
        style.append(("LINEABOVE", (0, 1 + n * 3), (-1, 1 + n * 3), 1.1, colors.black))
    table.setStyle(TableStyle(style))
    return [table]


def render(schedule: WeekSchedule, *, fonts: FontSet | None = None) -> bytes:
    try:
        page = PAGES[schedule.page]
    except KeyError:
        raise InvalidInput("纸张只能是 a4 或 a3", field="paper") from None
    if not schedule.leaders:
        raise InvalidInput("名录中没有县领导（人员的“县领导”未勾选），无法生成领导活动安排")
    doc = FlowDocument(
        page, title=schedule.title, subject="领导一周活动安排", fonts=fonts, margins=MARGINS
    )
    doc.on_every_page(_header(doc, schedule))
    return doc.build(story(doc, schedule))
