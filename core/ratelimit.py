"""A small fixed-window rate limit on failed logins and token uses, kept in the cache."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def is_limited(key: str, limit: int | None = None) -> bool:
    """`limit` (default LOGIN_RATE_LIMIT) failures of `key` within the window."""
    return int(cache.get(f"rl:{key}", 0)) >= (limit or settings.LOGIN_RATE_LIMIT)


def hit(key: str) -> None:
    full = f"rl:{key}"
    if cache.add(full, 1, timeout=settings.LOGIN_RATE_WINDOW):
        return
    try:
        cache.incr(full)
    except ValueError:
        cache.set(full, 1, timeout=settings.LOGIN_RATE_WINDOW)


def reset(key: str) -> None:
    cache.delete(f"rl:{key}")
