"""The servers of a bench run: gunicorn as production runs it (2 workers, 4 threads), pinned to one core,
each in its own process group so that every one of them is ended however the run ends."""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """User + system CPU of the master and its workers so far (the workers' own, not their children's)."""
        total = 0
        for pid in [self.process.pid, *_children(self.process.pid)]:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / CLOCK_TICKS


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        try:
            found += [int(child) for child in task.read_text().split()]
        except OSError:
            continue
    return found


@dataclass
class Fleet:
    """The servers started so far; ``stop`` ends them all (and is safe to call twice)."""

    cpu: str
    log_dir: Path
    servers: list[Server] = field(default_factory=list)

    def start(self, name: str, port: int, app: str, env: dict[str, str], *, chdir: Path = ROOT) -> Server:
        log = self.log_dir / f"{name}.log"
        command = [
            "taskset",
            "-c",
            self.cpu,
            str(ROOT / ".venv/bin/gunicorn"),
            app,
            "--chdir",
            str(chdir),
            "--pythonpath",
            str(ROOT),
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--error-logfile",
            str(log),
            "--log-level",
            "warning",
        ]
        process = subprocess.Popen(  # noqa: S603  (our own gunicorn, fixed arguments)
            command, env=env, cwd=chdir, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        server = Server(name=name, port=port, process=process, log=log)
        self.servers.append(server)
        return server

    def wait_ready(self, server: Server, path: str = "/", timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited; see {server.log}")
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
            try:
                # Behind the TLS proxy of production: without the header the product redirects to https.
                connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
                connection.getresponse().read()
                return  # it answers: any status is fine here
            except OSError:
                time.sleep(0.3)
            finally:
                connection.close()
        raise RuntimeError(f"{server.name} did not answer in {timeout:.0f} s; see {server.log}")

    def stop(self) -> None:
        for server in self.servers:
            if server.process.poll() is None:
                try:
                    os.killpg(server.process.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for server in self.servers:
            try:
                server.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(server.process.pid, signal.SIGKILL)
                server.process.wait(timeout=5)
        self.servers.clear()
