"""Reading ids from query strings and form posts, where anything may arrive."""

from __future__ import annotations

from core.schemas import MAX_ID


def parse_id(raw: object) -> int | None:
    """A positive database id from text, or None — never an exception.

    `str.isdigit()` alone is not enough: it is true for "²" and "١", which int() rejects
    or reads as another number, and a 30-digit id overflows the database's integer.
    """
    if not isinstance(raw, str) or not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
