"""Fonts by role: discovery, CFF fonts skipped with a reason, coverage, embedding, the command.

These tests use the fonts CI installs (fonts-wqy-microhei, fonts-lxgw-wenkai): 文泉驿微米黑
lacks 𬌗 (U+2C317), 霞鹜文楷 has it, which is exactly the fallback case of DESIGN §6.
"""

from __future__ import annotations

import io
import shutil
import struct
from pathlib import Path

import pdfplumber
import pytest
from django.core.management import CommandError, call_command

from core.exceptions import FontUnavailable, GlyphsMissing, TextDoesNotFit
from core.pdf import fonts as fonts_module
from core.pdf.base import A4, PdfDocument, draw_text, fit_lines, fit_or_raise, fit_text
from core.pdf.fonts import FontRole, FontSource, discover, load, sniff, system_fonts

WQY = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
WENKAI = Path("/usr/share/fonts/truetype/lxgw-wenkai/LXGWWenKai-Regular.ttf")
RARE = "𬌗"  # U+2C317, CJK Extension E
DIRS = [WQY.parent, WENKAI.parent]  # only these two, whatever else the machine has


def _sfnt(version: bytes, tags: list[bytes]) -> bytes:
    header = version + struct.pack(">HHHH", len(tags), 0, 0, 0)
    return header + b"".join(tag + b"\0" * 12 for tag in tags)


def _fake_cff_collection(path: Path) -> None:
    """A .ttc whose face has CFF outlines, like NotoSansCJK-Regular.ttc."""
    face = _sfnt(b"OTTO", [b"CFF ", b"cmap", b"head"])
    path.write_bytes(b"ttcf" + struct.pack(">HHI", 1, 0, 1) + struct.pack(">I", 16) + face)


@pytest.fixture(scope="module")
def installed() -> None:
    missing = [p for p in (WQY, WENKAI) if not p.exists()]
    if missing:
        pytest.fail(f"install the test fonts: {fonts_module.INSTALL_HINT} ({missing})")


def test_it_finds_the_debian_fonts_by_role(installed):
    assert discover().chain(FontRole.HEI).primary.source.path == WQY  # all system folders
    found = discover(dirs=DIRS)
    hei = found.chain(FontRole.HEI)
    kai = found.chain(FontRole.KAI)
    assert hei.primary.source.path == WQY
    assert hei.primary.source.subfont == 0
    assert kai.primary.source.path == WENKAI
    # Each role falls back on the other installed CJK font.
    assert [f.source.path for f in hei.fonts] == [WQY, WENKAI]
    assert [f.source.path for f in found.chain(FontRole.FANGSONG).fonts] == [WENKAI, WQY]
    assert found.usable


def test_a_collection_face_is_chosen_by_index(installed):
    mono = load(FontSource(WQY, 1, "test"))
    assert not isinstance(mono, fonts_module.SkippedFont)
    assert "Mono" in mono.family


def test_a_cff_font_is_skipped_with_a_reason(installed, tmp_path):
    _fake_cff_collection(tmp_path / "NotoSansCJK-Regular.ttc")
    (tmp_path / "SourceHanSans.otf").write_bytes(_sfnt(b"OTTO", [b"CFF ", b"cmap"]))
    assert "CFF" in (sniff(tmp_path / "SourceHanSans.otf") or "")
    found = discover(dirs=[tmp_path, WQY.parent])
    reasons = {s.source.path.name: s.reason for s in found.skipped}
    assert "CFF" in reasons["NotoSansCJK-Regular.ttc"]
    assert "fonts-wqy-microhei" in reasons["NotoSansCJK-Regular.ttc"]  # says what to do
    assert found.chain(FontRole.HEI).primary.source.path == WQY


def test_sniff_accepts_truetype_and_rejects_junk(installed, tmp_path):
    assert sniff(WQY, 0) is None
    assert sniff(WQY, 1) is None
    assert "没有第 5 号" in (sniff(WQY, 5) or "")
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"hello")
    assert sniff(junk) is not None
    assert sniff(tmp_path / "absent.ttf") == "文件不存在"


