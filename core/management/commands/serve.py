"""`manage.py serve`: the web server and the django-q2 worker in one foreground command.

`make run` uses it so that a newcomer gets a working system with one command and one
Ctrl-C. Each child runs in its own session (process group): the terminal's SIGINT then
reaches only this supervisor, which stops the children in an orderly way — qcluster
gets SIGTERM on its leader alone, because its sentinel resets SIGTERM to the default
action and would die mid-task if the whole group were signalled; runserver's group is
signalled whole, because the autoreloader's child does not notice its parent dying.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

# How long a child may take to stop after SIGTERM before it is killed.
STOP_GRACE_SECONDS = 15.0
POLL_SECONDS = 0.2


@dataclass
class Child:
    """One supervised command; `whole_group` says whether SIGTERM goes to its group."""

    name: str
    argv: list[str]
    whole_group: bool = False
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.argv, start_new_session=True)  # noqa: S603

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def poll(self) -> int | None:
        return None if self.process is None else self.process.poll()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def terminate(self) -> None:
        if not self.running:
            return
        try:
            if self.whole_group:
                os.killpg(self.pid, signal.SIGTERM)
            else:
                os.kill(self.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def kill_group(self) -> None:
        """Last resort, also for grandchildren left behind after the leader exited."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)


class Supervisor:
    """Start children, stop all of them when one exits or a signal arrives."""

    def __init__(self, children: Sequence[Child], *, out: Any = None) -> None:
        self.children = list(children)
        self.out = out or sys.stdout
        self.stop_requested: int | None = None
        self.signals = 0

    def _on_signal(self, signum: int, frame: FrameType | None) -> None:
        self.stop_requested = signum
        self.signals += 1

    def run(self) -> int:
        # Handlers go in before the children start: a caught signal is reset to the
        # default in the child at exec, while an ignored one (as in a background job of
        # a non-interactive shell) would be inherited and make the child deaf to it.
        previous = {s: signal.signal(s, self._on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            for child in self.children:
                child.start()
            code = self._wait_for_first_exit()
        finally:
            self._stop_all()
            for s, handler in previous.items():
                signal.signal(s, handler)
        return code

    def _wait_for_first_exit(self) -> int:
        while True:
            if self.stop_requested is not None:
                self._say(f"收到信号 {signal.Signals(self.stop_requested).name}，正在停止……")
                return 0
            for child in self.children:
                code = child.poll()
                if code is not None:
                    self._say(f"{child.name} 已退出（代码 {code}），正在停止其他进程……")
                    # A child that ends on its own is a failure even with status 0;
                    # one killed by a signal reports -N, which the shell spells 128+N.
                    return 128 - code if code < 0 else code or 1
            time.sleep(POLL_SECONDS)

    def _stop_all(self) -> None:
        for child in self.children:
            child.terminate()
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        patience = max(self.signals, 1)
        # A second Ctrl-C while stopping means "now": stop waiting, kill.
        while (
            time.monotonic() < deadline
            and self.signals <= patience
            and any(c.running for c in self.children)
        ):
            time.sleep(POLL_SECONDS)
        for child in self.children:
            if child.running:
                self._say(f"{child.name} 未能及时停止，强制结束")
            child.kill_group()
            if child.process is not None:
                child.process.wait()

    def _say(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


class Command(BaseCommand):
    help = (
        "Run the web server (runserver) and the background worker (qcluster) together; "
        "Ctrl-C stops both."
    )

    # The children run the system checks themselves.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--addr", default="127.0.0.1:8000", help="address:port for the web server"
        )
        parser.add_argument("--no-worker", action="store_true", help="do not start qcluster")
        parser.add_argument(
            "--noreload", action="store_true", help="no code autoreloader in runserver"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        manage = str(Path(settings.BASE_DIR) / "manage.py")
        python = sys.executable
        web = [python, manage, "runserver", options["addr"]]
        if options["noreload"]:
            web.append("--noreload")
        children = [Child("web", web, whole_group=True)]
        if not options["no_worker"]:
            children.append(Child("worker", [python, manage, "qcluster"]))
        self.stdout.write(
            self.style.SUCCESS(f"会务 http://{options['addr']}/ — 按 Ctrl-C 停止（web + worker）")
        )
        code = Supervisor(children, out=self.stdout).run()
        if code:
            sys.exit(code)
