"""Calendar-feed tokens (DESIGN §7, §11): create, list, revoke, look up, record access.

Each feed has its own random token; only its SHA-256 is stored, so a leaked database
does not hand out anyone's schedule, and a feed is revoked without touching the others.

Who manages which feeds:
- a person's feeds: that person's own account (a leader), their assigned secretaries
  (`Person.secretaries`), and admins;
- a room's feeds: admins and 会务人员.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from core import roles
from core.audit import audit_record
from core.exceptions import InvalidInput, NotFound, PermissionDenied
from core.models import Person, hash_token
from meetings.models import FeedKind, FeedPrivacy, FeedToken
from rooms.models import Room

# secrets.token_urlsafe(32): 43 characters of [A-Za-z0-9_-], 256 bits.
TOKEN_BYTES = 32
# What a feed URL may carry. Checked before any query, so a 10 kB path or "%00" never
# reaches the database; a little slack in length for tokens of a future format.
TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{32,64}")
MAX_ALARM_MINUTES = 7 * 24 * 60
MAX_NAME_LENGTH = 100
# Enough for every phone, tablet and Outlook of a leader; a runaway script stops here.
MAX_FEEDS_PER_SUBJECT = 20
# last_accessed_at is for "is anyone still using this feed?", not an access log: write
# it at most this often, so a phone polling every 15 minutes is not a write per fetch.
ACCESS_RECORD_INTERVAL = dt.timedelta(minutes=5)


# --- permissions ---------------------------------------------------------------------------


def can_manage_person_feeds(actor: Any, person: Person) -> bool:
    if not getattr(actor, "is_authenticated", False):
        return False
    if roles.is_admin(actor) or person.user_id == actor.pk:
        return True
    return person.secretaries.filter(pk=actor.pk).exists()


def can_manage_room_feeds(actor: Any) -> bool:
    return roles.has_role(actor, roles.Role.ADMIN, roles.Role.STAFF)


def can_manage_feed(actor: Any, feed: FeedToken) -> bool:
    if feed.kind == FeedKind.ROOM:
        return can_manage_room_feeds(actor)
    assert feed.person is not None
    return can_manage_person_feeds(actor, feed.person)


def schedule_people_for(actor: Any) -> list[Person]:
    """Whose schedule `actor` may see and whose feeds they manage, the likeliest first:
    a leader's own, then the leaders they are secretary to (by rank), then their own
    when they are not a leader themselves (a secretary is in the directory too, but opens
    this page for the leader). Admins may pick any active leader."""
    if not getattr(actor, "is_authenticated", False):
        return []
    cond = Q(user=actor) | Q(secretaries=actor)
    if roles.is_admin(actor):
        cond |= Q(is_leader=True)
    people = list(Person.objects.filter(cond, active=True).select_related("unit").distinct())

    def order(p: Person) -> tuple[int, int, str, int]:
        own = p.user_id == actor.pk
        first = 0 if own and p.is_leader else 2 if own else 1
        return (first, p.rank, p.name, p.pk)

    return sorted(people, key=order)


# --- reads ---------------------------------------------------------------------------------


def feed_list_for(actor: Any, *, person: Person | None = None) -> QuerySet[FeedToken]:
    """The active (not revoked) feeds `actor` may manage, newest first."""
    qs = FeedToken.objects.filter(revoked_at__isnull=True).select_related(
        "person", "room", "created_by", "created_by__person"
    )
    if person is not None:
        qs = qs.filter(person=person)
    if not getattr(actor, "is_authenticated", False):
        return qs.none()
    if roles.is_admin(actor):
        return qs
    cond = Q(person__user=actor) | Q(person__secretaries=actor)
    if can_manage_room_feeds(actor):
        cond |= Q(kind=FeedKind.ROOM)
    # The join through secretaries may repeat a feed.
    return qs.filter(cond).distinct()


def access_feed(actor: Any, feed_id: int) -> FeedToken:
    """The active feed `feed_id` if `actor` manages it; NotFound or PermissionDenied."""
    feed = (
        FeedToken.objects.select_related("person", "room")
        .filter(pk=feed_id, revoked_at__isnull=True)
        .first()
    )
    if feed is None:
        raise NotFound("订阅不存在或已撤销", details={"id": feed_id})
    if not can_manage_feed(actor, feed):
        raise PermissionDenied("没有权限管理该订阅")
    return feed


def feed_by_token(raw: str) -> FeedToken | None:
    """The active feed whose token is `raw`, or None — for any input, never an error.

    Constant time in the sense that matters: the secret is never compared character by
    character. Only sha256(raw) is looked up, through the unique index, and how long
    that takes can at most tell an attacker a prefix of a hash they cannot invert.
    """
    if not TOKEN_RE.fullmatch(raw):
        return None
    # token_hash is unique: no ordering to ask for (`.first()` would add one, which cost
    # this lookup more than its query on every poll; bench/feed.py).
    found = (
        FeedToken.objects.select_related("person", "room")
        .filter(token_hash=hash_token(raw), revoked_at__isnull=True)
        .order_by()[:1]
    )
    feed = next(iter(found), None)
    # A person who has left (inactive) no longer publishes a schedule. A deleted person
    # took their feeds with them (on_delete=CASCADE), so those tokens are simply unknown.
    if feed is not None and feed.person is not None and not feed.person.active:
        return None
    return feed


def feed_touch(feed: FeedToken, *, now: dt.datetime) -> None:
    """Record that the feed was fetched, at most once per ACCESS_RECORD_INTERVAL."""
    last = feed.last_accessed_at
    if last is None or now - last >= ACCESS_RECORD_INTERVAL:
        FeedToken.objects.filter(pk=feed.pk).update(last_accessed_at=now)
        feed.last_accessed_at = now


def feed_url(raw: str) -> str:
    """The subscription link, absolute from SITE_URL (https in a real deployment)."""
    return settings.SITE_URL + reverse("feed_ics", args=[raw])


def webcal_url(raw: str) -> str:
    """The same link as webcal://, which phones and Outlook open as "subscribe"."""
    url = feed_url(raw)
    return "webcal://" + url.split("://", 1)[1]


