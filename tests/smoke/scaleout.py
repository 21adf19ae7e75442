"""Scale-out smoke test (issue 8, DESIGN §2): `make smoke`, or `python -m tests.smoke.scaleout`.

The deployment of docs/deploy.md, on loopback: a fresh PostgreSQL database, a Redis
database of its own, gunicorn with 2 workers started from deploy/gunicorn.conf.py, and
2 separate `manage.py qcluster` processes, each with its own VAR_DIR (the web tier keeps
no local state), all mailing to an SMTP sink in this process. Then:

1. concurrent bookings over HTTP, several per slot, in one room with back-to-back slots
   and in a room that needs approval: exactly one winner per slot, every loser a 409 in
   the API's JSON error shape, no 5xx, and no overlapping blocking bookings in the
   database (whose exclusion constraint must exist);
2. the winners are confirmed (at once, or by an approver over HTTP), which queues
   invitations to their attendees; every delivery task is then queued twice more, as an
   at-least-once queue may do. Every e-mail notification ends `sent`, and the sink has
   exactly one message per notification (header X-Huiwu-Notification), none twice, none
   missing; each invitation carries a text/calendar part with METHOD:REQUEST and the
   UID of the meeting's own .ics download;
3. a print job (sign-in sheet) requested over HTTP is made by a qcluster and downloaded
   from gunicorn: the PDF lists the attendees, and the file is in the shared MEDIA_ROOT,
   in no process's own VAR_DIR (generated files go through Django storage);
4. the failed-token rate limit is one counter for both gunicorn workers (Redis cache).

It is not part of `make test`: it needs PostgreSQL and Redis, and without them it fails
loudly (exit status 1) instead of skipping. Everything it made is removed at the end,
also on failure or Ctrl-C: processes (by process group), the database, the Redis data.

Environment: SMOKE_POSTGRES_URL (a superuser connection used to create and drop the
database; default postgres://postgres@127.0.0.1:5432/postgres), SMOKE_REDIS_URL (default
redis://127.0.0.1:6379: a free database from 15 down to 8 is claimed; with a database
number in the URL that one is flushed and used), SMOKE_KEEP=1 keeps the logs folder.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import email
import email.message
import email.policy
import http.client
import io
import itertools
import json
import logging
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

REPO = Path(__file__).resolve().parents[2]
TIME_CAP = 180  # seconds for the whole run, clean-up excluded
DELIVERY_WAIT = 60  # seconds for every queued e-mail to be sent
SETTLE = 3.0  # seconds to listen for late duplicates after all were delivered
CONTENDERS = 6  # concurrent requests per slot
WEB_WORKERS = 2
CLUSTERS = 2
RATE_LIMIT = 4  # LOGIN_RATE_LIMIT of the servers: failed token uses per address
STOP_GRACE = 15.0
CLAIM_KEY = "huiwu-smoke:claim"

# Variables of the caller that must not leak into the servers' configuration.
CLEARED = (
    "DATABASE_URL",
    "REDIS_URL",
    "VAR_DIR",
    "MEDIA_ROOT",
    "STORAGE_BACKEND",
    "STORAGE_OPTIONS",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SITE_URL",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "WEB_CONCURRENCY",
    "GUNICORN_BIND",
)


class SmokeFailure(Exception):
    """What went wrong, in words for the CI log."""


def check(condition: object, message: str) -> None:
    if not condition:
        raise SmokeFailure(message)


# --- output ----------------------------------------------------------------------------

STARTED = time.monotonic()


def say(text: str) -> None:
    print(f"smoke [{time.monotonic() - STARTED:5.1f}s] {text}", flush=True)


# --- the SMTP sink ---------------------------------------------------------------------


@dataclass
class Received:
    rcpt_tos: list[str]
    message: email.message.EmailMessage


@dataclass
class Sink:
    """Records every message the workers send; aiosmtpd runs it in its own thread."""

    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        with self.lock:
            self.messages.append(Received(list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def snapshot(self) -> list[Received]:
        with self.lock:
            return list(self.messages)


# --- processes -------------------------------------------------------------------------


@dataclass
class Proc:
    """A child in its own session, so that it and its children can be stopped together."""

    name: str
    argv: list[str]
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        out = self.log.open("wb")
        self.process = subprocess.Popen(
            self.argv,
            cwd=REPO,
            env=self.env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        out.close()

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        if self.process is None:
            return
        if self.alive:
            # The leader alone: qcluster's sentinel resets SIGTERM to the default in its
            # children, so signalling the whole group would kill workers mid-task; the
            # leader stops them in order (as core/management/commands/serve.py does), and
            # gunicorn's master its workers.
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)
            deadline = time.monotonic() + STOP_GRACE
            while self.alive and time.monotonic() < deadline:
                time.sleep(0.1)
        # Whatever is left of the group (a worker that outlived its leader) goes now.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(
    what: str, ready: Callable[[], bool], *, seconds: float, procs: Sequence[Proc] = ()
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for proc in procs:
            check(proc.alive, f"{proc.name} exited (status {proc.process and proc.process.poll()})")
        if ready():
            return
        time.sleep(0.25)
    raise SmokeFailure(f"timed out after {seconds:g} s waiting for {what}")


# --- HTTP ------------------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    body: Any
    raw: bytes


def request(port: int, method: str, path: str, *, token: str = "", payload: Any = None) -> Answer:
    """One request on its own connection (so gunicorn's two workers share the load)."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    body = None
    if payload is not None:
        body = json.dumps(payload).encode()
        headers["Content-Type"] = "application/json"
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        status = response.status
    finally:
        conn.close()
    try:
        parsed = json.loads(raw)
    except ValueError:
        parsed = None
    return Answer(status, parsed, raw)


def no_server_error(answer: Answer, what: str) -> None:
    check(answer.status < 500, f"{what}: HTTP {answer.status}: {answer.raw[:500]!r}")


# --- PostgreSQL and Redis --------------------------------------------------------------


def pg_admin(url: str) -> Any:
    import psycopg

    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=5)
    except psycopg.Error as err:
        raise SmokeFailure(
            f"PostgreSQL is not reachable at {url} ({str(err).strip()}). The smoke test "
            "needs it: start PostgreSQL (.ci/run does) or set SMOKE_POSTGRES_URL."
        ) from None


