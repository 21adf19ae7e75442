"""Shared pieces of the notification tests: a cast with addresses, a synchronous worker,
a local group-robot server, and ical.js for invitations.

The services take `now`; these tests use the fixed NOW of tests.factories (Monday
2026-11-30 08:00) and meetings in December 2026.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from core.models import NotifyChannel, Person, Unit
from meetings.models import Notification
from tests.factories import make_person, make_unit
from tests.meetings.ics import ROOT

INVITATION_SCRIPT = ROOT / "tests" / "js" / "parse_invitation.mjs"


@pytest.fixture
def q_sync(monkeypatch):
    """django-q2 runs each task in-process when it is enqueued (its `sync` mode).

    django_q.conf.Conf reads the settings once at import, so the class is patched.
    """
    from django_q.conf import Conf

    monkeypatch.setattr(Conf, "SYNC", True)


@dataclass
class Cast:
    unit: Unit
    zhang: Person  # e-mail
    li: Person  # e-mail
    wang: Person  # e-mail chosen, but no address in the directory
    zhao: Person  # 企业微信, through the unit's group robot
    qian: Person  # 钉钉, with a robot of their own


def cast(webhook: str = "http://127.0.0.1:9/wecom", own_webhook: str = "") -> Cast:
    unit = make_unit("县财政局", order=10)
    unit.robot_webhook = webhook
    unit.save()
    return Cast(
        unit=unit,
        zhang=make_person("张局长", unit=unit, rank=10, email="zhang@czj.example.gov.cn"),
        li=make_person("李科长", unit=unit, rank=20, email="li@czj.example.gov.cn"),
        wang=make_person("王科员", unit=unit, rank=30),
        zhao=make_person(
            "赵主任", unit=unit, rank=40, phone="13800000001", notify_channel=NotifyChannel.WECOM
        ),
        qian=make_person(
            "钱主任",
            unit=unit,
            rank=50,
            phone="13800000002",
            notify_channel=NotifyChannel.DINGTALK,
            robot_webhook=own_webhook or "http://127.0.0.1:9/dingtalk",
        ),
    )


def rows(**filters: Any) -> list[Notification]:
    return list(Notification.objects.filter(**filters).order_by("pk"))


def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# --- ical.js ------------------------------------------------------------------------------


def parse_invitation_js(data: bytes) -> dict[str, Any]:
    """ical.js's reading of an invitation (tests/js/parse_invitation.mjs)."""
    missing = None
    if shutil.which("node") is None:
        missing = "node is not installed"
    elif not (ROOT / "node_modules" / "ical.js" / "package.json").exists():
        missing = "ical.js is not installed (npm install at the repository root)"
    if missing:
        if os.environ.get("REQUIRE_ICALJS") == "1":
            pytest.fail(f"REQUIRE_ICALJS=1 but {missing}")
        pytest.skip(missing)
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, str(INVITATION_SCRIPT)],
        input=data,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return json.loads(result.stdout)


# --- a local group robot ------------------------------------------------------------------


@dataclass
class RobotServer:
    """A 企业微信/钉钉 robot stand-in on 127.0.0.1: records each POST and answers as told.

    `status` and `reply` set the answer; `hang` makes it wait (until the test ends) so the
    client's timeout is what ends the request.
    """

    port: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    status: int = 200
    reply: Any = field(default_factory=lambda: {"errcode": 0, "errmsg": "ok"})
    hang: threading.Event | None = None

    def url(self, path: str = "/cgi-bin/webhook/send?key=test") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextlib.contextmanager
def robot_server() -> Iterator[RobotServer]:
    state = RobotServer()
    release = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            state.paths.append(self.path)
            state.received.append(json.loads(self.rfile.read(length)))
            if state.hang is not None:
                release.wait(30)
                return
            body = (
                state.reply if isinstance(state.reply, bytes) else json.dumps(state.reply).encode()
            )
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        release.set()
        server.shutdown()
        server.server_close()
