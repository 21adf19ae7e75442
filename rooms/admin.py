"""Admin for rooms and their equipment (master data kept by 会务管理员).

Changes here land in the audit log like changes through rooms.services (see
core.admin.AuditedModelAdmin).
"""

from __future__ import annotations

from django.contrib import admin

from core.admin import AuditedModelAdmin
from rooms.models import Equipment, Room
from rooms.services import EQUIPMENT_AUDIT_FIELDS, ROOM_AUDIT_FIELDS


@admin.register(Equipment)
class EquipmentAdmin(AuditedModelAdmin):
    audit_fields = EQUIPMENT_AUDIT_FIELDS
    audit_label = "设备"
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Room)
class RoomAdmin(AuditedModelAdmin):
    audit_fields = ROOM_AUDIT_FIELDS
    # Codes, as rooms.services records equipment, so both doors write the same values.
    audit_m2m = {"equipment": "code"}
    audit_label = "会议室"
    list_display = [
        "name",
        "building",
        "floor",
        "capacity",
        "layout",
        "needs_approval",
        "bookable_from",
        "bookable_until",
        "active",
        "order",
    ]
    list_filter = ["active", "needs_approval", "layout", "building"]
    list_editable = ["order"]
    search_fields = ["name", "building"]
    filter_horizontal = ["equipment"]
    fieldsets = [
        (
            None,
            {"fields": ["name", "building", "floor", "capacity", "layout", "equipment", "notes"]},
        ),
        (
            "预订规则",
            {
                "fields": [
                    "needs_approval",
                    "bookable_from",
                    "bookable_until",
                    "setup_minutes",
                    "teardown_minutes",
                ]
            },
        ),
        ("显示", {"fields": ["active", "order"]}),
    ]
