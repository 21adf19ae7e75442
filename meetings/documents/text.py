"""Wording shared by the printed documents: 一、二、… numbering and dates as offices write them."""

from __future__ import annotations

import datetime as dt

_DIGITS = "零一二三四五六七八九"
WEEKDAYS = "一二三四五六日"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 21 → 二十一 (1–99: agenda numbering)."""
    if not 1 <= n <= 99:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else f"{_DIGITS[tens]}十")
    return head + (_DIGITS[ones] if ones else "")


def item_number(n: int) -> str:
    """一、 二、 …: the first-level numbering of 公文 and agendas."""
    return f"{chinese_numeral(n)}、"


def sub_number(n: int) -> str:
    """（一）（二）…: the second level."""
    return f"（{chinese_numeral(n)}）"


def date_label(day: dt.date) -> str:
    """2026年12月1日 (成文日期 in Arabic numerals, GB/T 9704-2012)."""
    return f"{day.year}年{day.month}月{day.day}日"


def weekday_label(day: dt.date) -> str:
    return f"星期{WEEKDAYS[day.weekday()]}"


def period_label(value: dt.datetime) -> str:
    """上午 / 下午 / 晚上 for a local time (noon belongs to the afternoon)."""
    if value.hour < 12:
        return "上午"
    if value.hour < 18:
        return "下午"
    return "晚上"


def clock(value: dt.datetime) -> str:
    """9:00, 14:30: no leading zero, as printed in notices."""
    return f"{value.hour}:{value.minute:02d}"


def when_label(start: dt.datetime, end: dt.datetime | None = None) -> str:
    """2026年12月1日（星期二）上午9:00 [–11:30], local times expected."""
    day = start.date()
    text = f"{date_label(day)}（{weekday_label(day)}）{period_label(start)}{clock(start)}"
    if end is not None:
        if end.date() == start.date():
            text += f"–{clock(end)}"
        else:
            text += f" 至 {date_label(end.date())} {clock(end)}"
    return text
