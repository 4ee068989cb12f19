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

from core import keyfiles

ACTIVE = "active.pem"
RETIRED = "retired"


def new_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def active_key(directory: Path) -> str:
    """The signing key, made on first start (several processes starting at once agree on one key)."""
    return keyfiles.read_or_create(directory / ACTIVE, new_private_key_pem)


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
    """Retire the active key (its file's time is the retirement time) and put a new one in its place.

    The new key replaces the old in one step, so a process starting meanwhile never finds no key and
    makes a third one.
    """
    active = directory / ACTIVE
    retired = directory / RETIRED / f"{time.strftime('%Y%m%dT%H%M%S')}-{time.time_ns()}.pem"
    if not active.exists():
        active_key(directory)
        return retired
    keyfiles.create_new(retired, active.read_text(encoding="utf-8"))
    keyfiles.replace(active, new_private_key_pem())
    return retired
