"""Operations commands: the online backup and the web + worker launcher (`make run`)."""

from __future__ import annotations

import io
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from core.management.commands.serve import Child, Supervisor
from tests.factories import make_room

on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite backup")
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_backup_writes_a_database_that_opens_and_holds_the_rooms(tmp_path, capsys):
    # transaction=True: the backup reads through its own connection, so the rows must
    # be committed, as they are in production.
    make_room("第一会议室")
    make_room("接待室")
    target = tmp_path / "nightly.sqlite3"
    call_command("backup", out=str(target))
    assert "已备份到" in capsys.readouterr().out
    with sqlite3.connect(target) as db:
        names = {row[0] for row in db.execute("SELECT name FROM rooms_room")}
        (mode,) = db.execute("PRAGMA journal_mode").fetchone()
    assert names == {"第一会议室", "接待室"}
    assert mode == "delete"  # one self-contained file, no -wal beside it
    assert not target.with_name(target.name + ".partial").exists()

    call_command("backup", out=str(target))  # running it again replaces the file
    call_command("backup", out=str(tmp_path))  # a directory gets a dated file
    dated = sorted(tmp_path.glob("huiwu-*.sqlite3"))
    assert len(dated) == 1 and len(dated[0].stem) == len("huiwu-20261130-080000")


@on_sqlite
@pytest.mark.django_db
def test_backup_default_location_is_var_backups(tmp_path, settings, capsys):
    settings.VAR_DIR = tmp_path
    call_command("backup")
    (made,) = (tmp_path / "backups").glob("huiwu-*.sqlite3")
    assert str(made) in capsys.readouterr().out


@on_postgresql
@pytest.mark.django_db
def test_backup_on_postgresql_explains_pg_dump_and_fails():
    with pytest.raises(CommandError, match="pg_dump --format=custom"):
        call_command("backup")


def test_backup_hint_never_prints_the_password():
    from core.management.commands.backup import pg_dump_hint

    hint = pg_dump_hint(
        {"NAME": "huiwu", "HOST": "db.internal", "PORT": 5432, "USER": "hw", "PASSWORD": "s3cret"}
    )
    assert "--host=db.internal" in hint and "--username=hw" in hint and hint.endswith(" huiwu")
    assert "s3cret" not in hint


# --- serve ------------------------------------------------------------------------------


def sleeper(seconds: int = 60) -> list[str]:
    return [sys.executable, "-c", f"import time; time.sleep({seconds})"]


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(") ")[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def processes() -> list[tuple[int, int, int, str]]:
    """(pid, ppid, process group, state) of every process, from /proc."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        state, ppid, pgrp = stat.rsplit(") ", 1)[1].split()[:3]
        out.append((int(entry.name), int(ppid), int(pgrp), state))
    return out


def group_members(pgid: int) -> list[int]:
    return [pid for pid, _, pgrp, state in processes() if pgrp == pgid and state != "Z"]


def descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for child, ppid, _, _ in processes():
        children.setdefault(ppid, []).append(child)
    found: set[int] = set()
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def test_supervisor_stops_everything_when_one_child_exits():
    # The sleeper's shell starts a grandchild: it must go too (runserver's reloader case).
    web = Child(
        "web",
        ["sh", "-c", f"{sys.executable} -c 'import time; time.sleep(60)' & wait"],
        whole_group=True,
    )
    worker = Child(
        "worker", [sys.executable, "-c", "import sys, time; time.sleep(0.5); sys.exit(3)"]
    )
    started = time.monotonic()
    assert Supervisor([web, worker], out=io.StringIO()).run() == 3
    assert time.monotonic() - started < 10
    assert web.poll() is not None
    deadline = time.monotonic() + 5  # a killed grandchild may take a moment to go
    while group_members(web.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not group_members(web.pid)


def test_supervisor_reports_a_child_killed_by_a_signal_like_the_shell():
    child = Child(
        "web", [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)"]
    )
    assert Supervisor([child, Child("other", sleeper())], out=io.StringIO()).run() == 137


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_serve_runs_web_and_worker_and_ctrl_c_stops_both(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(VAR_DIR=str(tmp_path), DEBUG="1", PYTHONUNBUFFERED="1")
    manage = str(Path(settings.BASE_DIR) / "manage.py")
    subprocess.run([sys.executable, manage, "migrate", "-v0"], env=env, check=True, timeout=120)
    port = free_port()
    log = open(tmp_path / "serve.log", "w+")  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, manage, "serve", "--addr", f"127.0.0.1:{port}"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        status = None
        while time.monotonic() < deadline and status is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=5) as r:
                    status = r.status
            except OSError:
                assert proc.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.3)
        assert status == 200
        # Wait for the worker to be up too: its processes appear under serve.
        while time.monotonic() < deadline and len(descendants(proc.pid)) < 4:
            time.sleep(0.3)
        family = descendants(proc.pid)
        assert len(family) >= 4, "runserver + its reloaded child, qcluster + its sentinel"

        proc.send_signal(2)  # SIGINT, what Ctrl-C sends
        assert proc.wait(timeout=60) == 0
        time.sleep(0.2)
        left = [pid for pid in family if alive(pid)]
        assert not left, (left, (tmp_path / "serve.log").read_text())
        with pytest.raises(OSError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
        log.close()
