"""A print job through a real django-q2 cluster: `manage.py qcluster` in a subprocess.

The cluster is another process, so it must see the test's rows: `transactional_db`
commits them, and the subprocess is pointed at pytest's own test database (the SQLite
file, or PostgreSQL's test_<name>) through DATABASE_URL. The broker is the ORM one (the
queue is a table of that same database), so nothing is shared with anyone else's Redis.
The task package is signed with SECRET_KEY: the cluster gets the same one.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path
from typing import IO

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django_q.conf import Conf
from django_q.models import Task

from core.roles import Role
from meetings import printjobs
from meetings.models import PrintJob, PrintJobStatus
from tests.factories import make_user
from tests.meetings.printjob_support import big_scene, pdf_pages

pytestmark = pytest.mark.slow

WAIT_SECONDS = 120  # a loaded 2-core machine starting Django twice; the job itself is ~1 s


def database_url() -> str:
    """The URL of the database this test runs on (pytest's test database)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    if connection.vendor == "postgresql":
        user = urllib.parse.quote(db.get("USER") or "")
        password = urllib.parse.quote(db.get("PASSWORD") or "")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
        return f"postgres://{auth}{host}/{db['NAME']}"
    pytest.skip(f"no DATABASE_URL form for {connection.vendor}")


def start_cluster(tmp_path: Path, media: Path, log: IO[bytes]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "SECRET_KEY": settings.SECRET_KEY,
        "MEDIA_ROOT": str(media),
        "VAR_DIR": str(tmp_path / "cluster-var"),
        "REDIS_URL": "",  # the ORM broker: the queue lives in the test database
        "Q_WORKERS": "1",
        "DEBUG": "0",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "qcluster"],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )


def stop_cluster(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)  # qcluster stops its workers and exits
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_a_real_cluster_renders_a_print_job(transactional_db, settings, tmp_path, monkeypatch):
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    # Whatever this machine's REDIS_URL, this process enqueues into the ORM queue too.
    monkeypatch.setattr(Conf, "ORM", "default")
    monkeypatch.setattr(Conf, "SYNC", False)
    for role in Role:  # a transactional test before this one flushed the role groups
        Group.objects.get_or_create(name=role.value)
    staff = make_user("huiwu", Role.STAFF)
    s = big_scene(staff, 200)

    log_file = (tmp_path / "qcluster.log").open("wb")
    cluster = start_cluster(tmp_path, media, log_file)
    try:
        job = printjobs.request_print_job(
            actor=staff, meeting=s.meeting, kind="namecards", options={"title": True}
        )
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            job.refresh_from_db()
            if job.status in (PrintJobStatus.DONE, PrintJobStatus.FAILED):
                break
            assert cluster.poll() is None, (tmp_path / "qcluster.log").read_text()[-3000:]
            time.sleep(0.3)
    finally:
        stop_cluster(cluster)
        log_file.close()
    log = (tmp_path / "qcluster.log").read_text(errors="replace")
    assert job.status == PrintJobStatus.DONE, f"{job.status} {job.error}\n{log[-3000:]}"
    assert (job.done, job.total, job.attempts) == (200, 200, 1)
    with job.file.open("rb") as f:
        assert pdf_pages(f.read()) == 200
    # The cluster recorded its task as a success (and only one, under the job's name).
    done = Task.objects.filter(func="meetings.tasks.run_print_job")
    assert [(t.success, t.args, t.result) for t in done] == [(True, (job.pk,), "done")]
    assert PrintJob.objects.count() == 1
