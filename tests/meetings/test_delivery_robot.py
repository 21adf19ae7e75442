"""企业微信 and 钉钉 group robots, against a local HTTP server standing in for them.

Each format is checked as the robot receives it; a non-zero `errcode`, an HTTP 500 and a
robot that does not answer are failures to retry, with the reason recorded.
"""

from __future__ import annotations

import threading

import pytest

from meetings import delivery, notifications
from meetings.models import Channel, Confidentiality, DeliveryStatus, Notification
from meetings.services import AttendeeSpec, meeting_create
from tests.factories import NOW, at
from tests.meetings.notify_support import cast, robot_server, rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def robot():
    with robot_server() as server:
        yield server


@pytest.fixture
def people(robot):
    return cast(webhook=robot.url("/wecom/send?key=unit"), own_webhook=robot.url("/ding?t=own"))


def book(organiser, room, people, **kw):
    return meeting_create(
        actor=organiser,
        title=kw.pop("title", "防汛工作调度会"),
        room=room,
        start=at(2, 9),
        end=at(2, 10),
        now=NOW,
        attendees=[AttendeeSpec(people.zhao), AttendeeSpec(people.qian)],
        **kw,
    )


def invitation(person) -> Notification:
    [row] = rows(person=person, kind=notifications.INVITATION)
    return row


def test_wecom_gets_its_text_message_with_an_at_of_the_phone(robot, people, organiser, room):
    book(organiser, room, people)
    row = invitation(people.zhao)
    assert (row.channel, row.mention) == (Channel.WECOM, "13800000001")
    assert row.address == people.unit.robot_webhook  # no robot of their own: the unit's
    assert row.ics == ""  # a group chat gets text, not a calendar

    assert delivery.deliver(row.pk, now=NOW) == DeliveryStatus.SENT
    [payload] = robot.received
    assert robot.paths == ["/wecom/send?key=unit"]
    assert payload["msgtype"] == "text"
    assert payload["text"]["mentioned_mobile_list"] == ["13800000001"]
    content = payload["text"]["content"]
    assert content.startswith("会议通知：防汛工作调度会")
    assert "第一会议室" in content
    assert "/r/" not in content  # no personal 回执 link in a group chat


def test_dingtalk_gets_its_format_with_the_at_in_the_text(robot, people, organiser, room):
    book(organiser, room, people)
    row = invitation(people.qian)
    assert row.channel == Channel.DINGTALK
    assert delivery.deliver(row.pk, now=NOW) == DeliveryStatus.SENT
    [payload] = robot.received
    assert robot.paths == ["/ding?t=own"]
    assert payload["msgtype"] == "text"
    assert payload["at"] == {"atMobiles": ["13800000002"], "isAtAll": False}
    assert payload["text"]["content"].endswith("@13800000002")


def test_a_confidential_meeting_shows_only_time_and_room_in_a_group_chat(
    robot, people, organiser, room
):
    secret = Confidentiality.CONFIDENTIAL
    book(organiser, room, people, title="干部任免事项研究", confidentiality=secret)
    row = invitation(people.zhao)
    assert delivery.deliver(row.pk, now=NOW) == DeliveryStatus.SENT
    content = robot.received[0]["text"]["content"]
    assert "干部任免" not in content
    assert content.startswith("您有一个会议")
    assert "第一会议室" in content
    assert "2026年12月2日" in content


@pytest.mark.parametrize(
    ("status", "reply", "error"),
    [
        (200, {"errcode": 93000, "errmsg": "invalid webhook url"}, "errcode 93000"),
        (500, {"errcode": 0}, "HTTP 500"),
        (200, b"<html>proxy error</html>", "不是 JSON"),
    ],
)
def test_a_refusal_is_a_failure_to_retry(robot, people, organiser, room, status, reply, error):
    book(organiser, room, people)
    row = invitation(people.zhao)
    robot.status, robot.reply = status, reply
    assert delivery.deliver(row.pk, now=NOW) == DeliveryStatus.PENDING
    row.refresh_from_db()
    assert error in row.last_error
    assert row.attempts == 1
    assert row.next_attempt_at is not None

    robot.status, robot.reply = 200, {"errcode": 0, "errmsg": "ok"}
    assert delivery.deliver(row.pk, now=row.next_attempt_at) == DeliveryStatus.SENT
    assert len(robot.received) == 2


