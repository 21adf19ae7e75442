"""The scale-out smoke test (tests/smoke/scaleout.py, `make smoke`) fails loudly, never
skips, when PostgreSQL or Redis is missing, and leaves nothing behind when it fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
POSTGRES = "postgres://postgres@127.0.0.1:5432/postgres"
NOWHERE = "127.0.0.1:1"  # nothing listens on port 1


def run_smoke(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tests.smoke.scaleout"],
        cwd=REPO,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_it_fails_with_a_clear_message_without_postgresql():
    result = run_smoke(SMOKE_POSTGRES_URL=f"postgres://postgres@{NOWHERE}/postgres")

    assert result.returncode == 1
    assert "smoke: FAILED: PostgreSQL is not reachable" in result.stderr
    assert "PASSED" not in result.stdout


def test_it_fails_without_redis_and_drops_the_database_it_made():
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(POSTGRES, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not running on 127.0.0.1:5432 (CI starts it)")

    with admin:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.smoke.scaleout"],
            cwd=REPO,
            env={
                **os.environ,
                "SMOKE_POSTGRES_URL": POSTGRES,
                "SMOKE_REDIS_URL": f"redis://{NOWHERE}",
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        out, err = process.communicate(timeout=120)

        assert process.returncode == 1
        assert "smoke: FAILED: Redis is not reachable" in err
        assert "created" in out  # the database did exist before Redis was tried
        # The database name carries the smoke process's pid.
        left = admin.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE %s",
            (f"huiwu_smoke_{process.pid}_%",),
        ).fetchall()
        assert left == []
