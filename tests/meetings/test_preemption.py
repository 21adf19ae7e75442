"""Pre-emption: offered to admins only, never automatic, notified and audited."""

from __future__ import annotations

import datetime as dt

import pytest

from core.exceptions import BookingConflict, PermissionDenied, SoftConflict
from core.models import AuditEntry
from meetings.models import Kind, Meeting, Notification, Priority, Status, VcLink
from meetings.preemption import meeting_create_preempting, meeting_update_preempting
from meetings.services import meeting_create
from tests.factories import NOW, at, make_meeting, make_person, make_room, make_terminal, make_user
from tests.meetings.series_support import book_series, by_day

pytestmark = pytest.mark.django_db


@pytest.fixture
def big(db):
    return make_room("大会议室", capacity=80, equipment=["projector"], order=1)


@pytest.fixture
def lower(organiser, big):
    """An ordinary topic meeting (一般会议) of 12 people in the big room, 9–10 on 2 Dec."""
    return make_meeting(
        room=big,
        organizer=organiser,
        start=at(2, 9),
        end=at(2, 10),
        title="专题会议",
        expected_attendance=12,
    )


def superior(admin, room, **kw):
    """A provincial teleconference (上级会议) in `room` 9:30–11:00 on 2 Dec."""
    return {
        "actor": admin,
        "now": NOW,
        "title": "省政府电视电话会议",
        "kind": Kind.TELECONFERENCE,
        "start": at(2, 9, 30),
        "end": at(2, 11),
        "room": room,
        **kw,
    }


def test_an_admin_is_offered_preemption_of_a_lower_class_meeting(admin, big, lower):
    small = make_room("小会议室", capacity=10, equipment=["projector"], order=2)
    fitting = make_room("第二会议室", capacity=20, equipment=["projector"], order=3)
    make_room("无投影会议室", capacity=20, order=4)
    with pytest.raises(BookingConflict) as err:
        meeting_create(**superior(admin, big))
    offer = err.value.details["preemption"]
    assert offer["possible"] is True and offer["priority"] == Priority.SUPERIOR
    assert [v["id"] for v in offer["victims"]] == [lower.pk]
    assert offer["victims"][0]["priority_label"] == "一般会议"
    # Same time, enough seats (not the 10-seat room), the projector it has now.
    assert offer["suggestions"] == [
        {"meeting_id": lower.pk, "room_id": fitting.pk, "room_name": "第二会议室"}
    ]
    assert small.pk != fitting.pk
    lower.refresh_from_db()
    assert lower.room == big and lower.status == Status.APPROVED  # never automatic


def test_confirming_moves_the_lower_meeting_notifies_and_audits(admin, organiser, big, lower):
    fitting = make_room("第二会议室", capacity=20, equipment=["projector"])
    meeting = meeting_create_preempting(**superior(admin, big))
    assert meeting.room == big and meeting.status == Status.APPROVED
    lower.refresh_from_db()
    assert lower.room == fitting and lower.status == Status.APPROVED
    assert lower.start == at(2, 9) and lower.end == at(2, 10)
    notice = Notification.objects.get(kind="preempted")
    assert notice.recipient == organiser and notice.meeting == lower
    assert "第二会议室" in notice.body and "省政府电视电话会议" in notice.body
    victim_log = AuditEntry.objects.get(action="preempt", object_id=str(lower.pk))
    assert victim_log.actor == admin and "省政府电视电话会议" in victim_log.summary
    assert "上级会议" in victim_log.summary
    winner_log = AuditEntry.objects.get(action="preempt", object_id=str(meeting.pk))
    assert winner_log.changes["preempted"] == [
        {"id": lower.pk, "title": "专题会议", "moved_to": "第二会议室", "cancelled": False}
    ]


def test_without_a_fitting_free_room_the_lower_meeting_is_cancelled(admin, organiser, big, lower):
    meeting = meeting_create_preempting(**superior(admin, big))
    lower.refresh_from_db()
    assert lower.status == Status.CANCELLED and "省政府电视电话会议" in lower.cancel_reason
    assert meeting.status == Status.APPROVED
    notices = Notification.objects.filter(recipient=organiser)
    assert [n.kind for n in notices] == ["preempted"]  # one notice, not also a "cancel"
    assert AuditEntry.objects.filter(action="preempt", object_id=str(lower.pk)).exists()


def test_equal_or_higher_classes_are_never_preemptable(admin, organiser, big):
    important = make_meeting(
        room=big,
        organizer=organiser,
        start=at(2, 9),
        end=at(2, 10),
        priority=Priority.SUPERIOR,
        title="国务院电视电话会议",
    )
    make_room("第二会议室", capacity=20, equipment=["projector"])
    with pytest.raises(BookingConflict) as err:
        meeting_create(**superior(admin, big))
    assert err.value.details["preemption"]["possible"] is False
    assert "不能优先调整" in err.value.details["preemption"]["reason"]
    with pytest.raises(BookingConflict):
        meeting_create_preempting(**superior(admin, big))
    important.refresh_from_db()
    assert important.room == big and important.status == Status.APPROVED


def test_a_mix_of_lower_and_equal_is_not_preemptable(admin, organiser, big, lower):
    make_meeting(
        room=big,
        organizer=organiser,
        start=at(2, 10, 30),
        end=at(2, 11),
        priority=Priority.SUPERIOR,
    )
    with pytest.raises(BookingConflict):
        meeting_create_preempting(**superior(admin, big))
    lower.refresh_from_db()
    assert lower.room == big and lower.status == Status.APPROVED


