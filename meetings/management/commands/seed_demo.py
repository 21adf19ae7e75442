"""`manage.py seed_demo`: a believable county government to try the system with.

Units in their customary order, county leaders with ranks, department heads, six rooms
(视频会议室 with a VC terminal), an MCU pool of five numbers (8001–8005), the five demo
accounts, and a week of meetings in the current and the next week, so the room board and
the leaders' schedules are full at once. Each week's teleconference is a provincial or
municipal 分会场, and the county's own video 调度会 has a pool number. Meetings go through
`meetings.services` with the real clock, like any booking: the rules, audit log and
notifications all run. Days off (weekends, official holidays) get no meetings, and
the 调休 Saturdays do — the schedule is laid on the working days of each week.

Skips everything when the database already holds units, rooms, VC resources or meetings:
demo data must never mix into a real installation, and running it twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from core.exceptions import DomainError
from core.models import Person, Unit
from core.roles import Role as UserRole
from core.timeutil import at_local, localtime
from core.workdays import is_workday
from meetings.agenda import agenda_item_add, notice_save
from meetings.attendees import rsvp_answer
from meetings.models import BranchLevel, Confidentiality, Kind, Meeting, Role, Rsvp, Status
from meetings.seating.services import seating_arrange
from meetings.services import AttendeeSpec, meeting_approve, meeting_create
from meetings.vc_providers import VcRequest
from rooms.models import Equipment, Layout, Room, RoomLayout, VcKind, VcResource

# Printed by `make run` and in the README: these accounts are for trying the system.
DEMO_PASSWORD = "huiwu-demo"  # noqa: S105

# username, role, who the account belongs to (a person's name, or "" for none)
DEMO_USERS: list[tuple[str, UserRole, str]] = [
    ("admin", UserRole.ADMIN, ""),
    ("approver", UserRole.APPROVER, "郑晓东"),
    ("staff", UserRole.STAFF, "林晓燕"),
    ("leader", UserRole.LEADER, "张建国"),
    ("secretary", UserRole.SECRETARY, "马骏"),
]

LEADERS_UNIT = "县人民政府"
OFFICE = "县政府办公室"

# Customary order of a county government's units (政府办 first, townships last).
UNITS: list[tuple[str, str]] = [
    (LEADERS_UNIT, "县政府"),
    (OFFICE, "政府办"),
    ("发展和改革局", "发改局"),
    ("教育局", "教育局"),
    ("科学技术和工业信息化局", "科工信局"),
    ("公安局", "公安局"),
    ("民政局", "民政局"),
    ("司法局", "司法局"),
    ("财政局", "财政局"),
    ("人力资源和社会保障局", "人社局"),
    ("自然资源局", "自然资源局"),
    ("生态环境分局", "生态环境分局"),
    ("住房和城乡建设局", "住建局"),
    ("交通运输局", "交通局"),
    ("水利局", "水利局"),
    ("农业农村局", "农业农村局"),
    ("商务局", "商务局"),
    ("文化和旅游局", "文旅局"),
    ("卫生健康局", "卫健局"),
    ("退役军人事务局", "退役军人局"),
    ("应急管理局", "应急局"),
    ("审计局", "审计局"),
    ("市场监督管理局", "市场监管局"),
    ("统计局", "统计局"),
    ("城关镇", "城关镇"),
    ("青石镇", "青石镇"),
    ("柳河乡", "柳河乡"),
]

# name, 职务, unit, rank (排序号), county leader?
PEOPLE: list[tuple[str, str, str, int, bool]] = [
    ("张建国", "县长", LEADERS_UNIT, 1, True),
    ("李卫东", "常务副县长", LEADERS_UNIT, 2, True),
    ("王海燕", "副县长", LEADERS_UNIT, 3, True),
    ("刘志刚", "副县长、县公安局局长", LEADERS_UNIT, 4, True),
    ("陈立新", "副县长", LEADERS_UNIT, 5, True),
    ("杨晓红", "副县长", LEADERS_UNIT, 6, True),
    ("赵永平", "副县长", LEADERS_UNIT, 7, True),
    ("孙国强", "县政府党组成员", LEADERS_UNIT, 8, True),
    ("周文斌", "县政府党组成员", LEADERS_UNIT, 9, True),
    ("郑晓东", "县政府办公室主任", OFFICE, 20, False),
    ("黄立新", "县政府办公室副主任", OFFICE, 21, False),
    ("何婷", "县政府办公室副主任", OFFICE, 22, False),
    ("林晓燕", "县政府办公室会务科科长", OFFICE, 30, False),
    ("马骏", "县政府办公室秘书（县长秘书）", OFFICE, 31, False),
]

# Department heads: unit, name, 职务 — ranked after the office in unit order.
HEADS: list[tuple[str, str, str]] = [
    ("发展和改革局", "吴志明", "局长"),
    ("教育局", "徐丽萍", "局长"),
    ("科学技术和工业信息化局", "朱建军", "局长"),
    ("公安局", "胡永强", "政委"),
    ("民政局", "郭春梅", "局长"),
    ("司法局", "高建华", "局长"),
    ("财政局", "林国栋", "局长"),
    ("人力资源和社会保障局", "罗少华", "局长"),
    ("自然资源局", "梁文军", "局长"),
    ("生态环境分局", "宋德明", "分局局长"),
    ("住房和城乡建设局", "谢志勇", "局长"),
    ("交通运输局", "韩宝山", "局长"),
    ("水利局", "唐建平", "局长"),
    ("农业农村局", "冯玉兰", "局长"),
    ("商务局", "于洪涛", "局长"),
    ("文化和旅游局", "董晓梅", "局长"),
    ("卫生健康局", "程振宇", "局长"),
    ("退役军人事务局", "曹金龙", "局长"),
    ("应急管理局", "袁国华", "局长"),
    ("审计局", "邓秀兰", "局长"),
    ("市场监督管理局", "许文涛", "局长"),
    ("统计局", "傅明亮", "局长"),
    ("城关镇", "沈家豪", "镇长"),
    ("青石镇", "曾凡军", "镇长"),
    ("柳河乡", "彭丽娜", "乡长"),
]

EQUIPMENT: list[tuple[str, str]] = [
    ("projector", "投影仪"),
    ("microphone", "话筒"),
    ("vc_terminal", "视频会议终端"),
    ("led_screen", "LED屏"),
]


@dataclass(frozen=True)
class RoomSpec:
    name: str
    building: str
    floor: str
    capacity: int
    layout: str
    equipment: tuple[str, ...] = ()
    needs_approval: bool = False
    setup: int = 15
    teardown: int = 15
    notes: str = ""


ROOMS: list[RoomSpec] = [
    RoomSpec(
        "第一会议室",
        "县政府办公楼",
        "3",
        60,
        Layout.ROSTRUM,
        ("projector", "microphone", "led_screen"),
    ),
    RoomSpec(
        "常务会议室",
        "县政府办公楼",
        "5",
        30,
        Layout.LONG_TABLE,
        ("projector", "microphone"),
        needs_approval=True,
        notes="县政府常务会议、县长办公会议专用，预订需办公室审批",
    ),
    RoomSpec(
        "视频会议室",
        "县政府办公楼",
        "4",
        40,
        Layout.CLASSROOM,
        ("vc_terminal", "microphone", "led_screen", "projector"),
        setup=30,
        notes="省、市电视电话会议分会场",
    ),
    RoomSpec("接待室", "县政府办公楼", "2", 12, Layout.RECEPTION, ("microphone",)),
    RoomSpec("第二会议室", "县政府办公楼", "3", 20, Layout.LONG_TABLE, ("projector",)),
    RoomSpec(
        "多功能厅",
        "县行政中心",
        "1",
        200,
        Layout.ROSTRUM,
        ("projector", "microphone", "led_screen"),
        setup=30,
        teardown=30,
    ),
]


# The office MCU's virtual meeting rooms: number, password, 最大方数 (parties).
VC_POOL: list[tuple[str, str, int]] = [
    ("8001", "260101", 32),
    ("8002", "260102", 32),
    ("8003", "260103", 16),
    ("8004", "260104", 16),
    ("8005", "260105", 8),
]
# Rooms with a VC terminal, which makes them usable as a 分会场: room, terminal name, number.
VC_TERMINALS: list[tuple[str, str, str]] = [("视频会议室", "视频会议室终端", "7101")]

# Seat layouts (rooms.layouts params): room, layout name, kind, params; the first of a
# room is its default. Meetings in these rooms are seated by protocol when seeded.
ROOM_LAYOUTS: list[tuple[str, str, str, dict[str, Any]]] = [
    (
        "第一会议室",
        "主席台两排+台下",
        Layout.ROSTRUM,
        {
            "rostrum_rows": [7, 9],
            "audience_rows": 3,
            "audience_blocks": [4, 8, 4],
            "lectern": "left",
        },
    ),
    ("常务会议室", "U形（常务会议）", Layout.U_SHAPE, {"head": 5, "arm": 12}),
    ("常务会议室", "长条桌（会谈）", Layout.LONG_TABLE, {"per_side": 12}),
    ("视频会议室", "课桌式", Layout.CLASSROOM, {"rows": 5, "blocks": [4, 4]}),
    ("接待室", "会见（沙发）", Layout.RECEPTION, {"per_side": 5}),
    (
        "多功能厅",
        "主席台+台下三区",
        Layout.ROSTRUM,
        {
            "rostrum_rows": [9, 11],
            "audience_rows": 12,
            "audience_blocks": [4, 8, 4],
            "lectern": "right",
        },
    ),
    ("多功能厅", "课桌式（培训）", Layout.CLASSROOM, {"rows": 14, "blocks": [5, 5, 5]}),
]


@dataclass(frozen=True)
class MeetingPlan:
    """One meeting of the demo week; `day` indexes the week's working days (0 = first)."""

    day: int
    start: str
    end: str
    title: str
    kind: str
    room: str | None
    chair: str | None = None
    attend: tuple[str, ...] = ()
    sit_in: tuple[str, ...] = ()
    staff: tuple[str, ...] = ()
    place: str = ""
    confidential: bool = False
    approve: bool = True  # a request to a room that needs approval is then approved
    setup: int | None = None
    expected: int | None = None
    description: str = ""
    branch_of: str = ""  # 分会场 of a superior teleconference
    vc: VcRequest | None = None


