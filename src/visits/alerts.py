"""Warnings for families from visits and meals: not at school by the first lesson, a low meal balance.

Late arrival is only judged in schools that have an ingest client (a turnstile system that reports
passes), and only for lessons after its registration: a school without turnstiles would otherwise make
every child "late" every morning. For the
same reason a school whose turnstiles have sent no IN pass at all today is taken to be offline and
skipped, and a pupil is judged ``SWEEP_DELAY`` after the first lesson starts, so that passes still on
their way (systems send batches every few minutes) are not read as absence.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Exists, Min, OuterRef, Subquery
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

import access
from diary.models import AbsenceNote, Lesson
from notify.models import Kind
from notify.services import in_site_language, notify
from registry.models import Pupil
from visits.models import IngestClient, LateArrivalNotice, LowBalanceThreshold, MealAccount, Pass
from visits.selectors import local_midnight, rub

SWEEP_DELAY = timedelta(minutes=10)


def _roubles(kopecks: int) -> str:
    """The amount as the meals page shows it (``floatformat:"2g"`` of ``rub``): "1 271,00" in Russian."""
    return str(floatformat(rub(kopecks), "2g"))


@task()
def check_low_balances(*, pupil_ids: list[int]) -> int:
    with in_site_language():
        return _check_low_balances(pupil_ids)


def _check_low_balances(pupil_ids: list[int]) -> int:
    """Tell guardians whose threshold a pupil's balance fell below; returns how many were told.

    One notice per fall: ``notified_at`` is set when told and cleared once the balance is back at or
    above the threshold. Idempotent, and safe to run twice at once (the flag is taken by a conditional
    update). A threshold whose owner no longer reads the child's meals (the guardian link ended) is silent.
    """
    told = 0
    with transaction.atomic():
        balances = dict(MealAccount.objects.filter(pupil_id__in=pupil_ids).values_list("pupil_id", "balance"))
        thresholds = list(LowBalanceThreshold.objects.filter(pupil_id__in=pupil_ids).select_related("pupil"))
        if not thresholds:
            return 0
        readers = access.family_readers({t.pupil_id for t in thresholds}, access.VISITS_MEALS)
        now = timezone.now()
        for threshold in thresholds:
            balance = balances.get(threshold.pupil_id, 0)
            if balance >= threshold.amount:
                if threshold.notified_at is not None:
                    LowBalanceThreshold.objects.filter(pk=threshold.pk).update(notified_at=None)
                continue
            if threshold.account_id not in readers[threshold.pupil_id]:
                continue
            if not LowBalanceThreshold.objects.filter(pk=threshold.pk, notified_at__isnull=True).update(
                notified_at=now
            ):
                continue  # told already for this fall
            pupil = threshold.pupil
            notify(
                kind=Kind.LOW_BALANCE,
                user_ids=[threshold.account_id],
                subject=_("Low meal balance: %(name)s, %(balance)s ₽")
                % {"name": pupil.given_name, "balance": _roubles(balance)},
                body=_(
                    "The meal balance of %(name)s is %(balance)s ₽, below the %(threshold)s ₽ you set. "
                    "Top up the meal account."
                )
                % {"name": pupil.full_name, "balance": _roubles(balance), "threshold": _roubles(threshold.amount)},
                link=reverse("visits:meals", args=[pupil.public_id]),
                pupil_id=pupil.pk,
                push_title=str(_("Low meal balance")),
            )
            told += 1
    return told


def sweep_late_arrivals(now: datetime | None = None) -> int:
    """Tell families of pupils who had not come in by today's first lesson; returns how many pupils.

    Set-based: one query for the schools with turnstiles that work today, one for the classes' first
    lessons, then one per distinct first-lesson time (not per pupil or class) for the pupils with no IN
    pass before it and no notice yet. Running it again the same day tells nobody twice.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    day_start = local_midnight(today)
    working = Pass.objects.filter(
        school_id=OuterRef("school_id"), occurred_at__gte=day_start, occurred_at__lte=now, direction=Pass.Direction.IN
    )
    since = dict(
        IngestClient.objects.filter(Exists(working))
        .values("school_id")
        .annotate(first=Min("created_at"))
        .values_list("school_id", "first")
    )
    if not since:
        return 0
    tz = timezone.get_current_timezone()
    classes_by_start: dict[datetime, list[int]] = defaultdict(list)
    for class_id, school_id, first in (
        Lesson.objects.filter(date=today, school_class__school_id__in=since)
        .exclude(status=Lesson.Status.CANCELLED)
        .values("school_class_id", "school_class__school_id")
        .annotate(first=Min("slot__starts_at"))
        .values_list("school_class_id", "school_class__school_id", "first")
    ):
        starts_at = datetime.combine(today, first, tzinfo=tz)
        # Not before the turnstiles were there: passes before then were never reported.
        if since[school_id] <= starts_at and starts_at + SWEEP_DELAY <= now:
            classes_by_start[starts_at].append(class_id)
    told = 0
    with in_site_language():
        for starts_at, class_ids in sorted(classes_by_start.items()):
            told += _tell_late(today, day_start, starts_at, class_ids, now)
    return told


@transaction.atomic
def _tell_late(today: date, day_start: datetime, starts_at: datetime, class_ids: list[int], now: datetime) -> int:
    ins = Pass.objects.filter(pupil=OuterRef("pk"), direction=Pass.Direction.IN, occurred_at__gte=day_start)
    late = list(
        Pupil.objects.filter(school_class_id__in=class_ids, status=Pupil.Status.STUDYING)
        .exclude(Exists(ins.filter(occurred_at__lt=starts_at)))
        .exclude(Exists(LateArrivalNotice.objects.filter(pupil=OuterRef("pk"), date=today)))
        # The family told the school the child will miss (part of) the day: no warning to them about it.
        .exclude(Exists(AbsenceNote.objects.in_force(today).filter(pupil=OuterRef("pk"))))
        .annotate(
            came_in_at=Subquery(ins.filter(occurred_at__lte=now).order_by("occurred_at").values("occurred_at")[:1])
        )
        .only("pk", "public_id", "given_name")
    )
    if not late:
        return 0
    LateArrivalNotice.objects.bulk_create(
        [LateArrivalNotice(pupil=pupil, date=today, first_lesson_at=starts_at, created_at=now) for pupil in late],
        ignore_conflicts=True,
    )
    # An overlapping sweep may have written some of these notices first: tell only whom this run marked.
    ours = set(
        LateArrivalNotice.objects.filter(pupil__in=late, date=today, created_at=now).values_list("pupil_id", flat=True)
    )
    late = [pupil for pupil in late if pupil.pk in ours]
    readers = access.family_readers([pupil.pk for pupil in late], access.VISITS_MEALS)
    start_text = timezone.localtime(starts_at).strftime("%H:%M")
    for pupil in late:
        body = _("The first lesson began at %(time)s; no entry through the turnstile was recorded before it.") % {
            "time": start_text
        }
        came_in_at = getattr(pupil, "came_in_at", None)
        if came_in_at is not None:
            body += " " + _("Entry recorded at %(time)s.") % {"time": timezone.localtime(came_in_at).strftime("%H:%M")}
        notify(
            kind=Kind.LATE_ARRIVAL,
            user_ids=readers[pupil.pk],
            subject=_("%(name)s has not come to school by the first lesson") % {"name": pupil.given_name},
            body=body,
            link=reverse("visits:visits", args=[pupil.public_id]),
            pupil_id=pupil.pk,
            push_title=str(_("Not at school by the first lesson")),
        )
    return len(late)
