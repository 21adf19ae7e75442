"""Fonts by role (黑体, 楷体, 宋体, 仿宋) for the PDF documents, always embedded as subsets.

DESIGN §6: reportlab's built-in CID fonts (the Unicode CID font class) are never used: they are not
embedded, and a printer or viewer without the font prints wrong glyphs for rare
characters without any warning. Every font here is a TrueType file registered as
reportlab `TTFont`, which embeds only the glyphs a document uses.

Where fonts come from, per role, in order:
1. the paths in settings (`FONT_HEI`, `FONT_KAI`, `FONT_SONG`, `FONT_FANGSONG`;
   comma-separated for a chain, `file.ttc#1` for the second font of a collection) —
   e.g. an office's licensed 方正小标宋 or 仿宋_GB2312;
2. well-known font files found in the system font folders, the role's own style first
   and then the other CJK styles as fallbacks, so that any CJK font on the machine is
   better than none.

Fonts with CFF (PostScript) outlines — Noto CJK, Source Han — are skipped with a reason:
reportlab can only subset TrueType (`glyf`) outlines. On Debian,
`apt-get install fonts-wqy-microhei fonts-lxgw-wenkai` gives two that work.

Before drawing, `FontChain.runs()` picks for each string the first font of the chain that
has every character (e.g. 王𬌗: 文泉驿微米黑 lacks 𬌗, 霞鹜文楷 has it), splits into runs
only when no single font has them all, and raises `GlyphsMissing` naming the characters
that no font has — never a blank box on a name card.

Discovery reads only each file's headers; a font is parsed and registered with reportlab
the first time a document needs it (a character, a width, its name). The fallbacks of a
chain are therefore never loaded unless some string needs them: parsing a CJK font reads
megabytes and maps tens of thousands of characters, which cost a 500-card print more
than its drawing when every role's fonts were loaded up front (bench/namecards.py).
"""

from __future__ import annotations

import fnmatch
import functools
import hashlib
import os
import re
import struct
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from reportlab import rl_config
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFError, TTFont

from core.exceptions import FontUnavailable, GlyphsMissing

INSTALL_HINT = "apt-get install fonts-wqy-microhei fonts-lxgw-wenkai"


class FontRole(StrEnum):
    """What a font is used for; documents ask for a role, never for a file."""

    HEI = "hei"
    KAI = "kai"
    SONG = "song"
    FANGSONG = "fangsong"

    @property
    def label(self) -> str:
        return _ROLE_LABELS[self]

    @property
    def setting(self) -> str:
        """Name of the setting (and environment variable) that configures this role."""
        return f"FONT_{self.name}"


_ROLE_LABELS = {
    FontRole.HEI: "黑体",
    FontRole.KAI: "楷体",
    FontRole.SONG: "宋体",
    FontRole.FANGSONG: "仿宋",
}

SYSTEM_FONT_DIRS: tuple[Path, ...] = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".fonts",
    Path.home() / ".local/share/fonts",
)


@dataclass(frozen=True)
class KnownFont:
    """A font family looked for by file name in the system font folders."""

    label: str
    patterns: tuple[str, ...]  # lower-case file-name globs, the preferred file first
    subfont: int = 0


