"""A roster as an Excel workbook (.xlsx): export, and import with a report per row.

Columns: 序号 单位 姓名 职务 身份 手机. On import a row is matched to a directory person
by 姓名 + 单位 (the unit's full name or its short name); otherwise it becomes a guest
(临时人员) with that 单位, 职务 and 手机. A directory person's phone is kept in the
directory: on import it is only checked.

Bad input is reported, never half-imported: every bad row by its row number and reason,
and nothing is imported while any row is bad — unless the user chooses to skip the bad
rows. A file that is not a workbook, is too large (bytes, rows, or unpacked size: a
"zip bomb"), or has the wrong columns is refused as a whole.
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils.exceptions import InvalidFileException

from core.exceptions import InvalidInput
from core.models import Person
from core.timeutil import localtime
from meetings.attendees import PHONE, Guest, NewAttendee, attendees_add, role_from_label
from meetings.models import Attendance, Meeting, Role

COLUMNS = ("序号", "单位", "姓名", "职务", "身份", "手机")
REQUIRED = ("单位", "姓名", "身份")
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 2000
# Unpacked size of all parts: a 2 MB .xlsx of real rosters unpacks to a few MB; a
# crafted one could unpack to gigabytes before openpyxl sees a single row.
MAX_UNPACKED = 64 * 1024 * 1024
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class RowError:
    row: int  # the spreadsheet's own row number (the header is row 1)
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "message": self.message}


@dataclass
class ParsedRow:
    row: int
    unit: str
    name: str
    title: str
    role: str
    phone: str
    person: Person | None = None


@dataclass
class ImportReport:
    added: list[Attendance] = field(default_factory=list)
    skipped: list[RowError] = field(default_factory=list)  # bad rows left out on request
    people: int = 0  # matched to the directory
    guests: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "added": len(self.added),
            "people": self.people,
            "guests": self.guests,
            "skipped": [e.as_dict() for e in self.skipped],
        }


def _text(value: Any) -> str:
    """A cell as text: numbers without ".0" (a phone typed as a number), dates as dates."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return " ".join(str(value).split())


def _refuse(message: str, **details: Any) -> InvalidInput:
    return InvalidInput(message, field="file", details={"file": message, **details})


def _open(data: bytes) -> Any:
    if not data:
        raise _refuse("文件是空的")
    if len(data) > MAX_BYTES:
        raise _refuse(
            f"文件过大（{len(data) / 1024 / 1024:.1f} MB），不能超过 {MAX_BYTES // 1024 // 1024} MB"
        )
    not_xlsx = "不是 Excel 工作簿（.xlsx）。如为 .xls 或 .csv，请在 Excel/WPS 中另存为 .xlsx"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _refuse(not_xlsx) from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise _refuse(not_xlsx)
    if unpacked > MAX_UNPACKED:
        raise _refuse("文件解压后过大，请只保留名单所在的工作表")
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError):
        raise _refuse(not_xlsx) from None
    except Exception as exc:  # openpyxl raises many kinds for damaged XML
        raise _refuse(f"无法读取该工作簿：{type(exc).__name__}") from None


def _header(cells: Sequence[Any]) -> dict[str, int]:
    names = [_text(c).replace(" ", "") for c in cells]
    while names and not names[-1]:
        names.pop()
    index: dict[str, int] = {}
    unknown: list[str] = []
    for i, name in enumerate(names):
        if not name:
            continue
        if name in COLUMNS and name not in index:
            index[name] = i
        else:
            unknown.append(name)
    missing = [c for c in REQUIRED if c not in index]
    if missing or unknown:
        parts = []
        if missing:
            parts.append(f"缺少列：{'、'.join(missing)}")
        if unknown:
            parts.append(f"无法识别的列：{'、'.join(unknown)}")
        raise _refuse(
            f"第 1 行的列名不对（{'；'.join(parts)}）。应为：{'、'.join(COLUMNS)}",
            missing=missing,
            unknown=unknown,
        )
    return index


def parse(data: bytes) -> tuple[list[ParsedRow], list[RowError]]:
    """Rows and the errors of each bad row; raises InvalidInput for a bad file."""
    wb = _open(data)
    try:
        sheet = wb.worksheets[0] if wb.worksheets else None
        if sheet is None:
            raise _refuse("工作簿中没有工作表")
        rows = sheet.iter_rows(values_only=True)
        first = next(rows, None)
        if first is None:
            raise _refuse("工作表是空的：第 1 行应为列名 " + "、".join(COLUMNS))
        index = _header(first)
        parsed: list[ParsedRow] = []
        errors: list[RowError] = []
        count = 0
        for number, cells in enumerate(rows, start=2):
            values = {name: _text(cells[i]) if i < len(cells) else "" for name, i in index.items()}
            if not any(values.values()):
                continue  # blank lines between blocks are common in hand-made rosters
            count += 1
            if count > MAX_ROWS:
                raise _refuse(f"行数过多：最多 {MAX_ROWS} 行（不含列名）", max_rows=MAX_ROWS)
            problems = [f"{c}为空" for c in REQUIRED if not values.get(c)]
            role = role_from_label(values.get("身份", "")) if values.get("身份") else None
            if values.get("身份") and role is None:
                labels = "、".join(str(label) for label in Role.labels)
                problems.append(f"未知的身份“{values['身份']}”（可选：{labels}）")
            for col, limit in (("姓名", 50), ("单位", 100), ("职务", 100)):
                if len(values.get(col, "")) > limit:
                    problems.append(f"{col}过长（最多 {limit} 字）")
            phone = values.get("手机", "")
            if phone and not PHONE.match(phone):
                problems.append(f"手机号“{phone[:30]}”格式不对")
            if problems:
                errors.append(RowError(number, "；".join(problems)))
                continue
            parsed.append(
                ParsedRow(
                    row=number,
                    unit=values["单位"],
                    name=values["姓名"],
                    title=values.get("职务", ""),
                    role=role or Role.ATTEND,
                    phone=phone,
                )
            )
        return parsed, errors
    finally:
        wb.close()


