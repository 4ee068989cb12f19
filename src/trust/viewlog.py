"""The view log's buffer: a trusted person's read is noted here, off the database, and written later.

A read through a grant must reach the log the guardians see, but the read itself writes nothing (no
transaction on the evening's hot path). So the read appends one line to a spool file — an ``O_APPEND``
write of a few dozen bytes under an advisory lock, no database — and ``trust.services.flush_views`` (the
periodic sweep, the task worker, and every read of the log itself) moves the lines into ``View`` in one
transaction.

Nothing is lost on the way:
- a flush first *claims* a spool file by renaming it (atomic), then takes its lock, which waits for a
  writer still holding the old name; a writer that locks a file after it was claimed sees that its path
  now names another file (or none) and writes again to the new one;
- a claimed file is deleted only after the transaction that wrote its lines has committed; when the
  flush fails, it stays claimed and the next flush writes it (at least once: a crash between the commit
  and the deletion shows a visit twice, never none).

Each process appends to its own file (``views-<host>-<pid>.jsonl``): writers of different processes never
share one. With several app hosts, each host's sweep flushes its own spool directory (``TRUST_VIEW_SPOOL``).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

ACTIVE_PREFIX = "views-"
CLAIMED_PREFIX = "claimed-"


@dataclass(frozen=True)
class Noted:
    """One read through a grant, as the spool keeps it."""

    grant_id: int
    section: str
    viewed_at: datetime


def spool_dir() -> Path:
    directory = Path(settings.TRUST_VIEW_SPOOL)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _own_file(directory: Path) -> Path:
    return directory / f"{ACTIVE_PREFIX}{socket.gethostname()}-{os.getpid()}.jsonl"


def note(*, grant_id: int, section: str, viewed_at: datetime | None = None) -> None:
    """Append one read to this process's spool file. No database; safe against a concurrent flush."""
    at = viewed_at or timezone.now()
    line = json.dumps({"g": grant_id, "s": section, "t": at.isoformat()}, separators=(",", ":")) + "\n"
    path = _own_file(spool_dir())
    while True:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(path)
            except FileNotFoundError:
                current = None
            if current is not None and current.st_ino == os.fstat(fd).st_ino:
                os.write(fd, line.encode())
                return
            # A flush claimed the file between our open and our lock: write to a fresh one.
        finally:
            os.close(fd)


def _parse(line: str) -> Noted | None:
    try:
        row = json.loads(line)
        return Noted(grant_id=int(row["g"]), section=str(row["s"]), viewed_at=datetime.fromisoformat(row["t"]))
    except (ValueError, KeyError, TypeError):
        return None  # a torn last line of a crashed process: the only kind a spool can hold


@contextmanager
def claimed() -> Iterator[list[Noted]]:
    """The reads noted so far, oldest first; their files are deleted when the ``with`` block ends without an
    exception (after the caller's transaction committed), and kept for the next flush otherwise."""
    directory = spool_dir()
    with (directory / "flush.lock").open("a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # one flush at a time: a claimed file is written once
        with _claim(directory) as found:
            yield found


@contextmanager
def _claim(directory: Path) -> Iterator[list[Noted]]:
    for path in sorted(directory.glob(f"{ACTIVE_PREFIX}*.jsonl")):
        try:
            path.rename(directory / f"{CLAIMED_PREFIX}{uuid.uuid4().hex}-{path.name}")
        except FileNotFoundError:
            continue
    files = sorted(directory.glob(f"{CLAIMED_PREFIX}*.jsonl"))
    found: list[Noted] = []
    for path in files:
        try:
            with path.open("r", encoding="utf-8") as handle:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # waits for a writer that opened the old name
                found.extend(noted for line in handle if (noted := _parse(line)) is not None)
        except FileNotFoundError:
            continue
    found.sort(key=lambda noted: noted.viewed_at)
    yield found
    for path in files:
        path.unlink(missing_ok=True)
