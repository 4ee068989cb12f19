"""Driving wrk: one measured run of one scenario, pinned to the client core, with a live counter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.servers import ROOT, Server

SCRIPT = ROOT / "bench" / "rotate.lua"
RUNNING: list[subprocess.Popen[str]] = []


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: tuple[tuple[str, str], ...] = ()
    body: str = "-"

    def line(self) -> str:
        return "\t".join([self.method, self.path, self.body, *(f"{name}: {value}" for name, value in self.headers)])


def write_requests(path: Path, requests: list[Request]) -> Path:
    path.write_text("".join(request.line() + "\n" for request in requests), encoding="utf-8")
    return path


@dataclass(frozen=True)
class Load:
    cpu: str
    threads: int
    connections: int
    duration: int


def start_wrk(
    load: Load,
    url: str,
    requests: Path,
    *,
    rate: float = 0,
    connections: int | None = None,
    duration: int | None = None,
) -> subprocess.Popen[str]:
    command = [
        "taskset",
        "-c",
        load.cpu,
        "wrk",
        f"-t{load.threads}",
        f"-c{connections or load.connections}",
        f"-d{duration or load.duration}s",
        "--timeout",
        "10s",
        "-s",
        str(SCRIPT),
        url,
        "--",
        str(requests),
    ]
    env = {**os.environ, "BENCH_RATE": f"{rate / load.threads:.3f}" if rate else "0"}
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # noqa: S603
    RUNNING.append(process)
    return process


def stop_all() -> None:
    """End any wrk still running (an interrupted run)."""
    for process in RUNNING:
        if process.poll() is None:
            process.kill()
            process.wait()
    RUNNING.clear()


def finish_wrk(process: subprocess.Popen[str], label: str, duration: int) -> dict[str, Any]:
    """Wait for wrk, showing a running counter of seconds, and return its parsed summary."""
    started = time.monotonic()
    live = sys.stdout.isatty()  # a log file gets one line a run, a terminal a counter too
    if not live:
        print(f"    {label:<34} running {duration} s …", flush=True)
    while process.poll() is None:
        if live:
            elapsed = time.monotonic() - started
            sys.stdout.write(f"\r    {label:<34} {min(elapsed, duration):4.0f}/{duration} s")
            sys.stdout.flush()
        time.sleep(0.5)
    out, err = process.communicate()
    line = next((line for line in out.splitlines() if line.startswith("BENCH_JSON ")), None)
    if process.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed for {label}: {err.strip() or out.strip()}")
    result: dict[str, Any] = json.loads(line.removeprefix("BENCH_JSON "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    errors = sum(result["errors"].values()) + result["bad_status"]
    note = f"  {errors} errors (first status {result['first_bad']})" if errors else ""
    prefix = "\r" if live else ""
    sys.stdout.write(
        f"{prefix}    {label:<34} {result['rps']:8.1f} req/s  p50 {result['latency_us']['p50'] / 1000:6.1f} ms  "
        f"p99 {result['latency_us']['p99'] / 1000:6.1f} ms{note}\n"
    )
    return result


def measure(load: Load, server: Server, requests: Path, label: str, **options: Any) -> dict[str, Any]:
    """One run against ``server`` with its CPU seconds per request (master and workers, user + system)."""
    before = server.cpu_seconds()
    result = finish_wrk(
        start_wrk(load, server.url, requests, **options), label, options.get("duration") or load.duration
    )
    used = server.cpu_seconds() - before
    result["cpu_ms_per_request"] = used * 1000 / result["requests"] if result["requests"] else None
    return result
