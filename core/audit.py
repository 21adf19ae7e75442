"""The audit log: every service that changes something records it here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from core.models import AuditEntry


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    return value


def snapshot(obj: models.Model, fields: list[str]) -> dict[str, Any]:
    """The values of `fields` in a JSON-friendly form, for a before/after diff."""
    return {f: _plain(getattr(obj, f)) for f in fields}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}


def field_labels(model: type[models.Model] | models.Model, names: Iterable[str]) -> str:
    """The model's own Chinese names of changed fields, for a summary staff read
    (开始时间、电子邮箱), not the code's (start, email)."""
    opts = model._meta
    labels = []
    for name in names:
        try:
            labels.append(str(getattr(opts.get_field(name), "verbose_name", name)))
        except FieldDoesNotExist:  # a pseudo-field of a summary (secretaries, a layout key)
            labels.append(name)
    return "、".join(labels)


def audit_record(
    *,
    actor: Any,
    action: str,
    obj: models.Model,
    summary: str = "",
    changes: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        summary=summary[:300],
        changes=changes or {},
    )
    if at is not None:
        entry.at = at
    entry.save()
    return entry


def audit_for(obj: models.Model) -> models.QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(
        object_type=obj._meta.label_lower, object_id=str(obj.pk)
    ).select_related("actor")
