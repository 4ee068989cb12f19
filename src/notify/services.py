"""Telling people things: one entry point, ``notify``, for every kind and every channel.

A service calls ``notify`` inside its transaction; delivery runs in the task worker after the commit
(so a rolled-back write tells nobody, and no request waits on mail or SMS). Each recipient gets the
channels they have not turned off: the in-app inbox, email to a confirmed address, SMS to a
confirmed phone.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from notify import sms
from notify.models import Channel, Kind, Notification, Preference, enabled_by_default


def notify(*, kind: str, user_ids: Iterable[int], subject: str, body: str = "", link: str = "") -> None:
    """Queue ``subject``/``body`` of ``kind`` for each of ``user_ids`` once the transaction commits."""
    Kind(kind)  # an unknown kind is a programming error: fail where it was made
    ids = sorted(set(user_ids))
    if ids:
        transaction.on_commit(lambda: deliver_notification.enqueue(
            kind=kind, user_ids=ids, subject=str(subject), body=str(body), link=link))


def channels_for(user_id: int, kind: str) -> set[str]:
    """The channels on which ``user_id`` wants ``kind``."""
    chosen = dict(Preference.objects.filter(user_id=user_id, kind=kind).values_list("channel", "enabled"))
    return {channel for channel in Channel.values if chosen.get(channel, enabled_by_default(kind, channel))}


@transaction.atomic
def set_preferences(*, user: Any, enabled: dict[tuple[str, str], bool]) -> None:
    """Store the person's choice for each ``(kind, channel)``; pairs not given stay as they were."""
    for (kind, channel), on in enabled.items():
        Kind(kind), Channel(channel)
        Preference.objects.update_or_create(user=user, kind=kind, channel=channel, defaults={"enabled": on})


def mark_read(*, user: Any, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read (all of them when no ids are given)."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


@task()
def deliver_notification(*, kind: str, user_ids: list[int], subject: str, body: str, link: str = "") -> int:
    """Deliver one notification to each active recipient on their chosen channels; returns messages sent."""
    from portal.models import User

    sent = 0
    for user in User.objects.filter(pk__in=user_ids, is_active=True):
        channels = channels_for(user.pk, kind)
        if Channel.IN_APP in channels:
            Notification.objects.create(user=user, kind=kind, subject=subject, body=body, link=link)
            sent += 1
        if Channel.EMAIL in channels and user.email_confirmed:
            send_mail(subject=subject, message=body, from_email=None, recipient_list=[user.email])
            sent += 1
        if Channel.SMS in channels and user.phone_confirmed:
            sms.send_sms(to=user.phone, text=f"{subject}. {body}" if body else subject)
            sent += 1
    return sent
