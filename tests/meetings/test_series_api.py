"""The series endpoints: POST/GET/PATCH /series, /series/preview, /meetings/{id}/restore."""

from __future__ import annotations

import datetime as dt

import pytest

from core.timeutil import at_local
from meetings.models import Meeting, MeetingSeries, Status
from tests.api_support import api_client, error_fields, iso, patch, post
from tests.factories import make_meeting

pytestmark = pytest.mark.django_db


def monday_ahead(weeks: int = 2) -> dt.date:
    """A Monday at least `weeks` weeks ahead of the real today (the API reads the clock)."""
    from django.utils import timezone

    from core.timeutil import localtime

    today = localtime(timezone.now()).date()
    return today + dt.timedelta(days=7 * weeks - today.weekday())


def body(room, day: dt.date, **kw):
    data = {
        "title": "县政府常务会议",
        "room_id": room.pk if room else None,
        "start": iso(at_local(day, dt.time(9))),
        "end": iso(at_local(day, dt.time(10))),
        "rrule": "FREQ=WEEKLY;BYDAY=MO;COUNT=4",
        # The real clock may put these weeks over a holiday the office has not listed
        # yet; the holiday rules have their own tests on 2026 dates.
        "skip_holidays": False,
    }
    data.update(kw)
    return data


def test_create_and_read_back_a_series(organiser, room):
    day = monday_ahead()
    r = post(api_client(organiser), "/api/v1/series", body(room, day))
    assert r.status_code == 201, r.json()
    data = r.json()
    assert data["rule_label"] == "每周一" and data["count"] == 4
    assert [o["start"][:10] for o in data["occurrences"]] == [
        (day + dt.timedelta(weeks=i)).isoformat() for i in range(4)
    ]
    assert all(o["status"] == "approved" and not o["is_exception"] for o in data["occurrences"])
    assert data["can_edit"] is True and data["organizer"]["username"] == "organiser"
    again = api_client(organiser).get(f"/api/v1/series/{data['id']}")
    assert again.status_code == 200 and again.json()["occurrences"] == data["occurrences"]
    one = api_client(organiser).get(f"/api/v1/meetings/{data['occurrences'][0]['id']}").json()
    assert one["series_id"] == data["id"] and one["recurrence_id"] == one["start"]


def test_a_clash_is_a_409_listing_each_occurrence_then_skip(organiser, colleague, room):
    day = monday_ahead()
    second = day + dt.timedelta(weeks=1)
    clash = make_meeting(
        room=room,
        organizer=colleague,
        start=at_local(second, dt.time(9, 30)),
        end=at_local(second, dt.time(11)),
    )
    client = api_client(organiser)
    r = post(client, "/api/v1/series", body(room, day))
    assert r.status_code == 409
    err = r.json()
    assert err["code"] == "series_conflict" and err["details"]["clashing"] == 1
    (item,) = err["details"]["occurrences"]
    assert item["date"] == second.isoformat() and item["conflicts"][0]["id"] == clash.pk
    assert not MeetingSeries.objects.exists()

    r = post(client, "/api/v1/series", body(room, day, skip_conflicts=True))
    assert r.status_code == 201
    data = r.json()
    assert len(data["occurrences"]) == 3
    assert data["skipped"] == [
        {
            "date": second.isoformat(),
            "start": iso(at_local(second, dt.time(9))),
            "reason": "conflict",
            "reason_label": "与现有安排冲突，已跳过",
            "conflicts": [clash.pk],
        }
    ]


def test_the_preview_lists_dates_and_clashes_without_booking(organiser, colleague, room):
    day = monday_ahead()
    make_meeting(
        room=room,
        organizer=colleague,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
    )
    r = post(api_client(organiser), "/api/v1/series/preview", body(room, day))
    assert r.status_code == 200
    data = r.json()
    assert data["total"] == 4 and data["clashing"] == 1
    assert [o["clash"] for o in data["occurrences"]] == [True, False, False, False]
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize(
    ("rrule", "words"),
    [
        ("FREQ=WEEKLY;COUNT=0", "COUNT 须在 1–200 之间"),
        ("FREQ=WEEKLY;UNTIL=20761231", "超出系列期限"),
        ("FREQ=WEEKLY;BYDAY=MO,XYZ", "BYDAY"),
        ("FREQ=SECONDLY", "不支持按小时、分钟或秒"),
        ("FREQ=MINUTELY", "不支持按小时、分钟或秒"),
        ("FREQ=HOURLY;COUNT=3", "不支持按小时、分钟或秒"),
        ("FREQ=DAILY;COUNT=5000", "COUNT 须在 1–200 之间"),
        ("🙂", "名称=值"),
    ],
)
def test_bad_rules_are_422_with_a_clear_message(organiser, room, rrule, words):
    r = post(api_client(organiser), "/api/v1/series", body(room, monday_ahead(), rrule=rrule))
    assert r.status_code == 422, r.json()
    assert words in r.json()["message"] and error_fields(r) == ["rrule"]
    assert not Meeting.objects.exists()


def test_a_rule_without_an_end_is_booked_to_the_horizon(organiser, room, settings):
    settings.SERIES_HORIZON_DAYS = 21
    r = post(
        api_client(organiser), "/api/v1/series", body(room, monday_ahead(), rrule="FREQ=WEEKLY")
    )
    assert r.status_code == 201
    data = r.json()
    assert data["truncated"] is True and len(data["occurrences"]) == 4
    assert "UNTIL=" in data["rrule"] and "BYDAY=MO" in data["rrule"]


