"""A real `manage.py qcluster` (ORM broker) delivers what a booking queued.

The worker is another process: it must see the test's data, so the test commits
(`transactional_db`) and hands the worker the test database's own URL — the SQLite test
file, or PostgreSQL's test_<name> database, both visible to other connections. Its mail
goes through the file backend into a temporary folder, where the test reads it. The wait
is bounded and the cluster is stopped whatever happens.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.utils import timezone

from core.roles import Role
from meetings import notifications
from meetings.models import DeliveryStatus, Notification
from meetings.services import AttendeeSpec, meeting_create
from tests.api_support import when
from tests.factories import make_person, make_room, make_unit, make_user
from tests.meetings.ics import ROOT

pytestmark = pytest.mark.slow

WAIT_SECONDS = 90


def database_url() -> str:
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = quote(db.get("USER") or "")
    password = f":{quote(db['PASSWORD'])}" if db.get("PASSWORD") else ""
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{db['NAME']}"


def start_cluster(mail_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        # The worker checks the signature of each queued task with the secret key.
        "SECRET_KEY": settings.SECRET_KEY,
        "REDIS_URL": "",  # the ORM broker: the queue is the test database itself
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "Q_WORKERS": "1",
        "DEBUG": "0",
        "VAR_DIR": str(mail_dir.parent / "var"),
    }
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "manage.py", "qcluster"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped with its workers
        )


def stop_cluster(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    # The cluster's own process first: it stops its workers in order.
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        return
    # Anything of its group left behind (a worker that did not stop) goes too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)


def test_a_real_cluster_delivers_the_invitations_of_a_booking(transactional_db, tmp_path):
    for role in Role:  # a transactional test before this one may have flushed the groups
        Group.objects.get_or_create(name=role.value)
    organiser = make_user("huiwu", Role.STAFF)
    unit = make_unit("县财政局")
    zhang = make_person("张局长", unit=unit, email="zhang@czj.example.gov.cn")
    room = make_room("第一会议室", capacity=20)
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    log = tmp_path / "qcluster.log"
    proc = start_cluster(mail_dir, log)
    try:
        meeting_create(
            actor=organiser,
            title="财政预算编制会",
            room=room,
            start=when(9),
            end=when(10),
            now=timezone.now(),
            attendees=[AttendeeSpec(zhang)],
        )
        # Committed (autocommit): the task is in the ORM broker's queue now.
        row = Notification.objects.get(person=zhang, kind=notifications.INVITATION)
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and proc.poll() is None:
            row.refresh_from_db()
            if row.status not in (DeliveryStatus.PENDING, DeliveryStatus.SENDING):
                break
            time.sleep(0.5)
    finally:
        stop_cluster(proc)
    output = log.read_text(errors="replace")[-4000:]
    assert row.status == DeliveryStatus.SENT, f"{row.status} {row.last_error}\n{output}"
    assert row.attempts == 1
    files = list(mail_dir.iterdir())
    assert len(files) == 1, output
    text = files[0].read_text()
    assert f"X-Huiwu-Notification: {row.pk}" in text
    assert "METHOD:REQUEST" in text or "method=REQUEST" in text