LEADERS = ("张建国", "李卫东", "王海燕", "刘志刚", "陈立新", "杨晓红", "赵永平", "孙国强", "周文斌")


def week_plan(week: int, monday: dt.date) -> list[MeetingPlan]:
    """The demo programme of one week; `week` 0 is the current one, 1 the next."""
    iso_week = monday.isocalendar().week
    budget_year = monday.year + 1
    visit = ["张建国县长会见省农业农村厅调研组", "张建国县长会见华联集团投资考察团"][week]
    visit_head = ["冯玉兰", "于洪涛"][week]
    vc = ["全省安全生产电视电话会议", "全市经济运行调度电视电话会议"][week]
    return [
        MeetingPlan(
            0,
            "09:00",
            "11:30",
            f"县政府第{iso_week}次常务会议",
            Kind.EXECUTIVE,
            "常务会议室",
            chair="张建国",
            attend=LEADERS[1:],
            sit_in=("郑晓东", "吴志明", "林国栋", "梁文军", "谢志勇"),
            staff=("林晓燕",),
            description="议题：一、听取全县重点项目建设进展情况汇报；二、研究城区供热价格调整事宜；三、其他事项。",
        ),
        MeetingPlan(
            0,
            "15:00",
            "16:30",
            "研究城区老旧小区改造工作专题会议",
            Kind.TOPIC,
            "第二会议室",
            chair="陈立新",
            attend=("谢志勇", "林国栋", "梁文军", "沈家豪"),
        ),
        MeetingPlan(
            1,
            "09:30",
            "10:30",
            visit,
            Kind.COURTESY_CALL,
            "接待室",
            chair="张建国",
            attend=(visit_head,),
            staff=("黄立新",),
        ),
        MeetingPlan(
            1,
            "15:00",
            "17:00",
            vc,
            Kind.TELECONFERENCE,
            "视频会议室",
            chair="李卫东",
            attend=("刘志刚", "袁国华", "韩宝山", "谢志勇", "许文涛", "胡永强"),
            staff=("何婷",),
            # 分会场: the room is held from 13:30 (布场) and 14:00 (联调, 60 minutes).
            branch_of=[BranchLevel.PROVINCIAL, BranchLevel.MUNICIPAL][week],
            description="我县设分会场。14:00 联调，参会人员 14:45 前入场。",
        ),
        MeetingPlan(
            2,
            "09:00",
            "11:00",
            "全县冬春农业生产暨森林防火工作会议",
            Kind.OTHER,
            "多功能厅",
            chair="赵永平",
            attend=("张建国", "冯玉兰", "梁文军", "袁国华", "唐建平", "沈家豪", "曾凡军", "彭丽娜"),
            expected=150,
        ),
        MeetingPlan(
            2,
            "15:00",
            "16:30",
            "研究信访稳定工作专题会议",
            Kind.TOPIC,
            "第二会议室",
            chair="刘志刚",
            attend=("胡永强", "高建华", "郭春梅", "沈家豪"),
            confidential=True,
        ),
        MeetingPlan(
            3,
            "09:00",
            "11:30",
            "赵永平副县长到青石镇调研秋冬种工作",
            Kind.INSPECTION,
            None,
            attend=("赵永平", "冯玉兰", "曾凡军"),
            place="青石镇",
        ),
        MeetingPlan(
            3,
            "09:00",
            "11:00",
            f"研究{budget_year}年财政预算编制工作专题会议",
            Kind.TOPIC,
            "第一会议室",
            chair="李卫东",
            attend=("林国栋", "吴志明", "邓秀兰", "罗少华", "徐丽萍", "程振宇"),
        ),
        MeetingPlan(
            3,
            "15:00",
            "16:30",
            "研究招商引资重点项目推进专题会议",
            Kind.TOPIC,
            "常务会议室",
            chair="杨晓红",
            attend=("于洪涛", "吴志明", "梁文军"),
            approve=False,
        ),
        MeetingPlan(
            4,
            "09:30",
            "11:00",
            "全县森林防火视频调度会",
            Kind.TOPIC,
            "视频会议室",
            chair="赵永平",
            attend=("袁国华", "沈家豪", "曾凡军", "彭丽娜"),
            # The townships join on the office's own MCU: a number from the pool.
            vc=VcRequest(provider="pool"),
            description="各乡镇通过县视频会议系统参会，入会号见本页“视频会议”。",
        ),
        MeetingPlan(
            4,
            "14:30",
            "16:00",
            "民营企业家座谈会",
            Kind.SYMPOSIUM,
            "第一会议室",
            chair="张建国",
            attend=("于洪涛", "许文涛", "吴志明", "林国栋"),
            expected=30,
        ),
    ]


