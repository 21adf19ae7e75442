"""Admin for rooms and their equipment (master data kept by 会务管理员)."""

from __future__ import annotations

from django.contrib import admin

from rooms.models import Equipment, Room


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
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
