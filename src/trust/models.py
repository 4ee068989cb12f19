"""Trusted persons: a guardian's invitation and, once accepted and activated, the grant it becomes.

One row lives through every state, each stamped with its time:
``pending`` → ``accepted`` (access opens by ``opens_by``) → ``active``;
``pending`` → ``declined`` | ``expired`` (30 days unanswered);
``pending`` / ``accepted`` / ``active`` → ``revoked`` (by a guardian, or because the guardian link
that made it ended) | ``left`` (the trusted person gave it up).
A grant with ``ends_at`` in the past opens nothing, whatever its state says.

The invitee is named by surname plus SNILS or phone; ``invitee`` is the account it matched (surname
*and* SNILS or confirmed phone), set when it is accepted. Until then the invitation matches whoever
fits, including a person who registers later.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registry.models import Guardian, Pupil


class Grant(models.Model):
    class Service(models.TextChoices):
        DIARY = "diary", _("Electronic diary")
        VISITS_MEALS = "visits_meals", _("Visits and meals")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for an answer")
        ACCEPTED = "accepted", _("accepted, access opens soon")
        ACTIVE = "active", _("active")
        DECLINED = "declined", _("declined")
        EXPIRED = "expired", _("expired")
        REVOKED = "revoked", _("revoked")
        LEFT = "left", _("given up by the trusted person")

    LIVE_STATES = (State.PENDING, State.ACCEPTED, State.ACTIVE)

    pupil = models.ForeignKey(Pupil, verbose_name=_("pupil"), on_delete=models.CASCADE, related_name="grants")
    service = models.CharField(_("service"), max_length=16, choices=Service.choices)
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("inviter"), on_delete=models.CASCADE, related_name="+"
    )
    # The guardian link the invitation was made through: when it ends, so does the grant.
    guardian = models.ForeignKey(
        Guardian,
        verbose_name=pgettext_lazy("model", "guardian"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="grants",
    )

    invitee_surname = models.CharField(_("invitee's surname"), max_length=100)
    invitee_surname_key = models.CharField(
        _("surname key"), max_length=100, db_index=True, help_text=_("casefolded, ё → е: what matching compares")
    )
    invitee_snils = models.CharField(_("invitee's SNILS"), max_length=11, blank=True, db_index=True)
    invitee_phone = models.CharField(_("invitee's phone"), max_length=16, blank=True, db_index=True)
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trusted person"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="trusted_grants",
    )

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"), help_text=_("An unanswered invitation expires then."))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    opens_by = models.DateTimeField(
        _("opens by"), null=True, blank=True, help_text=_("Access opens at the latest then.")
    )
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True, help_text=_("Expired, revoked or left at."))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("ended by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.CharField(_("end reason"), max_length=32, blank=True)
    ends_at = models.DateTimeField(
        _("valid until"), null=True, blank=True, help_text=_("Optional end of the grant set by the guardian.")
    )

    class Meta:
        verbose_name = _("trusted access")
        verbose_name_plural = _("trusted accesses")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["invitee", "pupil", "service", "state"]),
            models.Index(fields=["state", "opens_by"]),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(invitee_snils="", invitee_phone=""), name="trust_grant_names_invitee"),
        ]

    def __str__(self) -> str:
        return f"{self.service} of {self.pupil_id} for {self.invitee_surname} ({self.state})"


def active_grants(now: datetime | None = None) -> models.QuerySet[Grant]:
    """Grants that open access at ``now`` (right now by default): the one definition the access module uses."""
    now = now or timezone.now()
    return Grant.objects.filter(state=Grant.State.ACTIVE, invitee__isnull=False).filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now)
    )


class View(models.Model):
    """A trusted person read a child's data through a grant: what the guardian sees in the view log."""

    grant = models.ForeignKey(Grant, verbose_name=_("trusted access"), on_delete=models.CASCADE, related_name="views")
    viewed_at = models.DateTimeField(_("viewed at"), default=timezone.now)
    section = models.CharField(
        _("section"), max_length=32, help_text=_("diary, marks, homework, attendance, visits, meals…")
    )

    class Meta:
        verbose_name = _("view by a trusted person")
        verbose_name_plural = _("views by trusted persons")
        ordering = ["-viewed_at", "-pk"]
        indexes = [models.Index(fields=["grant", "-viewed_at"])]

    def __str__(self) -> str:
        return f"{self.grant_id} {self.section} {self.viewed_at:%Y-%m-%d %H:%M}"


class Notice(models.Model):
    """An account was told of an invitation addressed to it: told once, whether it matched at the invitation,
    at registration, or when a phone or the profile later made it match."""

    grant = models.ForeignKey(Grant, verbose_name=_("trusted access"), on_delete=models.CASCADE, related_name="notices")
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="+"
    )
    notified_at = models.DateTimeField(_("notified at"), default=timezone.now)

    class Meta:
        verbose_name = _("invitation notice")
        verbose_name_plural = _("invitation notices")
        constraints = [models.UniqueConstraint(fields=["grant", "account"], name="trust_notice_once")]

    def __str__(self) -> str:
        return f"{self.grant_id} → {self.account_id}"
