"""`/ical/<token>.ics` as calendar clients use it: fetch, refetch, 304, HEAD, revoke, bad tokens."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from core.timeutil import at_local
from meetings import views_feeds
from meetings.feeds import feed_create, feed_revoke
from meetings.models import FeedPrivacy, FeedToken
from meetings.services import AttendeeSpec, meeting_cancel, meeting_create, meeting_update
from tests.api_support import future_day
from tests.meetings.ics import check_octets, event_by_uid, events, parse, parse_icaljs

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    # Cached feeds and the bad-token rate limit live in the cache, which outlives a test.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def day() -> dt.date:
    return future_day()


@pytest.fixture
def meeting(organiser, room, leader, day):
    return meeting_create(
        actor=organiser,
        title="县政府常务会议",
        room=room,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
        now=timezone.now(),
        attendees=[AttendeeSpec(leader.person, "chair")],
    )


@pytest.fixture
def feed(leader):
    return feed_create(actor=leader, now=timezone.now(), person=leader.person, name="手机")


def url(raw: str) -> str:
    return f"/ical/{raw}.ics"


def test_a_feed_is_served_with_calendar_headers(meeting, feed):
    _, raw = feed
    response = Client().get(url(raw))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"] == "private, max-age=900"
    assert "noindex" in response["X-Robots-Tag"]
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert int(response["Content-Length"]) == len(response.content)
    assert "Set-Cookie" not in response  # nothing to remember about a calendar client
    cal = parse(response.content)
    (event,) = events(cal)
    assert str(event["SUMMARY"]) == "县政府常务会议"
    assert str(cal["X-WR-CALNAME"]) == "王县长的日程"


def test_unchanged_feed_same_bytes_same_uid_and_304(meeting, feed):
    _, raw = feed
    client = Client()
    first = client.get(url(raw))
    second = client.get(url(raw))
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    uid = f"meeting-{meeting.pk}@127.0.0.1"
    assert str(events(parse(second.content))[0]["UID"]) == uid
    again = client.get(url(raw), HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]
    weak = client.get(url(raw), HTTP_IF_NONE_MATCH=f'"other", W/{first["ETag"]}')
    assert weak.status_code == 304
    assert client.get(url(raw), HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_reschedule_bumps_sequence_and_the_etag(meeting, feed, organiser, day):
    _, raw = feed
    client = Client()
    before = client.get(url(raw))
    meeting_update(
        meeting=meeting,
        actor=organiser,
        now=timezone.now(),
        start=at_local(day, dt.time(15)),
        end=at_local(day, dt.time(16)),
    )
    after = client.get(url(raw), HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    uid = f"meeting-{meeting.pk}@127.0.0.1"
    old, new = event_by_uid(parse(before.content), uid), event_by_uid(parse(after.content), uid)
    assert new["SEQUENCE"] == old["SEQUENCE"] + 1
    assert new.decoded("DTSTART") == at_local(day, dt.time(15))
    assert new.decoded("DTSTAMP") >= old.decoded("DTSTAMP")  # to the second
    parsed = parse_icaljs(after.content)
    assert parsed["events"][0]["sequence"] == old["SEQUENCE"] + 1
    assert parsed["events"][0]["start"]["local"] == f"{day.isoformat()}T15:00:00"
    assert parsed["events"][0]["start"]["utc"] == f"{day.isoformat()}T07:00:00Z"


def test_cancellation_shows_as_cancelled(meeting, feed, organiser):
    _, raw = feed
    meeting_cancel(meeting=meeting, actor=organiser, now=timezone.now(), reason="领导另有安排")
    response = Client().get(url(raw))
    (event,) = events(parse(response.content))
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "【已取消】县政府常务会议"
    assert "取消原因：领导另有安排" in str(event["DESCRIPTION"])
    assert parse_icaljs(response.content)["events"][0]["status"] == "CANCELLED"


def test_head_answers_like_get_without_a_body(meeting, feed):
    _, raw = feed
    client = Client()
    head = client.head(url(raw))
    get = client.get(url(raw))
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Length"] == str(len(get.content))
    assert head["ETag"] == get["ETag"]
    assert head["Content-Type"] == "text/calendar; charset=utf-8"
    assert client.head(url(raw), HTTP_IF_NONE_MATCH=get["ETag"]).status_code == 304


def test_other_methods_are_refused(feed):
    _, raw = feed
    assert Client().post(url(raw)).status_code == 405


def test_revoked_feed_is_404_and_others_still_work(meeting, feed, leader):
    feed_obj, raw = feed
    _, other = feed_create(actor=leader, now=timezone.now(), person=leader.person)
    client = Client()
    assert client.get(url(raw)).status_code == 200
    feed_revoke(actor=leader, feed=feed_obj, now=timezone.now())
    response = client.get(url(raw))
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/plain")
    assert client.head(url(raw)).status_code == 404
    assert client.get(url(other)).status_code == 200


def test_deleted_person_takes_their_feeds_along(feed, leader):
    _, raw = feed
    leader.person.delete()
    assert not FeedToken.objects.exists()
    assert Client().get(url(raw)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/ical/" + "A" * 43 + ".ics",  # well-formed, unknown
        "/ical/short.ics",
        "/ical/" + "a" * 5000 + ".ics",
        "/ical/" + "王" * 43 + ".ics",
        "/ical/%E7%8E%8B%00" + "a" * 40 + ".ics",
        "/ical/" + "a" * 40 + "%27%22%3C.ics",
        "/ical/.ics",
        "/ical/" + "a" * 43,
        "/ical/" + "a" * 43 + ".ics.ics",
    ],
)
def test_malformed_and_unknown_tokens_are_404_never_500(path):
    response = Client().get(path)
    assert response.status_code == 404


def test_floods_of_failed_fetches_are_rate_limited(monkeypatch):
    monkeypatch.setattr(views_feeds, "FAILED_FETCH_LIMIT", 3)
    client = Client()
    for _ in range(3):
        assert client.get("/ical/" + "B" * 43 + ".ics").status_code == 404
    response = client.get("/ical/" + "B" * 43 + ".ics")
    assert response.status_code == 429
    assert response["Retry-After"]


def test_last_access_is_recorded(meeting, feed):
    feed_obj, raw = feed
    assert feed_obj.last_accessed_at is None
    Client().get(url(raw))
    feed_obj.refresh_from_db()
    assert feed_obj.last_accessed_at is not None
    seen = feed_obj.last_accessed_at
    Client().get(url(raw))
    feed_obj.refresh_from_db()
    assert feed_obj.last_accessed_at == seen  # within a few minutes: no write


def test_repeat_fetch_is_served_from_the_cache(meeting, feed, django_assert_num_queries):
    _, raw = feed
    client = Client()
    first = client.get(url(raw))
    # The token, and the fingerprint (ETag) — no meetings read, no calendar built.
    with django_assert_num_queries(2):
        again = client.get(url(raw))
    assert again.content == first.content
    with django_assert_num_queries(2):
        assert client.get(url(raw), HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304


def test_busy_feed_over_http(meeting, leader):
    _, raw = feed_create(
        actor=leader, now=timezone.now(), person=leader.person, privacy=FeedPrivacy.BUSY
    )
    data = Client().get(url(raw)).content
    check_octets(data)
    assert "县政府常务会议".encode() not in data
    assert str(events(parse(data))[0]["SUMMARY"]) == "内部会议"