def with_database(url: str, name: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return urllib.parse.urlunsplit(parts._replace(path=f"/{name}"))


@contextlib.contextmanager
def fresh_database(admin_url: str) -> Iterator[str]:
    name = f"huiwu_smoke_{os.getpid()}_{secrets.token_hex(3)}"
    with pg_admin(admin_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    say(f"PostgreSQL database {name} created")
    try:
        yield with_database(admin_url, name)
    finally:
        with pg_admin(admin_url) as conn:
            # FORCE: a connection a killed process left behind must not keep it alive.
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        say(f"PostgreSQL database {name} dropped")


@contextlib.contextmanager
def redis_database(base_url: str) -> Iterator[str]:
    """A Redis database nobody else uses: claimed while empty, flushed afterwards."""
    import redis

    parts = urllib.parse.urlsplit(base_url)
    explicit = parts.path.strip("/")
    candidates = [int(explicit)] if explicit else list(range(15, 7, -1))
    mine = secrets.token_hex(8)
    chosen: redis.Redis | None = None
    url = ""
    for db in candidates:
        url = urllib.parse.urlunsplit(parts._replace(path=f"/{db}"))
        conn = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=10)
        try:
            conn.ping()
        except redis.RedisError as err:
            raise SmokeFailure(
                f"Redis is not reachable at {base_url} ({err}). The smoke test needs it: "
                "start redis-server (.ci/run does) or set SMOKE_REDIS_URL."
            ) from None
        if explicit:
            conn.flushdb()
        # Claim first, then look: two smoke runs at once cannot both see it empty.
        if conn.set(CLAIM_KEY, mine, nx=True, ex=TIME_CAP * 3) and conn.dbsize() == 1:
            chosen = conn
            break
        if conn.get(CLAIM_KEY) == mine.encode():
            conn.delete(CLAIM_KEY)
    check(chosen is not None, f"no free Redis database among {candidates} at {base_url}")
    assert chosen is not None
    say(f"Redis database {url} claimed")
    try:
        yield url
    finally:
        chosen.flushdb()
        say(f"Redis database {url} flushed")


# --- the run ---------------------------------------------------------------------------


@dataclass
class Slot:
    """Contenders for one slot: their wanted times all overlap each other, not other slots."""

    name: str
    room_key: str
    times: list[tuple[str, str]]
    people: list[int]


def slots_for(day: dt.date) -> list[Slot]:
    # Rooms have 15 min 布场 and 撤场. In the direct room, the first slot's intervals lie
    # within 08:35–10:15 and the second's within 10:15–11:45: they touch, half-open, and
    # must both be bookable; within a slot every pair overlaps (09:15–09:40 is in all).
    first = [("08:50", "09:40"), ("09:00", "10:00"), ("09:15", "09:45")]
    second = [("10:30", "11:30"), ("10:45", "11:15"), ("11:00", "11:30")]
    return [
        Slot("direct 09:00", "direct", first, [0, 1]),
        Slot("direct 10:30", "direct", second, [2, 3]),
        Slot("approval 09:00", "approval", first, [4, 5]),
    ]


def booking_day() -> dt.date:
    """A Wednesday three to four weeks ahead (a working day in almost any year)."""
    today = dt.datetime.now(dt.UTC).date()
    day = today + dt.timedelta(days=21)
    return day + dt.timedelta(days=(2 - day.weekday()) % 7)


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in CLEARED}
    env.update(extra)
    return env