def test_schema_errors_and_permissions(organiser, outsider, room):
    day = monday_ahead()
    assert post(api_client(outsider), "/api/v1/series", body(room, day)).status_code == 403
    r = post(api_client(organiser), "/api/v1/series", body(room, day, rrule="", extra=1))
    assert r.status_code == 422 and set(error_fields(r)) == {"rrule", "extra"}
    r = post(
        api_client(organiser), "/api/v1/series", body(room, day, end=iso(at_local(day, dt.time(8))))
    )
    assert r.status_code == 422 and error_fields(r) == ["end"]
    assert api_client(organiser).get("/api/v1/series/999999").status_code == 404
    assert api_client().get("/api/v1/series/1").status_code == 401


def _series(client, room, day):
    return post(
        client, "/api/v1/series", body(room, day, rrule="FREQ=WEEKLY;BYDAY=MO;COUNT=5")
    ).json()


def test_patch_one_occurrence_then_all_keeps_the_exception(organiser, room):
    client = api_client(organiser)
    data = _series(client, room, monday_ahead())
    ids = [o["id"] for o in data["occurrences"]]
    moved_day = dt.date.fromisoformat(data["occurrences"][1]["start"][:10]) + dt.timedelta(days=1)
    r = patch(
        client,
        f"/api/v1/meetings/{ids[1]}",
        {
            "start": iso(at_local(moved_day, dt.time(15))),
            "end": iso(at_local(moved_day, dt.time(16))),
        },
    )
    assert r.status_code == 200 and r.json()["is_exception"] is True
    r = patch(
        client,
        f"/api/v1/series/{data['id']}?scope=all",
        {"title": "常务会议（新）", "start_time": "10:00", "end_time": "11:00"},
    )
    assert r.status_code == 200, r.json()
    occ = {o["id"]: o for o in r.json()["occurrences"]}
    assert occ[ids[1]]["start"] == iso(at_local(moved_day, dt.time(15)))
    assert occ[ids[1]]["adjusted"] is True and occ[ids[1]]["title"] == "县政府常务会议"
    assert occ[ids[0]]["start"].endswith("T10:00:00+08:00")
    assert occ[ids[0]]["title"] == "常务会议（新）"


def test_patch_following_splits_and_cancel_restore(organiser, colleague, room):
    client = api_client(organiser)
    data = _series(client, room, monday_ahead())
    ids = [o["id"] for o in data["occurrences"]]
    assert post(client, f"/api/v1/meetings/{ids[4]}/cancel", {"reason": "出差"}).status_code == 200
    r = patch(
        client,
        f"/api/v1/series/{data['id']}?scope=following&from={ids[2]}",
        {"start_time": "14:30", "end_time": "15:30"},
    )
    assert r.status_code == 200, r.json()
    tail = r.json()
    assert tail["id"] != data["id"] and tail["split_from"] == data["id"]
    assert [o["id"] for o in tail["occurrences"]] == ids[2:]
    assert tail["occurrences"][0]["start"].endswith("T14:30:00+08:00")
    assert tail["occurrences"][2]["status"] == "cancelled"
    assert tail["occurrences"][2]["start"].endswith("T09:00:00+08:00")
    head = client.get(f"/api/v1/series/{data['id']}").json()
    assert [o["id"] for o in head["occurrences"]] == ids[:2]

    r = post(client, f"/api/v1/meetings/{ids[4]}/restore")
    assert r.status_code == 200 and r.json()["status"] == "approved"
    r = post(client, f"/api/v1/meetings/{ids[4]}/restore")
    assert r.status_code == 409 and r.json()["code"] == "invalid_state"
    assert post(api_client(colleague), f"/api/v1/meetings/{ids[3]}/restore").status_code == 403


def test_patch_scope_errors(organiser, colleague, room):
    client = api_client(organiser)
    data = _series(client, room, monday_ahead())
    url = f"/api/v1/series/{data['id']}"
    assert patch(client, url, {"title": "x"}).status_code == 422  # no scope
    assert patch(client, url + "?scope=sometimes", {"title": "x"}).status_code == 422
    r = patch(client, url + "?scope=following", {"title": "x"})
    assert r.status_code == 422 and error_fields(r) == ["from"]
    r = patch(client, url + "?scope=all", {"rrule": "FREQ=DAILY"})
    assert r.status_code == 422 and "本次及以后" in r.json()["message"]
    r = patch(client, url + "?scope=all", {"title": None})
    assert r.status_code == 422
    assert patch(api_client(colleague), url + "?scope=all", {"title": "x"}).status_code == 403


def test_patch_all_with_a_clash_is_a_409_and_changes_nothing(organiser, colleague, room):
    from tests.factories import make_room

    client = api_client(organiser)
    day = monday_ahead()
    data = _series(client, room, day)
    other = make_room("第二会议室")
    make_meeting(
        room=other,
        organizer=colleague,
        start=at_local(day, dt.time(9)),
        end=at_local(day, dt.time(10)),
    )
    r = patch(client, f"/api/v1/series/{data['id']}?scope=all", {"room_id": other.pk})
    assert r.status_code == 409 and r.json()["details"]["clashing"] == 1
    assert set(Meeting.objects.filter(series_id=data["id"]).values_list("room_id", flat=True)) == {
        room.pk
    }
    assert Meeting.objects.filter(series_id=data["id"], status=Status.APPROVED).count() == 5
