"""Background tasks run by the django-q2 worker. Thin: load, call a service, return."""

from __future__ import annotations

from django.utils import timezone

from meetings import services


def expire_holds() -> int:
    """Release pending holds past their working-day deadline (scheduled every 15 minutes)."""
    return services.holds_expire(now=timezone.now())
