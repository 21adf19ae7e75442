"""座次图 (seating chart): the room drawn to its layout with every seat's person (DESIGN §6).

A4 or A3 landscape. The plan is drawn as seen from the audience (front at the top) or,
turned by 180°, from the rostrum (front at the bottom); the chart always says which.
Each seat is a box with its seat label, the name and, in the audience, the unit; units
also get a light shade and a legend. Names shrink (and break onto a second line) to fit
their box; a name that cannot fit even at the smallest size is refused with a message,
never drawn over its neighbours.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from reportlab.pdfgen.canvas import Canvas

from core.exceptions import InvalidInput, TextDoesNotFit
from core.pdf.base import (
    A3_LANDSCAPE,
    A4_LANDSCAPE,
    MM,
    Align,
    Box,
    Margins,
    PageSize,
    PdfDocument,
    centred_baseline,
    draw_runs,
    fit_lines,
    fit_text,
)
from core.pdf.fonts import FontChain, FontRole, FontSet
from meetings.seating.engine import Viewpoint
from rooms.layouts import Feature, FeatureKind, SeatLayout, Zone

PAGES: dict[str, PageSize] = {"a4": A4_LANDSCAPE, "a3": A3_LANDSCAPE}
MARGINS = Margins.all(12)
HEADER = 20 * MM  # title and subtitle
FOOTER = 9 * MM  # viewpoint and unit legend
MIN_NAME_SIZE = 4.0
MAX_NAME_SIZE = 14.0
# Light shades that print distinguishably on a grey-scale office printer too.
SHADES = (0.93, 0.85, 0.97, 0.89, 0.95, 0.87)


@dataclass(frozen=True)
class Occupant:
    name: str
    unit: str = ""


@dataclass(frozen=True)
class SeatingChart:
    title: str
    layout: SeatLayout
    occupants: Mapping[str, Occupant]  # seat id → who sits there
    viewpoint: Viewpoint = Viewpoint.AUDIENCE
    subtitle: str = ""  # 时间、地点
    page: str = "a4"  # "a4" or "a3"
    show_units: bool = True


@dataclass(frozen=True)
class ChartGeometry:
    """Where everything lands on the page (points); tests check text against it."""

    page: PageSize
    scale: float  # points per plan unit
    seat_boxes: dict[str, Box]
    feature_boxes: list[tuple[Feature, Box]]
    plan_area: Box


def _page(chart: SeatingChart) -> PageSize:
    try:
        return PAGES[chart.page]
    except KeyError:
        raise InvalidInput("座次图纸张只能是 a4 或 a3", field="page") from None


def geometry(chart: SeatingChart) -> ChartGeometry:
    """Fit the plan into the page below the header, turned by 180° from the rostrum."""
    page = _page(chart)
    layout = chart.layout
    area = Box(
        MARGINS.left * MM,
        MARGINS.bottom * MM + FOOTER,
        page.width - (MARGINS.left + MARGINS.right) * MM,
        page.height - (MARGINS.top + MARGINS.bottom) * MM - HEADER - FOOTER,
    )
    min_x, min_y, max_x, max_y = layout.bounds()
    width, height = max(max_x - min_x, 1e-6), max(max_y - min_y, 1e-6)
    scale = min(area.width / width, area.height / height)
    ox = area.x + (area.width - width * scale) / 2
    oy = area.y + (area.height - height * scale) / 2
    turned = chart.viewpoint is Viewpoint.ROSTRUM

    def to_page(x: float, y: float) -> tuple[float, float]:
        if turned:  # 180°: the rostrum at the bottom, left and right swapped
            return (ox + (max_x - x) * scale, oy + (max_y - y) * scale)
        return (ox + (x - min_x) * scale, oy + (y - min_y) * scale)

    def box(x: float, y: float, w: float, h: float) -> Box:
        px, py = to_page(x, y)
        return Box(px - w * scale / 2, py - h * scale / 2, w * scale, h * scale)

    seats = {s.id: box(s.x, s.y, layout.seat_width, layout.seat_depth) for s in layout.seats}
    features = [(f, box(f.x, f.y, f.width, f.height)) for f in layout.features]
    return ChartGeometry(page, scale, seats, features, area)


@dataclass(frozen=True)
class _SeatText:
    lines: tuple[str, ...]
    size: float
    unit: str
    unit_size: float
    label_size: float


def _plan_seat_text(
    chart: SeatingChart, boxes: Mapping[str, Box], names: FontChain, small: FontChain
) -> dict[str, _SeatText]:
    """Sizes for every seat's text, checked before anything is drawn."""
    planned: dict[str, _SeatText] = {}
    problems: list[str] = []
    for seat in chart.layout.seats:
        occupant = chart.occupants.get(seat.id)
        box = boxes[seat.id]
        label_size = max(min(box.height * 0.2, 6.0), 3.0)
        if occupant is None:
            planned[seat.id] = _SeatText((), 0.0, "", 0.0, label_size)
            continue
        name = " ".join(occupant.name.split())
        if not name:
            raise InvalidInput(f"座位 {seat.label or seat.id} 上的人员没有姓名")
        names.check(name)
        unit = occupant.unit.strip() if chart.show_units and seat.zone is Zone.AUDIENCE else ""
        inner = box.inset(box.width * 0.06, 0)
        name_h = box.height * (0.44 if unit else 0.68)
        # One size for every name of up to three characters, so a row reads evenly;
        # only longer names go smaller (or onto two lines).
        common = fit_text(
            names,
            "国国国",
            max_width=inner.width,
            max_size=min(MAX_NAME_SIZE, name_h / 1.15),
            min_size=0.1,
        ).size
        lines = fit_lines(
            names,
            name,
            max_width=inner.width,
            max_height=name_h,
            max_size=max(common, MIN_NAME_SIZE),
            min_size=MIN_NAME_SIZE,
        )
        if not lines.fits:
            problems.append(name)
            continue
        unit_size = 0.0
        if unit:
            small.check(unit)
            fit = fit_text(
                small,
                unit,
                max_width=inner.width,
                max_size=min(box.height * 0.18, 7.0),
                min_size=3.0,
            )
            if fit.fits:
                unit_size = fit.size
            else:
                unit = ""  # too long for the box: the shade and the legend still say it
        planned[seat.id] = _SeatText(lines.lines, lines.size, unit, unit_size, label_size)
    if problems:
        raise TextDoesNotFit(
            f"座位框太小，这些姓名在最小字号 {MIN_NAME_SIZE:g} 磅时也放不下："
            f"{'、'.join(problems[:10])}。请改用 A3 纸或减少每页座位",
            details={"names": problems, "page": chart.page},
        )
    return planned


