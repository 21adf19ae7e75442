"""gunicorn settings for 会务 in scale-out mode (docs/deploy.md).

    gunicorn -c deploy/gunicorn.conf.py

Command-line options override these (`--bind 127.0.0.1:9000 --workers 2`); the Django
settings themselves come from the environment (`/etc/huiwu/huiwu.env` under systemd).
"""

from __future__ import annotations

import os
from pathlib import Path

wsgi_app = "core.wsgi:application"
# The checkout, wherever this file is started from: `core` must be importable.
chdir = str(Path(__file__).resolve().parent.parent)

# nginx on the same host proxies to this address; nothing else should reach it.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# Synchronous workers: nginx buffers slow clients, so a worker is busy only while Django
# works. Two per core suits the mix of short API calls and CPU-bound PDFs.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1)))

# A 500-card 桌签 deck or an A3 座次图 takes seconds, not minutes; anything still
# running after two minutes is stuck. nginx waits as long (proxy_read_timeout).
timeout = 120
# On SIGTERM/HUP a worker finishes the request in hand (a booking's transaction) first.
graceful_timeout = 30
# Recycle workers now and then: a worker that drew many PDFs keeps its font subsets and
# reportlab's caches; the jitter keeps the workers from restarting all at once.
max_requests = 2000
max_requests_jitter = 200

# Not preloaded: each worker imports Django and opens its own database connections after
# the fork, and `systemctl reload` (HUP) brings new code into fresh workers.
preload_app = False

# X-Forwarded-Proto from these addresses sets the scheme Django sees (secure cookies,
# absolute links); gunicorn's own default reads FORWARDED_ALLOW_IPS, else 127.0.0.1,::1.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

proc_name = "huiwu-web"
# Logs to stdout/stderr: journald (systemd) keeps and rotates them.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