# File names of the usual Windows / 方正 / 华文 fonts (copied onto Linux by offices that
# hold a licence) and of the free Debian packages. The free ones come last in each role,
# so an installed licensed font wins. CFF fonts are listed too, so that `manage.py fonts`
# can say why they are not used.
KNOWN_FONTS: Mapping[FontRole, tuple[KnownFont, ...]] = {
    FontRole.HEI: (
        KnownFont("方正黑体", ("fzhtk*.ttf", "fzht*.ttf")),
        KnownFont("黑体 SimHei", ("simhei.ttf",)),
        KnownFont("微软雅黑", ("msyh.ttc", "msyh.ttf")),
        KnownFont("文泉驿微米黑 (fonts-wqy-microhei)", ("wqy-microhei.ttc",)),
        KnownFont("文泉驿正黑 (fonts-wqy-zenhei)", ("wqy-zenhei.ttc",)),
        KnownFont("Droid Sans Fallback", ("droidsansfallbackfull.ttf", "droidsansfallback.ttf")),
        KnownFont("思源黑体 / Noto Sans CJK", ("notosanscjk*", "sourcehansans*")),
    ),
    FontRole.KAI: (
        KnownFont("方正楷体", ("fzktk*.ttf", "fzkt*.ttf")),
        KnownFont("楷体 KaiTi", ("simkai.ttf", "kaiti*.ttf")),
        KnownFont("华文楷体", ("stkaiti.ttf",)),
        KnownFont(
            "霞鹜文楷 (fonts-lxgw-wenkai)",
            ("lxgwwenkai-regular.ttf", "lxgwwenkai-light.ttf", "lxgwwenkai-*.ttf"),
        ),
        KnownFont("AR PL UKai (fonts-arphic-ukai)", ("ukai.ttc",)),
    ),
    FontRole.SONG: (
        KnownFont("方正小标宋", ("fzxbsjw*.ttf", "fzxbs*.ttf")),
        KnownFont("方正书宋", ("fzssk*.ttf", "fzss*.ttf")),
        KnownFont("宋体 SimSun", ("simsun.ttc", "simsun.ttf")),
        KnownFont("华文中宋 / 华文宋体", ("stzhongs.ttf", "stsong.ttf")),
        KnownFont("AR PL UMing (fonts-arphic-uming)", ("uming.ttc",)),
        KnownFont("思源宋体 / Noto Serif CJK", ("notoserifcjk*", "sourcehanserif*")),
    ),
    FontRole.FANGSONG: (
        KnownFont("仿宋_GB2312", ("fs_gb2312.ttf", "仿宋_gb2312.ttf", "fangsong_gb2312.ttf")),
        KnownFont("方正仿宋", ("fzfsk*.ttf", "fzfs*.ttf")),
        KnownFont("仿宋 FangSong", ("simfang.ttf",)),
        KnownFont("华文仿宋", ("stfangso.ttf",)),
    ),
}

# After its own style, a role falls back to the styles that look most alike (仿宋 is
# closest to 楷体, 宋体 to 仿宋), and 黑体 last: any CJK font beats no font.
FALLBACK_ORDER: Mapping[FontRole, tuple[FontRole, ...]] = {
    FontRole.HEI: (FontRole.HEI, FontRole.SONG, FontRole.KAI, FontRole.FANGSONG),
    FontRole.KAI: (FontRole.KAI, FontRole.FANGSONG, FontRole.SONG, FontRole.HEI),
    FontRole.SONG: (FontRole.SONG, FontRole.FANGSONG, FontRole.KAI, FontRole.HEI),
    FontRole.FANGSONG: (FontRole.FANGSONG, FontRole.KAI, FontRole.SONG, FontRole.HEI),
}

_FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")
# A font that lacks these is not a Chinese font (e.g. a Latin font given in FONT_HEI).
_CJK_PROBE = "会议中国"


@dataclass(frozen=True)
class FontSource:
    """One font file (and face in a collection) and where it was found."""

    path: Path
    subfont: int = 0
    origin: str = ""  # "FONT_HEI" or the known family's label

    def __str__(self) -> str:
        return (
            f"{self.path}#{self.subfont}"
            if self.path.suffix.lower() in (".ttc", ".otc")
            else str(self.path)
        )


@dataclass(frozen=True)
class SkippedFont:
    source: FontSource
    reason: str