def run(admin_url: str, redis_base: str, work: Path) -> None:
    with fresh_database(admin_url) as database_url, redis_database(redis_base) as redis_url:
        scenario(database_url, redis_url, work)


def scenario(database_url: str, redis_url: str, work: Path) -> None:
    from aiosmtpd.controller import Controller

    sink = Sink()
    smtp_port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    web_port = free_port()
    common = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "DEBUG": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SITE_URL": f"http://127.0.0.1:{web_port}",
        "MEDIA_ROOT": str(work / "shared-media"),
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp_port),
        "DEFAULT_FROM_EMAIL": "huiwu@smoke.test",
        "LOGIN_RATE_LIMIT": str(RATE_LIMIT),
        "Q_WORKERS": "2",
        "LOG_LEVEL": "INFO",
        "PYTHONUNBUFFERED": "1",
    }
    procs: list[Proc] = []
    try:
        say("migrate")
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput"],
            cwd=REPO,
            env=child_env(**common, VAR_DIR=str(work / "setup")),
            capture_output=True,
            text=True,
            timeout=150,
            check=False,
        )
        check(migrate.returncode == 0, f"migrate failed:\n{migrate.stdout}\n{migrate.stderr}")

        # This process reads and writes the same database and cache as the servers.
        own = child_env(
            **common, VAR_DIR=str(work / "smoke"), DJANGO_SETTINGS_MODULE="core.settings"
        )
        os.environ.clear()
        os.environ.update(own)
        import django

        django.setup()
        # aiosmtpd narrates every SMTP command at INFO through the root logger.
        logging.getLogger("mail.log").setLevel(logging.WARNING)
        cast = make_cast()

        web = Proc(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(REPO / "deploy" / "gunicorn.conf.py"),
                "--bind",
                f"127.0.0.1:{web_port}",
                "--workers",
                str(WEB_WORKERS),
            ],
            child_env(**common, VAR_DIR=str(work / "web")),
            work / "gunicorn.log",
        )
        clusters = [
            Proc(
                f"qcluster-{i}",
                [sys.executable, "manage.py", "qcluster"],
                child_env(**common, VAR_DIR=str(work / f"worker{i}")),
                work / f"qcluster-{i}.log",
            )
            for i in range(1, CLUSTERS + 1)
        ]
        procs = [web, *clusters]
        for proc in procs:
            proc.start()
        say(f"started gunicorn ({WEB_WORKERS} workers, :{web_port}) and {CLUSTERS} qclusters")

        def pinged() -> bool:
            try:
                return request(web_port, "GET", "/api/v1/ping").status == 200
            except OSError:
                return False

        wait_for("gunicorn to answer /api/v1/ping", pinged, seconds=60, procs=procs)
        wait_for(
            f"{WEB_WORKERS} gunicorn workers to boot",
            lambda: web.text().count("Booting worker") >= WEB_WORKERS,
            seconds=30,
            procs=procs,
        )
        wait_for(
            f"{CLUSTERS} qclusters to report to Redis",
            lambda: len(running_clusters()) >= CLUSTERS,
            seconds=60,
            procs=procs,
        )
        warm_up(web_port, cast)

        winners = race(web_port, cast)
        confirm(web_port, cast, winners)
        deliveries(web_port, sink, winners, cast, procs, work)
        print_job_across_hosts(web_port, winners, procs, work)
        shared_rate_limit(web_port, cast)
        report_sharing(clusters)
        for proc in procs:
            check(proc.alive, f"{proc.name} died during the run:\n{tail(proc)}")
        # A sentinel refreshes its 3-second status every half second: wait out a busy moment.
        wait_for(
            f"{CLUSTERS} qclusters still reporting to Redis",
            lambda: len(running_clusters()) >= CLUSTERS,
            seconds=15,
            procs=procs,
        )
    except BaseException:
        for proc in procs:
            print(f"--- last lines of {proc.name} ({proc.log})", flush=True)
            print(tail(proc), flush=True)
        raise
    finally:
        for proc in procs:
            proc.stop()
        controller.stop()
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()


