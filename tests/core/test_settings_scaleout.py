"""Settings for the two deployments (DESIGN §2), read from the environment of a fresh process.

The settings module is evaluated once per process, so each case starts
`python -c` with its own environment and reads back what Django and django-q2 made of it:
the broker class django-q2 would really use, the cache backend, the storage.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
django.setup()
from django.conf import settings
from django.core.cache import caches
from django.core.files.storage import storages
from django_q.brokers import get_broker
broker = type(get_broker())
print(json.dumps({
    "cache": type(caches["default"]).__module__ + "." + type(caches["default"]).__name__,
    "cache_location": settings.CACHES["default"].get("LOCATION"),
    "q_redis": settings.Q_CLUSTER.get("redis"),
    "q_orm": settings.Q_CLUSTER.get("orm"),
    "broker": broker.__module__ + "." + broker.__name__,
    "storage": type(storages["default"]).__module__ + "." + type(storages["default"]).__name__,
    "storage_location": str(getattr(storages["default"], "location", "")),
}))
"""

# Variables that would leak the developer's or CI's own configuration into the probe.
CLEARED = ("REDIS_URL", "DATABASE_URL", "STORAGE_BACKEND", "STORAGE_OPTIONS", "MEDIA_ROOT")


def probe(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k not in CLEARED}
    clean.update(
        DJANGO_SETTINGS_MODULE="core.settings",
        VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY="x" * 50,
        **env,
    )
    return subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def settings_with(tmp_path: Path, **env: str) -> dict[str, str]:
    result = probe(tmp_path, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_redis_url_makes_redis_the_broker_and_the_shared_cache(tmp_path):
    url = "redis://127.0.0.1:6379/7"
    seen = settings_with(tmp_path, REDIS_URL=url)

    assert seen["broker"] == "django_q.brokers.redis_broker.Redis"
    assert seen["q_redis"] == url
    assert seen["q_orm"] is None  # an "orm" key would win over "redis" in django-q2
    assert seen["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert seen["cache_location"] == url


def test_without_redis_the_database_is_the_queue_and_the_cache_is_local(tmp_path):
    seen = settings_with(tmp_path)

    assert seen["broker"] == "django_q.brokers.orm.ORM"
    assert seen["q_orm"] == "default"
    assert seen["q_redis"] is None
    assert seen["cache"] == "django.core.cache.backends.locmem.LocMemCache"


def test_the_redis_broker_takes_the_url_string_as_its_connection(tmp_path):
    # django-q2 passes a string to redis.from_url and a dict to StrictRedis(**kw): the
    # URL's host, port and database must arrive in the connection, not the defaults.
    code = (
        "import django; django.setup()\n"
        "from django_q.brokers import get_broker\n"
        "kw = get_broker().connection.connection_pool.connection_kwargs\n"
        "print(kw['host'], kw['port'], kw['db'])\n"
    )
    clean = {k: v for k, v in os.environ.items() if k not in CLEARED}
    clean.update(
        DJANGO_SETTINGS_MODULE="core.settings",
        VAR_DIR=str(tmp_path / "var"),
        SECRET_KEY="x" * 50,
        REDIS_URL="redis://redis.example.invalid:6390/5",
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["redis.example.invalid", "6390", "5"]


def test_generated_files_default_to_the_file_system_at_media_root(tmp_path):
    media = tmp_path / "shared-volume" / "media"
    seen = settings_with(tmp_path, MEDIA_ROOT=str(media))

    assert seen["storage"] == "django.core.files.storage.filesystem.FileSystemStorage"
    assert seen["storage_location"] == str(media)


def test_storage_backend_and_options_come_from_the_environment(tmp_path):
    # Any storage class by its dotted path, its options as JSON: shown with Django's own
    # file system storage, since django-storages (S3/MinIO) is not a dependency.
    location = tmp_path / "elsewhere"
    seen = settings_with(
        tmp_path,
        STORAGE_BACKEND="django.core.files.storage.FileSystemStorage",
        STORAGE_OPTIONS=json.dumps({"location": str(location)}),
    )

    assert seen["storage_location"] == str(location)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"STORAGE_BACKEND": "huiwu_absent.storage.S3Storage"}, "STORAGE_BACKEND"),
        ({"STORAGE_BACKEND": "FileSystemStorage"}, "STORAGE_BACKEND"),
        ({"STORAGE_OPTIONS": "{bucket_name: huiwu}"}, "STORAGE_OPTIONS is not valid JSON"),
        ({"STORAGE_OPTIONS": '["huiwu"]'}, "STORAGE_OPTIONS must be a JSON object"),
    ],
)
def test_a_bad_storage_setting_stops_start_up_with_its_name(tmp_path, env, message):
    result = probe(tmp_path, **env)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
