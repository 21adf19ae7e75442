"""`manage.py expire_holds`: release overdue pending holds now, as the worker does every 15 min."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from meetings.tasks import expire_holds


class Command(BaseCommand):
    help = (
        "Release pending booking requests whose approval deadline has passed "
        "and notify the requesters."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        released = expire_holds()
        self.stdout.write(f"已释放 {released} 个过期预留")
