"""Telling people things: one entry point, ``notify``, for every kind and every channel.

A service calls ``notify`` inside its transaction; delivery runs in the task worker after the commit
(so a rolled-back write tells nobody, and no request waits on mail or SMS). Each active recipient gets
the channels they have not turned off: the in-app inbox, email to a confirmed address, SMS to a
confirmed phone.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from audit.services import record_event
from core.errors import DomainError
from notify import outbox
from notify.cadence import add_to_digest, cadence_by_user
from notify.errors import NotifyCode
from notify.models import (
    Cadence,
    Channel,
    Kind,
    Notification,
    OutboundMessage,
    Preference,
    PushSubscription,
    enabled_by_default,
)
from notify.quiet import held_until
from portal.models import User

logger = logging.getLogger(__name__)

Choice = tuple[str, str]  # (kind, channel)


def in_site_language() -> translation.override:
    """Write a notification's text in the site's language: its readers are not the person whose request
    (or which worker) happens to run the code, and we keep no language per person."""
    return translation.override(settings.LANGUAGE_CODE)


def notify(
    *,
    kind: str,
    user_ids: Iterable[int],
    subject: str,
    body: str = "",
    link: str = "",
    school_id: int | None = None,
    pupil_id: int | None = None,
    push_title: str = "",
) -> None:
    """Queue ``subject``/``body`` of ``kind`` for each of ``user_ids`` once the transaction commits.

    With ``school_id``, the school's quiet hours hold the email, SMS and push created in them until they end
    (``notify.quiet``); the in-app entry appears at once either way. ``pupil_id`` names the child it is about,
    for each person's cadence (at once, in the daily digest, or off). ``push_title`` is what a locked phone may
    show (no names, no values); the kind's name when not given.
    """
    Kind(kind)  # an unknown kind is a programming error: fail where it was made
    ids = sorted(set(user_ids))
    if not ids:
        return
    delivery: dict[str, Any] = {
        "kind": str(kind),
        "user_ids": ids,
        "subject": str(subject),
        "body": str(body),
        "link": link,
        "school_id": school_id,
        "created_at": timezone.now().isoformat(),
        "key": str(uuid4()),
        "pupil_id": pupil_id,
        "push_title": str(push_title or Kind(kind).label),
    }
    transaction.on_commit(lambda: deliver_notification.enqueue(**delivery))


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


OUTWARD = (Channel.EMAIL, Channel.SMS, Channel.PUSH)
CONTACT_FIELDS = ("pk", "email", "email_confirmed_at", "phone", "phone_confirmed_at")


@task()
def deliver_notification(
    *,
    kind: str,
    user_ids: list[int],
    subject: str,
    body: str,
    link: str = "",
    hold_until: str | None = None,
    school_id: int | None = None,
    created_at: str | None = None,
    key: str | None = None,
    pupil_id: int | None = None,
    push_title: str = "",
) -> int:
    """Deliver one notification to each active recipient, by their cadence and on their chosen channels;
    returns how many in-app entries and messages went out now.

    Idempotent by ``key``: every row it writes carries the key, so a retried task adds nothing and sends
    only what is still unsent. Email, SMS and push go through ``notify.outbox`` (at once, or at
    ``hold_until`` in quiet hours; failures are retried there); people who chose the digest for this kind
    get a ``DigestEntry`` instead, sent with their next digest.
    """
    delivery = UUID(key) if key else uuid4()
    if hold_until is None and school_id is not None:
        # Quiet hours are judged at the moment the notification was made, not when the worker got to it.
        release = held_until(school_id, datetime.fromisoformat(created_at) if created_at else None)
        hold_until = release.isoformat() if release else None
    users = list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk").only(*CONTACT_FIELDS))
    channels = _channels_by_user([user.pk for user in users], kind)
    cadences = cadence_by_user([user.pk for user in users], kind, pupil_id)
    now = timezone.now()
    instant = [user for user in users if cadences[user.pk] == Cadence.INSTANT]
    digest = [user for user in users if cadences[user.pk] == Cadence.DIGEST]
    if digest:
        add_to_digest(users=digest, key=delivery, kind=kind, pupil_id=pupil_id, subject=subject, body=body, link=link)
    inbox = [
        Notification(user=user, kind=kind, subject=subject, body=body, link=link, key=delivery)
        for user in instant
        if Channel.IN_APP in channels[user.pk]
    ]
    made = len(Notification.objects.bulk_create(inbox, ignore_conflicts=True)) if inbox else 0
    due = datetime.fromisoformat(hold_until) if hold_until else now
    pushable = set(PushSubscription.objects.filter(user__in=instant).values_list("user_id", flat=True).distinct())
    OutboundMessage.objects.bulk_create(
        [
            OutboundMessage(
                user=user,
                key=delivery,
                kind=kind,
                channel=channel,
                subject=(push_title or subject) if channel == Channel.PUSH else subject,
                body=body,
                link=link,
                due_at=due,
            )
            for user in instant
            for channel in OUTWARD
            if channel in channels[user.pk] and (channel != Channel.PUSH or user.pk in pushable)
        ],
        ignore_conflicts=True,
    )
    if due > now:
        outbox.wake_at(due)
        return made
    return made + outbox.send_due(now=now, key=delivery)


PUSH_KEY = re.compile(r"^[A-Za-z0-9_-]{16,200}={0,2}$")


def subscribe_push(*, user: User, endpoint: str, p256dh: str, auth: str) -> PushSubscription:
    """Keep this browser's push subscription for ``user`` (a subscription moves with the browser's owner)."""
    if (
        not (endpoint.startswith("https://") and len(endpoint) <= 1000)
        or not PUSH_KEY.match(p256dh)
        or not PUSH_KEY.match(auth)
    ):
        raise DomainError(
            NotifyCode.PUSH_SUBSCRIPTION_INVALID,
            _("This browser gave a push subscription the service cannot use."),
            field="endpoint",
        )
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    return subscription


def unsubscribe_push(*, user: User, endpoint: str) -> int:
    deleted, _details = PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()
    return deleted
