"""Settings: one module, configured from the environment only (see .env.example)."""

from __future__ import annotations

import datetime as dt
import ipaddress
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from core.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else one generated once into var/secret_key.

    A single-machine installation then needs no configuration and keeps its sessions
    across restarts; a scale-out deployment sets the same SECRET_KEY on every node.
    """
    key = env_str("SECRET_KEY")
    if key:
        return key
    path = VAR_DIR / "secret_key"
    if not path.exists():
        import os
        import secrets

        # O_EXCL: of several processes starting at once, exactly one writes the key and
        # all read the same one; 0o600 from the first byte, never briefly world-readable.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as f:
                f.write(secrets.token_urlsafe(50))
    key = path.read_text().strip()
    if len(key) < 32:
        raise ImproperlyConfigured(f"{path} holds a secret key that is too short")
    return key


SECRET_KEY = _secret_key()

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves its own Swagger UI files: /api/v1/docs must work without internet
    "django_q",
    "core",
    "rooms",
    "meetings",
]

MIDDLEWARE = [
    # Outermost: turns every non-JSON error under /api/ (405, CSRF 403, 404) into JSON.
    "core.middleware.ApiJsonErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

ROOT_URLCONF = "core.urls"
WSGI_APPLICATION = "core.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.roles",
            ],
            # `display_name` and other small filters, without a {% load %} in every page.
            "builtins": ["core.templatetags.huiwu"],
        },
    },
]

# --- database -------------------------------------------------------------------------
# The embedded default is a SQLite file in WAL mode. IMMEDIATE transactions take the
# write lock at BEGIN, so a booking's check-then-insert cannot interleave with another
# writer's, and `timeout` makes a second writer wait instead of failing with
# "database is locked". PostgreSQL adds an exclusion constraint as the last guard.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'huiwu.sqlite3'}")
# Connections are kept between requests: opening one (and SQLite reading the schema on
# the first query) cost more CPU than a whole cached API answer (bench/api_load.py).
# The health check reopens a connection the database dropped (a PostgreSQL restart).
_db = dj_database_url.parse(
    DATABASE_URL,
    conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
    conn_health_checks=True,
)
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000;"
        ),
    }
    # Tests use a file, not SQLite's in-memory database, so that WAL and IMMEDIATE
    # locking behave as in production (the concurrency tests depend on it).
    _db["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ----------------------------------------------------------------------------
# The cache holds the rate-limit counters (core/ratelimit.py) and built calendar feeds.
# Without Redis it is local memory: right for one process (`make run`), but with several
# gunicorn workers each would count failed logins on its own, multiplying the limit.
# With REDIS_URL every web process shares one cache (and django-q2 its queue, below).
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- auth -----------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "board"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Failed logins / token uses per client address within LOGIN_RATE_WINDOW seconds.
LOGIN_RATE_LIMIT = env_int("LOGIN_RATE_LIMIT", 10, minimum=1)
LOGIN_RATE_WINDOW = env_int("LOGIN_RATE_WINDOW", 300, minimum=1)
# Reverse proxies (addresses or networks, e.g. 127.0.0.1 for nginx on the same host)
# whose X-Forwarded-For is believed: the limits then count the client, not the proxy.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")


def _networks(name: str, values: list[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Networks from addresses/CIDRs; a typo must stop start-up, not weaken the limits."""
    out = []
    for value in values:
        try:
            out.append(ipaddress.ip_network(value, strict=False))
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {value!r} is not an address or network") from None
    return out


TRUSTED_PROXY_NETWORKS = _networks("TRUSTED_PROXIES", TRUSTED_PROXIES)