def running_clusters() -> set[str]:
    """Clusters whose sentinel saved its status to the broker within the last seconds."""
    from django_q.status import Stat

    return {str(stat.cluster_id) for stat in Stat.get_all()}


def tail(proc: Proc, lines: int = 40) -> str:
    return "\n".join(proc.text().splitlines()[-lines:])


@dataclass
class Cast:
    organisers: list[str]  # API tokens
    approver: str
    direct_room: int
    approval_room: int
    people: list[int]
    emails: dict[int, str]


def make_cast() -> Cast:
    from django.contrib.auth.models import Group, User

    from core.models import ApiToken, NotifyChannel, Person, Unit
    from core.roles import Role
    from rooms.models import Room

    def user(name: str, role: Role) -> User:
        u = User.objects.create_user(name, email=f"{name}@smoke.test")
        u.groups.add(Group.objects.get_or_create(name=role.value)[0])
        return u

    unit = Unit.objects.create(name="县政府办公室")
    organisers = []
    for i in range(CONTENDERS * 3):
        staff = user(f"staff{i}", Role.STAFF)
        organisers.append(ApiToken.issue(staff, "smoke")[1])
    approver = user("approver", Role.APPROVER)
    Person.objects.create(
        name="郑主任", unit=unit, user=approver, email="approver@smoke.test", rank=1
    )
    people = [
        Person.objects.create(
            name=f"参会人{i}",
            unit=unit,
            rank=10 + i,
            email=f"person{i}@smoke.test",
            notify_channel=NotifyChannel.EMAIL,
        )
        for i in range(6)
    ]
    direct = Room.objects.create(name="第一会议室", capacity=40)
    approval = Room.objects.create(name="常务会议室", capacity=40, needs_approval=True)
    return Cast(
        organisers=organisers,
        approver=ApiToken.issue(approver, "smoke")[1],
        direct_room=direct.pk,
        approval_room=approval.pk,
        people=[p.pk for p in people],
        emails={p.pk: p.email for p in people},
    )


