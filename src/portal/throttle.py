"""Rate limits: sliding windows of counted attempts, each checked and counted in one atomic step.

Every limit is named in ``settings.RATE_LIMITS`` (attempts, window) and counts ``ThrottleHit`` rows
of one key: an account (``user:<id>``), a typed login, a client address (``ip:…``; IPv6 per /64)
or a target such as an email, a phone or a SNILS (stored as a keyed hash, never in clear).

Why the check and the count are one step: reading the count and writing the attempt separately let
parallel requests all read "4 of 5" and all go ahead. Here an attempt first upserts the
``ThrottleKey`` row of each of its keys, in one fixed order so two attempts never wait for each
other in a circle, then counts and records its own hit before the transaction commits. On
PostgreSQL the upsert (``INSERT … ON CONFLICT DO UPDATE``) holds the row lock, so an attempt on the
same key waits and then counts the hit of the one before; on SQLite every transaction takes the
write lock at ``BEGIN`` (``transaction_mode: IMMEDIATE`` in settings), so attempts take turns.

Why in the database and not Django's cache: the embedded default cache lives inside one process,
so each gunicorn worker would keep a count of its own; the database is what every worker and host
shares.

Why not django-axes: it has one failure limit and one cool-off for every lockout key, while the
portal needs several (5 per account in 15 minutes, 10 per address in a minute, …), and its lockout
path returns before a password hash is spent, which lets a stopwatch tell a locked account from a
wrong password.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import RateLimited
from core.web import client_address
from portal.errors import PortalCode
from portal.models import ThrottleHit, ThrottleKey, User

SIGNIN_ACCOUNT = "signin_account"
SIGNIN_ADDRESS = "signin_address"
REGISTER_ADDRESS = "register_address"
RESET_ADDRESS = "reset_address"
RESET_LOGIN = "reset_login"
CODE_ADDRESS = "code_address"
CODE_TARGET = "code_target"
LOOKUP_ADDRESS = "lookup_address"
LOOKUP_TARGET = "lookup_target"

TOO_MANY_ATTEMPTS = PortalCode.TOO_MANY_ATTEMPTS
TOO_MANY = _("Too many attempts.")


@dataclass(frozen=True, order=True)
class Limit:
    name: str
    attempts: int
    window: timedelta


def limit(name: str) -> Limit:
    attempts, window = settings.RATE_LIMITS[name]
    return Limit(name, attempts, window)


Check = tuple[Limit, str]


def address_key(ip_address: str | None) -> str | None:
    """``ip:<address>``; an IPv6 address counts for its /64, which one subscriber usually holds whole."""
    if not ip_address:
        return None
    address = ipaddress.ip_address(ip_address)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return f"ip:{address.ipv4_mapped}"
        return f"ip:{ipaddress.IPv6Network((address, 64), strict=False)}"
    return f"ip:{address}"


def target_key(kind: str, value: str) -> str:
    """An email, a phone or a SNILS as a key: a keyed hash, so the table holds no one's data."""
    digest = hmac.new(settings.SECRET_KEY.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{digest[:40]}"


def _wait(check: Check, now: datetime) -> int | None:
    """Seconds until ``check`` lets one more attempt in, or None when it does now."""
    rule, key = check
    newest = list(
        ThrottleHit.objects.filter(rule=rule.name, key=key, at__gt=now - rule.window)
        .order_by("-at")
        .values_list("at", flat=True)[: rule.attempts]
    )
    if len(newest) < rule.attempts:
        return None
    return max(1, math.ceil((newest[-1] + rule.window - now).total_seconds()))


def take(checks: Iterable[Check]) -> list[int]:
    """Count one attempt against every check, or none at all when any of them is full.

    Returns the ids of the hits recorded (``give_back`` takes them back); raises ``RateLimited``
    with the longest wait when a limit is reached. Refused attempts are not counted, so hammering
    a locked key does not prolong its lock.
    """
    ordered = sorted(set(checks))
    if not ordered:
        return []
    now = timezone.now()
    with transaction.atomic():
        lock(ordered, now=now)
        waits = [wait for wait in (_wait(check, now) for check in ordered) if wait is not None]
        if waits:
            raise RateLimited(TOO_MANY_ATTEMPTS, TOO_MANY, retry_after=max(waits))
        hits = ThrottleHit.objects.bulk_create([ThrottleHit(rule=rule.name, key=key, at=now) for rule, key in ordered])
    return [hit.pk for hit in hits]


def give_back(hit_ids: Sequence[int]) -> None:
    """An attempt that turned out fine (a right password) stops counting."""
    if hit_ids:
        ThrottleHit.objects.filter(pk__in=hit_ids).delete()


def lock(checks: Iterable[Check], *, now: datetime | None = None) -> None:
    """Hold the keys' rows until the caller's transaction ends (also for a limit counted elsewhere: codes).

    One key a statement, in sorted order, so that two attempts never each hold a key the other waits for.
    """
    now = now or timezone.now()
    for rule, key in sorted(set(checks)):
        ThrottleKey.objects.bulk_create(
            [ThrottleKey(rule=rule.name, key=key, touched_at=now)],
            update_conflicts=True,
            unique_fields=["rule", "key"],
            update_fields=["touched_at"],
        )


def attempt(
    request: HttpRequest | None, *, per_address: str, per_target: str | None = None, targets: Iterable[str] = ()
) -> list[int]:
    """Count a request's attempt per client address and per target (keys from ``target_key``)."""
    checks: list[Check] = []
    address = address_key(client_address(request))
    if address:
        checks.append((limit(per_address), address))
    if per_target:
        checks += [(limit(per_target), key) for key in targets]
    return take(checks)


# Sign-in


def account_keys(*, users: Iterable[User], canonical_login: str) -> list[str]:
    """An account is keyed by its id whichever login (email, SNILS, phone) was typed; a login that
    names no account by its normalised spelling, so unknown logins lock exactly like real ones."""
    keys = [f"user:{user.pk}" for user in users]
    return keys or [f"login:{canonical_login}"[:300]]


def reserve_sign_in(*, accounts: list[str], address: str | None) -> list[int] | None:
    """Count a sign-in as failed *before* its password is checked; None when a limit refuses it.

    Reserving first is what keeps parallel guesses within the limit: a guess whose check is still
    running already counts, so no more than the limit's passwords are ever checked in a window.
    """
    checks: list[Check] = [(limit(SIGNIN_ACCOUNT), key) for key in accounts]
    if address:
        checks.append((limit(SIGNIN_ADDRESS), address))
    try:
        return take(checks)
    except RateLimited:
        return None


def confirm_password(user: User, password: str) -> bool:
    """Whether ``password`` is the signed-in account's own (to change the password, to delete the account),
    counted like a sign-in against the account's limit: a session left open on somebody's phone must not be
    a way to guess the password without limit. Reserved before the check, as a sign-in is, and given back
    when it is right; ``RateLimited`` once the account's limit is reached."""
    hits = take([(limit(SIGNIN_ACCOUNT), f"user:{user.pk}")])
    if not user.check_password(password):
        return False
    give_back(hits)
    return True


def clear_account(user: User) -> None:
    """After a successful sign-in or a password reset the account's count starts afresh."""
    ThrottleHit.objects.filter(rule=SIGNIN_ACCOUNT, key=f"user:{user.pk}").delete()


def sweep(*, now: datetime | None = None) -> int:
    """Drop hits that no longer count towards their limit, and keys idle longer than any window."""
    now = now or timezone.now()
    rules = [limit(name) for name in settings.RATE_LIMITS]
    stale = ~Q(rule__in=[rule.name for rule in rules])
    for rule in rules:
        stale |= Q(rule=rule.name, at__lte=now - rule.window)
    removed, _by_model = ThrottleHit.objects.filter(stale).delete()
    longest = max((rule.window for rule in rules), default=timedelta(0))
    ThrottleKey.objects.filter(touched_at__lte=now - longest).delete()
    return removed
