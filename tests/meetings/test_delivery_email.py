"""E-mail delivery: the message Outlook needs, a real SMTP conversation, retries, claims.

Headers and parts are read from the sent message; the SMTP tests talk to a real local
server (aiosmtpd) or to a closed port. Nothing here measures time: the services take
`now`, and back-off is checked by the times stored.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import smtplib

import icalendar
import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.core.mail.backends import locmem

from meetings import delivery, notifications
from meetings.models import DeliveryStatus, Meeting, Notification, Role
from meetings.services import AttendeeSpec, meeting_create
from tests.factories import NOW, at
from tests.meetings.notify_support import cast, closed_port, rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    return cast()


@pytest.fixture
def meeting(organiser, room, people):
    return meeting_create(
        actor=organiser,
        title="财政预算编制会",
        room=room,
        start=at(2, 9),
        end=at(2, 11),
        now=NOW,
        attendees=[AttendeeSpec(people.zhang, Role.CHAIR), AttendeeSpec(people.li)],
    )


@pytest.fixture
def invitation(meeting, people) -> Notification:
    [row] = rows(person=people.zhang, kind=notifications.INVITATION)
    assert row.status == DeliveryStatus.PENDING
    return row


def parts(message):
    return {part.get_content_type(): part for part in message.walk()}


# --- what is sent -----------------------------------------------------------------------------


def test_an_invitation_goes_out_as_a_meeting_outlook_understands(invitation):
    assert delivery.deliver(invitation.pk, now=NOW) == DeliveryStatus.SENT
    [sent] = mail.outbox
    assert sent.to == ["zhang@czj.example.gov.cn"]
    message = sent.message()
    assert message["X-Huiwu-Notification"] == str(invitation.pk)
    assert message["Message-ID"] == f"<notification-{invitation.pk}@127.0.0.1>"
    assert message.get_content_type() == "multipart/mixed"

    [alternative] = [p for p in message.get_payload() if p.get_content_type().startswith("multi")]
    assert alternative.get_content_type() == "multipart/alternative"
    inner = [p.get_content_type() for p in alternative.get_payload()]
    assert inner == ["text/plain", "text/calendar"]
    calendar_part = alternative.get_payload()[1]
    assert calendar_part.get_param("method") == "REQUEST"
    assert calendar_part.get_content_charset() == "utf-8"
    cal = icalendar.Calendar.from_ical(calendar_part.get_payload(decode=True))
    assert str(cal["METHOD"]) == "REQUEST"

    [attachment] = [p for p in message.walk() if p.get_filename()]
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert attachment.get_payload(decode=True) == invitation.ics.encode()

    # As the wire carries it: both calendar parts say `method=REQUEST` as a bare token
    # (as Exchange writes it) and travel base64, so their CRLF lines and UTF-8 arrive
    # byte for byte whatever the relays between do with 8-bit text.
    wire = message.as_bytes(linesep="\r\n")
    assert wire.count(b"Content-Type: text/calendar; method=REQUEST; charset=UTF-8\r\n") == 2
    for part in (calendar_part, attachment):
        assert part["Content-Transfer-Encoding"] == "base64"
        assert part.get_payload(decode=True) == invitation.ics.encode()
    assert b"\r\n" in invitation.ics.encode() and b"\n" not in invitation.ics.encode().replace(
        b"\r\n", b""
    )

    invitation.refresh_from_db()
    assert invitation.status == DeliveryStatus.SENT
    assert invitation.sent_at == NOW
    assert invitation.attempts == 1


def test_a_plain_notice_has_no_calendar(approval_room, organiser, approver):
    approver.email = "approver@zfb.example.gov.cn"
    approver.save()
    meeting_create(
        actor=organiser, title="申请", room=approval_room, start=at(2, 9), end=at(2, 10), now=NOW
    )
    [row] = rows(kind="approval_requested")
    assert delivery.deliver(row.pk, now=NOW) == DeliveryStatus.SENT
    [sent] = mail.outbox
    assert sent.to == ["approver@zfb.example.gov.cn"]
    assert sent.subject == "待审批：申请"
    assert not sent.attachments and not sent.alternatives
    assert sent.extra_headers["X-Huiwu-Notification"] == str(row.pk)


# --- a real SMTP server -----------------------------------------------------------------------


class Sink:
    """aiosmtpd handler: keeps every message; refuses recipients called nobody@."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=closed_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_TIMEOUT = 5
    try:
        yield sink
    finally:
        controller.stop()


