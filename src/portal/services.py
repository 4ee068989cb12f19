"""Writes of the portal: registration, confirmation of contacts, sign-in, passwords, profile.

Arguments arrive already parsed (``portal.identity``); the rules that need the database, such as
uniqueness, live here. Codes are delivered by a task after the transaction commits.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from django.contrib import auth
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from oauth2_provider.models import AccessToken, Application, Grant, RefreshToken

import access
from audit.services import record_event
from core.errors import DomainError, RateLimited
from core.sealed import seal
from portal import signals, throttle
from portal.backends import accounts_for_login
from portal.codes import code_error, consume_code, issue_code
from portal.errors import PortalCode
from portal.login import resolve_login
from portal.models import ClientConsent, OneTimeCode, SnilsSource, TermsAcceptance, TermsVersion, User
from portal.snils import SnilsClaim, get_verifier
from portal.tasks import deliver_code, verify_snils_claim

SIGNED_IN_AT = "portal_signed_in_at"
# Set at sign-in when the account has not accepted the current terms: the next page is the terms' interstitial.
TERMS_PENDING = "portal_terms_pending"

_TAKEN_HINT = _("If this is your account, sign in or reset the password.")


def _taken(code: PortalCode, what: StrOrPromise, field: str) -> DomainError:
    # The message never says whose account it is, only what the person can do.
    return DomainError(code, f"{what} {_TAKEN_HINT}", field=field)


def _check_unique(
    *, email: str | None = None, phone: str | None = None, snils: str | None = None, exclude: User | None = None
) -> None:
    others = User.objects.exclude(pk=exclude.pk) if exclude else User.objects.all()
    if email and others.filter(email=email).exists():
        raise _taken(PortalCode.EMAIL_TAKEN, _("This email is already used by another account."), "email")
    if phone and others.filter(phone=phone, phone_confirmed_at__isnull=False).exists():
        raise _taken(PortalCode.PHONE_TAKEN, _("This phone number is already confirmed in another account."), "phone")
    # Only a verified SNILS is taken: a typed one proves nothing, so it must not lock the real owner out.
    if snils and others.filter(snils=snils, snils_verified_at__isnull=False).exists():
        raise _taken(PortalCode.SNILS_TAKEN, _("This SNILS is already verified in another account."), "snils")


def _password_errors(password: str, user: User, field: str = "password") -> None:
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise DomainError(PortalCode.PASSWORD_WEAK, " ".join(error.messages), field=field) from None


def send_code(*, user: User, purpose: str, channel: str, target: str) -> OneTimeCode:
    """Issue a code and have the worker deliver it once this transaction commits."""
    issued = issue_code(user=user, purpose=purpose, channel=channel, target=target)
    language = translation.get_language() or "ru"
    transaction.on_commit(
        lambda: deliver_code.enqueue(
            channel=channel, target=target, purpose=purpose, sealed_code=seal(issued.code), language=language
        )
    )
    return issued.record


@transaction.atomic
def register_account(
    *,
    surname: str,
    given_name: str,
    patronymic: str,
    email: str,
    phone: str,
    password: str,
    snils: str | None = None,
    birth_date: date | None = None,
    accepted_terms_via: str | None = None,
) -> User:
    """A new account with unconfirmed contacts; codes go to the email and the phone.

    ``accepted_terms_via`` (``web`` / ``api``): the person ticked the current processing terms, recorded with
    the account in the same transaction.
    """
    _check_unique(email=email, phone=phone, snils=snils)
    user = User(
        surname=surname,
        given_name=given_name,
        patronymic=patronymic,
        email=email,
        phone=phone,
        snils=snils or None,
        birth_date=birth_date,
    )
    _password_errors(password, user)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
            if accepted_terms_via:
                accept_terms(account=user, via=accepted_terms_via)
    except IntegrityError:
        # Someone took the same email between the check and the insert.
        _check_unique(email=email, phone=phone, snils=snils)
        raise
    send_code(user=user, purpose=OneTimeCode.Purpose.CONFIRM_EMAIL, channel=OneTimeCode.Channel.EMAIL, target=email)
    send_code(user=user, purpose=OneTimeCode.Purpose.CONFIRM_PHONE, channel=OneTimeCode.Channel.SMS, target=phone)
    if user.snils:
        _ask_snils_verifier(user)
    _identity_changed(user)
    return user


def _ask_snils_verifier(user: User) -> None:
    """The outside check may be slow: the worker asks it after the commit."""
    transaction.on_commit(lambda: verify_snils_claim.enqueue(account_id=user.pk))


def _identity_changed(user: User) -> None:
    """Invitations to become a trusted person may already wait for this surname and SNILS or phone."""
    signals.identity_changed.send(sender=User, account=user)


def _waiting_code(user: User, purpose: str) -> OneTimeCode | None:
    return (
        OneTimeCode.objects.filter(user=user, purpose=purpose, used_at__isnull=True, expires_at__gt=timezone.now())
        .order_by("-created_at")
        .first()
    )


def _current_contact(user: User, purpose: str) -> str:
    return user.email if purpose == OneTimeCode.Purpose.CONFIRM_EMAIL else user.phone


def pending_contact(user: User, purpose: str) -> str:
    """The address a confirmation code for ``purpose`` would go to now."""
    record = _waiting_code(user, purpose)
    return record.target if record is not None else _current_contact(user, purpose)


def confirmation_waiting(user: User, purpose: str) -> bool:
    """True while the contact is unconfirmed, or a code for a new email or phone waits to be entered."""
    confirmed = user.email_confirmed if purpose == OneTimeCode.Purpose.CONFIRM_EMAIL else user.phone_confirmed
    return not confirmed or pending_contact(user, purpose) != _current_contact(user, purpose)


def _channel(purpose: str) -> str:
    return OneTimeCode.Channel.EMAIL if purpose == OneTimeCode.Purpose.CONFIRM_EMAIL else OneTimeCode.Channel.SMS


def resend_confirmation(*, user: User, purpose: str) -> OneTimeCode:
    with transaction.atomic():
        return send_code(user=user, purpose=purpose, channel=_channel(purpose), target=pending_contact(user, purpose))


def confirm_contact(*, user: User, purpose: str, code: str) -> User:
    """Check the code; the address it was sent to becomes the account's confirmed email or phone."""
    record = consume_code(user=user, purpose=purpose, code=code)
    now = timezone.now()
    with transaction.atomic():
        if purpose == OneTimeCode.Purpose.CONFIRM_EMAIL:
            _check_unique(email=record.target, exclude=user)
            user.email, user.email_confirmed_at = record.target, now
        else:
            _check_unique(phone=record.target, exclude=user)
            user.phone, user.phone_confirmed_at = record.target, now
        user.save(update_fields=["email", "email_confirmed_at", "phone", "phone_confirmed_at"])
        signals.contact_confirmed.send(sender=User, account=user, purpose=purpose)
        if purpose != OneTimeCode.Purpose.CONFIRM_EMAIL:
            _identity_changed(user)
    return user


