"""会前提醒 on a series: every occurrence is reminded, from the form and the API."""

from __future__ import annotations

import pytest

from meetings.models import Meeting, MeetingSeries
from tests.api_support import api_client, patch, post
from tests.conftest import client_for
from tests.meetings.test_pages_series import form_data
from tests.meetings.test_series_api import body, monday_ahead

pytestmark = pytest.mark.django_db


def reminders(series_id: int) -> list[int | None]:
    return list(
        Meeting.objects.filter(series_id=series_id)
        .order_by("start")
        .values_list("reminder_minutes", flat=True)
    )


def test_the_booking_form_gives_every_occurrence_the_reminder(organiser, room):
    data = form_data(room, monday_ahead(), reminder_minutes="30")
    response = client_for(organiser).post("/meetings/new/", data)
    assert response.status_code == 302, response.content.decode()[:500]
    series = MeetingSeries.objects.get()
    assert reminders(series.pk) == [30, 30, 30]
    assert series.template["reminder_minutes"] == 30


def test_over_the_api_create_then_change_it_for_the_whole_series(organiser, room):
    client = api_client(organiser)
    created = post(client, "/api/v1/series", body(room, monday_ahead(), reminder_minutes=60))
    assert created.status_code == 201, created.json()
    series_id = created.json()["id"]
    assert reminders(series_id) == [60, 60, 60, 60]
    changed = patch(client, f"/api/v1/series/{series_id}?scope=all", {"reminder_minutes": 15})
    assert changed.status_code == 200, changed.json()
    assert reminders(series_id) == [15, 15, 15, 15]
    refused = patch(client, f"/api/v1/series/{series_id}?scope=all", {"reminder_minutes": 0})
    assert refused.status_code == 422
    assert reminders(series_id) == [15, 15, 15, 15]
