"""Each person's cadence per kind and per child: at once, in the daily digest (``notify.digest``), or off."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from audit.services import record_event
from notify.models import (
    Cadence,
    CadenceChoice,
    DigestEntry,
    DigestSettings,
    Kind,
)
from portal.models import User

DEFAULT_DIGEST_TIME = time(19, 0)
# The kinds that are about one child: each may go at once, in the digest or not at all, per child.
ABOUT_A_CHILD = (
    Kind.MARK,
    Kind.ABSENCE,
    Kind.HOMEWORK,
    Kind.HOMEWORK_REVIEW,
    Kind.LATE_ARRIVAL,
    Kind.LOW_BALANCE,
    Kind.ALERT,
)


def cadence_by_user(user_ids: list[int], kind: str, pupil_id: int | None) -> dict[int, str]:
    """Each person's cadence for ``kind`` about ``pupil_id``: the choice for that child, else the general
    one, else at once (one query)."""
    found: dict[int, str] = dict.fromkeys(user_ids, Cadence.INSTANT)
    if not user_ids:
        return found
    about = Q(pupil=None) | Q(pupil_id=pupil_id) if pupil_id is not None else Q(pupil=None)
    rows = CadenceChoice.objects.filter(about, user_id__in=user_ids, kind=kind).order_by("pupil_id")
    general: dict[int, str] = {}
    specific: dict[int, str] = {}
    for user_id, child, cadence in rows.values_list("user_id", "pupil_id", "cadence"):
        (general if child is None else specific)[user_id] = cadence
    for user_id in user_ids:
        found[user_id] = specific.get(user_id, general.get(user_id, Cadence.INSTANT))
    return found


def cadences_of(user: User, pupil_ids: Iterable[int]) -> dict[tuple[str, int], str]:
    """The person's cadence for every child kind and each of ``pupil_ids`` (one query)."""
    ids = list(pupil_ids)
    own = {
        (kind, pupil_id): cadence
        for kind, pupil_id, cadence in CadenceChoice.objects.filter(user=user, pupil_id__in=ids).values_list(
            "kind", "pupil_id", "cadence"
        )
    }
    return {(kind, pupil_id): own.get((kind, pupil_id), Cadence.INSTANT) for kind in ABOUT_A_CHILD for pupil_id in ids}


@transaction.atomic
def set_cadences(*, user: User, chosen: dict[tuple[str, int], str], send_at: time, push_details: bool) -> int:
    """Store the person's cadences per child kind and child (``pupil_id``s the caller checked ``user`` sees),
    the digest time and the lock-screen choice; returns how many things changed (each audited)."""
    current = cadences_of(user, {pupil_id for _kind, pupil_id in chosen})
    changed = {pair: cadence for pair, cadence in chosen.items() if current.get(pair) != cadence}
    for (kind, pupil_id), cadence in changed.items():
        CadenceChoice.objects.update_or_create(user=user, kind=kind, pupil_id=pupil_id, defaults={"cadence": cadence})
    settings_row, _created = DigestSettings.objects.get_or_create(user=user)
    before = (settings_row.send_at, settings_row.push_details)
    settings_row.send_at, settings_row.push_details = send_at, push_details
    if (send_at, push_details) != before:
        settings_row.save(update_fields=["send_at", "push_details"])
    count = len(changed) + ((send_at, push_details) != before)
    if count:
        record_event(
            actor=user,
            action="notify.cadence_set",
            target=user,
            changes=[
                {"kind": kind, "pupil": pupil_id, "cadence": cadence} for (kind, pupil_id), cadence in changed.items()
            ]
            + [{"digest_at": send_at.strftime("%H:%M"), "push_details": push_details}],
        )
    return count


def digest_time_of(user: User) -> time:
    row = DigestSettings.objects.filter(user=user).values_list("send_at", flat=True).first()
    return row or DEFAULT_DIGEST_TIME


def digest_moment(send_at: time, now: datetime) -> datetime:
    """Today's digest moment in school time."""
    local = timezone.localtime(now)
    return datetime.combine(local.date(), send_at, tzinfo=local.tzinfo)


def add_to_digest(
    *, users: list[Any], key: UUID, kind: str, pupil_id: int | None, subject: str, body: str, link: str
) -> None:
    """Keep the notification for each person's next digest, and wake the worker at the digest time."""
    DigestEntry.objects.bulk_create(
        [
            DigestEntry(user=user, key=key, kind=kind, pupil_id=pupil_id, subject=subject, body=body, link=link)
            for user in users
        ],
        ignore_conflicts=True,
    )
    now = timezone.now()
    times = dict(DigestSettings.objects.filter(user__in=users).values_list("user_id", "send_at"))
    next_due = {user.pk: next_digest_moment(times.get(user.pk, DEFAULT_DIGEST_TIME), now) for user in users}
    # A person who already waits for this very digest moment has had its wake-up queued by the first entry.
    earliest = min(next_due.values(), default=now) - timedelta(days=1)
    already = {
        (user_id, next_due[user_id])
        for user_id, created_at in DigestEntry.objects.filter(
            user_id__in=list(next_due), digest_key=None, created_at__gt=earliest, created_at__lt=now
        )
        .exclude(key=key)
        .values_list("user_id", "created_at")
        if next_digest_moment(times.get(user_id, DEFAULT_DIGEST_TIME), created_at) == next_due[user_id]
    }
    for moment in sorted({due for user_id, due in next_due.items() if (user_id, due) not in already}):
        _wake_digests_at(moment)


def next_digest_moment(send_at: time, now: datetime) -> datetime:
    """The first digest moment after ``now``: today's, or tomorrow's when today's has passed."""
    moment = digest_moment(send_at, now)
    return moment if moment > now else digest_moment(send_at, timezone.localtime(now) + timedelta(days=1))


def _wake_digests_at(moment: datetime) -> None:
    """Where the task backend can defer, send the digests at ``moment`` exactly (``run_sweeps`` otherwise)."""
    from notify.digest import send_due_digests  # digest builds on this module

    if send_due_digests.get_backend().supports_defer:
        send_due_digests.using(run_after=moment).enqueue()
