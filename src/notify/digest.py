"""The daily digest: one email (and one in-app entry, and one push) a day at the time the person picked
(19:00 school time by default), listing per child everything routed to it since the last one — and nothing
at all on a day with nothing.

``send_digests`` is idempotent: the entries it sends are stamped with the digest's key in the transaction
that writes the digest (rows locked with ``skip_locked``), so an overlapping run finds none left.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from uuid import uuid4

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from notify import outbox
from notify.cadence import DEFAULT_DIGEST_TIME, digest_moment
from notify.models import Channel, DigestEntry, DigestSettings, Kind, Notification, OutboundMessage, Preference
from notify.services import in_site_language


def _compose(entries: list[DigestEntry], day: str) -> str:
    by_child: dict[str, list[DigestEntry]] = defaultdict(list)
    for entry in entries:
        by_child[entry.pupil.full_name if entry.pupil else ""].append(entry)
    parts = []
    for child in sorted(by_child, key=lambda name: (name == "", name)):
        lines = [f"• {entry.subject}" + (f": {entry.body}" if entry.body else "") for entry in by_child[child]]
        parts.append("\n".join([child or str(_("Other")), *lines]))
    return _("The diary on %(day)s") % {"day": day} + "\n\n" + "\n\n".join(parts)


def send_digests(*, now: datetime | None = None) -> int:
    """Send the digest of every person whose digest time has come and who has entries; returns how many."""
    moment = now or timezone.now()
    waiting = sorted(set(DigestEntry.objects.filter(digest_key=None).values_list("user_id", flat=True)))
    times = dict(DigestSettings.objects.filter(user_id__in=waiting).values_list("user_id", "send_at"))
    sent = 0
    for user_id in waiting:
        due = digest_moment(times.get(user_id, DEFAULT_DIGEST_TIME), moment)
        if moment >= due:
            sent += _send_digest(user_id, due)
    return sent


def _send_digest(user_id: int, due: datetime) -> int:
    key = uuid4()
    with transaction.atomic(), in_site_language():
        entries = list(
            DigestEntry.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(user_id=user_id, digest_key=None, created_at__lte=due)
            .select_related("pupil", "user")
            .order_by("created_at", "pk")
        )
        if not entries:
            return 0
        user = entries[0].user
        day = timezone.localtime(due).strftime("%d.%m.%Y")
        subject = ngettext(
            "The diary of the day: %(count)s notification",
            "The diary of the day: %(count)s notifications",
            len(entries),
        ) % {"count": len(entries)}
        body = _compose(entries, day)
        DigestEntry.objects.filter(pk__in=[entry.pk for entry in entries]).update(digest_key=key)
        if not user.is_active:
            return 0
        Notification.objects.create(
            user=user, kind=Kind.DIGEST, subject=subject, body=body, link="/cabinet/notifications/", key=key
        )
        off = set(
            Preference.objects.filter(user=user, kind=Kind.DIGEST, enabled=False).values_list("channel", flat=True)
        )
        OutboundMessage.objects.bulk_create(
            [
                OutboundMessage(
                    user=user,
                    key=key,
                    kind=Kind.DIGEST,
                    channel=channel,
                    subject=subject if channel != Channel.PUSH else str(Kind.DIGEST.label),
                    body=body,
                    link="/cabinet/notifications/",
                    due_at=due,
                )
                for channel in (Channel.EMAIL, Channel.PUSH)
                if channel not in off
            ],
            ignore_conflicts=True,
        )
    outbox.send_due(key=key)
    return 1


@task()
def send_due_digests() -> int:
    """The deferred wake-up ``cadence.add_to_digest`` queues for a digest moment."""
    return send_digests()