class Font:
    """A TrueType font for reportlab, with its character map; loaded on first use.

    `sniff()` has vetted the file's headers; the file itself is parsed and registered
    with reportlab only when a character, a width or the registered name is asked for.
    A file that still fails to parse then has no characters (`error` says why), so a
    chain falls back past it as past a font that lacks them.
    """

    def __init__(self, source: FontSource, ttfont: TTFont | None = None):
        self.source = source
        self._name = ttfont.fontName if ttfont is not None else _registered_name(source)
        self._ttfont = ttfont
        self.error: str | None = None

    def _face(self) -> Any:
        if self._ttfont is None and self.error is None:
            loaded = _register(self.source)
            if isinstance(loaded, SkippedFont):
                self.error = loaded.reason
            else:
                self._ttfont = loaded
        return None if self._ttfont is None else self._ttfont.face

    @property
    def loaded(self) -> bool:
        return self._ttfont is not None

    @property
    def name(self) -> str:
        """reportlab's registered name; the font is loaded and registered first."""
        if self._face() is None:
            raise FontUnavailable(
                f"字体 {self.source} 无法使用：{self.error}",
                details={"font": str(self.source), "reason": self.error},
            )
        return self._name

    @property
    def family(self) -> str:
        face = self._face()
        return self.source.path.stem if face is None else _decode(face.familyName)

    @property
    def postscript_name(self) -> str:
        face = self._face()
        return self.source.path.stem if face is None else _decode(face.name)

    @property
    def _cmap(self) -> Mapping[int, int]:
        # The cmap (format 4 and 12 both, so characters outside the BMP too).
        face = self._face()
        return {} if face is None else face.charToGlyph

    def has(self, char: str) -> bool:
        return ord(char) in self._cmap

    @property
    def glyph_count(self) -> int:
        return len(self._cmap)

    @property
    def is_cjk(self) -> bool:
        return all(self.has(c) for c in _CJK_PROBE)

    def width(self, text: str, size: float) -> float:
        return float(pdfmetrics.stringWidth(text, self.name, size))

    def __repr__(self) -> str:
        return f"<Font {self.family} {self.source}>"

    def __eq__(self, other: object) -> bool:
        # One registered name per file and face (_registered_name): comparing never loads.
        return isinstance(other, Font) and other._name == self._name

    def __hash__(self) -> int:
        return hash(self._name)


@dataclass(frozen=True)
class Run:
    """A piece of a string drawn in one font."""

    font: Font
    text: str


def _drawable(char: str) -> bool:
    """Whether a character must come from a font (control characters never can)."""
    return unicodedata.category(char) != "Cc"


@dataclass(frozen=True)
class FontChain:
    """The fonts of one role, the preferred first; the rest are fallbacks."""

    role: FontRole
    fonts: tuple[Font, ...]

    @property
    def primary(self) -> Font:
        if not self.fonts:
            raise FontUnavailable(details={"role": self.role.value, "install": INSTALL_HINT})
        return self.fonts[0]

    def missing(self, text: str) -> list[str]:
        """Characters of `text` (each once, in order) that no font of the chain has."""
        seen: dict[str, None] = {}
        for char in text:
            if char in seen:
                continue
            if not _drawable(char) or not any(font.has(char) for font in self.fonts):
                seen[char] = None
        return list(seen)

    def check(self, text: str) -> None:
        """Raise `GlyphsMissing` naming the characters no font of the chain can draw."""
        if not self.fonts:
            raise FontUnavailable(details={"role": self.role.value, "install": INSTALL_HINT})
        missing = self.missing(text)
        if missing:
            listed = "、".join(
                f"{c}（U+{ord(c):04X}）" if _drawable(c) else f"U+{ord(c):04X}" for c in missing
            )
            raise GlyphsMissing(
                f"“{text}”中有字体无法显示的字符：{listed}。请安装包含这些字符的字体"
                f"（如 fonts-lxgw-wenkai），或在 {self.role.setting} 中指定字体文件",
                details={
                    "text": text,
                    "characters": missing,
                    "codepoints": [f"U+{ord(c):04X}" for c in missing],
                    "role": self.role.value,
                    "fonts": [font.family for font in self.fonts],
                },
            )

    def font_for(self, text: str) -> Font | None:
        """The first font of the chain that has every character of `text`, if any."""
        for font in self.fonts:
            if all(font.has(c) for c in text):
                return font
        return None

    def runs(self, text: str) -> list[Run]:
        """`text` split into runs by font, checked: one run whenever one font suffices.

        One font for the whole string keeps a name in one typeface; only when no font
        has every character do characters fall back one by one.
        """
        self.check(text)
        whole = self.font_for(text)
        if whole is not None:
            return [Run(whole, text)] if text else []
        runs: list[Run] = []
        for char in text:
            font = next(f for f in self.fonts if f.has(char))
            if runs and runs[-1].font is font:
                runs[-1] = Run(font, runs[-1].text + char)
            else:
                runs.append(Run(font, char))
        return runs

    def width(self, text: str, size: float, *, char_space: float = 0.0) -> float:
        """Visible width: the glyphs plus `char_space` between characters (not after the last)."""
        return runs_width(self.runs(text), size, char_space=char_space)


