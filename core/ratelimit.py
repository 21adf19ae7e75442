"""A small fixed-window rate limit on failed logins and token uses, kept in the cache."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def _trusted(address: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in settings.TRUSTED_PROXY_NETWORKS)


def client_ip(request: HttpRequest) -> str:
    """The address a request came from, as the limits count it.

    Behind nginx every request comes from nginx: limits counted by REMOTE_ADDR would be
    one counter for the whole office. When REMOTE_ADDR is a trusted proxy, the client is
    the right-most X-Forwarded-For hop that is not itself a trusted proxy (hops further
    left were written by the client and prove nothing).
    """
    remote = str(request.META.get("REMOTE_ADDR", "unknown"))
    if not settings.TRUSTED_PROXY_NETWORKS or not _trusted(remote):
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops[-20:]):
        if not hop:
            continue
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a garbled header: count it against the proxy, not a made-up key
        if not _trusted(hop):
            return hop
    return remote


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
