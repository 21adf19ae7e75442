"""Flowing documents (platypus) on the shared PDF base: text that wraps and paginates.

Name cards and seating charts draw on a canvas (`core.pdf.base.PdfDocument`); notices,
agendas, sign-in sheets and schedules are paragraphs and tables that run over pages.
They use reportlab's platypus with the same guarantees as the canvas documents:

- every string is checked against its role's font chain first (`GlyphsMissing` names the
  characters no font has), and written as runs in the fonts that have them, so a rare
  character in a name falls back to another embedded font instead of a blank box;
- only embedded TrueType subsets: the document's initial font is the 黑体 primary, so
  reportlab's Helvetica never enters the font resources;
- `invariant=1`: identical input gives identical bytes.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from core.pdf.base import MM, Align, Margins, PageSize, centred_baseline, content_box, draw_runs
from core.pdf.fonts import Font, FontChain, FontRole, FontSet, Run, system_fonts

PageHook = Callable[[Canvas, BaseDocTemplate], None]


def markup(chain: FontChain, text: str) -> str:
    """`text` as paragraph markup: checked, escaped, one `<font>` per run, newlines as <br/>."""
    lines = text.split("\n")
    out = []
    for line in lines:
        runs = chain.runs(line)
        out.append(
            "".join(f'<font name="{run.font.name}">{escape(run.text)}</font>' for run in runs)
        )
    return "<br/>".join(out)


@dataclass(frozen=True)
class TextStyle:
    """What a paragraph looks like: the font role, size in points and line height."""

    role: FontRole
    size: float
    leading: float | None = None
    align: str = "left"  # left, centre, right, justify
    first_indent_chars: float = 0.0  # 首行缩进, in characters of this size
    left_indent_chars: float = 0.0
    right_indent_chars: float = 0.0
    space_before: float = 0.0
    space_after: float = 0.0
    colour: tuple[float, float, float] = (0, 0, 0)


_ALIGN = {"left": 0, "centre": 1, "right": 2, "justify": 4}


class FlowDocument:
    """A platypus document with the office defaults, on one page size with fixed margins.

    `header` / `footer` hooks draw on every page (a repeated sheet header, page numbers);
    they get the canvas and the doc template (whose `page` is the page number).
    """

    def __init__(
        self,
        page: PageSize,
        *,
        title: str,
        subject: str = "",
        fonts: FontSet | None = None,
        margins: Margins,
        on_page: PageHook | None = None,
    ):
        self.page = page
        self.margins = margins
        self.fonts = fonts or system_fonts()
        self._buffer = io.BytesIO()
        self._on_page = on_page
        box = content_box(page, margins)
        self.content = box
        self.template = BaseDocTemplate(
            self._buffer,
            pagesize=page.points,
            leftMargin=margins.left * MM,
            rightMargin=margins.right * MM,
            topMargin=margins.top * MM,
            bottomMargin=margins.bottom * MM,
            title=title,
            subject=subject,
            author="会务",
            creator="会务 huiwu",
            invariant=1,
            pageCompression=1,
            initialFontName=self.fonts.chain(FontRole.HEI).primary.name,
            initialFontSize=10,
        )
        # Frame paddings of 0: the frame is exactly the 版心, so text measured against the
        # margins (GB/T 9704) is where the margins say.
        frame = Frame(
            box.x,
            box.y,
            box.width,
            box.height,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            id="body",
        )
        self.template.addPageTemplates(
            [PageTemplate(id="page", frames=[frame], onPage=self._page_hook)]
        )

    def _page_hook(self, canvas: Canvas, doc: BaseDocTemplate) -> None:
        if self._on_page is not None:
            canvas.saveState()
            self._on_page(canvas, doc)
            canvas.restoreState()

    def on_every_page(self, hook: PageHook) -> None:
        """Draw `hook` on each page (page numbers, a repeated sheet header)."""
        self._on_page = hook

    def chain(self, role: FontRole) -> FontChain:
        return self.fonts.chain(role)

    def style(self, style: TextStyle, name: str = "p") -> ParagraphStyle:
        chain = self.chain(style.role)
        return ParagraphStyle(
            name,
            fontName=chain.primary.name,
            fontSize=style.size,
            leading=style.leading or style.size * 1.4,
            alignment=_ALIGN[style.align],
            firstLineIndent=style.first_indent_chars * style.size,
            leftIndent=style.left_indent_chars * style.size,
            rightIndent=style.right_indent_chars * style.size,
            spaceBefore=style.space_before,
            spaceAfter=style.space_after,
            wordWrap="CJK",
            textColor=style.colour,
        )

    def text(self, text: str, style: TextStyle) -> CjkText:
        """Chinese body text that never crosses the margins (see CjkText)."""
        return CjkText(self.chain(style.role), text, style)

    def para(self, text: str, style: TextStyle) -> Paragraph:
        """A paragraph of plain text (checked against the role's chain).

        Runs of white space collapse to one space, full-width U+3000 included (it is
        white space to reportlab's parser): indent with the style, not with spaces.
        """
        return Paragraph(markup(self.chain(style.role), text), self.style(style))

    def build(self, story: Sequence[Flowable]) -> bytes:
        self.template.build(list(story))
        return self._buffer.getvalue()


def draw_string(
    canvas: Canvas,
    chain: FontChain,
    text: str,
    *,
    x: float,
    y: float,
    size: float,
    align: str = "left",
) -> float:
    """One line on a page hook (headers, page numbers), checked like every other text."""
    mode = {"left": Align.LEFT, "centre": Align.CENTRE, "right": Align.RIGHT}[align]
    return draw_runs(canvas, chain.runs(text), x=x, y=y, size=size, align=mode)


# --- Chinese body text with 避头尾 and no hanging punctuation --------------------------------

# Punctuation that may not begin a line (避头) and that may not end one (避尾), as in
# GB/T 15834 practice; reportlab's own lists are Japanese-centred and let the former hang
# past the right margin, which a 公文 must not do.
CANNOT_START = set("，。、；：？！）》」』】〕〉…—”’%·．,.;:?!)]}％")
CANNOT_END = set("（《「『【〔〈“‘([{")
# A run of these stays together on a line: numbers, dates in digits, Latin words, URLs.
_WORD = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.:/-_@%+#&=?~")


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for char in text:
        if tokens and char in _WORD and tokens[-1][-1] in _WORD:
            tokens[-1] += char
        else:
            tokens.append(char)
    return tokens


@dataclass(frozen=True)
class _Line:
    start: int  # offset of the line in the paragraph's text
    text: str
    indent: float  # from the left edge of the flowable
    width: float  # natural width of the glyphs
    avail: float  # the width the line may fill
    last: bool  # the paragraph's last line: not justified


class CjkText(Flowable):
    """A paragraph of Chinese text that breaks lines itself, keeping inside its width.

    - 避头尾: a closing mark never starts a line and an opening mark never ends one; when
      a closing mark does not fit, the character before it moves down with it (the line
      is then spread to the full width), rather than hanging in the margin;
    - lines are justified by character spacing (Tc), the last one left-aligned;
    - every character is checked against the font chain (GlyphsMissing), and drawn in the
      font that has it;
    - it splits between lines across pages, like a Paragraph.
    """

    def __init__(
        self,
        chain: FontChain,
        text: str,
        style: TextStyle,
        *,
        _lines: list[_Line] | None = None,
        _first: bool = True,
    ):
        super().__init__()
        self.chain = chain
        self.text = " ".join(text.split())
        self.style = style
        self.size = style.size
        self.leading = style.leading or style.size * 1.4
        self.spaceBefore = style.space_before if _first else 0
        self.spaceAfter = style.space_after
        self._fixed = _lines
        self._lines: list[_Line] = _lines or []
        self._font_of: list[Font] = self._fonts()

    def _fonts(self) -> list[Font]:
        fonts: list[Font] = []
        for run in self.chain.runs(self.text):  # raises GlyphsMissing first
            fonts += [run.font] * len(run.text)
        return fonts

    def _width(self, start: int, end: int) -> float:
        return sum(self._font_of[i].width(self.text[i], self.size) for i in range(start, end))

    def _break(self, avail_width: float) -> list[_Line]:
        size = self.size
        left = self.style.left_indent_chars * size
        right = self.style.right_indent_chars * size
        first = self.style.first_indent_chars * size
        tokens = _tokens(self.text)
        bounds: list[tuple[int, int]] = []  # character ranges of the tokens
        pos = 0
        for tok in tokens:
            bounds.append((pos, pos + len(tok)))
            pos += len(tok)
        lines: list[list[int]] = []  # token indexes per line
        current: list[int] = []
        used = 0.0

        def avail(n: int) -> float:
            return avail_width - left - right - (first if n == 0 else 0)

        for t, tok in enumerate(tokens):
            w = self._width(*bounds[t])
            if current and used + w > avail(len(lines)) + 0.01:
                carry: list[int] = []
                if tok[0] in CANNOT_START and len(current) > 1:
                    carry.insert(0, current.pop())
                while len(current) > 1 and tokens[current[-1]][-1] in CANNOT_END:
                    carry.insert(0, current.pop())
                lines.append(current)
                current = carry
                used = sum(self._width(*bounds[i]) for i in current)
            current.append(t)
            used += w
        if current:
            lines.append(current)
        out: list[_Line] = []
        for n, line in enumerate(lines):
            start, end = bounds[line[0]][0], bounds[line[-1]][1]
            out.append(
                _Line(
                    start=start,
                    text=self.text[start:end],
                    indent=left + (first if n == 0 else 0),
                    width=self._width(start, end),
                    avail=avail(n),
                    last=n == len(lines) - 1,
                )
            )
        return out

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        if self._fixed is None:
            self._lines = self._break(availWidth)
        self.width = availWidth
        self.height = self.leading * len(self._lines)
        return availWidth, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        self.wrap(availWidth, availHeight)
        fit = int((availHeight + 0.01) // self.leading)
        if fit <= 0 or fit >= len(self._lines):
            return [] if fit <= 0 else [self]
        head, tail = self._lines[:fit], self._lines[fit:]
        return [
            CjkText(self.chain, self.text, self.style, _lines=head, _first=True),
            CjkText(self.chain, self.text, self.style, _lines=tail, _first=False),
        ]

    def _runs(self, line: _Line) -> list[Run]:
        runs: list[Run] = []
        for i, char in enumerate(line.text):
            font = self._font_of[line.start + i]
            if runs and runs[-1].font is font:
                runs[-1] = Run(font, runs[-1].text + char)
            else:
                runs.append(Run(font, char))
        return runs

    def draw(self) -> None:
        canvas = self.canv
        canvas.setFillColorRGB(*self.style.colour)
        align = self.style.align
        for n, line in enumerate(self._lines):
            runs = self._runs(line)
            centre = self.height - (n + 0.5) * self.leading
            y = centred_baseline(runs, self.size, centre)
            extra = line.avail - line.width
            x = line.indent
            space = 0.0
            if align == "justify" and not line.last and len(line.text) > 1 and extra > 0:
                # Spread a short line (one that gave a character to the next) to the full
                # width; a line cut by a long unbreakable word is left ragged instead.
                space = min(extra / (len(line.text) - 1), self.size * 0.5)
            elif align == "centre":
                x += extra / 2
            elif align == "right":
                x += extra
            draw_runs(canvas, runs, x=x, y=y, size=self.size, char_space=space)
