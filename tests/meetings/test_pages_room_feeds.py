"""会议室日历订阅: the page where staff subscribe a room's bookings and revoke them."""

from __future__ import annotations

import datetime as dt
import re

import icalendar
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from core.timeutil import at_local
from meetings.feeds import feed_create
from meetings.models import FeedToken, Status
from tests.api_support import future_day
from tests.conftest import client_for
from tests.factories import make_meeting, make_room

pytestmark = pytest.mark.django_db

TOKEN_URL = re.compile(r"http://127\.0\.0\.1:8000/ical/([A-Za-z0-9_-]{43})\.ics")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_staff_subscribe_a_room_and_the_link_is_shown_once(organiser, room):
    day = future_day(2)
    make_meeting(
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        organizer=organiser,
        title="全县安全生产工作会议",
        status=Status.APPROVED,
    )
    make_room("第二会议室")  # another room: not in this feed
    client = client_for(organiser)
    board = client.get("/board/").content.decode()
    assert 'href="/rooms/feeds/"' in board

    response = client.post(
        "/rooms/feeds/new/", {"room": room.pk, "name": "门口屏", "privacy": "full"}
    )
    assert response.status_code == 302
    feed = FeedToken.objects.get()
    assert (feed.room, feed.name, feed.created_by) == (room, "门口屏", organiser)

    html = client.get(response["Location"]).content.decode()
    raw = TOKEN_URL.search(html).group(1)
    assert f"webcal://127.0.0.1:8000/ical/{raw}.ics" in html and "<svg" in html
    calendar = icalendar.Calendar.from_ical(Client().get(f"/ical/{raw}.ics").content)
    titles = [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")]
    assert titles == ["全县安全生产工作会议"]

    again = client.get("/rooms/feeds/").content.decode()
    assert raw not in again and "门口屏" in again and "第二会议室" in again


def test_revoke_from_the_page(organiser, colleague, room):
    feed, raw = feed_create(actor=organiser, now=timezone.now(), room=room, name="管理员手机")
    client = client_for(colleague)  # any 会务人员 manages room feeds, not only its creator
    assert client.get(f"/rooms/feeds/{feed.pk}/revoke/").status_code == 405
    response = client.post(f"/rooms/feeds/{feed.pk}/revoke/")
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "已撤销" in html and f'id="feed-{feed.pk}"' not in html
    assert Client().get(f"/ical/{raw}.ics").status_code == 404


def test_a_person_feed_is_not_revoked_here(admin, leader):
    feed, _ = feed_create(actor=leader, now=timezone.now(), person=leader.person)
    assert client_for(admin).post(f"/rooms/feeds/{feed.pk}/revoke/").status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None


@pytest.mark.parametrize("who", ["outsider", "leader", "secretary"])
def test_others_may_not_manage_room_feeds(request, who, room):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get("/rooms/feeds/").status_code == 403
    assert client.post("/rooms/feeds/new/", {"room": room.pk, "privacy": "full"}).status_code == 403
    assert 'href="/rooms/feeds/"' not in client.get("/board/").content.decode()
    assert not FeedToken.objects.exists()


def test_bad_input_creates_nothing(organiser, room):
    client = client_for(organiser)
    inactive = make_room("旧会议室", active=False)
    for data in (
        {"room": "", "privacy": "full"},
        {"room": "abc", "privacy": "full"},
        {"room": "²", "privacy": "full"},
        {"room": "9" * 30, "privacy": "full"},
        {"room": inactive.pk, "privacy": "full"},
        {"room": room.pk, "privacy": "everything"},
        {"room": room.pk, "privacy": "full", "name": "x" * 500},
    ):
        response = client.post("/rooms/feeds/new/", data)
        assert response.status_code == 302, data
        assert "未能新建订阅" in client.get(response["Location"]).content.decode(), data
    assert not FeedToken.objects.exists()


def test_anonymous_is_sent_to_login():
    response = Client().get("/rooms/feeds/")
    assert response.status_code == 302 and "/login" in response["Location"]
