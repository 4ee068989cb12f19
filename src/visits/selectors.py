"""Reads of visits and meals for families (and the form tutor): day summaries of passes, meals with the balance.

Each selector asks ``access.get_student(..., service=VISITS_MEALS)`` first (404 for anyone who may not
see the pupil's visits and meals: a ``diary``-only trusted person, a subject teacher) and then runs a
fixed number of queries whatever the period holds.

Days are local (Europe/Moscow) dates. A *visit* is an IN pass paired with the next OUT pass at most
``MAX_VISIT`` later; a visit belongs to the day of its IN pass, even when it ends after midnight (an IN at
23:50 and an OUT at 00:10 is 20 minutes inside on the first day; the OUT is still listed among the
second day's passes, but does not make that day's "left"). Attributing to the IN day keeps one stay one
entry, and the late flag of the next morning unaffected.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Min
from django.db.models.functions import TruncDate
from django.utils import timezone

import access
from diary.models import Lesson
from diary.selectors import StudentRow, logged, student_row
from visits.models import LowBalanceThreshold, MealAccount, MealEvent, Pass

# A longer IN → OUT gap is not one stay: a pass was missed in between (a turnstile held open, a broken reader).
MAX_VISIT = timedelta(hours=16)


def rub(kopecks: int) -> str:
    """Kopecks as roubles in a decimal string with two places: 15050 → "150.50"."""
    return f"{Decimal(kopecks) / 100:.2f}"


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())


# ---------------------------------------------------------------- visits


@dataclass(frozen=True)
class PassRow:
    at: datetime  # local time
    direction: str  # "in" | "out"
    direction_label: str
    entrance: str


@dataclass(frozen=True)
class DaySummary:
    arrived_at: datetime | None  # the first IN of the day
    left_at: datetime | None  # the last OUT of the day's visits (may fall on the next date)
    minutes_inside: int  # the sum of the day's IN → OUT visits
    still_inside: bool  # the latest pass is an IN of less than MAX_VISIT ago
    exit_unknown: bool  # an IN with no OUT after it, and not still inside
    first_lesson_at: datetime | None  # the start of the day's first lesson that is not cancelled
    late: bool  # lessons that day, turnstiles reporting by then, and no IN before the first lesson started


@dataclass(frozen=True)
class VisitDay:
    date: date
    passes: list[PassRow]
    summary: DaySummary


@dataclass(frozen=True)
class VisitsPeriod:
    student: StudentRow
    start: date
    end: date
    has_turnstiles: bool  # the school's turnstiles let someone in during the period; if not, nobody is late
    days: list[VisitDay]


Visit = tuple[Pass | None, Pass | None]


def pair_visits(passes: list[Pass]) -> list[Visit]:
    """IN → OUT pairs of time-ordered passes; an IN without its OUT and an OUT without its IN stand alone."""
    visits: list[Visit] = []
    open_in: Pass | None = None
    for one in passes:
        if one.direction == Pass.Direction.IN:
            if open_in is not None:
                visits.append((open_in, None))
            open_in = one
        elif open_in is not None and one.occurred_at - open_in.occurred_at <= MAX_VISIT:
            visits.append((open_in, one))
            open_in = None
        else:
            if open_in is not None:
                visits.append((open_in, None))
                open_in = None
            visits.append((None, one))
    if open_in is not None:
        visits.append((open_in, None))
    return visits


def _summary(
    visits: list[Visit],
    last_pass: Pass | None,
    now: datetime,
    first_lesson_at: datetime | None,
    entered_before_first_lesson: bool,
    judged: bool,
) -> DaySummary:
    arrivals = [entered.occurred_at for entered, _left in visits if entered is not None]
    exits = [left.occurred_at for _entered, left in visits if left is not None]
    minutes = sum(
        int((left.occurred_at - entered.occurred_at).total_seconds()) // 60
        for entered, left in visits
        if entered is not None and left is not None
    )
    still_inside = exit_unknown = False
    for entered, left in visits:
        if entered is None or left is not None:
            continue
        if entered is last_pass and now - entered.occurred_at < MAX_VISIT:
            still_inside = True
        else:
            exit_unknown = True
    late = judged and first_lesson_at is not None and first_lesson_at <= now and not entered_before_first_lesson
    return DaySummary(
        arrived_at=timezone.localtime(min(arrivals)) if arrivals else None,
        left_at=timezone.localtime(max(exits)) if exits else None,
        minutes_inside=minutes,
        still_inside=still_inside,
        exit_unknown=exit_unknown,
        first_lesson_at=first_lesson_at,
        late=late,
    )


def first_lessons(school_class_id: int, start: date, end: date) -> dict[date, datetime]:
    """Each day's first start of a lesson that is not cancelled, as an aware local datetime (one query)."""
    tz = timezone.get_current_timezone()
    rows = (
        Lesson.objects.filter(school_class_id=school_class_id, date__range=(start, end))
        .exclude(status=Lesson.Status.CANCELLED)
        .values("date")
        .annotate(first=Min("slot__starts_at"))
        .values_list("date", "first")
    )
    return {day: datetime.combine(day, first, tzinfo=tz) for day, first in rows}


