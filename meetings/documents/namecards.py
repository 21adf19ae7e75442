"""桌签 (name cards): one folded tent card per attendee, in seat order (DESIGN §6).

The page is the card stock itself, landscape, folded along the middle of its height.
The lower half is the front, printed upright; the upper half is printed rotated by 180°,
so that once the sheet is folded into a tent both faces read upright from either side
of the table.

Typography of 桌签:
- a two-character name is spaced to the width of three (张  三), so that a row of
  cards looks even next to three-character names;
- names of one to three characters all get the same size on a set of cards (the size
  at which three characters fill the face); longer names (4+ characters, names with ·)
  shrink until they fit, and a name that would still overflow at the smallest size is
  refused with a message naming it — never printed past the edge;
- every character is checked against the font chain first; a character no font has is
  reported for the whole deck at once — never a blank box on a card.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.pdfgen.canvas import Canvas

from core.exceptions import GlyphsMissing, InvalidInput
from core.pdf.base import (
    MM,
    NAMECARD_STOCKS,
    Align,
    Box,
    Margins,
    PageSize,
    PdfDocument,
    centred_baseline,
    draw_runs,
    fit_or_raise,
)
from core.pdf.fonts import FontChain, FontRole, FontSet

MAX_CARDS = 5000
MIN_NAME_SIZE = 24.0  # points: still readable across a meeting table
MIN_TITLE_SIZE = 9.0
# A background job's progress callback is called once per this many cards (and after the
# last): often enough for a progress bar, rare enough to cost nothing measurable.
PROGRESS_EVERY = 25


@dataclass(frozen=True)
class NameCard:
    name: str
    title: str = ""  # 职务, printed small above the name when the options ask for it


@dataclass(frozen=True)
class NameCardOptions:
    stock: str = "a4"  # a key of core.pdf.base.NAMECARD_STOCKS
    show_title: bool = False
    fold_line: bool = True
    crop_marks: bool = False
    name_role: FontRole = FontRole.HEI
    title_role: FontRole = FontRole.KAI

    @property
    def page(self) -> PageSize:
        try:
            return NAMECARD_STOCKS[self.stock]
        except KeyError:
            choices = "、".join(NAMECARD_STOCKS)
            raise InvalidInput(
                f"不支持的桌签纸张：{self.stock}（可选：{choices}）", field="stock"
            ) from None


@dataclass(frozen=True)
class FaceLayout:
    """Where things go on one face, in the face's own upright coordinates (points)."""

    face: Box  # the whole half of the sheet
    name_box: Box  # the name never leaves this box
    title_box: Box | None  # the 职务 line, when shown


def face_layout(options: NameCardOptions) -> FaceLayout:
    page = options.page
    face = Box(0, 0, page.width, page.height / 2)
    margin_x = max(10 * MM, face.width * 0.06)
    margin_y = max(5 * MM, face.height * 0.1)
    inner = face.inset(margin_x, margin_y)
    if not options.show_title:
        return FaceLayout(face, inner, None)
    # The 职务 line sits on top (towards the fold), about a quarter of the height.
    title_h = inner.height * 0.24
    title_box = Box(inner.x, inner.top - title_h, inner.width, title_h)
    name_box = Box(inner.x, inner.y, inner.width, inner.height - title_h - inner.height * 0.04)
    return FaceLayout(face, name_box, title_box)


def front_and_back(options: NameCardOptions) -> tuple[Box, Box]:
    """The two faces in page coordinates: the front (lower, upright), the back (upper, 180°)."""
    page = options.page
    return (
        Box(0, 0, page.width, page.height / 2),
        Box(0, page.height / 2, page.width, page.height / 2),
    )


def is_ideograph(char: str) -> bool:
    return unicodedata.name(char, "").startswith("CJK UNIFIED IDEOGRAPH")


def spaced(name: str) -> bool:
    """Two-character Chinese names are spaced to the width of three (张  三)."""
    return len(name) == 2 and all(is_ideograph(c) for c in name)


@dataclass(frozen=True)
class _Prepared:
    name: str
    title: str
    name_size: float
    char_space: float
    title_size: float


