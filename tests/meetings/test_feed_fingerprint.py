"""The feed's ETag query, written in SQL for speed, agrees with the ORM's feed_meetings()."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from meetings.calendar import _fingerprint, feed_meetings, feed_version, feed_window
from meetings.feeds import feed_create
from meetings.models import Meeting, Status, VcLink
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db


def _aware(value):
    # SQLite answers a raw query with text; the ORM with an aware datetime.
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = parse_datetime(str(value))
    assert parsed is not None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


@pytest.fixture
def scene(leader, organiser, room):
    person = leader.person
    now = timezone.now().replace(microsecond=0)
    day = dt.timedelta(days=1)
    cases = {
        "approved": (Status.APPROVED, now + day, now),
        "pending": (Status.PENDING, now + 2 * day, now),
        "draft": (Status.DRAFT, now + 3 * day, now),
        "rejected": (Status.REJECTED, now + 4 * day, now),
        "cancelled lately": (Status.CANCELLED, now + 5 * day, now - 2 * day),
        "cancelled long ago": (Status.CANCELLED, now + 6 * day, now - 60 * day),
        "ended long ago": (Status.APPROVED, now - 800 * day, now - 800 * day),
    }
    made = {}
    for title, (status, start, updated) in cases.items():
        made[title] = make_meeting(
            room=room,
            start=start,
            end=start + dt.timedelta(hours=1),
            organizer=organiser,
            status=status,
            title=title,
            attendees=[person],
            updated_at=updated,
        )
    # A draft cancelled lately: never submitted, so in no feed.
    made["draft cancelled"] = make_meeting(
        room=room,
        start=now + 8 * day,
        end=now + 8 * day + dt.timedelta(hours=1),
        organizer=organiser,
        status=Status.DRAFT,
        title="draft cancelled",
        attendees=[person],
        updated_at=now,
    )
    Meeting.objects.filter(pk=made["draft cancelled"].pk).update(status=Status.CANCELLED)
    # In the room, but not the leader's: only the room feed shows it.
    made["not attended"] = make_meeting(
        room=room,
        start=now + 7 * day,
        end=now + 7 * day + dt.timedelta(hours=1),
        organizer=organiser,
    )
    m = made["approved"]
    VcLink.objects.create(
        meeting=m,
        provider="external",
        url="https://vc.example.gov.cn/j/1",
        occupied_start=m.occupied_start,
        occupied_end=m.occupied_end,
        updated_at=now + dt.timedelta(minutes=5),
    )
    person_feed, _ = feed_create(actor=leader, now=now, person=person)
    room_feed, _ = feed_create(actor=organiser, now=now, room=room)
    return made, person_feed, room_feed, feed_window(timezone.localdate(now))


@pytest.mark.parametrize("kind", ["person", "room"])
def test_the_sql_fingerprint_matches_the_orm_definition(scene, kind):
    made, person_feed, room_feed, window = scene
    feed = person_feed if kind == "person" else room_feed
    orm = feed_meetings(feed, window).aggregate(
        n=Count("pk"),
        ids=Sum("pk"),
        changed=Max("updated_at"),
        vc_changed=Max("vc_link__updated_at"),
    )
    n, ids, changed, vc_changed = _fingerprint(feed, window)
    assert (n, int(ids)) == (orm["n"], orm["ids"])
    assert (_aware(changed), _aware(vc_changed)) == (orm["changed"], orm["vc_changed"])
    expected = {"approved", "pending", "cancelled lately"} | (
        {"not attended"} if kind == "room" else set()
    )
    assert orm["n"] == len(expected)
    assert orm["ids"] == sum(made[title].pk for title in expected)


def test_the_etag_moves_with_what_the_feed_shows_and_only_with_that(scene):
    made, feed, _, window = scene
    before = feed_version(feed, window)
    later = timezone.now() + dt.timedelta(minutes=10)
    Meeting.objects.filter(pk=made["rejected"].pk).update(updated_at=later)
    assert feed_version(feed, window) == before  # not in the feed
    VcLink.objects.filter(meeting=made["approved"]).update(updated_at=later)
    vc_moved = feed_version(feed, window)
    assert vc_moved != before
    Meeting.objects.filter(pk=made["pending"].pk).update(updated_at=later + dt.timedelta(1))
    assert feed_version(feed, window) != vc_moved