def visits_period(*, viewer: Any, student_id: Any, start: date, end: date, now: datetime | None = None) -> VisitsPeriod:
    """Every day of the period: its passes, a summary, the late flag. Four queries: the pupil (access),
    the days the school's turnstiles worked, the first lessons, the passes.

    A day is judged for lateness only if the school's turnstiles let somebody in that day: a school
    without turnstiles (or with only a canteen system), days before they were installed and a day they
    were offline call nobody late."""
    pupil = logged(access.get_student(viewer, student_id, service=access.VISITS_MEALS)).pupil
    now = now or timezone.now()
    working_days = set(
        Pass.objects.filter(
            school_id=pupil.school_id,
            direction=Pass.Direction.IN,
            occurred_at__gte=local_midnight(start),
            occurred_at__lt=local_midnight(end + timedelta(days=1)),
        )
        .annotate(day=TruncDate("occurred_at", tzinfo=timezone.get_current_timezone()))
        .values_list("day", flat=True)
        .distinct()
    )
    starts = first_lessons(pupil.school_class_id, start, end)
    # Reach back and forward by one stay, so a visit across midnight at either edge pairs up.
    passes = list(
        Pass.objects.filter(
            pupil=pupil,
            occurred_at__gte=local_midnight(start) - MAX_VISIT,
            occurred_at__lt=local_midnight(end + timedelta(days=1)) + MAX_VISIT,
        ).order_by("occurred_at", "pk")
    )
    last_pass = passes[-1] if passes else None
    by_day: dict[date, list[PassRow]] = defaultdict(list)
    for one in passes:
        at = timezone.localtime(one.occurred_at)
        by_day[at.date()].append(
            PassRow(
                at=at, direction=one.direction, direction_label=str(one.get_direction_display()), entrance=one.entrance
            )
        )
    visits_by_day: dict[date, list[Visit]] = defaultdict(list)
    for visit in pair_visits(passes):
        entered, left = visit
        anchor = entered.occurred_at if entered is not None else left.occurred_at if left is not None else None
        if anchor is not None:
            visits_by_day[timezone.localdate(anchor)].append(visit)
    days = []
    for offset in range((end - start).days + 1):
        day = start + timedelta(days=offset)
        first = starts.get(day)
        entered_in_time = first is not None and any(
            row.direction == Pass.Direction.IN and row.at < first for row in by_day[day]
        )
        judged = first is not None and day in working_days
        summary = _summary(visits_by_day[day], last_pass, now, first, entered_in_time, judged)
        days.append(VisitDay(date=day, passes=by_day[day], summary=summary))
    return VisitsPeriod(student=student_row(pupil), start=start, end=end, has_turnstiles=bool(working_days), days=days)


# ---------------------------------------------------------------- meals


