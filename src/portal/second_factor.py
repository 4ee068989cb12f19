"""The second factor after the password: a TOTP app, single-use recovery codes, passkeys (django-otp).

Who must pass one: the roles in ``settings.SECOND_FACTOR_REQUIRED_FOR`` (``portal.selectors.account_roles``,
the registry's answer to ``account_roles_asked`` plus ``operator``); anyone else may turn it on in the cabinet.

The sign-in in two steps. A right password of an account that has a second factor does **not** sign in: it
leaves a *pending* sign-in in the (still anonymous) session for ``SECOND_FACTOR_PENDING_SECONDS``, and only a
right code or passkey starts the session (``finish``), marked verified for django-otp's ``OTPMiddleware``
(``request.user.is_verified()``). Nothing between the two steps sees a signed-in person, so no page can forget
to check. A person who must have a second factor and has none yet is signed in unverified and sent to enrol;
the pages of staff (the teacher's, the back office, the admin site), the OIDC authorize page and the API's
session writes refuse such a session until it is verified (``needs_step``).

A wrong code counts as a failed sign-in of the account and of the address (``RATE_LIMITS["signin_account"]``,
``["signin_address"]``), reserved before the code is checked like a password, so the password step and the
code step share one limit; the account's count is cleared only when the whole sign-in succeeds.
"""

from __future__ import annotations

import re
import secrets
from base64 import b32encode
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp import login as otp_login
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from audit.services import record_event
from core.errors import DomainError
from core.web import client_address
from portal import selectors, services, throttle
from portal.errors import PortalCode
from portal.models import User

PENDING = "portal_second_factor_pending"  # {"user": pk, "at": timestamp, "next": url} between the two steps
SHOWN_CODES = "portal_recovery_codes_to_show"  # recovery codes waiting to be shown, once
ENROLLING = "portal_totp_enrolling"  # the pk of the unconfirmed TOTP device being set up
ENROL_NEXT = "portal_second_factor_next"  # where a person sent to enrol (or to the step) goes afterwards

_SEPARATORS = re.compile(r"[\s\-]")


def required_for(user: User) -> bool:
    """True when the account's roles oblige it to pass a second factor (``SECOND_FACTOR_REQUIRED_FOR``)."""
    wanted = set(settings.SECOND_FACTOR_REQUIRED_FOR)
    return bool(wanted) and bool(wanted & set(selectors.account_roles(user)))


def totp_device(user: User) -> TOTPDevice | None:
    found: TOTPDevice | None = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return found


def passkeys(user: User) -> list[WebAuthnCredential]:
    return list(WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("created_at", "pk"))