def warm_up(port: int, cast: Cast) -> None:
    """Each worker builds the API's schemas on its first request: before the race, not in it."""
    threads = [
        threading.Thread(
            target=request, args=(port, "GET", "/api/v1/meetings"), kwargs={"token": t}
        )
        for t in cast.organisers[:6]
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


@dataclass
class Winner:
    slot: Slot
    meeting_id: int
    status: str
    people: list[int]
    token: str  # the organiser's


def race(port: int, cast: Cast) -> list[Winner]:
    day = booking_day()
    slots = slots_for(day)
    jobs: list[tuple[Slot, str, dict[str, Any]]] = []
    tokens = iter(cast.organisers)
    for slot in slots:
        room = cast.direct_room if slot.room_key == "direct" else cast.approval_room
        for i in range(CONTENDERS):
            start, end = slot.times[i % len(slot.times)]
            jobs.append(
                (
                    slot,
                    next(tokens),
                    {
                        "title": f"{slot.name} 申请{i + 1}",
                        "room_id": room,
                        "start": f"{day}T{start}",
                        "end": f"{day}T{end}",
                        "attendees": [{"person_id": cast.people[p]} for p in slot.people],
                    },
                )
            )
    say(f"race: {len(jobs)} concurrent bookings for {len(slots)} slots on {day}")
    barrier = threading.Barrier(len(jobs))
    answers: list[Answer | BaseException | None] = [None] * len(jobs)

    def client(i: int, token: str, payload: dict[str, Any]) -> None:
        try:
            barrier.wait(timeout=30)
            answers[i] = request(port, "POST", "/api/v1/meetings", token=token, payload=payload)
        except BaseException as err:  # reported below, in the main thread
            answers[i] = err

    threads = [
        threading.Thread(target=client, args=(i, token, payload))
        for i, (_, token, payload) in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=90)
    check(not any(t.is_alive() for t in threads), "a booking request did not return in 90 s")

    winners: list[Winner] = []
    statuses: collections.Counter[int] = collections.Counter()
    for (slot, token, _payload), answer in zip(jobs, answers, strict=True):
        check(isinstance(answer, Answer), f"{slot.name}: request failed: {answer!r}")
        assert isinstance(answer, Answer)
        statuses[answer.status] += 1
        no_server_error(answer, f"booking {slot.name}")
        if answer.status == 201:
            winners.append(
                Winner(slot, answer.body["id"], answer.body["status"], slot.people, token)
            )
        else:
            check(answer.status == 409, f"{slot.name}: HTTP {answer.status}: {answer.raw[:300]!r}")
            body = answer.body
            check(
                isinstance(body, dict) and set(body) >= {"code", "message", "details"},
                f"a 409 without the JSON error shape: {answer.raw[:300]!r}",
            )
            check(body["code"] == "booking_conflict", f"409 code {body['code']!r}, not a clash")
    say(f"race answers by status: {dict(sorted(statuses.items()))}")
    per_slot = collections.Counter(w.slot.name for w in winners)
    for slot in slots:
        check(per_slot[slot.name] == 1, f"{slot.name}: {per_slot[slot.name]} winners, not 1")
    for winner in winners:
        wanted = "approved" if winner.slot.room_key == "direct" else "pending"
        check(winner.status == wanted, f"{winner.slot.name}: status {winner.status}, not {wanted}")
    no_overlaps_in_database()
    return winners


def no_overlaps_in_database() -> None:
    from django.db import connection

    from meetings.models import Meeting, Status

    blocking = list(
        Meeting.objects.filter(status__in=[Status.PENDING, Status.APPROVED], room__isnull=False)
        .order_by("room_id", "occupied_start")
        .values_list("room_id", "occupied_start", "occupied_end", "pk")
    )
    for a, b in itertools.pairwise(blocking):
        check(
            a[0] != b[0] or a[2] <= b[1],
            f"double booking in the database: meetings {a[3]} and {b[3]} overlap",
        )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_constraint WHERE conname = 'meeting_no_double_booking'"
        )
        (found,) = cursor.fetchone() or (0,)
    check(found == 1, "the exclusion constraint meeting_no_double_booking is missing")
    say(f"database: {len(blocking)} blocking bookings, none overlapping; constraint present")


def confirm(port: int, cast: Cast, winners: list[Winner]) -> None:
    for winner in winners:
        if winner.status == "pending":
            answer = request(
                port,
                "POST",
                f"/api/v1/meetings/{winner.meeting_id}/approve",
                token=cast.approver,
                payload={"note": "同意"},
            )
            no_server_error(answer, "approve")
            check(answer.status == 200, f"approve: HTTP {answer.status}: {answer.raw[:300]!r}")
            check(answer.body["status"] == "approved", f"approve left {answer.body['status']!r}")
            winner.status = "approved"
    say(f"confirmed {len(winners)} meetings with attendees")


