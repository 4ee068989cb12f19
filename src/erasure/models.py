"""How long a school keeps each kind of personal data, what was destroyed, and the accounts asked to be deleted.

The defaults come from settings (``RETENTION_DEFAULTS``, see ``dnevnik/settings.py`` for the basis of each
number); a school's registrar or an operator changes them per school.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import School


def _default(name: str) -> int:
    return int(settings.RETENTION_DEFAULTS[name])


def default_passes_months() -> int:
    return _default("passes_months")


def default_meals_months() -> int:
    return _default("meals_months")


def default_notifications_months() -> int:
    return _default("notifications_months")


def default_views_months() -> int:
    return _default("views_months")


def default_pupil_years() -> int:
    return _default("pupil_years_after_leaving")


class RetentionPolicy(models.Model):
    """The retention periods of one school (a school without a row keeps the defaults)."""

    school = models.OneToOneField(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="retention_policy"
    )
    passes_months = models.PositiveSmallIntegerField(_("turnstile passes, months"), default=default_passes_months)
    meals_months = models.PositiveSmallIntegerField(_("meals, months"), default=default_meals_months)
    notifications_months = models.PositiveSmallIntegerField(
        _("notifications, months"), default=default_notifications_months
    )
    views_months = models.PositiveSmallIntegerField(
        _("trusted persons' view log, months"), default=default_views_months
    )
    pupil_years_after_leaving = models.PositiveSmallIntegerField(
        _("registry record, marks and attendance, years after leaving"), default=default_pupil_years
    )
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("retention periods")
        verbose_name_plural = _("retention periods")

    def __str__(self) -> str:
        return str(self.school)


class DestructionRecord(models.Model):
    """One destruction of personal data: what, how many records, of which period, when and by which rule."""

    class Category(models.TextChoices):
        PASSES = "passes", _("turnstile passes")
        MEALS = "meals", _("meals")
        NOTIFICATIONS = "notifications", _("notifications")
        VIEWS = "views", _("trusted persons' view log")
        PUPIL = "pupil", _("registry record with marks and attendance")
        ACCOUNT = "account", _("portal account")

    class Rule(models.TextChoices):
        RETENTION = "retention", _("retention period expired")
        ACCOUNT_DELETION = "account_deletion", _("the person deleted their account")
        REGISTRAR = "registrar", _("the registrar's erasure")

    school = models.ForeignKey(
        School, verbose_name=_("school"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    rule = models.CharField(_("rule"), max_length=20, choices=Rule.choices)
    count = models.PositiveIntegerField(_("records"))
    period_from = models.DateTimeField(_("data from"), null=True, blank=True)
    period_to = models.DateTimeField(_("data up to"))
    destroyed_at = models.DateTimeField(_("destroyed at"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("destruction record")
        verbose_name_plural = _("destruction records")
        ordering = ["-destroyed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.count}"


class AccountDeletion(models.Model):
    """A person closed their account; its personal data are anonymised once ``anonymise_after`` passes."""

    account = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="deletion"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    anonymise_after = models.DateTimeField(_("anonymise after"), db_index=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("account deletion")
        verbose_name_plural = _("account deletions")

    def __str__(self) -> str:
        return str(self.account_id)