def request_contact_change(*, user: User, purpose: str, target: str) -> OneTimeCode:
    """A new email or phone replaces the old one only once the code sent to it is confirmed."""
    is_email = purpose == OneTimeCode.Purpose.CONFIRM_EMAIL
    if target == _current_contact(user, purpose) and not confirmation_waiting(user, purpose):
        message = (
            _("This is already your confirmed email.")
            if is_email
            else _("This is already your confirmed phone number.")
        )
        raise DomainError(PortalCode.CONTACT_UNCHANGED, message, field="email" if is_email else "phone")
    _check_unique(**{"email" if is_email else "phone": target}, exclude=user)
    with transaction.atomic():
        return send_code(user=user, purpose=purpose, channel=_channel(purpose), target=target)


@transaction.atomic
def update_profile(
    *, user: User, surname: str, given_name: str, patronymic: str, birth_date: date | None, snils: str | None
) -> User:
    _check_unique(snils=snils, exclude=user)
    matched_by = (user.surname, user.snils)
    snils_changed = (snils or None) != user.snils
    user.surname, user.given_name, user.patronymic = surname, given_name, patronymic
    user.birth_date, user.snils = birth_date, snils or None
    if snils_changed:
        # A new number is a new claim: whatever vouched for the old one says nothing about it.
        user.snils_verified_at, user.snils_verified_by = None, ""
    user.save(
        update_fields=[
            "surname",
            "given_name",
            "patronymic",
            "birth_date",
            "snils",
            "snils_verified_at",
            "snils_verified_by",
        ]
    )
    if snils_changed and user.snils:
        _ask_snils_verifier(user)
    if (user.surname, user.snils) != matched_by:
        _identity_changed(user)
    return user