@dataclass
class SeedResult:
    created: list[Meeting] = field(default_factory=list)
    skipped_past: int = 0
    refused: list[str] = field(default_factory=list)


def has_data() -> bool:
    return (
        Unit.objects.exists()
        or Room.objects.exists()
        or Meeting.objects.exists()
        or VcResource.objects.exists()
    )


def working_days(monday: dt.date) -> list[dt.date]:
    """The working days of the week starting `monday`: holidays out, 调休 Saturdays in."""
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    return [d for d in days if is_workday(d)]


def _directory() -> dict[str, Person]:
    units = {
        name: Unit.objects.create(name=name, short_name=short, order=i * 10)
        for i, (name, short) in enumerate(UNITS, start=1)
    }
    people = {
        name: Person.objects.create(
            name=name, title=title, unit=units[unit], rank=rank, is_leader=leader
        )
        for name, title, unit, rank, leader in PEOPLE
    }
    unit_order = {name: i for i, (name, _) in enumerate(UNITS)}
    for unit, name, title in HEADS:
        people[name] = Person.objects.create(
            name=name, title=f"{unit}{title}", unit=units[unit], rank=100 + unit_order[unit]
        )
    # Addresses under the reserved example domain: the demo's invitations and reminders
    # really go out (to files in var/mail with `make run`), and reach nobody.
    for i, person in enumerate(people.values(), start=1):
        person.email = f"demo{i:03d}@huiwu.example"
    Person.objects.bulk_update(people.values(), ["email"])
    return people


