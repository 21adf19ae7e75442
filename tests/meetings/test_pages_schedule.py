"""我的日程: coming meetings, the feeds list, subscribing (links shown once, QR code), revoking."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from core.timeutil import at_local
from meetings.feeds import feed_create
from meetings.models import FeedToken, Status
from tests.api_support import future_day
from tests.conftest import client_for
from tests.factories import make_meeting, make_person, make_user

pytestmark = pytest.mark.django_db

TOKEN_URL = re.compile(r"http://127\.0\.0\.1:8000/ical/([A-Za-z0-9_-]{43})\.ics")


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def coming(leader, organiser, room):
    day = future_day(3)
    return [
        make_meeting(
            room=room,
            organizer=organiser,
            attendees=[leader.person],
            title="县政府常务会议",
            start=at_local(day, dt.time(9)),
            end=at_local(day, dt.time(10)),
        ),
        make_meeting(
            room=room,
            organizer=organiser,
            attendees=[leader.person],
            title="招商引资专题会议",
            status=Status.PENDING,
            start=at_local(day, dt.time(14)),
            end=at_local(day, dt.time(15)),
        ),
        make_meeting(  # beyond two weeks
            room=room,
            organizer=organiser,
            attendees=[leader.person],
            title="年度总结会议",
            start=at_local(day + dt.timedelta(days=20), dt.time(9)),
            end=at_local(day + dt.timedelta(days=20), dt.time(10)),
        ),
        make_meeting(  # a draft is nobody's appointment yet
            room=room,
            organizer=organiser,
            attendees=[leader.person],
            title="草稿会议",
            status=Status.DRAFT,
            start=at_local(day, dt.time(16)),
            end=at_local(day, dt.time(17)),
        ),
    ]


def test_leader_sees_coming_meetings_and_feeds(leader, coming):
    feed_create(actor=leader, now=timezone.now(), person=leader.person, name="我的手机")
    response = client_for(leader).get("/my/schedule/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "我的日程" in html and "王县长" in html
    assert "县政府常务会议" in html and "招商引资专题会议" in html and "待审批" in html
    assert "年度总结会议" not in html and "草稿会议" not in html
    assert "我的手机" in html and "尚未使用" in html and "撤销" in html
    assert "新建订阅" in html
    assert not TOKEN_URL.search(html)  # existing feeds never show their link again
    assert 'href="/my/schedule/"' in html  # the navigation link


def test_secretary_chooses_among_their_leaders(secretary, leader, coming):
    boss = make_person("书记", is_leader=True, rank=0)
    boss.secretaries.add(secretary)
    html = client_for(secretary).get("/my/schedule/").content.decode()
    assert 'id="person-chooser"' in html
    assert "王县长" in html and "书记" in html
    chosen = client_for(secretary).get(f"/my/schedule/?person={leader.person.pk}")
    assert "县政府常务会议" in chosen.content.decode()
    stranger = make_person("外单位领导", is_leader=True)
    assert client_for(secretary).get(f"/my/schedule/?person={stranger.pk}").status_code == 404
    assert client_for(secretary).get("/my/schedule/?person=abc").status_code == 404


@pytest.mark.parametrize("who", ["colleague", "outsider", "organiser", "approver"])
def test_others_have_no_schedule_page(request, who):
    user = request.getfixturevalue(who)
    response = client_for(user).get("/my/schedule/")
    assert response.status_code == 403
    assert 'href="/my/schedule/"' not in client_for(user).get("/board/").content.decode()


def test_anonymous_is_sent_to_login():
    response = Client().get("/my/schedule/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_admin_may_look_at_a_leaders_schedule(admin, leader, coming):
    html = client_for(admin).get(f"/my/schedule/?person={leader.person.pk}").content.decode()
    assert "县政府常务会议" in html


def test_create_shows_the_links_and_qr_code_once(leader, coming):
    client = client_for(leader)
    response = client.post(
        "/my/schedule/feeds/",
        {
            "person": leader.person.pk,
            "name": "县长的手机",
            "privacy": "full",
            "alarm_minutes": "15",
        },
    )
    assert response.status_code == 302
    feed = FeedToken.objects.get()
    assert (feed.name, feed.privacy, feed.alarm_minutes) == ("县长的手机", "full", 15)
    assert feed.created_by == leader

    html = client.get(response["Location"]).content.decode()
    match = TOKEN_URL.search(html)
    assert match, html
    raw = match.group(1)
    assert f"webcal://127.0.0.1:8000/ical/{raw}.ics" in html
    assert "<svg" in html and "订阅二维码" in html  # the QR code, inline
    assert "只显示这一次" in html
    assert Client().get(f"/ical/{raw}.ics").status_code == 200

    again = client.get(f"/my/schedule/?person={leader.person.pk}").content.decode()
    assert raw not in again and "<svg" not in again


def test_secretary_creates_for_their_leader_but_not_for_others(secretary, leader):
    client = client_for(secretary)
    client.post("/my/schedule/feeds/", {"person": leader.person.pk, "privacy": "busy"})
    assert FeedToken.objects.get().privacy == "busy"
    stranger = make_person("外单位领导", is_leader=True, user=make_user("waidanwei"))
    response = client.post("/my/schedule/feeds/", {"person": stranger.pk, "privacy": "full"})
    assert response.status_code == 404
    assert FeedToken.objects.count() == 1


def test_invalid_form_creates_nothing(leader):
    client = client_for(leader)
    response = client.post(
        "/my/schedule/feeds/", {"person": leader.person.pk, "privacy": "all", "name": "x"}
    )
    assert response.status_code == 302
    assert not FeedToken.objects.exists()
    assert "未能新建订阅" in client.get(response["Location"]).content.decode()


def test_colleague_cannot_create_or_revoke(colleague, leader):
    feed, _ = feed_create(actor=leader, now=timezone.now(), person=leader.person)
    client = client_for(colleague)
    assert client.post("/my/schedule/feeds/", {"person": leader.person.pk}).status_code == 403
    assert client.post(f"/my/schedule/feeds/{feed.pk}/revoke/").status_code == 403
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_revoke_from_the_page(leader):
    feed, raw = feed_create(actor=leader, now=timezone.now(), person=leader.person, name="旧手机")
    client = client_for(leader)
    assert client.get(f"/my/schedule/feeds/{feed.pk}/revoke/").status_code == 405
    response = client.post(f"/my/schedule/feeds/{feed.pk}/revoke/")
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "已撤销订阅" in html and 'id="feed-' not in html
    assert Client().get(f"/ical/{raw}.ics").status_code == 404
    assert client.post(f"/my/schedule/feeds/{feed.pk}/revoke/").status_code == 404
