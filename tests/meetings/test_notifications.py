"""The outbox: channel and address from the directory, rows written with the change,
delivery enqueued on commit — and a missing address is a visible record, never a drop."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import transaction
from django_q.models import OrmQ

from core.models import NotifyChannel
from core.roles import Role as UserRole
from meetings import notifications, tasks
from meetings.models import Channel, DeliveryStatus, Notification, Role
from meetings.services import AttendeeSpec, meeting_create, meeting_update
from tests.factories import NOW, at, make_meeting, make_person, make_room, make_user
from tests.meetings.notify_support import cast, q_sync, rows

pytestmark = pytest.mark.django_db
__all__ = ["q_sync"]


@pytest.fixture
def people():
    return cast()


def book(organiser, room, attendees, **kw):
    return meeting_create(
        actor=organiser,
        title=kw.pop("title", "专题会议"),
        room=room,
        start=kw.pop("start", at(2, 9)),
        end=kw.pop("end", at(2, 10)),
        now=NOW,
        attendees=[AttendeeSpec(p) for p in attendees],
        **kw,
    )


# --- where each notification goes -------------------------------------------------------------


def test_each_person_is_reached_by_their_own_channel(people, organiser, room):
    meeting = book(organiser, room, [people.zhang, people.wang, people.zhao, people.qian])
    got = {r.person: r for r in rows(meeting=meeting, kind=notifications.INVITATION)}
    assert (got[people.zhang].channel, got[people.zhang].address) == (
        Channel.EMAIL,
        "zhang@czj.example.gov.cn",
    )
    assert got[people.zhang].status == DeliveryStatus.PENDING
    assert (got[people.zhao].channel, got[people.zhao].address) == (
        Channel.WECOM,
        people.unit.robot_webhook,
    )
    assert (got[people.qian].channel, got[people.qian].address) == (
        Channel.DINGTALK,
        people.qian.robot_webhook,
    )


def test_a_person_without_an_address_gets_a_skipped_record_that_says_why(people, organiser, room):
    meeting = book(organiser, room, [people.wang])
    [row] = rows(meeting=meeting, person=people.wang)
    assert row.channel == Channel.INBOX
    assert row.status == DeliveryStatus.SKIPPED
    assert row.last_error == "未设置电子邮箱"
    assert row.subject == "会议通知：专题会议"  # the content is kept for a later re-send
    assert row in notifications.outbox([DeliveryStatus.SKIPPED])


def test_a_robot_person_without_any_webhook_is_skipped_with_the_reason(organiser, room):
    person = make_person("孙主任", notify_channel=NotifyChannel.WECOM)  # unit without robot
    meeting = book(organiser, room, [person])
    [row] = rows(meeting=meeting, person=person)
    assert (row.status, row.last_error) == (DeliveryStatus.SKIPPED, notifications.NO_ROBOT)


def test_inbox_only_people_see_it_in_their_list_at_once(organiser, room):
    user = make_user("sunzr")
    person = make_person("孙主任", notify_channel=NotifyChannel.NONE, user=user)
    no_account = make_person("周主任", notify_channel=NotifyChannel.NONE)
    meeting = book(organiser, room, [person, no_account])
    [mine] = rows(meeting=meeting, person=person)
    assert (mine.channel, mine.status, mine.recipient) == (Channel.INBOX, DeliveryStatus.SENT, user)
    assert list(notifications.user_notifications(user)) == [mine]
    [theirs] = rows(meeting=meeting, person=no_account)
    assert (theirs.status, theirs.last_error) == (DeliveryStatus.SKIPPED, notifications.INBOX_ONLY)


def test_users_are_reached_through_their_person_else_their_account(approval_room, organiser):
    with_person = make_user("approver1", first_name="一")
    make_person("审批人甲", user=with_person, email="a@zfb.example.gov.cn")
    plain = make_user("approver2", email="b@zfb.example.gov.cn")
    neither = make_user("approver3")
    from django.contrib.auth.models import Group

    group = Group.objects.get_or_create(name="审批人")[0]
    for user in (with_person, plain, neither):
        user.groups.add(group)
    book(organiser, approval_room, [])
    got = {r.recipient: r for r in rows(kind="approval_requested")}
    assert got[with_person].address == "a@zfb.example.gov.cn"
    assert got[plain].address == "b@zfb.example.gov.cn"
    assert got[neither].status == DeliveryStatus.SKIPPED
    assert got[neither].last_error == "未设置电子邮箱"


def test_guests_get_nothing_and_are_no_error(people, organiser, room):
    from meetings.attendees import Guest, attendee_add

    meeting = book(organiser, room, [people.zhang])
    before = Notification.objects.count()
    attendee_add(meeting=meeting, actor=organiser, now=NOW, guest=Guest("某专家", unit="高校"))
    assert Notification.objects.count() == before


# --- written with the change, sent after commit ----------------------------------------------


def test_a_refused_change_writes_no_notification(people, organiser, room, colleague):
    meeting = book(organiser, room, [people.zhang])
    make_meeting(room=room, organizer=colleague, start=at(3, 9), end=at(3, 10))
    before = Notification.objects.count()
    with pytest.raises(Exception):  # noqa: B017 (BookingConflict: the room is taken)
        meeting_update(meeting=meeting, actor=organiser, now=NOW, start=at(3, 9), end=at(3, 10))
    assert Notification.objects.count() == before


def test_delivery_is_enqueued_only_when_the_change_commits(
    people, organiser, room, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        book(organiser, room, [people.zhang, people.li, people.wang])
    # One enqueue for the rows written together (two e-mails; the skipped row has nothing
    # to send), and nothing in the queue before the commit.
    assert len(callbacks) == 1
    assert OrmQ.objects.count() == 0
    callbacks[0]()
    [together] = OrmQ.objects.all()
    assert together.task["func"] == "meetings.tasks.deliver_notifications"
    assert len(together.task["args"][0]) == 2
    together.delete()

    with django_capture_on_commit_callbacks(execute=True):
        book(organiser, room, [people.zhang], start=at(3, 9), end=at(3, 10))
    # The ORM broker now holds the task for the worker.
    [queued] = OrmQ.objects.all()
    assert queued.task["func"] == "meetings.tasks.deliver_notification"
    [row] = rows(meeting__start=at(3, 9), person=people.zhang)
    assert queued.task["args"] == (row.pk,)


def test_a_large_roster_is_queued_in_chunks_each_sent_by_one_task(
    organiser, django_capture_on_commit_callbacks
):
    room = make_room(capacity=100)
    crowd = [make_person(f"代表{i}", email=f"rep{i}@example.gov.cn") for i in range(60)]
    with django_capture_on_commit_callbacks(execute=True):
        book(organiser, room, crowd)
    queued = [q.task for q in OrmQ.objects.order_by("id")]
    assert [len(t["args"][0]) for t in queued] == [25, 25, 10]
    assert {t["func"] for t in queued} == {"meetings.tasks.deliver_notifications"}
    assert tasks.deliver_notifications(queued[0]["args"][0]) == 25
    assert len(mail.outbox) == 25
    assert (
        Notification.objects.filter(status=DeliveryStatus.SENT, channel=Channel.EMAIL).count() == 25
    )


def test_a_rolled_back_transaction_enqueues_nothing(
    people, organiser, room, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        book(organiser, room, [people.zhang])
        raise RuntimeError("something later in the same request failed")
    assert callbacks == []
    assert Notification.objects.count() == 0
    assert OrmQ.objects.count() == 0


def test_sent_by_the_worker_after_commit(
    q_sync, people, organiser, room, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        book(organiser, room, [people.zhang, people.li])
    assert sorted(m.to[0] for m in mail.outbox) == [
        "li@czj.example.gov.cn",
        "zhang@czj.example.gov.cn",
    ]
    assert {r.status for r in rows(kind=notifications.INVITATION)} == {DeliveryStatus.SENT}


def test_a_broker_that_is_down_loses_nothing(
    people, organiser, room, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("django_q.tasks.async_task", broken)
    with django_capture_on_commit_callbacks(execute=True):
        meeting = book(organiser, room, [people.zhang])  # no error for the user
    [row] = rows(meeting=meeting, person=people.zhang)
    assert row.status == DeliveryStatus.PENDING
    # The minutely sweep sends it.
    assert tasks.deliver_due() == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENT
    assert [m.to for m in mail.outbox] == [["zhang@czj.example.gov.cn"]]


def test_old_sent_rows_are_cleaned_up_failed_ones_stay(people, organiser, room, settings):
    import datetime as dt

    settings.NOTIFY_KEEP_DAYS = 30
    book(organiser, room, [people.zhang, people.wang])
    old = NOW - dt.timedelta(days=31)
    Notification.objects.update(created_at=old)
    failed = Notification.objects.filter(person=people.zhang).get()
    Notification.objects.filter(pk=failed.pk).update(status=DeliveryStatus.FAILED)
    sent = make_meeting(room=make_room(), organizer=organiser, start=at(4, 9), end=at(4, 10))
    fresh = Notification.objects.create(
        kind="x", subject="新的", meeting=sent, status=DeliveryStatus.SENT, created_at=NOW
    )
    assert notifications.notifications_cleanup(now=NOW) == 1  # 王科员's skipped row
    assert set(Notification.objects.values_list("pk", flat=True)) == {failed.pk, fresh.pk}


def test_the_cleanup_task_purges_notifications_and_print_jobs():
    assert tasks.cleanup() == {"notifications": 0, "print_jobs": 0}


def test_schedules_are_created_once_and_updated_in_place():
    from django_q.models import Schedule

    from meetings.apps import ensure_schedules

    ensure_schedules()
    ensure_schedules()
    names = sorted(Schedule.objects.values_list("name", flat=True))
    assert names.count("meetings.deliver_due") == 1
    due = Schedule.objects.get(name="meetings.deliver_due")
    assert (due.func, due.schedule_type, due.minutes) == (
        "meetings.tasks.deliver_due",
        Schedule.MINUTES,
        1,
    )
    reminders = Schedule.objects.get(name="meetings.send_reminders")
    assert (reminders.func, reminders.minutes) == ("meetings.tasks.send_reminders", 1)
    cleanup = Schedule.objects.get(name="meetings.cleanup")
    assert (cleanup.func, cleanup.schedule_type) == ("meetings.tasks.cleanup", Schedule.DAILY)
    assert "meetings.expire_holds" in names
    sweep = Schedule.objects.get(name="meetings.sweep_print_jobs")
    assert (sweep.func, sweep.minutes) == ("meetings.tasks.sweep_print_jobs", 5)


def test_roles_do_not_matter_for_who_is_invited(people, organiser, room):
    """Every directory person on the roster, whatever their role, gets the invitation."""
    meeting = meeting_create(
        actor=organiser,
        title="会",
        room=room,
        start=at(2, 9),
        end=at(2, 10),
        now=NOW,
        attendees=[AttendeeSpec(people.zhang, Role.STAFF), AttendeeSpec(people.li, Role.SIT_IN)],
    )
    assert {r.person for r in rows(meeting=meeting)} == {people.zhang, people.li}


# --- people who have left --------------------------------------------------------------------


def test_a_person_who_has_left_is_not_written_to_but_the_record_says_so(people, organiser, room):
    people.li.active = False
    people.li.save()
    meeting = book(organiser, room, [people.zhang, people.li])
    [row] = rows(meeting=meeting, person=people.li)
    assert (row.channel, row.status) == (Channel.INBOX, DeliveryStatus.SKIPPED)
    assert row.last_error == notifications.PERSON_INACTIVE
    assert tasks.deliver_due() == 1  # 张局长's invitation only
    assert [m.to for m in mail.outbox] == [["zhang@czj.example.gov.cn"]]


def test_a_deactivated_account_gets_no_notice_by_mail(approval_room, organiser, approver):
    from meetings.services import meeting_cancel

    organiser.email = "organiser@zfb.example.gov.cn"
    organiser.save()
    meeting = book(organiser, approval_room, [])
    organiser.is_active = False  # left the office; an admin cancels their booking
    organiser.save()
    meeting_cancel(meeting=meeting, actor=make_user("guanli2", UserRole.ADMIN), now=NOW)
    [notice] = rows(kind="cancel")
    assert (notice.status, notice.last_error) == (
        DeliveryStatus.SKIPPED,
        notifications.USER_INACTIVE,
    )


# --- cost: a roster of 100 is written in as many queries as a roster of 10 ---------------------


def _queries(fn):
    """(what fn returns, how many queries it made)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        result = fn()
    return result, len(captured.captured_queries)


