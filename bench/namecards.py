"""桌签 (name cards) for 500 attendees against bare reportlab, fonts loaded included.

Feature: `meetings.documents.namecards.render` of 500 cards (plain dataclasses, in
seat order; A4 folded, name only, fold line) in a fresh process, so that font discovery
and loading are counted as a first print of the day pays them.
Floor: bare reportlab in a fresh process — load the same TrueType file as a TTFont,
draw the same names on the same pages (front upright, back turned 180°, the fold line,
two-character names spaced, each name sized to the card), same canvas settings.
Each measurement is its own child process, so its peak resident set (VmHWM) is its
own and nothing accumulates from one run to the next.
Targets (DESIGN §10): ≤ 1.5× the floor; file ≤ 0.5 MB (one font subset); peak memory
≤ 250 MB and growing less than 20% from 50 to 500 cards.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from bench.common import REPO, Row, main, ms, peak_rss_mb, progress, ratio, setup_django

SIZES = (50, 500)
REPS = 5
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐"  # common surnames
    "许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "建国明华秀英志强丽军伟芳敏静磊洋艳勇杰娟涛超平刚桂兰玉霞文辉红梅晓东海燕春林宇鹏飞雪峰宁"
TITLES = ("县长", "副县长", "局长", "副局长", "主任", "乡长", "镇党委书记", "科长")


def names(count: int) -> list[tuple[str, str]]:
    """Plausible attendees: mostly three characters, some two, a few 复姓 and · names."""
    out = []
    for i in range(count):
        surname = SURNAMES[i % len(SURNAMES)]
        a, b = GIVEN[(i * 7) % len(GIVEN)], GIVEN[(i * 13 + 5) % len(GIVEN)]
        if i % 50 == 7:
            name = "阿卜杜热合曼·买买提"
        elif i % 25 == 3:
            name = "欧阳" + a + b
        elif i % 4 == 0:
            name = surname + a
        else:
            name = surname + a + b
        out.append((name, TITLES[i % len(TITLES)]))
    return out


# --- the two programs, each run in a child process --------------------------------------


def feature(count: int, titles: bool) -> bytes:
    from meetings.documents.namecards import NameCard, NameCardOptions, render

    cards = [NameCard(name, title) for name, title in names(count)]
    options = NameCardOptions(show_title=titles)
    start = _start()
    pdf = render(cards, options)
    _stop(start, pdf)
    return pdf


def floor(count: int, titles: bool, name_font: str, title_font: str) -> bytes:
    import io

    from reportlab import rl_config
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen.canvas import Canvas

    cards = names(count)
    start = _start()
    rl_config.useA85 = 0  # binary streams, as core/pdf/base.py sets for every document

    def load(spec: str, name: str) -> str:
        path, _, face = spec.partition("#")
        pdfmetrics.registerFont(TTFont(name, path, subfontIndex=int(face or 0)))
        return name

    name_face = load(name_font, "bare-name")
    title_face = load(title_font, "bare-title") if titles else name_face
    width, height = 297 * mm, 210 * mm
    face_w, face_h = width, height / 2
    margin_x, margin_y = max(10 * mm, face_w * 0.06), max(5 * mm, face_h * 0.1)
    box_w, box_h = face_w - 2 * margin_x, face_h - 2 * margin_y
    name_h = box_h * 0.72 if titles else box_h
    full = min(name_h * 0.8, box_w / (3 * pdfmetrics.stringWidth("国", name_face, 1)))
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(width, height),
        invariant=1,
        pageCompression=1,
        initialFontName=name_face,
    )
    for name, title in cards:
        spaced = len(name) == 2
        per_point = pdfmetrics.stringWidth(name, name_face, 1) + (1.0 if spaced else 0.0)
        size = min(full, box_w / per_point)
        canvas.setLineWidth(0.3)
        canvas.setDash(3, 3)
        canvas.line(0, height / 2, width, height / 2)
        canvas.setDash()
        for back in (False, True):
            canvas.saveState()
            if back:
                canvas.translate(width, height)
                canvas.rotate(180)
            canvas.setFont(name_face, size)
            baseline = margin_y + name_h / 2 - size * 0.35
            space = size if spaced else 0
            canvas.drawCentredString(face_w / 2, baseline, name, charSpace=space)
            if titles:
                canvas.setFont(title_face, full * 0.3)
                canvas.drawCentredString(face_w / 2, margin_y + box_h * 0.84, title)
            canvas.restoreState()
        canvas.showPage()
    canvas.save()
    pdf = buffer.getvalue()
    _stop(start, pdf)
    return pdf


_RESULT: dict[str, Any] = {}


def _start() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def _stop(start: tuple[float, float], pdf: bytes) -> None:
    _RESULT.update(
        wall=time.perf_counter() - start[0], cpu=time.process_time() - start[1], size=len(pdf)
    )


def child(argv: list[str]) -> None:
    """`python -m bench.namecards --child feature|floor COUNT TITLES NAME_FONT TITLE_FONT`."""
    parser = argparse.ArgumentParser()
    parser.add_argument("program", choices=("feature", "floor"))
    parser.add_argument("count", type=int)
    parser.add_argument("titles", type=int)
    parser.add_argument("name_font")
    parser.add_argument("title_font")
    args = parser.parse_args(argv)
    setup_django("namecards-child", migrate=False)
    # Everything either program imports, before the clock starts: both children start
    # from the same process, and neither's time includes Python's imports.
    import reportlab.pdfgen.canvas  # noqa: F401

    import meetings.documents.namecards  # noqa: F401

    if args.program == "feature":
        feature(args.count, bool(args.titles))
    else:
        floor(args.count, bool(args.titles), args.name_font, args.title_font)
    _RESULT["rss_mb"] = peak_rss_mb()
    print(json.dumps(_RESULT))


def _spawn(program: str, count: int, titles: bool, fonts: tuple[str, str]) -> dict[str, Any]:
    argv = [sys.executable, "-m", "bench.namecards", "--child", program, str(count)]
    argv += [str(int(titles)), *fonts]
    done = subprocess.run(  # noqa: S603 - our own interpreter and module
        argv, cwd=REPO, capture_output=True, text=True, check=False, timeout=300
    )
    if done.returncode != 0:
        raise RuntimeError(f"{program} {count} failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _fonts() -> tuple[str, str]:
    """The files the cards are drawn with (names: 黑体, titles: 楷体), as `path#face`."""
    from core.pdf.fonts import FontRole, system_fonts

    found = system_fonts()
    specs = []
    for role in (FontRole.HEI, FontRole.KAI):
        source = found.chain(role).primary.source
        specs.append(f"{source.path}#{source.subfont}")
    return specs[0], specs[1]


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def run() -> list[Row]:
    setup_django("namecards", migrate=False)
    fonts = _fonts()
    rows = []
    for titles in (False, True):
        label = "name cards" + (" with 职务 line" if titles else "")
        results: dict[tuple[str, int], list[dict[str, Any]]] = {}
        for count in SIZES:
            reps = REPS if count == max(SIZES) else 3
            progress(f"{label}: {reps} × {count} cards and {reps} × bare reportlab, interleaved")
            for i in range(reps):
                order = ("feature", "floor") if i % 2 == 0 else ("floor", "feature")
                for program in order:
                    results.setdefault((program, count), []).append(
                        _spawn(program, count, titles, fonts)
                    )
        big = max(SIZES)
        t_feature = _median(results[("feature", big)], "cpu")
        t_floor = _median(results[("floor", big)], "cpu")
        rss = _median(results[("feature", big)], "rss_mb")
        rss_small = _median(results[("feature", min(SIZES))], "rss_mb")
        size = max(r["size"] for r in results[("feature", big)])
        growth = rss / rss_small
        rows.append(
            Row(
                what=label,
                size=f"{big} cards (A4 folded)",
                median=ms(t_feature),
                floor=f"{ms(t_floor)} (bare reportlab)",
                ratio=ratio(t_feature / t_floor),
                target="≤ 1.5× bare reportlab, fonts loaded included",
                met=t_feature / t_floor <= 1.5,
                notes=[
                    f"wall clock {ms(_median(results[('feature', big)], 'wall'))} vs "
                    f"{ms(_median(results[('floor', big)], 'wall'))}; fonts: {', '.join(fonts)}",
                    f"{min(SIZES)} cards: {ms(_median(results[('feature', min(SIZES))], 'cpu'))}"
                    f" vs {ms(_median(results[('floor', min(SIZES))], 'cpu'))}",
                ],
            )
        )
        rows.append(
            Row(
                what=f"{label}: file and memory",
                size=f"{big} cards",
                median=f"{size / 1024 / 1024:.2f} MB file, peak RSS {rss:.0f} MB",
                floor=f"peak RSS {rss_small:.0f} MB at {min(SIZES)} cards",
                ratio=ratio(growth),
                target="file ≤ 0.5 MB; RSS ≤ 250 MB, < 1.2× from 50 to 500",
                met=size <= 0.5 * 1024 * 1024 and rss <= 250 and growth < 1.2,
                notes=[
                    "peak RSS is the whole child process (Python, Django and reportlab "
                    f"imported: bare reportlab peaks at "
                    f"{_median(results[('floor', big)], 'rss_mb'):.0f} MB)"
                ],
            )
        )
    return rows


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2:])
    else:
        main("namecards", run)