def test_non_admins_get_no_offer_and_cannot_preempt(organiser, colleague, big, lower):
    with pytest.raises(BookingConflict) as err:
        meeting_create(**superior(colleague, big))
    assert "preemption" not in err.value.details
    with pytest.raises(PermissionDenied):
        meeting_create_preempting(**superior(colleague, big))
    lower.refresh_from_db()
    assert lower.room == big


def test_a_lower_meeting_with_video_goes_only_to_a_room_with_a_terminal(admin, big, lower):
    plain = make_room("第二会议室", capacity=20, equipment=["projector"], order=2)
    equipped = make_room("视频会议室", capacity=40, equipment=["projector"], order=3)
    make_terminal(equipped)
    VcLink.objects.create(
        meeting=lower,
        provider="external",
        url="https://meet.example.gov.cn/x",
        occupied_start=lower.occupied_start,
        occupied_end=lower.occupied_end,
    )
    with pytest.raises(BookingConflict) as err:
        meeting_create(**superior(admin, big))
    assert err.value.details["preemption"]["suggestions"][0]["room_id"] == equipped.pk
    assert plain.pk != equipped.pk


def _two_victims(organiser, second_start):
    """A hall without buffers holding a (9:00–10:00) and b (from `second_start`, 30 min)."""
    hall = make_room(
        "礼堂", capacity=80, equipment=["projector"], setup_minutes=0, teardown_minutes=0, order=1
    )
    a = make_meeting(room=hall, organizer=organiser, start=at(2, 9), end=at(2, 10))
    b = make_meeting(
        room=hall,
        organizer=organiser,
        start=second_start,
        end=second_start + dt.timedelta(minutes=30),
    )
    only = make_room("第二会议室", capacity=20, equipment=["projector"])  # 15-minute buffers
    return hall, a, b, only


def _suggestions(err) -> dict[int, int | None]:
    return {s["meeting_id"]: s["room_id"] for s in err.value.details["preemption"]["suggestions"]}


def test_two_victims_share_the_free_room_when_both_fit(admin, organiser):
    hall, a, b, only = _two_victims(organiser, at(2, 10, 30))
    with pytest.raises(BookingConflict) as err:
        meeting_create(**superior(admin, hall, end=at(2, 10, 40)))
    # b (10:30–11:00) fits after a (9–10) in the one free room, buffers included.
    assert _suggestions(err) == {a.pk: only.pk, b.pk: only.pk}


def test_two_victims_never_go_to_the_same_slot(admin, organiser):
    hall, a, b, only = _two_victims(organiser, at(2, 10))
    with pytest.raises(BookingConflict) as err:
        meeting_create(**superior(admin, hall, end=at(2, 10, 40)))
    # Back to back in the hall, but the free room's buffers keep them apart there:
    # the second has nowhere to go and would be cancelled.
    assert _suggestions(err) == {a.pk: only.pk, b.pk: None}


def test_nothing_moves_when_the_booking_then_fails(admin, organiser, big, lower):
    make_room("第二会议室", capacity=20, equipment=["projector"])
    leader = make_person("王县长")
    make_meeting(room=None, organizer=organiser, attendees=[leader], start=at(2, 9), end=at(2, 12))
    from meetings.services import AttendeeSpec

    with pytest.raises(SoftConflict):
        meeting_create_preempting(**superior(admin, big, attendees=[AttendeeSpec(leader)]))
    lower.refresh_from_db()
    assert lower.room == big and not Notification.objects.filter(kind="preempted").exists()
    assert not AuditEntry.objects.filter(action="preempt").exists()


def test_an_admin_moving_a_meeting_in_may_preempt_too(admin, big, lower):
    fitting = make_room("第二会议室", capacity=20, equipment=["projector"])
    elsewhere = make_room("第三会议室", capacity=20, order=50)
    mine = meeting_create(**superior(admin, elsewhere))
    with pytest.raises(BookingConflict) as err:
        from meetings.services import meeting_update

        meeting_update(meeting=mine, actor=admin, now=NOW, room=big)
    assert err.value.details["preemption"]["possible"] is True
    mine.refresh_from_db()
    assert mine.room == elsewhere
    meeting_update_preempting(meeting=mine, actor=admin, now=NOW, room=big)
    mine.refresh_from_db()
    lower.refresh_from_db()
    assert mine.room == big and lower.room == fitting


def test_a_preempted_occurrence_becomes_an_exception(admin, organiser, big):
    series = book_series(
        organiser, big, rrule="FREQ=WEEKLY;BYDAY=WE;COUNT=3", start=at(2, 9), end=at(2, 10)
    ).series
    fitting = make_room("第二会议室", capacity=20, equipment=["projector"])
    meeting_create_preempting(**superior(admin, big))
    victim = by_day(series)[2]
    assert victim.room == fitting and victim.is_exception
    assert not by_day(series)[9].is_exception


def test_a_staff_user_who_is_admin_is_offered_too(organiser, big, lower):
    from core.roles import Role

    boss = make_user("boss", Role.ADMIN, Role.STAFF)
    with pytest.raises(BookingConflict) as err:
        meeting_create(**superior(boss, big))
    assert err.value.details["preemption"]["possible"] is True
    assert Meeting.objects.filter(room=big).count() == 1
