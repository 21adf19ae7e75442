"""Bad input to POST /api/v1/meetings: a 422 naming the field, and nothing saved."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from core.models import AuditEntry
from meetings.models import Attendance, Meeting
from tests.api_support import api_client, error_fields, meeting_body, post, when
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def create(user, body):
    return post(api_client(user), "/api/v1/meetings", body)


def assert_refused(response, *fields):
    assert response.status_code == 422, response.json()
    body = response.json()
    assert body["code"] == "invalid" and body["message"]
    assert set(error_fields(response)) == set(fields)
    assert all(e["message"] for e in body["details"]["errors"])
    assert Meeting.objects.count() == 0
    assert Attendance.objects.count() == 0
    assert AuditEntry.objects.count() == 0


def test_end_before_start(organiser, room):
    assert_refused(create(organiser, meeting_body(room.pk, when(10), when(9))), "end")


def test_zero_length(organiser, room):
    assert_refused(create(organiser, meeting_body(room.pk, when(9), when(9))), "end")


def test_absurd_length(organiser, room):
    end = when(9) + dt.timedelta(hours=settings.MAX_MEETING_HOURS + 1)
    assert_refused(create(organiser, meeting_body(room.pk, when(9), end)), "end")


def test_in_the_past(organiser, room):
    start = when(9) - dt.timedelta(days=60)
    assert_refused(
        create(organiser, meeting_body(room.pk, start, start + dt.timedelta(hours=1))), "start"
    )


def test_absurd_year(organiser, room):
    body = meeting_body(room.pk, when(9), when(10))
    body["start"], body["end"] = "9999-12-31T23:00", "9999-12-31T23:59"
    assert_refused(create(organiser, body), "start", "end")


@pytest.mark.parametrize("value", ["tomorrow", "2026-13-01T09:00", 1767225600, None, ""])
def test_not_a_time(organiser, room, value):
    body = meeting_body(room.pk, when(9), when(10))
    body["start"] = value
    assert_refused(create(organiser, body), "start")


def test_missing_required_fields(organiser):
    assert_refused(create(organiser, {}), "title", "start", "end")


def test_unknown_room(organiser):
    assert_refused(create(organiser, meeting_body(999999, when(9), when(10))), "room_id")


def test_inactive_room(organiser, room):
    room.active = False
    room.save()
    assert_refused(create(organiser, meeting_body(room.pk, when(9), when(10))), "room_id")


def test_neither_room_nor_place(organiser):
    assert_refused(create(organiser, meeting_body(None, when(9), when(10))), "room_id")


def test_unknown_person_names_the_attendee(organiser, room):
    known = make_person()
    body = meeting_body(
        room.pk, when(9), when(10), attendees=[{"person_id": known.pk}, {"person_id": 999999}]
    )
    response = create(organiser, body)
    assert_refused(response, "attendees.1.person_id")
    assert response.json()["details"]["missing"] == [999999]


def test_a_person_twice(organiser, room):
    p = make_person()
    body = meeting_body(
        room.pk, when(9), when(10), attendees=[{"person_id": p.pk}, {"person_id": p.pk}]
    )
    assert_refused(create(organiser, body), "attendees")


def test_unknown_role(organiser, room):
    p = make_person()
    body = meeting_body(room.pk, when(9), when(10), attendees=[{"person_id": p.pk, "role": "boss"}])
    assert_refused(create(organiser, body), "attendees.0.role")


def test_over_long_strings(organiser, room):
    body = meeting_body(
        room.pk, when(9), when(10), title="会" * 201, place="地" * 201, description="x" * 5001
    )
    assert_refused(create(organiser, body), "title", "place", "description")


def test_blank_title(organiser, room):
    assert_refused(
        create(organiser, meeting_body(room.pk, when(9), when(10), title="   ")), "title"
    )
    assert_refused(create(organiser, meeting_body(room.pk, when(9), when(10), title="")), "title")


def test_control_characters(organiser, room):
    assert_refused(
        create(organiser, meeting_body(room.pk, when(9), when(10), title="会\x00议")), "title"
    )


def test_wrong_types(organiser, room):
    body = meeting_body(
        str(room.pk),
        when(9),
        when(10),
        title=123,
        priority="2",
        expected_attendance=2.5,
        attendees={"person_id": 1},
        submit="yes",
        acknowledge="person_busy",
    )
    assert_refused(
        create(organiser, body),
        "room_id",
        "title",
        "priority",
        "expected_attendance",
        "attendees",
        "submit",
        "acknowledge",
    )


def test_out_of_range_numbers(organiser, room):
    body = meeting_body(
        room.pk,
        when(9),
        when(10),
        priority=4,
        setup_minutes=-1,
        teardown_minutes=241,
        expected_attendance=5001,
    )
    assert_refused(
        create(organiser, body),
        "priority",
        "setup_minutes",
        "teardown_minutes",
        "expected_attendance",
    )


def test_huge_ids(organiser):
    assert_refused(create(organiser, meeting_body(2**70, when(9), when(10))), "room_id")


def test_unknown_choices(organiser, room):
    body = meeting_body(
        room.pk, when(9), when(10), kind="party", confidentiality="secret", acknowledge=["all"]
    )
    assert_refused(create(organiser, body), "kind", "confidentiality", "acknowledge.0")


def test_extra_fields(organiser, room):
    body = meeting_body(room.pk, when(9), when(10), status="approved", organizer_id=1)
    assert_refused(create(organiser, body), "status", "organizer_id")


def test_too_many_attendees(organiser, room):
    body = meeting_body(
        room.pk, when(9), when(10), attendees=[{"person_id": i} for i in range(1, 502)]
    )
    assert_refused(create(organiser, body), "attendees")


def test_a_body_that_is_not_an_object(organiser):
    response = post(api_client(organiser), "/api/v1/meetings", ["title"])
    assert response.status_code == 422
    assert Meeting.objects.count() == 0


def test_the_error_lists_every_field_in_the_message(organiser, room):
    response = create(organiser, meeting_body(room.pk, when(9), when(10), title="", priority=9))
    assert "title" in response.json()["message"] and "priority" in response.json()["message"]
