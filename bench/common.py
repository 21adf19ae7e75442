"""What every benchmark shares: its own database, interleaved timing, the table's rows.

Each benchmark module calls `setup_django()` before importing any model: that points
VAR_DIR and DATABASE_URL at a fresh temporary folder (never the user's var/), migrates
an empty SQLite file there and removes the folder at exit. Timings are medians of
several repetitions, feature and floor alternating within one loop, so that the load of
other processes on the machine falls on both alike.
"""

from __future__ import annotations

import argparse
import atexit
import gc
import json
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Row:
    """One line of the results table."""

    what: str
    size: str
    median: str
    floor: str
    ratio: str
    target: str
    met: bool
    notes: list[str] = field(default_factory=list)


COLUMNS = ("what", "size", "median", "floor", "ratio", "target", "met")


def progress(message: str) -> None:
    """A line on stderr: the table goes to stdout, the driver passes stderr through."""
    print(f"  · {message}", file=sys.stderr, flush=True)


# --- environment ----------------------------------------------------------------------


def setup_django(name: str, *, migrate: bool = True) -> Path:
    """Configure Django on a fresh temporary VAR_DIR (and migrate its SQLite database).

    Must run before any model is imported. Environment variables of the caller that
    would point elsewhere (DATABASE_URL, REDIS_URL, MEDIA_ROOT) are overridden, so a
    benchmark can never touch the user's data.
    """
    var = Path(tempfile.mkdtemp(prefix=f"huiwu-bench-{name}-"))
    atexit.register(shutil.rmtree, var, ignore_errors=True)
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "core.settings",
            "VAR_DIR": str(var),
            "DATABASE_URL": f"sqlite:///{var / 'bench.sqlite3'}",
            "MEDIA_ROOT": str(var / "media"),
            "REDIS_URL": "",  # the local-memory cache of the embedded default
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
            "LOG_LEVEL": "WARNING",
        }
    )
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    import django

    django.setup()
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    return var


# --- timing ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """Something to time; `setup` runs before each repetition, outside the clock."""

    run: Callable[[], object]
    setup: Callable[[], object] | None = None


@dataclass
class Samples:
    """Seconds per repetition: CPU time of this process, and wall-clock time.

    The table uses CPU time (`time.process_time`): on a shared machine, the time other
    processes hold the cores inflates wall-clock figures but not this process's own
    work, and feature and floor are measured with the same clock.
    """

    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.cpu)

    @property
    def wall_median(self) -> float:
        return statistics.median(self.wall)


def interleaved(cases: Mapping[str, Case], reps: int, *, warmup: int = 1) -> dict[str, Samples]:
    """Times of each case, the cases alternating within every round.

    The order within a round flips every other round, so that neither case always runs
    right after the other (caches, the garbage collector's rhythm).
    """
    for _ in range(warmup):
        for case in cases.values():
            if case.setup is not None:
                case.setup()
            case.run()
    samples = {name: Samples() for name in cases}
    names = list(cases)
    for i in range(reps):
        for name in reversed(names) if i % 2 else names:
            case = cases[name]
            if case.setup is not None:
                case.setup()
            wall, cpu = time.perf_counter(), time.process_time()
            case.run()
            samples[name].cpu.append(time.process_time() - cpu)
            samples[name].wall.append(time.perf_counter() - wall)
    return samples


def collect_garbage() -> None:
    gc.collect()


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM), in MB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --- formatting -----------------------------------------------------------------------


def ms(seconds: float) -> str:
    value = seconds * 1000
    if value >= 100:
        return f"{value:.0f} ms"
    if value >= 10:
        return f"{value:.1f} ms"
    return f"{value:.2f} ms"


def ratio(value: float) -> str:
    return f"{value:.3f}×" if value < 0.1 else f"{value:.2f}×"


def markdown_table(rows: Sequence[Row]) -> str:
    lines = [
        "| " + " | ".join(COLUMNS) + " |",
        "|" + "|".join("---" for _ in COLUMNS) + "|",
    ]
    for row in rows:
        cells = [
            row.what,
            row.size,
            row.median,
            row.floor,
            row.ratio,
            row.target,
            "yes" if row.met else "**NO**",
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines)


def notes_of(rows: Sequence[Row]) -> list[str]:
    return [f"{row.what}: {note}" for row in rows for note in row.notes]


# --- entry point of each benchmark module ---------------------------------------------


def main(name: str, run: Callable[[], list[Row]]) -> None:
    """`python -m bench.<name> [--json FILE]`: run and print, or hand rows to the driver."""
    parser = argparse.ArgumentParser(prog=f"python -m bench.{name}")
    parser.add_argument("--json", type=Path, help="write the rows here (for python -m bench)")
    args = parser.parse_args()
    rows = run()
    if args.json is not None:
        args.json.write_text(json.dumps([asdict(r) for r in rows], ensure_ascii=False))
    else:
        print(markdown_table(rows))
        for note in notes_of(rows):
            print(f"- {note}")
