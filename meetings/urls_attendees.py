"""Pages of issue 6: attendees, RSVP, check-in, agenda, notice, the leaders' week.

Included from meetings/urls.py, so that the pages of parallel features do not edit one
long list.
"""

from __future__ import annotations

from django.urls import URLPattern, path

from meetings import views_agenda, views_attendees, views_checkin, views_documents, views_rsvp

A = "meetings/<int:pk>/attendees/"

urlpatterns: list[URLPattern] = [
    path(A, views_attendees.attendee_list, name="meeting_attendees"),
    path(f"{A}add/", views_attendees.attendee_add_view, name="meeting_attendee_add"),
    path(f"{A}import/", views_attendees.attendee_import_view, name="meeting_attendee_import"),
    path(f"{A}export.xlsx", views_attendees.attendee_export_view, name="meeting_attendee_export"),
    path(f"{A}codes/", views_attendees.attendee_codes_view, name="meeting_attendee_codes"),
    path(f"{A}<int:aid>/role/", views_attendees.attendee_role_view, name="meeting_attendee_role"),
    path(f"{A}<int:aid>/move/", views_attendees.attendee_move_view, name="meeting_attendee_move"),
    path(
        f"{A}<int:aid>/remove/",
        views_attendees.attendee_remove_view,
        name="meeting_attendee_remove",
    ),
    path(f"{A}<int:aid>/rsvp/", views_attendees.attendee_rsvp_view, name="meeting_attendee_rsvp"),
    path("meetings/<int:pk>/checkin/", views_checkin.checkin_page, name="meeting_checkin"),
    path(
        "meetings/<int:pk>/checkin/panel/",
        views_checkin.checkin_panel,
        name="meeting_checkin_panel",
    ),
    path(
        "meetings/<int:pk>/checkin/<int:aid>/undo/",
        views_checkin.checkin_undo_view,
        name="meeting_checkin_undo",
    ),
    path("meetings/<int:pk>/agenda/", views_agenda.agenda_page, name="meeting_agenda"),
    path(
        "meetings/<int:pk>/agenda/<int:item_id>/",
        views_agenda.agenda_item_edit,
        name="meeting_agenda_item",
    ),
    path(
        "meetings/<int:pk>/agenda/<int:item_id>/delete/",
        views_agenda.agenda_item_delete_view,
        name="meeting_agenda_delete",
    ),
    path(
        "meetings/<int:pk>/agenda/<int:item_id>/move/",
        views_agenda.agenda_item_move_view,
        name="meeting_agenda_move",
    ),
    path("meetings/<int:pk>/notice/", views_agenda.notice_page, name="meeting_notice"),
    path("schedules/leaders/week/", views_documents.leaders_week_page, name="leaders_week"),
    # The personal RSVP link: the signed token is the credential (no login).
    path("r/<str:token>/", views_rsvp.rsvp, name="rsvp"),
]
