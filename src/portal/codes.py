"""One-time codes: six digits, valid 10 minutes, 5 tries, resent at most once a minute and 5 times an hour."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError, RateLimited
from portal import throttle
from portal.errors import PortalCode
from portal.models import OneTimeCode, User

CODE_DIGITS = 6


def _hash(*, user_id: int, purpose: str, code: str) -> str:
    message = f"{user_id}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class IssuedCode:
    record: OneTimeCode
    code: str


def issue_code(*, user: User, purpose: str, channel: str, target: str) -> IssuedCode:
    """A new code for ``purpose``; earlier ones of the same purpose stop counting.

    Besides the account's own pauses, one email or phone gets at most ``code_target`` codes an hour
    whichever accounts ask, so registering many accounts with someone's number is no SMS pump.
    """
    with transaction.atomic():
        # The account's row is held so two parallel requests cannot both pass the hourly count.
        throttle.lock([(throttle.limit(throttle.CODE_TARGET), f"user:{user.pk}")])
        issued = _issue_code(user=user, purpose=purpose, channel=channel, target=target)
        try:
            throttle.take([(throttle.limit(throttle.CODE_TARGET), throttle.target_key(channel, target))])
        except RateLimited as error:
            raise RateLimited(
                PortalCode.CODE_TARGET_LIMIT,
                _("Too many codes were sent to this address in the last hour."),
                retry_after=error.retry_after,
            ) from None
    return issued


def _issue_code(*, user: User, purpose: str, channel: str, target: str) -> IssuedCode:
    now = timezone.now()
    recent = OneTimeCode.objects.filter(user=user, purpose=purpose, created_at__gt=now - timedelta(hours=1)).order_by(
        "-created_at"
    )
    # The one-minute pause is per address, so a new email need not wait for the old one's code.
    latest = recent.filter(target=target).first()
    if latest is not None:
        wait = latest.created_at + settings.CODE_RESEND_INTERVAL - now
        if wait.total_seconds() > 0:
            raise RateLimited(
                PortalCode.CODE_RESEND_TOO_SOON,
                _("A code was sent a moment ago. You can ask for a new one in a minute."),
                retry_after=int(wait.total_seconds()) + 1,
            )
    if recent.exists() and recent.count() >= settings.CODE_MAX_PER_HOUR:
        oldest_created_at = recent.values_list("created_at", flat=True).last() or now
        retry = oldest_created_at + timedelta(hours=1) - now
        raise RateLimited(
            PortalCode.CODE_HOURLY_LIMIT,
            _("Too many codes were sent in the last hour. Please try again later."),
            retry_after=int(retry.total_seconds()) + 1,
        )
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    record = OneTimeCode.objects.create(
        user=user,
        purpose=purpose,
        channel=channel,
        target=target,
        code_hash=_hash(user_id=user.pk, purpose=purpose, code=code),
        created_at=now,
        expires_at=now + settings.CODE_LIFETIME,
    )
    return IssuedCode(record=record, code=code)


_MESSAGES = {
    PortalCode.CODE_MISSING: _("No code is waiting for you. Ask for a new one."),
    PortalCode.CODE_EXPIRED: _("The code has expired. Ask for a new one."),
    PortalCode.CODE_ATTEMPTS_EXHAUSTED: _("The code was entered wrongly too many times. Ask for a new one."),
    PortalCode.CODE_WRONG: _("The code is wrong. Check it and try again."),
}


def code_error(problem: PortalCode, field: str = "code") -> DomainError:
    return DomainError(problem, _MESSAGES[problem], field=field)


def consume_code(*, user: User, purpose: str, code: str) -> OneTimeCode:
    """The newest code of ``purpose`` if ``code`` matches it; a wrong try is counted even so.

    Not atomic on purpose: the failed attempt must be stored although the caller's request fails.
    """
    record = OneTimeCode.objects.filter(user=user, purpose=purpose).order_by("-created_at").first()
    if record is None or record.used_at is not None:
        raise code_error(PortalCode.CODE_MISSING)
    if record.expires_at <= timezone.now():
        raise code_error(PortalCode.CODE_EXPIRED)
    if record.attempts >= settings.CODE_MAX_ATTEMPTS:
        raise code_error(PortalCode.CODE_ATTEMPTS_EXHAUSTED)
    expected = _hash(user_id=user.pk, purpose=purpose, code=code.strip())
    if not hmac.compare_digest(expected, record.code_hash):
        OneTimeCode.objects.filter(pk=record.pk).update(attempts=F("attempts") + 1)
        if record.attempts + 1 >= settings.CODE_MAX_ATTEMPTS:
            raise code_error(PortalCode.CODE_ATTEMPTS_EXHAUSTED)
        raise code_error(PortalCode.CODE_WRONG)
    with transaction.atomic():
        claimed = OneTimeCode.objects.filter(pk=record.pk, used_at__isnull=True).update(used_at=timezone.now())
    if not claimed:
        raise code_error(PortalCode.CODE_MISSING)
    record.refresh_from_db()
    return record
