"""议程, 会议通知, 签到表 and 领导一周活动安排 read back: text, order, page size, margins, fonts."""

from __future__ import annotations

import datetime as dt
import io
import re

import pdfplumber
import pypdf
import pytest
from django.utils import timezone

from core.exceptions import GlyphsMissing, InvalidInput
from core.pdf.base import MM
from meetings import attendees as svc
from meetings.agenda import agenda_item_add, notice_save
from meetings.documents import agenda, notice, signin, weekly
from meetings.models import Attendance, Confidentiality, Rsvp, Status
from meetings.paperwork import (
    agenda_document,
    leaders_week,
    meeting_pdf,
    notice_document,
    signin_document,
)
from tests.api_support import when
from tests.factories import make_person, make_unit
from tests.meetings.attendee_support import add, cast, full_roster, meeting_for

RARE = "𬌗"


def pages_text(pdf: bytes) -> list[str]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [page.extract_text() or "" for page in doc.pages]


def chars(pdf: bytes) -> list[list[dict]]:
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [[c for c in page.chars if c["text"].strip()] for page in doc.pages]


def assert_fonts_embedded(pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    seen = 0
    for page in reader.pages:
        fonts = page["/Resources"]["/Font"]
        for name in fonts:
            font = fonts[name].get_object()
            assert re.match(r"^/[A-Z]{6}\+", str(font["/BaseFont"])), font["/BaseFont"]
            assert "/FontFile2" in font["/FontDescriptor"]
            seen += 1
    assert seen


def day_column(pdf: bytes, day: int, page: int = 0) -> str:
    """The text of one day's column of the weekly grid, lines joined."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        p = doc.pages[page]
        left = weekly.MARGINS.left * MM + (weekly.NAME_MM + weekly.PERIOD_MM) * MM
        width = (
            p.width
            - (weekly.MARGINS.left + weekly.MARGINS.right) * MM
            - (left - weekly.MARGINS.left * MM)
        ) / 7
        box = (left + day * width, 0, left + (day + 1) * width, p.height)
        return (p.crop(box).extract_text() or "").replace("\n", "")


def page_mm(pdf: bytes, index: int = 0) -> tuple[int, int]:
    box = pypdf.PdfReader(io.BytesIO(pdf)).pages[index].mediabox
    return round(float(box.width) / MM), round(float(box.height) / MM)


# --- 议程 ------------------------------------------------------------------------------------

AGENDA = agenda.Agenda(
    title="县政府第49次常务会议",
    when="2026年12月1日（星期二）上午9:00",
    place="县政府办公楼 5楼 常务会议室",
    chair=("张建国",),
    attend=("李卫东", "王海燕"),
    sit_in=("郑晓东", f"王{RARE}"),
    items=(
        agenda.AgendaEntry(
            "听取全县重点项目建设进展情况汇报",
            "9:00",
            "县发改局 吴志明",
            ("县发改局", "县财政局"),
            "8:50",
        ),
        agenda.AgendaEntry(
            "研究城区供热价格调整事宜", "9:50", "县住建局 谢志勇", ("县住建局",), "9:40"
        ),
        agenda.AgendaEntry("其他事项"),
    ),
    executive=True,
    vc="省级电视电话会议分会场，13:00 联调",
)


def test_the_agenda_numbers_its_items_in_order_with_times_presenters_units_and_waiting():
    pdf = agenda.render(AGENDA)
    text = "\n".join(pages_text(pdf))
    assert page_mm(pdf) == (210, 297)
    for needle in (
        "县政府第49次常务会议议程",
        "时间：2026年12月1日",
        "地点：县政府办公楼",
        "主持：张建国",
        "出席：李卫东、王海燕",
        f"列席：郑晓东、王{RARE}",
        "视频会议：省级电视电话会议分会场",
    ):
        assert needle in text, needle
    first, second, third = (text.index(n) for n in ("一、听取", "二、研究", "三、其他事项"))
    assert first < second < third
    assert "列席单位：县发改局、县财政局；候会时间：8:50" in text
    assert "时间：9:50；汇报：县住建局 谢志勇" in text
    assert_fonts_embedded(pdf)
    assert agenda.render(AGENDA) == pdf  # invariant bytes


def test_a_topic_meetings_agenda_leaves_out_units_and_waiting():
    from dataclasses import replace

    text = "\n".join(pages_text(agenda.render(replace(AGENDA, executive=False))))
    assert "候会" not in text and "列席单位" not in text and "二、研究" in text


def test_a_character_no_font_has_is_reported_not_printed_blank():
    from dataclasses import replace

    with pytest.raises(GlyphsMissing, match=re.escape("U+E000")):
        agenda.render(replace(AGENDA, title="会议\ue000"))


# --- 会议通知 ---------------------------------------------------------------------------------

NOTICE = notice.Notice(
    title="县政府第49次常务会议",
    opening="经研究，定于2026年12月1日召开县政府第49次常务会议。现将有关事项通知如下：",
    sections=(
        notice.NoticeSection("会议时间", ("2026年12月1日（星期二）上午9:00",)),
        notice.NoticeSection("会议地点", ("县政府办公楼 5楼 常务会议室",)),
        notice.NoticeSection("参会人员", ("出席：" + "、".join(f"副县长{i}" for i in range(30)),)),
        notice.NoticeSection(
            "会议议题", items=tuple(f"研究第{i}项工作的有关事宜" for i in range(12))
        ),
        notice.NoticeSection("会议要求", ("请参会人员提前10分钟到达会场。" * 8,)),
    ),
    addressees="县政府各部门，各乡镇人民政府",
    contact="林晓燕，0000-1234567",
    issuer="县人民政府办公室",
    date="2026年11月25日",
    doc_number="某政办发〔2026〕12号",
    reply=notice.ReplyForm("县政府第49次常务会议", "2026年11月28日17:00", "县政府办公室会务科"),
)


def test_the_notice_keeps_every_character_inside_the_gbt9704_margins():
    pdf = notice.render(NOTICE)
    assert page_mm(pdf) == (210, 297)
    pages = chars(pdf)
    assert len(pages) >= 3  # the body runs over a page; the 回执 starts its own page
    left, right = 28 * MM, (210 - 26) * MM
    top, bottom = 37 * MM, (297 - 35) * MM
    for number, page in enumerate(pages, start=1):
        body = [c for c in page if c["bottom"] <= bottom + 0.5]
        numbers = [c for c in page if c["bottom"] > bottom + 0.5]
        for c in body:
            assert left - 0.5 <= c["x0"] and c["x1"] <= right + 0.5, (number, c["text"], c["x0"])
            assert c["top"] >= top - 0.5, (number, c["text"], c["top"])
        # below the 版心 only the page number "— n —", 7 mm under it
        assert "".join(c["text"] for c in numbers).replace("—", "") == str(number)
        assert all(c["top"] >= bottom + 5 * MM for c in numbers)


def test_the_notice_title_is_2hao_and_the_body_3hao():
    pdf = notice.render(NOTICE)
    page = chars(pdf)[0]
    title = [c for c in page if 21 < c["size"] < 23]
    assert "".join(c["text"] for c in title).startswith("关于召开县政府第49次常务会议的通知")
    assert {round(c["size"]) for c in title} == {22}
    opening = next(c for c in page if c["text"] == "经")
    assert round(opening["size"]) == 16
    # two characters of indent (首行缩进两字)
    assert abs(opening["x0"] - (28 * MM + 2 * 16)) < 1
    addressee = next(c for c in page if c["text"] == "县" and abs(c["x0"] - 28 * MM) < 1)
    assert round(addressee["size"]) == 16


def test_the_notice_reads_in_order_with_its_attachment_and_deadline():
    pdf = notice.render(NOTICE)
    texts = pages_text(pdf)
    body = "".join(texts[:-1])
    assert "某政办发〔2026〕12号" in texts[0]
    order = [
        "关于召开县政府第49次常务会议的通知",
        "县政府各部门，各乡镇人民政府：",
        "一、会议时间",
        "二、会议地点",
        "三、参会人员",
        "四、会议议题",
        "（一）研究第0项",
        "五、会议要求",
        "联系人及电话：林晓燕",
        "附件：会议回执",
        "县人民政府办公室",
        "2026年11月25日",
    ]
    flat = body.replace("\n", "")
    at = 0
    for needle in order:  # each after the one before
        at = flat.index(needle, at) + len(needle)
    last = texts[-1]
    assert last.startswith("附件") and "会议回执" in last
    for column in ("单位", "姓名", "职务", "手机", "备注"):
        assert column in last
    assert "请于2026年11月28日17:00前填写本回执" in last.replace("\n", "")
    assert_fonts_embedded(pdf)


def test_a_notice_without_a_doc_number_has_no_red_masthead():
    from dataclasses import replace

    text = pages_text(notice.render(replace(NOTICE, doc_number="")))[0]
    assert text.startswith("关于召开县政府第49次常务会议的通知")
    assert (
        notice.heading_of("关于召开全县安全生产工作会议的通知")
        == "关于召开全县安全生产工作会议的通知"
    )


# --- 签到表 ----------------------------------------------------------------------------------


def sheet(n: int = 45) -> signin.SigninSheet:
    rows = tuple(
        signin.SigninRow(
            f"单位{i // 5:02d}", f"人员{i:02d}", "科长", f"A{i}", "请假" if i == 7 else ""
        )
        for i in range(n)
    )
    return signin.SigninSheet("全县安全生产工作会议", "2026年12月1日 9:00–11:00", "多功能厅", rows)


def test_the_signin_sheet_repeats_its_header_on_every_page():
    pdf = signin.render(sheet())
    texts = pages_text(pdf)
    assert len(texts) >= 3 and page_mm(pdf) == (210, 297)
    for number, text in enumerate(texts, start=1):
        assert "全县安全生产工作会议签到表" in text, number
        assert "时间：2026年12月1日" in text and "地点：多功能厅" in text
        flat = text.replace(" ", "")
        assert "序号单位姓名职务座位签名" in flat, number
        assert f"第{number}页" in flat
    assert "人员44" in texts[-1] and "人员00" in texts[0]
    assert_fonts_embedded(pdf)


def test_the_signin_sheet_keeps_the_rows_in_order():
    text = "".join(pages_text(signin.render(sheet(30)))).replace("\n", "")
    positions = [text.index(f"人员{i:02d}") for i in range(30)]
    assert positions == sorted(positions)


# --- 领导一周活动安排 --------------------------------------------------------------------------


def test_the_week_grid_is_landscape_a4_or_a3():
    leaders = (
        weekly.LeaderWeek(
            "张建国", "县长", {(0, 0): (weekly.WeekItem("9:00", "常务会议", "常务会议室"),)}
        ),
    )
    a4 = weekly.render(
        weekly.WeekSchedule("县政府领导一周活动安排", dt.date(2026, 11, 30), leaders)
    )
    a3 = weekly.render(
        weekly.WeekSchedule("县政府领导一周活动安排", dt.date(2026, 11, 30), leaders, page="a3")
    )
    assert page_mm(a4) == (297, 210) and page_mm(a3) == (420, 297)
    text = pages_text(a4)[0]
    assert "9:00 常务会议（常务会议室）" in day_column(a4, 0)
    assert "周一" in text and "11月30日" in text
    assert "上午" in text and "下午" in text and "晚上" in text
    assert_fonts_embedded(a4)
    with pytest.raises(InvalidInput):
        weekly.render(weekly.WeekSchedule("x", dt.date(2026, 11, 30), leaders, page="a5"))
    with pytest.raises(InvalidInput, match="没有县领导"):
        weekly.render(weekly.WeekSchedule("x", dt.date(2026, 11, 30), ()))


# --- from the database ------------------------------------------------------------------------


@pytest.fixture
def c(db):
    return cast()


@pytest.fixture
def meeting(organiser, room):
    return meeting_for(organiser, room)


@pytest.mark.django_db
def test_the_agenda_comes_from_roster_and_items(meeting, organiser, c):
    full_roster(meeting, organiser, c)
    svc.rsvp_answer(
        attendance=meeting.attendances.get(person=c.deputy2),
        answer=Rsvp.LEAVE,
        now=timezone.now(),
        note="病",
    )
    for i, topic in enumerate(("听取汇报", "研究供热", "其他事项")):
        agenda_item_add(
            meeting=meeting,
            actor=organiser,
            now=timezone.now(),
            topic=topic,
            starts_at=meeting.start + dt.timedelta(minutes=40 * i),
            unit_ids=[c.finance.pk] if i == 0 else [],
            wait_from=meeting.start - dt.timedelta(minutes=10) if i == 0 else None,
        )
    doc = agenda_document(meeting)
    assert doc.chair == ("张建国",) and doc.attend == ("李卫东",)  # 王海燕 is on leave
    assert doc.sit_in == ("唐建平", "林国栋", "周教授")
    assert [e.topic for e in doc.items] == ["听取汇报", "研究供热", "其他事项"]
    assert doc.items[0].units == ("县财政局",) and doc.items[0].time == "9:00"
    assert doc.items[0].wait == "8:50" and doc.executive
    text = "".join(pages_text(meeting_pdf("agenda", meeting, today=dt.date(2026, 11, 25))))
    assert "一、听取汇报" in text and "三、其他事项" in text


@pytest.mark.django_db
def test_the_notice_comes_from_meeting_notice_and_deadline(meeting, organiser, c):
    full_roster(meeting, organiser, c)
    notice_save(
        meeting=meeting,
        actor=organiser,
        now=timezone.now(),
        issuer="县人民政府办公室",
        addressees="各有关单位",
        contact="林晓燕 0000-1234567",
        requirements="请提前10分钟到会。\n请关闭手机。",
        rsvp_deadline=meeting.start - dt.timedelta(days=1),
    )
    doc = notice_document(meeting, today=dt.date(2026, 11, 25))
    assert doc.issuer == "县人民政府办公室" and doc.date == "2026年11月25日"
    headings = [s.heading for s in doc.sections]
    assert headings == ["会议时间", "会议地点", "参会人员", "会议要求"]
    assert doc.sections[3].paragraphs[:2] == ("请提前10分钟到会。", "请关闭手机。")
    assert doc.reply is not None and doc.reply.deadline.endswith("9:00")
    people = " ".join(doc.sections[2].paragraphs)
    assert "主持：张建国" in people and "特邀嘉宾：周教授" in people and "会务员" not in people
    text = "".join(pages_text(meeting_pdf("notice", meeting, today=dt.date(2026, 11, 25))))
    assert "关于召开县政府第49次常务会议的通知" in text and "附件" in text


@pytest.mark.django_db
def test_the_signin_sheet_orders_by_unit_then_rank_with_seats(meeting, organiser, c):
    from meetings.models import SeatAssignment, SeatingPlan

    roster = full_roster(meeting, organiser, c)
    add(meeting, organiser, c.finance_deputy)
    Attendance.objects.filter(pk=roster["张建国"].pk).update(rank_override=5)  # after 李 and 王
    plan = SeatingPlan.objects.create(
        meeting=meeting,
        kind="rostrum",
        params={"rostrum_rows": [5], "audience_rows": 2, "audience_blocks": [4, 4]},
    )
    SeatAssignment.objects.create(plan=plan, seat_id="R1-01", attendance=roster["李卫东"])
    doc = signin_document(meeting)
    names = [r.name for r in doc.rows]
    assert names == ["李卫东", "王海燕", "张建国", "林国栋", "陈晓峰", "唐建平", "周教授"]
    # The label printed on the seating chart and the card, not the engine's seat id.
    assert doc.rows[0].seat == "台1-1" and doc.rows[1].seat == ""
    assert doc.place.endswith("第一会议室") and "9:00–11:00" in doc.when


def _confidential_week(organiser, c):
    monday = when(9).date() - dt.timedelta(days=when(9).weekday())
    tue = when(9).replace(year=monday.year, month=monday.month, day=monday.day) + dt.timedelta(
        days=1
    )
    public = meeting_for(organiser, None, start=tue, title="全县经济运行分析会", place="多功能厅")
    secret = meeting_for(
        organiser,
        None,
        start=tue + dt.timedelta(hours=5),
        title="研究信访维稳专题会议",
        place="第二会议室",
        confidentiality=Confidentiality.CONFIDENTIAL,
    )
    evening = meeting_for(
        organiser,
        None,
        start=tue + dt.timedelta(hours=10, minutes=30),
        title="接待省调研组",
        place="县宾馆",
    )
    pending = meeting_for(
        organiser,
        None,
        start=tue + dt.timedelta(days=1),
        title="待批的会议",
        place="外出",
        status=Status.PENDING,
    )
    for m in (public, secret, evening, pending):
        Attendance.objects.create(meeting=m, person=c.deputy)
    Attendance.objects.create(meeting=public, person=c.county_head)
    leave = meeting_for(
        organiser, None, start=tue + dt.timedelta(days=2), title="请假的会议", place="外出"
    )
    Attendance.objects.create(meeting=leave, person=c.county_head, rsvp=Rsvp.LEAVE)
    return monday


@pytest.mark.django_db
def test_the_week_lists_leaders_in_rank_order_and_public_hides_confidential(
    organiser, admin, colleague, c
):
    monday = _confidential_week(organiser, c)
    make_person("非领导", unit=make_unit(), rank=0)  # not a leader: not in the grid
    internal = leaders_week(user=admin, monday=monday, version="internal")
    assert [row.name for row in internal.leaders] == ["张建国", "李卫东", "王海燕"]
    deputy = internal.leaders[1].cells
    assert deputy[(1, 0)][0].text == "9:00 全县经济运行分析会（多功能厅）"
    assert deputy[(1, 1)][0].text == "14:00 研究信访维稳专题会议（第二会议室）"
    assert deputy[(1, 2)][0].text == "19:30 接待省调研组（县宾馆）"
    assert deputy[(2, 0)][0].activity == "待批的会议（待定）"
    assert (3, 0) not in internal.leaders[0].cells  # 张建国 sent 请假
    # a member of staff who may not see the confidential meeting: masked, no place
    masked = leaders_week(user=colleague, monday=monday, version="internal").leaders[1].cells
    assert masked[(1, 1)][0].text == "14:00 内部会议"
    public = leaders_week(user=colleague, monday=monday, version="public")
    cells = public.leaders[1].cells
    assert (1, 1) not in cells and (2, 0) not in cells and (1, 0) in cells

    pdf = weekly.render(public)
    text = "".join(pages_text(pdf))
    assert "研究信访维稳专题会议" not in text and "内部会议" not in text and "待批" not in text
    assert "全县经济运行分析会" in text and "公开版" in text
    page = chars(pdf)[0]
    tops = [
        next(ch["top"] for ch in page if ch["text"] == name[0] and ch["size"] > 9)
        for name in ("张建国", "李卫东", "王海燕")
    ]
    assert tops == sorted(tops)
    tuesday = day_column(weekly.render(internal), 1)
    assert "14:00 研究信访维稳专题会议（第二会议室）" in tuesday
    assert "研究信访" not in day_column(pdf, 1) and "9:00 全县经济运行分析会" in day_column(pdf, 1)
