"""The availability API under load: gunicorn, 2 workers, against a trivial endpoint.

The server: gunicorn with 2 (sync) workers on 127.0.0.1, serving this benchmark's own
database (50 rooms with equipment, 20,000 bookings over the past half year and the
next month). The load: this process, a second one, with a few threads that each keep an
http.client connection (re-opened whenever the server closes it), a bounded number of
requests and a time cap per run — loopback only.
Feature: GET /api/v1/availability (free rooms for an hour tomorrow) and
GET /api/v1/rooms/{id}/availability (a room's day), with a bearer token.
Floors, on the same server: GET /api/v1/bench/authenticated, a trivial endpoint behind
the same bearer token (bench/floor.py), and GET /api/v1/ping (no login, no database).
Target (DESIGN §10): the availability endpoint's throughput ≥ 50% of the trivial one's,
judged against ping, the stricter floor (it pays no authentication at all). The server
runs with the product's defaults (connections kept: DB_CONN_MAX_AGE=60). The figures
against the authenticated floor are in the notes, with what a new connection costs.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from bench.common import REPO, Case, Row, interleaved, main, ms, progress, ratio, setup_django

ROOMS = 50
BOOKINGS = 20_000
FUTURE_DAYS = 30
WORKERS = 2
CLIENT_THREADS = 4
ROUNDS = 5
MAX_REQUESTS = 4000  # per run
TIME_CAP = 3.0  # seconds per run
TARGET = 0.5


@dataclass
class Load:
    requests: int
    errors: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load(port: int, path: str, headers: dict[str, str], *, cap: float = TIME_CAP) -> Load:
    """Keep CLIENT_THREADS connections busy with `path` until the cap; count the answers."""
    lock = threading.Lock()
    budget = [MAX_REQUESTS]
    done = [0, 0]  # answered 200, other answers or failures
    deadline = time.perf_counter() + cap

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        ok = bad = 0
        try:
            while time.perf_counter() < deadline:
                with lock:
                    if budget[0] <= 0:
                        break
                    budget[0] -= 1
                try:
                    conn.request("GET", path, headers=headers)
                    response = conn.getresponse()
                    response.read()
                    if response.status == 200:
                        ok += 1
                    else:
                        bad += 1
                except (OSError, http.client.HTTPException):
                    bad += 1
                    conn.close()  # http.client opens a new connection on the next request
        finally:
            conn.close()
            with lock:
                done[0] += ok
                done[1] += bad

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(done[0], done[1], time.perf_counter() - start)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/ping")
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer /api/v1/ping within 60 s")


def populate() -> dict[str, tuple[str, dict[str, str]]]:
    """Rooms, bookings, a staff member's API token: the endpoints to load, by name.

    Call after `setup_django()`; also handy for profiling a request by hand.
    """
    from bench import floor

    floor.install()
    from django.contrib.auth.models import Group, User
    from django.utils import timezone

    from core.models import ApiToken
    from core.roles import Role
    from core.timeutil import at_local, localtime
    from meetings.models import Meeting, Status
    from rooms.models import Equipment, Room
    from rooms.versions import bump_bookings_version

    staff = User.objects.create_user("bench-staff")
    staff.groups.add(Group.objects.get_or_create(name=Role.STAFF.value)[0])
    _, token = ApiToken.issue(staff, "bench")
    equipment = Equipment.objects.bulk_create(
        [
            Equipment(code=code, name=name)
            for code, name in (("projector", "投影"), ("vc_terminal", "视频终端"), ("mic", "话筒"))
        ]
    )
    rooms = Room.objects.bulk_create(
        [
            Room(name=f"第{i + 1}会议室", capacity=10 + i * 4, order=i, building="县政府大楼")
            for i in range(ROOMS)
        ]
    )
    for i, room in enumerate(rooms):
        room.equipment.set(equipment[: 1 + i % 3])
    progress(f"api: {BOOKINGS:,} bookings in {ROOMS} rooms")
    today = localtime(timezone.now()).date()
    now = timezone.now()
    pad = dt.timedelta(minutes=15)
    per_room = BOOKINGS // ROOMS
    meetings = []
    for r, room in enumerate(rooms):
        for k in range(per_room):
            # Two a day, from half a year ago to a month ahead; rooms' hours staggered.
            date = today + dt.timedelta(days=FUTURE_DAYS - k // 2)
            start = at_local(date, dt.time(9 + (k % 2) * 5 + r % 3))
            end = start + dt.timedelta(minutes=90)
            meetings.append(
                Meeting(
                    title=f"会议{r}-{k}",
                    room=room,
                    start=start,
                    end=end,
                    occupied_start=start - pad,
                    occupied_end=end + pad,
                    status=Status.PENDING if k % 5 == 0 else Status.APPROVED,
                    organizer=staff,
                    created_at=now,
                    updated_at=now,
                )
            )
    Meeting.objects.bulk_create(meetings, batch_size=5000)
    # bulk_create sends no signals: say that availability changed, as every writer must.
    bump_bookings_version()

    tomorrow = today + dt.timedelta(days=1)
    hour = {"start": f"{tomorrow}T17:00", "end": f"{tomorrow}T18:00"}  # 2/3 of rooms free
    day = {"start": f"{tomorrow}T00:00", "end": f"{tomorrow + dt.timedelta(days=1)}T00:00"}
    auth = {"Authorization": f"Bearer {token}"}
    endpoints = {
        "ping": ("/api/v1/ping", {}),
        "authenticated": (floor.PATH, auth),
        "availability": (f"/api/v1/availability?{urlencode(hour)}", auth),
        "room": (f"/api/v1/rooms/{rooms[3].pk}/availability?{urlencode(day)}", auth),
    }
    return endpoints


Endpoints = dict[str, tuple[str, dict[str, str]]]


def serve_and_load(
    var: Path, endpoints: Endpoints, *, rounds: int, env: dict[str, str]
) -> dict[str, list[Load]]:
    """Start gunicorn on this benchmark's database, load each endpoint `rounds` times."""
    port = _free_port()
    server_env = {
        **os.environ,
        "DEBUG": "0",
        "LOG_LEVEL": "WARNING",
        "VAR_DIR": str(var),
        **env,
    }
    argv = [sys.executable, "-m", "gunicorn", "bench.wsgi:application"]
    argv += ["--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}", "--log-level", "warning"]
    settings = " ".join(f"{k}={v}" for k, v in env.items())
    progress(f"api: gunicorn, {WORKERS} workers, on 127.0.0.1:{port} ({settings})")
    server = subprocess.Popen(argv, cwd=REPO, env=server_env)  # noqa: S603 - our interpreter
    try:
        _wait_until_up(port, server)
        for name, (path, headers) in endpoints.items():
            check = load_once(port, path, headers)
            assert check == 200, f"{name}: {path} answered {check}"
        # Each worker imports the URLconf and builds the API's schemas on its first
        # request (seconds of CPU): load both before anything is measured.
        progress("api: warming up both workers")
        for path, headers in endpoints.values():
            load(port, path, headers, cap=1.0)
        results: dict[str, list[Load]] = {name: [] for name in endpoints}
        progress(
            f"api: {rounds} rounds of ≤ {MAX_REQUESTS} requests or {TIME_CAP:g} s per endpoint, "
            f"{CLIENT_THREADS} client threads"
        )
        names = list(endpoints)
        for i in range(rounds):
            for name in reversed(names) if i % 2 else names:
                path, headers = endpoints[name]
                results[name].append(load(port, path, headers))
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    return results


