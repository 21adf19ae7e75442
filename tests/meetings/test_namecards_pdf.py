"""桌签 PDFs read back with pypdf and pdfplumber: fonts, page size, rotation, spacing, boxes."""

from __future__ import annotations

import io
import re

import pdfplumber
import pypdf
import pytest

from core.exceptions import FontUnavailable, GlyphsMissing, InvalidInput, TextDoesNotFit
from core.pdf.base import MM, NAMECARD_STOCKS, Box
from core.pdf.fonts import discover
from meetings.documents.namecards import NameCard, NameCardOptions, face_layout, render

RARE = "𬌗"
CARDS = [
    NameCard("张三", "县长"),
    NameCard("李建国", "常务副县长"),
    NameCard("欧阳建国", "县政府办公室主任"),
    NameCard("买买提·艾力", "副县长"),
    NameCard("阿卜杜热合曼·买买提明", "县委常委"),  # 12 characters with the ·
    NameCard(f"王{RARE}", "科长"),
    NameCard("John Smith", "Guest"),
]


def chars(pdf: bytes, page: int = 0) -> list[dict]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [c for c in doc.pages[page].chars if c["text"].strip()]


def halves(pdf: bytes, page: int = 0) -> tuple[list[dict], list[dict]]:
    """(front, back): characters on the lower and the upper half of the sheet."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        sheet = doc.pages[page]
        middle = float(sheet.height) / 2
        found = [c for c in sheet.chars if c["text"].strip()]
    return [c for c in found if c["y1"] <= middle], [c for c in found if c["y0"] >= middle]


def text_of(found: list[dict]) -> str:
    return "".join(c["text"] for c in sorted(found, key=lambda c: (round(-c["y0"]), c["x0"])))


@pytest.fixture(scope="module")
def deck() -> bytes:
    return render(CARDS, NameCardOptions(show_title=True))


def test_fonts_are_embedded_as_subsets_once_per_file(deck):
    reader = pypdf.PdfReader(io.BytesIO(deck))
    fonts: dict[int, dict] = {}
    for page in reader.pages:
        resources = page["/Resources"]["/Font"]
        for name in resources:
            ref = resources.raw_get(name)
            fonts[ref.idnum] = resources[name].get_object()
    names = sorted(str(f["/BaseFont"]) for f in fonts.values())
    assert names, "no fonts"
    for font in fonts.values():
        assert font["/Subtype"] == "/TrueType"
        assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"])), font["/BaseFont"]
        assert "/FontFile2" in font["/FontDescriptor"]  # the glyphs are in the file
    # Seven cards, two faces each, but every font subset appears once in the file.
    assert len(names) == len(set(names))
    assert len(reader.pages) == len(CARDS)


@pytest.mark.parametrize("stock", sorted(NAMECARD_STOCKS))
def test_page_size_equals_the_stock(stock):
    pdf = render(CARDS[:2], NameCardOptions(stock=stock))
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    page = NAMECARD_STOCKS[stock]
    assert float(box.width) / MM == pytest.approx(page.width_mm, abs=0.05)
    assert float(box.height) / MM == pytest.approx(page.height_mm, abs=0.05)
    assert box.width > box.height or stock in ("190x178", "195x175")


def test_the_back_half_is_printed_upside_down(deck):
    front, back = halves(deck)
    assert front and back
    for c in front:
        a, b, cc, d, *_ = c["matrix"]
        assert a > 0 and d > 0 and b == 0 and cc == 0
    for c in back:
        a, b, cc, d, *_ = c["matrix"]
        assert a < 0 and d < 0 and b == 0 and cc == 0  # turned by 180°
    # Upside down, the name's first character sits at the right.
    biggest = max(c["size"] for c in front)
    name_front = [c for c in front if c["size"] == pytest.approx(biggest)]  # 职务 is smaller
    name_back = [c for c in back if c["size"] == pytest.approx(biggest)]
    assert [c["text"] for c in sorted(name_front, key=lambda c: c["x0"])] == ["张", "三"]
    assert [c["text"] for c in sorted(name_back, key=lambda c: -c["x0"])] == ["张", "三"]


def test_a_two_character_name_is_spaced_to_the_width_of_three():
    pdf = render([NameCard("张三"), NameCard("李建国")])
    two = halves(pdf, 0)[0]
    three = halves(pdf, 1)[0]
    size = two[0]["size"]
    assert size == pytest.approx(three[0]["size"])  # same size on every short name
    zhang, san = sorted(two, key=lambda c: c["x0"])
    assert san["x0"] - zhang["x0"] == pytest.approx(2 * size, abs=0.5)  # 张 □ 三
    width_two = san["x1"] - zhang["x0"]
    width_three = max(c["x1"] for c in three) - min(c["x0"] for c in three)
    assert width_two == pytest.approx(width_three, abs=1.0)
    # Centred on the card like the three-character name.
    assert (zhang["x0"] + san["x1"]) / 2 == pytest.approx(NAMECARD_STOCKS["a4"].width / 2, abs=0.5)


def _boxes(options: NameCardOptions) -> tuple[Box, Box]:
    """The name box on the front, and the same box turned onto the back half."""
    layout = face_layout(options)
    page = options.page
    box = layout.name_box
    back = Box(page.width - box.right, page.height - box.top, box.width, box.height)
    return box, back


@pytest.mark.parametrize("stock", sorted(NAMECARD_STOCKS))
def test_no_text_runs_past_its_box(stock):
    options = NameCardOptions(stock=stock)
    pdf = render(CARDS, options)
    front_box, back_box = _boxes(options)
    for page in range(len(CARDS)):
        front, back = halves(pdf, page)
        for box, found in ((front_box, front), (back_box, back)):
            assert found
            for c in found:
                assert box.contains_x(c["x0"], c["x1"]), (stock, page, c["text"], c["x0"], c["x1"])


def test_long_names_shrink_and_stay_whole():
    pdf = render([NameCard("李建国"), NameCard("阿卜杜热合曼·买买提明"), NameCard("买买提·艾力")])
    short = halves(pdf, 0)[0][0]["size"]
    long_front = halves(pdf, 1)[0]
    assert text_of(long_front) == "阿卜杜热合曼·买买提明"
    assert long_front[0]["size"] < short
    assert text_of(halves(pdf, 2)[0]) == "买买提·艾力"


def test_a_name_outside_the_bmp_prints_in_a_font_that_has_it():
    pdf = render([NameCard(f"王{RARE}")])
    front, _ = halves(pdf)
    assert text_of(front) == f"王{RARE}"
    assert {c["fontname"].split("+")[1] for c in front} == {"LXGWWenKai-Regular"}


def test_latin_names_print():
    front, _ = halves(render([NameCard("John Smith")]))
    assert text_of(front).replace(" ", "") == "JohnSmith"


def test_the_title_line_is_small_and_above_the_name(deck):
    front, _ = halves(deck)
    biggest = max(c["size"] for c in front)
    title = [c for c in front if c["size"] < biggest]
    name = [c for c in front if c["size"] == pytest.approx(biggest)]
    assert "".join(c["text"] for c in title) == "县长"
    assert min(c["y0"] for c in title) > max(c["y1"] for c in name)
    assert title[0]["size"] < name[0]["size"] / 2


def test_fold_line_and_crop_marks_are_optional():
    page = NAMECARD_STOCKS["a4"]

    def lines(options: NameCardOptions) -> list[dict]:
        with pdfplumber.open(io.BytesIO(render([NameCard("张三")], options))) as doc:
            return list(doc.pages[0].lines)

    fold = [ln for ln in lines(NameCardOptions()) if ln["x1"] - ln["x0"] > page.width * 0.9]
    assert fold and all(ln["top"] == pytest.approx(page.height / 2) for ln in fold)
    assert lines(NameCardOptions(fold_line=False)) == []
    assert len(lines(NameCardOptions(fold_line=False, crop_marks=True))) == 10


def test_identical_input_gives_identical_bytes():
    assert render(CARDS) == render(CARDS)


def test_an_empty_roster_is_a_clear_error():
    with pytest.raises(InvalidInput, match="没有需要打印桌签"):
        render([])
    with pytest.raises(InvalidInput, match="没有姓名"):
        render([NameCard("  ")])


def test_a_character_no_font_has_is_named_for_the_whole_deck():
    with pytest.raises(GlyphsMissing) as error:
        render([NameCard("张三"), NameCard("李\U000f0001"), NameCard("王\U000f0001\U000f0002")])
    assert error.value.details["characters"] == ["\U000f0001", "\U000f0002"]
    assert [c["card"] for c in error.value.details["cards"]] == [2, 3]
    assert "U+F0001" in error.value.message and "U+F0002" in error.value.message


def test_no_font_at_all_says_what_to_install(tmp_path):
    with pytest.raises(
        FontUnavailable, match="apt-get install fonts-wqy-microhei fonts-lxgw-wenkai"
    ):
        render(CARDS, fonts=discover(dirs=[tmp_path]))


def test_a_name_that_cannot_fit_is_refused_not_overflowed():
    with pytest.raises(TextDoesNotFit, match="姓名"):
        render([NameCard("张" * 40)], NameCardOptions(stock="200x120"))


def test_an_unknown_stock_is_refused():
    with pytest.raises(InvalidInput, match="不支持的桌签纸张"):
        render(CARDS, NameCardOptions(stock="a5"))
