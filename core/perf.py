"""Small helpers for the hot paths measured by `make bench` (DESIGN §10)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Hold off the cyclic garbage collector while building one large output.

    A 2,000-event calendar creates a few hundred thousand objects that all stay alive
    until it is serialised; every full collection in between walks all of them again,
    which cost a feed build about 40% on top of the work itself (bench/feed.py). The
    output is built in well under a second, its garbage is collected right after, and
    reference counting frees everything acyclic as usual meanwhile.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