def test_an_invitation_goes_through_a_real_smtp_server(smtp, invitation):
    assert delivery.deliver(invitation.pk, now=NOW) == DeliveryStatus.SENT
    [received] = smtp.messages
    assert received["X-Huiwu-Notification"] == str(invitation.pk)
    assert received["To"] == "zhang@czj.example.gov.cn"
    assert received["Subject"] == "会议通知：财政预算编制会"
    calendars = [p for p in received.walk() if p.get_content_type() == "text/calendar"]
    assert len(calendars) == 2  # the alternative and the attachment
    for part in calendars:
        # Through a real SMTP conversation, the iCalendar text is still exactly the
        # frozen one: CRLF line ends and 75-octet folding intact.
        assert part.get_payload(decode=True) == invitation.ics.encode()
        cal = icalendar.Calendar.from_ical(part.get_payload(decode=True))
        assert str(cal["METHOD"]) == "REQUEST"
        assert str(cal.walk("VEVENT")[0]["SUMMARY"]) == "财政预算编制会"


def test_a_refused_address_fails_at_once_and_clearly(smtp, invitation):
    Notification.objects.filter(pk=invitation.pk).update(address="nobody@czj.example.gov.cn")
    assert delivery.deliver(invitation.pk, now=NOW) == DeliveryStatus.FAILED
    invitation.refresh_from_db()
    assert invitation.status == DeliveryStatus.FAILED
    assert "nobody@czj.example.gov.cn" in invitation.last_error
    assert "550" in invitation.last_error
    assert smtp.messages == []


def test_an_unreachable_server_is_retried_with_back_off_then_failed(settings, invitation, smtp):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = closed_port()
    settings.NOTIFY_MAX_ATTEMPTS = 3
    settings.NOTIFY_RETRY_SECONDS = 60
    pk = invitation.pk

    assert delivery.deliver(pk, now=NOW) == DeliveryStatus.PENDING
    row = Notification.objects.get(pk=pk)
    assert (row.attempts, row.next_attempt_at) == (1, NOW + dt.timedelta(seconds=60))
    assert "ConnectionRefusedError" in row.last_error

    # Not due yet: nobody takes it, whatever asks (the enqueued task, the sweep).
    soon = NOW + dt.timedelta(seconds=30)
    assert delivery.deliver(pk, now=soon) == ""
    assert pk not in delivery.due_ids(now=soon)

    later = NOW + dt.timedelta(seconds=60)
    assert pk in delivery.due_ids(now=later)
    assert delivery.deliver(pk, now=later) == DeliveryStatus.PENDING
    row.refresh_from_db()
    assert (row.attempts, row.next_attempt_at) == (2, later + dt.timedelta(seconds=120))

    last = later + dt.timedelta(seconds=120)
    assert delivery.deliver(pk, now=last) == DeliveryStatus.FAILED
    row.refresh_from_db()
    assert row.status == DeliveryStatus.FAILED
    assert row.attempts == 3
    assert row.next_attempt_at is None
    assert row.last_error

    # The server is back: a failed row stays failed until an admin re-sends it.
    settings.EMAIL_PORT = real_port
    assert delivery.deliver(pk, now=last + dt.timedelta(hours=1)) == ""
    assert smtp.messages == []


