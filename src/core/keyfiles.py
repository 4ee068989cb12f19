"""Private files made once on first start: the secret key (``var/secret_key``) and the OIDC keys.

Written by hand because the standard library has the pieces but no "create once, atomically,
privately" call. The content is written to a temporary file opened with ``O_CREAT | O_EXCL`` and
mode 0600 (so it is never readable by others, not even for an instant), flushed to disk, then
hard-linked to its final name: ``link`` fails when the name exists, so when several processes start
at once exactly one file wins and every process reads that one — no check-then-write race, and no
reader ever sees a half-written key (a ``rename`` would let the last process silently replace the key
the first one already uses).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700


def _write_temporary(directory: Path, name: str, content: str) -> Path:
    temporary = directory / f".{name}.{os.getpid()}.{secrets.token_hex(8)}.tmp"
    descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    return temporary


def _private_directory(directory: Path) -> None:
    directory.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """The file's content; when it does not exist yet, ``make()`` it — the first process to finish wins."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        pass
    _private_directory(path.parent)
    temporary = _write_temporary(path.parent, path.name, make())
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass  # another process made it first: use theirs
    finally:
        temporary.unlink()
    return path.read_text(encoding="utf-8")


def create_new(path: Path, content: str) -> None:
    """A private file that must not exist yet (``FileExistsError`` otherwise)."""
    _private_directory(path.parent)
    temporary = _write_temporary(path.parent, path.name, content)
    try:
        os.link(temporary, path)
    finally:
        temporary.unlink()


def replace(path: Path, content: str) -> None:
    """Put new private content at ``path`` in one step: readers see the old file or the new one."""
    _private_directory(path.parent)
    temporary = _write_temporary(path.parent, path.name, content)
    os.replace(temporary, path)
