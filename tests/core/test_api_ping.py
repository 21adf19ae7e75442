"""GET /api/v1/ping: the health check (and the floor of the API benchmark)."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_ping_answers_without_login_and_without_the_database(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = Client().get("/api/v1/ping")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ping_ignores_a_bad_token_rather_than_failing_the_health_check():
    response = Client().get("/api/v1/ping", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 200


def test_ping_is_read_only_and_documented():
    response = Client().post("/api/v1/ping")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    operation = Client().get("/api/v1/openapi.json").json()["paths"]["/api/v1/ping"]["get"]
    assert "security" not in operation