def runs_width(runs: Sequence[Run], size: float, *, char_space: float = 0.0) -> float:
    glyphs = sum(run.font.width(run.text, size) for run in runs)
    count = sum(len(run.text) for run in runs)
    return glyphs + char_space * max(count - 1, 0)


@dataclass(frozen=True)
class FontSet:
    """The outcome of font discovery: a chain per role and what was skipped, and why."""

    chains: Mapping[FontRole, FontChain]
    skipped: tuple[SkippedFont, ...] = ()
    notes: tuple[str, ...] = field(default=())

    def chain(self, role: FontRole | str) -> FontChain:
        """The role's chain; `FontUnavailable` (saying what to install) when it is empty."""
        chain = self.chains[FontRole(role)]
        if not chain.fonts:
            raise FontUnavailable(details={"role": str(role), "install": INSTALL_HINT})
        return chain

    @property
    def usable(self) -> bool:
        return any(chain.fonts for chain in self.chains.values())


# --- reading font files -------------------------------------------------------------------

_TRUETYPE_VERSIONS = (b"\x00\x01\x00\x00", b"true")


def sniff(path: Path, subfont: int = 0) -> str | None:
    """Why reportlab cannot embed this font (a reason to show staff), or None if it can.

    Reads only the headers, so scanning a font folder stays cheap. reportlab itself
    rejects CFF with "postscript outlines are not supported"; saying so up front lets
    `manage.py fonts` explain why Noto CJK, installed on many machines, is not used.
    Fonts are loaded only when first used (`Font`), so the licence flag that makes
    reportlab refuse to embed a font (fsType) is checked here too, as reportlab does.
    """
    if subfont < 0:
        return "字体编号无效（应为 文件#0、文件#1 ……）"
    try:
        with path.open("rb") as fh:
            head = fh.read(12)
            offset = 0
            if head[:4] == b"ttcf":
                (count,) = struct.unpack(">I", head[8:12])
                if subfont >= count:
                    return f"字体集只有 {count} 个字体，没有第 {subfont} 号"
                fh.seek(12 + 4 * subfont)
                (offset,) = struct.unpack(">I", fh.read(4))
            elif subfont:
                return f"不是字体集（.ttc），没有第 {subfont} 号字体"
            fh.seek(offset)
            header = fh.read(12)
            if len(header) < 12:
                return "文件不完整，无法读取"
            version = header[:4]
            (num_tables,) = struct.unpack(">H", header[4:6])
            tables: dict[bytes, int] = {}
            for _ in range(num_tables):
                entry = fh.read(16)
                if len(entry) < 16:
                    return "文件不完整，无法读取表目录"
                tables[entry[:4]] = struct.unpack(">I", entry[8:12])[0]
            fs_type = glyphs = None
            if b"OS/2" in tables and b"maxp" in tables:
                fh.seek(tables[b"OS/2"] + 8)
                fs_type_raw = fh.read(2)
                fh.seek(tables[b"maxp"] + 4)
                glyphs_raw = fh.read(2)
                if len(fs_type_raw) == 2 and len(glyphs_raw) == 2:
                    (fs_type,) = struct.unpack(">H", fs_type_raw)
                    (glyphs,) = struct.unpack(">H", glyphs_raw)
    except FileNotFoundError:
        return "文件不存在"
    except OSError as exc:
        return f"无法读取：{exc.strerror or exc}"
    tags = set(tables)
    if version == b"OTTO" or (b"glyf" not in tags and tags & {b"CFF ", b"CFF2"}):
        return (
            "CFF（PostScript）轮廓的 OpenType 字体，reportlab 只能嵌入 TrueType（glyf）"
            f"轮廓；请改用 TrueType 字体，如 {INSTALL_HINT}"
        )
    if version not in _TRUETYPE_VERSIONS:
        return "不是 TrueType 字体文件"
    if b"glyf" not in tags or b"cmap" not in tags:
        return "缺少 glyf 或 cmap 表，不是可嵌入的 TrueType 字体"
    if (
        fs_type is not None
        and glyphs is not None
        and (fs_type == 0x0002 or fs_type & 0x0300)
        and glyphs > 0xFF
        and path.name not in rl_config.allowTTFSubsetting
    ):
        # reportlab's own rule (ttfonts.TTFontFile.extractInfo), said before loading.
        return (
            "字体的授权标记（fsType）禁止嵌入："
            f"Font does not allow subsetting/embedding ({fs_type:04X})"
        )
    return None


