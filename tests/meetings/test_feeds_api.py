"""The API: `/meetings/{id}/event.ics` and `/feeds` (list, create, revoke) for the cast."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from core.audit import audit_for
from meetings.feeds import feed_create
from meetings.models import Confidentiality, FeedToken
from tests.api_support import api_client, post
from tests.factories import at, make_meeting, make_person, make_token
from tests.meetings.ics import events, parse, parse_icaljs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def secret(organiser, room, leader):
    return make_meeting(
        room=room,
        start=at(1, 9),
        end=at(1, 10),
        organizer=organiser,
        title="干部人事研究",
        confidentiality=Confidentiality.CONFIDENTIAL,
        attendees=[leader.person],
    )


# --- event.ics -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "title"),
    [
        ("organiser", "干部人事研究"),
        ("leader", "干部人事研究"),
        ("secretary", "干部人事研究"),
        ("admin", "干部人事研究"),
        ("colleague", "内部会议"),
        ("outsider", "内部会议"),
    ],
)
def test_event_ics_is_masked_for_those_who_may_not_see_it(request, secret, who, title):
    user = request.getfixturevalue(who)
    response = api_client(user).get(f"/api/v1/meetings/{secret.pk}/event.ics")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="meeting-{secret.pk}.ics"' in response["Content-Disposition"]
    (event,) = events(parse(response.content))
    assert str(event["SUMMARY"]) == title
    assert str(event["UID"]) == f"meeting-{secret.pk}@127.0.0.1"
    parsed = parse_icaljs(response.content)
    assert parsed["events"][0]["start"]["utc"] == "2026-12-01T01:00:00Z"
    if title == "内部会议":
        assert "干部人事研究".encode() not in response.content


def test_event_ics_with_a_bearer_token(secret, organiser):
    response = Client().get(
        f"/api/v1/meetings/{secret.pk}/event.ics",
        HTTP_AUTHORIZATION=f"Bearer {make_token(organiser)}",
    )
    assert response.status_code == 200
    assert b"BEGIN:VCALENDAR" in response.content


def test_event_ics_needs_a_login_and_an_existing_meeting(secret, organiser):
    anonymous = Client().get(f"/api/v1/meetings/{secret.pk}/event.ics")
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "unauthenticated"
    missing = api_client(organiser).get("/api/v1/meetings/999999/event.ics")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"


def test_meeting_page_links_the_download(secret, organiser):
    html = api_client(organiser).get(f"/meetings/{secret.pk}/").content.decode()
    assert f'href="/api/v1/meetings/{secret.pk}/event.ics"' in html
    assert "下载日历 (.ics)" in html


# --- /feeds --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "status"),
    [("leader", 201), ("secretary", 201), ("admin", 201), ("colleague", 403), ("outsider", 403)],
)
def test_create_a_person_feed(request, leader, who, status):
    user = request.getfixturevalue(who)
    response = post(
        api_client(user),
        "/api/v1/feeds",
        {"person_id": leader.person.pk, "name": "手机", "privacy": "busy", "alarm_minutes": 15},
    )
    assert response.status_code == status, response.content
    if status == 201:
        body = response.json()
        assert body["person"] == {"id": leader.person.pk, "name": "王县长"}
        assert body["privacy"] == "busy" and body["alarm_minutes"] == 15
        assert body["url"] == f"http://127.0.0.1:8000/ical/{body['token']}.ics"
        assert body["webcal_url"] == f"webcal://127.0.0.1:8000/ical/{body['token']}.ics"
        assert Client().get(f"/ical/{body['token']}.ics").status_code == 200
        feed = FeedToken.objects.get(pk=body["id"])
        assert [e.action for e in audit_for(feed)] == ["feed_create"]
    else:
        assert response.json()["code"] == "forbidden"
        assert not FeedToken.objects.exists()


@pytest.mark.parametrize(("who", "status"), [("organiser", 201), ("admin", 201), ("leader", 403)])
def test_create_a_room_feed(request, room, who, status):
    user = request.getfixturevalue(who)
    response = post(api_client(user), "/api/v1/feeds", {"room_id": room.pk})
    assert response.status_code == status
    if status == 201:
        assert response.json()["room"] == {"id": room.pk, "name": "第一会议室"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "person_id"),
        ({"person_id": 1, "room_id": 1}, "person_id"),
        ({"person_id": 999999}, "person_id"),
        ({"room_id": 999999}, "room_id"),
        ({"person_id": "1"}, "person_id"),
        ({"person_id": 1, "privacy": "everything"}, "privacy"),
        ({"person_id": 1, "alarm_minutes": -5}, "alarm_minutes"),
        ({"person_id": 1, "name": "x" * 101}, "name"),
        ({"person_id": 1, "name": "a\u0000b"}, "name"),
        ({"person_id": 1, "token": "mine"}, "token"),
    ],
)
def test_create_refuses_bad_input_with_422(admin, leader, body, field):
    if body.get("person_id") == 1:
        body = {**body, "person_id": leader.person.pk}
    response = post(api_client(admin), "/api/v1/feeds", body)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["details"]["errors"]]


def test_list_shows_what_each_member_of_the_cast_manages(leader, secretary, admin, organiser, room):
    now = timezone.now()
    mine, _ = feed_create(actor=leader, now=now, person=leader.person, name="手机")
    other = make_person("赵副县长", is_leader=True)
    theirs, _ = feed_create(actor=admin, now=now, person=other, name="赵的手机")
    room_feed, _ = feed_create(actor=organiser, now=now, room=room, name="大屏")

    def ids(user):
        response = api_client(user).get("/api/v1/feeds")
        assert response.status_code == 200
        return {f["id"] for f in response.json()}

    assert ids(leader) == {mine.pk}
    assert ids(secretary) == {mine.pk}
    assert ids(organiser) == {room_feed.pk}
    assert ids(admin) == {mine.pk, theirs.pk, room_feed.pk}
    listed = api_client(leader).get("/api/v1/feeds").json()[0]
    assert "token" not in listed and "url" not in listed
    assert listed["created_by"]["username"] == "leader"
    assert Client().get("/api/v1/feeds").status_code == 401


def test_revoke(leader, secretary, colleague):
    feed, raw = feed_create(actor=leader, now=timezone.now(), person=leader.person)
    assert api_client(colleague).delete(f"/api/v1/feeds/{feed.pk}").status_code == 403
    assert Client().get(f"/ical/{raw}.ics").status_code == 200
    response = api_client(secretary).delete(f"/api/v1/feeds/{feed.pk}")
    assert response.status_code == 204
    assert Client().get(f"/ical/{raw}.ics").status_code == 404
    again = api_client(secretary).delete(f"/api/v1/feeds/{feed.pk}")
    assert again.status_code == 404
    assert api_client(secretary).delete("/api/v1/feeds/999999").status_code == 404
    assert [e.action for e in audit_for(feed)] == ["feed_revoke", "feed_create"]


def test_openapi_documents_the_feed_endpoints(admin):
    schema = api_client(admin).get("/api/v1/openapi.json").json()
    assert "/api/v1/feeds" in schema["paths"]
    assert "/api/v1/feeds/{feed_id}" in schema["paths"]
    ics = schema["paths"]["/api/v1/meetings/{meeting_id}/event.ics"]["get"]
    assert "text/calendar" in ics["responses"]["200"]["content"]
