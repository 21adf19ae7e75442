"""`/ical/<token>.ics`: the calendar feed that phones and Outlook poll (DESIGN §7, §10).

Not behind login or the API's auth: the token in the URL is the credential, as every
calendar client expects. Each fetch costs a token lookup and one aggregate query (the
ETag); an unchanged feed answers 304, and a client that sends no If-None-Match gets
the bytes from the cache, so building the calendar happens once per change.
"""

from __future__ import annotations

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import parse_etags
from django.views.decorators.http import require_http_methods

from core.perf import gc_paused
from core.ratelimit import client_ip, hit, is_limited
from core.timeutil import localtime
from meetings.calendar import REFRESH, feed_calendar, feed_version, feed_window, serialise
from meetings.feeds import feed_by_token, feed_touch

CONTENT_TYPE = "text/calendar; charset=utf-8"
# A feed's bytes stay valid until its data or the day changes (both are in the key);
# the timeout only bounds how long an unused entry occupies the cache.
CACHE_SECONDS = 24 * 60 * 60
# Failed fetches per client address within LOGIN_RATE_WINDOW before 429. Far above the
# login limit: every phone of an office may reach us through one NAT address, and a few
# still polling revoked feeds every 15 minutes must not lock the others out. A 256-bit
# token cannot be guessed anyway; this only stops floods of lookups.
FAILED_FETCH_LIMIT = 100


def _headers(response: HttpResponse, etag: str | None = None) -> HttpResponse:
    # private: the URL is a secret, so no shared proxy may keep a copy; noindex in case
    # a link is pasted somewhere a crawler reads.
    response["Cache-Control"] = f"private, max-age={int(REFRESH.total_seconds())}"
    response["X-Robots-Tag"] = "noindex, nofollow"
    if etag is not None:
        response["ETag"] = etag
    return response


def _not_found() -> HttpResponse:
    # Plain text, not the HTML 404 page: the reader is a calendar client. Unknown,
    # revoked and malformed tokens all look the same.
    return _headers(
        HttpResponse(
            "日历订阅不存在或已撤销。\n", status=404, content_type="text/plain; charset=utf-8"
        )
    )


def _matches(if_none_match: str, etag: str) -> bool:
    # If-None-Match uses the weak comparison (RFC 9110 §13.1.2): W/"x" matches "x".
    wanted = [e.removeprefix("W/") for e in parse_etags(if_none_match)]
    return "*" in wanted or etag in wanted


@require_http_methods(["GET", "HEAD"])
def feed_ics(request: HttpRequest, token: str) -> HttpResponse:
    """The feed behind `token`: 200 with the calendar, 304 if unchanged, 404 if unknown."""
    # Failed lookups count against the client's address; a successful fetch never does.
    limit_key = f"ical:{client_ip(request)}"
    if is_limited(limit_key, FAILED_FETCH_LIMIT):
        response = HttpResponse(
            "请求过多，请稍后再试。\n", status=429, content_type="text/plain; charset=utf-8"
        )
        response["Retry-After"] = "300"
        return _headers(response)
    feed = feed_by_token(token)
    if feed is None:
        hit(limit_key)
        return _not_found()

    now = timezone.now()
    feed_touch(feed, now=now)
    window = feed_window(localtime(now).date())
    version = feed_version(feed, window)
    etag = f'"{version}"'
    if _matches(request.headers.get("If-None-Match", ""), etag):
        return _headers(HttpResponse(status=304), etag)

    key = f"ical:feed:{version}"
    body = cache.get(key)
    if not isinstance(body, bytes):
        # A change landing between the fingerprint and this build stores newer bytes
        # under the older key: harmless, the next fetch has a new fingerprint anyway.
        with gc_paused():
            body = serialise(feed_calendar(feed, window=window))
        cache.set(key, body, CACHE_SECONDS)
    response = HttpResponse(b"" if request.method == "HEAD" else body, content_type=CONTENT_TYPE)
    # HEAD answers what GET would, length included, without the body.
    response["Content-Length"] = str(len(body))
    response["Content-Disposition"] = 'inline; filename="calendar.ics"'
    return _headers(response, etag)