def _match(rows: Sequence[ParsedRow], meeting: Meeting) -> list[RowError]:
    """Directory people by 姓名 + 单位; duplicates within the file and on the roster."""
    names = {r.name for r in rows}
    candidates = Person.objects.filter(name__in=names, active=True).select_related("unit")
    by_key: dict[tuple[str, str], list[Person]] = {}
    for p in candidates:
        for unit in {p.unit.name, p.unit.short_name} - {""}:
            by_key.setdefault((p.name, unit), []).append(p)
    on_roster = set(meeting.attendances.exclude(person=None).values_list("person_id", flat=True))
    guests_on_roster = set(
        meeting.attendances.filter(person=None).values_list("guest_name", "guest_unit")
    )
    errors: list[RowError] = []
    first_row: dict[tuple[str, Any], int] = {}
    for r in rows:
        found = by_key.get((r.name, r.unit), [])
        if len(found) > 1:
            errors.append(RowError(r.row, f"名录中{r.unit}有 {len(found)} 个{r.name}，无法区分"))
            continue
        r.person = found[0] if found else None
        key: tuple[str, Any] = ("p", r.person.pk) if r.person else ("g", (r.name, r.unit))
        if key in first_row:
            errors.append(RowError(r.row, f"{r.name}（{r.unit}）与第 {first_row[key]} 行重复"))
            continue
        first_row[key] = r.row
        if (r.person is not None and r.person.pk in on_roster) or (
            r.person is None and (r.name, r.unit) in guests_on_roster
        ):
            errors.append(RowError(r.row, f"{r.name}已在本会议的参会人员中"))
    return errors


def roster_import(
    *,
    meeting: Meeting,
    actor: Any,
    now: dt.datetime,
    data: bytes,
    skip_bad: bool = False,
    acknowledge: Sequence[str] = (),
) -> ImportReport:
    """Add the workbook's rows to the roster: all of them, or none while a row is bad."""
    rows, errors = parse(data)
    errors += _match(rows, meeting)
    bad = {e.row for e in errors}
    errors.sort(key=lambda e: e.row)
    if errors and not skip_bad:
        shown = "；".join(f"第 {e.row} 行：{e.message}" for e in errors[:5])
        more = f"等 {len(errors)} 处" if len(errors) > 5 else ""
        raise InvalidInput(
            f"有 {len(errors)} 行有问题，未导入任何人员（{shown}{more}）。"
            "请修改后重新导入，或选择“跳过有问题的行”",
            details={"rows": [e.as_dict() for e in errors]},
        )
    good = [r for r in rows if r.row not in bad]
    report = ImportReport(skipped=errors)
    if not good:
        if errors:
            raise InvalidInput(
                "所有行都有问题，没有可导入的人员",
                details={"rows": [e.as_dict() for e in errors]},
            )
        raise _refuse("表中没有人员")
    new = [
        NewAttendee(role=r.role, person=r.person)
        if r.person is not None
        else NewAttendee(
            role=r.role, guest=Guest(name=r.name, title=r.title, unit=r.unit, phone=r.phone)
        )
        for r in good
    ]
    report.added = attendees_add(
        meeting=meeting,
        actor=actor,
        now=now,
        rows=new,
        acknowledge=acknowledge,
        action="attendee_import",
        summary=f"导入参会人员 {len(new)} 人" + (f"，跳过 {len(errors)} 行" if errors else ""),
    )
    report.people = sum(1 for r in good if r.person is not None)
    report.guests = len(good) - report.people
    return report


def roster_export(meeting: Meeting, rows: Sequence[Attendance]) -> bytes:
    """The roster in import format (first sheet), and the RSVP answers (second sheet)."""
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "参会人员"
    sheet.append(list(COLUMNS))
    for i, a in enumerate(rows, start=1):
        if a.person is not None:
            p = a.person
            unit, name, title, phone = p.unit.name, p.name, p.title, p.phone
        else:
            unit, name, title, phone = a.guest_unit, a.guest_name, a.guest_title, a.guest_phone
        sheet.append([i, unit, name, title, Role(a.role).label, phone])
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
        cell.alignment = Alignment(horizontal="center")
    for col, width in zip("ABCDEF", (6, 24, 12, 28, 10, 16), strict=True):
        sheet.column_dimensions[col].width = width
    sheet.freeze_panes = "A2"

    answers = wb.create_sheet("回执情况")
    answers.append(["序号", "单位", "姓名", "回执", "代参会人", "代参会人职务", "请假事由", "签到"])
    for i, a in enumerate(rows, start=1):
        answers.append(
            [
                i,
                a.display_unit,
                a.person.name if a.person else a.guest_name,
                a.get_rsvp_display(),
                a.substitute_name,
                a.substitute_title,
                a.rsvp_note,
                "已签到" if a.checked_in_at else "",
            ]
        )
    for cell in answers[1]:
        cell.font = bold
    # The roster's own last change, not the export time (openpyxl stores naive local time).
    stamp = localtime(meeting.updated_at).replace(tzinfo=None, microsecond=0)
    wb.properties.created = wb.properties.modified = stamp
    wb.properties.creator = "会务"
    wb.properties.title = meeting.title[:200]
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
