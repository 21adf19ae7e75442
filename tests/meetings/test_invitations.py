"""E-mail invitations read back as clients read them: icalendar and ical.js (Thunderbird).

An invitation must be an iTIP REQUEST (or CANCEL) that Outlook shows as a meeting, and it
must name the meeting exactly as the attendee's subscribed feed does — same UID, same
SEQUENCE — so the two never show as two different meetings and a later change replaces
the earlier one.
"""

from __future__ import annotations

import pytest

from meetings import invitations, notifications
from meetings.attendees import attendance_for_rsvp
from meetings.calendar import feed_window, meeting_uid, person_calendar, serialise
from meetings.models import Attendance, Role
from meetings.services import AttendeeSpec, meeting_cancel, meeting_create, meeting_update
from tests.factories import NOW, at
from tests.meetings.ics import event_by_uid, parse
from tests.meetings.notify_support import cast, parse_invitation_js, rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return cast()


@pytest.fixture
def meeting(organiser, room, people):
    organiser.email = "organiser@zfb.example.gov.cn"
    organiser.last_name, organiser.first_name = "会务", "小刘"
    organiser.save()
    return meeting_create(
        actor=organiser,
        title="全县财政预算编制工作会议",
        room=room,
        start=at(2, 9),
        end=at(2, 11),
        now=NOW,
        attendees=[AttendeeSpec(people.zhang, Role.CHAIR), AttendeeSpec(people.li, Role.SIT_IN)],
    )


def invitation_for(person, **filters):
    found = rows(person=person, kind__in=notifications.INVITATION_KINDS, **filters)
    assert found, f"no invitation for {person}"
    return found[-1]


def feed_event(person, meeting):
    data = serialise(person_calendar(person, window=feed_window(NOW.date())))
    return event_by_uid(parse(data), meeting_uid(meeting))


def test_a_confirmed_meeting_sends_each_attendee_a_request(meeting, people):
    row = invitation_for(people.zhang)
    assert row.ics_method == "REQUEST"
    cal = parse(row.ics.encode())  # CRLF, 75-octet lines, whole characters per line
    assert str(cal["METHOD"]) == "REQUEST"
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    [event] = cal.walk("VEVENT")
    assert str(event["SUMMARY"]) == "全县财政预算编制工作会议"
    assert str(event["STATUS"]) == "CONFIRMED"

    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:organiser@zfb.example.gov.cn"
    assert organizer.params["CN"] == "会务小刘"

    # Only the one addressee: the roster's addresses are nobody else's business.
    attendee = event["ATTENDEE"]
    assert not isinstance(attendee, list)
    assert str(attendee) == "mailto:zhang@czj.example.gov.cn"
    assert attendee.params["CN"] == "张局长"
    assert attendee.params["ROLE"] == "CHAIR"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "FALSE"


def test_the_description_carries_the_attendees_own_rsvp_link(meeting, people):
    row = invitation_for(people.li)
    [event] = parse(row.ics.encode()).walk("VEVENT")
    description = str(event["DESCRIPTION"])
    link = next(line for line in description.splitlines() if line.startswith("回执"))
    token = link.rsplit("/r/", 1)[1].strip("/")
    attendance = attendance_for_rsvp(token)
    assert attendance.person == people.li
    assert attendance.meeting_id == meeting.pk
    assert event["ATTENDEE"].params["ROLE"] == "OPT-PARTICIPANT"  # 列席
    assert link in row.body  # the e-mail's text says the same


