"""Background tasks run by the django-q2 worker. Thin: load, call a service, return.

Every task is safe to run twice (django-q2 redelivers a task whose worker died, and two
qcluster processes may both pick up a sweep's work): each service claims its row with a
conditional update before acting.
"""

from __future__ import annotations

import time
from collections.abc import Iterable

from django.utils import timezone

from meetings import delivery, notifications, printjobs, services


def expire_holds() -> int:
    """Release pending holds past their working-day deadline (scheduled every 15 minutes)."""
    return services.holds_expire(now=timezone.now())


# --- notifications (meetings/notifications.py, meetings/delivery.py) -------------------------

# The sweep stops starting new sends after this many seconds, so that with the mail server
# down (each attempt waiting EMAIL_TIMEOUT) one run never overlaps the next minute's or
# meets the cluster's task timeout; what is left is next minute's work.
SWEEP_BUDGET_SECONDS = 45


def deliver_notification(pk: int) -> str:
    """Send one outbox row (enqueued on commit). Safe to run twice: the row is claimed."""
    return delivery.deliver(pk, now=timezone.now())


def deliver_notifications(pks: list[int]) -> int:
    """Send a chunk of rows written together (a meeting's invitations), within the sweep's
    time budget: rows left over stay pending, and the sweep sends them."""
    return _deliver_within_budget(pks)


def deliver_due() -> int:
    """Every minute: rows whose retry is due, rows whose enqueue was lost, and rows a
    killed worker left in `sending` (after their lease; marked failed once they have
    used up their attempts). Returns how many were tried."""
    delivery.fail_abandoned(now=timezone.now())
    return _deliver_within_budget(delivery.due_ids(now=timezone.now()))


def _deliver_within_budget(pks: Iterable[int]) -> int:
    started = time.monotonic()
    tried = 0
    for pk in pks:
        if time.monotonic() - started > SWEEP_BUDGET_SECONDS:
            break
        if delivery.deliver(pk, now=timezone.now()):
            tried += 1
    return tried


def send_reminders() -> int:
    """Every minute: queue the reminders whose time has come (once per meeting start)."""
    return notifications.reminders_due(now=timezone.now())


def cleanup() -> dict[str, int]:
    """Daily: forget sent and skipped notifications older than NOTIFY_KEEP_DAYS (failed
    ones stay until an admin re-sends them), and print jobs older than
    PRINT_JOB_KEEP_DAYS with their files.

    Cancelled meetings need nothing here: they leave the calendar feeds by the feeds' own
    query FEED_CANCELLED_DAYS after the cancellation (meetings.calendar._in_window), and
    the meeting rows stay on record.
    """
    now = timezone.now()
    return {
        "notifications": notifications.notifications_cleanup(now=now),
        "print_jobs": printjobs.purge_old_jobs(now=now),
    }


# --- print jobs (meetings/printjobs.py) ------------------------------------------------------


def run_print_job(pk: int) -> str:
    """Render one print job; safe to deliver twice (the job is claimed, never run twice)."""
    return printjobs.run_print_job(pk)


def sweep_print_jobs() -> int:
    """Re-queue print jobs a killed worker or a lost task left behind. Returns how many
    were queued again."""
    return printjobs.print_jobs_sweep(timezone.now())
