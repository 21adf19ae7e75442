"""Writes to the people directory (units, people): the rules and the audit log.

Only 会务管理员 change the directory. The API, the staff pages and scripts all come
through here, so the rules and the audit entry are the same whichever door a change
came in by. Schema-level limits (lengths, ranges, e-mail syntax) stay in the schemas;
what needs the database or the actor is checked here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from core import roles
from core.audit import audit_record, diff, field_labels, snapshot
from core.exceptions import InvalidInput, PermissionDenied
from core.models import NotifyChannel, Person, Unit

UNIT_AUDIT_FIELDS = ["name", "short_name", "order", "robot_webhook"]
PERSON_AUDIT_FIELDS = [
    "name",
    "title",
    "unit",
    "rank",
    "is_leader",
    "email",
    "phone",
    "notify_channel",
    "robot_webhook",
    "active",
]

# What person_update accepts; `unit_id` is resolved to a unit here, so that an unknown
# id is an error naming the field rather than an IntegrityError.
_PERSON_EDITABLE = {"unit_id" if f == "unit" else f for f in PERSON_AUDIT_FIELDS}


def directory_require_admin(actor: Any) -> None:
    """Refuse anyone but 会务管理员.

    Public because the API checks it before looking the person up: a non-admin gets
    403 for any id and so learns nothing about which ids exist.
    """
    if not roles.is_admin(actor):
        raise PermissionDenied("只有会务管理员可以维护人员名录")


def _check_channel(value: str) -> None:
    if value not in NotifyChannel.values:
        raise InvalidInput(
            f"未知的通知方式：{value}（可选：{', '.join(NotifyChannel.values)}）",
            field="notify_channel",
        )


def _unit_for(unit_id: int) -> Unit:
    unit = Unit.objects.filter(pk=unit_id).first()
    if unit is None:
        raise InvalidInput("单位不存在", field="unit_id")
    return unit


# Zero-width characters survive str.strip() and make a name that prints as nothing.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"


def _strip(value: Any) -> Any:
    return value.strip().strip(_INVISIBLE).strip() if isinstance(value, str) else value


def unit_create(
    *,
    actor: Any,
    name: str,
    short_name: str = "",
    order: int = 100,
    now: dt.datetime | None = None,
) -> Unit:
    """A new unit; its name must be new (units are told apart by name on every print)."""
    directory_require_admin(actor)
    name = _strip(name)
    if not name:
        raise InvalidInput("单位名称不能为空", field="name")
    if Unit.objects.filter(name=name).exists():
        raise InvalidInput("已有同名单位", field="name")
    try:
        with transaction.atomic():
            unit = Unit.objects.create(name=name, short_name=short_name.strip(), order=order)
            audit_record(
                actor=actor,
                action="create",
                obj=unit,
                summary=f"新建单位：{unit.name}",
                changes={"after": snapshot(unit, UNIT_AUDIT_FIELDS)},
                at=now or timezone.now(),
            )
    except IntegrityError:
        # Two admins creating the same unit at once: the unique index decides.
        raise InvalidInput("已有同名单位", field="name") from None
    return unit


def person_create(
    *,
    actor: Any,
    name: str,
    unit_id: int,
    title: str = "",
    rank: int = 1000,
    is_leader: bool = False,
    email: str = "",
    phone: str = "",
    active: bool = True,
    notify_channel: str = NotifyChannel.EMAIL,
    robot_webhook: str = "",
    now: dt.datetime | None = None,
) -> Person:
    """A new person in the directory. Names may repeat (two 张伟 in different units)."""
    directory_require_admin(actor)
    name = _strip(name)
    if not name:
        raise InvalidInput("姓名不能为空", field="name")
    unit = _unit_for(unit_id)
    _check_channel(notify_channel)
    with transaction.atomic():
        person = Person.objects.create(
            name=name,
            unit=unit,
            title=title.strip(),
            rank=rank,
            is_leader=is_leader,
            email=email.strip(),
            phone=phone.strip(),
            active=active,
            notify_channel=notify_channel,
            robot_webhook=robot_webhook.strip(),
        )
        audit_record(
            actor=actor,
            action="create",
            obj=person,
            summary=f"新建人员：{person.name}",
            changes={"after": snapshot(person, PERSON_AUDIT_FIELDS)},
            at=now or timezone.now(),
        )
    return person


def person_update(
    *, actor: Any, person: Person, now: dt.datetime | None = None, **changes: Any
) -> Person:
    """Change some of a person's fields (see _PERSON_EDITABLE); the audit keeps before/after.

    Everything is checked before `person` is touched, so a refused change leaves the
    caller's object as it was, not half-edited.
    """
    directory_require_admin(actor)
    unknown = sorted(set(changes) - _PERSON_EDITABLE)
    if unknown:
        raise InvalidInput(f"不能修改的字段：{'、'.join(unknown)}", field=unknown[0])
    values = {k: _strip(v) for k, v in changes.items()}
    if "unit_id" in values:
        values["unit"] = _unit_for(values.pop("unit_id"))
    if "name" in values and not values["name"]:
        raise InvalidInput("姓名不能为空", field="name")
    if "notify_channel" in values:
        _check_channel(values["notify_channel"])
    before = snapshot(person, PERSON_AUDIT_FIELDS)
    for field, value in values.items():
        setattr(person, field, value)
    with transaction.atomic():
        person.save()
        changed = diff(before, snapshot(person, PERSON_AUDIT_FIELDS))
        audit_record(
            actor=actor,
            action="update",
            obj=person,
            summary="修改人员：" + (field_labels(Person, changed) or "无变化"),
            changes=changed,
            at=now or timezone.now(),
        )
    return person