def test_uid_and_sequence_are_the_feeds(meeting, people, organiser):
    first = invitation_for(people.zhang)
    [event] = parse(first.ics.encode()).walk("VEVENT")
    in_feed = feed_event(people.zhang, meeting)
    assert str(event["UID"]) == str(in_feed["UID"]) == meeting_uid(meeting)
    assert event["SEQUENCE"] == in_feed["SEQUENCE"] == 0

    meeting_update(meeting=meeting, actor=organiser, now=NOW, start=at(3, 14), end=at(3, 16))
    moved = invitation_for(people.zhang)
    assert moved.pk != first.pk
    [event] = parse(moved.ics.encode()).walk("VEVENT")
    in_feed = feed_event(people.zhang, meeting)
    assert str(event["UID"]) == str(in_feed["UID"])
    assert event["SEQUENCE"] == in_feed["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == at(3, 14)


def test_a_cancellation_is_a_cancel_of_the_same_event(meeting, people, organiser):
    meeting_cancel(meeting=meeting, actor=organiser, now=NOW, reason="改期另行通知")
    row = invitation_for(people.zhang, kind=notifications.INVITATION_CANCEL)
    assert row.ics_method == "CANCEL"
    cal = parse(row.ics.encode())
    assert str(cal["METHOD"]) == "CANCEL"
    [event] = cal.walk("VEVENT")
    in_feed = feed_event(people.zhang, meeting)
    assert str(event["UID"]) == str(in_feed["UID"])
    assert event["SEQUENCE"] == in_feed["SEQUENCE"]
    assert str(event["STATUS"]) == "CANCELLED"
    assert "改期另行通知" in row.body


def test_icaljs_reads_the_request_as_a_meeting(meeting, people):
    row = invitation_for(people.zhang)
    parsed = parse_invitation_js(row.ics.encode())
    assert parsed["method"] == "REQUEST"
    [event] = parsed["events"]
    assert event["uid"] == meeting_uid(meeting)
    assert event["sequence"] == 0
    assert event["status"] == "CONFIRMED"
    assert event["start_utc"] == "2026-12-02T01:00:00Z"  # 09:00 Beijing, through VTIMEZONE
    assert event["organizer"]["value"] == "mailto:organiser@zfb.example.gov.cn"
    assert event["organizer"]["cn"] == "会务小刘"
    assert event["attendees"] == [
        {
            "value": "mailto:zhang@czj.example.gov.cn",
            "cn": "张局长",
            "role": "CHAIR",
            "partstat": "NEEDS-ACTION",
            "rsvp": "FALSE",
            "cutype": "INDIVIDUAL",
        }
    ]
    assert "回执" in event["description"]


def test_icaljs_reads_the_cancel(meeting, people, organiser):
    meeting_cancel(meeting=meeting, actor=organiser, now=NOW)
    row = invitation_for(people.li, kind=notifications.INVITATION_CANCEL)
    parsed = parse_invitation_js(row.ics.encode())
    assert parsed["method"] == "CANCEL"
    [event] = parsed["events"]
    assert event["uid"] == meeting_uid(meeting)
    assert event["status"] == "CANCELLED"
    assert event["sequence"] == 1  # cancelling bumps SEQUENCE, as in the feed
    assert event["attendees"][0]["value"] == "mailto:li@czj.example.gov.cn"


def test_partstat_follows_the_rsvp(meeting, people):
    attendance = Attendance.objects.get(meeting=meeting, person=people.zhang)
    loaded = invitations.load(meeting)
    assert loaded is not None
    for rsvp, partstat in [("attending", "ACCEPTED"), ("leave", "DECLINED")]:
        invitee = invitations.Invitee(
            name="张局长", email="zhang@czj.example.gov.cn", role=attendance.role, rsvp=rsvp
        )
        cal = invitations.invitation(loaded, invitee, method="REQUEST", now=NOW)
        [event] = cal.walk("VEVENT")
        assert event["ATTENDEE"].params["PARTSTAT"] == partstat


def test_organizer_falls_back_to_the_system_address(room, people, colleague, settings):
    settings.DEFAULT_FROM_EMAIL = "会务系统 <huiwu@zfb.example.gov.cn>"
    meeting = meeting_create(
        actor=colleague,  # no e-mail address on the account, no person
        title="专题会议",
        room=room,
        start=at(2, 14),
        end=at(2, 15),
        now=NOW,
        attendees=[AttendeeSpec(people.zhang)],
    )
    [event] = parse(invitation_for(people.zhang, meeting=meeting).ics.encode()).walk("VEVENT")
    assert str(event["ORGANIZER"]) == "mailto:huiwu@zfb.example.gov.cn"


def test_a_confidential_meeting_is_private_in_the_attendees_outlook(organiser, room, people):
    from meetings.models import Confidentiality

    meeting_create(
        actor=organiser,
        title="干部任免事项研究",
        room=room,
        start=at(3, 9),
        end=at(3, 10),
        now=NOW,
        confidentiality=Confidentiality.CONFIDENTIAL,
        attendees=[AttendeeSpec(people.zhang)],
    )
    row = invitation_for(people.zhang)
    [event] = parse(row.ics.encode()).walk("VEVENT")
    # The attendee reads it all; colleagues who share their calendar see only "busy".
    assert str(event["SUMMARY"]) == "干部任免事项研究"
    assert str(event["CLASS"]) == "PRIVATE"
    parsed = parse_invitation_js(row.ics.encode())
    assert parsed["method"] == "REQUEST"


def test_an_ordinary_meeting_is_not_marked_private(meeting, people):
    [event] = parse(invitation_for(people.zhang).ics.encode()).walk("VEVENT")
    assert "CLASS" not in event
