"""The bearer token is checked against the database on every request (core/auth.py):
revoking it or deactivating its user takes effect at once, also for answers that come
from a cache, and the token's user is the one the endpoints see."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.models import ApiToken
from tests.api_support import iso, meeting_body, post, when
from tests.factories import make_token

pytestmark = pytest.mark.django_db

AVAILABILITY = "/api/v1/availability"


def hour() -> dict[str, str]:
    return {"start": iso(when(9)), "end": iso(when(10))}


def bearer(token: str) -> Client:
    return Client(headers={"authorization": f"Bearer {token}"})


def test_revoking_a_token_takes_effect_on_the_next_request(organiser, room):
    client = bearer(make_token(organiser))
    assert client.get(AVAILABILITY, hour()).status_code == 200
    ApiToken.objects.update(revoked_at=timezone.now())
    response = client.get(AVAILABILITY, hour())
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_deactivating_the_user_takes_effect_on_the_next_request(organiser, room):
    client = bearer(make_token(organiser))
    assert client.get(AVAILABILITY, hour()).status_code == 200
    organiser.is_active = False
    organiser.save()
    assert client.get(AVAILABILITY, hour()).status_code == 401


def test_the_endpoints_see_the_tokens_user(organiser, room):
    client = bearer(make_token(organiser))
    response = post(client, "/api/v1/meetings", meeting_body(room.pk, when(9), when(10)))
    assert response.status_code == 201, response.content
    assert response.json()["organizer"]["username"] == "organiser"


def test_last_use_is_written_at_most_once_a_minute(organiser, room):
    client = bearer(make_token(organiser))
    token = ApiToken.objects.get()
    assert token.last_used_at is None
    client.get(AVAILABILITY, hour())
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None and timezone.now() - first < dt.timedelta(seconds=5)
    with CaptureQueriesContext(connection) as queries:
        client.get(AVAILABILITY, hour())
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == first
    # A minute later the next use is recorded again.
    ApiToken.objects.update(last_used_at=first - dt.timedelta(minutes=2))
    client.get(AVAILABILITY, hour())
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first


def test_a_token_differing_in_its_last_character_is_refused(organiser):
    token = make_token(organiser)
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert bearer(wrong).get("/api/v1/rooms").status_code == 401
    assert bearer(token).get("/api/v1/rooms").status_code == 200
