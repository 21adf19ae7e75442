"""Odd times and query strings on the meetings API: a 422 naming the field, or the same
instant accepted, never a 500 and never half a booking (DESIGN §3).

Found by fuzzing against SQLite and PostgreSQL: an offset like +23:59 passed the schema
and made PostgreSQL refuse the timestamp (a 500); `%00` in a query string reached a
PostgreSQL query; a string of digits was read as a Unix timestamp.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from core.models import AuditEntry
from meetings.models import Attendance, Meeting
from tests.api_support import future_day, iso, meeting_body, when
from tests.factories import make_token

pytestmark = pytest.mark.django_db


def bearer(user) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token(user)}"})


def create(user, body):
    return bearer(user).post("/api/v1/meetings", body, content_type="application/json")


def assert_refused(response, *fields):
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert isinstance(body["details"], dict)
    assert {e["field"] for e in body["details"]["errors"]} == set(fields)
    assert Meeting.objects.count() == 0
    assert Attendance.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def at_offset(hour: int, offset: str) -> str:
    return f"{future_day().isoformat()}T{hour:02d}:00{offset}"


# --- time zones ----------------------------------------------------------------------------


@pytest.mark.parametrize("offset", ["+23:59", "-23:00", "+15:00", "-12:30"])
def test_an_offset_no_place_on_earth_uses_is_refused(organiser, room, offset):
    body = meeting_body(room.pk, when(9), when(10))
    body["start"], body["end"] = at_offset(9, offset), at_offset(10, offset)
    assert_refused(create(organiser, body), "start", "end")


@pytest.mark.parametrize("offset", ["+14:00", "-12:00", "Z", "+05:45"])
def test_a_real_offset_is_the_same_instant_in_beijing_time(organiser, room, offset):
    body = meeting_body(room.pk, when(9), when(10), submit=False)
    body["start"], body["end"] = at_offset(9, offset), at_offset(10, offset)
    response = create(organiser, body)
    assert response.status_code == 201, response.json()
    meeting = Meeting.objects.get()
    sent = dt.datetime.fromisoformat(body["start"].replace("Z", "+00:00"))
    assert meeting.start == sent
    assert response.json()["start"].endswith("+08:00")


@pytest.mark.parametrize("value", ["1796000000", " 1796000000 ", "-1", "1796000000.5"])
def test_a_string_of_digits_is_not_a_unix_timestamp(organiser, room, value):
    body = meeting_body(room.pk, when(9), when(10))
    body["start"] = value
    assert_refused(create(organiser, body), "start")


def test_patch_with_an_impossible_offset_changes_nothing(organiser, room):
    created = create(organiser, meeting_body(room.pk, when(9), when(10)))
    assert created.status_code == 201
    meeting = Meeting.objects.get()
    audits = AuditEntry.objects.count()
    response = bearer(organiser).patch(
        f"/api/v1/meetings/{meeting.pk}",
        {"start": at_offset(9, "+23:59")},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["details"]["errors"]] == ["start"]
    meeting.refresh_from_db()
    assert meeting.start == when(9) and meeting.sequence == 0
    assert AuditEntry.objects.count() == audits


# --- query strings -------------------------------------------------------------------------


def period() -> str:
    return f"start={iso(when(8)).replace('+', '%2B')}&end={iso(when(18)).replace('+', '%2B')}"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("equipment=%00", "equipment"),
        ("equipment=projector%00", "equipment"),
        ("status=pending%00", "status"),
    ],
)
def test_control_characters_in_a_query_string_are_a_422(organiser, room, query, field):
    url = "/api/v1/availability" if field == "equipment" else "/api/v1/meetings"
    response = bearer(organiser).get(f"{url}?{period()}&{query}")
    assert response.status_code == 422, response.content[:300]
    # Refused by the schema, before any query: PostgreSQL raises on NUL in a parameter.
    assert response.json()["details"]["errors"] == [{"field": field, "message": "不能包含控制字符"}]


@pytest.mark.parametrize(
    "query",
    [
        "start=abc&limit=-1&limit=99999&room_id=x",
        "start=1796000000",
        "start=2026-12-01T09:00%2B23:59",
        "start=0001-01-01&end=9999-12-31T23:59:59",
        "limit=99999999999999999999999",
        "room_id=9007199254740993",
    ],
)
def test_garbage_in_the_meeting_list_query_is_a_422(organiser, query):
    response = bearer(organiser).get(f"/api/v1/meetings?{query}")
    assert response.status_code == 422, response.content[:300]
    body = response.json()
    assert body["code"] == "invalid" and body["details"]["errors"]


def test_availability_with_an_impossible_offset_is_a_422(organiser, room):
    day = future_day().isoformat()
    response = bearer(organiser).get(
        f"/api/v1/rooms/{room.pk}/availability?start={day}T08:00%2B16:00&end={day}T18:00%2B16:00"
    )
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["details"]["errors"]} == {"start", "end"}


def test_too_many_acknowledgements_say_so_in_chinese(organiser, room):
    body = meeting_body(room.pk, when(9), when(10), acknowledge=["person_busy"] * 4)
    response = create(organiser, body)
    assert_refused(response, "acknowledge")
    assert "最多 3 项" in response.json()["message"]
