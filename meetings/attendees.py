"""Attendees, RSVP (回执) and check-in (DESIGN §9): every write to a meeting's roster.

- The roster: directory people or ad-hoc guests with a role (主持, 出席, 列席, 工作人员,
  嘉宾); add, remove, change role, reorder. Only the organiser or an admin
  (meetings.access.can_edit); every change is in the meeting's audit log and moves the
  meeting's `updated_at`, so calendar feeds and reprint checks notice it.
- Adding people re-runs the booking rules' person-busy and capacity checks
  (meetings.services.booking_check), with the same acknowledge codes as a booking.
- RSVP links and check-in codes carry a signature of the attendance's pk
  (django.core.signing, one salt each): no secret column, and a forged or garbled link
  fails verification. The RSVP link needs no login; the deadline is
  `Meeting.rsvp_deadline` (or the meeting's start when none is set).
- Check-in is idempotent: checking someone in twice keeps the first time.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.db import IntegrityError, transaction
from django.utils.crypto import salted_hmac

from core import roles
from core.audit import audit_record
from core.exceptions import InvalidInput, InvalidTransition, NotFound, PermissionDenied
from core.models import Person
from core.timeutil import localtime
from meetings import notifications, services
from meetings.access import can_edit, can_see_details, display_title
from meetings.models import BLOCKING, Attendance, Meeting, Role, Rsvp, Status

RSVP_SALT = "huiwu.attendance.rsvp"
CHECKIN_SALT = "huiwu.attendance.checkin"
_CLOSED = (Status.CANCELLED, Status.REJECTED)
MAX_NAME = 50
MAX_TITLE = 100
MAX_UNIT = 100
MAX_NOTE = 300
# How the meeting page's audit log names the actions of this feature (the roster, RSVP,
# check-in, and meetings.agenda's agenda and notice), and the fields they record.
AUDIT_ACTIONS = {
    "attendee_add": "添加参会人员",
    "attendee_import": "导入参会人员",
    "attendee_remove": "移除参会人员",
    "attendee_update": "修改参会人员",
    "attendee_reorder": "调整参会人员顺序",
    "rsvp": "回执",
    "checkin": "签到",
    "checkin_undo": "撤销签到",
    "agenda_add": "添加议题",
    "agenda_update": "修改议题",
    "agenda_delete": "删除议题",
    "agenda_reorder": "调整议程顺序",
    "notice_save": "修改会议通知",
}
AUDIT_FIELDS = {
    "role": "身份",
    "rank_override": "本次排序号",
    "guest_name": "姓名",
    "guest_title": "职务",
    "guest_unit": "单位",
    "guest_phone": "手机",
    "rsvp": "回执",
    "substitute": "代参会人",
    "note": "事由",
    "topic": "议题",
    "presenter": "汇报",
    "units": "列席单位",
    "wait_from": "候会时间",
    "starts_at": "时间",
    "notes": "备注",
    "agenda": "议程",
    "before": "删除前",
    "doc_number": "文号",
    "addressees": "主送",
    "requirements": "会议要求",
    "contact": "联系人及电话",
    "issuer": "发文机关",
    "issued_on": "成文日期",
}
# Roster checks that a change of who attends can bring about; the room and the hours do
# not change with the roster, so their conflicts are not asked again here.
_ROSTER_CODES = (services.PERSON_BUSY, services.OVER_CAPACITY)


@dataclass(frozen=True)
class Guest:
    """Someone not in the directory (an invited expert, a company's representative)."""

    name: str
    title: str = ""
    unit: str = ""
    phone: str = ""


@dataclass(frozen=True)
class NewAttendee:
    """One row to add: a directory person or a guest, with a role."""

    role: str
    person: Person | None = None
    guest: Guest | None = None


# --- permission and validation ------------------------------------------------------------


def _require_edit(actor: Any, meeting: Meeting) -> None:
    if not can_edit(actor, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以修改参会人员")
    if meeting.status in _CLOSED:
        raise InvalidTransition(f"{meeting.get_status_display()}的会议不能修改参会人员")


def _clean(value: str, *, limit: int, what: str, field: str, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise InvalidInput(f"{what}不能为空", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{what}不能超过 {limit} 个字", field=field)
    return text


def _role(role: str) -> str:
    if role not in Role.values:
        labels = "、".join(str(label) for label in Role.labels)
        raise InvalidInput(f"未知的参会身份：{role}（可选：{labels}）", field="role")
    return role


def role_from_label(text: str) -> str | None:
    """主持 → chair; the codes themselves are accepted too (an API client's spreadsheet)."""
    value = " ".join(str(text).split())
    for code, label in Role.choices:
        if value in (code, label):
            return str(code)
    return None


def _guest(guest: Guest) -> Guest:
    return Guest(
        name=_clean(guest.name, limit=MAX_NAME, what="姓名", field="guest_name", required=True),
        title=_clean(guest.title, limit=MAX_TITLE, what="职务", field="guest_title"),
        unit=_clean(guest.unit, limit=MAX_UNIT, what="单位", field="guest_unit"),
        phone=_phone(guest.phone),
    )


# Digits with the separators people type: 138 0000 0000, 0571-8888 8888, +86 138….
PHONE = re.compile(r"^[0-9+\-() ]{3,30}$")


def _phone(value: str) -> str:
    text = " ".join(str(value or "").split())
    if text and not PHONE.match(text):
        raise InvalidInput(
            f"手机号“{text[:30]}”格式不对（只能有数字、空格、+ - 和括号）", field="guest_phone"
        )
    return text


def _label(a: NewAttendee) -> str:
    name = a.person.name if a.person is not None else a.guest.name if a.guest else "?"
    return f"{name}（{Role(a.role).label}）"


def _refuse_duplicates(meeting: Meeting, rows: Sequence[NewAttendee]) -> None:
    """A person (or a guest of the same name and unit) is on a roster once."""
    person_ids = [r.person.pk for r in rows if r.person is not None]
    taken = set(
        meeting.attendances.filter(person_id__in=person_ids).values_list("person_id", flat=True)
    )
    guests = set(
        meeting.attendances.filter(person__isnull=True).values_list("guest_name", "guest_unit")
    )
    seen_people: set[int] = set()
    seen_guests: set[tuple[str, str]] = set()
    for row in rows:
        if row.person is not None:
            if row.person.pk in taken or row.person.pk in seen_people:
                raise InvalidInput(
                    f"{row.person.name}已在参会人员中",
                    field="person_id",
                    details={"person_id": row.person.pk},
                )
            seen_people.add(row.person.pk)
        elif row.guest is not None:
            key = (row.guest.name, row.guest.unit)
            if key in guests or key in seen_guests:
                raise InvalidInput(f"{row.guest.name}已在参会人员中", field="guest_name")
            seen_guests.add(key)


def check_roster(
    meeting: Meeting,
    *,
    actor: Any,
    now: dt.datetime,
    person_ids: Sequence[int],
    count: int,
    acknowledge: Sequence[str] = (),
) -> None:
    """The booking rules' person-busy and capacity checks for people joining the roster.

    The same check as meetings.services.meeting_update runs for a new roster, limited
    to the codes a roster change can cause; a SoftConflict names who is busy where, and
    the acknowledgement is recorded on the meeting as for a booking.
    """
    if meeting.status not in BLOCKING:
        return  # a draft holds nothing: the rules run when it is submitted
    check = services.meeting_recheck(
        meeting,
        person_ids=person_ids,
        now=now,
        expected_attendance=max(meeting.expected_attendance or 0, count),
    )
    check.hard = []
    check.soft = [w for w in check.soft if w.code in _ROSTER_CODES]
    services._raise_for(check, actor=actor, acknowledge=acknowledge)
    services._record_acknowledgement(meeting, check, actor=actor, acknowledge=acknowledge, now=now)


def _touch(meeting: Meeting, now: dt.datetime) -> None:
    # Feeds fingerprint a meeting by updated_at (meetings.calendar.feed_version): a roster
    # change must move it, or a subscribed phone keeps the old list of names. An UPDATE of
    # that one column, so a stale object never writes back other fields.
    Meeting.objects.filter(pk=meeting.pk).update(updated_at=now)
    meeting.updated_at = now


# --- roster writes ------------------------------------------------------------------------


def attendees_add(
    *,
    meeting: Meeting,
    actor: Any,
    now: dt.datetime,
    rows: Sequence[NewAttendee],
    acknowledge: Sequence[str] = (),
    action: str = "attendee_add",
    summary: str | None = None,
) -> list[Attendance]:
    """Add people and guests at the end of the roster, all or none."""
    _require_edit(actor, meeting)
    cleaned: list[NewAttendee] = []
    for row in rows:
        role = _role(row.role)
        if (row.person is None) == (row.guest is None):
            raise InvalidInput("请选择名录中的人员，或填写临时人员的姓名", field="person_id")
        guest = _guest(row.guest) if row.guest is not None else None
        cleaned.append(NewAttendee(role=role, person=row.person, guest=guest))
    if not cleaned:
        raise InvalidInput("没有要添加的人员", field="person_id")
    _refuse_duplicates(meeting, cleaned)
    with transaction.atomic():
        # Re-read under the meeting's row lock: two staff adding at once get consecutive
        # places, and the count for the capacity check includes the other's additions.
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        meeting.acknowledged_conflicts = locked.acknowledged_conflicts
        existing = meeting.attendances.count()
        check_roster(
            meeting,
            actor=actor,
            now=now,
            person_ids=[r.person.pk for r in cleaned if r.person is not None],
            count=existing + len(cleaned),
            acknowledge=acknowledge,
        )
        if meeting.acknowledged_conflicts != locked.acknowledged_conflicts:
            Meeting.objects.filter(pk=meeting.pk).update(
                acknowledged_conflicts=meeting.acknowledged_conflicts
            )
        last = meeting.attendances.order_by("-order").values_list("order", flat=True).first()
        start = (last or 0) + 1 if existing else 0
        created = [
            Attendance(
                meeting=meeting,
                person=row.person,
                guest_name=row.guest.name if row.guest else "",
                guest_title=row.guest.title if row.guest else "",
                guest_unit=row.guest.unit if row.guest else "",
                guest_phone=row.guest.phone if row.guest else "",
                role=row.role,
                order=start + i,
            )
            for i, row in enumerate(cleaned)
        ]
        try:
            with transaction.atomic():
                Attendance.objects.bulk_create(created)
        except IntegrityError as exc:  # a racing request added the same person
            raise InvalidInput("有人员已在参会人员中，请刷新后重试", field="person_id") from exc
        audit_record(
            actor=actor,
            action=action,
            obj=meeting,
            summary=summary or "添加参会人员：" + "、".join(_label(r) for r in cleaned[:20]),
            changes={"attendees": [_label(r) for r in cleaned]},
            at=now,
        )
        _touch(meeting, now)
        # `locked` has the status as of now: people joining a confirmed meeting are invited.
        notifications.roster_added(
            locked, [r.person.pk for r in cleaned if r.person is not None], now=now
        )
    # bulk_create sets pks on SQLite and PostgreSQL; read back for a fresh state anyway.
    return list(
        Attendance.objects.filter(meeting=meeting, pk__in=[a.pk for a in created]).select_related(
            "person__unit"
        )
    )


def attendee_add(
    *,
    meeting: Meeting,
    actor: Any,
    now: dt.datetime,
    role: str = Role.ATTEND,
    person: Person | None = None,
    guest: Guest | None = None,
    acknowledge: Sequence[str] = (),
) -> Attendance:
    """Add one directory person or guest at the end of the roster."""
    return attendees_add(
        meeting=meeting,
        actor=actor,
        now=now,
        rows=[NewAttendee(role=role, person=person, guest=guest)],
        acknowledge=acknowledge,
    )[0]


def attendee_remove(*, attendance: Attendance, actor: Any, now: dt.datetime) -> None:
    meeting = attendance.meeting
    _require_edit(actor, meeting)
    label = f"{attendance.display_name}（{attendance.get_role_display()}）"
    gone = (
        [notifications.Invited(attendance.person, attendance.role, attendance.rsvp)]
        if attendance.person is not None
        else []
    )
    with transaction.atomic():
        attendance.delete()
        audit_record(
            actor=actor,
            action="attendee_remove",
            obj=meeting,
            summary=f"移除参会人员：{label}",
            changes={"attendees": [label]},
            at=now,
        )
        _touch(meeting, now)
        status = Meeting.objects.filter(pk=meeting.pk).values_list("status", flat=True).first()
        notifications.roster_removed(meeting, gone, was_invited=status == Status.APPROVED, now=now)


_UNSET: Any = object()


def attendee_update(
    *,
    attendance: Attendance,
    actor: Any,
    now: dt.datetime,
    role: str | None = None,
    rank_override: int | None = _UNSET,
    guest: Guest | None = None,
) -> Attendance:
    """Change a role, the per-meeting rank (排序号), or a guest's name, 职务 and unit."""
    meeting = attendance.meeting
    _require_edit(actor, meeting)
    changes: dict[str, list[Any]] = {}
    if role is not None and _role(role) != attendance.role:
        changes["role"] = [attendance.get_role_display(), Role(role).label]
        attendance.role = role
    if rank_override is not _UNSET and rank_override != attendance.rank_override:
        if rank_override is not None and not 0 <= rank_override <= 100_000:
            raise InvalidInput("排序号须在 0–100000 之间", field="rank_override")
        changes["rank_override"] = [attendance.rank_override, rank_override]
        attendance.rank_override = rank_override
    if guest is not None:
        if attendance.person_id is not None:
            raise InvalidInput("名录人员的姓名、职务在人员名录中修改", field="guest_name")
        g = _guest(guest)
        clash = (
            meeting.attendances.filter(person__isnull=True, guest_name=g.name, guest_unit=g.unit)
            .exclude(pk=attendance.pk)
            .exists()
        )
        if clash:
            raise InvalidInput(f"{g.name}已在参会人员中", field="guest_name")
        values = (
            ("guest_name", g.name),
            ("guest_title", g.title),
            ("guest_unit", g.unit),
            ("guest_phone", g.phone),
        )
        for attr, value in values:
            if getattr(attendance, attr) != value:
                changes[attr] = [getattr(attendance, attr), value]
                setattr(attendance, attr, value)
    if not changes:
        return attendance
    with transaction.atomic():
        attendance.save()
        audit_record(
            actor=actor,
            action="attendee_update",
            obj=meeting,
            summary=f"修改参会人员：{attendance.display_name}",
            changes=changes,
            at=now,
        )
        _touch(meeting, now)
    return attendance


def attendees_reorder(
    *, meeting: Meeting, actor: Any, now: dt.datetime, ids: Sequence[int]
) -> list[Attendance]:
    """Put the roster in the given order; `ids` must name every attendance exactly once."""
    _require_edit(actor, meeting)
    with transaction.atomic():
        # order_by("pk"): the default ordering joins Person, and PostgreSQL refuses
        # FOR UPDATE on the nullable side of that outer join.
        current = {a.pk: a for a in meeting.attendances.order_by("pk").select_for_update()}
        if len(ids) != len(set(ids)) or set(ids) != set(current):
            raise InvalidInput(
                "顺序须包含本会议的全部参会人员，且每人一次",
                field="ids",
                details={"expected": sorted(current)},
            )
        changed = []
        for i, pk in enumerate(ids):
            a = current[pk]
            if a.order != i:
                a.order = i
                changed.append(a)
        if changed:
            Attendance.objects.bulk_update(changed, ["order"])
            audit_record(
                actor=actor,
                action="attendee_reorder",
                obj=meeting,
                summary="调整参会人员顺序",
                changes={"attendees": [current[pk].display_name for pk in ids]},
                at=now,
            )
            _touch(meeting, now)
    return [current[pk] for pk in ids]


def attendee_move(
    *, attendance: Attendance, actor: Any, now: dt.datetime, offset: int
) -> list[Attendance]:
    """Move one attendee up (offset −1) or down (+1) in the roster."""
    ids = list(attendance.meeting.attendances.values_list("pk", flat=True))
    i = ids.index(attendance.pk)
    j = min(max(i + offset, 0), len(ids) - 1)
    ids.insert(j, ids.pop(i))
    return attendees_reorder(meeting=attendance.meeting, actor=actor, now=now, ids=ids)


def roster_sync(
    meeting: Meeting, specs: Sequence[services.AttendeeSpec]
) -> tuple[list[int], list[notifications.Invited]]:
    """Make the directory part of the roster equal to `specs`, keeping what people did.

    Used by meetings.services.meeting_update when a booking form or API PATCH sends a
    whole roster. People who stay keep their row — their RSVP, substitute, check-in and
    seat (SeatAssignment cascades from the row) — and only change role and place; the
    guests, who cannot be expressed in that roster, keep their rows after the people.
    Returns who joined (person ids) and who left, for their invitations and cancellations.
    """
    people = {
        a.person_id: a
        for a in meeting.attendances.filter(person__isnull=False).select_related(
            "person__unit", "person__user"
        )
    }
    wanted = {s.person.pk for s in specs}
    removed = [
        notifications.Invited(a.person, a.role, a.rsvp)
        for pid, a in people.items()
        if pid not in wanted and a.person is not None
    ]
    meeting.attendances.filter(person__isnull=False).exclude(person_id__in=wanted).delete()
    changed: list[Attendance] = []
    created: list[Attendance] = []
    for i, spec in enumerate(specs):
        row = people.get(spec.person.pk)
        if row is None:
            created.append(Attendance(meeting=meeting, person=spec.person, role=spec.role, order=i))
        elif (row.role, row.order) != (spec.role, i):
            row.role, row.order = spec.role, i
            changed.append(row)
    for j, guest in enumerate(meeting.attendances.filter(person__isnull=True).order_by("order")):
        if guest.order != len(specs) + j:
            guest.order = len(specs) + j
            changed.append(guest)
    if changed:
        Attendance.objects.bulk_update(changed, ["role", "order"])
    Attendance.objects.bulk_create(created)
    return [a.person_id for a in created if a.person_id is not None], removed


# --- RSVP (回执) ---------------------------------------------------------------------------


def rsvp_token(attendance: Attendance) -> str:
    """The signed part of an attendee's personal RSVP link (/r/<token>/)."""
    return signing.Signer(salt=RSVP_SALT).sign(str(attendance.pk))


def _attendance_by_pk(raw: str) -> Attendance:
    try:
        pk = int(raw)
    except ValueError:
        raise NotFound("链接无效") from None
    attendance = (
        Attendance.objects.select_related("meeting", "meeting__room", "person__unit")
        .filter(pk=pk)
        .first()
    )
    if attendance is None:
        raise NotFound("链接已失效：您已不在该会议的参会人员名单中")
    return attendance


def attendance_for_rsvp(token: str) -> Attendance:
    """The attendance an RSVP link belongs to; NotFound for a forged or garbled link."""
    try:
        raw = signing.Signer(salt=RSVP_SALT).unsign(token)
    except signing.BadSignature:
        raise NotFound("链接无效") from None
    return _attendance_by_pk(raw)


def rsvp_deadline(meeting: Meeting) -> dt.datetime:
    """Until when answers are taken: the set deadline, else the meeting's start."""
    return meeting.rsvp_deadline or meeting.start


def rsvp_closed_reason(meeting: Meeting, now: dt.datetime) -> str | None:
    """Why an RSVP link no longer takes answers, or None while it does."""
    if meeting.status in _CLOSED:
        return f"会议{meeting.get_status_display()}，无需回执"
    deadline = rsvp_deadline(meeting)
    if now >= deadline:
        local = localtime(deadline)
        return (
            f"回执已于 {local.year}年{local.month}月{local.day}日 {local:%H:%M} 截止，"
            "如有变化请直接联系会务人员"
        )
    return None


def rsvp_answer(
    *,
    attendance: Attendance,
    answer: str,
    now: dt.datetime,
    actor: Any = None,
    substitute_name: str = "",
    substitute_title: str = "",
    note: str = "",
) -> Attendance:
    """Record an RSVP: 参加, 代参会 (with the substitute's name and 职务) or 请假 (with reason).

    Without `actor` the answer came through the personal link: the deadline applies.
    Staff (`actor`, who may edit the meeting) record answers phoned in, also late ones.
    """
    meeting = attendance.meeting
    if actor is not None:
        _require_edit(actor, meeting)
    else:
        reason = rsvp_closed_reason(meeting, now)
        if reason:
            raise InvalidTransition(reason)
    if answer not in (Rsvp.ATTENDING, Rsvp.SUBSTITUTE, Rsvp.LEAVE, Rsvp.PENDING):
        raise InvalidInput("请选择参加、代参会或请假", field="answer")
    if answer == Rsvp.PENDING and actor is None:
        raise InvalidInput("请选择参加、代参会或请假", field="answer")
    note = _clean(note, limit=MAX_NOTE, what="事由", field="note")
    sub_name = sub_title = ""
    if answer == Rsvp.SUBSTITUTE:
        sub_name = _clean(
            substitute_name,
            limit=MAX_NAME,
            what="代参会人姓名",
            field="substitute_name",
            required=True,
        )
        sub_title = _clean(
            substitute_title,
            limit=MAX_TITLE,
            what="代参会人职务",
            field="substitute_title",
            required=True,
        )
        if sub_name == (attendance.person.name if attendance.person else attendance.guest_name):
            raise InvalidInput("代参会人不能是本人；本人参加请选“参加”", field="substitute_name")
    elif answer == Rsvp.LEAVE:
        note = _clean(note, limit=MAX_NOTE, what="请假事由", field="note", required=True)
    before = {
        "rsvp": attendance.get_rsvp_display(),
        "substitute": attendance.substitute_name,
        "note": attendance.rsvp_note,
    }
    attendance.rsvp = answer
    attendance.rsvp_at = None if answer == Rsvp.PENDING else now
    attendance.substitute_name = sub_name
    attendance.substitute_title = sub_title
    attendance.rsvp_note = note if answer != Rsvp.ATTENDING else ""
    after = {
        "rsvp": attendance.get_rsvp_display(),
        "substitute": sub_name,
        "note": attendance.rsvp_note,
    }
    who = attendance.person.name if attendance.person else attendance.guest_name
    with transaction.atomic():
        attendance.save(
            update_fields=["rsvp", "rsvp_at", "substitute_name", "substitute_title", "rsvp_note"]
        )
        text = attendance.get_rsvp_display()
        if answer == Rsvp.SUBSTITUTE:
            text += f"（{sub_name}，{sub_title}）"
        elif answer == Rsvp.LEAVE:
            text += f"（{attendance.rsvp_note}）"
        audit_record(
            actor=actor,
            action="rsvp",
            obj=meeting,
            summary=f"回执：{who} {text}" + ("" if actor is not None else "（本人链接）"),
            changes={k: [before[k], after[k]] for k in before if before[k] != after[k]},
            at=now,
        )
        _touch(meeting, now)
    return attendance


# --- check-in -----------------------------------------------------------------------------


class _CodeSigner(signing.Signer):
    """A short signature (10 characters of base32, case-free) that a person can type.

    A scanner types the whole code; a desk without one can read it off a printed card.
    50 bits of HMAC is far beyond guessing at a sign-in desk, and the check-in page
    needs a staff login anyway.
    """

    def __init__(self) -> None:
        super().__init__(salt=CHECKIN_SALT, sep=".")

    def signature(self, value: str | bytes, key: Any = None) -> str:
        digest = salted_hmac(CHECKIN_SALT + "signer", value, key or self.key, algorithm="sha256")
        return base64.b32encode(digest.digest()).decode()[:10]


def checkin_code(attendance: Attendance) -> str:
    """What the attendee's QR code holds, e.g. "1234.K7XQ2M9PAB"."""
    return _CodeSigner().sign(str(attendance.pk))


def _normalise_code(code: str) -> str:
    # Scanners behind a Chinese input method type the full stop as "。".
    text = "".join(code.split()).replace("。", ".").replace("．", ".")
    value, _, sig = text.rpartition(".")
    return f"{value}.{sig.upper()}" if value else text


def attendance_for_code(code: str) -> Attendance:
    """The attendance a check-in code belongs to; InvalidInput for anything else."""
    text = _normalise_code(code or "")
    if not text or len(text) > 40:
        raise InvalidInput("签到码无效", field="code")
    try:
        raw = _CodeSigner().unsign(text)
    except signing.BadSignature:
        raise InvalidInput(f"签到码无效：{text[:40]}", field="code") from None
    try:
        return _attendance_by_pk(raw)
    except NotFound:
        raise InvalidInput("签到码对应的人员已不在参会名单中", field="code") from None


def can_check_in(user: Any, meeting: Meeting) -> bool:
    """The organiser, an admin, or any 会务人员 who may see the meeting (the desk)."""
    if can_edit(user, meeting):
        return True
    return roles.has_role(user, roles.Role.STAFF) and can_see_details(user, meeting)


@dataclass(frozen=True)
class CheckinResult:
    attendance: Attendance
    already: bool  # was checked in before: nothing changed


def checkin(
    *,
    meeting: Meeting,
    actor: Any,
    now: dt.datetime,
    code: str | None = None,
    attendance_id: int | None = None,
) -> CheckinResult:
    """Check an attendee in by scanned or typed code, or by a click in the list."""
    if not can_check_in(actor, meeting):
        raise PermissionDenied("只有会务人员可以办理签到")
    if meeting.status in _CLOSED:
        raise InvalidTransition(f"会议{meeting.get_status_display()}，不能签到")
    if code is not None:
        attendance = attendance_for_code(code)
    elif attendance_id is not None:
        found = Attendance.objects.filter(pk=attendance_id).select_related("person__unit").first()
        if found is None:
            raise InvalidInput("参会人员不存在", field="attendance_id")
        attendance = found
    else:
        raise InvalidInput("请扫描或输入签到码", field="code")
    if attendance.meeting_id != meeting.pk:
        other = Meeting.objects.filter(pk=attendance.meeting_id).first()
        where = ""
        if other is not None:
            s = localtime(other.start)
            where = f"：{display_title(actor, other)}（{s.month}月{s.day}日 {s:%H:%M}）"
        raise InvalidInput(
            f"这是另一个会议的签到码{where}，不是本会议的", field="code", details={"other": True}
        )
    with transaction.atomic():
        # Two desks scanning the same card: the row lock makes the second one see the first.
        row = Attendance.objects.select_for_update().get(pk=attendance.pk)
        if row.checked_in_at is not None:
            attendance.checked_in_at = row.checked_in_at
            return CheckinResult(attendance, already=True)
        row.checked_in_at = now
        row.checked_in_by = actor if getattr(actor, "is_authenticated", False) else None
        row.save(update_fields=["checked_in_at", "checked_in_by"])
        audit_record(
            actor=actor,
            action="checkin",
            obj=meeting,
            summary=f"签到：{attendance.display_name}",
            at=now,
        )
    attendance.checked_in_at = now
    return CheckinResult(attendance, already=False)


def checkin_undo(*, attendance: Attendance, actor: Any, now: dt.datetime) -> Attendance:
    """Take back a check-in made by mistake (the wrong row clicked)."""
    meeting = attendance.meeting
    if not can_check_in(actor, meeting):
        raise PermissionDenied("只有会务人员可以办理签到")
    if attendance.checked_in_at is None:
        return attendance
    with transaction.atomic():
        attendance.checked_in_at = None
        attendance.checked_in_by = None
        attendance.save(update_fields=["checked_in_at", "checked_in_by"])
        audit_record(
            actor=actor,
            action="checkin_undo",
            obj=meeting,
            summary=f"撤销签到：{attendance.display_name}",
            at=now,
        )
    return attendance
