"""Roster .xlsx: export and import round trip, and every kind of bad file, row by row."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from core.exceptions import InvalidInput
from meetings import roster_xlsx
from meetings.models import Attendance, Role, Rsvp
from meetings.roster import roster
from meetings.roster_xlsx import COLUMNS, roster_export, roster_import
from tests.api_support import future_day, when
from tests.meetings.attendee_support import cast, full_roster, meeting_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def c(db):
    return cast()


@pytest.fixture
def meeting(organiser, room):
    return meeting_for(organiser, room)


def xlsx(rows: list[list[object]], header: list[str] | None = None) -> bytes:
    wb = Workbook()
    sheet = wb.active
    sheet.append(list(COLUMNS) if header is None else header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(meeting, organiser, data: bytes, **kw):
    return roster_import(meeting=meeting, actor=organiser, now=timezone.now(), data=data, **kw)


def rows_of(exc: pytest.ExceptionInfo) -> dict[int, str]:
    return {r["row"]: r["message"] for r in exc.value.details["rows"]}


def test_export_then_import_gives_the_same_roster(meeting, organiser, c, room):
    full_roster(meeting, organiser, c)
    Attendance.objects.filter(meeting=meeting, person=c.finance_head).update(
        rsvp=Rsvp.SUBSTITUTE, substitute_name="陈晓峰", substitute_title="副局长"
    )
    data = roster_export(meeting, roster(meeting))
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == list(COLUMNS)
    assert values[1][:5] == [1, "县人民政府", "张建国", "县长", "主持"]
    # the roster sheet names the person on the list; the answers sheet the substitute
    assert ["县财政局", "林国栋", "局长", "列席"] in [v[1:5] for v in values]
    answers = load_workbook(io.BytesIO(data)).worksheets[1]
    assert any(row[4].value == "陈晓峰" for row in answers.iter_rows(min_row=2))

    later = when(9, day=future_day(21))  # the same people, free on another day
    other = meeting_for(organiser, None, title="另一次会议", place="外出", start=later)
    report = run(other, organiser, data)
    assert (len(report.added), report.people, report.guests) == (7, 5, 2)
    before = [(a.person_id, a.guest_name, a.guest_unit, a.role) for a in roster(meeting)]
    after = [(a.person_id, a.guest_name, a.guest_unit, a.role) for a in roster(other)]
    assert before == after


def test_people_are_matched_by_name_and_unit_or_short_name_else_guests(meeting, organiser, c):
    data = xlsx(
        [
            [1, "县人民政府", "张建国", "县长", "主持", ""],
            [2, "财政局", "林国栋", "", "列席", 13800000000],
            [3, "县水利局", "张建国", "技术员", "出席", ""],  # another 张建国: a guest
            [4, "省农科院", "周教授", "教授", "嘉宾", "0000-1234567"],
        ]
    )
    report = run(meeting, organiser, data)
    assert (report.people, report.guests) == (2, 2)
    rows = roster(meeting)
    assert [a.person_id for a in rows[:2]] == [c.county_head.pk, c.finance_head.pk]
    assert rows[2].person is None and rows[2].guest_unit == "县水利局"
    assert [a.role for a in rows] == [Role.CHAIR, Role.SIT_IN, Role.ATTEND, Role.GUEST]
    # A guest keeps the phone of the sheet (a directory person's stays in the directory),
    # and it goes out again on export.
    assert rows[3].guest_phone == "0000-1234567" and rows[1].person.phone == ""
    exported = load_workbook(io.BytesIO(roster_export(meeting, rows))).worksheets[0]
    assert ["省农科院", "周教授", "教授", "嘉宾", "0000-1234567"] in [
        [cell.value for cell in row][1:] for row in exported.iter_rows()
    ]


def test_every_bad_row_is_reported_and_nothing_is_imported(meeting, organiser, c):
    data = xlsx(
        [
            [1, "县人民政府", "张建国", "县长", "主持", ""],
            [2, "县财政局", "", "局长", "列席", ""],  # no name
            [3, "", "王五", "", "出席", ""],  # no unit
            [4, "县人民政府", "张建国", "县长", "出席", ""],  # the same person again
            [5, "县水利局", "唐建平", "局长", "旁听", ""],  # unknown role
            [6, "县水利局", "赵六", "", "", ""],  # no role
            [None, None, None, None, None, None],  # blank lines are skipped
            [8, "县水利局", "钱七", "", "出席", "call me"],  # not a phone number
        ]
    )
    with pytest.raises(InvalidInput, match="未导入任何人员") as exc:
        run(meeting, organiser, data)
    rows = rows_of(exc)
    assert set(rows) == {3, 4, 5, 6, 7, 9}
    assert rows[3] == "姓名为空" and rows[4] == "单位为空"
    assert "与第 2 行重复" in rows[5] and "未知的身份“旁听”" in rows[6]
    assert rows[7] == "身份为空" and "手机号" in rows[9]
    assert meeting.attendances.count() == 0


def test_skipping_bad_rows_imports_the_good_ones(meeting, organiser, c):
    data = xlsx(
        [
            [1, "县人民政府", "张建国", "县长", "主持", ""],
            [2, "县财政局", "", "局长", "列席", ""],
            [3, "县水利局", "唐建平", "局长", "列席", ""],
        ]
    )
    report = run(meeting, organiser, data, skip_bad=True)
    assert len(report.added) == 2 and [e.row for e in report.skipped] == [3]
    assert [a.display_name for a in roster(meeting)] == ["张建国", "唐建平"]


def test_people_already_on_the_roster_are_a_bad_row(meeting, organiser, c):
    run(meeting, organiser, xlsx([[1, "县人民政府", "张建国", "县长", "主持", ""]]))
    with pytest.raises(InvalidInput) as exc:
        run(meeting, organiser, xlsx([[1, "县人民政府", "张建国", "县长", "主持", ""]]))
    assert "已在本会议的参会人员中" in rows_of(exc)[2]


@pytest.mark.parametrize(
    ("header", "message"),
    [
        (["序号", "单位", "名字", "职务", "身份", "手机"], "缺少列：姓名"),
        (["序号", "单位", "姓名", "职务", "身份", "手机", "备注"], "无法识别的列：备注"),
        (["name", "unit", "role"], "缺少列：单位、姓名、身份"),
    ],
)
def test_wrong_columns_are_refused_as_a_whole(meeting, organiser, header, message):
    with pytest.raises(InvalidInput, match=message):
        run(meeting, organiser, xlsx([["1", "县财政局", "林国栋"]], header=header))


def test_columns_may_come_in_another_order_and_optional_ones_may_be_left_out(meeting, organiser, c):
    data = xlsx([["列席", "林国栋", "县财政局"]], header=["身份", "姓名", "单位"])
    assert len(run(meeting, organiser, data).added) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "文件是空的"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "不是 Excel 工作簿"),  # old .xls
        ("序号,单位,姓名\n1,县财政局,林国栋\n".encode(), "不是 Excel 工作簿"),  # csv
        (b"%PDF-1.4 not a workbook", "不是 Excel 工作簿"),
    ],
)
def test_files_that_are_not_workbooks_are_refused(meeting, organiser, data, message):
    with pytest.raises(InvalidInput, match=message):
        run(meeting, organiser, data)


def test_a_zip_that_is_not_a_workbook_is_refused(meeting, organiser):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(InvalidInput, match="不是 Excel 工作簿"):
        run(meeting, organiser, buffer.getvalue())


def test_a_damaged_workbook_is_refused(meeting, organiser):
    data = xlsx([[1, "县财政局", "林国栋", "", "列席", ""]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(buffer, "w") as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                body = b"<worksheet><sheetData><row><c>broken"
            dst.writestr(item, body)
    with pytest.raises(InvalidInput):
        run(meeting, organiser, buffer.getvalue())


def test_a_huge_file_is_refused_before_it_is_read(meeting, organiser):
    with pytest.raises(InvalidInput, match="文件过大"):
        run(meeting, organiser, b"PK" + b"\0" * (2 * 1024 * 1024))


def test_a_file_that_unpacks_to_a_huge_size_is_refused(meeting, organiser, monkeypatch):
    monkeypatch.setattr(roster_xlsx, "MAX_UNPACKED", 1000)
    with pytest.raises(InvalidInput, match="解压后过大"):
        run(meeting, organiser, xlsx([[1, "县财政局", "林国栋", "", "列席", ""]] * 20))


def test_more_than_2000_rows_are_refused(meeting, organiser):
    data = xlsx([[i, "省农科院", f"专家{i}", "", "嘉宾", ""] for i in range(2001)])
    with pytest.raises(InvalidInput, match="最多 2000 行"):
        run(meeting, organiser, data)
    assert meeting.attendances.count() == 0


def test_an_empty_sheet_and_a_sheet_with_only_a_header(meeting, organiser):
    wb = Workbook()
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(InvalidInput, match="工作表是空的"):
        run(meeting, organiser, out.getvalue())
    with pytest.raises(InvalidInput, match="表中没有人员"):
        run(meeting, organiser, xlsx([]))
