"""The API benchmark's server (`gunicorn bench.wsgi:application`): the project's own
WSGI application, plus the authenticated trivial endpoint of bench/floor.py."""

from __future__ import annotations

import os

import django
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
django.setup()

from bench import floor  # noqa: E402  (after django.setup(): it imports the API)

floor.install()
application = get_wsgi_application()
