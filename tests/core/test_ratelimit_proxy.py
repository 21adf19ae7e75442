"""Behind nginx the limits count the client's address, not nginx's (TRUSTED_PROXIES)."""

from __future__ import annotations

import ipaddress

import pytest
from django.core.cache import cache
from django.test import Client, RequestFactory

from core.ratelimit import client_ip
from tests.core.test_settings_scaleout import probe
from tests.factories import make_token, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def behind_nginx(settings):
    settings.TRUSTED_PROXY_NETWORKS = [
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.8.0.0/24"),
    ]


def address(remote: str, forwarded: str | None = None) -> str:
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return client_ip(RequestFactory().get("/", **headers))


def test_without_trusted_proxies_the_header_is_ignored():
    # Anyone could write X-Forwarded-For: believing it would let each request pick a
    # fresh address and never be limited.
    assert address("192.168.1.20", "1.2.3.4") == "192.168.1.20"


def test_the_client_is_the_rightmost_hop_not_a_trusted_proxy(behind_nginx):
    assert address("127.0.0.1", "192.168.1.20") == "192.168.1.20"
    # A client-written hop further left proves nothing; the proxy chain is skipped.
    assert address("127.0.0.1", "6.6.6.6, 192.168.1.20, 10.8.0.5") == "192.168.1.20"
    # The header of a request that did not come through a trusted proxy is not believed.
    assert address("192.168.1.99", "192.168.1.20") == "192.168.1.99"
    # No header, an empty one, or garbage: the proxy's own address, never a made-up key.
    assert address("127.0.0.1") == "127.0.0.1"
    assert address("127.0.0.1", "") == "127.0.0.1"
    assert address("127.0.0.1", "not-an-ip") == "127.0.0.1"
    assert address("127.0.0.1", "::1, 2001:db8::7") == "2001:db8::7"


def test_behind_nginx_one_users_failures_do_not_lock_out_the_office(behind_nginx, settings):
    settings.LOGIN_RATE_LIMIT = 3
    user = make_user("alice")
    token = make_token(user)

    def call(client_address: str, raw: str) -> int:
        return (
            Client(REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR=client_address)
            .get("/api/v1/rooms", headers={"Authorization": f"Bearer {raw}"})
            .status_code
        )

    for _ in range(3):
        assert call("192.168.1.66", "hw_wrong") == 401
    assert call("192.168.1.66", token) == 401  # that address is limited now
    assert call("192.168.1.20", token) == 200  # a colleague behind the same nginx is not


def test_a_typo_in_trusted_proxies_stops_start_up(tmp_path):
    result = probe(tmp_path, TRUSTED_PROXIES="127.0.0.1,nginx.local")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and "TRUSTED_PROXIES" in result.stderr
