"""Scratch PostgreSQL clusters for the tests that must stop a server or stream to a replica.

The machine's PostgreSQL on 5432 is shared (other people's databases, CI's), so it is never stopped,
restarted or reconfigured: these tests ``initdb`` a cluster of their own in a temporary directory, on a free
port, owned by the ``postgres`` OS user (PostgreSQL refuses to run as root; we run as root here and in CI,
so the commands go through ``runuser -u postgres``). ``initdb --auth=trust`` writes a ``pg_hba.conf`` that
allows replication connections from 127.0.0.1, which the machine's cluster does not (its ``host all all
127.0.0.1/32 trust`` does not cover the ``replication`` pseudo-database), so the replica is a
``pg_basebackup -R`` of the scratch primary.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def server_binaries() -> Path | None:
    """The directory of initdb, pg_ctl and pg_basebackup (Debian keeps them out of PATH)."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(str(Path(found).resolve().parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for candidate in candidates:
        if candidate and all((Path(candidate) / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return Path(candidate)
    return None


def require_server_binaries() -> Path:
    """The binaries, or a skip that says so; on CI a missing PostgreSQL fails (as a missing browser does)."""
    binaries = server_binaries()
    if binaries is None:
        message = (
            "PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed: "
            "the scratch-cluster tests (replica, worker restart) cannot run"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return binaries


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def as_postgres(command: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@dataclass
class Cluster:
    binaries: Path
    data: Path
    port: int

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def run(self, tool: str, *args: str, timeout: float = 120) -> str:
        result = subprocess.run(  # noqa: S603  (PostgreSQL's own tools, arguments of ours)
            as_postgres([str(self.binaries / tool), *args]),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            log = (self.data.parent / f"{self.data.name}.log").read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{tool} {' '.join(args)} failed:\n{result.stdout}{result.stderr}\n--- log:\n{log}")
        return result.stdout

    def start(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.data.parent / f"{self.data.name}.log"), "-w", "start")

    def stop(self, mode: str = "fast") -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def configure(self, **settings: str | int) -> None:
        """Later lines of postgresql.conf win, so a replica's copy of the primary's file is overridden."""
        lines = "".join(f"{name} = '{value}'\n" for name, value in settings.items())
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(lines)

    def psql(self, sql: str, database: str = "postgres") -> str:
        psql = self.binaries / "psql"
        command = [str(psql if psql.exists() else "psql"), "-X", "-At", "-h", "127.0.0.1", "-p", str(self.port)]
        result = subprocess.run(  # noqa: S603
            [*command, "-U", "postgres", "-d", database, "-c", sql],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return result.stdout.strip()


def _own_directory() -> Path:
    # Not pytest's tmp_path: it lives under a root-only directory the postgres user cannot enter.
    root = Path(tempfile.mkdtemp(prefix="dnevnik-pg-"))
    root.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    return root


def _settings_for(cluster: Cluster) -> dict[str, str | int]:
    return {
        "port": cluster.port,
        "listen_addresses": "127.0.0.1",
        "unix_socket_directories": str(cluster.data.parent),
        # A scratch cluster: no fsync (an immediate stop keeps the OS's page cache, so nothing is lost), but
        # synchronous commits: the worker-restart test stops it with -m immediate and checks what was committed.
        "fsync": "off",
        "full_page_writes": "off",
        "max_connections": 50,
        "shared_buffers": "32MB",
    }


@contextlib.contextmanager
def primary_cluster() -> Iterator[Cluster]:
    """A fresh cluster, started; stopped and deleted afterwards, whatever happened."""
    binaries = require_server_binaries()
    root = _own_directory()
    cluster = Cluster(binaries, root / "primary", free_port())
    try:
        cluster.run("initdb", "-D", str(cluster.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        cluster.configure(**_settings_for(cluster), wal_level="replica", max_wal_senders=5)
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(Exception):
            cluster.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def streaming_replica(primary: Cluster) -> Iterator[Cluster]:
    """A hot standby of ``primary`` (``pg_basebackup -R`` writes its ``primary_conninfo``), started."""
    root = primary.data.parent
    replica = Cluster(primary.binaries, root / "replica", free_port())
    try:
        primary.run(
            "pg_basebackup",
            *("-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"),
            *("-D", str(replica.data), "-R", "-X", "stream", "-c", "fast", "--no-sync"),
        )
        replica.configure(**_settings_for(replica), hot_standby="on")
        replica.start()
        yield replica
    finally:
        with contextlib.suppress(Exception):
            replica.stop("immediate")


def wait_for(condition: object, timeout: float = 30.0, every: float = 0.1) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout} s: {getattr(condition, '__doc__', None) or condition}")
        time.sleep(every)
