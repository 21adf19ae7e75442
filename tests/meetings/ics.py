"""Reading calendar output back, the way clients do: icalendar, ical.js, and raw octets.

`parse_icaljs` runs tests/js/parse_ics.mjs under node with ical.js (Thunderbird's
parser, installed by `make test` from package.json). Without node or ical.js the
caller's test is skipped — unless REQUIRE_ICALJS=1 (CI), which makes it fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import icalendar
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "js" / "parse_ics.mjs"


def _icaljs_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (ROOT / "node_modules" / "ical.js" / "package.json").exists():
        return "ical.js is not installed (npm install at the repository root)"
    return None


def parse_icaljs(data: bytes) -> dict[str, Any]:
    """What ical.js reads from `data`: calendar properties, timezones and events."""
    missing = _icaljs_missing()
    if missing:
        if os.environ.get("REQUIRE_ICALJS") == "1":
            pytest.fail(f"REQUIRE_ICALJS=1 but {missing}")
        pytest.skip(missing)
    node = shutil.which("node")
    assert node is not None
    result = subprocess.run(
        [node, str(SCRIPT)],
        input=data,
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    return json.loads(result.stdout)


def parse(data: bytes) -> icalendar.Calendar:
    """icalendar's reading of `data`, after checking the octets clients rely on."""
    check_octets(data)
    return icalendar.Calendar.from_ical(data)


def check_octets(data: bytes) -> None:
    """RFC 5545 §3.1: CRLF line ends, lines at most 75 octets, folds between characters.

    Each physical line must decode as UTF-8 on its own: a fold inside a multi-byte
    character is what breaks long Chinese titles in some clients.
    """
    assert data.endswith(b"\r\n")
    lines = data[:-2].split(b"\r\n")
    assert b"\n" not in b"".join(lines), "bare LF inside a line"
    for line in lines:
        assert len(line) <= 75, f"{len(line)} octets: {line!r}"
        line.decode("utf-8")  # raises on a split character


def events(cal: icalendar.Calendar) -> list[icalendar.Event]:
    return list(cal.walk("VEVENT"))


def event_by_uid(cal: icalendar.Calendar, uid: str) -> icalendar.Event:
    found = [e for e in events(cal) if str(e["UID"]) == uid]
    assert len(found) == 1, [str(e["UID"]) for e in events(cal)]
    return found[0]
