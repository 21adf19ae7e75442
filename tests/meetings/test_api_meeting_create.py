"""POST /api/v1/meetings: who may book, what is stored, what comes back."""

from __future__ import annotations

import datetime as dt

import pytest

from core.models import AuditEntry
from meetings.models import Attendance, Meeting, Status
from tests.api_support import api_client, future_day, iso, meeting_body, post, when
from tests.factories import make_person

pytestmark = pytest.mark.django_db


def test_organiser_books_a_free_room(organiser, room):
    person = make_person("李副县长", title="副县长", is_leader=True)
    body = meeting_body(
        room.pk,
        when(9),
        when(10),
        kind="executive",
        attendees=[{"person_id": person.pk, "role": "chair"}],
        expected_attendance=20,
    )
    response = post(api_client(organiser), "/api/v1/meetings", body)
    assert response.status_code == 201, response.json()
    out = response.json()
    assert out["status"] == "approved" and out["status_label"] == "已确认"
    assert out["kind_label"] == "常务会议"
    assert out["priority"] == 2, "an executive meeting is 重要会议 by default"
    assert out["start"] == iso(when(9)) and out["start"].endswith("+08:00")
    assert out["occupied_start"] == iso(when(8, 45)) and out["occupied_end"] == iso(when(10, 15))
    assert out["room"] == {"id": room.pk, "name": room.name, "location": room.location}
    assert out["organizer"]["username"] == "organiser"
    assert out["attendees"] == [
        {
            "person_id": person.pk,
            "name": "李副县长",
            "title": "副县长",
            "unit": person.unit.name,
            "role": "chair",
            "role_label": "主持",
        }
    ]
    assert out["masked"] is False and out["can_edit"] is True
    meeting = Meeting.objects.get()
    assert meeting.organizer == organiser
    assert AuditEntry.objects.filter(object_type="meetings.meeting", action="create").count() == 1


def test_times_without_offset_are_beijing_time(organiser, room):
    day = future_day()
    body = meeting_body(room.pk, when(9), when(10))
    body["start"], body["end"] = f"{day}T09:00", f"{day}T10:00:00"
    response = post(api_client(organiser), "/api/v1/meetings", body)
    assert response.status_code == 201, response.json()
    stored = Meeting.objects.get()
    assert stored.start == dt.datetime.combine(day, dt.time(1, 0), tzinfo=dt.UTC)
    assert response.json()["start"] == f"{day}T09:00:00+08:00"


def test_times_with_another_offset_are_kept_as_sent(organiser, room):
    day = future_day()
    body = meeting_body(room.pk, when(9), when(10))
    body["start"], body["end"] = f"{day}T01:00:00Z", f"{day}T02:00:00Z"
    response = post(api_client(organiser), "/api/v1/meetings", body)
    assert response.status_code == 201
    assert response.json()["start"] == f"{day}T09:00:00+08:00"


def test_a_secretary_may_book_for_their_leader(secretary, room):
    response = post(
        api_client(secretary), "/api/v1/meetings", meeting_body(room.pk, when(9), when(10))
    )
    assert response.status_code == 201


@pytest.mark.parametrize("who", ["outsider", "leader", "approver"])
def test_people_without_a_booking_role_get_403(request, who, room):
    client = api_client(request.getfixturevalue(who))
    response = post(client, "/api/v1/meetings", meeting_body(room.pk, when(9), when(10)))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert Meeting.objects.count() == 0


def test_outsider_gets_403_even_for_an_unknown_room(outsider):
    response = post(
        api_client(outsider), "/api/v1/meetings", meeting_body(999999, when(9), when(10))
    )
    assert response.status_code == 403


def test_markup_in_a_title_is_stored_verbatim_and_returned_as_json_text(organiser, room):
    title = '<script>alert("x")</script> & <b>会</b>'
    response = post(
        api_client(organiser),
        "/api/v1/meetings",
        meeting_body(room.pk, when(9), when(10), title=title),
    )
    assert response.status_code == 201
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["title"] == title
    assert Meeting.objects.get().title == title


def test_a_draft_holds_nothing(organiser, colleague, room):
    draft = post(
        api_client(organiser),
        "/api/v1/meetings",
        meeting_body(room.pk, when(9), when(10), submit=False),
    )
    assert draft.status_code == 201 and draft.json()["status"] == "draft"
    other = post(
        api_client(colleague), "/api/v1/meetings", meeting_body(room.pk, when(9), when(10))
    )
    assert other.status_code == 201


def test_a_meeting_elsewhere_needs_a_place(organiser):
    response = post(
        api_client(organiser),
        "/api/v1/meetings",
        meeting_body(None, when(9), when(10), place="县工业园区"),
    )
    assert response.status_code == 201
    assert response.json()["room"] is None and response.json()["location"] == "县工业园区"


def test_an_approval_room_holds_the_slot_as_pending(organiser, approval_room):
    response = post(
        api_client(organiser), "/api/v1/meetings", meeting_body(approval_room.pk, when(9), when(10))
    )
    assert response.status_code == 201
    out = response.json()
    assert out["status"] == Status.PENDING and out["hold_expires_at"].endswith("+08:00")


def test_attendees_are_stored_in_the_given_order(organiser, room):
    a, b = make_person("甲", rank=5), make_person("乙", rank=1)
    body = meeting_body(
        room.pk,
        when(9),
        when(10),
        attendees=[{"person_id": a.pk}, {"person_id": b.pk, "role": "sit_in"}],
    )
    response = post(api_client(organiser), "/api/v1/meetings", body)
    assert [x["name"] for x in response.json()["attendees"]] == ["甲", "乙"]
    assert Attendance.objects.get(person=b).role == "sit_in"
