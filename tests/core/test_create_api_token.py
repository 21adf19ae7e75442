"""`manage.py create_api_token USERNAME [--name NAME]`."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from core.models import ApiToken

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_it_prints_a_token_that_works(organiser):
    raw = run("organiser")
    assert raw.startswith("hw_")
    response = Client().get("/api/v1/meetings", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_only_the_hash_is_stored(organiser):
    raw = run("organiser", "--name", "日程同步")
    token = ApiToken.objects.get(user=organiser)
    assert token.name == "日程同步"
    assert raw not in token.token_hash


def test_running_it_twice_gives_two_working_tokens(organiser):
    first, second = run("organiser"), run("organiser")
    assert first != second
    for raw in (first, second):
        assert Client().get("/api/v1/rooms", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200


def test_an_unknown_user_is_a_command_error():
    with pytest.raises(CommandError, match="nobody"):
        run("nobody")
    assert ApiToken.objects.count() == 0
