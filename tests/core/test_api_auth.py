"""API authentication: session with CSRF, or a bearer token; anything else is a 401."""

from __future__ import annotations

import pytest
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.utils import timezone

from core.models import ApiToken
from meetings.models import Meeting
from tests.api_support import meeting_body, post, when
from tests.factories import make_token

pytestmark = pytest.mark.django_db


def test_anonymous_request_is_401_in_the_error_shape():
    response = Client().get("/api/v1/meetings")
    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "unauthenticated"
    assert body["message"] and body["details"] == {}


def test_a_bearer_token_authenticates(organiser):
    token = make_token(organiser)
    response = Client().get("/api/v1/rooms", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


def test_a_bad_token_is_401(organiser):
    make_token(organiser)
    response = Client().get("/api/v1/rooms", HTTP_AUTHORIZATION="Bearer hw_not-a-real-token")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_a_revoked_token_is_401(organiser):
    token = make_token(organiser)
    ApiToken.objects.update(revoked_at=timezone.now())
    response = Client().get("/api/v1/rooms", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


def test_a_token_of_a_deactivated_user_is_401(organiser):
    token = make_token(organiser)
    organiser.is_active = False
    organiser.save()
    response = Client().get("/api/v1/rooms", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401


def test_token_requests_need_no_csrf(organiser, room):
    client = Client(enforce_csrf_checks=True)
    token = make_token(organiser)
    response = post(
        client,
        "/api/v1/meetings",
        meeting_body(room.pk, when(9), when(10)),
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 201, response.json()


def test_session_post_without_csrf_token_is_refused(organiser, room):
    client = Client(enforce_csrf_checks=True)
    client.force_login(organiser)
    response = post(client, "/api/v1/meetings", meeting_body(room.pk, when(9), when(10)))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert Meeting.objects.count() == 0


def test_session_post_with_csrf_token_is_accepted(organiser, room):
    client = Client(enforce_csrf_checks=True)
    client.force_login(organiser)
    # What a browser does: send back the csrftoken cookie's value in X-CSRFToken.
    secret = _get_new_csrf_string()
    client.cookies["csrftoken"] = secret
    response = post(
        client,
        "/api/v1/meetings",
        meeting_body(room.pk, when(9), when(10)),
        HTTP_X_CSRFTOKEN=secret,
    )
    assert response.status_code == 201, response.json()


def test_session_reads_need_no_csrf_token(outsider):
    client = Client(enforce_csrf_checks=True)
    client.force_login(outsider)
    assert client.get("/api/v1/meetings").status_code == 200
