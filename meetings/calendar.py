"""iCalendar output (DESIGN §7): a person's feed, a room's feed and a single meeting.

This module picks the meetings a feed shows and builds `icalendar.Calendar` objects
from them; it never sees the request (the views only serialise). Nothing here reads
the clock: DTSTAMP and LAST-MODIFIED come from `Meeting.updated_at`, and the only
time-dependent choice — which past and cancelled meetings are still shown — is fixed
for a whole local day (`FeedWindow`). So an unchanged feed serialises to identical
bytes, which lets `/ical/<token>.ics` answer 304 and serve repeats from the cache.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import icalendar
from django.conf import settings
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    QuerySet,
)
from django.db.models.functions import Coalesce

from core.models import Person
from core.names import user_display_name
from core.timeutil import local_day_bounds, localtime
from meetings.access import MASKED_TITLE, can_see_details
from meetings.models import (
    Attendance,
    Confidentiality,
    FeedKind,
    FeedPrivacy,
    FeedToken,
    Kind,
    Meeting,
    Role,
    Status,
)
from meetings.vc import vc_details
from rooms.models import Room

# Bump when the output changes shape: every ETag and cache key changes with it, so
# clients refetch after an upgrade instead of keeping the old bytes behind a 304.
FORMAT_VERSION = "1"
PRODID = "-//Huiwu//Huiwu Calendar 1.0//ZH"
# How often clients should poll; the feed view's Cache-Control max-age says the same.
REFRESH = dt.timedelta(minutes=15)
CANCELLED_PREFIX = "【已取消】"

_ICAL_STATUS = {
    Status.DRAFT: "TENTATIVE",
    Status.PENDING: "TENTATIVE",  # a hold waiting for approval: keep the time free-ish
    Status.APPROVED: "CONFIRMED",
    Status.REJECTED: "CANCELLED",
    Status.CANCELLED: "CANCELLED",
}
_ROSTER_ROLES = (Role.CHAIR, Role.ATTEND, Role.SIT_IN, Role.GUEST, Role.STAFF)


# --- which meetings a feed shows ------------------------------------------------------------


@dataclass(frozen=True)
class FeedWindow:
    """What a feed shows on one local day: meetings ending after `past_from`, and
    cancellations made on or after `cancelled_from` (FEED_CANCELLED_DAYS days back).

    Both bounds are midnights, so the set of meetings can change only when the data
    changes or the day turns — and the ETag names the day.
    """

    day: dt.date
    past_from: dt.datetime
    cancelled_from: dt.datetime


def feed_window(today: dt.date) -> FeedWindow:
    past_from, _ = local_day_bounds(today - dt.timedelta(days=settings.FEED_PAST_DAYS))
    cancelled_from, _ = local_day_bounds(today - dt.timedelta(days=settings.FEED_CANCELLED_DAYS))
    return FeedWindow(day=today, past_from=past_from, cancelled_from=cancelled_from)


def _in_window(qs: QuerySet[Meeting], window: FeedWindow) -> QuerySet[Meeting]:
    # Drafts and rejected requests never reach anyone's calendar; pending holds do (as
    # TENTATIVE). A cancelled meeting is never edited again, so its updated_at is when it
    # was cancelled (meeting_cancel and hold expiry both set it).
    return qs.filter(end__gt=window.past_from).filter(
        Q(status__in=(Status.PENDING, Status.APPROVED))
        # A draft cancelled was never in a feed: nothing to withdraw.
        | Q(
            status=Status.CANCELLED,
            updated_at__gte=window.cancelled_from,
            submitted_at__isnull=False,
        )
    )


def person_meetings(person: Person, window: FeedWindow) -> QuerySet[Meeting]:
    """Every meeting the person chairs, attends or is listed for, in the window."""
    # One attendance per (meeting, person) (a unique constraint): the join repeats nothing.
    return _in_window(Meeting.objects.filter(attendances__person=person), window)


def room_meetings(room: Room, window: FeedWindow) -> QuerySet[Meeting]:
    return _in_window(Meeting.objects.filter(room=room), window)


def feed_meetings(feed: FeedToken, window: FeedWindow) -> QuerySet[Meeting]:
    if feed.kind == FeedKind.PERSON:
        assert feed.person is not None  # the feed_has_one_subject constraint
        return person_meetings(feed.person, window)
    assert feed.room is not None
    return room_meetings(feed.room, window)


def _visible_to_person(person: Person) -> ExpressionWrapper:
    """meetings.access's rule with the feed's person as the viewer: a confidential
    meeting's details are for its attendees (and organiser). A person's feed lists only
    meetings they attend, so this holds for every row today; it is spelt out so that a
    later change of what a person's feed lists cannot leak details."""
    attends = Attendance.objects.filter(meeting=OuterRef("pk"), person=person)
    visible = Q(confidentiality=Confidentiality.NORMAL) | Q(Exists(attends))
    if person.user_id is not None:
        visible |= Q(organizer_id=person.user_id)
    return ExpressionWrapper(visible, output_field=BooleanField())


