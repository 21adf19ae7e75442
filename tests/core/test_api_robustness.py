"""Bad requests of every kind get the JSON error shape, never HTML or a 500 (DESIGN §3).

Found by fuzzing the running API (schemathesis and hand-made requests): these are the
answers that used to leave as Django's HTML pages, ninja's plain-text 405 or a 500.
"""

from __future__ import annotations

import json

import pytest
from django.db import DataError
from django.test import Client

from core.api import _translate
from core.models import AuditEntry, Unit
from rooms.models import Room
from tests.factories import make_token

pytestmark = pytest.mark.django_db


def bearer(user, **kw) -> Client:
    return Client(headers={"Authorization": f"Bearer {make_token(user)}"}, **kw)


def assert_error(response, status, code):
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    assert isinstance(body["details"], dict)
    return body


# --- methods and paths that no handler serves --------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("put", "/api/v1/meetings", {"GET", "POST"}),
        ("delete", "/api/v1/meetings/1", {"GET", "PATCH"}),
        ("get", "/api/v1/meetings/1/cancel", {"POST"}),
        ("options", "/api/v1/rooms", {"GET", "POST"}),
        ("patch", "/api/v1/units", {"GET", "POST"}),
    ],
)
def test_a_method_the_path_does_not_have_is_a_json_405(admin, method, path, allowed):
    response = getattr(bearer(admin), method)(path)
    body = assert_error(response, 405, "method_not_allowed")
    assert set(body["details"]["allowed"]) == allowed
    assert {m.strip() for m in response["Allow"].split(",")} == allowed


def test_head_is_answered_like_get_without_a_body(organiser):
    client = bearer(organiser)
    get, head = client.get("/api/v1/rooms"), client.head("/api/v1/rooms")
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]


def test_head_of_an_unknown_object_is_a_404(organiser):
    response = bearer(organiser).head("/api/v1/meetings/999999")
    assert response.status_code == 404
    assert response.content == b""