def _unit_shades(chart: SeatingChart) -> dict[str, float]:
    units: dict[str, None] = {}
    for seat in chart.layout.seats:
        occupant = chart.occupants.get(seat.id)
        if occupant and occupant.unit.strip() and seat.zone is Zone.AUDIENCE:
            units.setdefault(occupant.unit.strip(), None)
    return {unit: SHADES[i % len(SHADES)] for i, unit in enumerate(units)}


def _draw_label(canvas: Canvas, chain: FontChain, text: str, box: Box, *, max_size: float) -> None:
    """A feature's label centred in its box, shrunk to fit; left out if it cannot fit."""
    if not text or box.width <= 0:
        return
    fit = fit_text(
        chain, text, max_width=box.width * 0.9, max_size=min(max_size, box.height * 0.8), min_size=4
    )
    if not fit.fits:
        return
    runs = chain.runs(text)
    cx, cy = box.centre
    draw_runs(
        canvas,
        runs,
        x=cx,
        y=centred_baseline(runs, fit.size, cy),
        size=fit.size,
        align=Align.CENTRE,
    )


def _draw_features(canvas: Canvas, geo: ChartGeometry, chain: FontChain) -> None:
    for feature, box in geo.feature_boxes:
        canvas.saveState()
        canvas.setLineWidth(0.6)
        canvas.setStrokeGray(0.35)
        if feature.kind is FeatureKind.ROUND_TABLE:
            canvas.setFillGray(0.96)
            canvas.circle(box.centre[0], box.centre[1], box.width / 2, stroke=1, fill=1)
            inner = box.inset(box.width * 0.2)
            canvas.setFillGray(0)
            _draw_label(canvas, chain, feature.label, inner, max_size=12)
        elif feature.kind is FeatureKind.LECTERN:
            canvas.setFillGray(0.8)
            canvas.rect(box.x, box.y, box.width, box.height, stroke=1, fill=1)
            canvas.setFillGray(0)
            _draw_label(canvas, chain, feature.label, box, max_size=9)
        elif feature.kind is FeatureKind.SCREEN:
            canvas.setFillGray(0.3)
            canvas.rect(box.x, box.y, box.width, box.height, stroke=0, fill=1)
            canvas.setFillGray(0)
            above = Box(box.x, box.top, box.width, max(box.height * 3, 8))
            _draw_label(canvas, chain, feature.label, above, max_size=9)
        elif feature.kind is FeatureKind.DOOR:
            canvas.setDash(2, 2)
            canvas.rect(box.x, box.y, box.width, box.height, stroke=1, fill=0)
            canvas.setDash()
            _draw_label(canvas, chain, feature.label, box.inset(0, -box.height), max_size=8)
        else:  # rostrum or table
            canvas.setFillGray(0.9 if feature.kind is FeatureKind.ROSTRUM else 0.95)
            canvas.rect(box.x, box.y, box.width, box.height, stroke=1, fill=1)
            canvas.setFillGray(0.2)
            _draw_label(canvas, chain, feature.label, box, max_size=11)
        canvas.restoreState()


