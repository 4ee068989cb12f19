"""Portal accounts, their one-time codes and the counted attempts of rate-limited actions."""

from __future__ import annotations

import contextlib
import uuid
from datetime import date
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from portal.identity import age_on

ADULT_AGE = 18


class UserManager(BaseUserManager["User"]):
    """Used by ``createsuperuser`` and the admin; people register through ``services``."""

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        user = self.model(email=email.strip().lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True, email_confirmed_at=timezone.now())
        return self.create_user(email, password, **fields)


class SnilsSource(models.TextChoices):
    """Who vouched for the SNILS of an account (see ``portal.services.verify_snils``)."""

    REGISTRY = "registry", _("a school registry record with the same SNILS")
    REGISTRAR = "registrar", _("a school registrar, from a document")
    VERIFIER = "verifier", _("the external verification service")


class User(AbstractBaseUser, PermissionsMixin):
    """One person's portal account. A parent and a child each have their own.

    ``patronymic`` (отчество) may be empty. ``snils`` holds 11 digits without separators,
    ``phone`` a mobile number in E.164. Email, a *confirmed* phone and a *verified* SNILS identify
    one account. A SNILS the person typed is only a claim until a trusted source verifies it
    (``snils_verified_at``/``snils_verified_by``); several accounts may claim the same SNILS, and
    the one it is verified for keeps it.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    surname = models.CharField(_("surname"), max_length=100)
    given_name = models.CharField(_("given name"), max_length=100)
    patronymic = models.CharField(_("patronymic"), max_length=100, blank=True)
    email = models.EmailField(_("email"), unique=True)
    email_confirmed_at = models.DateTimeField(null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=16)
    phone_confirmed_at = models.DateTimeField(null=True, blank=True)
    # NULL rather than "" for "no SNILS", as when it was unique: the code and the constraints test for it.
    snils = models.CharField(_("SNILS"), max_length=11, null=True, blank=True, db_index=True)  # noqa: DJ001
    snils_verified_at = models.DateTimeField(_("SNILS verified at"), null=True, blank=True)
    snils_verified_by = models.CharField(_("SNILS verified by"), max_length=16, choices=SnilsSource.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)
    password_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["surname", "given_name", "phone"]

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")
        constraints = [
            models.UniqueConstraint(
                fields=["phone"],
                condition=Q(phone_confirmed_at__isnull=False),
                name="portal_user_confirmed_phone_unique",
            ),
            # An unverified SNILS blocks nobody: only a verified one is the account's alone.
            models.UniqueConstraint(
                fields=["snils"],
                condition=Q(snils_verified_at__isnull=False),
                name="portal_user_verified_snils_unique",
            ),
            models.CheckConstraint(
                condition=Q(snils_verified_at__isnull=True) | Q(snils__isnull=False),
                name="portal_user_verified_snils_given",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.surname, self.given_name, self.patronymic) if part)

    def set_password(self, raw_password: str | None) -> None:
        # Stamped here rather than in services so that a password set in the admin also ends
        # every access token issued before it (see portal.oidc.tokens_still_honoured).
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.given_name

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None

    @property
    def phone_confirmed(self) -> bool:
        return self.phone_confirmed_at is not None

    @property
    def snils_verified(self) -> bool:
        return bool(self.snils) and self.snils_verified_at is not None

    @property
    def verified_snils(self) -> str | None:
        """The SNILS if a trusted source verified it: the only one that signs in or matches an invitation."""
        return self.snils if self.snils_verified else None

    @property
    def contacts_confirmed(self) -> bool:
        return self.email_confirmed and self.phone_confirmed

    @property
    def is_minor(self) -> bool:
        """Under 18 by the birth date. For a pupil's own account the school registry's date counts, so
        editing the profile cannot make a pupil an adult; with no birth date anywhere, not known to be a minor."""
        birth_date = self.birth_date
        with contextlib.suppress(ObjectDoesNotExist):  # not a pupil's account
            birth_date = self.pupil_record.birth_date
        if birth_date is None:
            return False
        return age_on(birth_date, timezone.localdate()) < ADULT_AGE

    def age(self, on: date | None = None) -> int | None:
        if self.birth_date is None:
            return None
        return age_on(self.birth_date, on or timezone.localdate())


class OneTimeCode(models.Model):
    """One six-digit code sent to one address for one purpose.

    Only the newest code of a person and purpose counts. The code itself is not stored, only its
    keyed hash, so a database reader cannot confirm someone else's phone.
    """

    class Purpose(models.TextChoices):
        CONFIRM_EMAIL = "confirm_email", _("email confirmation")
        CONFIRM_PHONE = "confirm_phone", _("phone confirmation")
        RESET_PASSWORD = "reset_password", _("password reset")

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("SMS")

    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="one_time_codes")
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    target = models.CharField(_("sent to"), max_length=254, help_text=_("The email or phone the code was sent to."))
    code_hash = models.CharField(_("code hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [models.Index(fields=["user", "purpose", "-created_at"], name="portal_code_latest")]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} → {self.target}"


class ThrottleHit(models.Model):
    """One counted attempt of a limited action (a failed sign-in, a registration, a code sent…).

    Kept only while it counts towards its limit's window; the periodic sweep drops older ones.
    """

    rule = models.CharField(_("limit"), max_length=40, help_text=_("The name of the limit in settings.RATE_LIMITS."))
    key = models.CharField(
        _("key"), max_length=300, help_text=_("Whom it counts against: user:<id>, ip:<address or /64>, …")
    )
    at = models.DateTimeField(_("time"), default=timezone.now)

    class Meta:
        verbose_name = _("counted attempt")
        verbose_name_plural = _("counted attempts")
        indexes = [models.Index(fields=["rule", "key", "at"], name="portal_throttle_hit_key_at")]

    def __str__(self) -> str:
        return f"{self.rule} {self.key} at {self.at.isoformat()}"


class ThrottleKey(models.Model):
    """The row a limit's check-and-count locks, so parallel attempts on one key take turns.

    ``touched_at`` is the last attempt's time; the sweep removes keys idle longer than any window.
    """

    rule = models.CharField(_("limit"), max_length=40, help_text=_("The name of the limit in settings.RATE_LIMITS."))
    key = models.CharField(_("key"), max_length=300)
    touched_at = models.DateTimeField(_("last attempt"), default=timezone.now)

    class Meta:
        verbose_name = _("rate-limit key")
        verbose_name_plural = _("rate-limit keys")
        constraints = [models.UniqueConstraint(fields=["rule", "key"], name="portal_throttle_key_unique")]

    def __str__(self) -> str:
        return f"{self.rule} {self.key}"


class ClientConsentQuerySet(models.QuerySet["ClientConsent"]):
    def covers(self, *, user: Any, application: Any, scopes: set[str]) -> bool:
        consent = self.filter(user=user, application=application).first()
        return consent is not None and scopes <= set(consent.scopes.split())


class ClientConsent(models.Model):
    """A person's agreement that one client application (the mobile app) may see the listed scopes."""

    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="client_consents")
    application = models.ForeignKey(
        oauth2_settings.APPLICATION_MODEL, verbose_name=_("application"), on_delete=models.CASCADE
    )
    scopes = models.TextField(_("scopes"), help_text=_("Space-separated scopes the person agreed to."))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)

    objects = ClientConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent to an application")
        verbose_name_plural = _("consents to applications")
        constraints = [
            models.UniqueConstraint(fields=["user", "application"], name="portal_consent_one_per_client"),
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.application}: {self.scopes}"