@dataclass(frozen=True)
class MealItemRow:
    name: str
    quantity: int
    price: int  # kopecks, for one
    price_rub: str


@dataclass(frozen=True)
class MealEventRow:
    at: datetime  # local time
    kind: str  # "purchase" | "top_up"
    kind_label: str
    amount: int  # kopecks
    amount_rub: str
    items: list[MealItemRow]


@dataclass(frozen=True)
class MealDay:
    date: date
    purchases: list[MealEventRow]
    top_ups: list[MealEventRow]
    spent: int
    spent_rub: str
    topped_up: int
    topped_up_rub: str


@dataclass(frozen=True)
class MealsPeriod:
    student: StudentRow
    start: date
    end: date
    days: list[MealDay]  # only the days with purchases or top-ups
    spent: int
    spent_rub: str
    topped_up: int
    topped_up_rub: str
    balance: int  # kopecks, now (not at the end of the period)
    balance_rub: str
    balance_updated_at: datetime | None
    threshold: int | None  # the caller's own low-balance threshold, kopecks
    threshold_rub: str | None
    can_set_threshold: bool


def _items(raw: Any) -> list[MealItemRow]:
    """The canteen's items as stored; tolerant of a missing quantity (1) or price (0)."""
    rows = []
    for item in raw if isinstance(raw, list) else []:
        if not isinstance(item, dict):
            continue
        price = int(item.get("price") or 0)
        rows.append(
            MealItemRow(
                name=str(item.get("name", "")),
                quantity=int(item.get("quantity") or 1),
                price=price,
                price_rub=rub(price),
            )
        )
    return rows


def meals_period(*, viewer: Any, student_id: Any, start: date, end: date) -> MealsPeriod:
    """Days with purchases (items, amounts) and top-ups, the period's totals, the current balance and the
    caller's threshold. Four queries, five for an adult guardian (the threshold right)."""
    pupil = logged(access.get_student(viewer, student_id, service=access.VISITS_MEALS)).pupil
    events = MealEvent.objects.filter(
        pupil=pupil, occurred_at__gte=local_midnight(start), occurred_at__lt=local_midnight(end + timedelta(days=1))
    ).order_by("occurred_at", "pk")
    by_day: dict[date, tuple[list[MealEventRow], list[MealEventRow]]] = {}
    for event in events:
        at = timezone.localtime(event.occurred_at)
        row = MealEventRow(
            at=at,
            kind=event.kind,
            kind_label=str(event.get_kind_display()),
            amount=event.amount,
            amount_rub=rub(event.amount),
            items=_items(event.items),
        )
        purchases, top_ups = by_day.setdefault(at.date(), ([], []))
        (purchases if event.kind == MealEvent.Kind.PURCHASE else top_ups).append(row)
    days = []
    for day, (purchases, top_ups) in sorted(by_day.items()):
        spent, topped_up = sum(r.amount for r in purchases), sum(r.amount for r in top_ups)
        days.append(
            MealDay(
                date=day,
                purchases=purchases,
                top_ups=top_ups,
                spent=spent,
                spent_rub=rub(spent),
                topped_up=topped_up,
                topped_up_rub=rub(topped_up),
            )
        )
    account = MealAccount.objects.filter(pupil=pupil).first()
    balance = account.balance if account else 0
    threshold = LowBalanceThreshold.objects.filter(pupil=pupil, account=viewer).values_list("amount", flat=True).first()
    spent, topped_up = sum(d.spent for d in days), sum(d.topped_up for d in days)
    return MealsPeriod(
        student=student_row(pupil),
        start=start,
        end=end,
        days=days,
        spent=spent,
        spent_rub=rub(spent),
        topped_up=topped_up,
        topped_up_rub=rub(topped_up),
        balance=balance,
        balance_rub=rub(balance),
        balance_updated_at=timezone.localtime(account.updated_at) if account else None,
        threshold=threshold,
        threshold_rub=rub(threshold) if threshold is not None else None,
        can_set_threshold=access.can(viewer, "trust.manage", pupil),
    )