# --- writes --------------------------------------------------------------------------------


def _validate(*, name: str, privacy: str, alarm_minutes: int | None) -> str:
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"名称不能超过 {MAX_NAME_LENGTH} 个字符", field="name")
    if any(ord(c) < 32 for c in name):
        raise InvalidInput("名称不能包含控制字符", field="name")
    if privacy not in FeedPrivacy.values:
        raise InvalidInput(f"内容只能是：{'、'.join(FeedPrivacy.values)}", field="privacy")
    if alarm_minutes is not None and not 0 <= alarm_minutes <= MAX_ALARM_MINUTES:
        raise InvalidInput(f"提前提醒须在 0–{MAX_ALARM_MINUTES} 分钟之间", field="alarm_minutes")
    return name


def feed_create(
    *,
    actor: Any,
    now: dt.datetime,
    person: Person | None = None,
    room: Room | None = None,
    name: str = "",
    privacy: str = FeedPrivacy.FULL,
    alarm_minutes: int | None = None,
) -> tuple[FeedToken, str]:
    """A new feed of a person's schedule or a room; returns it with the raw token, which
    is shown once and never stored."""
    if (person is None) == (room is None):
        raise InvalidInput("请指定人员或会议室之一", field="person_id")
    if person is not None:
        if not can_manage_person_feeds(actor, person):
            raise PermissionDenied("只有本人、其秘书或会务管理员可以管理该日程的订阅")
        if not person.active:
            raise InvalidInput(f"{person.name}已不在职", field="person_id")
    elif not can_manage_room_feeds(actor):
        raise PermissionDenied("只有会务人员或会务管理员可以订阅会议室日程")
    name = _validate(name=name, privacy=privacy, alarm_minutes=alarm_minutes)
    subject = Q(person=person) if person is not None else Q(room=room)
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        active = FeedToken.objects.filter(subject, revoked_at__isnull=True).count()
        if active >= MAX_FEEDS_PER_SUBJECT:
            raise InvalidInput(
                f"最多 {MAX_FEEDS_PER_SUBJECT} 个有效订阅，请先撤销不用的", field="name"
            )
        feed = FeedToken.objects.create(
            kind=FeedKind.PERSON if person is not None else FeedKind.ROOM,
            person=person,
            room=room,
            name=name,
            token_hash=hash_token(raw),
            privacy=privacy,
            alarm_minutes=alarm_minutes,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
            created_at=now,
        )
        # Never the token itself: the audit log is read by more people than the owner.
        audit_record(
            actor=actor,
            action="feed_create",
            obj=feed,
            summary=f"新建日历订阅：{person or room}" + (f"（{name}）" if name else ""),
            changes={
                "after": {
                    "kind": feed.kind,
                    "person": str(person) if person else None,
                    "room": str(room) if room else None,
                    "name": name,
                    "privacy": privacy,
                    "alarm_minutes": alarm_minutes,
                }
            },
            at=now,
        )
    return feed, raw


def feed_revoke(*, actor: Any, feed: FeedToken, now: dt.datetime) -> FeedToken:
    """Revoke one feed: its URL answers 404 from now on. Revoking twice changes nothing."""
    if not can_manage_feed(actor, feed):
        raise PermissionDenied("没有权限撤销该订阅")
    if feed.revoked_at is not None:
        return feed
    with transaction.atomic():
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="feed_revoke",
            obj=feed,
            summary=f"撤销日历订阅：{feed.person or feed.room}"
            + (f"（{feed.name}）" if feed.name else ""),
            changes={"revoked_at": [None, now.isoformat()]},
            at=now,
        )
    return feed
