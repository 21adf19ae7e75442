"""座次图 PDFs read back: page size, viewpoint, names inside their seat boxes, fonts."""

from __future__ import annotations

import io
import re

import pdfplumber
import pypdf
import pytest

from core.exceptions import InvalidInput, TextDoesNotFit
from core.pdf.base import MM
from meetings.documents.seating_chart import Occupant, SeatingChart, geometry, render
from meetings.seating.engine import Options, Party, Person, Viewpoint, arrange
from rooms.layouts import Zone, rostrum_layout, round_tables_layout

RARE = "𬌗"
LONG = "阿卜杜热合曼·买买提明"
UNITS = ["县发展和改革局", "县财政局", "县教育局"]


def chart(viewpoint: Viewpoint = Viewpoint.AUDIENCE, page: str = "a4") -> SeatingChart:
    layout = rostrum_layout([7, 9], 4, [4, 8, 4], lectern="left")
    people = [Person(f"r{i}", f"领导{i}", rank=i, zone=Zone.ROSTRUM) for i in range(1, 13)]
    people[0] = Person("r1", LONG, rank=1, zone=Zone.ROSTRUM)
    people[1] = Person("r2", f"王{RARE}", rank=2, zone=Zone.ROSTRUM)
    people += [
        Person(f"a{i}", f"人员{i:02d}", rank=i, unit=UNITS[i % 3], unit_order=i % 3)
        for i in range(40)
    ]
    names = {p.id: p for p in people}
    result = arrange(layout, people, Options(viewpoint=viewpoint))
    occupants = {
        a.seat_id: Occupant(names[a.person_id].name, names[a.person_id].unit)
        for a in result.assignments
    }
    return SeatingChart(
        "县政府常务会议座次图", layout, occupants, result.viewpoint, "2026年12月1日 上午9:00", page
    )


def read(pdf: bytes) -> tuple[pdfplumber.page.Page, list[dict], str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0]
        return page, [c for c in page.chars if c["text"].strip()], page.extract_text()


@pytest.fixture(scope="module")
def audience_pdf() -> bytes:
    return render(chart())


@pytest.mark.parametrize(("page", "size"), [("a4", (297, 210)), ("a3", (420, 297))])
def test_a4_and_a3_landscape(page, size):
    box = pypdf.PdfReader(io.BytesIO(render(chart(page=page)))).pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == size


def test_the_chart_says_from_where_it_is_seen(audience_pdf):
    _, _, text = read(audience_pdf)
    assert "从观众席看" in text and "县政府常务会议座次图" in text
    _, _, turned = read(render(chart(Viewpoint.ROSTRUM)))
    assert "从主席台看" in turned and "从观众席看" not in turned


def test_from_the_rostrum_the_plan_is_turned_round():
    def box_of(spec: SeatingChart, name: str):
        seat = next(sid for sid, o in spec.occupants.items() if o.name == name)
        return geometry(spec).seat_boxes[seat]

    audience, rostrum = chart(), chart(Viewpoint.ROSTRUM)
    # From the audience the rostrum is at the top of the page; from the rostrum at the bottom.
    assert box_of(audience, "领导3").y > box_of(audience, "人员00").y
    assert box_of(rostrum, "领导3").y < box_of(rostrum, "人员00").y
    # No. 3 sits on the leaders' right, No. 4 on their left: read "… 3 1 2 4 …" from
    # the audience, "… 4 2 1 3 …" from the rostrum.
    assert box_of(audience, "领导3").x < box_of(audience, LONG).x < box_of(audience, "领导4").x
    assert box_of(rostrum, "领导3").x > box_of(rostrum, LONG).x > box_of(rostrum, "领导4").x


@pytest.mark.parametrize("viewpoint", list(Viewpoint))
def test_names_and_units_stay_inside_their_seat_boxes(viewpoint):
    spec = chart(viewpoint)
    boxes = geometry(spec).seat_boxes
    _, found, _ = read(render(spec))
    checked = 0
    for seat_id, occupant in spec.occupants.items():
        box = boxes[seat_id]
        inside = [
            c
            for c in found
            if box.x <= (c["x0"] + c["x1"]) / 2 <= box.right
            and box.y <= (c["y0"] + c["y1"]) / 2 <= box.top
        ]
        for c in inside:
            assert box.contains_x(c["x0"], c["x1"]), (occupant.name, c["text"])
            assert c["y0"] >= box.y - 0.5 and c["y1"] <= box.top + 0.5, (occupant.name, c["text"])
        text = "".join(c["text"] for c in inside)
        assert all(ch in text for ch in occupant.name if ch.strip()), occupant.name
        checked += 1
    assert checked == len(spec.occupants) == 12 + 40


def test_long_and_rare_names_fit_and_print(audience_pdf):
    _, _, text = read(audience_pdf)
    assert f"王{RARE}" in text
    assert "阿卜杜热合曼" in text and "·买买提明" in text  # broken evenly over two lines
    assert "讲台" in text and "主席台" in text
    assert "县财政局" in text  # unit labels (on the seats and in the legend)


def test_fonts_are_embedded_subsets(audience_pdf):
    reader = pypdf.PdfReader(io.BytesIO(audience_pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    assert fonts
    for name in fonts:
        font = fonts[name].get_object()
        assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"]))
        assert "/FontFile2" in font["/FontDescriptor"]


def test_identical_input_gives_identical_bytes(audience_pdf):
    assert render(chart()) == audience_pdf


def test_banquet_tables_are_labelled():
    layout = round_tables_layout(3, 10)
    people = [Person(f"g{i}", f"宾客{i}", rank=i, party=Party.GUEST) for i in range(12)]
    people += [Person(f"h{i}", f"主人{i}", rank=i, party=Party.HOST) for i in range(6)]
    names = {p.id: p.name for p in people}
    result = arrange(layout, people)
    pdf = render(
        SeatingChart(
            "欢迎宴会",
            layout,
            {a.seat_id: Occupant(names[a.person_id]) for a in result.assignments},
        )
    )
    _, _, text = read(pdf)
    assert "主桌" in text and "2号桌" in text and "主人0" in text


def test_an_empty_chart_and_unknown_seats_are_refused():
    layout = rostrum_layout([3])
    with pytest.raises(InvalidInput, match="还没有安排座位"):
        render(SeatingChart("座次图", layout, {}))
    with pytest.raises(InvalidInput, match="不在布局中"):
        render(SeatingChart("座次图", layout, {"Z9": Occupant("张三")}))
    with pytest.raises(InvalidInput, match="a4 或 a3"):
        render(SeatingChart("座次图", layout, {"R1-01": Occupant("张三")}, page="letter"))


def test_a_chart_too_dense_for_the_page_says_so():
    layout = rostrum_layout([], 50, [30, 30, 30])
    occupants = {s.id: Occupant("阿卜杜热合曼·买买提明·艾力") for s in layout.seats[:50]}
    with pytest.raises(TextDoesNotFit, match="A3"):
        render(SeatingChart("大会", layout, occupants))
