"""The 座次图 and 桌签 endpoints, read back: page sizes, fonts, names in seat order, errors."""

from __future__ import annotations

import io
import re
import urllib.parse

import pdfplumber
import pypdf
import pytest

from core.pdf import base as pdf_base
from core.pdf.base import MM, NAMECARD_STOCKS
from core.pdf.fonts import discover
from meetings.models import Attendance, Confidentiality, Role, SeatingPlan
from meetings.seating import services
from meetings.seating.engine import card_order
from meetings.seating.selectors import seating_state
from tests.api_support import api_client, when
from tests.factories import NOW
from tests.meetings.seating_support import scene

pytestmark = pytest.mark.django_db

RARE = "𬌗"
LONG = "阿卜杜热合曼·买买提明"


@pytest.fixture
def s(organiser):
    s = scene(organiser, start=when(9), title="全县安全生产工作会议")
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    return s


def chart_url(s, query: str = "") -> str:
    return f"/api/v1/meetings/{s.meeting.pk}/documents/seating.pdf{query}"


def cards_url(s, query: str = "") -> str:
    return f"/api/v1/meetings/{s.meeting.pk}/documents/namecards.pdf{query}"


def fonts_of(pdf: bytes) -> list[dict]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    found = {}
    for page in reader.pages:
        resources = page["/Resources"]["/Font"]
        for name in resources:
            found[resources.raw_get(name).idnum] = resources[name].get_object()
    return list(found.values())


def assert_embedded(pdf: bytes) -> None:
    fonts = fonts_of(pdf)
    assert fonts
    for font in fonts:
        assert font["/Subtype"] == "/TrueType"
        assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"]))  # a subset
        assert "/FontFile2" in font["/FontDescriptor"]  # the glyphs are in the file


def front_names(pdf: bytes) -> list[str]:
    """The name on each card's front (the lower half), in page order, spaces removed."""
    names = []
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            middle = float(page.height) / 2
            chars = [c for c in page.chars if c["text"].strip() and c["y1"] <= middle]
            big = max(c["size"] for c in chars)
            line = sorted((c for c in chars if c["size"] == big), key=lambda c: c["x0"])
            names.append("".join(c["text"] for c in line))
    return names


def test_the_chart_is_a_landscape_pdf_with_embedded_fonts_and_every_name(s, organiser):
    response = api_client(organiser).get(chart_url(s, "?paper=A4"))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert f'filename="meeting-{s.meeting.pk}-seating.pdf"' in disposition
    quoted = urllib.parse.quote("全县安全生产工作会议-座次图.pdf")
    assert f"filename*=UTF-8''{quoted}" in disposition
    assert "no-store" in response["Cache-Control"]
    pdf = response.content
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (297, 210)
    assert_embedded(pdf)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = doc.pages[0].extract_text().replace(" ", "")
    for a in s.all:
        assert a.display_name in text
    assert "从观众席看" in text and "全县安全生产工作会议座次图" in text


def test_a3_and_the_rostrum_viewpoint(s, organiser):
    pdf = api_client(organiser).get(chart_url(s, "?paper=a3&viewpoint=rostrum")).content
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    assert (round(float(box.width) / MM), round(float(box.height) / MM)) == (420, 297)
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert "从主席台看" in doc.pages[0].extract_text().replace(" ", "")


@pytest.mark.parametrize("stock", sorted(NAMECARD_STOCKS))
def test_namecards_page_size_is_the_stock(s, organiser, stock):
    response = api_client(organiser).get(cards_url(s, f"?stock={stock}"))
    assert response.status_code == 200, response.content[:500]
    reader = pypdf.PdfReader(io.BytesIO(response.content))
    page = NAMECARD_STOCKS[stock]
    assert float(reader.pages[0].mediabox.width) / MM == pytest.approx(page.width_mm, abs=0.05)
    assert float(reader.pages[0].mediabox.height) / MM == pytest.approx(page.height_mm, abs=0.05)
    assert len(reader.pages) == 13


def test_namecards_come_in_seat_order_with_embedded_fonts(s, organiser):
    response = api_client(organiser).get(cards_url(s, "?title=1&crop_marks=1&fold_line=0"))
    assert response.status_code == 200
    assert "namecards.pdf" in response["Content-Disposition"]
    pdf = response.content
    assert_embedded(pdf)
    state = seating_state(s.meeting)
    expected = [state.people_by_key[k].name for k in card_order(state.arrangement, state.layout)]
    assert len(expected) == 13 and expected[:7] == [
        "七号",
        "五号",
        "三号",
        "一号",
        "二号",
        "四号",
        "六号",
    ]
    assert front_names(pdf) == expected
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        assert "县长" in doc.pages[0].extract_text()  # title=1: the 职务 line