def _decode(value: bytes | str) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return value


def _registered_name(source: FontSource) -> str:
    stem = re.sub(r"[^A-Za-z0-9]+", "-", source.path.stem).strip("-") or "font"
    digest = hashlib.sha1(str(source.path.resolve()).encode(), usedforsecurity=False).hexdigest()
    return f"huiwu-{stem}-{source.subfont}-{digest[:6]}"


# One reportlab TTFont per file and face for the whole process: pdfmetrics keeps
# registered fonts globally, and a document that uses one face through two roles must
# draw with one font object, so that its glyphs are embedded once.
_LOADED: dict[tuple[Path, int], TTFont] = {}
# Two requests printing at once must not parse and register the same file twice.
_LOADING = threading.Lock()


def _key(source: FontSource) -> tuple[Path, int]:
    path = source.path.resolve() if source.path.exists() else source.path
    return (path, source.subfont)


def _register(source: FontSource) -> TTFont | SkippedFont:
    """Parse the file and register it with reportlab (once per process), or say why not."""
    key = _key(source)
    with _LOADING:
        if key in _LOADED:
            return _LOADED[key]
        reason = sniff(source.path, source.subfont)
        if reason:
            return SkippedFont(source, reason)
        name = _registered_name(source)
        try:
            ttfont = TTFont(name, str(source.path), subfontIndex=source.subfont)
        except TTFError as exc:
            message = str(exc)
            if "subsetting/embedding" in message:
                message = f"字体的授权标记（fsType）禁止嵌入：{message}"
            return SkippedFont(source, message)
        except (OSError, ValueError, struct.error, IndexError, KeyError) as exc:
            return SkippedFont(source, f"无法解析字体文件：{exc}")
        pdfmetrics.registerFont(ttfont)
        _LOADED[key] = ttfont
        return ttfont


def load(source: FontSource) -> Font | SkippedFont:
    """Load and register the font with reportlab now, or say why it cannot be used."""
    loaded = _register(source)
    return loaded if isinstance(loaded, SkippedFont) else Font(source, loaded)


def open_font(source: FontSource) -> Font | SkippedFont:
    """The font, to be loaded when first used, or why it cannot be used (headers only)."""
    loaded = _LOADED.get(_key(source))
    if loaded is not None:
        return Font(source, loaded)
    reason = sniff(source.path, source.subfont)
    return SkippedFont(source, reason) if reason else Font(source)


def parse_configured(value: str, origin: str) -> FontSource:
    """`/path/font.ttc#1` → the second face of the collection; a plain path → face 0."""
    path, _, index = value.strip().partition("#")
    try:
        subfont = int(index) if index else 0
    except ValueError:
        subfont = -1
    return FontSource(Path(path).expanduser(), subfont, origin)


def scan(dirs: Iterable[Path]) -> list[Path]:
    """Font files below the folders, sorted so discovery does not depend on disk order."""
    found: list[Path] = []
    for root in dirs:
        if not root.is_dir():
            continue
        for folder, _subdirs, files in os.walk(root, followlinks=True):
            found.extend(Path(folder) / f for f in files if f.lower().endswith(_FONT_SUFFIXES))
    return sorted(set(found))