def run() -> list[Row]:
    var = setup_django("api")
    endpoints = populate()

    # Where the time goes, without HTTP: each request's CPU in this process (Django's
    # test client; the database connection stays open), for the notes.
    from django.db import connection
    from django.test import Client

    from rooms.versions import bookings_version, bump_bookings_version

    client = Client()

    def get(path: str, headers: dict[str, str]) -> Case:
        return Case(lambda: client.get(path, headers=headers))

    in_process = interleaved(
        {name: get(path, headers) for name, (path, headers) in endpoints.items()}, 50, warmup=3
    )
    # The same requests right after a booking changed the version, so the answer is built
    # again: what the first request after every write costs. Apart from the others, whose
    # answers each bump would evict.
    rebuilt = {
        name: Case(get(*endpoints[name]).run, setup=bump_bookings_version)
        for name in ("availability", "room")
    }
    in_process.update(
        (f"{name} rebuilt", samples) for name, samples in interleaved(rebuilt, 50).items()
    )
    # What a request would pay before its first query if connections were not kept
    # (DB_CONN_MAX_AGE=0): connect, and SQLite reads the schema.
    in_process.update(interleaved({"connect": Case(bookings_version, setup=connection.close)}, 50))

    # The product's defaults; the caller's environment must not choose the configuration.
    results = serve_and_load(var, endpoints, rounds=ROUNDS, env={"DB_CONN_MAX_AGE": "60"})

    def rate(name: str, runs: dict[str, list[Load]] = results) -> float:
        return statistics.median(r.per_second for r in runs[name])

    errors = {name: sum(r.errors for r in runs) for name, runs in results.items()}
    floor, ping = rate("authenticated"), rate("ping")

    def cpu(name: str) -> str:
        return ms(in_process[name].median)

    rows = []
    for name, label in (
        ("availability", "API /api/v1/availability (free rooms, 1 hour)"),
        ("room", "API /api/v1/rooms/{id}/availability (1 day)"),
    ):
        share = rate(name) / ping
        rows.append(
            Row(
                what=label,
                size=f"{ROOMS} rooms, {BOOKINGS:,} bookings; gunicorn × {WORKERS}",
                median=f"{rate(name):.0f} req/s",
                floor=f"{ping:.0f} req/s (/api/v1/ping)",
                ratio=ratio(share),
                target="≥ 0.50× the trivial endpoint",
                met=share >= TARGET and errors[name] == 0,
                notes=[
                    f"{CLIENT_THREADS} client threads (http.client, keep-alive where the server "
                    f"allows), {ROUNDS} rounds interleaved, median; bearer token; errors: "
                    f"{errors[name]} (floors: {errors['authenticated']}, {errors['ping']})",
                    "the floor is GET /api/v1/ping (no login, no database); against "
                    "GET /api/v1/bench/authenticated (bench/floor.py: the API's bearer "
                    f"authentication and nothing else), {floor:.0f} req/s, the ratio is "
                    f"{ratio(rate(name) / floor)} (authenticated floor: {ratio(floor / ping)} "
                    "of ping)",
                    f"CPU per request in-process, without HTTP, connection kept open: "
                    f"{cpu(name)} from the cache, {cpu(name + ' rebuilt')} rebuilt after a "
                    f"booking; authenticated floor {cpu('authenticated')}, ping {cpu('ping')}",
                    f"opening a database connection and its first query: {cpu('connect')} of "
                    "CPU, which every request would pay with DB_CONN_MAX_AGE=0 (the default "
                    "keeps connections for 60 s), and ping never does",
                ],
            )
        )
    return rows


def load_once(port: int, path: str, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


if __name__ == "__main__":
    main("api_load", run)
