"""签到表 (sign-in sheet): 序号/单位/姓名/职务/座位/签名, header on every page (DESIGN §6).

A4 portrait. Every page repeats the sheet's header (meeting, time, place) and the
column row, so a page taken off the desk still says what it is. Rows are tall enough
to sign in; someone who sent 请假 keeps a row with "请假" in the signature box, so the
desk sees at once who is excused; a substitute (代参会) signs in the absent person's row.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Table, TableStyle

from core.exceptions import InvalidInput
from core.pdf.base import A4, MM, Margins, fit_text
from core.pdf.flow import FlowDocument, PageHook, TextStyle, draw_string
from core.pdf.fonts import FontRole, FontSet

MARGINS = Margins(top=36, right=15, bottom=18, left=15)
COLUMNS = ("序号", "单位", "姓名", "职务", "座位", "签名")
WIDTHS_MM = (12, 46, 30, 46, 16, 30)  # 180 mm: the A4 width less the margins
ROW_HEIGHT = 11 * MM
MAX_ROWS = 5000
HEAD = TextStyle(FontRole.HEI, 11, leading=14, align="centre")
CELL = TextStyle(FontRole.SONG, 10.5, leading=13, align="centre")
UNIT = TextStyle(FontRole.SONG, 10.5, leading=13)
NAME = TextStyle(FontRole.HEI, 12, leading=15, align="centre")
REMARK = TextStyle(FontRole.KAI, 11, leading=14, align="centre", colour=(0.35, 0.35, 0.35))


@dataclass(frozen=True)
class SigninRow:
    unit: str
    name: str  # who signs: a substitute's own name, e.g. "李四（代张三）"
    title: str = ""
    seat: str = ""  # from the seating plan, "" when there is none
    remark: str = ""  # printed in the signature box, e.g. "请假"


@dataclass(frozen=True)
class SigninSheet:
    title: str  # the meeting
    when: str
    place: str
    rows: tuple[SigninRow, ...]


def _header(doc: FlowDocument, sheet: SigninSheet) -> PageHook:
    hei, song = doc.chain(FontRole.HEI), doc.chain(FontRole.SONG)
    page, margins = doc.page, doc.margins
    title = f"{' '.join(sheet.title.split())}签到表"
    width = page.width - (margins.left + margins.right) * MM
    title_fit = fit_text(hei, title, max_width=width, max_size=18, min_size=8)
    facts = f"时间：{sheet.when}　　地点：{sheet.place or '—'}"
    facts_fit = fit_text(song, facts, max_width=width, max_size=11, min_size=6)
    top = page.height - 15 * MM

    def hook(canvas: Canvas, template: BaseDocTemplate) -> None:
        centre = page.width / 2
        draw_string(
            canvas,
            hei,
            title,
            x=centre,
            y=top - title_fit.size,
            size=title_fit.size,
            align="centre",
        )
        draw_string(
            canvas,
            song,
            facts,
            x=margins.left * MM,
            y=top - title_fit.size - 16,
            size=facts_fit.size,
        )
        count = f"共 {len(sheet.rows)} 人"
        draw_string(
            canvas,
            song,
            count,
            x=page.width - margins.right * MM,
            y=top - title_fit.size - 16,
            size=min(facts_fit.size, 10),
            align="right",
        )
        draw_string(
            canvas, song, f"第 {template.page} 页", x=centre, y=8 * MM, size=9, align="centre"
        )

    return hook


def story(doc: FlowDocument, sheet: SigninSheet) -> list[Flowable]:
    head = [doc.para(c, HEAD) for c in COLUMNS]
    body = []
    for n, row in enumerate(sheet.rows, start=1):
        body.append(
            [
                doc.para(str(n), CELL),
                doc.para(row.unit, UNIT),
                doc.para(row.name, NAME),
                doc.para(row.title, CELL),
                doc.para(row.seat, CELL),
                doc.para(row.remark, REMARK),
            ]
        )
    if not body:
        body.append([doc.para("", CELL) for _ in COLUMNS])
    table = Table(
        [head, *body],
        colWidths=[w * MM for w in WIDTHS_MM],
        rowHeights=[9 * MM] + [None] * len(body),
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                # The cells' own font: reportlab sets Helvetica (never embedded) otherwise.
                ("FONTNAME", (0, 0), (-1, -1), doc.chain(FontRole.SONG).primary.name),
                ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
                # Room to sign: at least ROW_HEIGHT, more when a long unit name wraps.
                ("TOPPADDING", (0, 1), (-1, -1), (ROW_HEIGHT - 13) / 2),
                ("BOTTOMPADDING", (0, 1), (-1, -1), (ROW_HEIGHT - 13) / 2),
            ]
        )
    )
    return [table]


def render(sheet: SigninSheet, *, fonts: FontSet | None = None) -> bytes:
    if not sheet.title.strip():
        raise InvalidInput("会议名称为空，无法生成签到表")
    if len(sheet.rows) > MAX_ROWS:
        raise InvalidInput(f"签到表最多 {MAX_ROWS} 人")
    doc = FlowDocument(
        A4, title=f"{sheet.title}签到表", subject="签到表", fonts=fonts, margins=MARGINS
    )
    doc.on_every_page(_header(doc, sheet))
    return doc.build(story(doc, sheet))