def recovery_device(user: User) -> StaticDevice | None:
    found: StaticDevice | None = StaticDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    return found


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def has_second_factor(user: User) -> bool:
    """A TOTP app or a passkey (recovery codes alone are a way back, not a factor)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def is_verified(request: HttpRequest) -> bool:
    check = getattr(request.user, "is_verified", None)
    return bool(check and check())


def needs_step(request: HttpRequest) -> bool:
    """A signed-in session that must pass the second factor and has not (yet): staff pages refuse it."""
    if not request.user.is_authenticated or not settings.SECOND_FACTOR_REQUIRED_FOR or is_verified(request):
        return False
    cached: bool | None = getattr(request, "_second_factor_required", None)
    if cached is None:
        cached = required_for(request.user)
        request._second_factor_required = cached  # type: ignore[attr-defined]
    return cached


# The two steps of a sign-in


@dataclass(frozen=True)
class PasswordStep:
    """What the sign-in page does after a right password: ``"done"``, ``"second_factor"`` or ``"enrol"``."""

    outcome: str


def after_password(*, request: HttpRequest, user: User, next_url: str) -> PasswordStep:
    """The password was right: sign in, or wait for the second factor, or sign in and lead to enrolment."""
    if has_second_factor(user):
        request.session.cycle_key()  # the pending state lives under a new key, like a session would
        request.session[PENDING] = {"user": user.pk, "at": timezone.now().timestamp(), "next": next_url}
        return PasswordStep("second_factor")
    services.start_session(request=request, user=user)
    throttle.clear_account(user)
    return PasswordStep("enrol" if required_for(user) else "done")


def pending_user(request: HttpRequest) -> User | None:
    """The account whose password was right a moment ago and whose second step is awaited, if any."""
    pending = request.session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if pending.get("at", 0) < timezone.now().timestamp() - settings.SECOND_FACTOR_PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return None
    user: User | None = User.objects.filter(pk=int(pending.get("user") or 0), is_active=True).first()
    return user


def pending_next(request: HttpRequest) -> str:
    pending = request.session.get(PENDING) or {}
    return str(pending.get("next") or "")


def cancel_pending(request: HttpRequest) -> None:
    request.session.pop(PENDING, None)


def _checks(request: HttpRequest, user: User) -> list[throttle.Check]:
    checks: list[throttle.Check] = [(throttle.limit(throttle.SIGNIN_ACCOUNT), f"user:{user.pk}")]
    address = throttle.address_key(client_address(request))
    if address:
        checks.append((throttle.limit(throttle.SIGNIN_ADDRESS), address))
    return checks


WRONG_CODE = _("Wrong code. After 5 failed attempts sign-in to the account pauses for 15 minutes.")


@dataclass(frozen=True)
class Verified:
    device: Device
    recovery_codes_left: int | None  # after a recovery code: how many remain; None after a TOTP code


def verify_code(*, request: HttpRequest, user: User, code: str) -> Verified:
    """Check a TOTP code (6 digits) or a recovery code; a wrong one is a failed sign-in (``RateLimited`` when
    the limit is reached, even for a right code: the limit is checked before the code)."""
    reserved = throttle.take(_checks(request, user))
    token = _SEPARATORS.sub("", code).lower()
    device: Device | None = None
    with transaction.atomic():
        if token.isdigit() and len(token) == 6:
            totp = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).order_by("pk").first()
            device = totp if totp is not None and totp.verify_token(token) else None
        elif token:
            static = StaticDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
            device = static if static is not None and static.verify_token(token) else None  # deletes the code
    if device is None:
        record_event(actor=user, action="portal.second_factor_failed", target=user)
        raise DomainError(PortalCode.SECOND_FACTOR_WRONG, WRONG_CODE, field="code")
    throttle.give_back(reserved)
    left = recovery_codes_left(user) if isinstance(device, StaticDevice) else None
    return Verified(device=device, recovery_codes_left=left)


def finish(*, request: HttpRequest, user: User, device: Device) -> None:
    """The second step passed: the session starts (or goes on) verified by ``device``."""
    if not request.user.is_authenticated or request.user.pk != user.pk:
        services.start_session(request=request, user=user)
    request.session.pop(PENDING, None)
    otp_login(request, device)
    throttle.clear_account(user)
    record_event(actor=user, action="portal.second_factor_passed", target=user, device=device.persistent_id)


def reserve_attempt(request: HttpRequest, user: User | None) -> list[int]:
    """Count a passkey ceremony as failed before it is checked, like a code (``RateLimited`` when full): against
    the account when it is known (the second step), else against the address (a passkey sign-in)."""
    if user is not None:
        return throttle.take(_checks(request, user))
    address = throttle.address_key(client_address(request))
    return throttle.take([(throttle.limit(throttle.SIGNIN_ADDRESS), address)] if address else [])


# Enrolment and the cabinet


def start_totp(*, request: HttpRequest, user: User) -> TOTPDevice:
    """A new, unconfirmed TOTP secret for the enrolment page (the same one on a reload)."""
    enrolling = TOTPDevice.objects.filter(
        user=user, confirmed=False, pk=int(request.session.get(ENROLLING) or 0)
    ).first()
    if enrolling is None:
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        enrolling = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)
        request.session[ENROLLING] = enrolling.pk
    return enrolling


def secret_groups(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def confirm_totp(*, request: HttpRequest, user: User, code: str) -> TOTPDevice:
    """The first code from the app proves it holds the secret: the device replaces any earlier one."""
    enrolling = TOTPDevice.objects.filter(
        user=user, confirmed=False, pk=int(request.session.get(ENROLLING) or 0)
    ).first()
    if enrolling is None:
        raise DomainError(PortalCode.SECOND_FACTOR_EXPIRED, _("Start the setup again."), field="code")
    # Not a sign-in attempt: the person holds the secret on this very page, so a mistyped code locks nothing.
    if not enrolling.verify_token(_SEPARATORS.sub("", code)):
        raise DomainError(PortalCode.SECOND_FACTOR_WRONG, _("Wrong code: check the time on the phone."), field="code")
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        enrolling.confirmed = True
        enrolling.save(update_fields=["confirmed"])
        record_event(actor=user, action="portal.totp_enrolled", target=user)
        added_first_factor(request=request, user=user, device=enrolling)
    request.session.pop(ENROLLING, None)
    return enrolling


def added_first_factor(*, request: HttpRequest, user: User, device: Device) -> None:
    """After a TOTP app or a passkey is added: recovery codes when there are none, and a verified session."""
    if recovery_device(user) is None:
        regenerate_recovery_codes(request=request, user=user)
    if not is_verified(request):
        otp_login(request, device)


@transaction.atomic
def regenerate_recovery_codes(*, request: HttpRequest, user: User) -> list[str]:
    """Ten new single-use codes; the old ones stop working. They are shown once (``take_codes_to_show``)."""
    device, _created = StaticDevice.objects.get_or_create(user=user, defaults={"name": "recovery", "confirmed": True})
    device.token_set.all().delete()
    codes = [_recovery_code() for _ in range(settings.SECOND_FACTOR_RECOVERY_CODES)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    record_event(actor=user, action="portal.recovery_codes_generated", target=user)
    request.session[SHOWN_CODES] = codes
    return codes


def _recovery_code() -> str:
    """Ten characters of an alphabet without look-alikes, shown as «xxxxx-xxxxx»."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "".join(secrets.choice(alphabet) for _ in range(10))