def test_the_api_root_is_a_json_404(organiser):
    assert_error(bearer(organiser).get("/api/v1/"), 404, "not_found")


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing", "/api/v2/meetings", "/api/v1/meetings/1/2/cancel"]
)
def test_posting_to_an_unknown_path_is_a_json_404_not_the_csrf_page(organiser, path):
    # A real browser session enforces CSRF; an unknown path must still say "not found".
    client = Client(enforce_csrf_checks=True)
    client.force_login(organiser)
    assert_error(client.post(path, "{}", content_type="application/json"), 404, "not_found")


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/docs"])
def test_the_schema_and_docs_are_read_only_and_answer_a_post_in_json(organiser, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(organiser)
    body = assert_error(
        client.post(path, "{}", content_type="application/json"), 405, "method_not_allowed"
    )
    assert set(body["details"]["allowed"]) == {"GET", "HEAD"}
    assert client.get(path).status_code == 200


# --- bodies --------------------------------------------------------------------------------


def test_a_body_over_the_upload_limit_is_a_413_and_saves_nothing(admin, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    body = json.dumps({"name": "新单位", "short_name": "x" * 20_000})
    response = bearer(admin).post("/api/v1/units", body, content_type="application/json")
    assert assert_error(response, 413, "payload_too_large")["details"]["limit"] == 10_000
    assert not Unit.objects.filter(name="新单位").exists()
    assert AuditEntry.objects.count() == 0


def test_control_characters_inside_a_list_are_refused(admin):
    # An equipment code with NUL reached the database: a DataError (500) on PostgreSQL.
    before = Room.objects.count()
    response = bearer(admin).post(
        "/api/v1/rooms",
        {"name": "新会议室", "capacity": 10, "equipment": ["projector\x00"]},
        content_type="application/json",
    )
    body = assert_error(response, 422, "invalid")
    assert body["details"]["errors"] == [{"field": "equipment", "message": "不能包含控制字符"}]
    assert Room.objects.count() == before
    assert AuditEntry.objects.count() == 0


def test_a_huge_unknown_field_name_is_not_echoed_back_whole(admin):
    key = "x" * 100_000
    body = {"name": "新会议室", "capacity": 10, key: 1}
    body.update({f"extra{i}": i for i in range(500)})
    response = bearer(admin).post("/api/v1/rooms", body, content_type="application/json")
    error = assert_error(response, 422, "invalid")
    assert len(response.content) < 20_000
    fields = [e["field"] for e in error["details"]["errors"]]
    assert len(fields) == 50 and all(len(f) <= 80 for f in fields)
    assert any(f.startswith("xxx") and f.endswith("…") for f in fields)
    assert Room.objects.count() == 0


# --- failures inside a handler -------------------------------------------------------------


def test_a_database_refusal_is_invalid_input_not_a_500(organiser, monkeypatch):
    def refuse(**kw):
        raise DataError("PostgreSQL text fields cannot contain NUL (0x00) bytes")

    monkeypatch.setattr("meetings.api.meeting_list", refuse)
    assert_error(bearer(organiser).get("/api/v1/meetings"), 422, "invalid")


def test_a_bug_is_still_answered_in_the_error_shape(organiser, monkeypatch):
    def crash(**kw):
        raise RuntimeError("boom")

    monkeypatch.setattr("meetings.api.meeting_list", crash)
    client = bearer(organiser, raise_request_exception=False)
    body = assert_error(client.get("/api/v1/meetings"), 500, "server_error")
    assert "boom" not in body["message"]


def test_a_bug_still_reaches_the_test_client(organiser, monkeypatch):
    # The JSON 500 must not hide a bug from the test suite: the exception is re-raised.
    def crash(**kw):
        raise RuntimeError("boom")

    monkeypatch.setattr("meetings.api.meeting_list", crash)
    with pytest.raises(RuntimeError, match="boom"):
        bearer(organiser).get("/api/v1/meetings")


# --- messages and the published schema -----------------------------------------------------


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            {
                "type": "value_error",
                "msg": "Value error, 不是有效的电子邮箱",
                "ctx": {"error": "不是有效的电子邮箱"},
            },
            "不是有效的电子邮箱",
        ),
        (
            {
                "type": "too_long",
                "msg": "List should have at most 3 items",
                "ctx": {"max_length": 3},
            },
            "最多 3 项",
        ),
        (
            {"type": "string_pattern_mismatch", "msg": "String should match pattern", "ctx": {}},
            "格式不正确",
        ),
        (
            {"type": "string_unicode", "msg": "Input should be a valid string", "ctx": {}},
            "不是有效的文字（含无法识别的字符）",
        ),
    ],
)
def test_pydantic_messages_are_translated(error, message):
    assert _translate(error) == message


def test_the_schema_documents_the_errors_each_operation_can_answer(organiser):
    schema = bearer(organiser).get("/api/v1/openapi.json").json()
    assert "ErrorOut" in schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, op in operations.items():
            responses = op["responses"]
            # Every operation needs a login, except the health check (GET /ping).
            assert "401" in responses or path == "/api/v1/ping", (method, path)
            if op.get("parameters") or op.get("requestBody"):
                assert "422" in responses, (method, path)
                ref = responses["422"]["content"]["application/json"]["schema"]["$ref"]
                assert ref.endswith("/ErrorOut")
            if op.get("requestBody"):
                assert "413" in responses, (method, path)


def test_too_many_query_parameters_are_a_json_400(organiser):
    # Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields (TooManyFieldsSent).
    query = "&".join(f"x{i}=1" for i in range(1500))
    assert_error(bearer(organiser).get(f"/api/v1/meetings?{query}"), 400, "bad_request")


def test_a_host_header_not_allowed_is_a_json_400(organiser):
    response = bearer(organiser).get("/api/v1/meetings", headers={"Host": "evil.example.com"})
    assert_error(response, 400, "bad_request")