def deliveries(
    port: int, sink: Sink, winners: list[Winner], cast: Cast, procs: list[Proc], work: Path
) -> None:
    from meetings.models import Channel, DeliveryStatus, Notification

    emails = Notification.objects.filter(channel=Channel.EMAIL)
    # Every attendee of every confirmed meeting is invited by e-mail, once.
    for winner in winners:
        for index in winner.people:
            person = cast.people[index]
            invites = emails.filter(
                meeting_id=winner.meeting_id, person_id=person, ics_method="REQUEST"
            )
            check(
                invites.count() == 1,
                f"meeting {winner.meeting_id}: {invites.count()} e-mail invitations "
                f"queued for person {person}, not 1",
            )

    # The queue delivers at least once (a sweep re-queues, a broker may hand a task out
    # again): send every delivery task twice more, for both clusters to race on. The
    # row's claim must still let exactly one message out per notification.
    from django_q.tasks import async_task

    for pk in emails.values_list("pk", flat=True):
        for _ in range(2):
            async_task("meetings.tasks.deliver_notification", pk)

    def all_settled() -> bool:
        states = collections.Counter(emails.values_list("status", flat=True))
        failed = emails.filter(status=DeliveryStatus.FAILED).values_list("pk", "last_error")
        check(not failed, f"notifications failed: {list(failed)}")
        return set(states) <= {DeliveryStatus.SENT}

    wait_for(
        "every e-mail notification to be sent", all_settled, seconds=DELIVERY_WAIT, procs=procs
    )
    expected = dict(emails.values_list("pk", "address"))
    check(expected, "no e-mail notification was queued at all")
    wait_for(
        "the sink to hold every message",
        lambda: len(sink.snapshot()) >= len(expected),
        seconds=10,
        procs=procs,
    )
    time.sleep(SETTLE)  # a late duplicate from the other cluster would arrive by now
    received = sink.snapshot()
    mail_dir = work / "mail"  # kept with the logs when the run fails
    mail_dir.mkdir(exist_ok=True)
    for i, item in enumerate(received):
        (mail_dir / f"{i:03}.eml").write_bytes(item.message.as_bytes())
    by_pk: collections.Counter[int] = collections.Counter()
    for item in received:
        header = item.message.get("X-Huiwu-Notification")
        check(
            header and str(header).isdigit(),
            f"a message without X-Huiwu-Notification: {item.message['Subject']}",
        )
        by_pk[int(str(header))] += 1
    twice = {pk: n for pk, n in by_pk.items() if n > 1}
    check(not twice, f"notifications delivered more than once: {twice}")
    missing = set(expected) - set(by_pk)
    check(not missing, f"notifications marked sent but never received: {sorted(missing)}")
    strangers = set(by_pk) - set(expected)
    check(not strangers, f"messages for unknown notifications: {sorted(strangers)}")
    for item in received:
        pk = int(str(item.message["X-Huiwu-Notification"]))
        check(
            [expected[pk]] == item.rcpt_tos,
            f"notification {pk} went to {item.rcpt_tos}, not {expected[pk]}",
        )
    invitations = dict(emails.filter(ics_method="REQUEST").values_list("pk", "meeting_id"))
    uids = {w.meeting_id: meeting_uid(port, cast, w.meeting_id) for w in winners}
    for item in received:
        pk = int(str(item.message["X-Huiwu-Notification"]))
        if pk in invitations:
            check_invitation(item.message, pk, uids[invitations[pk]])
    say(
        f"delivery: {len(expected)} e-mail notifications, each received exactly once "
        f"({len(invitations)} invitations with METHOD:REQUEST)"
    )


def meeting_uid(port: int, cast: Cast, meeting_id: int) -> str:
    """The UID of the meeting's own .ics download: an invitation must update that entry."""
    import icalendar

    answer = request(port, "GET", f"/api/v1/meetings/{meeting_id}/event.ics", token=cast.approver)
    check(answer.status == 200, f"event.ics of meeting {meeting_id}: HTTP {answer.status}")
    events = list(icalendar.Calendar.from_ical(answer.raw).walk("VEVENT"))
    check(len(events) == 1, f"event.ics of meeting {meeting_id}: {len(events)} events")
    return str(events[0]["UID"])


def check_invitation(message: email.message.EmailMessage, pk: int, uid: str) -> None:
    import icalendar

    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    check(parts, f"invitation {pk} has no text/calendar part")
    raw = parts[0].get_payload(decode=True)
    check(isinstance(raw, bytes), f"invitation {pk}: empty calendar part")
    assert isinstance(raw, bytes)
    calendar = icalendar.Calendar.from_ical(raw)
    check(
        str(calendar.get("METHOD")) == "REQUEST",
        f"invitation {pk}: METHOD {calendar.get('METHOD')}",
    )
    events = list(calendar.walk("VEVENT"))
    check(len(events) == 1, f"invitation {pk}: {len(events)} events")
    check(
        str(events[0].get("UID")) == uid,
        f"invitation {pk}: UID {events[0].get('UID')}, the meeting's download says {uid}",
    )