# (role, name) of each attendee in roster order, per meeting id.
Rosters = dict[int, list[tuple[str, str]]]


def _load(qs: QuerySet[Meeting], *, with_roster: bool) -> tuple[list[Meeting], Rosters]:
    """Everything the events need, in two queries whatever the number of meetings."""
    # vc_link is a reverse one-to-one: select_related fetches it (or its absence) in the
    # same query, so vc_details() costs nothing per meeting.
    meetings = list(
        qs.select_related("room", "organizer", "organizer__person", "vc_link").order_by(
            "start", "pk"
        )
    )
    rosters: Rosters = {}
    if with_roster and meetings:
        # Plain tuples rather than prefetched Attendance and Person objects: a leader's
        # feed has thousands of roster rows, and building model instances for them cost
        # more than the calendar itself. The subquery avoids a list of thousands of ids.
        rows = (
            Attendance.objects.filter(meeting__in=qs.values("pk"))
            .order_by("meeting_id", "order", "person__rank", "pk")
            # A guest (not in the directory) has a name of their own.
            .values_list("meeting_id", "role", Coalesce("person__name", "guest_name"))
        )
        for meeting_id, role, name in rows:
            rosters.setdefault(meeting_id, []).append((role, name))
    return meetings, rosters


def feed_version(feed: FeedToken, window: FeedWindow) -> str:
    """A short fingerprint of everything the feed's bytes depend on — one aggregate
    query, no calendar built. The feed view uses it as ETag and cache key.

    Any change made through meetings.services moves `updated_at` (roster, confidentiality,
    cancellation included); the count and the sum of ids catch a meeting entering or
    leaving the feed without its own change (an attendance added in the admin). Renaming
    a room or a person is rare and not tracked: the day in the fingerprint picks it up
    by the next morning.
    """
    n, ids, changed, vc_changed = _fingerprint(feed, window)
    parts: list[Any] = [
        FORMAT_VERSION,
        feed.pk,
        feed.kind,
        feed.person_id,
        feed.room_id,
        feed.privacy,
        feed.alarm_minutes,
        feed_calendar_name(feed),
        window.day.isoformat(),
        n,
        ids,
        "" if changed is None else changed,
        "" if vc_changed is None else vc_changed,
        settings.SITE_URL,
        settings.TIME_ZONE,
    ]
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:40]


