"""Recurrence rules of 系列会议: parse and check an RRULE, expand it into occurrences.

Pure functions, no database: meetings/series.py books what `plan_occurrences` returns.

Only what an office means by "recurring" is accepted (DESIGN §4): FREQ=DAILY, WEEKLY or
MONTHLY, INTERVAL, BYDAY (with an ordinal such as 1MO or -1FR for monthly rules),
BYMONTHDAY, WKST, and UNTIL or COUNT. Everything else — HOURLY and finer, BYSETPOS,
BYHOUR … — is refused with a message naming the part, so a typo never expands into
thousands of meetings, and the work is bounded by the horizon and the occurrence cap
whatever the rule says.

A rule without UNTIL or COUNT is accepted and stops at the horizon (SERIES_HORIZON_DAYS
after the first occurrence, at most SERIES_MAX_OCCURRENCES meetings): a weekly 常务会议
"every Monday" is the most common series there is. An explicit end beyond the horizon,
or more occurrences than the cap, is refused rather than silently cut.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from dateutil import rrule as du  # type: ignore[import-untyped, unused-ignore]
from django.conf import settings

from core.exceptions import InvalidInput
from core.timeutil import at_local, local_tz, localtime
from core.workdays import adjusted_workday_for, is_official_holiday

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
WEEKDAY_LABELS = ("一", "二", "三", "四", "五", "六", "日")
FREQS = {"DAILY": du.DAILY, "WEEKLY": du.WEEKLY, "MONTHLY": du.MONTHLY}
_TOO_FINE = ("SECONDLY", "MINUTELY", "HOURLY")
MAX_INTERVAL = 99
MAX_RULE_LENGTH = 500
_PARTS = ("FREQ", "INTERVAL", "BYDAY", "BYMONTHDAY", "UNTIL", "COUNT", "WKST")
_BYDAY = re.compile(r"([+-]?)(\d{1,2})?(MO|TU|WE|TH|FR|SA|SU)")
_UNTIL = re.compile(r"(\d{8})(?:T(\d{6})(Z?))?")

FIELD = "rrule"


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, field=FIELD)


def max_occurrences() -> int:
    return int(settings.SERIES_MAX_OCCURRENCES)


def horizon_days() -> int:
    return int(settings.SERIES_HORIZON_DAYS)


@dataclass(frozen=True)
class Rule:
    """A checked RRULE. `until` is aware (inclusive); at most one of until and count."""

    freq: str
    interval: int = 1
    byday: tuple[tuple[int, int | None], ...] = ()  # (weekday 0=Monday, ordinal or None)
    bymonthday: tuple[int, ...] = ()
    until: dt.datetime | None = None
    count: int | None = None
    wkst: int = 0

    def as_string(self) -> str:
        """The rule in RFC 5545 syntax; UNTIL in UTC, as RFC 5545 wants with a TZID start."""
        parts = [f"FREQ={self.freq}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.byday:
            parts.append(
                "BYDAY=" + ",".join(f"{n if n else ''}{WEEKDAYS[d]}" for d, n in sorted(self.byday))
            )
        if self.bymonthday:
            parts.append("BYMONTHDAY=" + ",".join(str(d) for d in self.bymonthday))
        if self.wkst:
            parts.append(f"WKST={WEEKDAYS[self.wkst]}")
        if self.until is not None:
            parts.append(f"UNTIL={self.until.astimezone(dt.UTC):%Y%m%dT%H%M%SZ}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        return ";".join(parts)

    def with_end(self, *, until: dt.datetime | None = None, count: int | None = None) -> Rule:
        return replace(self, until=until, count=count)

    @property
    def has_end(self) -> bool:
        return self.until is not None or self.count is not None

    def label(self) -> str:
        """ "每周一、三", "每2周的周五", "每月第1个周一", "每月15日", "每个工作日", for people."""
        n = self.interval
        days = sorted(self.byday)
        if self.freq == "DAILY":
            base = "每天" if n == 1 else f"每{n}天"
            if not days:
                return base
            if [d for d, _ in days] == [0, 1, 2, 3, 4]:
                return "每个工作日（周一至周五）" if n == 1 else f"{base}（周一至周五）"
            return f"{base}（周{'、'.join(WEEKDAY_LABELS[d] for d, _ in days)}）"
        if self.freq == "WEEKLY":
            names = "、".join(WEEKDAY_LABELS[d] for d, _ in days)
            if n == 1:
                return f"每周{names}"
            return f"每{n}周的周{names}" if names else f"每{n}周"
        base = "每月" if n == 1 else f"每{n}个月"
        if days:
            return base + "、".join(_nth(d, k) for d, k in days)
        if self.bymonthday:
            return base + "、".join("最后一天" if d == -1 else f"{d}日" for d in self.bymonthday)
        return base


def _nth(weekday: int, ordinal: int | None) -> str:
    name = f"周{WEEKDAY_LABELS[weekday]}"
    if not ordinal:
        return name
    return f"最后一个{name}" if ordinal == -1 else f"第{ordinal}个{name}"


def parse_rrule(text: str) -> Rule:
    """Check an RRULE ("FREQ=WEEKLY;BYDAY=MO;COUNT=10", with or without "RRULE:").

    Raises InvalidInput (422, field "rrule") with a message naming the offending part.
    UNTIL without Z is office local time; a bare date means the whole of that day.
    """
    if not isinstance(text, str) or not text.strip():
        raise _refuse("请填写重复规则（如 FREQ=WEEKLY;BYDAY=MO）")
    if len(text) > MAX_RULE_LENGTH:
        raise _refuse(f"重复规则不能超过 {MAX_RULE_LENGTH} 个字符")
    body = text.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    values: dict[str, str] = {}
    for raw in body.split(";"):
        if not raw.strip():
            continue
        if "=" not in raw:
            raise _refuse(f"重复规则格式不正确：“{raw.strip()[:40]}”应为 名称=值")
        key, value = (p.strip() for p in raw.split("=", 1))
        key = key.upper()
        if key not in _PARTS:
            raise _refuse(
                f"不支持的重复规则项：{key[:40]}（可用：{', '.join(_PARTS)}）"
                if key
                else "重复规则格式不正确"
            )
        if key in values:
            raise _refuse(f"重复规则项 {key} 出现了两次")
        if not value:
            raise _refuse(f"重复规则项 {key} 没有值")
        values[key] = value.upper()

    freq = values.get("FREQ")
    if freq is None:
        raise _refuse("重复规则缺少 FREQ（DAILY、WEEKLY 或 MONTHLY）")
    if freq in _TOO_FINE:
        raise _refuse("不支持按小时、分钟或秒重复：会议系列最小按天重复（FREQ=DAILY）")
    if freq not in FREQS:
        raise _refuse(f"不支持的重复频率：{freq[:20]}（可用：DAILY、WEEKLY、MONTHLY）")

    interval = _int(values.get("INTERVAL", "1"), "INTERVAL", 1, MAX_INTERVAL)
    count = _int(values["COUNT"], "COUNT", 1, max_occurrences()) if "COUNT" in values else None
    until = _until(values["UNTIL"]) if "UNTIL" in values else None
    if count is not None and until is not None:
        raise _refuse("UNTIL 与 COUNT 只能选一个（截止日期或次数）")
    byday = _byday(values["BYDAY"], freq) if "BYDAY" in values else ()
    bymonthday = _bymonthday(values["BYMONTHDAY"], freq) if "BYMONTHDAY" in values else ()
    if byday and bymonthday:
        raise _refuse("BYDAY 与 BYMONTHDAY 不能同时使用：请按日期或按星期之一重复")
    wkst = 0
    if "WKST" in values:
        if values["WKST"] not in WEEKDAYS:
            raise _refuse(f"WKST 只能是 {', '.join(WEEKDAYS)}")
        wkst = WEEKDAYS.index(values["WKST"])
    return Rule(
        freq=freq,
        interval=interval,
        byday=byday,
        bymonthday=bymonthday,
        until=until,
        count=count,
        wkst=wkst,
    )


def _int(raw: str, name: str, lo: int, hi: int) -> int:
    if not re.fullmatch(r"[+-]?\d{1,6}", raw):
        raise _refuse(f"{name} 必须是整数")
    value = int(raw)
    if not lo <= value <= hi:
        raise _refuse(f"{name} 须在 {lo}–{hi} 之间")
    return value


def _until(raw: str) -> dt.datetime:
    m = _UNTIL.fullmatch(raw)
    if m is None:
        raise _refuse("UNTIL 格式应为 20261231 或 20261231T235959Z")
    try:
        # Only the date and the clock are read here; the zone is decided below.
        day = dt.datetime.strptime(m.group(1), "%Y%m%d").date()  # noqa: DTZ007
        clock = dt.datetime.strptime(m.group(2), "%H%M%S").time() if m.group(2) else None  # noqa: DTZ007
    except ValueError:
        raise _refuse(f"UNTIL 不是有效的日期：{raw[:20]}") from None
    if not 2000 <= day.year <= 2100:
        raise _refuse("UNTIL 须在 2000–2100 年之间")
    if clock is None:
        # A date: the whole of that day, in office time.
        return at_local(day, dt.time(23, 59, 59))
    if m.group(3):
        return dt.datetime.combine(day, clock, tzinfo=dt.UTC).astimezone(local_tz())
    return at_local(day, clock)


def _byday(raw: str, freq: str) -> tuple[tuple[int, int | None], ...]:
    out: list[tuple[int, int | None]] = []
    for item in raw.split(","):
        m = _BYDAY.fullmatch(item.strip())
        if m is None:
            raise _refuse(
                f"BYDAY 中的“{item.strip()[:20]}”无法识别（应为 MO、TU … SU，如 BYDAY=MO,WE）"
            )
        sign, digits, code = m.groups()
        ordinal: int | None = None
        if digits is not None:
            if freq != "MONTHLY":
                raise _refuse("BYDAY 的序数（如 1MO、-1FR）只能用于按月重复（FREQ=MONTHLY）")
            ordinal = int(digits) * (-1 if sign == "-" else 1)
            if not 1 <= abs(ordinal) <= 5:
                raise _refuse("BYDAY 的序数须在 1–5 或 -1–-5 之间（如 2TU：第二个星期二）")
        elif sign:
            raise _refuse(f"BYDAY 中的“{item.strip()[:20]}”无法识别")
        entry = (WEEKDAYS.index(code), ordinal)
        if entry not in out:
            out.append(entry)
    return tuple(sorted(out, key=lambda e: (e[0], e[1] or 0)))


def _bymonthday(raw: str, freq: str) -> tuple[int, ...]:
    if freq != "MONTHLY":
        raise _refuse("BYMONTHDAY 只能用于按月重复（FREQ=MONTHLY）")
    days: list[int] = []
    for item in raw.split(","):
        value = _int(item.strip(), "BYMONTHDAY", -31, 31)
        if value == 0:
            raise _refuse("BYMONTHDAY 须在 1–31 或 -1–-31 之间")
        if value not in days:
            days.append(value)
    return tuple(days)


# --- expansion ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Occurrence:
    """One date of the series: where the rule puts it and where it is held.

    `key` (the local date of the rule's instance) identifies an occurrence within its
    series; `recurrence_id` is the instance's start by the rule. A meeting skipped for a
    public holiday has `skipped` set; one moved to a 调休 workday has `start` on that day
    and `adjusted` True.
    """

    key: dt.date
    recurrence_id: dt.datetime
    start: dt.datetime
    end: dt.datetime
    adjusted: bool = False
    skipped: str = ""


@dataclass
class Plan:
    """What a rule yields from a first start: occurrences to hold and holiday skips."""

    occurrences: list[Occurrence] = field(default_factory=list)
    holidays: list[Occurrence] = field(default_factory=list)
    truncated: bool = False
    last: dt.datetime | None = None  # the last instance of the rule (held or skipped)

    @property
    def all(self) -> list[Occurrence]:
        return sorted([*self.occurrences, *self.holidays], key=lambda o: o.key)


def _naive(value: dt.datetime) -> dt.datetime:
    return localtime(value).replace(tzinfo=None)


def _instances(rule: Rule, first: dt.datetime, stop: dt.datetime) -> Iterator[dt.datetime]:
    """Instances from `first` up to `stop` (both aware), in wall-clock office time.

    COUNT is applied by the caller, never passed to dateutil together with a bound
    (dateutil deprecates count with until); `stop` always bounds the iteration, so a
    rule that matches nothing (BYMONTHDAY=31 with INTERVAL=2 …) ends at the horizon.
    """
    kwargs: dict[str, object] = {
        "dtstart": _naive(first),
        "interval": rule.interval,
        "wkst": rule.wkst,
        "until": _naive(min(stop, rule.until) if rule.until is not None else stop),
    }
    if rule.byday:
        kwargs["byweekday"] = [du.weekdays[d](n) if n else du.weekdays[d] for d, n in rule.byday]
    if rule.bymonthday:
        kwargs["bymonthday"] = list(rule.bymonthday)
    tz = local_tz()
    for naive in du.rrule(FREQS[rule.freq], **kwargs):
        yield naive.replace(tzinfo=tz)


def plan_occurrences(
    *,
    rule: Rule,
    first_start: dt.datetime,
    duration: dt.timedelta,
    skip_holidays: bool,
    include_adjusted_workdays: bool,
    strict: bool = True,
) -> Plan:
    """The occurrences of `rule` from `first_start`, within the horizon and the cap.

    `strict`: refuse (422) an explicit end beyond the horizon or more than the cap; a
    rule without an end stops quietly at either (`truncated`). Holidays count towards
    COUNT, as in RFC 5545 (EXDATEs do): "10 weeks" stays 10 weeks.
    """
    horizon_end = first_start + dt.timedelta(days=horizon_days())
    cap = max_occurrences()
    if strict and rule.until is not None and rule.until > horizon_end:
        raise _refuse(
            f"截止日期超出系列期限：系列最长 {horizon_days()} 天"
            f"（至 {localtime(horizon_end):%Y-%m-%d}）"
        )
    plan = Plan()
    instances: list[dt.datetime] = []
    # One beyond the cap (or the count) is enough to know it is exceeded: bounded work.
    wanted = (rule.count if rule.count is not None else cap) + 1
    for start in _instances(rule, first_start, horizon_end):
        instances.append(start)
        if len(instances) >= wanted:
            break
    if rule.count is not None:
        if len(instances) < rule.count and strict:
            raise _refuse(
                f"按此规则 {rule.count} 次会超出系列期限（{horizon_days()} 天），请减少次数"
            )
        instances = instances[: rule.count]
    elif len(instances) > cap:
        if strict and rule.until is not None:
            raise _refuse(f"按此规则会产生超过 {cap} 次会议，请缩短截止日期或改用次数")
        instances = instances[:cap]
        plan.truncated = True
    elif rule.until is None:
        plan.truncated = True  # stopped at the horizon
    plan.last = instances[-1] if instances else None

    rule_days = {localtime(s).date() for s in instances}
    taken: set[dt.date] = set(rule_days)
    for start in instances:
        day = localtime(start).date()
        if skip_holidays and is_official_holiday(day):
            moved = adjusted_workday_for(day) if include_adjusted_workdays else None
            if (
                moved is not None
                and moved not in taken
                and moved >= localtime(first_start).date()
                and at_local(moved, dt.time.min) < horizon_end
            ):
                taken.add(moved)
                held = at_local(moved, localtime(start).time())
                plan.occurrences.append(
                    Occurrence(day, start, held, held + duration, adjusted=True)
                )
            else:
                plan.holidays.append(
                    Occurrence(day, start, start, start + duration, skipped="holiday")
                )
            continue
        plan.occurrences.append(Occurrence(day, start, start, start + duration))
    plan.occurrences.sort(key=lambda o: o.start)
    return plan
