"""Admin for meetings: read-mostly.

Bookings change only through meetings.services, which run the conflict rules and write
the audit log; a form here would bypass both. The one write offered is cancelling, and
it goes through meeting_cancel.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from core.exceptions import DomainError
from meetings.models import Attendance, Meeting, Notification, PrintJob, VcLink
from meetings.services import meeting_cancel


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    fields = ["person", "role", "order"]
    readonly_fields = ["person", "role", "order"]
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


_VC_LINK_FIELDS = (
    "provider",
    "active",
    "resource",
    "number",
    "password",
    "url",
    "dial_in",
    "room_name",
    "occupied_start",
    "occupied_end",
    "updated_at",
)


class VcLinkInline(admin.StackedInline):
    """The meeting's video-conference link: changed only through meetings.vc_services."""

    model = VcLink
    extra = 0
    can_delete = False
    fields = _VC_LINK_FIELDS
    readonly_fields = _VC_LINK_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


_MAIN = ("title", "kind", "priority", "status", "confidentiality", "description")
_WHEN_WHERE = (
    "start",
    "end",
    "room",
    "place",
    "setup_minutes",
    "teardown_minutes",
    "occupied_start",
    "occupied_end",
    "branch_of",
    "link_test_minutes",
)
_BOOKING = (
    "organizer",
    "expected_attendance",
    "acknowledged_conflicts",
    "hold_expires_at",
    "decided_by",
    "decided_at",
    "decision_note",
    "cancel_reason",
    "sequence",
    "created_at",
    "updated_at",
)


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "start",
        "end",
        "room",
        "status",
        "kind",
        "priority",
        "organizer",
        "confidentiality",
    ]
    list_filter = ["status", "kind", "priority", "confidentiality", "room"]
    search_fields = ["title", "description", "organizer__username"]
    list_select_related = ["room", "organizer"]
    date_hierarchy = "start"
    inlines = [AttendanceInline, VcLinkInline]
    actions = ["cancel_meetings"]
    fieldsets = [
        (None, {"fields": _MAIN}),
        ("时间地点", {"fields": _WHEN_WHERE}),
        ("预订", {"fields": _BOOKING}),
    ]
    # Everything is shown, nothing is editable: see the module docstring.
    readonly_fields = (*_MAIN, *_WHEN_WHERE, *_BOOKING)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Cancelled meetings stay on record (audit log, iCal STATUS:CANCELLED).
        return False

    @admin.action(description="取消所选会议（经预订规则，记入操作日志）")
    def cancel_meetings(self, request: HttpRequest, queryset: QuerySet[Meeting]) -> None:
        done, failed = 0, []
        for meeting in queryset.select_related("room", "organizer"):
            try:
                meeting_cancel(
                    meeting=meeting, actor=request.user, now=timezone.now(), reason="管理后台取消"
                )
            except DomainError as exc:
                failed.append(f"{meeting.title}：{exc.message}")
            else:
                done += 1
        if done:
            self.message_user(request, f"已取消 {done} 个会议", messages.SUCCESS)
        for line in failed:
            self.message_user(request, line, messages.WARNING)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox with its delivery record; 重新发送 lives on /notifications/outbox/ (it
    goes through the service, which re-reads the address and writes the audit log)."""

    list_display = [
        "created_at",
        "recipient",
        "person",
        "kind",
        "subject",
        "channel",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "channel", "kind"]
    search_fields = ["subject", "recipient__username", "person__name", "address"]
    list_select_related = ["recipient", "person"]
    readonly_fields = [
        "recipient",
        "person",
        "meeting",
        "kind",
        "subject",
        "body",
        "created_at",
        "read_at",
        "channel",
        "address",
        "mention",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
        "last_error",
        "ics_method",
        "ics",
        "dedupe_key",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Read-only: a changed address or status here would bypass the delivery claim.
        return False


@admin.register(PrintJob)
class PrintJobAdmin(admin.ModelAdmin):
    """Background print jobs, to see what failed and why (read-only)."""

    list_display = ["created_at", "kind", "meeting", "requested_by", "status", "done", "total"]
    list_filter = ["status", "kind"]
    search_fields = ["meeting__title", "requested_by__username"]
    list_select_related = ["meeting", "requested_by"]
    readonly_fields = [
        "meeting",
        "kind",
        "options",
        "requested_by",
        "status",
        "done",
        "total",
        "file",
        "filename",
        "error",
        "attempts",
        "created_at",
        "started_at",
        "finished_at",
        "heartbeat_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
