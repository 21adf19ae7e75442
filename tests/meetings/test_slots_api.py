"""POST /api/v1/slots/search: ranked slots with booking links; bad input is a clear 422."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import pytest

from core.timeutil import at_local
from tests.api_support import api_client, error_fields, future_day, iso, post
from tests.factories import make_meeting, make_person, make_room, make_terminal

pytestmark = pytest.mark.django_db


def window(day: dt.date, days: int = 1) -> dict:
    return {
        "start": iso(at_local(day, dt.time(0))),
        "end": iso(at_local(day + dt.timedelta(days=days), dt.time(0))),
    }


def test_it_ranks_slots_and_links_to_the_booking_form(organiser, room):
    day = future_day()
    wang, li = make_person("王县长", is_leader=True), make_person("李副县长", is_leader=True)
    make_meeting(
        room=None,
        organizer=organiser,
        attendees=[wang],
        start=at_local(day, dt.time(8)),
        end=at_local(day, dt.time(11)),
    )
    small = make_room("小会议室", capacity=6)
    r = post(
        api_client(organiser),
        "/api/v1/slots/search",
        {
            "person_ids": [wang.pk, li.pk],
            "duration_minutes": 60,
            "window": window(day),
            "limit": 3,
        },
    )
    assert r.status_code == 200, r.json()
    data = r.json()
    assert data["count"] == 3
    first = data["slots"][0]
    assert first["start"] == iso(at_local(day, dt.time(11)))
    assert first["room"]["id"] == small.pk  # least wasted capacity
    assert [x["id"] for x in first["rooms"]] == [small.pk, room.pk]
    link = urlsplit(first["book_url"])
    assert link.path == "/meetings/new/"
    assert parse_qs(link.query) == {
        "room": [str(small.pk)],
        "date": [day.isoformat()],
        "start": ["11:00"],
        "end": ["12:00"],
        "attendees": [str(wang.pk), str(li.pk)],
    }


def test_room_needs_and_working_hours(organiser, room):
    day = future_day()
    video = make_room("视频会议室", capacity=40, layout="round")
    make_terminal(video)
    r = post(
        api_client(organiser),
        "/api/v1/slots/search",
        {
            "duration_minutes": 30,
            "window": window(day),
            "working_hours": {"from": "14:00", "to": "15:00"},
            "room": {"vc_terminal": True, "layout": "round", "min_capacity": 10},
        },
    )
    assert r.status_code == 200, r.json()
    slots = r.json()["slots"]
    assert [s["start"][11:16] for s in slots] == ["14:00", "14:30"]
    assert {s["room"]["id"] for s in slots} == {video.pk}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"person_ids": list(range(1, 201))}, "person_ids"),
        ({"duration_minutes": 5}, "duration_minutes"),
        ({"duration_minutes": 100000}, "duration_minutes"),
        ({"window": "tomorrow"}, "window"),
        ({"room": {"layout": "pyramid"}}, "room.layout"),
        ({"room": {"equipment": ["teleporter"]}}, "room.equipment"),
        ({"working_hours": {"from": "18:00", "to": "09:00"}}, "working_hours.to"),
        ({"limit": 500}, "limit"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_input_is_a_clear_422(organiser, room, change, field):
    day = future_day()
    data = {"duration_minutes": 60, "window": window(day)}
    data.update(change)
    r = post(api_client(organiser), "/api/v1/slots/search", data)
    assert r.status_code == 422, r.json()
    assert error_fields(r) == [field]


def test_window_errors(organiser, room):
    day = future_day()
    client = api_client(organiser)
    backwards = {"start": iso(at_local(day, dt.time(12))), "end": iso(at_local(day, dt.time(9)))}
    r = post(client, "/api/v1/slots/search", {"duration_minutes": 60, "window": backwards})
    assert r.status_code == 422 and "结束必须晚于开始" in r.json()["message"]
    r = post(client, "/api/v1/slots/search", {"duration_minutes": 60, "window": window(day, 90)})
    assert r.status_code == 422 and "62 天" in r.json()["message"]
    r = post(
        client,
        "/api/v1/slots/search",
        {"duration_minutes": 60, "window": window(day), "person_ids": [999999]},
    )
    assert r.status_code == 422 and r.json()["details"]["missing"] == [999999]


def test_who_may_search(outsider, leader, secretary, room):
    day = future_day()
    data = {"duration_minutes": 60, "window": window(day)}
    assert post(api_client(outsider), "/api/v1/slots/search", data).status_code == 403
    assert post(api_client(leader), "/api/v1/slots/search", data).status_code == 403
    assert post(api_client(secretary), "/api/v1/slots/search", data).status_code == 200
    assert post(api_client(), "/api/v1/slots/search", data).status_code == 401