def _rooms() -> dict[str, Room]:
    equipment = {
        code: Equipment.objects.get_or_create(code=code, defaults={"name": name})[0]
        for code, name in EQUIPMENT
    }
    rooms = {}
    for i, spec in enumerate(ROOMS, start=1):
        room = Room.objects.create(
            name=spec.name,
            building=spec.building,
            floor=spec.floor,
            capacity=spec.capacity,
            layout=spec.layout,
            needs_approval=spec.needs_approval,
            setup_minutes=spec.setup,
            teardown_minutes=spec.teardown,
            order=i * 10,
            notes=spec.notes,
        )
        room.equipment.set([equipment[code] for code in spec.equipment])
        rooms[spec.name] = room
    for i, (number, password, parties) in enumerate(VC_POOL, start=1):
        VcResource.objects.create(
            kind=VcKind.VIRTUAL_ROOM,
            name=f"MCU 虚拟会议室 {i}",
            number=number,
            password=password,
            capacity=parties,
            order=i * 10,
        )
    for room_name, name, number in VC_TERMINALS:
        VcResource.objects.create(
            kind=VcKind.TERMINAL, name=name, number=number, room=rooms[room_name]
        )
    seen: set[str] = set()
    for room_name, name, kind, params in ROOM_LAYOUTS:
        RoomLayout.objects.create(
            room=rooms[room_name],
            name=name,
            kind=kind,
            params=params,
            is_default=room_name not in seen,
        )
        seen.add(room_name)
    return rooms


