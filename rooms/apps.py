from __future__ import annotations

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def bump_after_migrate(*, using: str = "default", **kwargs: Any) -> None:
    """A migration may rewrite meetings or rooms without signals (historical models): after
    every migrate, cached availability answers are old news, also in a shared Redis."""
    from django.db import connections

    from core.models import Counter
    from rooms.versions import bump_bookings_version

    # A partial migrate may run before core's counter table exists.
    if Counter._meta.db_table in connections[using].introspection.table_names():
        bump_bookings_version(using=using)


class RoomsConfig(AppConfig):
    name = "rooms"
    verbose_name = "会议室"

    def ready(self) -> None:
        from rooms.models import Equipment, Room, VcResource
        from rooms.versions import bump_bookings_version_on_change, bump_bookings_version_on_m2m

        # Whatever decides which rooms are free and fit (rooms/versions.py); meetings'
        # own models are connected in meetings/apps.py (rooms does not import meetings).
        bump_bookings_version_on_change(Room, Equipment, VcResource)
        bump_bookings_version_on_m2m(Room.equipment.through)
        post_migrate.connect(
            bump_after_migrate, sender=self, dispatch_uid="rooms.bump_after_migrate"
        )
