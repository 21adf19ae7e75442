"""`python -m bench` (`make bench`): every benchmark of DESIGN §10, one table.

Each benchmark runs in its own process with its own temporary database; this driver
collects their rows, prints one table and writes it, with the machine it came from, to
bench/results.md. `python -m bench feed namecards` runs some of them (and leaves
results.md alone). The exit status is 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

from bench.common import REPO, Row, markdown_table, notes_of

BENCHMARKS = ("booking", "board", "feed", "namecards", "seating", "api_load")
TIMEOUT = 900  # seconds, per benchmark
RESULTS = Path(__file__).resolve().parent / "results.md"


def run_one(name: str) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="huiwu-bench-") as tmp:
        out = Path(tmp) / "rows.json"
        argv = [sys.executable, "-m", f"bench.{name}", "--json", str(out)]
        print(f"▶ {name}", file=sys.stderr, flush=True)
        start = time.monotonic()
        try:
            done = subprocess.run(argv, cwd=REPO, timeout=TIMEOUT, check=False)  # noqa: S603
        except subprocess.TimeoutExpired:
            return [_failed(name, f"did not finish within {TIMEOUT} s")]
        print(f"  ({time.monotonic() - start:.0f} s)", file=sys.stderr, flush=True)
        if done.returncode != 0 or not out.exists():
            return [_failed(name, f"exited with status {done.returncode} (see above)")]
        return [Row(**row) for row in json.loads(out.read_text())]


def _failed(name: str, why: str) -> Row:
    return Row(name, "—", "—", "—", "—", "runs", False, [f"the benchmark failed: {why}"])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _postgresql() -> str:
    psql = shutil.which("psql")
    if psql is None:
        return "not installed"
    done = subprocess.run([psql, "--version"], capture_output=True, text=True, check=False)  # noqa: S603
    installed = done.stdout.strip() or "installed"
    return f"{installed} (not used: every benchmark runs on SQLite, the embedded default)"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "?"


def machine(started: dt.datetime, seconds: float, load: tuple[float, float]) -> list[str]:
    packages = ", ".join(
        f"{p} {_version(p)}" for p in ("Django", "django-ninja", "icalendar", "reportlab")
    )
    return [
        f"- date: {started:%Y-%m-%d %H:%M %z}, {seconds / 60:.1f} minutes",
        f"- CPU: {_cpu_model()}, {os.cpu_count()} cores ({platform.machine()})",
        f"- load average (1 min) at start and end: {load[0]:.1f}, {load[1]:.1f} "
        "(other processes on the machine)",
        f"- OS: {platform.system()} {platform.release()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()})",
        f"- SQLite {sqlite3.sqlite_version}",
        f"- PostgreSQL: {_postgresql()}",
        f"- {packages}",
    ]


def write_results(rows: list[Row], info: list[str]) -> None:
    text = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`); DESIGN §10 sets the targets. Each "
        "benchmark generates its own data in its own temporary SQLite database and measures "
        "the feature and its floor in the same run, interleaved. Times are medians of the "
        "CPU time of the measuring process (`time.process_time`), so that other processes "
        "on a shared machine do not inflate them; wall-clock medians are in the notes. The "
        "API row is throughput (requests per second) against a live gunicorn.",
        "",
        "## Machine",
        "",
        *info,
        "",
        "## Results",
        "",
        markdown_table(rows),
        "",
        "## Notes",
        "",
        *(f"- {note}" for note in notes_of(rows)),
        "",
    ]
    RESULTS.write_text("\n".join(text))


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(BENCHMARKS))
    args = parser.parse_args()
    unknown = sorted(set(args.names) - set(BENCHMARKS))
    if unknown:
        choices = ", ".join(BENCHMARKS)
        parser.error(f"unknown benchmark: {', '.join(unknown)} (choose from {choices})")
    names = args.names or list(BENCHMARKS)
    started = dt.datetime.now(dt.UTC).astimezone()
    load_start = os.getloadavg()[0]
    clock = time.monotonic()
    rows: list[Row] = []
    for name in names:
        rows.extend(run_one(name))
    seconds = time.monotonic() - clock
    print()
    print(markdown_table(rows))
    for note in notes_of(rows):
        print(f"- {note}")
    if not args.names:
        write_results(rows, machine(started, seconds, (load_start, os.getloadavg()[0])))
        print(f"\nwritten to {RESULTS.relative_to(REPO)}")
    missed = [row.what for row in rows if not row.met]
    if missed:
        print(f"\ntargets missed: {'; '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
