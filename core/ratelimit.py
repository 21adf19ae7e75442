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


# Per address the limit is wider: an office NAT puts many honest users behind one
# address, while one account is guessed at from one address at a time.
ADDRESS_FACTOR = 5


def _login_keys(request: HttpRequest, username: str) -> tuple[str, str]:
    ip = client_ip(request)
    return f"login:{ip}:{username.strip().lower()[:150]}", f"login:{ip}"


def login_limited(request: HttpRequest, username: str) -> bool:
    """Too many failed logins for this account from this address, or from the address."""
    account, address = _login_keys(request, username)
    return is_limited(account) or is_limited(address, settings.LOGIN_RATE_LIMIT * ADDRESS_FACTOR)


def login_failed(request: HttpRequest, username: str) -> None:
    for key in _login_keys(request, username):
        hit(key)


def login_succeeded(request: HttpRequest, username: str) -> None:
    # Only this account's counter: signing in to one's own account must not wipe the
    # failures piled up against a colleague's.
    reset(_login_keys(request, username)[0])
