"""Page sizes, margins, the canvas and text helpers shared by every PDF document.

Every document is built the same way: `PdfDocument(page, title=...)`, draw with the
helpers below (they check each character against the font chain first), `finish()`
returns the bytes. The canvas is created with `invariant=1`, so identical input gives
identical bytes (no creation date, a fixed document id): a reprint compares equal and a
cache keyed by content works.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from core.exceptions import TextDoesNotFit
from core.pdf.fonts import FontChain, FontRole, FontSet, Run, runs_width, system_fonts

MM: float = mm  # points per millimetre

# reportlab wraps every compressed stream in ASCII85 (for 7-bit mail transport): 25%
# larger files and, without the optional C accelerator, most of the time of a 500-card
# deck spent encoding. Our PDFs go over HTTP or to disk, where binary is fine.
rl_config.useA85 = 0


@dataclass(frozen=True)
class PageSize:
    """A sheet in millimetres; `width` and `height` give points."""

    key: str
    label: str
    width_mm: float
    height_mm: float

    @property
    def width(self) -> float:
        return self.width_mm * MM

    @property
    def height(self) -> float:
        return self.height_mm * MM

    @property
    def points(self) -> tuple[float, float]:
        return (self.width, self.height)

    def landscape(self) -> PageSize:
        if self.width_mm >= self.height_mm:
            return self
        return PageSize(self.key, f"{self.label} 横向", self.height_mm, self.width_mm)


A4 = PageSize("a4", "A4", 210, 297)
A3 = PageSize("a3", "A3", 297, 420)
A4_LANDSCAPE = A4.landscape()
A3_LANDSCAPE = A3.landscape()

# 桌签 stocks (DESIGN §6). The page is the stock itself, printed landscape and folded
# along the middle of its height into a tent: 297×210 is an A4 sheet folded in half,
# the others are pre-cut card stocks sold for 桌签.
NAMECARD_STOCKS: dict[str, PageSize] = {
    "a4": PageSize("a4", "A4 横向对折（297×210 mm）", 297, 210),
    "200x120": PageSize("200x120", "200×120 mm", 200, 120),
    "210x140": PageSize("210x140", "210×140 mm", 210, 140),
    "190x178": PageSize("190x178", "190×178 mm", 190, 178),
    "195x175": PageSize("195x175", "195×175 mm", 195, 175),
}


@dataclass(frozen=True)
class Margins:
    """Page margins in millimetres."""

    top: float
    right: float
    bottom: float
    left: float

    @classmethod
    def all(cls, value: float) -> Margins:
        return cls(value, value, value, value)


# GB/T 9704 (公文格式) margins: top 37, bottom 35, left 28, right 26 mm.
GB9704_MARGINS = Margins(top=37, right=26, bottom=35, left=28)
DEFAULT_MARGINS = Margins.all(15)


@dataclass(frozen=True)
class Box:
    """A rectangle in points, from its lower-left corner (PDF coordinates)."""

    x: float
    y: float
    width: float
    height: float

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def top(self) -> float:
        return self.y + self.height

    @property
    def centre(self) -> tuple[float, float]:
        return (self.x + self.width / 2, self.y + self.height / 2)

    def inset(self, dx: float, dy: float | None = None) -> Box:
        dy = dx if dy is None else dy
        return Box(
            self.x + dx, self.y + dy, max(self.width - 2 * dx, 0), max(self.height - 2 * dy, 0)
        )

    def contains_x(self, x0: float, x1: float, *, tolerance: float = 0.01) -> bool:
        return x0 >= self.x - tolerance and x1 <= self.right + tolerance


def content_box(page: PageSize, margins: Margins) -> Box:
    return Box(
        margins.left * MM,
        margins.bottom * MM,
        page.width - (margins.left + margins.right) * MM,
        page.height - (margins.top + margins.bottom) * MM,
    )


class Align(StrEnum):
    LEFT = "left"
    CENTRE = "centre"
    RIGHT = "right"


@dataclass(frozen=True)
class Fit:
    """The size that makes a string fit its width; `fits` is False below the minimum."""

    text: str
    size: float
    width: float
    fits: bool
    char_space_em: float = 0.0

    @property
    def char_space(self) -> float:
        return self.char_space_em * self.size


def fit_text(
    chain: FontChain,
    text: str,
    *,
    max_width: float,
    max_size: float,
    min_size: float,
    char_space_em: float = 0.0,
) -> Fit:
    """The largest size ≤ `max_size` at which `text` is no wider than `max_width`.

    Width grows linearly with the size (character spacing is given in ems for that
    reason), so one measurement at 1 pt answers it. When even `min_size` is too wide,
    the result has `fits=False` and `size=min_size`; callers decide (wrap, raise).
    """
    runs = chain.runs(text)  # raises GlyphsMissing before anything is measured
    per_point = runs_width(runs, 1.0, char_space=char_space_em)
    if per_point <= 0:
        return Fit(text, max_size, 0.0, True, char_space_em)
    size = min(max_size, max_width / per_point)
    # Round down to 0.01 pt so that floating point never puts the last glyph past the box.
    size = math.floor(size * 100) / 100
    if size < min_size:
        return Fit(text, min_size, per_point * min_size, False, char_space_em)
    return Fit(text, size, per_point * size, True, char_space_em)


def fit_or_raise(
    chain: FontChain,
    text: str,
    *,
    max_width: float,
    max_size: float,
    min_size: float,
    char_space_em: float = 0.0,
    what: str = "文字",
) -> Fit:
    """`fit_text`, raising `TextDoesNotFit` with a message for staff when it cannot fit."""
    fit = fit_text(
        chain,
        text,
        max_width=max_width,
        max_size=max_size,
        min_size=min_size,
        char_space_em=char_space_em,
    )
    if not fit.fits:
        raise TextDoesNotFit(
            f"{what}“{text}”太长：最小 {min_size:g} 磅时宽 {fit.width / MM:.0f} mm，"
            f"超出可用宽度 {max_width / MM:.0f} mm",
            details={"text": text, "min_size": min_size, "max_width_mm": round(max_width / MM, 1)},
        )
    return fit


@dataclass(frozen=True)
class Lines:
    """Text broken into at most a few lines that fit a box at one size."""

    lines: tuple[str, ...]
    size: float
    fits: bool


def fit_lines(
    chain: FontChain,
    text: str,
    *,
    max_width: float,
    max_height: float,
    max_size: float,
    min_size: float,
    max_lines: int = 2,
    leading: float = 1.15,
) -> Lines:
    """Fit `text` into a box on one line, else broken evenly over up to `max_lines`.

    Chinese names have no spaces to break at; an even split (六字、六字) reads better
    than a greedy one. One line is preferred whenever it reaches a size at least as
    large as the wrapped version would.
    """
    best: Lines | None = None
    for count in range(1, max(max_lines, 1) + 1):
        if count > len(text):
            break
        per_line = math.ceil(len(text) / count)
        parts = tuple(text[i : i + per_line] for i in range(0, len(text), per_line))
        height_limit = max_height / (len(parts) * leading)
        sizes = [
            fit_text(
                chain,
                part,
                max_width=max_width,
                max_size=min(max_size, height_limit),
                min_size=min_size,
            )
            for part in parts
        ]
        size = min(f.size for f in sizes)
        fits = all(f.fits for f in sizes) and height_limit >= min_size
        candidate = Lines(parts, size, fits)
        if best is None or (candidate.fits and (not best.fits or candidate.size > best.size)):
            best = candidate
    return best or Lines((text,), max_size, True)


def centred_baseline(runs: Sequence[Run], size: float, centre_y: float) -> float:
    """The baseline that puts the font's ascent–descent band centred on `centre_y`.

    CJK glyphs fill that band (unlike Latin caps), so this centres a name optically.
    """
    if not runs:
        return centre_y
    ascent, descent = pdfmetrics.getAscentDescent(runs[0].font.name, size)
    return centre_y - (ascent + descent) / 2


def draw_runs(
    canvas: Canvas,
    runs: Sequence[Run],
    *,
    x: float,
    y: float,
    size: float,
    align: Align = Align.LEFT,
    char_space: float = 0.0,
) -> float:
    """Draw checked runs on one baseline; returns the visible width."""
    width = runs_width(runs, size, char_space=char_space)
    if align is Align.CENTRE:
        x -= width / 2
    elif align is Align.RIGHT:
        x -= width
    text = canvas.beginText(x, y)
    if char_space:
        text.setCharSpace(char_space)
    for run in runs:
        text.setFont(run.font.name, size)
        text.textOut(run.text)
    if char_space:
        # Tc is part of the graphics state and outlives ET: reset it for whatever comes next.
        text.setCharSpace(0)
    canvas.drawText(text)
    return width


def draw_text(
    canvas: Canvas,
    chain: FontChain,
    text: str,
    *,
    x: float,
    y: float,
    size: float,
    align: Align = Align.LEFT,
    char_space: float = 0.0,
) -> float:
    """Draw `text` after checking every character (GlyphsMissing names the ones missing)."""
    return draw_runs(
        canvas, chain.runs(text), x=x, y=y, size=size, align=align, char_space=char_space
    )


class PdfDocument:
    """A canvas with the office defaults: embedded fonts, compression, deterministic bytes."""

    def __init__(
        self,
        page: PageSize,
        *,
        title: str,
        subject: str = "",
        fonts: FontSet | None = None,
        margins: Margins = DEFAULT_MARGINS,
    ):
        self.page = page
        self.margins = margins
        self.fonts = fonts or system_fonts()
        self._buffer = io.BytesIO()
        # initialFontName: without it reportlab puts Helvetica (never embedded) into
        # every document's font resources even when no text uses it.
        initial = self.fonts.chain(FontRole.HEI).primary.name
        self.canvas = Canvas(
            self._buffer,
            pagesize=page.points,
            invariant=1,
            pageCompression=1,
            initialFontName=initial,
            initialFontSize=10,
        )
        self.canvas.setTitle(title)
        self.canvas.setSubject(subject)
        self.canvas.setAuthor("会务")
        self.canvas.setCreator("会务 huiwu")
        self.pages = 0

    @property
    def content(self) -> Box:
        return content_box(self.page, self.margins)

    def chain(self, role: FontRole) -> FontChain:
        return self.fonts.chain(role)

    def show_page(self) -> None:
        self.canvas.showPage()
        self.pages += 1

    def finish(self) -> bytes:
        self.canvas.save()
        return self._buffer.getvalue()
