"""Every kind of calendar we serve, read by ical.js — Thunderbird's parser — under node."""

from __future__ import annotations

import pytest

from meetings.calendar import (
    feed_window,
    meeting_calendar,
    person_calendar,
    room_calendar,
    serialise,
)
from meetings.models import Confidentiality, FeedPrivacy, Meeting, Status, VcLink
from meetings.vc import vc_details
from tests.factories import NOW, at, make_meeting
from tests.meetings.ics import parse, parse_icaljs

pytestmark = pytest.mark.django_db

WINDOW = feed_window(NOW.date())
LONG_TITLE = (
    "关于贯彻落实全县冬春季森林草原防灭火暨安全生产工作电视电话会议精神的专题部署会议" * 3
)[:200]


@pytest.fixture
def scene(leader, organiser, room):
    person = leader.person
    confirmed = make_meeting(
        room=room,
        organizer=organiser,
        attendees=[person],
        title="县政府常务会议",
        start=at(2, 9),
        end=at(2, 11, 30),
        sequence=3,
    )
    VcLink.objects.create(
        meeting=confirmed,
        provider="jitsi",
        url="https://meet.example.gov.cn/huiwu-abc123",
        occupied_start=confirmed.occupied_start,
        occupied_end=confirmed.occupied_end,
    )
    pending = make_meeting(
        room=room,
        organizer=organiser,
        attendees=[person],
        title=LONG_TITLE,
        status=Status.PENDING,
        start=at(3, 14, 30),
        end=at(3, 16),
    )
    cancelled = make_meeting(
        room=room,
        organizer=organiser,
        attendees=[person],
        title="安全生产专题会议",
        status=Status.CANCELLED,
        start=at(4, 9),
        end=at(4, 10),
        updated_at=NOW,
    )
    secret = make_meeting(
        room=room,
        organizer=organiser,
        attendees=[person],
        title="干部人事研究",
        confidentiality=Confidentiality.CONFIDENTIAL,
        start=at(5, 8),
        end=at(5, 9),
    )
    return {"confirmed": confirmed, "pending": pending, "cancelled": cancelled, "secret": secret}


def by_uid(parsed: dict, meeting: Meeting) -> dict:
    found = [e for e in parsed["events"] if e["uid"] == f"meeting-{meeting.pk}@127.0.0.1"]
    assert len(found) == 1
    return found[0]


def test_person_feed_reads_the_same_in_icaljs(scene, leader):
    data = serialise(person_calendar(leader.person, window=WINDOW, alarm_minutes=15))
    parse(data)  # icalendar and the octet rules first
    parsed = parse_icaljs(data)
    assert parsed["timezones"] == ["Asia/Shanghai"]
    assert parsed["calname"] == "王县长的日程"
    assert parsed["refresh_interval"] == "PT15M"
    assert parsed["published_ttl"] == "PT15M"
    assert parsed["method"] == "PUBLISH"
    assert len(parsed["events"]) == 4

    confirmed = by_uid(parsed, scene["confirmed"])
    assert confirmed["start"] == {
        "local": "2026-12-02T09:00:00",
        "tzid": "Asia/Shanghai",
        "utc": "2026-12-02T01:00:00Z",
    }
    assert confirmed["end"]["utc"] == "2026-12-02T03:30:00Z"
    assert confirmed["summary"] == "县政府常务会议"
    assert confirmed["sequence"] == 3
    assert confirmed["status"] == "CONFIRMED"
    assert confirmed["location"] == "第一会议室"
    assert confirmed["url"] == "https://meet.example.gov.cn/huiwu-abc123"
    assert confirmed["conference"]["value"] == "https://meet.example.gov.cn/huiwu-abc123"
    vc = vc_details(Meeting.objects.select_related("vc_link").get(pk=scene["confirmed"].pk))
    assert vc is not None
    assert confirmed["conference"]["label"] == vc.provider_label
    assert "视频会议" in confirmed["description"]
    assert confirmed["alarms"] == [{"action": "DISPLAY", "trigger": "-PT15M"}]

    pending = by_uid(parsed, scene["pending"])
    assert pending["summary"] == LONG_TITLE  # unfolded whole, no character lost
    assert pending["status"] == "TENTATIVE"
    assert pending["start"]["utc"] == "2026-12-03T06:30:00Z"

    cancelled = by_uid(parsed, scene["cancelled"])
    assert cancelled["status"] == "CANCELLED"
    assert cancelled["summary"] == "【已取消】安全生产专题会议"
    assert cancelled["alarms"] == []

    assert by_uid(parsed, scene["secret"])["summary"] == "干部人事研究"  # the leader attends


def test_busy_feed_in_icaljs(scene, leader):
    data = serialise(person_calendar(leader.person, window=WINDOW, privacy=FeedPrivacy.BUSY))
    parsed = parse_icaljs(data)
    summaries = sorted(e["summary"] for e in parsed["events"])
    assert summaries == ["【已取消】内部会议", "内部会议", "内部会议", "内部会议"]
    for event in parsed["events"]:
        assert event["description"] is None and event["location"] is None
        assert event["url"] is None and event["conference"] is None
        assert event["start"]["tzid"] == "Asia/Shanghai"


def test_room_feed_in_icaljs_masks_confidential(scene, room):
    parsed = parse_icaljs(serialise(room_calendar(room, window=WINDOW)))
    assert parsed["calname"] == "第一会议室"
    secret = by_uid(parsed, scene["secret"])
    assert secret["summary"] == "内部会议"
    assert secret["description"] is None
    assert secret["start"]["utc"] == "2026-12-05T00:00:00Z"


def test_single_meeting_download_in_icaljs(scene, colleague, organiser):
    meeting = Meeting.objects.get(pk=scene["secret"].pk)
    mine = parse_icaljs(serialise(meeting_calendar(meeting, viewer=organiser)))
    theirs = parse_icaljs(serialise(meeting_calendar(meeting, viewer=colleague)))
    assert mine["timezones"] == theirs["timezones"] == ["Asia/Shanghai"]
    assert [e["summary"] for e in mine["events"]] == ["干部人事研究"]
    assert [e["summary"] for e in theirs["events"]] == ["内部会议"]
    assert theirs["events"][0]["start"]["local"] == "2026-12-05T08:00:00"
