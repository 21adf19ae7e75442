"""Settings: one module, configured from the environment only (see .env.example)."""

from __future__ import annotations

import datetime as dt
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
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 0))
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
