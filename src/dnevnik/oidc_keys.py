"""The RS256 keys that sign ID tokens, kept in ``var/oidc-keys/`` when the environment gives none.

``active.pem`` signs; ``retired/*.pem`` are earlier keys that stay in the JWKS until every token
they signed has expired (``rotate_oidc_key`` moves the active key there and makes a new one).
Nothing here is committed: ``var/`` is git-ignored.
"""

from __future__ import annotations

import time
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ACTIVE = "active.pem"
RETIRED = "retired"


def new_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def _write_private(path: Path, pem: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.write_text(pem)


def active_key(directory: Path) -> str:
    path = directory / ACTIVE
    if not path.exists():
        _write_private(path, new_private_key_pem())
    return path.read_text()


def retired_keys(directory: Path, *, keep_seconds: int) -> list[str]:
    """Retired keys still needed to verify live tokens; older ones are deleted."""
    folder = directory / RETIRED
    if not folder.is_dir():
        return []
    keys = []
    for path in sorted(folder.glob("*.pem")):
        if path.stat().st_mtime + keep_seconds < time.time():
            path.unlink()
        else:
            keys.append(path.read_text())
    return keys


def rotate(directory: Path) -> Path:
    """Retire the active key (its file's time is the retirement time) and make a new one."""
    active = directory / ACTIVE
    retired = directory / RETIRED / f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns()}.pem"
    if active.exists():
        _write_private(retired, active.read_text())
        active.unlink()
    active_key(directory)
    return retired
