"""Staff pages (DESIGN §3); included at "/" by core.urls."""

from __future__ import annotations

from django.urls import URLPattern, path

from meetings import views

urlpatterns: list[URLPattern] = [
    path("", views.home, name="home"),
    path("board/", views.board, name="board"),
    path("meetings/new/", views.meeting_create_view, name="meeting_create"),
    path("meetings/new/check/", views.meeting_check, name="meeting_check"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting_detail"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/edit/check/", views.meeting_check, name="meeting_edit_check"),
    path("meetings/<int:pk>/cancel/", views.meeting_cancel_view, name="meeting_cancel"),
    path("meetings/<int:pk>/approve/", views.meeting_approve_view, name="meeting_approve"),
    path("meetings/<int:pk>/reject/", views.meeting_reject_view, name="meeting_reject"),
    path("approvals/", views.approvals, name="approvals"),
]
