"""Telling people things: one entry point, ``notify``, for every kind and every channel.

A service calls ``notify`` inside its transaction; delivery runs in the task worker after the commit
(so a rolled-back write tells nobody, and no request waits on mail or SMS). Each active recipient gets
the channels they have not turned off: the in-app inbox, email to a confirmed address, SMS to a
confirmed phone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
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
from notify.models import Channel, HeldMessage, Kind, Notification, Preference, enabled_by_default
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
) -> None:
    """Queue ``subject``/``body`` of ``kind`` for each of ``user_ids`` once the transaction commits.

    With ``school_id``, the school's quiet hours hold the email and SMS created in them until they end
    (``notify.quiet``); the in-app entry appears at once either way.
    """
    Kind(kind)  # an unknown kind is a programming error: fail where it was made
    ids = sorted(set(user_ids))
    if not ids:
        return
    release = held_until(school_id)
    hold = release.isoformat() if release else None
    transaction.on_commit(
        lambda: deliver_notification.enqueue(
            kind=str(kind), user_ids=ids, subject=str(subject), body=str(body), link=link, hold_until=hold
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


def _letter(body: str, link: str) -> str:
    # Emails carry the link only where the site's public address is configured (``SITE_URL``).
    site = str(getattr(settings, "SITE_URL", "") or "").rstrip("/")
    return f"{body}\n\n{site}{link}".strip() if site and link.startswith("/") else body


def _send(user: User, *, channel: str, subject: str, body: str, link: str) -> bool:
    """Send one email or SMS to a confirmed contact; ``False`` when the person has no such contact."""
    headline = _one_line(subject)
    if channel == Channel.EMAIL and user.email_confirmed and user.email:
        send_mail(subject=headline, message=_letter(body, link), from_email=None, recipient_list=[user.email])
        return True
    if channel == Channel.SMS and user.phone_confirmed and user.phone:
        sms.send_sms(to=user.phone, text=f"{headline}. {body}" if body else headline)
        return True
    return False


CHANNEL_IN_LOGS: dict[str, str] = {Channel.EMAIL: "Email", Channel.SMS: "SMS"}
CONTACT_FIELDS = ("pk", "email", "email_confirmed_at", "phone", "phone_confirmed_at")


@task()
def deliver_notification(
    *, kind: str, user_ids: list[int], subject: str, body: str, link: str = "", hold_until: str | None = None
) -> int:
    """Deliver one notification to each active recipient on their chosen channels; returns messages sent.

    With ``hold_until`` (quiet hours), email and SMS are kept as ``HeldMessage`` rows that
    ``deliver_held_messages`` sends at that moment. A failing channel for one person is logged and skipped:
    it neither stops the other channels nor the other people (and the task is not retried, so nobody gets
    the same message twice).
    """
    users = list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk").only(*CONTACT_FIELDS))
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
    outward = [
        (user, channel) for user in users for channel in (Channel.EMAIL, Channel.SMS) if channel in channels[user.pk]
    ]
    if hold_until is not None:
        due = datetime.fromisoformat(hold_until)
        HeldMessage.objects.bulk_create(
            HeldMessage(user=user, kind=kind, channel=channel, subject=subject, body=body, link=link, due_at=due)
            for user, channel in outward
        )
        _wake_at(due)
        return sent
    for user, channel in outward:
        try:
            sent += _send(user, channel=channel, subject=subject, body=body, link=link)
        except Exception:
            logger.exception("%s notification %s to user %s failed", CHANNEL_IN_LOGS[channel], kind, user.pk)
    return sent


def _wake_at(due: datetime) -> None:
    """Where the task backend can run a task later, send the held messages right at ``due``; the periodic
    sweep (``run_sweeps``) sends them otherwise, and catches any the deferred task missed."""
    if send_held_messages.get_backend().supports_defer:
        send_held_messages.using(run_after=due).enqueue()


HELD_MESSAGE_ATTEMPTS = 3


def deliver_held_messages(*, now: datetime | None = None) -> int:
    """Send the held emails and SMS that are due; returns how many went out. Idempotent: a message is deleted
    in the transaction that sends it, and rows locked by a concurrent run are skipped, so nobody gets one
    twice. A message that fails is tried again by the next run, at most ``HELD_MESSAGE_ATTEMPTS`` times."""
    moment = now or timezone.now()
    sent = 0
    failed: set[int] = set()
    while True:
        with transaction.atomic():
            batch = list(
                HeldMessage.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(due_at__lte=moment, attempts__lt=HELD_MESSAGE_ATTEMPTS)
                .exclude(pk__in=failed)
                .select_related("user")
                .order_by("due_at", "pk")[:200]
            )
            if not batch:
                return sent
            for held in batch:
                user = held.user
                if not user.is_active:
                    held.delete()
                    continue
                try:
                    sent += _send(user, channel=held.channel, subject=held.subject, body=held.body, link=held.link)
                except Exception:
                    logger.exception(
                        "Held %s notification %s to user %s failed", CHANNEL_IN_LOGS[held.channel], held.kind, user.pk
                    )
                    held.attempts += 1
                    held.save(update_fields=["attempts"])
                    failed.add(held.pk)
                    continue
                held.delete()


@task()
def send_held_messages() -> int:
    return deliver_held_messages()
