"""Telling people things: one entry point, ``notify``, for every kind and every channel.

A service calls ``notify`` inside its transaction; delivery runs in the task worker after the commit
(so a rolled-back write tells nobody, and no request waits on mail or SMS). Each active recipient gets
the channels they have not turned off: the in-app inbox, email to a confirmed address, SMS to a
confirmed phone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from audit.services import record_event
from core import sms
from core.errors import DomainError
from notify.errors import NotifyCode
from notify.models import Channel, Kind, Notification, Preference, enabled_by_default
from portal.models import User

logger = logging.getLogger(__name__)

Choice = tuple[str, str]  # (kind, channel)


def in_site_language() -> translation.override:
    """Write a notification's text in the site's language: its readers are not the person whose request
    (or which worker) happens to run the code, and we keep no language per person."""
    return translation.override(settings.LANGUAGE_CODE)


def notify(*, kind: str, user_ids: Iterable[int], subject: str, body: str = "", link: str = "") -> None:
    """Queue ``subject``/``body`` of ``kind`` for each of ``user_ids`` once the transaction commits."""
    Kind(kind)  # an unknown kind is a programming error: fail where it was made
    ids = sorted(set(user_ids))
    if ids:
        transaction.on_commit(
            lambda: deliver_notification.enqueue(
                kind=str(kind), user_ids=ids, subject=str(subject), body=str(body), link=link
            )
        )


def _effective(own: dict[Choice, bool], kind: str, channel: str) -> bool:
    """A person's own choice for ``(kind, channel)``, else the default."""
    return own.get((kind, channel), enabled_by_default(kind, channel))


def preferences_of(user_id: int) -> dict[Choice, bool]:
    """The person's effective choice for every ``(kind, channel)``."""
    own = {
        (kind, channel): enabled
        for kind, channel, enabled in Preference.objects.filter(user_id=user_id).values_list(
            "kind", "channel", "enabled"
        )
    }
    return {(kind, channel): _effective(own, kind, channel) for kind in Kind.values for channel in Channel.values}


def _channels_by_user(user_ids: list[int], kind: str) -> dict[int, set[str]]:
    """The channels on which each of ``user_ids`` wants ``kind``, in one query."""
    own: dict[int, dict[Choice, bool]] = {user_id: {} for user_id in user_ids}
    for user_id, channel, enabled in Preference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
        "user_id", "channel", "enabled"
    ):
        own[user_id][(kind, channel)] = enabled
    return {
        user_id: {channel for channel in Channel.values if _effective(choices, kind, channel)}
        for user_id, choices in own.items()
    }


@transaction.atomic
def set_preferences(*, user: Any, enabled: dict[Choice, bool]) -> int:
    """Store the person's choice for each ``(kind, channel)``; pairs not given stay as they were.

    Only choices that differ from the current effective one are written (and audited); returns how many.
    """
    unknown = [pair for pair in enabled if pair[0] not in Kind.values or pair[1] not in Channel.values]
    if unknown:
        kind, channel = unknown[0]
        raise DomainError(
            NotifyCode.UNKNOWN_NOTIFICATION_CHOICE,
            _("There is no notification “%(kind)s” on the channel “%(channel)s”.") % {"kind": kind, "channel": channel},
            field="choices",
        )
    current = preferences_of(user.pk)
    changed = {pair: bool(on) for pair, on in enabled.items() if current[pair] != bool(on)}
    if not changed:
        return 0
    rows = {(row.kind, row.channel): row for row in Preference.objects.filter(user=user).select_for_update()}
    to_update, to_create = [], []
    for (kind, channel), on in changed.items():
        row = rows.get((kind, channel))
        if row is None:
            to_create.append(Preference(user=user, kind=kind, channel=channel, enabled=on))
        else:
            row.enabled = on
            to_update.append(row)
    Preference.objects.bulk_create(to_create)
    Preference.objects.bulk_update(to_update, ["enabled"])
    record_event(
        actor=user,
        action="notify.preferences_set",
        target=user,
        changes=[{"kind": kind, "channel": channel, "enabled": on} for (kind, channel), on in sorted(changed.items())],
    )
    return len(changed)


def mark_read(*, user: Any, notification_ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read (all of them when no ids are given); others' ids change nothing."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        # An id no row can have (past the 64-bit key range) would overflow the database driver.
        unread = unread.filter(pk__in=[pk for pk in notification_ids if 0 < pk < 2**63])
    return unread.update(read_at=timezone.now())


def unread_count(*, user: Any) -> int:
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def _one_line(text: str) -> str:
    # A newline in an email subject is a header injection that send_mail refuses with an exception.
    return " ".join(text.split())


@task()
def deliver_notification(*, kind: str, user_ids: list[int], subject: str, body: str, link: str = "") -> int:
    """Deliver one notification to each active recipient on their chosen channels; returns messages sent.

    A failing channel for one person is logged and skipped: it neither stops the other channels nor the
    other people (and the task is not retried, so nobody gets the same message twice).
    """
    users = list(
        User.objects.filter(pk__in=user_ids, is_active=True)
        .order_by("pk")
        .only("pk", "email", "email_confirmed_at", "phone", "phone_confirmed_at")
    )
    channels = _channels_by_user([user.pk for user in users], kind)
    sent = 0
    inbox = [
        Notification(user=user, kind=kind, subject=subject, body=body, link=link)
        for user in users
        if Channel.IN_APP in channels[user.pk]
    ]
    if inbox:
        try:
            with transaction.atomic():
                Notification.objects.bulk_create(inbox)
            sent += len(inbox)
        except Exception:
            logger.exception("In-app notification %s for %d people failed", kind, len(inbox))
    headline = _one_line(subject)
    # Emails carry the link only where the site's public address is configured (``SITE_URL``).
    site = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    letter = f"{body}\n\n{site}{link}".strip() if site and link.startswith("/") else body
    for user in users:
        if Channel.EMAIL in channels[user.pk] and user.email_confirmed and user.email:
            try:
                send_mail(subject=headline, message=letter, from_email=None, recipient_list=[user.email])
                sent += 1
            except Exception:
                logger.exception("Email notification %s to user %s failed", kind, user.pk)
        if Channel.SMS in channels[user.pk] and user.phone_confirmed and user.phone:
            try:
                sms.send_sms(to=user.phone, text=f"{headline}. {body}" if body else headline)
                sent += 1
            except Exception:
                logger.exception("SMS notification %s to user %s failed", kind, user.pk)
    return sent
