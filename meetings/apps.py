from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# The worker's periodic jobs, keyed by a stable name so that every migrate updates them
# in place instead of adding a copy (django-q2 would then run each job twice).
HOLD_EXPIRY_SCHEDULE = "meetings.expire_holds"
HOLD_EXPIRY_MINUTES = 15
# name → (task, minutes between runs). The notification sweep and the reminders run every
# minute: a reminder is then at most a minute late, a lost enqueue a minute late.
SCHEDULES: dict[str, tuple[str, int]] = {
    HOLD_EXPIRY_SCHEDULE: ("meetings.tasks.expire_holds", HOLD_EXPIRY_MINUTES),
    "meetings.deliver_due": ("meetings.tasks.deliver_due", 1),
    "meetings.send_reminders": ("meetings.tasks.send_reminders", 1),
    # With the Redis broker nothing else re-queues a job whose worker was killed.
    "meetings.sweep_print_jobs": ("meetings.tasks.sweep_print_jobs", 5),
}
# Once a day, at night (office time): old outbox rows and print jobs.
DAILY_SCHEDULES: dict[str, str] = {
    "meetings.cleanup": "meetings.tasks.cleanup",
}
DAILY_AT = dt.time(3, 30)


def ensure_schedules(*, using: str = "default", **kwargs: Any) -> None:
    """Create or update the django-q2 schedules this app needs (after every migrate)."""
    from django.db import connections
    from django.utils import timezone
    from django_q.models import Schedule

    from core.timeutil import at_local, localtime

    # A partial migrate (e.g. `migrate meetings` on a new database) may run before
    # django_q's own tables exist; the next full migrate creates the schedule.
    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return
    for name, (func, minutes) in SCHEDULES.items():
        Schedule.objects.using(using).update_or_create(
            name=name,
            defaults={
                "func": func,
                "schedule_type": Schedule.MINUTES,
                "minutes": minutes,
                "repeats": -1,
            },
        )
    today = localtime(timezone.now()).date()
    for name, func in DAILY_SCHEDULES.items():
        Schedule.objects.using(using).update_or_create(
            name=name,
            defaults={"func": func, "schedule_type": Schedule.DAILY, "repeats": -1},
            # Only when created: a migrate must not move tonight's run.
            create_defaults={
                "func": func,
                "schedule_type": Schedule.DAILY,
                "repeats": -1,
                "next_run": at_local(today + dt.timedelta(days=1), DAILY_AT),
            },
        )


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "会议"

    def ready(self) -> None:
        from meetings import checks  # noqa: F401  (registers the VC settings check)
        from rooms.versions import bump_bookings_version_on_change

        bump_bookings_version_on_change(self.get_model("Meeting"), self.get_model("VcLink"))

        post_migrate.connect(
            ensure_schedules, sender=self, dispatch_uid="meetings.ensure_schedules"
        )