def test_long_rare_and_latin_names_print(organiser):
    s = scene(organiser, start=when(9), heads=0)
    for name in (LONG, f"王{RARE}", "John Smith"):
        Attendance.objects.create(meeting=s.meeting, guest_name=name, role=Role.SIT_IN)
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    client = api_client(organiser)
    cards = client.get(cards_url(s))
    assert cards.status_code == 200, cards.content[:500]
    names = front_names(cards.content)
    assert LONG in names and f"王{RARE}" in names and "JohnSmith" in names
    assert client.get(chart_url(s)).status_code == 200


def test_mark_printed_is_only_on_request_and_feeds_the_reprint_plan(s, organiser):
    client = api_client(organiser)
    client.get(chart_url(s))
    assert SeatingPlan.objects.get(meeting=s.meeting).printed_at is None
    assert client.get(chart_url(s, "?mark_printed=1")).status_code == 200
    assert client.get(cards_url(s, "?mark_printed=1&stock=200x120")).status_code == 200
    plan = SeatingPlan.objects.get(meeting=s.meeting)
    assert set(plan.printed_snapshot) == {services.CHART, services.CARDS}
    body = client.get(f"/api/v1/meetings/{s.meeting.pk}/seating").json()
    assert body["reprint"]["printed"] and body["reprint"]["nothing"]
    two = s.leaders[1]
    two.rsvp, two.substitute_name = "substitute", "代理人"
    two.save()
    reprint = client.get(f"/api/v1/meetings/{s.meeting.pk}/seating").json()["reprint"]
    assert reprint["cards_to_print"] == [{"name": "代理人", "page": 5}]  # seat R1-05
    assert reprint["chart_pages"] == [1]


def test_a_colleague_may_print_a_normal_meeting_but_not_mark_it(s, colleague):
    client = api_client(colleague)
    assert client.get(chart_url(s)).status_code == 200
    response = client.get(chart_url(s, "?mark_printed=1"))
    assert response.status_code == 403
    assert client.get(cards_url(s, "?mark_printed=1")).status_code == 403


def test_a_confidential_meeting_is_forbidden_to_outsiders(organiser, colleague):
    s = scene(organiser, start=when(9), confidentiality=Confidentiality.CONFIDENTIAL)
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    for u in (chart_url(s), cards_url(s)):
        response = api_client(colleague).get(u)
        assert response.status_code == 403
        assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("?paper=A5", "paper"),
        ("?viewpoint=side", "viewpoint"),
        ("?mark_printed=maybe", "mark_printed"),
    ],
)
def test_bad_chart_parameters_are_422(s, organiser, query, field):
    response = api_client(organiser).get(chart_url(s, query))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["details"]["errors"]]


@pytest.mark.parametrize(("query", "field"), [("?stock=a5", "stock"), ("?title=2", "title")])
def test_bad_card_parameters_are_422(s, organiser, query, field):
    response = api_client(organiser).get(cards_url(s, query))
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["details"]["errors"]]


def test_an_empty_roster_is_422(organiser):
    s = scene(organiser, start=when(9), heads=0)
    Attendance.objects.filter(meeting=s.meeting).delete()
    for u in (chart_url(s), cards_url(s)):
        response = api_client(organiser).get(u)
        assert response.status_code == 422
        assert response.json()["message"] == "没有参会人员"


def test_not_yet_arranged_and_unseated_people_are_422(organiser):
    s = scene(organiser, start=when(9))
    client = api_client(organiser)
    response = client.get(cards_url(s))
    assert response.status_code == 422 and "尚未排座" in response.json()["message"]
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    Attendance.objects.create(meeting=s.meeting, guest_name="后来者", role=Role.SIT_IN)
    response = client.get(chart_url(s))
    assert response.status_code == 422
    assert "后来者" in response.json()["message"]
    assert response.json()["details"]["unseated"] == ["后来者"]


def test_a_character_no_font_has_is_named(organiser):
    s = scene(organiser, start=when(9), heads=0)
    Attendance.objects.create(meeting=s.meeting, guest_name="王\U000f0000", role=Role.SIT_IN)
    services.seating_arrange(actor=organiser, meeting=s.meeting, now=NOW)
    for u in (chart_url(s), cards_url(s)):
        response = api_client(organiser).get(u)
        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "glyphs_missing"
        assert "U+F0000" in body["message"]


def test_no_font_at_all_is_503_saying_what_to_install(s, organiser, tmp_path, monkeypatch):
    monkeypatch.setattr(pdf_base, "system_fonts", lambda: discover(dirs=[tmp_path]))
    response = api_client(organiser).get(cards_url(s))
    assert response.status_code == 503
    body = response.json()
    assert body["code"] == "fonts_unavailable"
    assert "apt-get install fonts-wqy-microhei fonts-lxgw-wenkai" in body["message"]
