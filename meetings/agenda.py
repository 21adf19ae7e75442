"""The agenda (议程) and the notice's own text (会议通知): every write, checked and audited.

Agenda items are numbered 一、二、… in their `order`. For a 常务会议 each item names the
units that attend it (列席单位) and when they wait outside (候会): units come in for
their item only, so the 候会 time is before the item and on the meeting's day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from core.audit import audit_record
from core.exceptions import InvalidInput, InvalidTransition, PermissionDenied
from core.models import Unit
from core.timeutil import localtime
from meetings.access import can_edit
from meetings.models import AgendaItem, Meeting, MeetingNotice, Status

MAX_ITEMS = 100
MAX_TOPIC = 300
MAX_PRESENTER = 200
MAX_NOTES = 2000
MAX_UNITS = 50
_CLOSED = (Status.CANCELLED, Status.REJECTED)


def _require_edit(actor: Any, meeting: Meeting) -> None:
    if not can_edit(actor, meeting):
        raise PermissionDenied("只有承办人或会务管理员可以修改议程和通知")
    if meeting.status in _CLOSED:
        raise InvalidTransition(f"{meeting.get_status_display()}的会议不能修改议程和通知")


def _text(value: str, *, limit: int, what: str, field: str, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(f"{what}不能为空", field=field)
    if len(text) > limit:
        raise InvalidInput(f"{what}不能超过 {limit} 个字", field=field)
    return text


def _hm(value: dt.datetime) -> str:
    return f"{localtime(value):%H:%M}"


def _check_times(
    meeting: Meeting, starts_at: dt.datetime | None, wait_from: dt.datetime | None
) -> None:
    day = localtime(meeting.start).date()
    if starts_at is not None:
        if starts_at.tzinfo is None:
            raise InvalidInput("时间必须带时区", field="starts_at")
        if not meeting.start <= starts_at < meeting.end:
            raise InvalidInput(
                f"议题时间须在会议时间 {_hm(meeting.start)}–{_hm(meeting.end)} 之内",
                field="starts_at",
            )
    if wait_from is not None:
        if wait_from.tzinfo is None:
            raise InvalidInput("时间必须带时区", field="wait_from")
        if localtime(wait_from).date() != day:
            raise InvalidInput("候会时间须在会议当天", field="wait_from")
        if wait_from >= meeting.end:
            raise InvalidInput("候会时间须早于会议结束", field="wait_from")
        if starts_at is not None and wait_from > starts_at:
            raise InvalidInput("候会时间不能晚于该议题开始时间", field="wait_from")


def _units(ids: Sequence[int]) -> list[Unit]:
    unique = list(dict.fromkeys(ids))
    if len(unique) > MAX_UNITS:
        raise InvalidInput(f"列席单位最多 {MAX_UNITS} 个", field="unit_ids")
    found = Unit.objects.in_bulk(unique)
    missing = [i for i in unique if i not in found]
    if missing:
        raise InvalidInput(
            f"单位不存在：{'、'.join(map(str, missing))}",
            field="unit_ids",
            details={"missing": missing},
        )
    return [found[i] for i in unique]


def _snapshot(item: AgendaItem) -> dict[str, Any]:
    return {
        "topic": item.topic,
        "starts_at": _hm(item.starts_at) if item.starts_at else None,
        "presenter": item.presenter,
        "units": [u.name for u in item.units.all()] if item.pk else [],
        "wait_from": _hm(item.wait_from) if item.wait_from else None,
        "notes": item.notes,
    }


def _touch(meeting: Meeting, now: dt.datetime) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(updated_at=now)
    meeting.updated_at = now


def agenda_item_add(
    *,
    meeting: Meeting,
    actor: Any,
    now: dt.datetime,
    topic: str,
    starts_at: dt.datetime | None = None,
    presenter: str = "",
    unit_ids: Sequence[int] = (),
    wait_from: dt.datetime | None = None,
    notes: str = "",
) -> AgendaItem:
    """Add an item at the end of the agenda."""
    _require_edit(actor, meeting)
    topic = _text(topic, limit=MAX_TOPIC, what="议题", field="topic", required=True)
    presenter = _text(presenter, limit=MAX_PRESENTER, what="汇报人", field="presenter")
    notes = _text(notes, limit=MAX_NOTES, what="备注", field="notes")
    _check_times(meeting, starts_at, wait_from)
    units = _units(unit_ids)
    with transaction.atomic():
        Meeting.objects.select_for_update().filter(pk=meeting.pk).exists()
        count = meeting.agenda_items.count()
        if count >= MAX_ITEMS:
            raise InvalidInput(f"议程最多 {MAX_ITEMS} 项", field="topic")
        last = meeting.agenda_items.order_by("-order").values_list("order", flat=True).first()
        item = AgendaItem.objects.create(
            meeting=meeting,
            order=(last + 1) if last is not None else 0,
            topic=topic,
            starts_at=starts_at,
            presenter=presenter,
            wait_from=wait_from,
            notes=notes,
        )
        item.units.set(units)
        audit_record(
            actor=actor,
            action="agenda_add",
            obj=meeting,
            summary=f"添加议题：{topic[:100]}",
            changes={"after": _snapshot(item)},
            at=now,
        )
        _touch(meeting, now)
    return item


_UNSET: Any = object()


def agenda_item_update(
    *,
    item: AgendaItem,
    actor: Any,
    now: dt.datetime,
    topic: str | None = None,
    starts_at: dt.datetime | None = _UNSET,
    presenter: str | None = None,
    unit_ids: Sequence[int] | None = None,
    wait_from: dt.datetime | None = _UNSET,
    notes: str | None = None,
) -> AgendaItem:
    """Change an item; fields left out stay as they are (None clears a time)."""
    meeting = item.meeting
    _require_edit(actor, meeting)
    before = _snapshot(item)
    if topic is not None:
        item.topic = _text(topic, limit=MAX_TOPIC, what="议题", field="topic", required=True)
    if presenter is not None:
        item.presenter = _text(presenter, limit=MAX_PRESENTER, what="汇报人", field="presenter")
    if notes is not None:
        item.notes = _text(notes, limit=MAX_NOTES, what="备注", field="notes")
    if starts_at is not _UNSET:
        item.starts_at = starts_at
    if wait_from is not _UNSET:
        item.wait_from = wait_from
    _check_times(meeting, item.starts_at, item.wait_from)
    units = _units(unit_ids) if unit_ids is not None else None
    with transaction.atomic():
        item.save()
        if units is not None:
            item.units.set(units)
        after = _snapshot(item)
        changed = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
        if changed:
            audit_record(
                actor=actor,
                action="agenda_update",
                obj=meeting,
                summary=f"修改议题：{item.topic[:100]}",
                changes=changed,
                at=now,
            )
            _touch(meeting, now)
    return item


def agenda_item_delete(*, item: AgendaItem, actor: Any, now: dt.datetime) -> None:
    meeting = item.meeting
    _require_edit(actor, meeting)
    with transaction.atomic():
        snapshot = _snapshot(item)
        item.delete()
        audit_record(
            actor=actor,
            action="agenda_delete",
            obj=meeting,
            summary=f"删除议题：{snapshot['topic'][:100]}",
            changes={"before": snapshot},
            at=now,
        )
        _touch(meeting, now)


def agenda_reorder(
    *, meeting: Meeting, actor: Any, now: dt.datetime, ids: Sequence[int]
) -> list[AgendaItem]:
    """Put the items in the given order; `ids` must name every item exactly once."""
    _require_edit(actor, meeting)
    with transaction.atomic():
        current = {i.pk: i for i in meeting.agenda_items.order_by("pk").select_for_update()}
        if len(ids) != len(set(ids)) or set(ids) != set(current):
            raise InvalidInput(
                "顺序须包含本会议的全部议题，且每项一次",
                field="ids",
                details={"expected": sorted(current)},
            )
        changed = []
        for n, pk in enumerate(ids):
            if current[pk].order != n:
                current[pk].order = n
                changed.append(current[pk])
        if changed:
            AgendaItem.objects.bulk_update(changed, ["order"])
            audit_record(
                actor=actor,
                action="agenda_reorder",
                obj=meeting,
                summary="调整议程顺序",
                changes={"agenda": [current[pk].topic[:60] for pk in ids]},
                at=now,
            )
            _touch(meeting, now)
    return [current[pk] for pk in ids]


def agenda_item_move(
    *, item: AgendaItem, actor: Any, now: dt.datetime, offset: int
) -> list[AgendaItem]:
    """Move an item up (offset −1) or down (+1)."""
    ids = list(item.meeting.agenda_items.order_by("order", "pk").values_list("pk", flat=True))
    i = ids.index(item.pk)
    j = min(max(i + offset, 0), len(ids) - 1)
    ids.insert(j, ids.pop(i))
    return agenda_reorder(meeting=item.meeting, actor=actor, now=now, ids=ids)


def agenda_items(meeting: Meeting) -> list[AgendaItem]:
    """The agenda in order, units prefetched (the page, the API, the PDFs)."""
    return list(meeting.agenda_items.prefetch_related("units").order_by("order", "pk"))


# --- the notice (会议通知) ------------------------------------------------------------------

_NOTICE_FIELDS = ("doc_number", "addressees", "requirements", "contact", "issuer", "issued_on")


def notice_save(
    *,
    meeting: Meeting,
    actor: Any,
    now: dt.datetime,
    doc_number: str = "",
    addressees: str = "",
    requirements: str = "",
    contact: str = "",
    issuer: str = "",
    issued_on: dt.date | None = None,
    rsvp_deadline: dt.datetime | None = None,
) -> MeetingNotice:
    """The notice's text and the 回执 deadline it prints (Meeting.rsvp_deadline)."""
    _require_edit(actor, meeting)
    values = {
        "doc_number": _text(doc_number, limit=100, what="文号", field="doc_number"),
        "addressees": _text(addressees, limit=2000, what="主送", field="addressees"),
        "requirements": _text(requirements, limit=5000, what="会议要求", field="requirements"),
        "contact": _text(contact, limit=200, what="联系人及电话", field="contact"),
        "issuer": _text(issuer, limit=100, what="发文机关", field="issuer"),
        "issued_on": issued_on,
    }
    if rsvp_deadline is not None:
        if rsvp_deadline.tzinfo is None:
            raise InvalidInput("时间必须带时区", field="rsvp_deadline")
        if rsvp_deadline > meeting.start:
            raise InvalidInput("回执截止时间不能晚于会议开始", field="rsvp_deadline")
    notice = MeetingNotice.objects.filter(meeting=meeting).first() or MeetingNotice(meeting=meeting)
    before = {f: getattr(notice, f) for f in _NOTICE_FIELDS}
    before["rsvp_deadline"] = meeting.rsvp_deadline
    with transaction.atomic():
        for name, value in values.items():
            setattr(notice, name, value)
        notice.save()
        if meeting.rsvp_deadline != rsvp_deadline:
            meeting.rsvp_deadline = rsvp_deadline
            Meeting.objects.filter(pk=meeting.pk).update(rsvp_deadline=rsvp_deadline)
        after = {**values, "rsvp_deadline": rsvp_deadline}
        changed = {k: [_plain(before[k]), _plain(after[k])] for k in after if before[k] != after[k]}
        if changed:
            audit_record(
                actor=actor,
                action="notice_save",
                obj=meeting,
                summary="修改会议通知：" + "、".join(_NOTICE_LABELS.get(k, k) for k in changed),
                changes=changed,
                at=now,
            )
            _touch(meeting, now)
    return notice


_NOTICE_LABELS = {
    "doc_number": "文号",
    "addressees": "主送",
    "requirements": "会议要求",
    "contact": "联系人及电话",
    "issuer": "发文机关",
    "issued_on": "成文日期",
    "rsvp_deadline": "回执截止",
}


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def notice_for(meeting: Meeting) -> MeetingNotice | None:
    return MeetingNotice.objects.filter(meeting=meeting).first()
