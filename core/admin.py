"""Admin for the directory (units, people with their secretaries), API tokens and the audit log.

The audit log and the token hashes are evidence: readable here, never editable.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core.models import ApiToken, AuditEntry, Person, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "order"]
    list_editable = ["order"]
    search_fields = ["name", "short_name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["name", "title", "unit", "rank", "is_leader", "user", "active"]
    list_filter = ["is_leader", "active", "unit"]
    list_editable = ["rank"]
    search_fields = ["name", "title", "unit__name", "user__username"]
    list_select_related = ["unit", "user"]
    autocomplete_fields = ["unit"]
    raw_id_fields = ["user"]
    filter_horizontal = ["secretaries"]
    fieldsets = [
        (None, {"fields": ["name", "title", "unit", "rank", "is_leader", "active"]}),
        ("联系方式", {"fields": ["email", "phone"]}),
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
