"""Registry import against ``COPY``: the same generated file through the product's import (``bench.import_run``:
the first import, then the unchanged file again) and through a bare ``COPY`` into a plain table, with the
import's time and peak RSS (``os.wait4`` of the child: the whole process, the file it reads included)."""

from __future__ import annotations

import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from bench.registry_file import COLUMNS
from bench.servers import ROOT


def run_import(path: Path, school: str, env: dict[str, str], label: str, timeout: float) -> dict[str, Any]:
    """One import in its own process; its running counter of rows is shown as it goes."""
    print(f"    {label}: registry.importing.import_registry({path.name}) into {school}", flush=True)
    started = time.monotonic()
    process = subprocess.Popen(  # noqa: S603  (our own interpreter and module)
        [sys.executable, "-m", "bench.import_run", str(path), school],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        start_new_session=True,
    )
    timed_out = False
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - started > timeout:
            timed_out = True
            os.killpg(process.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.2)
    process.returncode = os.waitstatus_to_exitcode(status)
    output = process.stdout.read().decode() if process.stdout else ""
    line = next((line for line in output.splitlines() if line.startswith("BENCH_IMPORT ")), None)
    if not timed_out and (process.returncode != 0 or line is None):
        raise RuntimeError(f"the import failed ({process.returncode}): {output}")
    measured = json.loads(line.removeprefix("BENCH_IMPORT ")) if line else {"seconds": timeout, "report": None}
    result = {
        "seconds": measured["seconds"],
        "process_seconds": time.monotonic() - started,
        "timed_out": timed_out,
        "peak_rss_mb": usage.ru_maxrss / 1024,  # kilobytes on Linux
        "report": measured["report"],
    }
    seconds = result["seconds"]
    shown = f"> {timeout:.0f} s (stopped)" if timed_out else f"{seconds:.1f} s"
    print(f"    {label}: {shown}, peak RSS {result['peak_rss_mb']:.0f} MB", flush=True)
    return result


def copy_seconds(dsn: str, path: Path, rounds: int) -> float:
    """The median time of ``COPY`` of the file into a plain unindexed table (created and dropped here)."""
    columns = ", ".join(f"{name} text" for name in COLUMNS)
    times = []
    with psycopg.connect(dsn, autocommit=True) as connection:
        for n in range(rounds):
            connection.execute("DROP TABLE IF EXISTS bench_copy")
            connection.execute(f"CREATE TABLE bench_copy ({columns})")
            started = time.monotonic()
            with connection.cursor() as cursor, path.open("rb") as handle:
                sql = "COPY bench_copy FROM STDIN WITH (FORMAT csv, DELIMITER ';', HEADER true)"
                with cursor.copy(sql) as copy:
                    while chunk := handle.read(1 << 20):
                        copy.write(chunk)
            times.append(time.monotonic() - started)
            print(f"    COPY round {n + 1}/{rounds}: {times[-1]:.2f} s", flush=True)
        connection.execute("DROP TABLE bench_copy")
    return statistics.median(times)
