"""What staff see of notifications: the admins' 发送记录 with 重新发送, one's own 通知, the
API for both, and the directory fields that decide where notifications go."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from core.models import AuditEntry, NotifyChannel
from meetings import delivery, notifications
from meetings.models import Channel, DeliveryStatus, Notification
from meetings.services import AttendeeSpec, meeting_create
from tests.api_support import api_client, patch, post
from tests.conftest import client_for
from tests.factories import NOW, at, make_person, make_unit
from tests.meetings.notify_support import cast, closed_port, rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return cast()


@pytest.fixture
def failed(people, organiser, room, settings) -> Notification:
    """An invitation the mail server never took, after its last attempt."""
    meeting_create(
        actor=organiser,
        title="财政工作会",
        room=room,
        start=at(2, 9),
        end=at(2, 10),
        now=NOW,
        attendees=[AttendeeSpec(people.zhang), AttendeeSpec(people.wang)],
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.NOTIFY_MAX_ATTEMPTS = 1
    [row] = rows(person=people.zhang)
    assert delivery.deliver(row.pk, now=NOW) == DeliveryStatus.FAILED
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    row.refresh_from_db()
    return row


@pytest.fixture
def skipped(failed, people) -> Notification:
    [row] = rows(person=people.wang)
    assert row.status == DeliveryStatus.SKIPPED
    return row


# --- 发送记录 --------------------------------------------------------------------------------


def test_admins_see_failed_deliveries_with_the_error(admin, failed):
    page = client_for(admin).get("/notifications/outbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "发送记录" in html
    assert "会议通知：财政工作会" in html
    assert "zhang@czj.example.gov.cn" in html
    assert "ConnectionRefusedError" in html
    assert f'action="/notifications/{failed.pk}/retry/"' in html


def test_skipped_rows_are_listed_with_what_is_missing(admin, skipped):
    html = client_for(admin).get("/notifications/outbox/?status=skipped").content.decode()
    assert "王科员" in html and "未设置电子邮箱" in html


@pytest.mark.parametrize("who", ["organiser", "approver", "colleague", "outsider", "leader"])
def test_nobody_but_admins_sees_the_outbox(request, who, failed):
    client = client_for(request.getfixturevalue(who))
    assert client.get("/notifications/outbox/").status_code == 403
    assert client.post(f"/notifications/{failed.pk}/retry/").status_code == 403
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


def test_signed_out_visitors_are_sent_to_the_login(failed):
    answer = Client().get("/notifications/outbox/")
    assert answer.status_code == 302 and "/login" in answer["Location"]


def test_resending_queues_the_row_again_and_it_goes_out(admin, failed):
    answer = client_for(admin).post(f"/notifications/{failed.pk}/retry/", {"status": "failed"})
    assert answer.status_code == 302
    assert answer["Location"] == "/notifications/outbox/?status=failed"
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == (DeliveryStatus.PENDING, 0, "")
    entry = AuditEntry.objects.get(action="notification_retry")
    assert "ConnectionRefusedError" in entry.changes["last_error"]
    assert delivery.deliver(failed.pk, now=NOW) == DeliveryStatus.SENT
    assert [m.to for m in mail.outbox] == [["zhang@czj.example.gov.cn"]]


def test_the_resend_button_needs_the_csrf_token(admin, failed):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.post(f"/notifications/{failed.pk}/retry/").status_code == 403
    failed.refresh_from_db()
    assert failed.status == DeliveryStatus.FAILED


def test_resending_a_skipped_row_uses_the_address_added_since(admin, skipped, people):
    answer = client_for(admin).post(f"/notifications/{skipped.pk}/retry/", follow=True)
    assert "仍无法发送：未设置电子邮箱" in answer.content.decode()
    people.wang.email = "wang@czj.example.gov.cn"
    people.wang.save()
    client_for(admin).post(f"/notifications/{skipped.pk}/retry/")
    skipped.refresh_from_db()
    assert (skipped.channel, skipped.address) == (Channel.EMAIL, "wang@czj.example.gov.cn")
    assert skipped.ics_method == "REQUEST" and "METHOD:REQUEST" in skipped.ics
    assert delivery.deliver(skipped.pk, now=NOW) == DeliveryStatus.SENT


def test_a_personal_message_is_never_redirected_into_a_group_chat(admin, failed, people):
    people.zhang.notify_channel = NotifyChannel.WECOM
    people.zhang.save()
    answer = client_for(admin).post(f"/notifications/{failed.pk}/retry/", follow=True)
    assert "不能转发到群里" in answer.content.decode()
    failed.refresh_from_db()
    assert (failed.status, failed.channel) == (DeliveryStatus.FAILED, Channel.EMAIL)


def test_sent_rows_cannot_be_resent(admin, failed):
    Notification.objects.filter(pk=failed.pk).update(status=DeliveryStatus.SENT)
    answer = client_for(admin).post(f"/notifications/{failed.pk}/retry/", follow=True)
    assert "已发送，无需重发" in answer.content.decode()


def test_an_unknown_row_is_404(admin):
    assert client_for(admin).post("/notifications/999999/retry/").status_code == 404


# --- 通知 (one's own) ---------------------------------------------------------------------------


def test_users_see_their_own_notifications_and_mark_them_read(organiser, approver, approval_room):
    meeting_create(
        actor=organiser, title="申请", room=approval_room, start=at(2, 9), end=at(2, 10), now=NOW
    )
    mine = client_for(approver).get("/notifications/").content.decode()
    assert "待审批：申请" in mine and "1 条未读" in mine
    assert "待审批：申请" not in client_for(organiser).get("/notifications/").content.decode()
    client_for(approver).post("/notifications/read/")
    assert Notification.objects.get(kind="approval_requested").read_at is not None


# --- the API ---------------------------------------------------------------------------------


def test_api_lists_only_ones_own(organiser, approver, approval_room):
    meeting_create(
        actor=organiser, title="申请", room=approval_room, start=at(2, 9), end=at(2, 10), now=NOW
    )
    mine = api_client(approver).get("/api/v1/notifications").json()
    assert mine["unread"] == 1 and mine["count"] == 1
    [item] = mine["items"]
    assert item["subject"] == "待审批：申请" and item["kind"] == "approval_requested"
    assert api_client(organiser).get("/api/v1/notifications").json()["count"] == 0
    marked = post(api_client(approver), "/api/v1/notifications/read", {"ids": [item["id"]]})
    assert marked.json() == {"marked": 1}
    assert api_client(approver).get("/api/v1/notifications?unread=true").json()["count"] == 0


def test_api_outbox_and_retry_are_for_admins(admin, organiser, failed, skipped):
    assert api_client(organiser).get("/api/v1/notifications/outbox").status_code == 403
    denied = post(api_client(organiser), f"/api/v1/notifications/{failed.pk}/retry")
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"

    outbox = api_client(admin).get("/api/v1/notifications/outbox").json()
    assert [i["id"] for i in outbox["items"]] == [failed.pk]
    item = outbox["items"][0]
    assert item["status"] == "failed" and item["attempts"] == 1 and item["has_invitation"]
    assert "ConnectionRefusedError" in item["last_error"]
    assert outbox["counts"]["skipped"] == 1

    both = api_client(admin).get("/api/v1/notifications/outbox?status=failed,skipped").json()
    assert {i["recipient"] for i in both["items"]} == {"张局长", "王科员"}

    bad = api_client(admin).get("/api/v1/notifications/outbox?status=lost")
    assert bad.status_code == 422 and bad.json()["details"]["errors"][0]["field"] == "status"

    retried = post(api_client(admin), f"/api/v1/notifications/{failed.pk}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "pending"
    again = post(api_client(admin), f"/api/v1/notifications/{skipped.pk}/retry")
    assert again.status_code == 422 and "未设置电子邮箱" in again.json()["message"]
    missing = post(api_client(admin), "/api/v1/notifications/999999/retry")
    assert missing.status_code == 404


# --- the directory ---------------------------------------------------------------------------


def test_directory_api_sets_and_shows_the_channel(admin, organiser):
    unit = make_unit("水利局")
    created = post(
        api_client(admin),
        "/api/v1/people",
        {
            "name": "周工",
            "unit_id": unit.pk,
            "phone": "13900000000",
            "notify_channel": "dingtalk",
            "robot_webhook": "https://oapi.dingtalk.com/robot/send?access_token=x",
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["notify_channel"] == "dingtalk"
    assert created.json()["robot_webhook"].startswith("https://oapi.dingtalk.com/")
    pk = created.json()["id"]
    # Staff see how someone is reached, not the robot's address (it lets anyone post).
    seen = api_client(organiser).get(f"/api/v1/people/{pk}").json()
    assert seen["notify_channel"] == "dingtalk" and seen["robot_webhook"] is None

    changed = patch(api_client(admin), f"/api/v1/people/{pk}", {"notify_channel": "none"})
    assert changed.status_code == 200 and changed.json()["notify_channel"] == "none"
    assert AuditEntry.objects.filter(action="update", summary__contains="通知方式").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"notify_channel": "sms"}, "notify_channel"),
        ({"robot_webhook": "ftp://robot.example/send"}, "robot_webhook"),
        ({"robot_webhook": "not a url"}, "robot_webhook"),
        ({"notify_channel": None}, "notify_channel"),
    ],
)
def test_directory_api_refuses_bad_channels(admin, body, field):
    person = make_person("周工")
    answer = patch(api_client(admin), f"/api/v1/people/{person.pk}", body)
    assert answer.status_code == 422
    assert answer.json()["details"]["errors"][0]["field"] == field


def test_a_closed_outbox_is_no_error(admin):
    html = client_for(admin).get("/notifications/outbox/?status=bogus").content.decode()
    assert "没有未完成的发送记录" in html
    assert notifications.outbox_counts() == {}


# --- cost ------------------------------------------------------------------------------------


def _failed_notices(n: int, prefix: str) -> None:
    """`n` failed notices to users without a person (their name comes from the account)."""
    from tests.factories import make_user

    Notification.objects.bulk_create(
        Notification(
            recipient=make_user(f"{prefix}{i}", last_name="刘", first_name=f"{i}号"),
            kind="approval_requested",
            subject=f"待审批：申请{i}",
            channel=Channel.EMAIL,
            address=f"{prefix}{i}@example.gov.cn",
            status=DeliveryStatus.FAILED,
            attempts=6,
            last_error="SMTPServerDisconnected",
            created_at=NOW,
        )
        for i in range(n)
    )


def _count(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        answer = client.get(url)
    assert answer.status_code == 200
    return answer, len(captured.captured_queries)


@pytest.mark.parametrize("url", ["/notifications/outbox/", "/api/v1/notifications/outbox"])
def test_the_outbox_costs_the_same_queries_for_3_rows_as_for_30(admin, url):
    client = api_client(admin) if url.startswith("/api/") else client_for(admin)
    _failed_notices(3, "a")
    _, few = _count(client, url)
    _failed_notices(27, "b")
    answer, many = _count(client, url)
    shown = str(answer.json()) if url.startswith("/api/") else answer.content.decode()
    assert "刘26号" in shown  # the names are there
    assert many == few
