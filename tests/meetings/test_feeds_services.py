"""meetings.feeds: who manages which feeds, tokens stored as hashes, the audit log."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest

from core.audit import audit_for
from core.exceptions import InvalidInput, PermissionDenied
from meetings.feeds import (
    ACCESS_RECORD_INTERVAL,
    MAX_FEEDS_PER_SUBJECT,
    can_manage_person_feeds,
    feed_by_token,
    feed_create,
    feed_list_for,
    feed_revoke,
    feed_touch,
    feed_url,
    schedule_people_for,
    webcal_url,
)
from meetings.models import FeedKind, FeedPrivacy, FeedToken
from tests.factories import NOW, make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("leader", True),  # their own schedule
        ("secretary", True),  # assigned to the leader
        ("admin", True),
        ("colleague", False),
        ("organiser", False),
        ("approver", False),
        ("outsider", False),
    ],
)
def test_who_manages_a_leaders_feeds(request, leader, who, may):
    actor = request.getfixturevalue(who)
    person = leader.person
    assert can_manage_person_feeds(actor, person) is may
    if may:
        feed, raw = feed_create(actor=actor, now=NOW, person=person, name="手机")
        assert feed.kind == FeedKind.PERSON and feed.person == person
        assert feed in feed_list_for(actor)
        feed_revoke(actor=actor, feed=feed, now=NOW)
        assert feed_by_token(raw) is None
    else:
        with pytest.raises(PermissionDenied):
            feed_create(actor=actor, now=NOW, person=person)
        other, _ = feed_create(actor=leader, now=NOW, person=person)
        with pytest.raises(PermissionDenied):
            feed_revoke(actor=actor, feed=other, now=NOW)
        assert other not in feed_list_for(actor)


def test_a_secretary_manages_only_the_leaders_assigned_to_them(secretary):
    other_leader = make_person("赵副县长", is_leader=True, user=make_user("zhao"))
    with pytest.raises(PermissionDenied):
        feed_create(actor=secretary, now=NOW, person=other_leader)
    assert [p.name for p in schedule_people_for(secretary)] == ["王县长"]


def test_schedule_people_own_first_then_assisted(leader, secretary):
    # A leader who is also secretary to someone (unusual, but it happens) sees both.
    boss = make_person("书记", is_leader=True, rank=0)
    boss.secretaries.add(leader)
    assert [p.name for p in schedule_people_for(leader)] == ["王县长", "书记"]


def test_a_secretary_in_the_directory_sees_their_leaders_first(secretary, leader):
    make_person("马秘书", user=secretary, rank=500)
    assert [p.name for p in schedule_people_for(secretary)] == ["王县长", "马秘书"]


def test_admin_chooses_among_all_leaders(admin, leader):
    make_person("普通干部", is_leader=False)
    assert [p.name for p in schedule_people_for(admin)] == ["王县长"]


@pytest.mark.parametrize(("who", "may"), [("admin", True), ("organiser", True), ("leader", False)])
def test_room_feeds_are_for_admins_and_staff(request, room, who, may):
    actor = request.getfixturevalue(who)
    if may:
        feed, _ = feed_create(actor=actor, now=NOW, room=room, privacy=FeedPrivacy.BUSY)
        assert feed.kind == FeedKind.ROOM and feed in feed_list_for(actor)
    else:
        with pytest.raises(PermissionDenied):
            feed_create(actor=actor, now=NOW, room=room)


def test_only_the_hash_of_the_token_is_stored(leader):
    feed, raw = feed_create(actor=leader, now=NOW, person=leader.person)
    assert len(raw) == 43
    assert feed.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(FeedToken.objects.values_list().get(pk=feed.pk))
    assert feed_by_token(raw) == feed
    assert feed_url(raw) == f"http://127.0.0.1:8000/ical/{raw}.ics"
    assert webcal_url(raw) == f"webcal://127.0.0.1:8000/ical/{raw}.ics"


def test_each_feed_has_its_own_token_and_is_revoked_alone(leader):
    a, raw_a = feed_create(actor=leader, now=NOW, person=leader.person, name="手机")
    b, raw_b = feed_create(actor=leader, now=NOW, person=leader.person, name="Outlook")
    assert raw_a != raw_b
    feed_revoke(actor=leader, feed=a, now=NOW)
    assert feed_by_token(raw_a) is None
    assert feed_by_token(raw_b) == b
    assert list(feed_list_for(leader)) == [b]


def test_create_and_revoke_are_audited_without_the_token(leader):
    feed, raw = feed_create(actor=leader, now=NOW, person=leader.person, name="手机")
    feed_revoke(actor=leader, feed=feed, now=NOW + dt.timedelta(hours=1))
    feed_revoke(actor=leader, feed=feed, now=NOW + dt.timedelta(hours=2))  # no-op
    entries = list(audit_for(feed))
    assert [e.action for e in entries] == ["feed_revoke", "feed_create"]
    assert all(e.actor == leader for e in entries)
    assert entries[1].changes["after"]["privacy"] == "full"
    for entry in entries:
        assert raw not in str(entry.changes) and raw not in entry.summary


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"name": "x" * 101}, "name"),
        ({"name": "a\x00b"}, "name"),
        ({"privacy": "secret"}, "privacy"),
        ({"alarm_minutes": -1}, "alarm_minutes"),
        ({"alarm_minutes": 7 * 24 * 60 + 1}, "alarm_minutes"),
    ],
)
def test_bad_input_is_refused_with_the_field(leader, kw, field):
    with pytest.raises(InvalidInput) as exc:
        feed_create(actor=leader, now=NOW, person=leader.person, **kw)
    assert exc.value.details["errors"][0]["field"] == field
    assert not FeedToken.objects.exists()


def test_person_or_room_but_not_both(admin, leader, room):
    with pytest.raises(InvalidInput):
        feed_create(actor=admin, now=NOW)
    with pytest.raises(InvalidInput):
        feed_create(actor=admin, now=NOW, person=leader.person, room=room)


def test_number_of_active_feeds_is_bounded(leader):
    for _ in range(MAX_FEEDS_PER_SUBJECT):
        feed_create(actor=leader, now=NOW, person=leader.person)
    with pytest.raises(InvalidInput):
        feed_create(actor=leader, now=NOW, person=leader.person)


def test_an_inactive_person_publishes_nothing(admin, leader):
    _, raw = feed_create(actor=admin, now=NOW, person=leader.person)
    leader.person.active = False
    leader.person.save()
    assert feed_by_token(raw) is None
    with pytest.raises(InvalidInput):
        feed_create(actor=admin, now=NOW, person=leader.person)


@pytest.mark.parametrize(
    "raw", ["", "short", "a" * 65, "a" * 10_000, "王" * 43, "abc def" * 6, "a/b" * 15, "a%00" * 11]
)
def test_malformed_tokens_find_nothing_without_a_query(raw, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert feed_by_token(raw) is None


def test_access_is_recorded_at_most_every_few_minutes(leader, django_assert_num_queries):
    feed, _ = feed_create(actor=leader, now=NOW, person=leader.person)
    with django_assert_num_queries(1):
        feed_touch(feed, now=NOW)
    with django_assert_num_queries(0):
        feed_touch(feed, now=NOW + ACCESS_RECORD_INTERVAL - dt.timedelta(seconds=1))
    with django_assert_num_queries(1):
        feed_touch(feed, now=NOW + ACCESS_RECORD_INTERVAL)
    feed.refresh_from_db()
    assert feed.last_accessed_at == NOW + ACCESS_RECORD_INTERVAL