# --- i18n and time --------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
TIME_ZONE = env_str("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- static ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# whitenoise warns (an error under the tests' filterwarnings) when this is missing.
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"

# --- generated files (Django storage) --------------------------------------------------
# Files made for users (print jobs' PDFs …) are written and read through Django storage
# only, never through a path of their own: a file one web host or worker wrote must be
# readable by every other. Default: MEDIA_ROOT, which several hosts must share (NFS).
# Or an S3-compatible store such as an intranet MinIO through django-storages (not a
# dependency: `pip install django-storages[s3]` where used), e.g.
# STORAGE_BACKEND=storages.backends.s3.S3Storage with its options as a JSON object in
# STORAGE_OPTIONS ({"bucket_name": …, "endpoint_url": …, "access_key": …, …}).
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")


def _storage_options() -> dict[str, object]:
    """STORAGE_OPTIONS: a JSON object; a typo must stop start-up, not the first print."""
    import json

    raw = env_str("STORAGE_OPTIONS", "{}")
    try:
        options = json.loads(raw)
    except ValueError as err:
        raise ImproperlyConfigured(f"STORAGE_OPTIONS is not valid JSON: {err}") from None
    if not isinstance(options, dict):
        raise ImproperlyConfigured("STORAGE_OPTIONS must be a JSON object ({...})")
    return options


def _check_importable(name: str, dotted: str) -> None:
    """The module of a class named in the environment exists (without importing it:
    a storage module may read settings, which are not ready yet)."""
    import importlib.util

    module, _, cls = dotted.rpartition(".")
    try:
        found = bool(module and cls) and importlib.util.find_spec(module) is not None
    except ImportError:
        found = False
    if not found:
        raise ImproperlyConfigured(
            f"{name}: cannot find {dotted!r} (a dotted class path; is its package installed?)"
        )


_check_importable("STORAGE_BACKEND", STORAGE_BACKEND)
STORAGES = {
    "default": {"BACKEND": STORAGE_BACKEND, "OPTIONS": _storage_options()},
    # Static files stay on each host's disk (collectstatic), served by WhiteNoise.
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# --- booking rules (DESIGN §4) -----------------------------------------------------------
HOLD_WORKING_DAYS = env_int("HOLD_WORKING_DAYS", 2, minimum=1)
MAX_MEETING_HOURS = env_int("MAX_MEETING_HOURS", 72, minimum=1)
BOOKING_HORIZON_DAYS = env_int("BOOKING_HORIZON_DAYS", 730, minimum=1)
# A recurring meeting (系列会议) is materialised up to this many days after its first
# occurrence, and never more than SERIES_MAX_OCCURRENCES meetings: a rule without an end
# stops there instead of filling the database.
SERIES_HORIZON_DAYS = env_int("SERIES_HORIZON_DAYS", 366, minimum=1)
SERIES_MAX_OCCURRENCES = env_int("SERIES_MAX_OCCURRENCES", 200, minimum=1)
# Dates (YYYY-MM-DD, comma-separated) that override the holiday calendar, for years
# the bundled chinese-calendar data does not cover yet or for local arrangements.


def _dates(name: str) -> list[str]:
    """A list of YYYY-MM-DD dates; a typo must stop start-up, not every booking later."""
    values = env_list(name)
    for value in values:
        try:
            dt.date.fromisoformat(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None
    return values


EXTRA_HOLIDAYS = _dates("EXTRA_HOLIDAYS")
EXTRA_WORKDAYS = _dates("EXTRA_WORKDAYS")
WORKDAY_START = dt.time(8, 30)
WORKDAY_END = dt.time(18, 0)

# --- PDF fonts (DESIGN §6) ----------------------------------------------------------------
# TrueType files per role, comma-separated for a chain (`file.ttc#1`: second face of a
# collection), tried before the fonts found in the system folders (core/pdf/fonts.py).
FONT_HEI = env_list("FONT_HEI")
FONT_KAI = env_list("FONT_KAI")
FONT_SONG = env_list("FONT_SONG")
FONT_FANGSONG = env_list("FONT_FANGSONG")

# --- calendar feeds (DESIGN §7) -----------------------------------------------------------
# Days a cancelled meeting stays in feeds (STATUS:CANCELLED, 【已取消】) so phones that
# synced it see the cancellation instead of the entry silently vanishing.
FEED_CANCELLED_DAYS = env_int("FEED_CANCELLED_DAYS", 14, minimum=0)
# Days of past meetings a feed keeps; older ones drop out so a feed does not grow forever.
FEED_PAST_DAYS = env_int("FEED_PAST_DAYS", 365, minimum=0)

# --- video conferences (DESIGN §8) ------------------------------------------------------
# The provider a booking uses unless it names another; each code comes from VC_BACKENDS.
VC_PROVIDER = env_str("VC_PROVIDER", "pool")
# Provider classes (dotted paths): a new provider is one more entry here, never a change
# to the booking code.
VC_BACKENDS = env_list(
    "VC_BACKENDS",
    "meetings.vc_providers.pool.PoolBackend,"
    "meetings.vc_providers.jitsi.JitsiBackend,"
    "meetings.vc_providers.external.ExternalBackend",
)
# Minutes a 分会场 (branch venue) holds its room for the 联调 (link test) before the start,
# on top of the room's 布场 time; a meeting may set its own.
VC_LINK_TEST_MINUTES = env_int("VC_LINK_TEST_MINUTES", 60, minimum=0)
# Web join link of an MCU virtual room, e.g. https://mcu.example.gov.cn/join?conf={number};
# empty: pool links carry the number (and password) only.
VC_POOL_URL_TEMPLATE = env_str("VC_POOL_URL_TEMPLATE")
# Self-hosted Jitsi Meet, e.g. https://meet.example.gov.cn (no trailing slash needed).
JITSI_BASE_URL = env_str("JITSI_BASE_URL").rstrip("/")
# With a secret, every Jitsi link carries a JWT (HS256) for Prosody's token auth.
JITSI_APP_ID = env_str("JITSI_APP_ID")
JITSI_APP_SECRET = env_str("JITSI_APP_SECRET")

# --- e-mail and notifications (DESIGN §9) -------------------------------------------------
# Invitations, reminders and notices are written to the outbox (meetings.Notification)
# and sent by the worker, never in the request (meetings/delivery.py).
# Production sends through SMTP; a failure is retried and then shown to admins as 发送失败,
# never hidden. With DEBUG (`make run` on a laptop) and no EMAIL_HOST there is usually no
# mail server at all: the file backend then writes each message to EMAIL_FILE_PATH, where
# it can be read, instead of every invitation failing against localhost:25.
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL exclude each other: set one")
# Seconds: a dead mail server must fail the attempt quickly, not hold a worker for minutes.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.filebased.EmailBackend"
    if DEBUG and not env_str("EMAIL_HOST")
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "会务系统 <huiwu@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Attempts per message (e-mail or group robot) before it is marked 发送失败 for good; the
# waits between them double from NOTIFY_RETRY_SECONDS (1, 2, 4 … minutes, at most 6 hours).
NOTIFY_MAX_ATTEMPTS = env_int("NOTIFY_MAX_ATTEMPTS", 6, minimum=1)
NOTIFY_RETRY_SECONDS = env_int("NOTIFY_RETRY_SECONDS", 60, minimum=1)
# Days sent and skipped notifications are kept (failed ones stay until an admin acts).
NOTIFY_KEEP_DAYS = env_int("NOTIFY_KEEP_DAYS", 90, minimum=1)
# Seconds to wait for a 企业微信/钉钉 group robot to answer.
NOTIFY_ROBOT_TIMEOUT = env_int("NOTIFY_ROBOT_TIMEOUT", 5, minimum=1)

# --- print jobs (issue 8) ---------------------------------------------------------------
# Days a background print job and its file (ZIP, name cards) are kept before the purge.
PRINT_JOB_KEEP_DAYS = env_int("PRINT_JOB_KEEP_DAYS", 7, minimum=1)

# --- worker (django-q2) ---------------------------------------------------------------
Q_CLUSTER: dict[str, object] = {
    "name": "huiwu",
    "workers": env_int("Q_WORKERS", 2, minimum=1),
    "timeout": 300,
    "retry": 360,
    "max_attempts": 5,
    "catch_up": False,
    "label": "后台任务",
}
# django-q2 takes a redis URL string as well as a dict of connection keywords
# (redis.from_url). With the ORM broker a task a dead worker held comes back after `retry`
# seconds; Redis hands each task to one cluster and forgets it, so tasks that must not be
# lost are backed by rows the worker claims and a sweep re-queues (notifications, print
# jobs).
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # Django's own console handler would print every line a second time via the root.
    "loggers": {"django": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}
