"""What a person is told (the in-app inbox) and which kinds of messages they turned off, per channel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """Every kind of notification; a person may turn each off per channel in the cabinet."""

    MARK = "mark", _("New or changed mark")
    ABSENCE = "absence", _("Absence from a lesson")
    HOMEWORK = "homework", _("Homework set")
    LATE_ARRIVAL = "late_arrival", _("Not at school by the first lesson")
    LOW_BALANCE = "low_balance", _("Low meal balance")
    INVITATION_RECEIVED = "invitation_received", _("Invitation to become a trusted person")
    INVITATION_ACCEPTED = "invitation_accepted", _("Invitation accepted")
    ACCESS_OPENED = "access_opened", _("Trusted access opened")
    ACCESS_REVOKED = "access_revoked", _("Trusted access ended")
    SNILS = "snils", _("SNILS verification")
    MESSAGE = "message", _("New message from the school or the family")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the cabinet")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")


# SMS costs the city money and interrupts: on by default only where hours matter.
SMS_BY_DEFAULT = frozenset({Kind.LATE_ARRIVAL, Kind.INVITATION_RECEIVED})


def enabled_by_default(kind: str, channel: str) -> bool:
    return channel != Channel.SMS or kind in SMS_BY_DEFAULT


class Notification(models.Model):
    """One message in a person's in-app inbox (the «Уведомления» page of the cabinet)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind of notification"), max_length=32, choices=Kind.choices)
    subject = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True, help_text=_("A path inside the site to open."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return self.subject


class Preference(models.Model):
    """A person's choice for one kind on one channel; no row means the default (``enabled_by_default``)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("account"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind = models.CharField(_("kind of notification"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    enabled = models.BooleanField(_("enabled"))

    class Meta:
        verbose_name = _("notification setting")
        verbose_name_plural = _("notification settings")
        constraints = [models.UniqueConstraint(fields=["user", "kind", "channel"], name="notify_preference_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}/{self.channel}={self.enabled}"


class HeldMessage(models.Model):
    """An email or SMS held back until ``due_at`` (the end of a school's quiet hours), then sent and deleted.

    The in-app entry of the same notification was made at once; this row is only the other channel's copy.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="held_messages"
    )
    kind = models.CharField(_("kind of notification"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    subject = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_at = models.DateTimeField(_("to be sent at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)

    class Meta:
        verbose_name = _("held message")
        verbose_name_plural = _("held messages")
        indexes = [models.Index(fields=["due_at"])]

    def __str__(self) -> str:
        return f"{self.channel} {self.subject} → {self.due_at:%Y-%m-%d %H:%M}"