def _users(people: dict[str, Person]) -> dict[str, User]:
    users = {}
    for username, role, person_name in DEMO_USERS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username, password=DEMO_PASSWORD)
        if role == UserRole.ADMIN:
            user.is_staff = user.is_superuser = True
        if person_name:
            person = people[person_name]
            user.last_name, user.first_name = person.name[:1], person.name[1:]
            person.user = user
            person.save(update_fields=["user"])
        user.save()
        user.groups.add(Group.objects.get_or_create(name=role.value)[0])
        users[username] = user
    people["张建国"].secretaries.add(users["secretary"])
    return users


def _attendees(plan: MeetingPlan, people: dict[str, Person]) -> list[AttendeeSpec]:
    specs: list[AttendeeSpec] = []
    if plan.chair:
        specs.append(AttendeeSpec(people[plan.chair], Role.CHAIR))
    specs += [AttendeeSpec(people[n], Role.ATTEND) for n in plan.attend]
    specs += [AttendeeSpec(people[n], Role.SIT_IN) for n in plan.sit_in]
    specs += [AttendeeSpec(people[n], Role.STAFF) for n in plan.staff]
    return specs


def _book(
    plan: MeetingPlan,
    day: dt.date,
    *,
    people: dict[str, Person],
    rooms: dict[str, Room],
    users: dict[str, User],
    now: dt.datetime,
) -> Meeting:
    start = at_local(day, dt.time.fromisoformat(plan.start))
    end = at_local(day, dt.time.fromisoformat(plan.end))
    meeting = meeting_create(
        actor=users["staff"],
        title=plan.title,
        kind=plan.kind,
        start=start,
        end=end,
        now=now,
        room=rooms[plan.room] if plan.room else None,
        place=plan.place,
        setup_minutes=plan.setup,
        confidentiality=Confidentiality.CONFIDENTIAL
        if plan.confidential
        else Confidentiality.NORMAL,
        description=plan.description,
        expected_attendance=plan.expected,
        attendees=_attendees(plan, people),
        branch_of=plan.branch_of,
        vc=plan.vc,
    )
    if meeting.status == Status.PENDING and plan.approve:
        meeting_approve(meeting=meeting, actor=users["approver"], now=now, note="同意")
    return meeting


def seed(*, now: dt.datetime) -> SeedResult | None:
    """Create the demo data; None (and nothing written) when the database has data."""
    if has_data():
        return None
    result = SeedResult()
    # One transaction: a failure leaves no half-seeded database that the next run
    # would mistake for real data and skip.
    with transaction.atomic():
        people = _directory()
        rooms = _rooms()
        users = _users(people)
        this_monday = localtime(now).date() - dt.timedelta(days=localtime(now).weekday())
        for week in (0, 1):
            monday = this_monday + dt.timedelta(weeks=week)
            days = working_days(monday)
            for plan in week_plan(week, monday):
                if plan.day >= len(days):
                    continue  # a short week (holidays): fewer meetings, never a crash
                day = days[plan.day]
                if at_local(day, dt.time.fromisoformat(plan.start)) <= now:
                    result.skipped_past += 1
                    continue
                try:
                    meeting = _book(plan, day, people=people, rooms=rooms, users=users, now=now)
                except DomainError as exc:
                    result.refused.append(f"{day} {plan.title}：{exc.message}")
                    continue
                result.created.append(meeting)
                if plan.kind == Kind.EXECUTIVE:
                    _executive_papers(meeting, people=people, users=users, now=now)
        _seat(result, users=users, now=now)
    return result