def test_back_off_doubles_and_is_capped(settings):
    settings.NOTIFY_RETRY_SECONDS = 60
    assert [delivery.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert delivery.backoff(30) == delivery.MAX_BACKOFF


def test_back_off_never_overflows(settings):
    # 2 ** 40 minutes does not fit in a timedelta: an OverflowError while recording a
    # failure left the row in `sending`, to be claimed and to overflow again for ever.
    settings.NOTIFY_RETRY_SECONDS = 60
    assert delivery.backoff(10_000) == delivery.MAX_BACKOFF
    settings.NOTIFY_RETRY_SECONDS = 10**12
    assert delivery.backoff(1) == delivery.MAX_BACKOFF


def test_a_failure_with_many_attempts_allowed_is_recorded(settings, invitation):
    settings.NOTIFY_MAX_ATTEMPTS = 100
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    Notification.objects.filter(pk=invitation.pk).update(attempts=60)
    assert delivery.deliver(invitation.pk, now=NOW) == DeliveryStatus.PENDING
    invitation.refresh_from_db()
    assert invitation.status == DeliveryStatus.PENDING
    assert invitation.next_attempt_at == NOW + delivery.MAX_BACKOFF


# --- claims: never sent twice ----------------------------------------------------------------


def test_two_claims_of_one_row_give_it_to_one_worker(invitation):
    first = delivery.claim(invitation.pk, now=NOW)
    second = delivery.claim(invitation.pk, now=NOW)
    assert first is not None and first.status == DeliveryStatus.SENDING
    assert second is None
    # The task enqueued on commit and the sweep both try: one message.
    delivery.deliver(invitation.pk, now=NOW)
    assert mail.outbox == []


@pytest.mark.django_db(transaction=True)
def test_two_workers_racing_for_one_row_send_it_once(invitation):
    """Two threads, each with its own database connection (two workers, or the task
    enqueued on commit and the sweep), start at the same moment: one message."""
    import threading

    from django.db import connection

    barrier = threading.Barrier(2)
    results: list[str] = []

    def worker() -> None:
        try:
            barrier.wait(timeout=10)
            results.append(delivery.deliver(invitation.pk, now=NOW))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["", DeliveryStatus.SENT]
    assert len(mail.outbox) == 1
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == (DeliveryStatus.SENT, 1)


def test_delivering_twice_sends_once(invitation):
    assert delivery.deliver(invitation.pk, now=NOW) == DeliveryStatus.SENT
    assert delivery.deliver(invitation.pk, now=NOW + dt.timedelta(minutes=1)) == ""
    assert len(mail.outbox) == 1


def test_a_row_left_sending_by_a_killed_worker_is_recovered_by_the_sweep(invitation):
    assert delivery.claim(invitation.pk, now=NOW) is not None  # ... and the worker dies
    within_lease = NOW + delivery.lease() - dt.timedelta(seconds=1)
    assert invitation.pk not in delivery.due_ids(now=within_lease)
    assert delivery.deliver(invitation.pk, now=within_lease) == ""

    after = NOW + delivery.lease() + dt.timedelta(seconds=1)
    assert invitation.pk in delivery.due_ids(now=after)
    assert delivery.deliver(invitation.pk, now=after) == DeliveryStatus.SENT
    invitation.refresh_from_db()
    assert invitation.attempts == 2  # the killed attempt counts
    assert len(mail.outbox) == 1


def test_a_slow_send_keeps_its_claim_for_as_long_as_smtp_may_take(settings, invitation):
    # Each SMTP step may wait EMAIL_TIMEOUT; with a slow server a send can run for many
    # minutes. The sweep must not take the row over meanwhile and send it a second time.
    settings.EMAIL_TIMEOUT = 60
    assert delivery.claim(invitation.pk, now=NOW) is not None  # worker A, still sending
    still_sending = NOW + dt.timedelta(seconds=60 * delivery.SMTP_WAITS)
    assert invitation.pk not in delivery.due_ids(now=still_sending)
    assert delivery.deliver(invitation.pk, now=still_sending) == ""
    assert mail.outbox == []
    # Long after any send could still be running, the row is a dead worker's.
    assert delivery.lease() > dt.timedelta(seconds=60 * delivery.SMTP_WAITS)
    later = NOW + delivery.lease() + dt.timedelta(seconds=1)
    assert delivery.deliver(invitation.pk, now=later) == DeliveryStatus.SENT


def test_a_message_that_kills_its_worker_every_time_ends_failed(settings, invitation):
    settings.NOTIFY_MAX_ATTEMPTS = 3
    when = NOW
    for attempt in (1, 2, 3):
        row = delivery.claim(invitation.pk, now=when)  # ... and the worker dies
        assert row is not None and row.attempts == attempt
        when += delivery.lease() + dt.timedelta(seconds=1)
    # No fourth attempt: the sweep records it as failed, for an admin to see.
    assert invitation.pk not in delivery.due_ids(now=when)
    assert delivery.claim(invitation.pk, now=when) is None
    assert delivery.fail_abandoned(now=when) == 1
    invitation.refresh_from_db()
    assert (invitation.status, invitation.attempts) == (DeliveryStatus.FAILED, 3)
    assert "发送中断" in invitation.last_error
    assert invitation in notifications.outbox([DeliveryStatus.FAILED])


def test_a_sending_row_without_a_claim_time_is_not_stranded(invitation):
    Notification.objects.filter(pk=invitation.pk).update(
        status=DeliveryStatus.SENDING, claimed_at=None
    )
    assert invitation.pk in delivery.due_ids(now=NOW)
    assert delivery.deliver(invitation.pk, now=NOW) == DeliveryStatus.SENT
    assert len(mail.outbox) == 1


class CancelWhileSending(locmem.EmailBackend):
    """The meeting is cancelled while the invitation is on its way, and the mail server
    then drops the connection: the invitation comes back for a retry."""

    def send_messages(self, messages):
        from django.contrib.auth.models import User

        from meetings.services import meeting_cancel

        [row] = Notification.objects.filter(status=DeliveryStatus.SENDING)
        organiser = User.objects.get(username="organiser")
        meeting_cancel(meeting=row.meeting, actor=organiser, now=NOW, reason="改期")
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")


def test_an_invitation_retried_after_its_cancellation_is_not_sent_after_it(
    settings, invitation, people
):
    settings.EMAIL_BACKEND = "tests.meetings.test_delivery_email.CancelWhileSending"
    assert delivery.deliver(invitation.pk, now=NOW) == DeliveryStatus.PENDING
    [cancel] = rows(person=people.zhang, kind=notifications.INVITATION_CANCEL)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert delivery.deliver(cancel.pk, now=NOW) == DeliveryStatus.SENT
    invitation.refresh_from_db()
    # The REQUEST's retry would put the meeting back into the calendar after the CANCEL.
    assert delivery.deliver(invitation.pk, now=invitation.next_attempt_at) == "skipped"
    invitation.refresh_from_db()
    assert invitation.last_error.startswith(notifications.SUPERSEDED_PREFIX)
    assert [m.subject for m in mail.outbox] == ["会议取消：财政预算编制会"]


def test_a_late_result_of_a_worker_whose_lease_ran_out_is_not_recorded(invitation):
    # Worker A claims and stalls; worker B takes over after the lease and sends.
    assert delivery.claim(invitation.pk, now=NOW) is not None
    after = NOW + delivery.lease() + dt.timedelta(seconds=1)
    assert delivery.deliver(invitation.pk, now=after) == DeliveryStatus.SENT
    # A's "failed" must not overwrite B's "sent".
    stale = Notification.objects.filter(
        pk=invitation.pk, status=DeliveryStatus.SENDING, claimed_at=NOW
    )
    assert stale.update(status=DeliveryStatus.FAILED) == 0
    invitation.refresh_from_db()
    assert invitation.status == DeliveryStatus.SENT


# --- meetings deleted meanwhile ---------------------------------------------------------------


def test_an_invitation_to_a_deleted_meeting_is_skipped_not_sent(invitation, meeting):
    Meeting.objects.filter(pk=meeting.pk).delete()
    invitation.refresh_from_db()
    assert invitation.meeting_id is None
    assert invitation.ics  # the frozen invitation is still there
    assert delivery.deliver(invitation.pk, now=NOW) == DeliveryStatus.SKIPPED
    invitation.refresh_from_db()
    assert invitation.last_error == "会议已被删除，未发送"
    assert mail.outbox == []


def test_a_cancellation_of_a_deleted_meeting_still_goes_out(invitation, meeting, organiser):
    from meetings.services import meeting_cancel

    meeting_cancel(meeting=meeting, actor=organiser, now=NOW)
    [cancel] = rows(person=invitation.person, kind=notifications.INVITATION_CANCEL)
    Meeting.objects.filter(pk=meeting.pk).delete()
    assert delivery.deliver(cancel.pk, now=NOW) == DeliveryStatus.SENT
    [sent] = mail.outbox
    assert "CANCEL" in sent.attachments[0].mimetype


def test_the_minutely_sweep_task_recovers_a_row_of_a_dead_worker(invitation):
    from django.utils import timezone

    from meetings import tasks

    # Claimed by a worker that died longer than a lease ago (by the real clock).
    long_ago = timezone.now() - delivery.lease() - dt.timedelta(minutes=1)
    assert delivery.claim(invitation.pk, now=long_ago) is not None
    # It, and 李科长's invitation whose enqueue never ran (no commit in this test).
    assert tasks.deliver_due() == 2
    invitation.refresh_from_db()
    assert invitation.status == DeliveryStatus.SENT
    assert sorted(m.to[0] for m in mail.outbox) == [
        "li@czj.example.gov.cn",
        "zhang@czj.example.gov.cn",
    ]
    assert tasks.deliver_due() == 0  # nothing left: not sent twice
    assert len(mail.outbox) == 2
