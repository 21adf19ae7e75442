"""议程 (agenda): title, 时间/地点/主持/出席/列席, items 一、二、… (DESIGN §6).

A4 portrait. Each item carries its time and presenter; for a 常务会议 also the units
that attend the item and their 候会 (waiting) time, since those units come in for their
item only. VC details (a pool number, a 分会场's 联调 time) go under 地点.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.platypus import Flowable, KeepTogether, Spacer

from core.exceptions import InvalidInput
from core.pdf.base import A4, MM, Margins
from core.pdf.flow import FlowDocument, TextStyle
from core.pdf.fonts import FontRole, FontSet
from meetings.documents.text import item_number

MARGINS = Margins(top=30, right=24, bottom=28, left=26)
TITLE = TextStyle(FontRole.SONG, 22, leading=32, align="centre", space_after=10)
FACT = TextStyle(FontRole.FANGSONG, 15, leading=24)
HEADING = TextStyle(FontRole.HEI, 16, leading=26, space_before=10, space_after=4)
ITEM = TextStyle(FontRole.FANGSONG, 15, leading=24, space_before=6)
DETAIL = TextStyle(FontRole.KAI, 13, leading=20, left_indent_chars=2.3)


@dataclass(frozen=True)
class AgendaEntry:
    topic: str
    time: str = ""  # "9:00"
    presenter: str = ""
    units: tuple[str, ...] = ()  # 列席单位 (常务会议)
    wait: str = ""  # 候会时间, "8:50"
    notes: str = ""


@dataclass(frozen=True)
class Agenda:
    title: str  # "县政府第49次常务会议"
    when: str  # "2026年12月1日（星期二）上午9:00"
    place: str
    chair: tuple[str, ...] = ()
    attend: tuple[str, ...] = ()
    sit_in: tuple[str, ...] = ()
    items: tuple[AgendaEntry, ...] = ()
    executive: bool = False  # 常务会议: units and 候会 per item
    vc: str = ""  # one line from meetings.vc.VcDetails.summary()


def _facts(agenda: Agenda) -> list[tuple[str, str]]:
    facts = [("时间", agenda.when), ("地点", agenda.place or "另行通知")]
    if agenda.vc:
        facts.append(("视频会议", agenda.vc))
    for label, names in (("主持", agenda.chair), ("出席", agenda.attend), ("列席", agenda.sit_in)):
        if names:
            facts.append((label, "、".join(names)))
    return facts


def story(doc: FlowDocument, agenda: Agenda) -> list[Flowable]:
    title = " ".join(agenda.title.split())
    if not title:
        raise InvalidInput("会议名称为空，无法生成议程")
    heading = title if title.endswith("议程") else f"{title}议程"
    flow: list[Flowable] = [doc.para(heading, TITLE), Spacer(1, 4 * MM)]
    for label, value in _facts(agenda):
        flow.append(doc.para(f"{label}：{value}", FACT))
    flow.append(doc.para("议程", HEADING))
    if not agenda.items:
        flow.append(doc.para("（议程待定）", ITEM))
    for n, item in enumerate(agenda.items, start=1):
        line = f"{item_number(n)}{' '.join(item.topic.split())}"
        block: list[Flowable] = [doc.para(line, ITEM)]
        details = []
        if item.time:
            details.append(f"时间：{item.time}")
        if item.presenter:
            details.append(f"汇报：{item.presenter}")
        if details:
            block.append(doc.para("；".join(details), DETAIL))
        if agenda.executive and (item.units or item.wait):
            parts = []
            if item.units:
                parts.append(f"列席单位：{'、'.join(item.units)}")
            if item.wait:
                parts.append(f"候会时间：{item.wait}")
            block.append(doc.para("；".join(parts), DETAIL))
        if item.notes:
            block.append(doc.para(item.notes, DETAIL))
        # An item and its details stay on one page.
        flow.append(KeepTogether(block))
    return flow


def render(agenda: Agenda, *, fonts: FontSet | None = None) -> bytes:
    doc = FlowDocument(
        A4, title=f"{agenda.title}议程", subject="议程", fonts=fonts, margins=MARGINS
    )
    return doc.build(story(doc, agenda))
