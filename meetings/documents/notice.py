"""会议通知 (meeting notice) in the 公文 layout of GB/T 9704-2012, with the 回执 as attachment.

What the standard fixes, and this module follows:
- A4; margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (版心 156 × 225 mm);
- title 2号 (22 pt) 小标宋 (the 宋体 role), centred; body 3号 (16 pt) 仿宋 (the 仿宋
  role), 22 lines a page; first-level headings 一、 in 黑体, second-level （一） in 楷体;
- paragraphs indented two characters; 主送机关 flush left, ending in a full-width colon;
- 附件说明 one line below the body, indented two characters: "附件：会议回执";
- 发文机关署名 centred over the 成文日期, which ends four characters from the right;
  the date in Arabic numerals (2026年12月1日);
- page numbers "— 1 —" in 4号 (14 pt) 宋体, 7 mm below the 版心, odd pages at the right
  and even pages at the left, one character in;
- a numbered document (文号 given) gets the red 版头: 发文机关标志, 发文字号 and the red
  separator line.
The attachment (回执) starts on a new page: "附件" top left in 黑体, its title, a table to
fill in, and the deadline.
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    HRFlowable,
    KeepTogether,
    PageBreak,
    Spacer,
    Table,
    TableStyle,
)

from core.exceptions import InvalidInput
from core.pdf.base import A4, GB9704_MARGINS, MM, fit_text
from core.pdf.flow import FlowDocument, PageHook, TextStyle, draw_string
from core.pdf.fonts import FontRole, FontSet
from meetings.documents.text import item_number, sub_number

BODY_SIZE = 16.0  # 3号
TITLE_SIZE = 22.0  # 2号
PAGE_NUMBER_SIZE = 14.0  # 4号
# 22 lines in the 225 mm 版心.
LINE = (297 - GB9704_MARGINS.top - GB9704_MARGINS.bottom) * MM / 22
RED = colors.Color(0.8, 0, 0)

TITLE = TextStyle(FontRole.SONG, TITLE_SIZE, leading=TITLE_SIZE * 1.5, align="centre")
BODY = TextStyle(FontRole.FANGSONG, BODY_SIZE, leading=LINE, first_indent_chars=2, align="justify")
ADDRESSEES = TextStyle(FontRole.FANGSONG, BODY_SIZE, leading=LINE)
HEADING = TextStyle(FontRole.HEI, BODY_SIZE, leading=LINE, first_indent_chars=2)
SUBHEADING = TextStyle(FontRole.KAI, BODY_SIZE, leading=LINE, first_indent_chars=2)
ATTACHMENT_MARK = TextStyle(FontRole.HEI, BODY_SIZE, leading=LINE)
DOC_NUMBER = TextStyle(FontRole.FANGSONG, BODY_SIZE, leading=LINE, align="centre")
CELL = TextStyle(FontRole.FANGSONG, 14, leading=18, align="centre")
CELL_HEAD = TextStyle(FontRole.HEI, 14, leading=18, align="centre")


@dataclass(frozen=True)
class NoticeSection:
    """A first-level part (一、会议时间); `items` become （一）（二）… second-level lines."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReplyForm:
    """The 回执 attachment: a table to fill in, with its deadline."""

    meeting: str
    deadline: str  # "2026年11月28日17:00", "" when none was set
    send_to: str = ""  # the contact the forms go to
    columns: tuple[str, ...] = ("单位", "姓名", "职务", "手机", "备注")
    rows: int = 8


@dataclass(frozen=True)
class Notice:
    title: str  # the meeting's name: the heading reads "关于召开{title}的通知"
    opening: str  # first paragraph
    sections: tuple[NoticeSection, ...]
    addressees: str = ""
    contact: str = ""
    issuer: str = ""
    date: str = ""  # 成文日期, "2026年11月25日"
    doc_number: str = ""  # 文号, e.g. "X政办发〔2026〕12号"
    reply: ReplyForm | None = None


def heading_of(title: str) -> str:
    """关于召开…的通知, without doubling words a meeting's name may already carry."""
    name = " ".join(title.split())
    if name.startswith("关于"):
        return name if name.endswith("通知") else f"{name}的通知"
    return f"关于召开{name}的通知"


def _page_numbers(doc: FlowDocument) -> PageHook:
    chain = doc.chain(FontRole.SONG)
    margins, page = doc.margins, doc.page

    def hook(canvas: Canvas, template: BaseDocTemplate) -> None:
        number = template.page
        text = f"— {number} —"
        # The 一字线's top 7 mm below the 版心; the dashes sit about mid-height.
        y = margins.bottom * MM - 7 * MM - PAGE_NUMBER_SIZE * 0.55
        if number % 2:
            x = page.width - margins.right * MM - PAGE_NUMBER_SIZE
            draw_string(canvas, chain, text, x=x, y=y, size=PAGE_NUMBER_SIZE, align="right")
        else:
            x = margins.left * MM + PAGE_NUMBER_SIZE
            draw_string(canvas, chain, text, x=x, y=y, size=PAGE_NUMBER_SIZE, align="left")

    return hook


