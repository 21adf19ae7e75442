"""Recurrence rules: what is accepted, what is refused with which message, bounded work."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from core.exceptions import InvalidInput
from core.timeutil import at_local
from meetings.recurrence import parse_rrule, plan_occurrences

START = at_local(dt.date(2026, 12, 7), dt.time(9))
HOUR = dt.timedelta(hours=1)


def plan(text: str, **kw):
    return plan_occurrences(
        rule=parse_rrule(text),
        first_start=kw.pop("start", START),
        duration=HOUR,
        skip_holidays=kw.pop("skip_holidays", True),
        include_adjusted_workdays=False,
        **kw,
    )


@pytest.mark.parametrize(
    ("text", "normal"),
    [
        ("FREQ=WEEKLY;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO"),
        ("RRULE:freq=weekly;byday=mo,we;count=10", "FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10"),
        ("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR;", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR"),
        ("FREQ=MONTHLY;BYDAY=1MO", "FREQ=MONTHLY;BYDAY=1MO"),
        ("FREQ=MONTHLY;BYDAY=-1FR", "FREQ=MONTHLY;BYDAY=-1FR"),
        ("FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=MONTHLY;BYMONTHDAY=15"),
        ("FREQ=DAILY;UNTIL=20261231", "FREQ=DAILY;UNTIL=20261231T155959Z"),
        ("FREQ=DAILY;UNTIL=20261231T010000Z", "FREQ=DAILY;UNTIL=20261231T010000Z"),
    ],
)
def test_it_accepts_and_normalises_office_rules(text, normal):
    assert parse_rrule(text).as_string() == normal


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "请填写重复规则"),
        ("FREQ=SECONDLY", "不支持按小时、分钟或秒"),
        ("FREQ=MINUTELY;COUNT=5", "不支持按小时、分钟或秒"),
        ("FREQ=HOURLY", "不支持按小时、分钟或秒"),
        ("FREQ=YEARLY", "不支持的重复频率"),
        ("FREQ=FORTNIGHTLY", "不支持的重复频率"),
        ("BYDAY=MO", "缺少 FREQ"),
        ("FREQ=WEEKLY;COUNT=0", "COUNT 须在 1–200 之间"),
        ("FREQ=WEEKLY;COUNT=-3", "COUNT 须在 1–200 之间"),
        ("FREQ=WEEKLY;COUNT=abc", "COUNT 必须是整数"),
        ("FREQ=DAILY;COUNT=100000", "COUNT"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY 中的“XX”无法识别"),
        ("FREQ=WEEKLY;BYDAY=MO,,TU", "BYDAY 中的“”无法识别"),
        ("FREQ=WEEKLY;BYDAY=MONDAY", "无法识别"),
        ("FREQ=WEEKLY;BYDAY=1MO", "只能用于按月重复"),
        ("FREQ=MONTHLY;BYDAY=9MO", "序数须在 1–5"),
        ("FREQ=WEEKLY;BYMONTHDAY=3", "BYMONTHDAY 只能用于按月"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY 须在"),
        ("FREQ=MONTHLY;BYMONTHDAY=32", "BYMONTHDAY 须在"),
        ("FREQ=MONTHLY;BYMONTHDAY=1;BYDAY=MO", "不能同时使用"),
        ("FREQ=WEEKLY;UNTIL=20261231;COUNT=3", "只能选一个"),
        ("FREQ=WEEKLY;UNTIL=tomorrow", "UNTIL 格式"),
        ("FREQ=WEEKLY;UNTIL=20261340", "不是有效的日期"),
        ("FREQ=WEEKLY;FREQ=DAILY", "出现了两次"),
        ("FREQ=WEEKLY;BYSETPOS=1", "不支持的重复规则项：BYSETPOS"),
        ("FREQ=WEEKLY;BYHOUR=9", "不支持的重复规则项：BYHOUR"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL 须在"),
        ("FREQ=WEEKLY;INTERVAL=1000", "INTERVAL 须在"),
        ("FREQ=WEEKLY;WKST=XY", "WKST"),
        ("FREQ", "应为 名称=值"),
        ("FREQ=", "没有值"),
        ("X" * 501, "不能超过 500 个字符"),
        ("FREQ=WEEKLY;\x00=1", "不支持的重复规则项"),
    ],
)
def test_it_refuses_bad_rules_with_a_message_naming_the_part(text, words):
    with pytest.raises(InvalidInput) as err:
        parse_rrule(text)
    assert words in err.value.message
    assert err.value.details["errors"][0]["field"] == "rrule"


def test_an_until_fifty_years_ahead_is_refused():
    with pytest.raises(InvalidInput) as err:
        plan("FREQ=WEEKLY;BYDAY=MO;UNTIL=20761231")
    assert "超出系列期限" in err.value.message and "366" in err.value.message


def test_a_count_beyond_the_horizon_is_refused():
    with pytest.raises(InvalidInput) as err:
        plan("FREQ=MONTHLY;BYMONTHDAY=7;COUNT=24")
    assert "超出系列期限" in err.value.message


def test_more_occurrences_than_the_cap_with_an_until_are_refused():
    with pytest.raises(InvalidInput) as err:
        plan("FREQ=DAILY;UNTIL=20271201")
    assert "超过 200 次" in err.value.message


def test_a_rule_without_an_end_is_bounded_by_the_horizon_and_the_cap(settings):
    weekly = plan("FREQ=WEEKLY;BYDAY=MO", skip_holidays=False)
    assert weekly.truncated and len(weekly.occurrences) == 53
    assert weekly.occurrences[-1].start <= START + dt.timedelta(days=366)
    daily = plan("FREQ=DAILY", skip_holidays=False)
    assert daily.truncated and len(daily.occurrences) == 200
    settings.SERIES_MAX_OCCURRENCES = 10
    assert len(plan("FREQ=DAILY", skip_holidays=False).occurrences) == 10


def test_a_rule_that_never_matches_ends_quickly():
    # 31 February never comes: the horizon, not the year 9999, bounds the search.
    began = time.perf_counter()
    result = plan(
        "FREQ=MONTHLY;INTERVAL=12;BYMONTHDAY=31", start=at_local(dt.date(2027, 2, 1), dt.time(9))
    )
    assert result.occurrences == [] and time.perf_counter() - began < 2


def test_labels_read_as_staff_say_them():
    assert parse_rrule("FREQ=WEEKLY;BYDAY=MO,WE").label() == "每周一、三"
    assert parse_rrule("FREQ=WEEKLY;INTERVAL=2;BYDAY=FR").label() == "每2周的周五"
    assert parse_rrule("FREQ=MONTHLY;BYDAY=1MO").label() == "每月第1个周一"
    assert parse_rrule("FREQ=MONTHLY;BYDAY=-1FR").label() == "每月最后一个周五"
    assert parse_rrule("FREQ=MONTHLY;BYMONTHDAY=15").label() == "每月15日"
    assert parse_rrule("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR").label() == "每个工作日（周一至周五）"
    assert parse_rrule("FREQ=DAILY").label() == "每天"