@transaction.atomic
def verify_snils(*, account: User, snils: str, source: SnilsSource, actor: User | None = None) -> bool:
    """A trusted source vouches that ``snils`` is ``account``'s: it becomes verified; True if it now is.

    The callers are the trusted sources and nobody else: a link to a registry record with the same SNILS
    (``registry.linking``), a registrar who saw the document (``registry.backoffice``, scoped by
    ``access``), the configured verifier (``verify_snils_claim``). Nothing happens when the account no
    longer claims this number (it changed while the verifier was asked) or another account holds it
    verified already. Other accounts that claimed the same number lose the claim and are told so,
    without a word about whose it is.
    """
    locked = User.objects.select_for_update().filter(pk=account.pk).first()
    if locked is None or locked.snils != snils:
        return False
    if locked.snils_verified:
        return True
    if User.objects.filter(snils=snils, snils_verified_at__isnull=False).exclude(pk=locked.pk).exists():
        return False
    locked.snils_verified_at, locked.snils_verified_by = timezone.now(), source
    try:
        with transaction.atomic():
            locked.save(update_fields=["snils_verified_at", "snils_verified_by"])
    except IntegrityError:  # verified for someone else a moment ago
        return False
    account.snils_verified_at, account.snils_verified_by = locked.snils_verified_at, locked.snils_verified_by
    record_event(actor=actor, action="portal.snils_verified", target=locked, source=str(source))
    rivals = list(User.objects.select_for_update().filter(snils=snils).exclude(pk=locked.pk).order_by("pk"))
    for rival in rivals:
        rival.snils = None
        rival.save(update_fields=["snils"])
        record_event(actor=actor, action="portal.snils_claim_dropped", target=rival, source=str(source))
    signals.snils_verified.send(sender=User, account=locked, rivals=rivals)
    _identity_changed(locked)
    return True


def check_snils_with_verifier(*, account_id: int) -> bool:
    """Ask the configured verifier (``settings.SNILS_VERIFIER``) about the account's unverified SNILS."""
    user = User.objects.filter(pk=account_id, is_active=True).first()
    if user is None or not user.snils or user.snils_verified:
        return False
    claim = SnilsClaim(
        snils=user.snils,
        surname=user.surname,
        given_name=user.given_name,
        patronymic=user.patronymic,
        birth_date=user.birth_date,
    )
    if not get_verifier().verify(claim):
        return False
    return verify_snils(account=user, snils=claim.snils, source=SnilsSource.VERIFIER)


INVALID_CREDENTIALS = _(
    "Wrong login or password. After 5 failed attempts sign-in to the account pauses for 15 minutes."
)


def check_password(*, request: HttpRequest, login: str, password: str) -> User:
    """The account the credentials name, within the sign-in limits; the session is started by the caller
    (``portal.second_factor.after_password``), which knows whether a second step comes first."""
    user = auth.authenticate(request, login=login, password=password)
    if not isinstance(user, User):
        raise DomainError(PortalCode.INVALID_CREDENTIALS, INVALID_CREDENTIALS, field="login")
    return user


def start_session(*, request: HttpRequest, user: User) -> None:
    """Sign ``user`` in on this request: a new session key, and the clock of its 12 hours."""
    auth.login(request, user, backend="portal.backends.PortalLoginBackend")
    request.session[SIGNED_IN_AT] = timezone.now().timestamp()
    if terms_outdated(user):
        request.session[TERMS_PENDING] = True


# --- The processing terms ----------------------------------------------------------------------------------


def current_terms() -> TermsVersion | None:
    """The newest published version of the processing terms (None only before the seed migration)."""
    return TermsVersion.objects.filter(published_at__lte=timezone.now()).order_by("-published_at", "-pk").first()


def terms_outdated(user: User) -> bool:
    """The account accepted an earlier version of the terms for itself, and not the current one.

    Accounts with no acceptance at all (made before acceptances were recorded, by an import or in the admin
    site) are not stopped at sign-in; «Мои данные» shows them that no acceptance is on record.
    """
    current = current_terms()
    own = TermsAcceptance.objects.filter(account=user, for_child=False)
    return current is not None and own.exists() and not own.filter(version=current).exists()


@transaction.atomic
def accept_terms(
    *,
    account: User,
    via: str,
    version: TermsVersion | None = None,
    for_child: bool = False,
    pupil_id: int | None = None,
    link_request_id: int | None = None,
) -> TermsAcceptance:
    """Record that ``account`` accepted ``version`` (the current one by default): for itself, or as a
    guardian for a child's data (``for_child``; the pupil when known, else the link request that names it)."""
    version = version or current_terms()
    if version is None:
        raise DomainError(PortalCode.TERMS_NOT_ACCEPTED, _("No processing terms are published yet."), field="consent")
    acceptance = TermsAcceptance.objects.create(
        account=account,
        version=version,
        for_child=for_child,
        pupil_id=pupil_id,
        link_request_id=link_request_id,
        via=TermsAcceptance.Via(via),
    )
    record_event(
        actor=account,
        action="portal.terms_accepted",
        target=acceptance,
        version=version.version,
        for_child=for_child,
        pupil=pupil_id,
        via=via,
    )
    return acceptance