def test_configured_fonts_come_first_and_bad_paths_are_reported(installed, tmp_path):
    found = discover(
        {
            FontRole.HEI: [str(WENKAI), str(tmp_path / "方正小标宋.ttf")],
            FontRole.SONG: [f"{WQY}#x"],
        },
        dirs=[WQY.parent, WENKAI.parent],
    )
    assert found.chain(FontRole.HEI).primary.source.path == WENKAI
    assert found.chain(FontRole.HEI).primary.source.origin == "FONT_HEI"
    reasons = {str(s.source.path): s.reason for s in found.skipped}
    assert reasons[str(tmp_path / "方正小标宋.ttf")] == "文件不存在"
    assert "编号无效" in reasons[str(WQY)]


def test_settings_paths_are_read(installed, settings):
    settings.FONT_KAI = [str(WQY)]
    assert system_fonts().chain(FontRole.KAI).primary.source.path == WQY
    settings.FONT_KAI = []
    assert system_fonts().chain(FontRole.KAI).primary.source.path == WENKAI


def test_no_cjk_font_says_exactly_what_to_install(tmp_path):
    found = discover(dirs=[tmp_path])
    assert not found.usable
    with pytest.raises(FontUnavailable) as error:
        found.chain(FontRole.HEI)
    assert "apt-get install fonts-wqy-microhei fonts-lxgw-wenkai" in error.value.message
    assert any("apt-get install" in note for note in found.notes)


def test_coverage_reports_the_characters_no_font_has(installed):
    only_wqy = discover(dirs=[WQY.parent]).chain(FontRole.HEI)
    assert only_wqy.missing(f"王{RARE}王{RARE}") == [RARE]
    with pytest.raises(GlyphsMissing) as error:
        only_wqy.runs(f"王{RARE}")
    assert error.value.details["codepoints"] == ["U+2C317"]
    assert RARE in error.value.message
    assert only_wqy.missing("张\x07") == ["\x07"]  # control characters never print


def test_a_string_takes_the_first_font_that_has_all_its_characters(installed):
    hei = discover(dirs=DIRS).chain(FontRole.HEI)
    (run,) = hei.runs("张三")
    assert run.font.source.path == WQY
    (run,) = hei.runs(f"王{RARE}")  # wqy lacks 𬌗: the whole name in 霞鹜文楷, one typeface
    assert run.font.source.path == WENKAI


def test_characters_fall_back_one_by_one_only_when_no_font_has_them_all(installed):
    hei = discover(dirs=DIRS).chain(FontRole.HEI)
    wqy, wenkai = hei.fonts
    only_in_wqy = next(
        chr(code)
        for code in range(0x3400, 0x9FFF)
        if wqy.has(chr(code)) and not wenkai.has(chr(code))
    )
    runs = hei.runs(f"{only_in_wqy}{RARE}")
    assert [(r.text, r.font.source.path) for r in runs] == [(only_in_wqy, WQY), (RARE, WENKAI)]


def test_text_outside_the_bmp_is_embedded_and_extracts_correctly(installed):
    doc = PdfDocument(A4, title="t", fonts=discover(dirs=DIRS))
    draw_text(doc.canvas, doc.chain(FontRole.HEI), f"王{RARE} Zhang", x=50, y=700, size=20)
    doc.show_page()
    with pdfplumber.open(io.BytesIO(doc.finish())) as pdf:
        text = pdf.pages[0].extract_text()
        fontnames = {c["fontname"] for c in pdf.pages[0].chars}
    # reportlab's own ToUnicode map would give 王ⰱ (U+2C31): see fonts._fix_reportlab_tounicode.
    assert text == f"王{RARE} Zhang"
    assert all(name.startswith("AAAAAA+LXGWWenKai") for name in fontnames)


def test_identical_input_gives_identical_bytes(installed):
    def build() -> bytes:
        doc = PdfDocument(A4, title="同一", fonts=discover(dirs=DIRS))
        draw_text(doc.canvas, doc.chain(FontRole.SONG), "县政府常务会议", x=72, y=700, size=16)
        doc.show_page()
        return doc.finish()

    assert build() == build()


