"""The typed environment helpers: a malformed value must stop start-up with a clear message."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_int, env_list, env_str


@pytest.mark.parametrize("raw", ["1", "true", "YES", " on "])
def test_env_bool_reads_true(monkeypatch, raw):
    monkeypatch.setenv("HUIWU_FLAG", raw)
    assert env_bool("HUIWU_FLAG") is True


@pytest.mark.parametrize("raw", ["0", "false", "No", "off", ""])
def test_env_bool_reads_false(monkeypatch, raw):
    monkeypatch.setenv("HUIWU_FLAG", raw)
    assert env_bool("HUIWU_FLAG", True) is False


def test_env_bool_uses_the_default_when_unset(monkeypatch):
    monkeypatch.delenv("HUIWU_FLAG", raising=False)
    assert env_bool("HUIWU_FLAG", True) is True


@pytest.mark.parametrize("raw", ["maybe", "2", "是"])
def test_env_bool_rejects_anything_else(monkeypatch, raw):
    monkeypatch.setenv("HUIWU_FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="HUIWU_FLAG"):
        env_bool("HUIWU_FLAG")


def test_env_int_reads_and_defaults(monkeypatch):
    monkeypatch.setenv("HUIWU_N", " 42 ")
    assert env_int("HUIWU_N", 1) == 42
    monkeypatch.setenv("HUIWU_N", "")
    assert env_int("HUIWU_N", 7) == 7
    monkeypatch.delenv("HUIWU_N")
    assert env_int("HUIWU_N", 7) == 7


@pytest.mark.parametrize("raw", ["ten", "1.5", "0x10"])
def test_env_int_rejects_a_non_integer(monkeypatch, raw):
    monkeypatch.setenv("HUIWU_N", raw)
    with pytest.raises(ImproperlyConfigured, match="HUIWU_N must be an integer"):
        env_int("HUIWU_N", 1)


def test_env_int_enforces_the_minimum(monkeypatch):
    monkeypatch.setenv("HUIWU_N", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("HUIWU_N", 2, minimum=1)


def test_env_list_splits_and_trims(monkeypatch):
    monkeypatch.setenv("HUIWU_L", " a, b ,,c ")
    assert env_list("HUIWU_L") == ["a", "b", "c"]
    monkeypatch.delenv("HUIWU_L")
    assert env_list("HUIWU_L", "x,y") == ["x", "y"]
    assert env_list("HUIWU_L") == []


def test_env_str_default(monkeypatch):
    monkeypatch.delenv("HUIWU_S", raising=False)
    assert env_str("HUIWU_S", "d") == "d"
    monkeypatch.setenv("HUIWU_S", "v")
    assert env_str("HUIWU_S", "d") == "v"


def test_settings_refuse_a_bad_value_at_start_up(tmp_path):
    import subprocess
    import sys

    from django.conf import settings

    env = {"PATH": "/usr/bin:/bin", "VAR_DIR": str(tmp_path), "HOLD_WORKING_DAYS": "two"}
    proc = subprocess.run(
        [sys.executable, "-c", "import core.settings"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "HOLD_WORKING_DAYS must be an integer" in proc.stderr


def test_an_empty_variable_means_the_default(monkeypatch):
    from core.env import env_list, env_str

    monkeypatch.setenv("HUIWU_TEST_EMPTY", "")
    assert env_str("HUIWU_TEST_EMPTY", "fallback") == "fallback"
    assert env_list("HUIWU_TEST_EMPTY", "a,b") == ["a", "b"]
