"""Staff pages (DESIGN §3); included at "/" by core.urls."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path

from meetings import (
    views,
    views_feeds,
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
    path("approvals/", views.approvals, name="approvals"),
    # Series (系列会议) and find-a-time (issue 7).
    path("meetings/new/series-preview/", views_series.series_preview_view, name="series_preview"),
    path("meetings/<int:pk>/restore/", views_series.meeting_restore_view, name="meeting_restore"),
    path("series/<int:pk>/", views_series.series_detail_view, name="series_detail"),
    path("series/<int:pk>/edit/", views_series.series_edit_view, name="series_edit"),
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
    # The calendar feed: the token is the credential (no login), see views_feeds.
    path("ical/<str:token>.ics", views_feeds.feed_ics, name="feed_ics"),
    # Attendees, RSVP, check-in, agenda, notice and the leaders' week (issue 6).
    path("", include("meetings.urls_attendees")),
]