def test_fit_text_shrinks_to_the_width_and_reports_when_the_minimum_is_too_big(installed):
    hei = discover(dirs=DIRS).chain(FontRole.HEI)
    fit = fit_text(hei, "县政府办公室", max_width=60, max_size=40, min_size=6)
    assert fit.fits and fit.size == pytest.approx(10, abs=0.05)
    assert hei.width("县政府办公室", fit.size) <= 60
    roomy = fit_text(hei, "张三", max_width=500, max_size=40, min_size=6)
    assert roomy.size == 40
    spaced = fit_text(hei, "张三", max_width=60, max_size=40, min_size=6, char_space_em=1.0)
    assert spaced.size == pytest.approx(20, abs=0.05)  # two glyphs and one em of space
    tight = fit_text(hei, "县政府办公室", max_width=20, max_size=40, min_size=6)
    assert not tight.fits and tight.size == 6
    with pytest.raises(TextDoesNotFit, match="县政府办公室"):
        fit_or_raise(hei, "县政府办公室", max_width=20, max_size=40, min_size=6, what="名称")


def test_fit_lines_breaks_a_long_name_evenly(installed):
    hei = discover(dirs=DIRS).chain(FontRole.HEI)
    lines = fit_lines(
        hei, "阿卜杜热合曼·买买提明", max_width=40, max_height=30, max_size=14, min_size=4
    )
    assert lines.fits
    assert lines.lines == ("阿卜杜热合曼", "·买买提明")
    assert max(hei.width(line, lines.size) for line in lines.lines) <= 40


def test_the_fonts_command_lists_roles_files_and_coverage(installed, capsys):
    call_command("fonts", text=f"王{RARE}")
    out = capsys.readouterr().out
    for label in ("黑体", "楷体", "宋体", "仿宋"):
        assert label in out
    assert str(WQY) in out and str(WENKAI) in out
    assert f"王{RARE} → LXGW WenKai" in out


def test_the_fonts_command_names_characters_no_font_has(installed):
    with pytest.raises(CommandError, match="U\\+F0000"):
        call_command("fonts", text="王\U000f0000")


def test_the_fonts_command_says_what_to_install_when_there_is_no_font(tmp_path, monkeypatch):
    from core.management.commands import fonts as command

    monkeypatch.setattr(command, "system_fonts", lambda: discover(dirs=[tmp_path]))
    with pytest.raises(CommandError, match="apt-get install fonts-wqy-microhei fonts-lxgw-wenkai"):
        call_command("fonts")


def test_fonts_are_loaded_only_when_a_string_needs_them(installed, tmp_path):
    # Copies: files no other test has loaded in this process (fonts load once per file).
    for font in (WQY, WENKAI):
        shutil.copy(font, tmp_path / font.name)
    found = discover(dirs=[tmp_path])
    assert not any(font.loaded for chain in found.chains.values() for font in chain.fonts)
    hei = found.chain(FontRole.HEI)
    hei.runs("张三")
    assert [font.loaded for font in hei.fonts] == [True, False]  # the fallback waits
    (run,) = hei.runs(f"王{RARE}")
    assert run.font.source.path.name == WENKAI.name and all(f.loaded for f in hei.fonts)


def _set_fs_type(path: Path, fs_type: int) -> None:
    """Write the OS/2 licence flags of face 0 (a font that forbids embedding)."""
    data = bytearray(path.read_bytes())
    offset = struct.unpack(">I", data[12:16])[0] if data[:4] == b"ttcf" else 0
    (tables,) = struct.unpack(">H", data[offset + 4 : offset + 6])
    for i in range(tables):
        entry = offset + 12 + 16 * i
        if data[entry : entry + 4] == b"OS/2":
            (table,) = struct.unpack(">I", data[entry + 8 : entry + 12])
            data[table + 8 : table + 10] = struct.pack(">H", fs_type)
    path.write_bytes(bytes(data))


def test_a_font_that_forbids_embedding_is_skipped_before_it_is_loaded(installed, tmp_path):
    restricted = tmp_path / WQY.name
    shutil.copy(WQY, restricted)
    _set_fs_type(restricted, 0x0002)  # "restricted licence embedding"
    assert "fsType" in (sniff(restricted) or "")
    found = discover(dirs=[tmp_path, WENKAI.parent])
    reasons = {s.source.path: s.reason for s in found.skipped}
    assert "禁止嵌入" in reasons[restricted]
    assert [f.source.path for f in found.chain(FontRole.HEI).fonts] == [WENKAI]