def print_job_across_hosts(port: int, winners: list[Winner], procs: list[Proc], work: Path) -> None:
    """A sign-in sheet made by a qcluster and downloaded from gunicorn: the file travels
    through Django storage (the shared MEDIA_ROOT), not through either one's VAR_DIR."""
    import pdfplumber

    winner = winners[0]
    answer = request(
        port,
        "POST",
        f"/api/v1/meetings/{winner.meeting_id}/print-jobs",
        token=winner.token,
        payload={"kind": "signin"},
    )
    no_server_error(answer, "print job")
    check(answer.status == 202, f"print job: HTTP {answer.status}: {answer.raw[:300]!r}")
    job = answer.body["id"]
    state: dict[str, Any] = {}

    def finished() -> bool:
        poll = request(port, "GET", f"/api/v1/print-jobs/{job}", token=winner.token)
        no_server_error(poll, "print job status")
        state.update(poll.body)
        check(poll.body["status"] != "failed", f"print job failed: {poll.body['error']}")
        return bool(poll.body["status"] == "done")

    wait_for("the print job to be done", finished, seconds=60, procs=procs)
    download = request(port, "GET", f"/api/v1/print-jobs/{job}/download", token=winner.token)
    check(download.status == 200, f"print job download: HTTP {download.status}")
    with pdfplumber.open(io.BytesIO(download.raw)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages)
    for index in winner.people:
        name = f"参会人{index}"
        check(name in text, f"the sign-in sheet does not list {name}")
    stored = [p for p in (work / "shared-media").rglob("*") if p.is_file()]
    check(len(stored) == 1, f"files in the shared MEDIA_ROOT: {stored}")
    local = [p for d in ("web", "worker1", "worker2") for p in (work / d).rglob("media/*")]
    check(not local, f"generated files in a process's own VAR_DIR: {local}")
    say(f"print job: {state['filename']} made by a qcluster, downloaded from gunicorn")


def shared_rate_limit(port: int, cast: Cast) -> None:
    """RATE_LIMIT bad tokens, each on a new connection to either worker, lock out the
    address on both: the counter is in Redis, not in one worker's memory."""
    token = cast.organisers[0]
    check(request(port, "GET", "/api/v1/meetings", token=token).status == 200, "token refused")
    for _ in range(RATE_LIMIT):
        bad = request(port, "GET", "/api/v1/meetings", token="not-a-token-" + secrets.token_hex(8))
        no_server_error(bad, "bad token")
        check(bad.status == 401, f"a bad token got HTTP {bad.status}")
    for _ in range(WEB_WORKERS * 2):
        answer = request(port, "GET", "/api/v1/meetings", token=token)
        check(
            answer.status == 401,
            f"after {RATE_LIMIT} failed tokens a good one still got HTTP {answer.status}: "
            "the rate limit is not shared between the gunicorn workers",
        )
    say(f"rate limit: {RATE_LIMIT} failed tokens locked the address out on every worker")


def report_sharing(clusters: list[Proc]) -> None:
    """Which cluster ran which delivery: informative only, since the split is up to Redis."""
    pattern = re.compile(r"processing (\S+) 'meetings\.tasks\.(\w+)'")
    shares = {}
    for proc in clusters:
        names = {m.group(1) for m in pattern.finditer(proc.text())}
        shares[proc.name] = len(names)
    say(f"tasks run per qcluster: {shares}")


def keep_or_remove(work: Path) -> None:
    """After a failure: the logs (and received mail) for a look, unless nothing ran."""
    if any(work.iterdir()):
        print(f"smoke: logs in {work}", file=sys.stderr, flush=True)
    else:
        shutil.rmtree(work, ignore_errors=True)


def main() -> int:
    admin_url = os.environ.get("SMOKE_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    redis_base = os.environ.get("SMOKE_REDIS_URL", "redis://127.0.0.1:6379")
    work = Path(tempfile.mkdtemp(prefix="huiwu-smoke-"))

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise SmokeFailure(f"stopped by {signal.Signals(signum).name}")

    def on_alarm(signum: int, frame: FrameType | None) -> None:
        raise SmokeFailure(f"the smoke test took longer than {TIME_CAP} s")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(TIME_CAP)
    try:
        run(admin_url, redis_base, work)
    except SmokeFailure as err:
        signal.alarm(0)
        print(f"smoke: FAILED: {err}", file=sys.stderr, flush=True)
        keep_or_remove(work)
        return 1
    except KeyboardInterrupt:
        print("smoke: interrupted", file=sys.stderr, flush=True)
        keep_or_remove(work)
        return 130
    signal.alarm(0)
    if os.environ.get("SMOKE_KEEP") != "1":
        shutil.rmtree(work, ignore_errors=True)
    say("PASSED")
    return 0


if __name__ == "__main__":
    sys.exit(main())
