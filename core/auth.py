"""API authentication: the browser session (with CSRF) or `Authorization: Bearer <token>`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from core.models import ApiToken
from core.ratelimit import client_ip, hit, is_limited


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        key = f"token:{client_ip(request)}"
        if is_limited(key):
            return None
        if len(token) > 200:
            hit(key)
            return None
        api_token = ApiToken.objects.get_by_raw(token)
        if api_token is None or not api_token.user.is_active:
            hit(key)
            return None
        now = timezone.now()
        # Write last use at most once a minute: every API call must not become a write.
        if api_token.last_used_at is None or (now - api_token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


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