class RedeemedCode(models.Model):
    """An authorization code already exchanged, kept for a day so that its reuse revokes what it issued."""

    code_checksum = models.CharField(_("code checksum"), max_length=64, unique=True)
    token_family = models.UUIDField(_("token family"), null=True, blank=True)
    access_token_id = models.BigIntegerField(_("access token id"), null=True, blank=True)
    redeemed_at = models.DateTimeField(_("redeemed at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("redeemed authorization code")
        verbose_name_plural = _("redeemed authorization codes")

    def __str__(self) -> str:
        return f"code redeemed at {self.redeemed_at.isoformat()}"


class TermsVersion(models.Model):
    """One published version of the personal-data processing terms; the newest published one is current.

    The operator adds versions in the admin site; a version is never edited once people have accepted it
    (a change is a new version, and everyone is asked again at their next sign-in).
    """

    version = models.CharField(_("version"), max_length=32, unique=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now, db_index=True)
    text = models.TextField(_("text"), blank=True)
    url = models.URLField(_("link to the text"), blank=True)

    class Meta:
        verbose_name = _("version of the processing terms")
        verbose_name_plural = _("versions of the processing terms")
        ordering = ["-published_at", "-pk"]

    def __str__(self) -> str:
        return self.version


class TermsAcceptance(models.Model):
    """A person accepted a version of the terms: for themself, or (a guardian) for a pupil's data.

    ``pupil`` and ``link_request`` point up to the registry by name only (no import): the portal records an
    acceptance at registration, the registry at a guardian's link request, both through
    ``portal.services.accept_terms``. A guardian's consent given with a request the registrar decides later
    has ``pupil`` filled in when the request links.
    """

    class Via(models.TextChoices):
        WEB = "web", _("website")
        API = "api", _("API")

    account = models.ForeignKey(User, verbose_name=_("who"), on_delete=models.CASCADE, related_name="terms_acceptances")
    version = models.ForeignKey(
        TermsVersion, verbose_name=_("version"), on_delete=models.PROTECT, related_name="acceptances"
    )
    pupil = models.ForeignKey(
        "registry.Pupil",
        verbose_name=_("for the pupil"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="guardian_consents",
    )
    link_request = models.ForeignKey(
        "registry.LinkRequest",
        verbose_name=_("with the link request"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="consents",
    )
    for_child = models.BooleanField(_("for a child's data"), default=False)
    at = models.DateTimeField(_("when"), default=timezone.now)
    via = models.CharField(_("how"), max_length=8, choices=Via.choices)

    class Meta:
        verbose_name = _("acceptance of the processing terms")
        verbose_name_plural = _("acceptances of the processing terms")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["account", "version"], name="portal_terms_account_version")]

    def __str__(self) -> str:
        return f"{self.account_id} {self.version_id} {self.at:%Y-%m-%d}"
