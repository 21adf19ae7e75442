"""Staff pages (DESIGN §3); included at "/" by core.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from meetings import (
    views,
    views_feeds,
    views_notifications,
    views_printjobs,
    views_room_feeds,
    views_schedule,
    views_seating,
    views_series,
    views_slots,
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("board/", views.board, name="board"),
    path("meetings/new/", views.meeting_create_view, name="meeting_create"),
    path("meetings/new/check/", views.meeting_check, name="meeting_check"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/edit/check/", views.meeting_check, name="meeting_edit_check"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel_view, name="meeting_cancel"),
    path("meetings/<int:pk>/vc/", views.meeting_vc_view, name="meeting_vc"),
    path("meetings/<int:pk>/vc/release/", views.meeting_vc_release_view, name="meeting_vc_release"),
    path("meetings/<int:pk>/approve/", views.meeting_approve_view, name="meeting_approve"),
    path("meetings/<int:pk>/seating/", views_seating.seating_page, name="meeting_seating"),
    path(
        "meetings/<int:pk>/seating/arrange/",
        views_seating.seating_arrange_view,
        name="meeting_seating_arrange",
    ),
    path(
        "meetings/<int:pk>/seating/move/",
        views_seating.seating_move_view,
        name="meeting_seating_move",
    ),
    path(
        "meetings/<int:pk>/seating/lock/",
        views_seating.seating_lock_view,
        name="meeting_seating_lock",
    ),
    path("meetings/<int:pk>/reject/", views.meeting_reject_view, name="meeting_reject"),
    # Background print jobs (issue 8): start, watch, retry; downloads go through the API.
    path(
        "meetings/<int:pk>/print-jobs/",
        views_printjobs.print_job_create_view,
        name="meeting_print_job_create",
    ),
    path(
        "meetings/<int:pk>/print-jobs/<int:job_id>/",
        views_printjobs.print_job_page,
        name="meeting_print_job",
    ),
    path(
        "meetings/<int:pk>/print-jobs/<int:job_id>/status/",
        views_printjobs.print_job_status_view,
        name="meeting_print_job_status",
    ),
    path(
        "meetings/<int:pk>/print-jobs/<int:job_id>/retry/",
        views_printjobs.print_job_retry_view,
        name="meeting_print_job_retry",
    ),
    path("approvals/", views.approvals, name="approvals"),
    # Series (系列会议) and find-a-time (issue 7).
    path("meetings/new/series-preview/", views_series.series_preview_view, name="series_preview"),
    path("meetings/<int:pk>/restore/", views_series.meeting_restore_view, name="meeting_restore"),
    path("series/<int:pk>/", views_series.series_detail_view, name="series_detail"),
    path("series/<int:pk>/edit/", views_series.series_edit_view, name="series_edit"),
    path("series/<int:pk>/approve/", views_series.series_approve_view, name="series_approve"),
    path("slots/", views_slots.find_a_time, name="find_a_time"),
    path("my/schedule/", views_schedule.my_schedule, name="my_schedule"),
    path("my/schedule/feeds/", views_schedule.schedule_feed_create, name="schedule_feed_create"),
    path(
        "my/schedule/feeds/<int:pk>/revoke/",
        views_schedule.schedule_feed_revoke,
        name="schedule_feed_revoke",
    ),
    path("rooms/feeds/", views_room_feeds.room_feeds, name="room_feeds"),
    path("rooms/feeds/new/", views_room_feeds.room_feed_create, name="room_feed_create"),
    path(
        "rooms/feeds/<int:pk>/revoke/",
        views_room_feeds.room_feed_revoke,
        name="room_feed_revoke",
    ),
    # Notifications (issue 8): one's own list, the admins' outbox and 重新发送.
    path("notifications/", views_notifications.my_notifications, name="notifications"),
    path(
        "notifications/read/", views_notifications.my_notifications_read, name="notifications_read"
    ),
    path("notifications/outbox/", views_notifications.outbox, name="notification_outbox"),
    path(
        "notifications/<int:pk>/retry/",
        views_notifications.outbox_retry,
        name="notification_retry",
    ),
    # The calendar feed: the token is the credential (no login), see views_feeds.
    path("ical/<str:token>.ics", views_feeds.feed_ics, name="feed_ics"),
    # Attendees, RSVP, check-in, agenda, notice and the leaders' week (issue 6).
    path("", include("meetings.urls_attendees")),
]
