"""Admin for rooms and their equipment (master data kept by 会务管理员).

Changes here land in the audit log like changes through rooms.services (see
core.admin.AuditedModelAdmin).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core.admin import AuditedModelAdmin
from core.audit import audit_record, field_labels, snapshot
from core.exceptions import InvalidInput
from rooms.layouts import LayoutKind, build_layout, params_help
from rooms.models import Equipment, Room, RoomLayout, VcKind, VcResource
from rooms.services import (
    EQUIPMENT_AUDIT_FIELDS,
    ROOM_AUDIT_FIELDS,
    ROOM_LAYOUT_AUDIT_FIELDS,
    VC_RESOURCE_AUDIT_FIELDS,
    room_layout_validate,
    vc_number_validate,
)


@admin.register(Equipment)
class EquipmentAdmin(AuditedModelAdmin):
    audit_fields = EQUIPMENT_AUDIT_FIELDS
    audit_label = "设备"
    list_display = ["name", "code"]
    search_fields = ["name", "code"]
    prepopulated_fields = {"code": ["name"]}


class VcResourceForm(forms.ModelForm):
    """The number rules of rooms.services, so the admin says what the API says."""

    class Meta:
        model = VcResource
        fields = [
            "kind",
            "name",
            "number",
            "password",
            "capacity",
            "room",
            "active",
            "order",
            "notes",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind") or getattr(self.instance, "kind", "")
        if "number" in data and kind:
            try:
                data["number"] = vc_number_validate(
                    kind=kind, number=data["number"] or "", exclude_pk=self.instance.pk
                )
            except InvalidInput as exc:
                self.add_error("number", exc.message)
        return data


class TerminalForm(VcResourceForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Set before validation, so the model's constraints see a terminal.
        self.instance.kind = VcKind.TERMINAL


class TerminalInline(admin.TabularInline):
    """The VC terminals in a room: what makes it usable as a 分会场."""

    model = VcResource
    form = TerminalForm
    fk_name = "room"
    extra = 0
    fields = ["name", "number", "active", "notes"]
    verbose_name = verbose_name_plural = "视频会议终端"

    def get_queryset(self, request: HttpRequest) -> QuerySet[VcResource]:
        return super().get_queryset(request).filter(kind=VcKind.TERMINAL)


@admin.register(VcResource)
class VcResourceAdmin(AuditedModelAdmin):
    """The MCU pool (virtual rooms with fixed numbers) and the terminals in rooms."""

    form = VcResourceForm
    audit_fields = VC_RESOURCE_AUDIT_FIELDS
    audit_label = "视频会议资源"
    list_display = ["name", "kind", "number", "capacity", "room", "active", "order"]
    list_filter = ["kind", "active"]
    list_editable = ["order"]
    list_select_related = ["room"]
    search_fields = ["name", "number", "room__name"]
    fields = ["kind", "name", "number", "password", "capacity", "room", "active", "order", "notes"]


class RoomLayoutForm(forms.ModelForm):
    """Params are checked by expanding them into seats, so a typo is a form error here."""

    class Meta:
        model = RoomLayout
        fields = ["name", "kind", "params", "is_default"]
        help_texts = {
            "params": "JSON，按布局类型："
            + " | ".join(f"{kind.value}：{params_help(kind.value)}" for kind in LayoutKind)
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        kind = data.get("kind")
        if kind and "params" in data:
            params = data["params"] if data["params"] is not None else {}
            try:
                data["params"] = room_layout_validate(kind=kind, params=params)
            except InvalidInput as exc:
                self.add_error("params", exc.message)
        return data


class RoomLayoutFormSet(forms.BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        defaults = [
            f
            for f in self.forms
            if getattr(f, "cleaned_data", None)
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("is_default")
        ]
        if len(defaults) > 1:
            raise forms.ValidationError("每个会议室只能有一个默认布局")


class RoomLayoutInline(admin.TabularInline):
    """Seat layouts of the room; meetings seat people on a copy of one of them."""

    model = RoomLayout
    form = RoomLayoutForm
    formset = RoomLayoutFormSet
    extra = 0
    fields = ["name", "kind", "params", "is_default", "seat_count"]
    readonly_fields = ["seat_count"]
    verbose_name = verbose_name_plural = "座位布局"

    @admin.display(description="座位数")
    def seat_count(self, obj: RoomLayout) -> str:
        if obj.pk is None:
            return "—"
        try:
            return str(len(build_layout(obj.kind, obj.params).seats))
        except InvalidInput as exc:
            return f"参数有误：{exc.message}"


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
    inlines = [TerminalInline, RoomLayoutInline]
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

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is RoomLayout:
            fields, label = ROOM_LAYOUT_AUDIT_FIELDS, "座位布局"
            before = _inline_before(formset, fields)
            self._hand_over_default(form, formset)
        else:
            # Terminals edited inline are master data too: audited like VcResourceAdmin's.
            fields, label = VC_RESOURCE_AUDIT_FIELDS, "视频会议终端"
            before = _inline_before(formset, fields)
        super().save_formset(request, form, formset, change)
        _audit_inline(request, formset, before, fields=fields, label=label)

    def _hand_over_default(self, form: Any, formset: Any) -> None:
        """One default per room is a partial unique index: the old default must let go
        before the new one is written, whatever order the rows are saved in."""
        chosen = [
            f.instance
            for f in formset.forms
            if getattr(f, "cleaned_data", None)
            and f.cleaned_data.get("is_default")
            and not f.cleaned_data.get("DELETE")
        ]
        if chosen:
            others = RoomLayout.objects.filter(room=form.instance, is_default=True)
            if chosen[0].pk is not None:
                others = others.exclude(pk=chosen[0].pk)
            others.update(is_default=False)


def _inline_before(formset: Any, fields: list[str]) -> dict[Any, dict[str, Any]]:
    """The stored state of the inline rows about to change, for the audit's "before"."""
    return {
        f.instance.pk: snapshot(f.instance.__class__.objects.get(pk=f.instance.pk), fields)
        for f in formset.forms
        if f.instance.pk and f.has_changed()
    }


def _audit_inline(
    request: HttpRequest,
    formset: Any,
    before: dict[Any, dict[str, Any]],
    *,
    fields: list[str],
    label: str,
) -> None:
    """One audit entry per row an inline formset created, changed or deleted."""
    now = timezone.now()
    for obj in formset.new_objects:
        audit_record(
            actor=request.user,
            action="create",
            obj=obj,
            summary=f"后台新建{label}：{obj}",
            changes={"after": snapshot(obj, fields)},
            at=now,
        )
    for obj, changed in formset.changed_objects:
        audit_record(
            actor=request.user,
            action="update",
            obj=obj,
            summary=f"后台修改{label}：{obj}（{field_labels(obj, changed)}）",
            changes={"before": before.get(obj.pk), "after": snapshot(obj, fields)},
            at=now,
        )
    for obj in formset.deleted_objects:
        audit_record(
            actor=request.user,
            action="delete",
            obj=obj,
            summary=f"后台删除{label}：{obj}",
            changes={"before": before.get(obj.pk) or snapshot(obj, fields)},
            at=now,
        )