# feed_meetings() aggregated — count, sum of ids, last change, last VC-link change — in
# SQL: the window rule of _in_window() written out (tests/meetings/test_feed_fingerprint.py
# holds the two to the same answer).
_PERSON_FINGERPRINT = """
    SELECT COUNT(m.id), SUM(m.id), MAX(m.updated_at), MAX(v.updated_at)
    FROM meetings_attendance a
    INNER JOIN meetings_meeting m ON m.id = a.meeting_id
    LEFT OUTER JOIN meetings_vclink v ON v.meeting_id = m.id
    WHERE a.person_id = %s AND m."end" > %s
    AND (m.status IN (%s, %s)
         OR (m.status = %s AND m.updated_at >= %s AND m.submitted_at IS NOT NULL))
"""
# SQLite looks a joined meeting up by its rowid and decodes the whole, wide row, even
# though meeting_fingerprint holds every column needed; the hint took a quarter off each
# 304 of a 2,000-event feed (bench/feed.py). PostgreSQL's planner chooses for itself.
_PERSON_FINGERPRINT_SQLITE = _PERSON_FINGERPRINT.replace(
    "INNER JOIN meetings_meeting m ON",
    "INNER JOIN meetings_meeting m INDEXED BY meeting_fingerprint ON",
)
_ROOM_FINGERPRINT = """
    SELECT COUNT(m.id), SUM(m.id), MAX(m.updated_at), MAX(v.updated_at)
    FROM meetings_meeting m
    LEFT OUTER JOIN meetings_vclink v ON v.meeting_id = m.id
    WHERE m.room_id = %s AND m."end" > %s
    AND (m.status IN (%s, %s)
         OR (m.status = %s AND m.updated_at >= %s AND m.submitted_at IS NOT NULL))
"""


def _fingerprint(feed: FeedToken, window: FeedWindow) -> tuple[Any, ...]:
    """What feed_version() needs from the database, in one statement.

    Every poll of every phone runs it. Through the ORM, building the aggregate cost
    about as much as the database's work on a 2,000-event feed and pushed a 304 past its
    5 ms (DESIGN §10, bench/feed.py); the values are only hashed, so their types (a
    string on SQLite, a datetime on PostgreSQL) do not matter.
    """
    ops = connection.ops
    params = [
        feed.person_id if feed.kind == FeedKind.PERSON else feed.room_id,
        ops.adapt_datetimefield_value(window.past_from),
        Status.PENDING.value,
        Status.APPROVED.value,
        Status.CANCELLED.value,
        ops.adapt_datetimefield_value(window.cancelled_from),
    ]
    if feed.kind == FeedKind.PERSON:
        sqlite = connection.vendor == "sqlite"
        sql = _PERSON_FINGERPRINT_SQLITE if sqlite else _PERSON_FINGERPRINT
    else:
        sql = _ROOM_FINGERPRINT
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    return tuple(row)


# --- building -------------------------------------------------------------------------------


def uid_domain() -> str:
    """The host of SITE_URL: UIDs must stay the same for as long as the site does."""
    return urlsplit(settings.SITE_URL).hostname or "huiwu.invalid"


# Occurrences of a series (meetings.series) are VEVENTs of their own, each with this UID
# — no RRULE with RECURRENCE-ID overrides. Each occurrence is a real booking that can be
# moved, re-roomed or cancelled alone, and phones and Outlook show single events
# reliably, while RRULE + RECURRENCE-ID is where they go wrong (overrides lost when the
# master changes, a moved instance shown twice, EXDATE time zones). A moved occurrence is
# simply at its new time with a higher SEQUENCE; a cancelled one is STATUS:CANCELLED.
def meeting_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@{uid_domain()}"


def person_calendar_name(person: Person) -> str:
    return f"{person.name}的日程"


def feed_calendar_name(feed: FeedToken) -> str:
    if feed.person is not None:
        return person_calendar_name(feed.person)
    assert feed.room is not None
    return feed.room.name


@functools.cache
def _vtimezone(tzid: str) -> icalendar.Timezone:
    # Generated once per process from the tz database. From 2000 on, Asia/Shanghai is a
    # single STANDARD +0800 block (the 1986–91 summer time is of no use to a booking
    # system and only makes clients' work harder). Shared, never mutated.
    return icalendar.Timezone.from_tzid(
        tzid, first_date=dt.date(2000, 1, 1), last_date=dt.date(2100, 1, 1)
    )


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _roster_lines(roster: Sequence[tuple[str, str]]) -> list[str]:
    by_role: dict[str, list[str]] = {}
    for role, name in roster:
        by_role.setdefault(role, []).append(name)
    return [
        f"{Role(role).label}：{'、'.join(by_role[role])}"
        for role in _ROSTER_ROLES
        if role in by_role
    ]