def test_a_robot_that_does_not_answer_times_out(robot, people, organiser, room, settings):
    settings.NOTIFY_ROBOT_TIMEOUT = 1
    book(organiser, room, people)
    row = invitation(people.zhao)
    robot.hang = threading.Event()
    assert delivery.deliver(row.pk, now=NOW) == DeliveryStatus.PENDING
    row.refresh_from_db()
    assert "无法连接群机器人" in row.last_error
    assert "timed out" in row.last_error


def test_a_webhook_that_is_not_http_is_refused_for_good(people, organiser, room):
    book(organiser, room, people)
    row = invitation(people.zhao)
    Notification.objects.filter(pk=row.pk).update(address="file:///etc/passwd")
    assert delivery.deliver(row.pk, now=NOW) == DeliveryStatus.FAILED


def test_long_messages_are_cut_to_what_the_robot_takes(people):
    row = Notification(
        channel=Channel.WECOM, subject="通知", body="很长的内容" * 500, mention="13800000001"
    )
    payload = delivery.robot_payload(row)
    assert len(payload["text"]["content"].encode()) <= delivery.ROBOT_TEXT_BYTES
    row.channel = Channel.DINGTALK
    payload = delivery.robot_payload(row)
    assert len(payload["text"]["content"].encode()) <= delivery.ROBOT_TEXT_BYTES
    assert payload["text"]["content"].endswith("@13800000001")


# --- the webhook's key --------------------------------------------------------------------------


def test_the_webhook_key_shows_nowhere(robot, people, organiser, room, admin, caplog):
    """企业微信's ?key= (钉钉's ?access_token=) lets anyone post into the group: errors,
    logs, the outbox page and its API show the address without it."""
    from tests.api_support import api_client
    from tests.conftest import client_for

    book(organiser, room, people)
    row = invitation(people.zhao)
    # A stray space in the address: http.client's error quotes the whole path and query.
    Notification.objects.filter(pk=row.pk).update(
        address=robot.url("/cgi-bin/webhook/send?key=SECRET-693a x")
    )
    with caplog.at_level("INFO"):
        assert delivery.deliver(row.pk, now=NOW) == DeliveryStatus.FAILED  # no retry mends it
    row.refresh_from_db()
    assert "群机器人地址无效" in row.last_error
    assert robot.received == []

    # Any error that does quote the address is scrubbed before it is stored or logged.
    leaky = delivery.scrub(f"InvalidURL: '{row.address}'", row.address)
    assert "SECRET" not in leaky and "key=***" in leaky

    page = client_for(admin).get("/notifications/outbox/?status=failed").content.decode()
    api = api_client(admin).get("/api/v1/notifications/outbox?status=failed").json()
    [item] = api["items"]
    assert item["address"].endswith("/cgi-bin/webhook/send?key=***")
    assert "/cgi-bin/webhook/send?key=***" in page
    for shown in (row.last_error, page, str(api), caplog.text):
        assert "SECRET" not in shown
    # Staff who are not admins see no outbox at all.
    assert client_for(organiser).get("/notifications/outbox/").status_code == 403


