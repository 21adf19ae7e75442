"""The API answers every failure in its own JSON shape (DESIGN §3)."""

from __future__ import annotations

import pytest

from tests.conftest import client_for
from tests.factories import make_token

pytestmark = pytest.mark.django_db


def assert_shape(response, status, code):
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["message"] and isinstance(body["details"], dict)


def test_unknown_api_path_is_a_json_404(organiser):
    assert_shape(client_for(organiser).get("/api/v1/no-such-thing"), 404, "not_found")
    assert_shape(client_for(organiser).get("/api/v2/meetings"), 404, "not_found")


def test_a_body_that_is_not_json_is_invalid_input(organiser, client):
    response = client.post(
        "/api/v1/meetings",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {make_token(organiser)}"},
    )
    assert_shape(response, 422, "invalid")
    assert response.json()["details"]["errors"][0]["field"] == "body"


def test_a_bad_bearer_token_is_401_not_a_csrf_error(client):
    response = client.post(
        "/api/v1/meetings",
        data={},
        content_type="application/json",
        headers={"Authorization": "Bearer hw_nope"},
    )
    assert_shape(response, 401, "unauthenticated")


def test_api_docs_use_no_cdn(organiser):
    html = client_for(organiser).get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn." not in html and "unpkg" not in html
