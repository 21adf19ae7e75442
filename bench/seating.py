"""Seating 1,000 people by protocol (DESIGN §5) in ≤ 50 ms.

Feature: `meetings.seating.engine.arrange` on plain dataclasses, for three halls of
about 1,000 seats built by the rooms/layouts.py generators:
- 主席台 and 台下: 30 leaders on two rostrum rows, 970 people of 40 units below,
  units in their customary order;
- the same hall by 姓氏笔画 (units and people), one empty seat between units;
- 宴请: 100 round tables of 10, hosts and guests alternating.
The target is absolute (DESIGN §10: arrangement ≤ 50 ms). For scale, the table shows a
floor that knows no protocol: the same people sorted by rank and zipped onto the seats.
No database is needed: the VAR_DIR is still a temporary one.
"""

from __future__ import annotations

from collections.abc import Callable

from bench.common import Case, Row, interleaved, main, ms, progress, ratio, setup_django

PEOPLE = 1000
UNITS = 40
REPS = 25
TARGET = 0.050
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余"
GIVEN = "建国明华秀英志强丽军伟芳敏静磊洋艳勇杰娟涛超平刚桂兰玉霞文辉红梅晓东"
UNIT_NAMES = "发展改革 教育 科技 工业信息化 公安 民政 司法 财政 人力资源 自然资源 生态环境 住房城乡建设 交通运输 水利 农业农村 商务 文化旅游 卫生健康 退役军人 应急管理 审计 市场监管 统计 医保 林业 信访 城管 供销 气象 税务 消防 邮政 电力 烟草 银行 保险 移动 联通 电信 广电"  # noqa: E501


def run() -> list[Row]:
    setup_django("seating", migrate=False)

    from meetings.seating.engine import (
        Options,
        Party,
        Person,
        PersonOrder,
        UnitOrder,
        arrange,
        precedence_key,
    )
    from rooms.layouts import (
        SeatLayout,
        Zone,
        rostrum_layout,
        round_tables_layout,
        seat_order,
    )

    units = [f"县{name}局" for name in UNIT_NAMES.split()][:UNITS]

    def name(i: int) -> str:
        return SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 3) % 31]

    def hall_people() -> list[Person]:
        people = [
            Person(
                id=f"L{i}",
                name=name(i),
                rank=i + 1,
                title="县领导",
                unit="县人民政府",
                unit_order=0,
                zone=Zone.ROSTRUM,
                chair=i == 1,
            )
            for i in range(30)
        ]
        people += [
            Person(
                id=f"P{i}",
                name=name(i + 30),
                rank=100 + i % 50,
                title="局长" if i % 25 == 0 else "科员",
                unit=units[i % UNITS],
                unit_order=i % UNITS + 1,
            )
            for i in range(PEOPLE - 30)
        ]
        return people

    def banquet_people() -> list[Person]:
        return [
            Person(
                id=f"B{i}",
                name=name(i),
                rank=i + 1,
                unit=units[i % UNITS],
                party=Party.GUEST if i % 2 else Party.HOST,
            )
            for i in range(PEOPLE)
        ]

    hall = rostrum_layout([15, 15], audience_rows=27, audience_blocks=(12, 14, 12))
    banquet = round_tables_layout(100, 10)
    strokes = Options(unit_order=UnitOrder.STROKES, person_order=PersonOrder.STROKES, unit_gap=1)
    cases: list[tuple[str, SeatLayout, list[Person], Options]] = [
        ("主席台 + 台下 by units", hall, hall_people(), Options()),
        ("主席台 + 台下 by 姓氏笔画, gaps between units", hall, hall_people(), strokes),
        ("宴请, 100 round tables of 10", banquet, banquet_people(), Options()),
    ]

    def bare(layout: SeatLayout, people: list[Person]) -> Callable[[], object]:
        def assign() -> object:
            seats = [s.id for s in seat_order(layout)]
            ranked = sorted(people, key=precedence_key)
            return dict(zip(seats, ranked, strict=False))

        return assign

    rows = []
    for label, layout, people, options in cases:
        assert len(layout.seats) >= len(people), (label, len(layout.seats))
        progress(f"seating: {label}, {REPS} times")
        arrangement = arrange(layout, people, options)  # also loads the stroke data
        assert len(arrangement.assignments) == len(people)
        times = interleaved(
            {
                "feature": Case(lambda: arrange(layout, people, options)),  # noqa: B023
                "floor": Case(bare(layout, people)),
            },
            REPS,
            warmup=2,
        )
        t_feature, t_floor = times["feature"].median, times["floor"].median
        rows.append(
            Row(
                what=f"seating: {label}",
                size=f"{len(people):,} people, {len(layout.seats):,} seats",
                median=ms(t_feature),
                floor=f"{ms(t_floor)} (sort by rank + zip)",
                ratio=ratio(t_feature / t_floor),
                target="≤ 50 ms",
                met=t_feature <= TARGET,
                notes=[f"wall clock {ms(times['feature'].wall_median)}"],
            )
        )
    return rows


if __name__ == "__main__":
    main("seating", run)