def _description(meeting: Meeting, *, roster: Sequence[tuple[str, str]]) -> str:
    lines = [Kind(meeting.kind).label]
    if meeting.status == Status.PENDING:
        lines[0] += "（待审批，时间暂定）"
    lines.extend(_roster_lines(roster))
    lines.append(f"承办：{user_display_name(meeting.organizer)}")
    vc = vc_details(meeting)
    if vc is not None:
        lines.append(f"视频会议：{vc.summary()}")
    if meeting.description.strip():
        lines.append("")
        lines.append(meeting.description.strip())
    if meeting.status == Status.CANCELLED and meeting.cancel_reason:
        lines.append(f"取消原因：{meeting.cancel_reason}")
    lines.append("")
    lines.append(f"详情：{settings.SITE_URL}/meetings/{meeting.pk}/")
    return "\n".join(lines)


def meeting_event(
    meeting: Meeting,
    *,
    visible: bool,
    privacy: str = FeedPrivacy.FULL,
    alarm_minutes: int | None = None,
    roster: Sequence[tuple[str, str]] = (),
) -> icalendar.Event:
    """One VEVENT. `visible`: whether the calendar's owner may see the details of a
    confidential meeting (meetings.access); a busy-only feed shows no details at all."""
    busy_only = privacy == FeedPrivacy.BUSY
    masked = busy_only or not visible
    cancelled = meeting.status in (Status.CANCELLED, Status.REJECTED)
    title = MASKED_TITLE if masked else meeting.title
    if cancelled:
        title = CANCELLED_PREFIX + title

    event = icalendar.Event()
    event.add("uid", meeting_uid(meeting))
    # DTSTAMP is "when this representation was made"; using the last change instead of
    # now keeps unchanged feeds byte-identical, and clients only compare SEQUENCE anyway.
    event.add("dtstamp", _utc(meeting.updated_at))
    event.add("last-modified", _utc(meeting.updated_at))
    # Local wall time with TZID (and the VTIMEZONE in the calendar): Outlook and phones
    # show 09:00 as 09:00 even when the device is set to another zone's rules.
    event.add("dtstart", localtime(meeting.start))
    event.add("dtend", localtime(meeting.end))
    event.add("sequence", meeting.sequence)
    event.add("status", _ICAL_STATUS[Status(meeting.status)])
    event.add("summary", title)
    if cancelled:
        # A cancelled entry stays visible for a while but must not block free/busy.
        # (OPAQUE is the default: not written, as every property costs on 2,000 events.)
        event.add("transp", "TRANSPARENT")
    if masked:
        event.add("class", "PRIVATE")
    if not busy_only and meeting.location:
        # Where a room is taken is public (the room board shows it); only details hide.
        event.add("location", meeting.location)
    if not masked:
        vc = vc_details(meeting)
        if vc is not None and vc.url:
            event.add("url", vc.url, parameters={"VALUE": "URI"})
            # RFC 7986: clients that know CONFERENCE (Apple, Thunderbird) offer "join".
            # FEATURE is a list: icalendar writes it as AUDIO,VIDEO (a quoted "AUDIO,VIDEO"
            # would be one unknown feature).
            conference: dict[str, Any] = {
                "VALUE": "URI",
                "FEATURE": ["AUDIO", "VIDEO"],
                "LABEL": vc.provider_label or "视频会议",
            }
            event.add("conference", vc.url, parameters=conference)
        event.add("description", _description(meeting, roster=roster))
    # Attendees go into DESCRIPTION, not ATTENDEE/ORGANIZER properties: in a subscribed
    # calendar those make Outlook and iOS treat entries as invitations to answer, and
    # most people in the directory have no e-mail address to put there.
    if alarm_minutes is not None and not cancelled:
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", title)
        alarm.add("trigger", -dt.timedelta(minutes=alarm_minutes))
        event.add_component(alarm)
    return event