def _prepare(
    cards: Sequence[NameCard], options: NameCardOptions, names: FontChain, titles: FontChain
) -> list[_Prepared]:
    if not cards:
        raise InvalidInput("没有需要打印桌签的参会人员", field="attendees")
    if len(cards) > MAX_CARDS:
        raise InvalidInput(f"桌签太多（{len(cards)}），一次最多 {MAX_CARDS} 张")
    # Check every character of the deck first, so staff get one list to fix, not one
    # error per reprint.
    problems: list[dict[str, object]] = []
    missing_all: dict[str, None] = {}
    for number, card in enumerate(cards, start=1):
        name = " ".join(card.name.split())
        if not name:
            raise InvalidInput(f"第 {number} 张桌签没有姓名", field="name")
        missing = names.missing(name)
        if options.show_title:
            missing += [c for c in titles.missing(card.title) if c not in missing]
        if missing:
            problems.append({"card": number, "name": name, "characters": missing})
            missing_all.update(dict.fromkeys(missing))
    if problems:
        listed = "、".join(f"{c}（U+{ord(c):04X}）" for c in missing_all)
        who = "、".join(str(p["name"]) for p in problems[:10])
        raise GlyphsMissing(
            f"已安装的字体无法显示这些字符：{listed}（见：{who}）。请安装包含这些字符的字体"
            f"（如 fonts-lxgw-wenkai），或在 {options.name_role.setting} 中指定字体文件",
            details={"characters": list(missing_all), "cards": problems},
        )
    layout = face_layout(options)
    box = layout.name_box
    # The size at which three characters fill the box (or the box's height allows):
    # the common size for every name of up to three characters.
    em = names.primary.width("国", 1.0) or 1.0
    full = min(box.height * 0.8, box.width / (3 * em))
    prepared = []
    for card in cards:
        name = " ".join(card.name.split())
        space_em = 1.0 if spaced(name) else 0.0
        fit = fit_or_raise(
            names,
            name,
            max_width=box.width,
            max_size=full,
            min_size=min(MIN_NAME_SIZE, full),
            char_space_em=space_em,
            what="姓名",
        )
        title = " ".join(card.title.split()) if options.show_title else ""
        title_size = 0.0
        if title and layout.title_box is not None:
            tbox = layout.title_box
            title_size = fit_or_raise(
                titles,
                title,
                max_width=tbox.width,
                max_size=min(tbox.height * 0.7, full * 0.32),
                min_size=min(MIN_TITLE_SIZE, tbox.height * 0.7),
                what="职务",
            ).size
        prepared.append(_Prepared(name, title, fit.size, fit.char_space, title_size))
    return prepared


def _draw_face(
    canvas: Canvas, card: _Prepared, layout: FaceLayout, names: FontChain, titles: FontChain
) -> None:
    box = layout.name_box
    cx, cy = box.centre
    runs = names.runs(card.name)
    draw_runs(
        canvas,
        runs,
        x=cx,
        y=centred_baseline(runs, card.name_size, cy),
        size=card.name_size,
        align=Align.CENTRE,
        char_space=card.char_space,
    )
    if card.title and layout.title_box is not None:
        tx, ty = layout.title_box.centre
        truns = titles.runs(card.title)
        draw_runs(
            canvas,
            truns,
            x=tx,
            y=centred_baseline(truns, card.title_size, ty),
            size=card.title_size,
            align=Align.CENTRE,
        )


def _marks(canvas: Canvas, page: PageSize, options: NameCardOptions) -> None:
    canvas.saveState()
    canvas.setLineWidth(0.3)
    canvas.setStrokeGray(0.6)
    if options.fold_line:
        canvas.setDash(3, 3)
        canvas.line(0, page.height / 2, page.width, page.height / 2)
        canvas.setDash()
    if options.crop_marks:
        # Corner marks 3 mm inside the sheet (the trim box when the stock is printed
        # oversize and cut), and ticks at both ends of the fold.
        inset, length = 3 * MM, 5 * MM
        for x, dx in ((inset, 1), (page.width - inset, -1)):
            for y, dy in ((inset, 1), (page.height - inset, -1)):
                canvas.line(x, y, x + dx * length, y)
                canvas.line(x, y, x, y + dy * length)
        canvas.line(0, page.height / 2, inset, page.height / 2)
        canvas.line(page.width - inset, page.height / 2, page.width, page.height / 2)
    canvas.restoreState()


def render(
    cards: Sequence[NameCard],
    options: NameCardOptions = NameCardOptions(),  # frozen: a shared default is safe
    *,
    fonts: FontSet | None = None,
    title: str = "桌签",
    progress: Callable[[int, int], None] | None = None,
) -> bytes:
    """One page per card, in the order given (the caller passes seat order).

    `progress(done, total)`, when given, hears every PROGRESS_EVERY cards and after the
    last one (a print job shows it; it may raise to stop the rendering).
    """
    page = options.page
    doc = PdfDocument(page, title=title, subject="桌签", fonts=fonts, margins=Margins.all(0))
    names = doc.chain(options.name_role)
    titles = doc.chain(options.title_role)
    prepared = _prepare(cards, options, names, titles)
    layout = face_layout(options)
    canvas = doc.canvas
    total = len(prepared)
    for number, card in enumerate(prepared, start=1):
        _marks(canvas, page, options)
        _draw_face(canvas, card, layout, names, titles)  # front: lower half, upright
        canvas.saveState()
        # Back: the upper half turned by 180° about the sheet's centre, i.e. (x, y) →
        # (W − x, H − y): the face box (0, 0)–(W, H/2) lands on the upper half upside down.
        canvas.translate(page.width, page.height)
        canvas.rotate(180)
        _draw_face(canvas, card, layout, names, titles)
        canvas.restoreState()
        doc.show_page()
        if progress is not None and (number % PROGRESS_EVERY == 0 or number == total):
            progress(number, total)
    return doc.finish()
