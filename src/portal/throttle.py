"""Brute-force limits for sign-in: per account and per client address, in sliding windows.

Why not django-axes: it has one failure limit and one cool-off for every lockout key, while the
portal needs two (5 per account in 15 minutes, 10 per address in a minute), and its lockout path
returns before a password hash is spent, which lets a stopwatch tell a locked account from a
wrong password. A failure row lives in the database, so every web worker sees the same count.

An account is keyed by its id whichever login (email, SNILS, phone) was typed; a login that
names no account is keyed by its normalised spelling, so unknown logins lock exactly like real ones.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from portal.models import SignInFailure, User


@dataclass(frozen=True)
class Limit:
    failures: int
    window: timedelta


def account_limit() -> Limit:
    return Limit(settings.SIGNIN_ACCOUNT_FAILURES, settings.SIGNIN_ACCOUNT_WINDOW)


def address_limit() -> Limit:
    return Limit(settings.SIGNIN_ADDRESS_FAILURES, settings.SIGNIN_ADDRESS_WINDOW)


def account_keys(*, users: Iterable[User], canonical_login: str) -> list[str]:
    keys = [f"user:{user.pk}" for user in users]
    return keys or [f"login:{canonical_login}"[:300]]


def address_key(ip_address: str | None) -> str | None:
    return f"ip:{ip_address}" if ip_address else None


def _count(key: str, limit: Limit, now: datetime) -> int:
    return SignInFailure.objects.filter(key=key, at__gt=now - limit.window).count()


def is_locked(*, accounts: list[str], address: str | None) -> bool:
    now = timezone.now()
    if address and _count(address, address_limit(), now) >= address_limit().failures:
        return True
    return any(_count(key, account_limit(), now) >= account_limit().failures for key in accounts)


def record_failure(*, accounts: list[str], address: str | None) -> None:
    now = timezone.now()
    rows = [SignInFailure(key=key, at=now) for key in accounts]
    if address:
        rows.append(SignInFailure(key=address, at=now))
    SignInFailure.objects.bulk_create(rows)
    # Rows that no longer count towards any limit are dropped as we go, keeping the table small.
    longest = max(account_limit().window, address_limit().window)
    SignInFailure.objects.filter(key__in=[row.key for row in rows], at__lte=now - longest).delete()


def clear_account(user: User) -> None:
    """After a successful sign-in or a password reset the account's count starts afresh."""
    SignInFailure.objects.filter(key=f"user:{user.pk}").delete()