def sign_out(*, request: HttpRequest) -> None:
    auth.logout(request)


def change_password(*, request: HttpRequest, user: User, old_password: str, new_password: str) -> User:
    """A new password; this session stays, every other session of the account ends."""
    if not throttle.confirm_password(user, old_password):
        raise DomainError(PortalCode.PASSWORD_WRONG, _("The current password is wrong."), field="old_password")
    _password_errors(new_password, user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password", "password_changed_at"])
    auth.update_session_auth_hash(request, user)
    return user


def _reset_account(login: str) -> User | None:
    keys = resolve_login(login)
    users = accounts_for_login(keys) if keys else []
    return users[0] if len(users) == 1 else None


def request_password_reset(*, login: str) -> None:
    """Send a reset code if the login names an account; the answer is the same either way.

    A phone login gets the code by SMS; an email or a SNILS gets it by email. The email need not
    be confirmed yet: reading the code proves the mailbox is the person's.
    """
    user = _reset_account(login)
    if user is None or not user.is_active:
        return
    keys = resolve_login(login)
    if keys.phone and user.phone == keys.phone and user.phone_confirmed:
        channel, target = OneTimeCode.Channel.SMS, user.phone
    else:
        channel, target = OneTimeCode.Channel.EMAIL, user.email
    try:
        with transaction.atomic():
            send_code(user=user, purpose=OneTimeCode.Purpose.RESET_PASSWORD, channel=channel, target=target)
    except RateLimited:
        # Saying "too soon" would tell a stranger the account exists.
        return


def reset_password(*, login: str, code: str, new_password: str) -> User:
    user = _reset_account(login)
    _password_errors(new_password, user or User(), field="new_password")
    if user is None or not user.is_active:
        raise code_error(PortalCode.CODE_WRONG)
    record = consume_code(user=user, purpose=OneTimeCode.Purpose.RESET_PASSWORD, code=code)
    with transaction.atomic():
        user.set_password(new_password)
        if record.channel == OneTimeCode.Channel.EMAIL and record.target == user.email and not user.email_confirmed:
            user.email_confirmed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at", "email_confirmed_at"])
        throttle.clear_account(user)
    return user


@transaction.atomic
def record_client_consent(*, user: User, application: Application, scopes: list[str]) -> ClientConsent:
    """Remember that the person let this client see these scopes (added to what they allowed before)."""
    consent, created = ClientConsent.objects.select_for_update().get_or_create(
        user=user, application=application, defaults={"scopes": " ".join(sorted(set(scopes)))}
    )
    if not created:
        consent.scopes = " ".join(sorted(set(consent.scopes.split()) | set(scopes)))
        consent.granted_at = timezone.now()
        consent.save(update_fields=["scopes", "granted_at"])
    return consent


@transaction.atomic
def revoke_client_access(*, user: User, consent_id: int) -> None:
    """Forget the consent and end every token and pending code the client holds for this person."""
    consent = access.require(
        user, "client_consent.revoke", ClientConsent.objects.select_related("application").filter(pk=consent_id).first()
    )
    application = consent.application
    families = RefreshToken.objects.filter(user=user, application=application, revoked__isnull=True)
    for family in families.values_list("token_family", flat=True).distinct():
        RefreshToken.revoke_family(family)
    AccessToken.objects.filter(user=user, application=application).delete()
    Grant.objects.filter(user=user, application=application).delete()
    consent.delete()


@dataclass(frozen=True)
class RegisteredClient:
    application: Application
    client_secret: str | None  # shown once, for confidential clients only


@transaction.atomic
def register_oidc_client(
    *, name: str, client_id: str, redirect_uris: list[str], public: bool = True
) -> RegisteredClient:
    """Create or update a client of "Sign in via the portal" (idempotent by ``client_id``).

    A confidential client gets a new secret each time this runs; the secret is stored hashed.
    """
    secret = None if public else secrets.token_urlsafe(32)
    application = Application.objects.filter(client_id=client_id).first() or Application(client_id=client_id)
    application.name = name
    application.redirect_uris = " ".join(redirect_uris)
    application.post_logout_redirect_uris = " ".join(redirect_uris)
    application.client_type = Application.CLIENT_PUBLIC if public else Application.CLIENT_CONFIDENTIAL
    application.authorization_grant_type = Application.GRANT_AUTHORIZATION_CODE
    application.algorithm = Application.RS256_ALGORITHM
    application.skip_authorization = False
    if secret is not None:
        application.client_secret = secret
    application.full_clean(exclude=["client_secret", "user"])
    application.save()
    return RegisteredClient(application=application, client_secret=secret)
