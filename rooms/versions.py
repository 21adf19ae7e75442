"""The bookings version: it changes, in the same transaction, with every write that can
change an answer about availability, so an answer cached under it is never stale on
any process (DESIGN §10). The cache may be each process's own memory: the version
lives in the database, which every process reads.

What availability depends on: meetings (room, times, status, title, confidentiality),
their VC links, rooms (hours, buffers, capacity, active …), a room's equipment, the
kinds of equipment and VC resources. Their save and delete signals bump the version
(connected in rooms/apps.py, and for meetings' models in meetings/apps.py).
Queryset `.update()`, `bulk_create()` and `bulk_update()` send no signals: code that
uses them on these models for anything availability shows must call
`bump_bookings_version()` itself, inside its transaction.

The version is kept in `core.Counter` rows named `bookings` and `bookings:<random>`,
and is their sum (with the first name, see `bookings_version`). A bump does not add 1
to one row: on PostgreSQL that UPDATE would row-lock the counter until commit, so a
transaction that moves several meetings (pre-emption, a series edit) would hold it
while it waits for the next meeting's or room's lock, and one that holds that lock and
wants the counter would close a deadlock cycle. Instead a bump folds the rows no other
open transaction holds (SKIP LOCKED) into one new row worth their sum plus one: it
never waits, and every committed bump still raises the sum by exactly one. On SQLite
writers take turns anyway (IMMEDIATE transactions), so the same fold simply runs.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save

T = TypeVar("T")

NAME = "bookings"
_PATTERN = NAME + ":%"

# Only lookups of an answer that no write has changed hit; the timeout bounds how long
# entries of old versions occupy the cache (and a restored database backup, whose
# versions may repeat older ones, from meeting a Redis cache that outlived it).
CACHE_SECONDS = 10 * 60
# Part of every key: a release that changes an answer's shape must not read the
# previous release's entries from a shared cache.
_KEY_FORMAT = "1"

# Plain SQL on core.Counter's table: one statement a bump or a read, on the hot path.
_FOLD_POSTGRESQL = """
    WITH folded AS (
        DELETE FROM core_counter
        WHERE name IN (
            SELECT name FROM core_counter
            WHERE name = %s OR name LIKE %s
            FOR UPDATE SKIP LOCKED
        )
        RETURNING value
    )
    INSERT INTO core_counter (name, value) SELECT %s, COALESCE(SUM(value), 0) + 1 FROM folded
"""
_FOLD_INSERT = """
    INSERT INTO core_counter (name, value)
    SELECT %s, COALESCE(SUM(value), 0) + 1 FROM core_counter WHERE name = %s OR name LIKE %s
"""
_FOLD_DELETE = "DELETE FROM core_counter WHERE (name = %s OR name LIKE %s) AND name <> %s"
_READ = "SELECT SUM(value), MIN(name) FROM core_counter WHERE name = %s OR name LIKE %s"


def bump_bookings_version(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Change the version, as part of the caller's transaction (or at once in autocommit)."""
    connection = connections[using]
    # A fresh name each time: no two bumps ever write the same row.
    row = f"{NAME}:{uuid.uuid4().hex}"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(_FOLD_POSTGRESQL, [NAME, _PATTERN, row])
        return
    # Two statements here: together, or a reader could see the new row beside the old.
    with transaction.atomic(using=using, savepoint=False), connection.cursor() as cursor:
        cursor.execute(_FOLD_INSERT, [row, NAME, _PATTERN])
        cursor.execute(_FOLD_DELETE, [NAME, _PATTERN, row])


def bookings_version(*, using: str = DEFAULT_DB_ALIAS) -> str | None:
    """The current version, or None when there is no counter at all.

    The sum alone identifies a committed state: every committed bump raises it by one,
    and a reader sees all of a transaction's writes or none. The first row name is
    random after any bump, so a database emptied and filled again (a test database
    flushed between tests) does not repeat the versions a cache may still hold.
    """
    with connections[using].cursor() as cursor:
        cursor.execute(_READ, [NAME, _PATTERN])
        total, first = cursor.fetchone()
    return None if first is None else f"{total}.{first}"


def cached_by_bookings(
    parts: Iterable[object], build: Callable[[], T], *, using: str = DEFAULT_DB_ALIAS
) -> T:
    """`build()`'s answer for `parts` (what the answer depends on besides the data),
    from the cache when no write has changed availability since it was built.

    The version is read before building, so an entry is never older than its key: a
    write that lands in between only makes it newer. Inside a transaction nothing is
    read from or written to the cache: that transaction may see its own uncommitted
    writes (or later roll them back), which no other process must be served.
    """
    if connections[using].in_atomic_block:
        return build()
    version = bookings_version(using=using)
    if version is None:
        return build()
    raw = repr((_KEY_FORMAT, version, settings.TIME_ZONE, *parts)).encode()
    # Hashed: the parts are client input (any length, any characters), which Django's
    # cache key rules would warn about.
    key = "availability:" + hashlib.sha256(raw).hexdigest()
    found = cache.get(key)
    if found is not None:
        return found
    answer = build()
    cache.set(key, answer, CACHE_SECONDS)
    return answer


# --- signals ------------------------------------------------------------------------------


def _on_write(sender: type[Model], *, using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    bump_bookings_version(using=using)


def _on_m2m(
    sender: type[Model], *, action: str, using: str = DEFAULT_DB_ALIAS, **kwargs: Any
) -> None:
    if action.startswith("post_"):
        bump_bookings_version(using=using)


def bump_bookings_version_on_change(*models: type[Model]) -> None:
    """Bump on every save and delete of these models (in the writing transaction)."""
    for model in models:
        label = model._meta.label_lower
        post_save.connect(_on_write, sender=model, dispatch_uid=f"bookings-version:{label}:save")
        post_delete.connect(
            _on_write, sender=model, dispatch_uid=f"bookings-version:{label}:delete"
        )


def bump_bookings_version_on_m2m(*through: type[Model]) -> None:
    """Bump when rows of these many-to-many tables are added, removed or cleared."""
    for model in through:
        m2m_changed.connect(
            _on_m2m, sender=model, dispatch_uid=f"bookings-version:{model._meta.label_lower}"
        )
