"""API authentication: the browser session (with CSRF) or `Authorization: Bearer <token>`."""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from ninja.security import HttpBearer, SessionAuth

from core.models import ApiToken, hash_token
from core.ratelimit import client_ip, hit, is_limited

# Write a token's last use at most this often: every API call must not become a write.
LAST_USED_EVERY = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class TokenAuth:
    """What a valid bearer token proved (ninja keeps it as `request.auth`)."""

    token_id: int
    user_id: int


@functools.cache
def _token_sql() -> str:
    users = get_user_model()._meta.db_table
    tokens = ApiToken._meta.db_table
    # Table names from the models' own metadata, never from input.
    return (
        f"SELECT t.id, t.user_id, (t.last_used_at IS NULL OR t.last_used_at < %s)"  # noqa: S608
        f" FROM {tokens} t JOIN {users} u ON u.id = t.user_id"
        " WHERE t.token_hash = %s AND t.revoked_at IS NULL AND u.is_active"
    )


def _user(user_id: int) -> Any:
    # Deactivated or deleted since the token was checked (the same request): nobody.
    user = get_user_model()._default_manager.filter(pk=user_id, is_active=True).first()
    return user if user is not None else AnonymousUser()


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`: checked against the database on every request, so
    revoking a token or deactivating its user takes effect at once.

    Every API call pays this, so it is one indexed query in plain SQL (the ORM spent ten
    times the query's own time building it; bench/api_load.py), and the user is loaded
    only when the endpoint looks at `request.user`: the availability answers from the
    cache never do.
    """

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = f"token:{client_ip(request)}"
        if is_limited(key):
            return None
        if len(token) > 200:
            hit(key)
            return None
        now = timezone.now()
        stale = connection.ops.adapt_datetimefield_value(now - LAST_USED_EVERY)
        with connection.cursor() as cursor:
            # Only the hash is stored; looking it up by hash compares in the database
            # index, never character by character against a secret in Python.
            cursor.execute(_token_sql(), [stale, hash_token(token)])
            row = cursor.fetchone()
        if row is None:
            hit(key)
            return None
        token_id, user_id, last_use_is_stale = row
        if last_use_is_stale:
            ApiToken.objects.filter(pk=token_id).update(last_used_at=now)
        request.user = SimpleLazyObject(functools.partial(_user, user_id))  # type: ignore[assignment]
        return TokenAuth(token_id=token_id, user_id=user_id)


class ActiveSession(SessionAuth):
    """django-ninja's session auth; it enforces CSRF for unsafe methods."""

    def _get_key(self, request: HttpRequest) -> str | None:
        # Without a session cookie there is no session to protect: answer 401 (e.g. a
        # bad bearer token) rather than the CSRF 403 that ninja would check first.
        if self.param_name not in request.COOKIES:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


API_AUTH = [BearerToken(), ActiveSession()]