def show_code(code: str) -> str:
    return f"{code[:5]}-{code[5:]}"


def take_codes_to_show(request: HttpRequest) -> list[str]:
    """The codes just made, once: a reload shows them no more."""
    codes: Any = request.session.pop(SHOWN_CODES, None) or []
    return [show_code(code) for code in codes]


def remove_device(*, request: HttpRequest, user: User, device: Device) -> None:
    """Turn a TOTP app or a passkey off; the last one of a person who must have a factor stays."""
    others = [
        d for d in [totp_device(user), *passkeys(user)] if d is not None and d.persistent_id != device.persistent_id
    ]
    if not others and required_for(user):
        raise DomainError(
            PortalCode.SECOND_FACTOR_REQUIRED,
            _("Your role requires a second factor: add another one before removing this one."),
        )
    removed = device.persistent_id
    with transaction.atomic():
        device.delete()
        if not others:
            StaticDevice.objects.filter(user=user).delete()  # no factor left: the way back has nothing to lead to
        record_event(actor=user, action="portal.second_factor_removed", target=user, device=removed)
    if not others:
        request.session.pop(DEVICE_ID_SESSION_KEY, None)
    elif request.session.get(DEVICE_ID_SESSION_KEY) == removed:
        # The session was verified with the device just removed, and stays verified: it passed the step.
        otp_login(request, others[0])


@transaction.atomic
def reset_factors(*, actor: Any, user: User) -> None:
    """An operator's reset for a person who lost every factor: all of them go (their sessions stay unverified)."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    record_event(actor=actor, action="portal.second_factor_reset", target=user)
