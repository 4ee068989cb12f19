"""What a person is told (the in-app inbox) and which kinds of messages they turned off, per channel."""

from __future__ import annotations

from datetime import time

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
    DIGEST = "digest", _("Daily digest")
    ANNOUNCEMENT = "announcement", _("Announcement of the school")
    ABSENCE_NOTE = "absence_note", _("A family's absence note (for the form tutor)")
    MESSAGE = "message", _("New message from the school or the family")
    ALERT = "alert", _("Alert on the diary")
    HOMEWORK_REVIEW = "homework_review", _("Homework answer replied to, marked or returned")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In the cabinet")
    EMAIL = "email", _("Email")
    SMS = "sms", _("SMS")
    PUSH = "push", _("Push to the phone")


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
    # The delivery's idempotency key: a retried delivery task adds no second entry.
    key = models.UUIDField(_("delivery key"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["user", "-created_at"])]
        constraints = [models.UniqueConstraint(fields=["key", "user"], name="notify_notification_once")]

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


class OutboundMessage(models.Model):
    """One email, SMS or push of a notification to one person, kept until it is sent.

    Rows are written by the delivery task and sent by ``notify.outbox``: at once, or at ``due_at`` when the
    school's quiet hours held it, or later again after a failure (with backoff). ``key`` is the delivery's
    idempotency key: a retried task finds its rows already there and sends nothing twice. Sent rows keep
    ``sent_at`` for a while (a retried task must still find them), then the sweep drops them.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="outbound_messages"
    )
    key = models.UUIDField(_("delivery key"), null=True, blank=True)
    kind = models.CharField(_("kind of notification"), max_length=32, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    subject = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_at = models.DateTimeField(_("to be sent at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("given up at"), null=True, blank=True)

    class Meta:
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        indexes = [models.Index(fields=["due_at"], name="notify_outbound_due", condition=models.Q(sent_at=None))]
        constraints = [
            models.UniqueConstraint(fields=["key", "user", "channel"], name="notify_outbound_once"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} → {self.due_at:%Y-%m-%d %H:%M}"


class Cadence(models.TextChoices):
    """How a kind of notification about a child reaches a person (on the channels they chose)."""

    INSTANT = "instant", _("At once")
    DIGEST = "digest", _("In the daily digest")
    OFF = "off", _("Off")


class CadenceChoice(models.Model):
    """A person's cadence for one kind, about one child (``pupil``) or about everything else (no pupil).

    No row means ``Cadence.INSTANT``. ``pupil`` names a registry record by a string reference: the model
    imports nothing above ``notify``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="cadences"
    )
    kind = models.CharField(_("kind of notification"), max_length=32, choices=Kind.choices)
    pupil = models.ForeignKey(
        "registry.Pupil", verbose_name=_("pupil"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    cadence = models.CharField(_("cadence"), max_length=8, choices=Cadence.choices)

    class Meta:
        verbose_name = _("notification cadence")
        verbose_name_plural = _("notification cadences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "pupil"], name="notify_cadence_unique"),
            models.UniqueConstraint(
                fields=["user", "kind"], condition=models.Q(pupil=None), name="notify_cadence_unique_general"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}/{self.pupil_id}={self.cadence}"


class DigestSettings(models.Model):
    """When a person's daily digest goes (school time), and the last day it went."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="digest_settings"
    )
    send_at = models.TimeField(_("digest time"), default=time(19, 0))
    push_details = models.BooleanField(
        _("show details on the lock screen"),
        default=False,
        help_text=_("Push messages then carry the text of the notification, not only its kind."),
    )

    class Meta:
        verbose_name = _("digest settings")
        verbose_name_plural = _("digest settings")

    def __str__(self) -> str:
        return f"{self.user_id} {self.send_at:%H:%M}"


class DigestEntry(models.Model):
    """A notification waiting for the person's next digest; ``digest_key`` is set once it went out."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="digest_entries"
    )
    key = models.UUIDField(_("delivery key"), null=True, blank=True)
    pupil = models.ForeignKey(
        "registry.Pupil", verbose_name=_("pupil"), on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    kind = models.CharField(_("kind of notification"), max_length=32, choices=Kind.choices)
    subject = models.CharField(_("title"), max_length=255)
    body = models.TextField(_("text"), blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    digest_key = models.UUIDField(_("sent in digest"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest entry")
        verbose_name_plural = _("digest entries")
        indexes = [
            models.Index(
                fields=["user", "created_at"], name="notify_digest_waiting", condition=models.Q(digest_key=None)
            )
        ]
        constraints = [models.UniqueConstraint(fields=["key", "user"], name="notify_digest_once")]

    def __str__(self) -> str:
        return self.subject


class PushSubscription(models.Model):
    """A browser's Web Push subscription (the installed web app on a phone), as the Push API gives it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("account"), on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endpoint"), max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("push subscription")
        verbose_name_plural = _("push subscriptions")

    def __str__(self) -> str:
        return f"{self.user_id} {self.endpoint[:40]}"
