"""The OpenAPI schema and the interactive docs."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.api_support import api_client

pytestmark = pytest.mark.django_db


def test_openapi_lists_the_meeting_paths():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/meetings",
        "/api/v1/meetings/{meeting_id}",
        "/api/v1/meetings/{meeting_id}/submit",
        "/api/v1/meetings/{meeting_id}/cancel",
        "/api/v1/meetings/{meeting_id}/approve",
        "/api/v1/meetings/{meeting_id}/reject",
        "/api/v1/rooms/{room_id}/availability",
        "/api/v1/availability",
        "/api/v1/rooms",
        "/api/v1/people",
        "/api/v1/units",
    ):
        assert path in paths, path


def test_openapi_documents_local_times():
    schema = Client().get("/api/v1/openapi.json").json()
    meeting_in = schema["components"]["schemas"]["MeetingIn"]
    assert "Asia/Shanghai" in meeting_in["properties"]["start"]["description"]


def test_docs_page_opens_for_a_signed_in_user(outsider):
    response = api_client(outsider).get("/api/v1/docs")
    assert response.status_code == 200
