"""The sign-in page: the real form, its errors, the rate limit, and signing out by POST."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client, override_settings

from tests.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


def test_the_login_page_renders_in_chinese():
    response = Client().get("/login/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "用户名" in html and "密码" in html and "csrfmiddlewaretoken" in html
    assert "退出" not in html


def test_signing_in_leads_to_the_board():
    make_user("alice")
    response = Client().post("/login/", {"username": "alice", "password": "pw-for-tests-1"})
    assert response.status_code == 302 and response["Location"] == "/board/"


def test_signing_in_follows_next():
    make_user("alice")
    response = Client().post(
        "/login/", {"username": "alice", "password": "pw-for-tests-1", "next": "/approvals/"}
    )
    assert response["Location"] == "/approvals/"


def test_a_wrong_password_shows_an_error():
    make_user("alice")
    response = Client().post("/login/", {"username": "alice", "password": "wrong"})
    assert response.status_code == 200
    assert "请输入一个正确的" in response.content.decode()


@override_settings(LOGIN_RATE_LIMIT=3)
def test_too_many_failures_are_refused_with_a_message():
    make_user("alice")
    client = Client()
    for _ in range(3):
        client.post("/login/", {"username": "alice", "password": "wrong"})
    response = client.post("/login/", {"username": "alice", "password": "pw-for-tests-1"})
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_out_is_a_post_from_the_nav():
    make_user("alice")
    client = Client()
    client.post("/login/", {"username": "alice", "password": "pw-for-tests-1"})
    html = client.get("/board/").content.decode()
    assert 'action="/logout/"' in html and "退出" in html and "alice" in html
    assert client.get("/logout/").status_code == 405
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert client.get("/board/").status_code == 302


def test_signing_in_to_ones_own_account_does_not_reset_a_colleagues_failures(settings):
    from django.core.cache import cache

    from tests.factories import make_user

    cache.clear()
    settings.LOGIN_RATE_LIMIT = 5
    make_user("victim")
    make_user("mallory")
    codes = []
    for _ in range(3):
        c = Client()
        for _ in range(4):
            codes.append(c.post("/login/", {"username": "victim", "password": "guess"}).status_code)
        Client().post("/login/", {"username": "mallory", "password": "pw-for-tests-1"})
    assert 429 in codes


def test_the_admin_login_is_rate_limited_too(settings):
    from django.core.cache import cache

    from core.roles import Role
    from tests.factories import make_user

    cache.clear()
    settings.LOGIN_RATE_LIMIT = 3
    make_user("boss", Role.ADMIN, is_staff=True)
    c = Client()
    codes = [
        c.post(
            "/admin/login/", {"username": "boss", "password": "wrong", "next": "/admin/"}
        ).status_code
        for _ in range(5)
    ]
    assert codes[-1] == 429
    ok = c.post(
        "/admin/login/", {"username": "boss", "password": "pw-for-tests-1", "next": "/admin/"}
    )
    assert ok.status_code == 429, "still locked out within the window, even with the right password"