def test_a_resend_to_a_robot_keeps_the_key_out_of_the_audit_log(
    robot, people, organiser, room, admin
):
    from core.models import AuditEntry
    from tests.conftest import client_for

    book(organiser, room, people)
    row = invitation(people.zhao)
    Notification.objects.filter(pk=row.pk).update(status=DeliveryStatus.FAILED)
    people.unit.robot_webhook = robot.url("/cgi-bin/webhook/send?key=NEW-SECRET")
    people.unit.save()
    client_for(admin).post(f"/notifications/{row.pk}/retry/")
    row.refresh_from_db()
    assert (row.status, row.address) == (DeliveryStatus.PENDING, people.unit.robot_webhook)
    entry = AuditEntry.objects.get(action="notification_retry")
    assert "SECRET" not in str(entry.changes) and "unit" not in str(entry.changes)
    assert delivery.deliver(row.pk, now=NOW) == DeliveryStatus.SENT
    assert robot.paths == ["/cgi-bin/webhook/send?key=NEW-SECRET"]


# --- one message per group chat, with every @ ---------------------------------------------------


def unit_members(people, count: int) -> list:
    from core.models import NotifyChannel
    from tests.factories import make_person

    return [
        make_person(
            f"科员{i}",
            unit=people.unit,
            rank=60 + i,
            phone=f"1390000000{i}",
            notify_channel=NotifyChannel.WECOM,
        )
        for i in range(count)
    ]


def book_with(organiser, room, attendees):
    return meeting_create(
        actor=organiser,
        title="防汛工作调度会",
        room=room,
        start=at(2, 9),
        end=at(2, 10),
        now=NOW,
        attendees=[AttendeeSpec(p) for p in attendees],
    )


def test_a_unit_group_gets_one_message_with_everyones_at(robot, people, organiser, room):
    crowd = [people.zhao, *unit_members(people, 3)]
    book_with(organiser, room, crowd)
    invited = [invitation(p) for p in crowd]
    assert {r.address for r in invited} == {people.unit.robot_webhook}

    assert delivery.deliver(invited[0].pk, now=NOW) == DeliveryStatus.SENT
    [payload] = robot.received  # one message in the group, not four
    assert payload["text"]["mentioned_mobile_list"] == [
        "13800000001",
        "13900000000",
        "13900000001",
        "13900000002",
    ]
    assert {r.status for r in rows(pk__in=[r.pk for r in invited])} == {DeliveryStatus.SENT}
    # The others' own tasks find nothing left to send.
    assert [delivery.deliver(r.pk, now=NOW) for r in invited[1:]] == ["", "", ""]
    assert len(robot.received) == 1


def test_a_failed_group_message_is_retried_for_everyone_in_it(robot, people, organiser, room):
    crowd = [people.zhao, *unit_members(people, 2)]
    book_with(organiser, room, crowd)
    invited = [invitation(p) for p in crowd]
    robot.status, robot.reply = 200, {"errcode": 45009, "errmsg": "api freq out of limit"}
    assert delivery.deliver(invited[0].pk, now=NOW) == DeliveryStatus.PENDING
    after = rows(pk__in=[r.pk for r in invited])
    assert {r.status for r in after} == {DeliveryStatus.PENDING}
    assert all("45009" in r.last_error and r.attempts == 1 for r in after)
    assert all(r.next_attempt_at is not None and r.next_attempt_at > NOW for r in after)


def test_different_groups_or_meetings_are_not_merged(robot, people, organiser, room):
    book(organiser, room, people)  # 赵 on the unit's 企业微信, 钱 on her own 钉钉
    zhao, qian = invitation(people.zhao), invitation(people.qian)
    assert delivery.deliver(zhao.pk, now=NOW) == DeliveryStatus.SENT
    assert len(robot.received) == 1
    assert rows(pk=qian.pk)[0].status == DeliveryStatus.PENDING


def test_dingtalk_names_every_phone_in_the_text_too(people, organiser, room):
    book(organiser, room, people)
    payload = delivery.robot_payload(invitation(people.qian), ["13900000009", "13800000002"])
    assert payload["at"]["atMobiles"] == ["13800000002", "13900000009"]
    assert payload["text"]["content"].endswith("@13800000002 @13900000009")