def _calendar(name: str | None, events: Iterable[icalendar.Event]) -> icalendar.Calendar:
    tzid = settings.TIME_ZONE
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    # PUBLISH: a copy to keep, not an invitation to answer (Outlook opens it as such).
    cal.add("method", "PUBLISH")
    if name is not None:
        cal.add("name", name)  # RFC 7986
        cal.add("x-wr-calname", name)  # what Apple, Google and Outlook actually read
        cal.add("x-wr-timezone", tzid)
        cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})  # RFC 7986
        # Outlook reads only this one; without it Outlook polls about once a week.
        cal.add("x-published-ttl", icalendar.vDuration(REFRESH))
    cal.add_component(_vtimezone(tzid))
    for event in events:
        cal.add_component(event)
    return cal


def build_calendar(
    meetings: Sequence[Meeting],
    *,
    name: str | None,
    privacy: str = FeedPrivacy.FULL,
    alarm_minutes: int | None = None,
    rosters: Rosters | None = None,
) -> icalendar.Calendar:
    """A calendar of `meetings`, each annotated with `details_visible`."""
    rosters = rosters or {}
    return _calendar(
        name,
        (
            meeting_event(
                m,
                visible=bool(getattr(m, "details_visible", False)),
                privacy=privacy,
                alarm_minutes=alarm_minutes,
                roster=rosters.get(m.pk, ()),
            )
            for m in meetings
        ),
    )


def person_calendar(
    person: Person,
    *,
    window: FeedWindow,
    privacy: str = FeedPrivacy.FULL,
    alarm_minutes: int | None = None,
) -> icalendar.Calendar:
    """ "张三的日程": the person's meetings; confidential ones as the person may see them."""
    qs = person_meetings(person, window).annotate(details_visible=_visible_to_person(person))
    meetings, rosters = _load(qs, with_roster=privacy == FeedPrivacy.FULL)
    return build_calendar(
        meetings,
        name=person_calendar_name(person),
        privacy=privacy,
        alarm_minutes=alarm_minutes,
        rosters=rosters,
    )


def room_calendar(
    room: Room,
    *,
    window: FeedWindow,
    privacy: str = FeedPrivacy.FULL,
    alarm_minutes: int | None = None,
) -> icalendar.Calendar:
    """A room's bookings. A room feed has no owner who could be entitled to confidential
    details, so confidential meetings are always masked (time and room only)."""
    qs = room_meetings(room, window).annotate(
        details_visible=ExpressionWrapper(
            Q(confidentiality=Confidentiality.NORMAL), output_field=BooleanField()
        )
    )
    meetings, rosters = _load(qs, with_roster=privacy == FeedPrivacy.FULL)
    return build_calendar(
        meetings, name=room.name, privacy=privacy, alarm_minutes=alarm_minutes, rosters=rosters
    )


def feed_calendar(feed: FeedToken, *, window: FeedWindow) -> icalendar.Calendar:
    """The calendar behind a feed token, with the feed's privacy and reminder."""
    if feed.kind == FeedKind.PERSON:
        assert feed.person is not None
        return person_calendar(
            feed.person, window=window, privacy=feed.privacy, alarm_minutes=feed.alarm_minutes
        )
    assert feed.room is not None
    return room_calendar(
        feed.room, window=window, privacy=feed.privacy, alarm_minutes=feed.alarm_minutes
    )


def meeting_calendar(meeting: Meeting, *, viewer: Any) -> icalendar.Calendar:
    """A single meeting to download and import, masked if `viewer` may not see it."""
    visible = can_see_details(viewer, meeting)
    roster: Sequence[tuple[str, str]] = ()
    if visible:
        # Re-read with what the event needs (roster, VC link): one meeting, two queries.
        loaded, rosters = _load(Meeting.objects.filter(pk=meeting.pk), with_roster=True)
        if loaded:  # else deleted meanwhile: the caller's copy will do
            meeting, roster = loaded[0], rosters.get(meeting.pk, [])
    return _calendar(None, [meeting_event(meeting, visible=visible, roster=roster)])


def serialise(cal: icalendar.Calendar) -> bytes:
    """The bytes sent to clients: CRLF line ends, lines folded at 75 octets."""
    return cal.to_ical()