def _masthead(doc: FlowDocument, notice: Notice) -> list[Flowable]:
    """The red 版头 of a numbered document: issuer, 文号, separator."""
    chain = doc.chain(FontRole.SONG)
    width = doc.content.width
    fit = fit_text(chain, notice.issuer, max_width=width, max_size=36, min_size=16)
    issuer = TextStyle(
        FontRole.SONG, fit.size, leading=fit.size * 1.3, align="centre", colour=(0.8, 0, 0)
    )
    return [
        doc.para(notice.issuer, issuer),
        Spacer(1, LINE),
        doc.para(notice.doc_number, DOC_NUMBER),
        Spacer(1, 4 * MM),
        HRFlowable(width="100%", thickness=1.2, color=RED, spaceBefore=0, spaceAfter=0),
        Spacer(1, LINE * 2),
    ]


def _signature(doc: FlowDocument, notice: Notice) -> list[Flowable]:
    """署名 centred over the date; the date ends four characters from the right."""
    fang = doc.chain(FontRole.FANGSONG)
    date_w = fang.width(notice.date, BODY_SIZE) if notice.date else 0.0
    issuer_w = fang.width(notice.issuer, BODY_SIZE) if notice.issuer else 0.0
    right = 4 * BODY_SIZE
    out: list[Flowable] = [Spacer(1, LINE * 2)]
    if notice.issuer:
        indent = max(right + (date_w - issuer_w) / 2, 0) if notice.date else right
        style = TextStyle(
            FontRole.FANGSONG,
            BODY_SIZE,
            leading=LINE,
            align="right",
            right_indent_chars=indent / BODY_SIZE,
        )
        out.append(doc.text(notice.issuer, style))
    if notice.date:
        style = TextStyle(
            FontRole.FANGSONG, BODY_SIZE, leading=LINE, align="right", right_indent_chars=4
        )
        out.append(doc.text(notice.date, style))
    return [KeepTogether(out)]


def _reply_form(doc: FlowDocument, reply: ReplyForm) -> list[Flowable]:
    width = doc.content.width
    head = [doc.para(c, CELL_HEAD) for c in reply.columns]
    blank = [[doc.para("", CELL) for _ in reply.columns] for _ in range(reply.rows)]
    # 单位 and 备注 get more room than 姓名 and 职务; the columns fill the 版心 exactly.
    weights = {"单位": 3.0, "姓名": 1.6, "职务": 2.2, "手机": 2.4, "备注": 1.8}
    total = sum(weights.get(c, 2.0) for c in reply.columns)
    widths = [width * weights.get(c, 2.0) / total for c in reply.columns]
    table = Table([head, *blank], colWidths=widths, rowHeights=[12 * MM] * (reply.rows + 1))
    table.setStyle(
        TableStyle(
            [
                # The cells' own font: reportlab sets Helvetica (never embedded) otherwise.
                ("FONTNAME", (0, 0), (-1, -1), doc.chain(FontRole.SONG).primary.name),
                ("GRID", (0, 0), (-1, -1), 0.8, colors.black),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LEFTPADDING", (0, 0), (-1, -1), 2),
                ("RIGHTPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    flow: list[Flowable] = [
        PageBreak(),
        doc.text("附件", ATTACHMENT_MARK),
        Spacer(1, LINE),
        doc.text("会议回执", TITLE),
        Spacer(1, LINE / 2),
        doc.text(f"会议名称：{reply.meeting}", ADDRESSEES),
        Spacer(1, 3 * MM),
        table,
        Spacer(1, LINE / 2),
    ]
    sentence = "请于" + (reply.deadline or "会前") + "前填写本回执"
    sentence += f"，报送{reply.send_to}。" if reply.send_to else "并报送会务组。"
    flow.append(doc.text(sentence, BODY))
    flow.append(
        doc.text("不能参会的，请注明请假事由；委托他人代参会的，请写明代参会人姓名、职务。", BODY)
    )
    return flow


def story(doc: FlowDocument, notice: Notice) -> list[Flowable]:
    if not notice.title.strip():
        raise InvalidInput("会议名称为空，无法生成会议通知")
    flow: list[Flowable] = []
    if notice.doc_number and notice.issuer:
        flow += _masthead(doc, notice)
    flow.append(doc.text(heading_of(notice.title), TITLE))
    flow.append(Spacer(1, LINE))
    if notice.addressees:
        flow.append(doc.text(" ".join(notice.addressees.split()).rstrip("：:") + "：", ADDRESSEES))
    if notice.opening:
        flow.append(doc.text(notice.opening, BODY))
    for n, section in enumerate(notice.sections, start=1):
        # A heading is never left alone at the foot of a page.
        lines: list[Flowable] = [doc.text(p, BODY) for p in section.paragraphs]
        lines += [
            doc.text(f"{sub_number(m)}{item}", BODY) for m, item in enumerate(section.items, 1)
        ]
        heading = doc.text(f"{item_number(n)}{section.heading}", HEADING)
        flow.append(KeepTogether([heading, *lines[:1]]))
        flow += lines[1:]
    if notice.contact:
        flow.append(doc.text(f"联系人及电话：{notice.contact}", BODY))
    if notice.reply is not None:
        flow.append(Spacer(1, LINE))
        flow.append(doc.text("附件：会议回执", BODY))
    flow += _signature(doc, notice)
    if notice.reply is not None:
        flow += _reply_form(doc, notice.reply)
    return flow


def render(notice: Notice, *, fonts: FontSet | None = None) -> bytes:
    doc = FlowDocument(
        A4,
        title=heading_of(notice.title),
        subject="会议通知",
        fonts=fonts,
        margins=GB9704_MARGINS,
    )
    doc.on_every_page(_page_numbers(doc))
    return doc.build(story(doc, notice))
