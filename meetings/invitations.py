"""E-mail invitations (iTIP, RFC 5546): METHOD:REQUEST and METHOD:CANCEL for one attendee.

The VEVENT is the feeds' own (`meetings.calendar.meeting_event`), so an invitation has
exactly the UID and SEQUENCE that the attendee's subscribed feed shows for the meeting:
a later REQUEST with a higher SEQUENCE moves the entry the earlier one made, and a CANCEL
removes it. Unlike the feeds, an invitation carries ORGANIZER and ATTENDEE — that is what
makes Outlook show it as a meeting — but only the one attendee it is addressed to: a
roster's e-mail addresses are not everybody's business (the names are in DESCRIPTION).

RSVP=FALSE: answers go through our own 回执 link (in DESCRIPTION), which records
代参会 and 请假 with a reason; an Outlook "accept" would reach nobody.

Like every output module, this never sees the request; the outbox freezes the text it
returns (`Notification.ics`) when the notification is queued.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from email.utils import parseaddr

import icalendar
from django.conf import settings
from django.urls import reverse

from core.names import user_display_name
from meetings.calendar import PRODID, Rosters, _load, _vtimezone, meeting_event
from meetings.models import Meeting, Role, Rsvp

REQUEST = "REQUEST"
CANCEL = "CANCEL"
# Several meetings at once (a series): iTIP allows one UID per message, so a series is
# sent as one importable calendar of all its occurrences, each with its feed UID.
PUBLISH = "PUBLISH"

ROLES = {
    Role.CHAIR: "CHAIR",
    Role.ATTEND: "REQ-PARTICIPANT",
    Role.SIT_IN: "OPT-PARTICIPANT",
    Role.STAFF: "NON-PARTICIPANT",
    Role.GUEST: "REQ-PARTICIPANT",
}
PARTSTATS = {
    Rsvp.PENDING: "NEEDS-ACTION",
    Rsvp.ATTENDING: "ACCEPTED",
    Rsvp.SUBSTITUTE: "DELEGATED",
    Rsvp.LEAVE: "DECLINED",
}


@dataclass(frozen=True)
class Invitee:
    """The one attendee an invitation is for, as the roster has them."""

    name: str
    email: str
    role: str = Role.ATTEND
    rsvp: str = Rsvp.PENDING
    rsvp_url: str = ""


def rsvp_url(token: str) -> str:
    """The absolute 回执 link for a signed attendance token (meetings.attendees.rsvp_token)."""
    return settings.SITE_URL + reverse("rsvp", args=[token])


@dataclass(frozen=True)
class Loaded:
    """A meeting re-read with what its event shows (room, organiser, VC link, roster)."""

    meeting: Meeting
    rosters: Rosters


def load(meeting: Meeting) -> Loaded | None:
    """The meeting with its roster, in two queries; None if it was deleted meanwhile."""
    found, rosters = _load(Meeting.objects.filter(pk=meeting.pk), with_roster=True)
    return Loaded(found[0], rosters) if found else None


def organizer(meeting: Meeting) -> tuple[str, str]:
    """(CN, address) of the ORGANIZER: the organiser's own address, else the system's."""
    user = meeting.organizer
    person = getattr(user, "person", None)
    email = (person.email if person is not None else "") or user.email
    name = user_display_name(user)
    if not email:
        from_name, email = parseaddr(settings.DEFAULT_FROM_EMAIL)
        name = name or from_name
    return name, email


def _calendar(method: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add_component(_vtimezone(settings.TIME_ZONE))
    return cal


def _replace(event: icalendar.Event, name: str, value: object) -> None:
    event.pop(name.upper(), None)
    event.add(name, value)


def invitation(
    loaded: Loaded, invitee: Invitee, *, method: str, now: dt.datetime
) -> icalendar.Calendar:
    """The REQUEST or CANCEL calendar of `loaded.meeting` addressed to `invitee`."""
    assert method in (REQUEST, CANCEL)
    meeting = loaded.meeting
    # visible=True: invitations go only to the meeting's attendees, who may see the
    # details of a confidential meeting (meetings.access).
    event = meeting_event(meeting, visible=True, roster=loaded.rosters.get(meeting.pk, ()))
    # DTSTAMP of an iTIP message is when the message was made; the feed uses the last
    # change instead (identical bytes), but two messages about one change must still be
    # ordered, e.g. a CANCEL to someone removed and a REQUEST when they are added back.
    _replace(event, "dtstamp", now.astimezone(dt.UTC))
    _private_if_confidential(event, meeting)
    if method == CANCEL:
        # For the person told, the whole event is off: removed from the roster, or the
        # meeting cancelled.
        _replace(event, "status", "CANCELLED")
    elif invitee.rsvp_url:
        description = str(event.get("DESCRIPTION", ""))
        _replace(
            event, "description", f"{description}\n回执（参加、代参会、请假）：{invitee.rsvp_url}"
        )
    cn, address = organizer(meeting)
    event.add(
        "organizer", icalendar.vCalAddress(f"mailto:{address}"), parameters={"CN": cn or address}
    )
    event.add(
        "attendee",
        icalendar.vCalAddress(f"mailto:{invitee.email}"),
        parameters={
            "CN": invitee.name,
            "CUTYPE": "INDIVIDUAL",
            "ROLE": ROLES.get(Role(invitee.role), "REQ-PARTICIPANT"),
            "PARTSTAT": PARTSTATS.get(Rsvp(invitee.rsvp), "NEEDS-ACTION"),
            "RSVP": "FALSE",
        },
    )
    cal = _calendar(method)
    cal.add_component(event)
    return cal


def _private_if_confidential(event: icalendar.Event, meeting: Meeting) -> None:
    # The attendee may read a confidential meeting; whoever shares their Outlook calendar
    # (a colleague, a delegate) may not: PRIVATE is Outlook's 私人 sensitivity, which
    # shows them only "busy". (The feeds have their own privacy levels for this.)
    if meeting.is_confidential:
        _replace(event, "class", "PRIVATE")


def digest(meeting_ids: Sequence[int]) -> icalendar.Calendar:
    """Several meetings of one attendee (a series booked or changed) as one calendar to
    import: METHOD:PUBLISH, each event exactly as the attendee's feed shows it."""
    found, rosters = _load(Meeting.objects.filter(pk__in=list(meeting_ids)), with_roster=True)
    cal = _calendar(PUBLISH)
    for meeting in found:
        event = meeting_event(meeting, visible=True, roster=rosters.get(meeting.pk, ()))
        _private_if_confidential(event, meeting)
        cal.add_component(event)
    return cal


def text(cal: icalendar.Calendar) -> str:
    """What the outbox stores and the e-mail carries: CRLF lines folded at 75 octets."""
    return cal.to_ical().decode()
