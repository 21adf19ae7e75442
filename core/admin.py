"""Admin for the directory (units, people with their secretaries), API tokens and the audit log.

The audit log and the token hashes are evidence: readable here, never editable. Master
data edited here (units, people; rooms and equipment in rooms/admin.py) is audited like
a change through the services, see AuditedModelAdmin.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib import admin, messages
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core.audit import audit_record, diff, field_labels, snapshot
from core.models import ApiToken, AuditEntry, Person, Unit
from core.services import PERSON_AUDIT_FIELDS, UNIT_AUDIT_FIELDS


class AuditedModelAdmin(admin.ModelAdmin):
    """Writes an audit entry (who, when, before/after) for every add, change and delete.

    The admin is a second door to the master data, and DESIGN §11 wants every change in
    the log. The admin form has already validated the row (field limits, unique names,
    the model's check constraints), so this records the change instead of going through
    the services, whose API-shaped errors the admin could not show.
    """

    # Robot webhook addresses typed without a scheme are https (企业微信/钉钉 serve
    # nothing else); saying so also keeps Django 5.2's deprecation warning away.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    # Plain fields, recorded as core.audit.snapshot records them.
    audit_fields: ClassVar[list[str]] = []
    # Many-to-many fields, each recorded as the sorted values of the given attribute.
    audit_m2m: ClassVar[dict[str, str]] = {}
    # What the object is called in the summary ("会议室").
    audit_label: ClassVar[str] = ""

    def _audit_values(self, obj: models.Model, form: Any = None) -> dict[str, Any]:
        values = snapshot(obj, self.audit_fields)
        for name, attr in self.audit_m2m.items():
            # save_model runs before save_related writes the many-to-many rows, so their
            # new value is the validated form's; a field not on the form (a list_editable
            # row) keeps the stored value.
            if form is not None and name in form.cleaned_data:
                related: Any = form.cleaned_data[name]
            elif obj.pk is not None:
                related = getattr(obj, name).all()
            else:
                related = []
            values[name] = sorted(str(getattr(r, attr)) for r in related)
        return values

    def _stored_values(self, obj: models.Model) -> dict[str, Any]:
        # By now the form has copied its data onto `obj`; the row still holds the old values.
        return self._audit_values(type(obj)._default_manager.get(pk=obj.pk))

    def _audit_delete(self, request: HttpRequest, obj: models.Model) -> None:
        # Recorded before deleting, while the object still has its primary key; the admin
        # deletes inside a transaction, so a refused delete takes the entry back with it.
        audit_record(
            actor=request.user,
            action="delete",
            obj=obj,
            summary=f"后台删除{self.audit_label}：{obj}",
            changes={"before": self._stored_values(obj)},
            at=timezone.now(),
        )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = self._stored_values(obj) if change else None
        super().save_model(request, obj, form, change)
        after = self._audit_values(obj, form)
        if before is None:
            audit_record(
                actor=request.user,
                action="create",
                obj=obj,
                summary=f"后台新建{self.audit_label}：{obj}",
                changes={"after": after},
                at=timezone.now(),
            )
            return
        changed = diff(before, after)
        if not changed:
            # "Save" pressed without editing anything: there is no change to record.
            return
        audit_record(
            actor=request.user,
            action="update",
            obj=obj,
            summary=f"后台修改{self.audit_label}：{obj}（{field_labels(obj, changed)}）",
            changes=changed,
            at=timezone.now(),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        self._audit_delete(request, obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        # The "delete selected" action bypasses delete_model.
        for obj in queryset:
            self._audit_delete(request, obj)
        super().delete_queryset(request, queryset)


@admin.register(Unit)
class UnitAdmin(AuditedModelAdmin):
    audit_fields = UNIT_AUDIT_FIELDS
    audit_label = "单位"
    list_display = ["name", "short_name", "order"]
    list_editable = ["order"]
    search_fields = ["name", "short_name"]


@admin.register(Person)
class PersonAdmin(AuditedModelAdmin):
    audit_fields = [*PERSON_AUDIT_FIELDS, "user"]
    audit_m2m = {"secretaries": "username"}
    audit_label = "人员"
    list_display = [
        "name",
        "title",
        "unit",
        "rank",
        "is_leader",
        "notify_channel",
        "email",
        "phone",
        "user",
        "active",
    ]
    # 通知方式 and an empty 邮箱 filter: who the system cannot reach (notifications skip
    # them with a reason, but finding them here beats reading the outbox).
    list_filter = [
        "is_leader",
        "active",
        "notify_channel",
        ("email", admin.EmptyFieldListFilter),
        "unit",
    ]
    list_editable = ["rank"]
    search_fields = ["name", "title", "unit__name", "user__username", "email", "phone"]
    list_select_related = ["unit", "user"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["user"]
    filter_horizontal = ["secretaries"]
    fieldsets = [
        (None, {"fields": ["name", "title", "unit", "rank", "is_leader", "active"]}),
        ("联系方式与通知", {"fields": ["email", "phone", "notify_channel", "robot_webhook"]}),
        ("账号", {"fields": ["user", "secretaries"]}),
    ]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are issued by `manage.py create_api_token`, which shows the secret once."""

    list_display = ["user", "name", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "name"]
    list_select_related = ["user"]
    readonly_fields = ["user", "name", "token_hash", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="吊销所选令牌")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        n = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"已吊销 {n} 个令牌", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "action", "object_type", "object_id", "summary"]
    list_filter = ["action", "object_type"]
    search_fields = ["summary", "object_id", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
    readonly_fields = ["at", "actor", "action", "object_type", "object_id", "summary", "changes"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
