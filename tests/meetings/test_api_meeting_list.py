"""GET /api/v1/meetings: filters, paging and its limits."""

from __future__ import annotations

import datetime as dt

import pytest

from meetings.models import Status
from tests.api_support import api_client, error_fields, iso, when
from tests.factories import make_meeting, make_person, make_room

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(organiser, colleague, room, leader, secretary):
    other = make_room("第二会议室")
    day = when(0)
    return {
        "morning": make_meeting(
            room=room, start=when(9), end=when(10), organizer=organiser, title="上午"
        ),
        "afternoon": make_meeting(
            room=other,
            start=when(14),
            end=when(15),
            organizer=colleague,
            title="下午",
            attendees=[leader.person],
        ),
        "pending": make_meeting(
            room=room,
            start=day + dt.timedelta(days=1, hours=9),
            end=day + dt.timedelta(days=1, hours=10),
            organizer=colleague,
            status=Status.PENDING,
            title="次日",
        ),
        "other": other,
    }


def titles(response):
    assert response.status_code == 200, response.json()
    return [m["title"] for m in response.json()["items"]]


def test_everything_in_start_order_with_a_count(outsider, week):
    response = api_client(outsider).get("/api/v1/meetings")
    assert titles(response) == ["上午", "下午", "次日"]
    assert response.json()["count"] == 3


def test_a_period_selects_meetings_that_overlap_it(outsider, week):
    params = {"start": iso(when(9, 30)), "end": iso(when(14))}
    assert titles(api_client(outsider).get("/api/v1/meetings", params)) == ["上午"]


def test_times_without_offset_in_the_query_are_beijing_time(outsider, week):
    day = when(0).date()
    params = {"start": f"{day}T13:00", "end": f"{day}T16:00"}
    assert titles(api_client(outsider).get("/api/v1/meetings", params)) == ["下午"]


def test_filters_by_room_person_and_status(outsider, leader, week):
    client = api_client(outsider)
    assert titles(client.get("/api/v1/meetings", {"room_id": week["other"].pk})) == ["下午"]
    assert titles(client.get("/api/v1/meetings", {"person_id": leader.person.pk})) == ["下午"]
    assert titles(client.get("/api/v1/meetings", {"status": "pending"})) == ["次日"]
    assert titles(client.get("/api/v1/meetings", {"status": "approved,pending"})) == [
        "上午",
        "下午",
        "次日",
    ]
    assert titles(client.get("/api/v1/meetings", {"person_id": make_person().pk})) == []


def test_mine_means_organised_attended_or_for_my_leader(organiser, leader, secretary, week):
    assert titles(api_client(organiser).get("/api/v1/meetings", {"mine": "true"})) == ["上午"]
    assert titles(api_client(leader).get("/api/v1/meetings", {"mine": "true"})) == ["下午"]
    assert titles(api_client(secretary).get("/api/v1/meetings", {"mine": "true"})) == ["下午"]


def test_limit_and_offset_page_through(outsider, week):
    response = api_client(outsider).get("/api/v1/meetings", {"limit": 1, "offset": 1})
    assert titles(response) == ["下午"]
    assert response.json()["count"] == 3
    assert (response.json()["limit"], response.json()["offset"]) == (1, 1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": 501}, "limit"),
        ({"limit": 0}, "limit"),
        ({"offset": -1}, "offset"),
        ({"status": "approved,done"}, "status"),
        ({"start": "yesterday"}, "start"),
        ({"room_id": "abc"}, "room_id"),
        ({"mine": "perhaps"}, "mine"),
    ],
)
def test_bad_parameters_are_422(outsider, params, field):
    response = api_client(outsider).get("/api/v1/meetings", params)
    assert response.status_code == 422
    assert error_fields(response) == [field]


def test_an_inverted_period_is_422(outsider):
    response = api_client(outsider).get(
        "/api/v1/meetings", {"start": iso(when(10)), "end": iso(when(9))}
    )
    assert response.status_code == 422 and error_fields(response) == ["end"]


def test_the_list_costs_a_fixed_number_of_queries(
    outsider, organiser, room, django_assert_max_num_queries
):
    people = [make_person() for _ in range(5)]
    for hour in range(8, 18):
        make_meeting(
            room=None, start=when(hour), end=when(hour, 30), organizer=organiser, attendees=people
        )
    client = api_client(outsider)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/meetings").json()["items"]) == 10
