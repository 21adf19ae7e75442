"""meetings.calendar: what a person's, a room's and a meeting's calendar contain (RFC 5545/7986)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser

from core.timeutil import local_tz
from meetings.calendar import (
    build_calendar,
    feed_window,
    meeting_calendar,
    person_calendar,
    room_calendar,
    serialise,
)
from meetings.models import Confidentiality, FeedPrivacy, Meeting, Role, Status, VcLink
from meetings.services import AttendeeSpec
from meetings.vc import vc_details
from tests.factories import NOW, at, make_meeting, make_person, make_room
from tests.meetings.ics import check_octets, event_by_uid, events, parse

pytestmark = pytest.mark.django_db

TODAY = NOW.date()  # Monday 2026-11-30
WINDOW = feed_window(TODAY)
CHANGED = dt.datetime(2026, 11, 20, 10, 30, tzinfo=local_tz())


@pytest.fixture
def person(leader):
    return leader.person


def meeting_for(person, organiser, room, **kw) -> Meeting:
    kw.setdefault("created_at", CHANGED - dt.timedelta(days=1))
    kw.setdefault("updated_at", CHANGED)
    kw.setdefault("start", at(2, 9))
    kw.setdefault("end", at(2, 10, 30))
    return make_meeting(room=room, organizer=organiser, attendees=[person], **kw)


def ics(person, **kw) -> bytes:
    return serialise(person_calendar(person, window=WINDOW, **kw))


def test_times_carry_tzid_with_its_vtimezone(person, organiser, room):
    m = meeting_for(person, organiser, room, title="县政府常务会议")
    data = ics(person)
    cal = parse(data)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    assert b"DTSTART;TZID=Asia/Shanghai:20261202T090000\r\n" in data
    assert b"DTEND;TZID=Asia/Shanghai:20261202T103000\r\n" in data
    event = event_by_uid(cal, f"meeting-{m.pk}@127.0.0.1")
    assert event.decoded("DTSTART") == at(2, 9)
    assert event.decoded("DTSTART").utcoffset() == dt.timedelta(hours=8)
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai"


def test_stamps_come_from_the_last_change_and_bytes_repeat(person, organiser, room):
    m = meeting_for(person, organiser, room)
    first, second = ics(person), ics(person)
    assert first == second
    event = event_by_uid(parse(first), f"meeting-{m.pk}@127.0.0.1")
    assert event.decoded("DTSTAMP") == CHANGED
    assert event.decoded("LAST-MODIFIED") == CHANGED
    assert b"DTSTAMP:20261120T023000Z\r\n" in first  # 10:30 Beijing time, in UTC


def test_calendar_properties_name_refresh_and_ttl(person, organiser, room):
    meeting_for(person, organiser, room)
    data = ics(person)
    cal = parse(data)
    assert str(cal["X-WR-CALNAME"]) == "王县长的日程"
    assert str(cal["NAME"]) == "王县长的日程"
    assert b"REFRESH-INTERVAL;VALUE=DURATION:PT15M\r\n" in data
    assert b"X-PUBLISHED-TTL:PT15M\r\n" in data
    assert str(cal["METHOD"]) == "PUBLISH"
    assert str(cal["VERSION"]) == "2.0"


def test_event_fields_for_a_confirmed_meeting(person, organiser, room, colleague):
    room.building, room.floor = "县政府大楼", "3"
    room.save()
    other = make_person("李副县长", rank=2)
    m = meeting_for(
        person,
        organiser,
        room,
        title="安全生产专题会议",
        description="研究冬季安全生产",
        sequence=2,
    )
    m.attendances.filter(person=person).update(role=Role.CHAIR)
    m.attendances.create(person=other, role=Role.ATTEND, order=1)
    event = event_by_uid(parse(ics(person)), f"meeting-{m.pk}@127.0.0.1")
    assert str(event["SUMMARY"]) == "安全生产专题会议"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event["SEQUENCE"] == 2
    assert str(event["LOCATION"]) == "县政府大楼 3楼 第一会议室"
    assert "TRANSP" not in event  # OPAQUE, the default
    description = str(event["DESCRIPTION"])
    assert "主持：王县长" in description and "出席：李副县长" in description
    assert "研究冬季安全生产" in description
    assert f"/meetings/{m.pk}/" in description
    assert "ATTENDEE" not in event and "ORGANIZER" not in event


def test_pending_is_tentative_and_drafts_and_rejected_never_appear(person, organiser, room):
    pending = meeting_for(
        person, organiser, room, status=Status.PENDING, start=at(3, 9), end=at(3, 10)
    )
    meeting_for(person, organiser, room, status=Status.DRAFT, start=at(4, 9), end=at(4, 10))
    meeting_for(person, organiser, room, status=Status.REJECTED, start=at(5, 9), end=at(5, 10))
    cal = parse(ics(person))
    assert [str(e["UID"]) for e in events(cal)] == [f"meeting-{pending.pk}@127.0.0.1"]
    assert str(events(cal)[0]["STATUS"]) == "TENTATIVE"


def test_cancelled_meetings_stay_for_the_configured_days(person, organiser, room, settings):
    settings.FEED_CANCELLED_DAYS = 14
    recent = meeting_for(
        person,
        organiser,
        room,
        title="专题会议",
        status=Status.CANCELLED,
        updated_at=at(17, 12, month=11),  # 13 days before TODAY
        sequence=1,
    )
    meeting_for(
        person,
        organiser,
        room,
        status=Status.CANCELLED,
        start=at(3, 9),
        end=at(3, 10),
        updated_at=at(15, 12, month=11),  # 15 days before
    )
    cal = parse(serialise(person_calendar(person, window=feed_window(TODAY))))
    assert [str(e["UID"]) for e in events(cal)] == [f"meeting-{recent.pk}@127.0.0.1"]
    event = events(cal)[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]) == "【已取消】专题会议"
    assert str(event["TRANSP"]) == "TRANSPARENT"
    # Day 14 after the cancellation is the last one it is shown on.
    later = feed_window(TODAY + dt.timedelta(days=1))
    assert events(person_calendar(person, window=later))
    assert not events(person_calendar(person, window=feed_window(TODAY + dt.timedelta(days=2))))


def test_a_cancelled_draft_never_appears_a_cancelled_booking_does(person, organiser):
    from meetings.services import meeting_cancel, meeting_create

    room = make_room("第三会议室")
    now = at(30, 9, month=11)

    def book(title, day, *, submit):
        return meeting_create(
            actor=organiser,
            now=now,
            title=title,
            room=room,
            start=at(day, 9),
            end=at(day, 10),
            attendees=[AttendeeSpec(person, Role.ATTEND)],
            submit=submit,
        )

    draft = book("草拟的会议", 3, submit=False)
    booked = book("已预订的会议", 4, submit=True)
    for meeting in (draft, booked):
        meeting_cancel(meeting=meeting, actor=organiser, now=now)
    draft.refresh_from_db()
    assert draft.status == Status.CANCELLED and draft.submitted_at is None
    summaries = [str(e["SUMMARY"]) for e in events(parse(ics(person)))]
    # The leader's phone never had the draft: there is nothing to withdraw.
    assert summaries == ["【已取消】已预订的会议"]


def test_old_meetings_drop_out_after_the_past_window(person, organiser, room, settings):
    settings.FEED_PAST_DAYS = 30
    meeting_for(person, organiser, room, start=at(1, 9, month=10), end=at(1, 10, month=10))
    kept = meeting_for(person, organiser, room, start=at(5, 9, month=11), end=at(5, 10, month=11))
    cal = person_calendar(person, window=feed_window(TODAY))
    assert [str(e["UID"]) for e in events(cal)] == [f"meeting-{kept.pk}@127.0.0.1"]


def test_only_the_persons_meetings(person, organiser, room):
    meeting_for(person, organiser, room)
    make_meeting(room=room, organizer=organiser, start=at(7, 9), end=at(7, 10))  # not theirs
    assert len(events(person_calendar(person, window=WINDOW))) == 1


def test_vc_link_in_url_conference_and_description(person, organiser, room):
    m = meeting_for(person, organiser, room)
    VcLink.objects.create(
        meeting=m,
        provider="jitsi",
        url="https://meet.example.gov.cn/huiwu-abc123",
        number="",
        occupied_start=m.occupied_start,
        occupied_end=m.occupied_end,
    )
    data = ics(person)
    event = event_by_uid(parse(data), f"meeting-{m.pk}@127.0.0.1")
    assert str(event["URL"]) == "https://meet.example.gov.cn/huiwu-abc123"
    assert str(event["CONFERENCE"]) == "https://meet.example.gov.cn/huiwu-abc123"
    vc = vc_details(Meeting.objects.select_related("vc_link").get(pk=m.pk))
    assert vc is not None
    params = event["CONFERENCE"].params
    assert params["VALUE"] == "URI" and params["LABEL"] == vc.provider_label
    assert b"FEATURE=AUDIO,VIDEO" in data.replace(b"\r\n ", b"")
    assert f"视频会议：{vc.summary()}" in str(event["DESCRIPTION"])


def test_an_inactive_vc_link_is_not_shown(person, organiser, room):
    m = meeting_for(person, organiser, room)
    VcLink.objects.create(
        meeting=m,
        provider="external",
        url="https://meeting.example.com/j/1",
        occupied_start=m.occupied_start,
        occupied_end=m.occupied_end,
        active=False,
    )
    event = events(person_calendar(person, window=WINDOW))[0]
    assert "URL" not in event and "CONFERENCE" not in event


def test_alarm_per_feed_but_not_on_cancelled_entries(person, organiser, room):
    meeting_for(person, organiser, room)
    meeting_for(person, organiser, room, status=Status.CANCELLED, start=at(3, 9), end=at(3, 10))
    live, cancelled = events(person_calendar(person, window=WINDOW, alarm_minutes=30))
    (alarm,) = live.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=30)
    assert not cancelled.walk("VALARM")
    assert not events(person_calendar(person, window=WINDOW))[0].walk("VALARM")


def test_busy_feed_shows_time_only(person, organiser, room):
    m = meeting_for(person, organiser, room, title="干部人事研究", description="名单")
    VcLink.objects.create(
        meeting=m,
        provider="external",
        url="https://meeting.example.com/j/1",
        occupied_start=m.occupied_start,
        occupied_end=m.occupied_end,
    )
    data = ics(person, privacy=FeedPrivacy.BUSY)
    event = events(parse(data))[0]
    assert str(event["SUMMARY"]) == "内部会议"
    for prop in ("DESCRIPTION", "LOCATION", "URL", "CONFERENCE", "ATTENDEE"):
        assert prop not in event
    assert str(event["CLASS"]) == "PRIVATE"
    assert (
        "干部人事研究".encode() not in data
        and "王县长".encode() not in data.split(b"BEGIN:VEVENT")[1]
    )


def test_confidential_meeting_is_shown_to_its_attendee_but_masked_in_a_room_feed(
    person, organiser, room
):
    m = meeting_for(
        person,
        organiser,
        room,
        title="干部人事研究",
        confidentiality=Confidentiality.CONFIDENTIAL,
        description="名单",
    )
    mine = events(person_calendar(person, window=WINDOW))[0]
    assert str(mine["SUMMARY"]) == "干部人事研究"
    data = serialise(room_calendar(room, window=WINDOW))
    masked = event_by_uid(parse(data), f"meeting-{m.pk}@127.0.0.1")
    assert str(masked["SUMMARY"]) == "内部会议"
    assert str(masked["LOCATION"]) == "第一会议室"  # the room is taken: public, as on the board
    assert "DESCRIPTION" not in masked
    assert "干部人事研究".encode() not in data and "名单".encode() not in data
    assert str(parse(data)["X-WR-CALNAME"]) == "第一会议室"


def test_room_feed_lists_the_rooms_bookings(organiser, room):
    other = make_room("第二会议室")
    mine = make_meeting(room=room, organizer=organiser, start=at(2, 9), end=at(2, 10))
    make_meeting(room=other, organizer=organiser, start=at(2, 9), end=at(2, 10))
    cal = room_calendar(room, window=WINDOW)
    assert [str(e["UID"]) for e in events(cal)] == [f"meeting-{mine.pk}@127.0.0.1"]


def test_single_meeting_masked_for_those_who_may_not_see_it(person, organiser, room, colleague):
    m = meeting_for(
        person, organiser, room, title="干部人事研究", confidentiality=Confidentiality.CONFIDENTIAL
    )
    for viewer, title in ((organiser, "干部人事研究"), (colleague, "内部会议")):
        cal = parse(serialise(meeting_calendar(Meeting.objects.get(pk=m.pk), viewer=viewer)))
        (event,) = events(cal)
        assert str(event["SUMMARY"]) == title
        assert "X-WR-CALNAME" not in cal  # a file to import, not a calendar to subscribe to
        assert cal.walk("VTIMEZONE")
    cal = meeting_calendar(Meeting.objects.get(pk=m.pk), viewer=AnonymousUser())
    assert str(events(cal)[0]["SUMMARY"]) == "内部会议"


def test_long_chinese_title_is_folded_between_characters(person, organiser, room):
    title = "关于贯彻落实全县冬春季森林草原防灭火暨安全生产工作电视电话会议精神的专题部署会议" * 3
    meeting_for(person, organiser, room, title=title[:200], description="（一）" + "部署" * 300)
    data = ics(person, alarm_minutes=15)
    check_octets(data)
    assert str(events(parse(data))[0]["SUMMARY"]) == title[:200]


def test_build_calendar_with_no_meetings_is_still_valid():
    data = serialise(build_calendar([], name="空日历"))
    check_octets(data)
    assert parse(data).walk("VTIMEZONE")