def _seat(result: SeedResult, *, users: dict[str, User], now: dt.datetime) -> None:
    """Seat the meetings held in rooms with a stored layout (the 常务会议 among them)."""
    with_layouts = {room for room, _, _, _ in ROOM_LAYOUTS}
    for meeting in result.created:
        if meeting.room is None or meeting.room.name not in with_layouts:
            continue
        try:
            seating_arrange(actor=users["staff"], meeting=meeting, now=now)
        except DomainError as exc:
            result.refused.append(f"{meeting.title} 排座：{exc.message}")


def _executive_papers(
    meeting: Meeting, *, people: dict[str, Person], users: dict[str, User], now: dt.datetime
) -> None:
    """The 常务会议's agenda (units and 候会 per item), notice, and a few RSVP answers."""
    staff = users["staff"]
    start = meeting.start
    minutes = dt.timedelta(minutes=1)
    items = [
        ("听取全县重点项目建设进展情况汇报", "吴志明", ("发展和改革局", "财政局", "自然资源局"), 0),
        ("研究城区供热价格调整事宜", "谢志勇", ("住房和城乡建设局", "财政局"), 50),
        ("其他事项", "", (), 100),
    ]
    for topic, presenter, units, offset in items:
        who = people[presenter] if presenter else None
        agenda_item_add(
            meeting=meeting,
            actor=staff,
            now=now,
            topic=topic,
            starts_at=start + offset * minutes,
            presenter=f"{who.unit.name} {who.name}" if who else "",
            unit_ids=list(Unit.objects.filter(name__in=units).values_list("pk", flat=True)),
            # 列席单位 wait outside from ten minutes before their item.
            wait_from=start + (offset - 10) * minutes if units else None,
        )
    day_before = localtime(start).date() - dt.timedelta(days=1)
    deadline = at_local(day_before, dt.time(17, 0))
    notice_save(
        meeting=meeting,
        actor=staff,
        now=now,
        doc_number="",
        addressees="县政府各副县长，县政府办公室，各有关单位",
        requirements="请参会人员提前10分钟到达会场，将手机调至静音。\n"
        "汇报单位主要负责同志汇报，每个议题汇报时间不超过10分钟。",
        contact="县政府办公室会务科 林晓燕",
        issuer=OFFICE,
        issued_on=localtime(now).date(),
        rsvp_deadline=deadline if deadline > now else None,
    )
    roster = {a.person.name: a for a in meeting.attendances.select_related("person") if a.person}
    answers = [
        ("吴志明", Rsvp.ATTENDING, {}),
        (
            "林国栋",
            Rsvp.SUBSTITUTE,
            {"substitute_name": "陈晓峰", "substitute_title": "财政局副局长"},
        ),
        ("梁文军", Rsvp.LEAVE, {"note": "赴省自然资源厅参加培训"}),
    ]
    for name, answer, extra in answers:
        if name in roster:
            rsvp_answer(attendance=roster[name], answer=answer, now=now, actor=staff, **extra)


def demo_logins() -> list[tuple[str, str, str]]:
    """(username, password, role) of the demo accounts that exist in this database."""
    existing = set(
        User.objects.filter(username__in=[u for u, _, _ in DEMO_USERS]).values_list(
            "username", flat=True
        )
    )
    return [(u, DEMO_PASSWORD, role.value) for u, role, _ in DEMO_USERS if u in existing]


class Command(BaseCommand):
    help = (
        "Load demo data (units, leaders, rooms, demo accounts, meetings this week and next). "
        "Does nothing when the database already has units, rooms or meetings."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-logins", action="store_true", help="do not print the demo accounts"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        result = seed(now=timezone.now())
        if result is None:
            self.stdout.write("数据库中已有数据，未加载演示数据。")
        else:
            self.stdout.write(
                self.style.SUCCESS(
                    f"已加载演示数据：{Unit.objects.count()} 个单位、"
                    f"{Person.objects.count()} 名人员、"
                    f"{Room.objects.count()} 个会议室、{len(result.created)} 个会议"
                    f"（跳过已过去的 {result.skipped_past} 个）。"
                )
            )
            for line in result.refused:
                self.stdout.write(self.style.WARNING(f"未能预订：{line}"))
        if not options["no_logins"]:
            self._print_logins(demo_logins())

    def _print_logins(self, logins: Sequence[tuple[str, str, str]]) -> None:
        if not logins:
            return
        self.stdout.write("演示账号（密码相同；正式使用前请删除或修改）：")
        for username, password, role in logins:
            self.stdout.write(f"  {username:<10} {password:<12} {role}")
