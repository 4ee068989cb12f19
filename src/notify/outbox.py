"""Sending the outgoing emails, SMS and pushes of notifications, once each, with retries.

The delivery task writes one ``OutboundMessage`` per person and channel; this module sends those that are
due. A row is locked while it is sent (``skip_locked``: a concurrent run takes other rows) and marked sent
in the same transaction, so a message goes out once even when the sweep and a deferred task overlap. A
failure is tried again after a growing pause (``RETRY_PAUSES``) and given up after the last; the operator
sees the given-up rows in the admin, and the log line names the row, never an address or a text.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from core import sms
from notify import push
from notify.models import Channel, DigestSettings, OutboundMessage, PushSubscription

logger = logging.getLogger(__name__)

RETRY_PAUSES = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
KEEP_SENT = timedelta(days=7)
BATCH = 200


def _one_line(text: str) -> str:
    # A newline in an email subject is a header injection that send_mail refuses with an exception.
    return " ".join(text.split())


def _letter(body: str, link: str) -> str:
    # Emails carry the link only where the site's public address is configured (``SITE_URL``).
    site = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{body}\n\n{site}{link}".strip() if site and link.startswith("/") else body


@dataclass
class PushTargets:
    """The batch's people's push subscriptions and lock-screen choice, read once for the whole batch."""

    subscriptions: dict[int, list[PushSubscription]]
    details: set[int]

    @classmethod
    def of(cls, batch: list[OutboundMessage]) -> PushTargets:
        users = {message.user_id for message in batch if message.channel == Channel.PUSH}
        subscriptions: dict[int, list[PushSubscription]] = defaultdict(list)
        if not users:
            return cls(subscriptions, set())
        for subscription in PushSubscription.objects.filter(user_id__in=users).order_by("pk"):
            subscriptions[subscription.user_id].append(subscription)
        details = set(
            DigestSettings.objects.filter(user_id__in=users, push_details=True).values_list("user_id", flat=True)
        )
        return cls(subscriptions, details)


def _push(message: OutboundMessage, targets: PushTargets) -> bool:
    """One push to each of the person's subscriptions; a subscription the push service dropped is deleted."""
    payload = {"title": message.subject, "url": message.link or "/cabinet/notifications/"}
    if message.user_id in targets.details and message.body:
        payload["body"] = message.body
    sent = False
    transport = push.backend()
    for subscription in targets.subscriptions.get(message.user_id, []):
        try:
            transport.send(
                push.PushMessage(
                    endpoint=subscription.endpoint, p256dh=subscription.p256dh, auth=subscription.auth, payload=payload
                )
            )
            sent = True
        except push.SubscriptionGone:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            logger.info("Push subscription %s of user %s is gone: deleted", subscription.pk, message.user_id)
    return sent


def send_one(message: OutboundMessage, targets: PushTargets) -> bool:
    """Send ``message`` on its channel; ``False`` when the person has no confirmed contact (or subscription)."""
    user = message.user
    if message.channel == Channel.EMAIL and user.email_confirmed and user.email:
        send_mail(
            subject=_one_line(message.subject),
            message=_letter(message.body, message.link),
            from_email=None,
            recipient_list=[user.email],
        )
        return True
    if message.channel == Channel.SMS and user.phone_confirmed and user.phone:
        headline = _one_line(message.subject)
        sms.send_sms(to=user.phone, text=f"{headline}. {message.body}" if message.body else headline)
        return True
    if message.channel == Channel.PUSH:
        return _push(message, targets)
    return False


def send_due(*, now: datetime | None = None, key: UUID | None = None) -> int:
    """Send what is due (of one delivery when ``key`` is given); returns how many messages went out.

    A batch costs a fixed number of queries whatever its size, but for the failures (one write each)."""
    moment = now or timezone.now()
    sent = 0
    tried: set[int] = set()
    while True:
        with transaction.atomic():
            due = OutboundMessage.objects.filter(sent_at=None, failed_at=None, due_at__lte=moment).exclude(pk__in=tried)
            if key is not None:
                due = due.filter(key=key)
            batch = list(
                due.select_for_update(skip_locked=True, of=("self",))
                .select_related("user")
                .order_by("due_at", "pk")[:BATCH]
            )
            if not batch:
                return sent
            targets = PushTargets.of(batch)
            done = []
            for message in batch:
                tried.add(message.pk)
                if message.user.is_active:
                    try:
                        sent += send_one(message, targets)
                    except Exception as error:
                        _failed(message, error, moment)
                        continue
                done.append(message.pk)
            OutboundMessage.objects.filter(pk__in=done).update(sent_at=moment)


def _failed(message: OutboundMessage, error: Exception, moment: datetime) -> None:
    message.attempts += 1
    if message.attempts > len(RETRY_PAUSES):
        message.failed_at = moment
        logger.error(
            "Outgoing %s %s (message %s) given up after %d attempts: %s",
            message.channel,
            message.kind,
            message.pk,
            message.attempts,
            type(error).__name__,
        )
    else:
        message.due_at = moment + RETRY_PAUSES[message.attempts - 1]
        logger.warning(
            "Outgoing %s %s (message %s) failed (%s), attempt %d; next at %s",
            message.channel,
            message.kind,
            message.pk,
            type(error).__name__,
            message.attempts,
            message.due_at.isoformat(timespec="minutes"),
        )
    message.save(update_fields=["attempts", "due_at", "failed_at"])


def purge_sent(*, now: datetime | None = None) -> int:
    """Drop the rows sent long enough ago that no retried delivery task can still come for them."""
    deleted, _ = OutboundMessage.objects.filter(sent_at__lt=(now or timezone.now()) - KEEP_SENT).delete()
    return deleted


def wake_at(due: datetime) -> None:
    """Where the task backend can run a task later, send at ``due`` exactly; the periodic sweep
    (``run_sweeps``) sends otherwise, and catches anything a deferred task missed."""
    if send_due_messages.get_backend().supports_defer:
        send_due_messages.using(run_after=due).enqueue()


@task()
def send_due_messages() -> int:
    return send_due()
