"""Secrets a task carries through its backend's storage (the DB task table, Redis) only as Fernet ciphertext.

The key comes from ``SECRET_KEY`` (and ``SECRET_KEY_FALLBACKS``, so a rotation does not drop codes in flight);
``open_sealed`` refuses a token older than its ``ttl``, so a queued secret is unreadable once it is no use.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

_CONTEXT = b"dnevnik.core.sealed:"


def _fernet(secret: str | bytes) -> Fernet:
    raw = secret if isinstance(secret, bytes) else secret.encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(_CONTEXT + raw).digest()))


def _keys() -> MultiFernet:
    return MultiFernet([_fernet(key) for key in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]])


def seal(value: str) -> str:
    """``value`` encrypted and timestamped under the current key."""
    return _keys().encrypt(value.encode()).decode("ascii")


def open_sealed(token: str, *, ttl: timedelta) -> str | None:
    """The sealed value, or None when the token is older than ``ttl``, forged or sealed under an unknown key."""
    try:
        return _keys().decrypt(token.encode("ascii"), ttl=int(ttl.total_seconds())).decode()
    except InvalidToken:
        return None
