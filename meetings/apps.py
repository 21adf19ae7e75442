from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate

# The worker's periodic jobs, keyed by a stable name so that every migrate updates them
# in place instead of adding a copy (django-q2 would then run each job twice).
HOLD_EXPIRY_SCHEDULE = "meetings.expire_holds"
HOLD_EXPIRY_MINUTES = 15


def ensure_schedules(*, using: str = "default", **kwargs: Any) -> None:
    """Create or update the django-q2 schedules this app needs (after every migrate)."""
    from django.db import connections
    from django_q.models import Schedule

    # A partial migrate (e.g. `migrate meetings` on a new database) may run before
    # django_q's own tables exist; the next full migrate creates the schedule.
    if Schedule._meta.db_table not in connections[using].introspection.table_names():
        return
    Schedule.objects.using(using).update_or_create(
        name=HOLD_EXPIRY_SCHEDULE,
        defaults={
            "func": "meetings.tasks.expire_holds",
            "schedule_type": Schedule.MINUTES,
            "minutes": HOLD_EXPIRY_MINUTES,
            "repeats": -1,
        },
    )


class MeetingsConfig(AppConfig):
    name = "meetings"
    verbose_name = "会议"

    def ready(self) -> None:
        from meetings import checks  # noqa: F401  (registers the VC settings check)

        post_migrate.connect(
            ensure_schedules, sender=self, dispatch_uid="meetings.ensure_schedules"
        )
