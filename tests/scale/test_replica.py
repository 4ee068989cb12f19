"""Read replicas on a real streaming replica: a scratch primary and a ``pg_basebackup -R`` hot standby of
it (``tests.pgcluster``; the machine's PostgreSQL allows no replication connections and is not ours to
reconfigure), and the cases of ``replica_cases.py`` run against them with the production profile's own
variables, in a pytest of their own (pytest-django's test database must live on the scratch primary)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pgcluster import primary_cluster, streaming_replica

ROOT = Path(__file__).resolve().parent.parent.parent
LEAKS = {"DATABASE_URL", "DATABASE_REPLICA_URLS", "REDIS_URL", "TASKS_BACKEND", "DB_POOL", "PYTEST_ADDOPTS"}

pytestmark = pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="PostgreSQL-only: runs in the PostgreSQL pass of the suite (TEST_DATABASE_URL), on scratch clusters",
)


def test_replica_reads_and_read_your_writes_on_a_streaming_replica(tmp_path: Path) -> None:
    with primary_cluster() as primary, streaming_replica(primary) as replica:
        primary.psql("CREATE DATABASE dnevnik")
        env = {key: value for key, value in os.environ.items() if key not in LEAKS}
        env |= {
            "DATABASE_URL": primary.url("dnevnik"),
            "DATABASE_REPLICA_URLS": replica.url("dnevnik"),
            "DB_CONN_MAX_AGE": "0",
            "DNEVNIK_VAR_DIR": str(tmp_path),
        }
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/scale/replica_cases.py"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "3 passed" in output, output
    assert "skipped" not in output, output