def _known_sources(files: Sequence[Path], role: FontRole) -> list[FontSource]:
    sources = []
    for known in KNOWN_FONTS[role]:
        # The first pattern that matches wins, so LXGWWenKai-Regular beats -Light and -Bold.
        for pattern in known.patterns:
            matches = [p for p in files if fnmatch.fnmatch(p.name.lower(), pattern)]
            if matches:
                sources.append(FontSource(matches[0], known.subfont, known.label))
                break
    return sources


def discover(
    configured: Mapping[FontRole, Sequence[str]] | None = None,
    dirs: Iterable[Path] = SYSTEM_FONT_DIRS,
) -> FontSet:
    """Find, load and register the fonts for every role (see the module docstring)."""
    configured = configured or {}
    files = scan(dirs)
    skipped: dict[tuple[Path, int], SkippedFont] = {}
    notes: list[str] = []

    def usable(sources: Iterable[FontSource]) -> list[Font]:
        fonts = []
        for source in sources:
            found = open_font(source)
            if isinstance(found, SkippedFont):
                skipped.setdefault((source.path, source.subfont), found)
            else:
                fonts.append(found)
        return fonts

    by_style = {role: usable(_known_sources(files, role)) for role in FontRole}
    chains: dict[FontRole, FontChain] = {}
    for role in FontRole:
        chosen: list[Font] = []
        for value in configured.get(role, ()):
            fonts = usable([parse_configured(value, role.setting)])
            for font in fonts:
                if not font.is_cjk:
                    notes.append(f"{role.setting}: {font.source} 不含常用汉字，仅作后备")
            chosen.extend(fonts)
        for style in FALLBACK_ORDER[role]:
            chosen.extend(by_style[style])
        unique: list[Font] = []
        for font in chosen:  # a file configured and also found is kept once, first
            if font not in unique:
                unique.append(font)
        # Configured fonts come first even when they are not CJK (the office chose them),
        # but a chain must never be led by a font without Chinese when one with it exists.
        # (The known families are Chinese fonts: checking them would load them all.)
        if configured.get(role) and unique and not unique[0].is_cjk:
            unique.sort(key=lambda f: not f.is_cjk)
        chains[role] = FontChain(role, tuple(unique))
    if not any(chain.fonts for chain in chains.values()):
        notes.append(f"没有可用的中文 TrueType 字体。请安装：{INSTALL_HINT}")
    return FontSet(chains, tuple(skipped.values()), tuple(notes))


def configured_paths() -> dict[FontRole, list[str]]:
    from django.conf import settings

    return {role: list(getattr(settings, role.setting, []) or []) for role in FontRole}


@functools.lru_cache(maxsize=4)
def _cached(configured: tuple[tuple[FontRole, tuple[str, ...]], ...]) -> FontSet:
    return discover(dict(configured))


def system_fonts() -> FontSet:
    """The fonts from settings and the system folders, discovered once per process."""
    configured = configured_paths()
    return _cached(tuple((role, tuple(paths)) for role, paths in configured.items()))


def _fix_reportlab_tounicode() -> None:
    """Make reportlab's ToUnicode maps right for characters outside the BMP (𬌗, U+2C317).

    reportlab writes each entry as `<%04X>`, i.e. `<2C317>` — five hex digits, which
    readers take as U+2C31 plus a stray nibble, so copying or searching a name like
    王𬌗 in the PDF gives 王ⰱ. A PDF ToUnicode map wants UTF-16BE (a surrogate pair).
    The glyphs were always right; only the text layer was wrong. Patched only while the
    installed reportlab still has the bug.
    """
    original = ttfonts.makeToUnicodeCMap
    if getattr(original, "_huiwu_fixed", False) or "<D870DF17>" in original("X", [0x2C317]):
        return

    def make_to_unicode_cmap(fontname: str, subset: Sequence[int]) -> str:
        cmap: str = original(fontname, subset)
        for code in subset:
            if code > 0xFFFF:
                utf16 = chr(code).encode("utf-16-be").hex().upper()
                cmap = cmap.replace(f"> <{code:04X}>\n", f"> <{utf16}>\n", 1)
        return cmap

    make_to_unicode_cmap._huiwu_fixed = True  # type: ignore[attr-defined]
    ttfonts.makeToUnicodeCMap = make_to_unicode_cmap


_fix_reportlab_tounicode()