def _draw_seats(
    canvas: Canvas,
    chart: SeatingChart,
    geo: ChartGeometry,
    planned: Mapping[str, _SeatText],
    names: FontChain,
    small: FontChain,
) -> None:
    shades = _unit_shades(chart)
    for seat in chart.layout.seats:
        box = geo.seat_boxes[seat.id]
        text = planned[seat.id]
        occupant = chart.occupants.get(seat.id)
        shade = 1.0
        if occupant and seat.zone is Zone.AUDIENCE:
            shade = shades.get(occupant.unit.strip(), 1.0)
        canvas.saveState()
        canvas.setLineWidth(0.4)
        canvas.setStrokeGray(0.4 if occupant else 0.7)
        if seat.reserved and not occupant:
            canvas.setDash(1.5, 1.5)
        canvas.setFillGray(shade)
        canvas.rect(box.x, box.y, box.width, box.height, stroke=1, fill=1)
        canvas.setDash()
        canvas.setFillGray(0.45)
        label = seat.label or seat.id
        label_fit = fit_text(
            small, label, max_width=box.width * 0.9, max_size=text.label_size, min_size=2.5
        )
        if label_fit.fits:
            draw_runs(
                canvas,
                small.runs(label),
                x=box.x + box.width * 0.05,
                y=box.top - label_fit.size * 1.05,
                size=label_fit.size,
            )
        canvas.setFillGray(0)
        if text.lines:
            leading = text.size * 1.15
            name_centre = box.y + box.height * (0.5 if text.unit else 0.42)
            top = name_centre + leading * (len(text.lines) - 1) / 2
            for i, line in enumerate(text.lines):
                runs = names.runs(line)
                draw_runs(
                    canvas,
                    runs,
                    x=box.centre[0],
                    y=centred_baseline(runs, text.size, top - i * leading),
                    size=text.size,
                    align=Align.CENTRE,
                )
        if text.unit:
            canvas.setFillGray(0.25)
            runs = small.runs(text.unit)
            draw_runs(
                canvas,
                runs,
                x=box.centre[0],
                y=box.y + box.height * 0.06 + text.unit_size * 0.15,
                size=text.unit_size,
                align=Align.CENTRE,
            )
        canvas.restoreState()


def _draw_header_footer(
    canvas: Canvas, chart: SeatingChart, page: PageSize, heading: FontChain, body: FontChain
) -> None:
    left = MARGINS.left * MM
    right = page.width - MARGINS.right * MM
    width = right - left
    top = page.height - MARGINS.top * MM
    title = " ".join(chart.title.split()) or "座次图"
    fit = fit_text(heading, title, max_width=width * 0.8, max_size=18, min_size=8)
    runs = heading.runs(title)
    draw_runs(canvas, runs, x=page.width / 2, y=top - fit.size, size=fit.size, align=Align.CENTRE)
    if chart.subtitle:
        sub = " ".join(chart.subtitle.split())
        sfit = fit_text(body, sub, max_width=width * 0.8, max_size=10, min_size=5)
        draw_runs(
            canvas,
            body.runs(sub),
            x=page.width / 2,
            y=top - fit.size - 14,
            size=sfit.size,
            align=Align.CENTRE,
        )
    view = f"（{chart.viewpoint.label}）"
    draw_runs(canvas, body.runs(view), x=right, y=top - 12, size=10, align=Align.RIGHT)
    # Footer: the viewpoint again beside the plan, and the unit legend.
    bottom = MARGINS.bottom * MM
    legend = _unit_shades(chart)
    x = left
    size = 7.0
    front = "主席台" if chart.viewpoint is Viewpoint.AUDIENCE else "台下"
    note = f"{chart.viewpoint.label}；上方为{front}"
    if chart.layout.kind.value not in ("rostrum", "classroom"):
        note = f"{chart.viewpoint.label}；下方为入口"
    x += draw_runs(canvas, body.runs(note), x=x, y=bottom + 2, size=size) + 12
    for unit, shade in legend.items():
        unit_width = body.width(unit, size)
        if x + size + 3 + unit_width > right:
            break  # the legend is a help; the seats carry the units too
        canvas.saveState()
        canvas.setFillGray(shade)
        canvas.setStrokeGray(0.4)
        canvas.rect(x, bottom + 1.5, size, size, stroke=1, fill=1)
        canvas.restoreState()
        x += size + 3
        x += draw_runs(canvas, body.runs(unit), x=x, y=bottom + 2, size=size) + 10


def render(chart: SeatingChart, *, fonts: FontSet | None = None) -> bytes:
    if not chart.occupants:
        raise InvalidInput("还没有安排座位，无法打印座次图", field="seats")
    unknown = [sid for sid in chart.occupants if sid not in chart.layout.by_id]
    if unknown:
        raise InvalidInput(f"这些座位不在布局中：{'、'.join(sorted(unknown)[:10])}", field="seats")
    page = _page(chart)
    doc = PdfDocument(
        page, title=chart.title or "座次图", subject="座次图", fonts=fonts, margins=MARGINS
    )
    heading = doc.chain(FontRole.HEI)
    names = doc.chain(FontRole.HEI)  # 黑体 stays legible at small sizes
    small = doc.chain(FontRole.SONG)
    geo = geometry(chart)
    planned = _plan_seat_text(chart, geo.seat_boxes, names, small)
    heading.check(chart.title)
    small.check(chart.subtitle)
    canvas = doc.canvas
    _draw_header_footer(canvas, chart, page, heading, small)
    _draw_features(canvas, geo, small)
    _draw_seats(canvas, chart, geo, planned, names, small)
    doc.show_page()
    return doc.finish()
