"""Turnstile passes and school meals, as the school's own systems report them through the ingest API.

Every event keeps the reporting system's id (``event_id``): one school never stores the same
event twice, so re-sending a batch changes nothing. Money is kept in kopecks (integers).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import Pupil, School


class IngestClient(models.Model):
    """An OAuth2 client-credentials application of one school's turnstile or canteen system."""

    application = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        verbose_name=_("application"),
        on_delete=models.CASCADE,
        related_name="ingest_client",
    )
    school = models.ForeignKey(
        School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="ingest_clients"
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("school system")
        verbose_name_plural = _("school systems")

    def __str__(self) -> str:
        return f"{self.application} → {self.school}"


class Card(models.Model):
    """A pass/canteen card number a school maps to one of its pupils."""

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="cards")
    number = models.CharField(_("card number"), max_length=32)
    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="cards")

    class Meta:
        verbose_name = _("card")
        verbose_name_plural = _("cards")
        constraints = [models.UniqueConstraint(fields=["school", "number"], name="visits_card_unique")]

    def __str__(self) -> str:
        return self.number

    def clean(self) -> None:
        # A card is the school's: it may name only that school's pupil (the back office, the admin and
        # ``ingest.save_card`` all validate through here).
        if self.school_id is not None and self.pupil_id is not None and self.pupil.school_id != self.school_id:
            raise ValidationError(
                {"pupil": ValidationError(_("The pupil does not study at this school."), code="card_pupil_school")}
            )


class Pass(models.Model):
    """One turnstile pass: in or out, when, through which entrance."""

    class Direction(models.TextChoices):
        IN = "in", _("in")
        OUT = "out", _("out")

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(_("event id"), max_length=64)
    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="passes")
    occurred_at = models.DateTimeField(_("occurred at"))
    direction = models.CharField(_("direction"), max_length=3, choices=Direction.choices)
    entrance = models.CharField(_("entrance"), max_length=255, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("pass")
        verbose_name_plural = _("passes")
        constraints = [models.UniqueConstraint(fields=["school", "event_id"], name="visits_pass_event_unique")]
        # By pupil for the family's days; by school for "did the turnstiles work that day".
        indexes = [models.Index(fields=["pupil", "occurred_at"]), models.Index(fields=["school", "occurred_at"])]
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.direction} {self.occurred_at:%Y-%m-%d %H:%M}"


class MealEvent(models.Model):
    """A canteen purchase (``amount`` spent, with ``items``) or a top-up of the pupil's meal account."""

    class Kind(models.TextChoices):
        PURCHASE = "purchase", _("purchase")
        TOP_UP = "top_up", _("top-up")

    school = models.ForeignKey(School, verbose_name=_("school"), on_delete=models.CASCADE, related_name="+")
    event_id = models.CharField(_("event id"), max_length=64)
    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="meal_events")
    kind = models.CharField(_("kind of operation"), max_length=8, choices=Kind.choices)
    occurred_at = models.DateTimeField(_("occurred at"))
    amount = models.PositiveIntegerField(
        _("amount, kopecks"), help_text=_("Kopecks; always positive, the kind says which way.")
    )
    # [{"name": "Каша овсяная", "quantity": 1, "price": 4500}, …] for purchases; prices in kopecks.
    items = models.JSONField(_("items"), default=list, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)

    class Meta:
        verbose_name = _("meal operation")
        verbose_name_plural = _("meal operations")
        constraints = [models.UniqueConstraint(fields=["school", "event_id"], name="visits_meal_event_unique")]
        indexes = [models.Index(fields=["pupil", "occurred_at"])]
        ordering = ["occurred_at", "pk"]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.kind} {self.amount}"


class MealAccount(models.Model):
    """The pupil's running meal balance in kopecks (top-ups minus purchases), kept by the ingest."""

    pupil = models.OneToOneField(
        Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, primary_key=True, related_name="meal_account"
    )
    balance = models.BigIntegerField(_("balance, kopecks"), default=0)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("meal account")
        verbose_name_plural = _("meal accounts")

    def __str__(self) -> str:
        return f"{self.pupil_id}: {self.balance}"


class LowBalanceThreshold(models.Model):
    """A guardian's wish to hear when the child's balance falls below ``amount`` kopecks."""

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )
    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+")
    amount = models.PositiveIntegerField(_("threshold, kopecks"))
    # Set when a notice went out; cleared when the balance rises to the threshold again, so one
    # fall below it is told once.
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("low-balance threshold")
        verbose_name_plural = _("low-balance thresholds")
        constraints = [models.UniqueConstraint(fields=["account", "pupil"], name="visits_threshold_unique")]

    def __str__(self) -> str:
        return f"{self.account_id}/{self.pupil_id} < {self.amount}"


class LateArrivalNotice(models.Model):
    """A pupil with lessons that day had not come in by the first lesson; guardians were told once."""

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="+")
    date = models.DateField(_("date"))
    first_lesson_at = models.DateTimeField(_("first lesson at"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("late arrival notice")
        verbose_name_plural = _("late arrival notices")
        constraints = [models.UniqueConstraint(fields=["pupil", "date"], name="visits_late_notice_unique")]

    def __str__(self) -> str:
        return f"{self.pupil_id} {self.date}"