def _crowd(n, unit):
    """Attendees by e-mail, by group robot, without an address, and 仅站内."""
    choices = [NotifyChannel.EMAIL, NotifyChannel.WECOM, NotifyChannel.NONE]
    return [
        make_person(
            f"参会人{i}",
            unit=unit,
            email=f"p{i}@example.gov.cn" if i % 4 else "",
            notify_channel=choices[i % 3],
            phone=f"139{i:08d}",
            user=make_user(f"crowd{n}-{i}") if i % 5 == 0 else None,
        )
        for i in range(n)
    ]


# SQLite takes at most 999 parameters per statement, so Django splits a bulk insert of
# 100 outbox rows into three; PostgreSQL writes them in one.
BULK_BATCHES = 4


def test_the_hooks_cost_the_same_few_queries_whatever_the_roster(
    people, organiser, approver, django_capture_on_commit_callbacks
):
    """Inside the booking's transaction, confirming, moving, cancelling and approving a
    meeting of 100 costs what it costs for 10 (bulk inserts, no query per attendee).
    The enqueues run after the commit (not counted here: one broker write each)."""
    from meetings.services import meeting_approve, meeting_cancel

    cost: dict[int, dict[str, int]] = {}
    for day, n in ((2, 10), (3, 100)):
        crowd = _crowd(n, people.unit)
        big = make_room(f"大会议室{n}", capacity=500)
        approval = make_room(f"常务会议室{n}", capacity=500, needs_approval=True)
        c = cost[n] = {}
        with django_capture_on_commit_callbacks(execute=False):
            meeting, c["confirmed"] = _queries(
                lambda: book(organiser, big, crowd, start=at(day, 9), end=at(day, 10))  # noqa: B023
            )
            _, c["moved"] = _queries(
                lambda: meeting_update(
                    meeting=meeting,  # noqa: B023
                    actor=organiser,
                    now=NOW,
                    start=at(day, 11),  # noqa: B023
                    end=at(day, 12),  # noqa: B023
                )
            )
            _, c["reminders"] = _queries(
                lambda: notifications.reminders_queue(meeting, now=NOW)  # noqa: B023
            )
            _, c["cancelled"] = _queries(
                lambda: meeting_cancel(meeting=meeting, actor=organiser, now=NOW)  # noqa: B023
            )
            pending = book(organiser, approval, crowd, start=at(day, 14), end=at(day, 15))
            _, c["approved"] = _queries(
                lambda: meeting_approve(meeting=pending, actor=approver, now=NOW)  # noqa: B023
            )
        # Everyone was written to each time (rows, not necessarily e-mails).
        for kind in (notifications.INVITATION, notifications.INVITATION_CANCEL):
            assert Notification.objects.filter(meeting=meeting, kind=kind).count() >= n
        assert (
            Notification.objects.filter(meeting=meeting, kind=notifications.REMINDER).count() == n
        )
    for step, small in cost[10].items():
        assert small <= 40, (step, cost)
        assert cost[100][step] <= small + BULK_BATCHES, (step, cost)
