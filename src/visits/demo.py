"""Visits and meals of the demo school for ``make run``: for the last three weeks of school days, turnstile
passes (in before the first lesson, usually; one late morning for Артём), lunches and breakfasts from a
realistic canteen menu, top-ups when the account runs low, and the balance that follows from them.

Idempotent: every event has a deterministic ``event_id`` (re-inserting it changes nothing), the random
choices are seeded by pupil and day, and the balance is recomputed from all the pupil's events. Running
it on a later day adds the days since. Ольга Смирнова gets a low-balance threshold for Артём; the demo
school gets an ingest client (if it has none) so that late arrivals are judged there.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Case, F, IntegerField, Max, Min, Sum, When
from django.utils import timezone
from oauth2_provider.models import get_application_model

from diary.models import Lesson
from portal.models import User
from registry.models import Pupil, School
from visits.alerts import check_low_balances
from visits.models import IngestClient, LowBalanceThreshold, MealAccount, MealEvent, Pass

SEED = 20261128
DAYS_BACK = 21
ENTRANCES = ["Главный вход", "Главный вход", "Главный вход", "Вход со стороны стадиона"]
# (name, price in kopecks)
BREAKFAST = [
    ("Каша овсяная с маслом", 4500),
    ("Сырники со сметаной", 7800),
    ("Омлет натуральный", 6200),
    ("Запеканка творожная", 6900),
    ("Бутерброд с сыром", 3500),
    ("Какао с молоком", 2800),
    ("Чай с сахаром", 1200),
]
SOUPS = [
    ("Борщ со сметаной", 6500),
    ("Щи из свежей капусты", 5800),
    ("Суп куриный с лапшой", 6000),
    ("Рассольник ленинградский", 5900),
    ("Суп гороховый", 5500),
]
MAINS = [
    ("Котлета куриная с пюре", 11500),
    ("Гуляш с гречкой", 12800),
    ("Рыба запечённая с рисом", 13500),
    ("Тефтели в соусе с макаронами", 11900),
    ("Плов с курицей", 12200),
    ("Голубцы ленивые", 11000),
]
DRINKS = [("Компот из сухофруктов", 1800), ("Кисель ягодный", 2000), ("Чай с лимоном", 1500)]
BAKERY = [("Булочка с корицей", 3200), ("Пирожок с яблоком", 2900), ("Ватрушка с творогом", 3400)]
TOP_UP_BELOW = 40000  # a parent tops up when the balance is under 400 ₽
TOP_UPS = [100000, 150000, 200000]
DEMO_GUARDIAN_EMAIL = "olga.smirnova@dnevnik.test"
DEMO_THRESHOLD = 50000  # 500 ₽


@dataclass(frozen=True)
class SchoolDay:
    first: datetime  # the first lesson's start
    last: datetime  # the last lesson's end


def school_days(school: School, start: date, end: date) -> dict[tuple[int, date], SchoolDay]:
    """``(class id, date)`` → the day's first start and last end of lessons that are not cancelled."""
    tz = timezone.get_current_timezone()
    rows = (
        Lesson.objects.filter(school_class__school=school, date__range=(start, end))
        .exclude(status=Lesson.Status.CANCELLED)
        .values("school_class_id", "date")
        .annotate(first=Min("slot__starts_at"), last=Max("slot__ends_at"))
        .values_list("school_class_id", "date", "first", "last")
    )
    return {
        (class_id, day): SchoolDay(datetime.combine(day, first, tzinfo=tz), datetime.combine(day, last, tzinfo=tz))
        for class_id, day, first, last in rows
    }


def _at(day: date, hour: int, minute: int) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=timezone.get_current_timezone())


@dataclass(frozen=True)
class Who:
    """The pupil an event is about, and the prefix that makes its event ids unique to the generator."""

    pupil_id: int
    school_id: int
    prefix: str = "demo"

    def event_id(self, what: str, day: date, n: int) -> str:
        return f"{self.prefix}-{what}-{self.pupil_id}-{day:%Y%m%d}-{n}"


def day_passes(who: Who, day: date, lessons: SchoolDay, rng: random.Random, late: bool = False) -> list[Pass]:
    """In before the first lesson (after it, if ``late``), now and then out and back, out after the last."""
    entrance = rng.choice(ENTRANCES)
    arrived = lessons.first + timedelta(minutes=rng.randint(12, 20) if late else -rng.randint(5, 25))
    moments = [(arrived, Pass.Direction.IN)]
    if rng.random() < 0.1:  # out to the stadium across the street between lessons, and back
        out = lessons.first + timedelta(hours=2, minutes=rng.randint(0, 20))
        moments += [(out, Pass.Direction.OUT), (out + timedelta(minutes=rng.randint(25, 45)), Pass.Direction.IN)]
    moments.append((lessons.last + timedelta(minutes=rng.randint(5, 70)), Pass.Direction.OUT))
    return [
        Pass(
            school_id=who.school_id,
            pupil_id=who.pupil_id,
            event_id=who.event_id("pass", day, n),
            occurred_at=at,
            direction=direction,
            entrance=entrance,
        )
        for n, (at, direction) in enumerate(moments)
    ]


def _meal(
    who: Who, day: date, n: int, at: datetime, kind: str, amount: int, items: list[dict[str, Any]] | None = None
) -> MealEvent:
    return MealEvent(
        school_id=who.school_id,
        pupil_id=who.pupil_id,
        event_id=who.event_id("meal", day, n),
        kind=kind,
        occurred_at=at,
        amount=amount,
        items=items or [],
    )


def _purchase(who: Who, day: date, n: int, at: datetime, choices: list[tuple[str, int]]) -> MealEvent:
    items = [{"name": name, "quantity": 1, "price": price} for name, price in choices]
    return _meal(who, day, n, at, MealEvent.Kind.PURCHASE, sum(price for _name, price in choices), items)


def day_meals(who: Who, day: date, lessons: SchoolDay, rng: random.Random, balance: int) -> tuple[list[MealEvent], int]:
    """The day's top-up (if the balance is low), breakfast (sometimes) and lunch (usually); the new balance."""
    events = []
    if balance < TOP_UP_BELOW:
        amount = rng.choice(TOP_UPS)
        events.append(
            _meal(who, day, 0, lessons.first - timedelta(minutes=rng.randint(40, 90)), MealEvent.Kind.TOP_UP, amount)
        )
        balance += amount
    if rng.random() < 0.4:
        choice = [rng.choice(BREAKFAST[:5]), rng.choice(BREAKFAST[5:])]
        events.append(_purchase(who, day, 1, lessons.first + timedelta(minutes=50 + rng.randint(0, 9)), choice))
    if rng.random() < 0.85:
        choice = [rng.choice(SOUPS), rng.choice(MAINS), rng.choice(DRINKS)]
        if rng.random() < 0.3:
            choice.append(rng.choice(BAKERY))
        events.append(_purchase(who, day, 2, _at(day, 12, 5) + timedelta(minutes=rng.randint(0, 50)), choice))
    balance -= sum(event.amount for event in events if event.kind == MealEvent.Kind.PURCHASE)
    return events, balance


SIGNED = Case(When(kind=MealEvent.Kind.TOP_UP, then=F("amount")), default=-F("amount"), output_field=IntegerField())


def balances_before(school: School, moment: datetime | None = None) -> dict[int, int]:
    """Each pupil's top-ups minus purchases (before ``moment``, if given)."""
    events = MealEvent.objects.filter(pupil__school=school)
    if moment is not None:
        events = events.filter(occurred_at__lt=moment)
    rows = events.values("pupil_id").annotate(total=Sum(SIGNED)).values_list("pupil_id", "total")
    return {pupil_id: total or 0 for pupil_id, total in rows}


def _ensure_ingest_client(school: School, since: datetime) -> None:
    """A turnstile client for the demo school, reporting since ``since``, so that late arrivals are judged
    over the demo's weeks (no client: no late flags; a client made today: none before today)."""
    if not IngestClient.objects.filter(school=school).exists():
        application_model = get_application_model()
        application = application_model.objects.create(
            name="Турникеты и столовая (демо)",
            client_type=application_model.CLIENT_CONFIDENTIAL,
            authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
            client_secret=secrets.token_urlsafe(32),
        )  # nobody signs in with it: the secret is never shown
        IngestClient.objects.create(application=application, school=school, created_at=since)
    IngestClient.objects.filter(school=school, created_at__gt=since).update(created_at=since)


def _late_day(days: list[date]) -> date | None:
    """Артём's one late morning: a school day about a week ago."""
    past = [day for day in days if day < timezone.localdate()]
    return past[-5] if len(past) >= 5 else (past[0] if past else None)


@transaction.atomic
def load_visits_demo(school: School, *, now: datetime | None = None) -> dict[str, int]:
    """Passes, meals, balances and Ольга's threshold for the demo school's pupils. Idempotent."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start = today - timedelta(days=DAYS_BACK)
    window_start = datetime.combine(start, time(0), tzinfo=timezone.get_current_timezone())
    _ensure_ingest_client(school, window_start)
    by_class_day = school_days(school, start, today)
    balances = balances_before(school, window_start)
    passes: list[Pass] = []
    meals: list[MealEvent] = []
    pupils = list(Pupil.objects.filter(school=school, status=Pupil.Status.STUDYING).order_by("pk"))
    for pupil in pupils:
        days = sorted(day for class_id, day in by_class_day if class_id == pupil.school_class_id)
        late_day = _late_day(days) if (pupil.surname, pupil.given_name) == ("Смирнов", "Артём") else None
        balance = balances.get(pupil.pk, 0)
        for day in days:
            rng = random.Random(f"{SEED}-{pupil.pk}-{day}")  # noqa: S311  (demo data, not secrets)
            lessons = by_class_day[(pupil.school_class_id, day)]
            who = Who(pupil_id=pupil.pk, school_id=school.pk)
            passes += [one for one in day_passes(who, day, lessons, rng, day == late_day) if one.occurred_at <= now]
            events, balance = day_meals(who, day, lessons, rng, balance)
            meals += [event for event in events if event.occurred_at <= now]
    Pass.objects.bulk_create(passes, batch_size=1000, ignore_conflicts=True)
    MealEvent.objects.bulk_create(meals, batch_size=1000, ignore_conflicts=True)
    accounts = recompute_balances(school, now)
    _demo_threshold(school)
    return {"passes": len(passes), "meal_events": len(meals), "accounts": accounts}


def recompute_balances(school: School, now: datetime) -> int:
    """Set each meal account of the school to its pupil's top-ups minus purchases (two queries)."""
    totals = balances_before(school)
    MealAccount.objects.bulk_create(
        [MealAccount(pupil_id=pupil_id, balance=total, updated_at=now) for pupil_id, total in totals.items()],
        update_conflicts=True,
        unique_fields=["pupil"],
        update_fields=["balance", "updated_at"],
        batch_size=1000,
    )
    return len(totals)


def _demo_threshold(school: School) -> None:
    olga = User.objects.filter(email=DEMO_GUARDIAN_EMAIL).first()
    artyom = Pupil.objects.filter(school=school, surname="Смирнов", given_name="Артём").first()
    if olga is None or artyom is None:
        return
    _threshold, created = LowBalanceThreshold.objects.get_or_create(
        account=olga, pupil=artyom, defaults={"amount": DEMO_THRESHOLD}
    )
    if created:
        pupil_ids = [artyom.pk]
        transaction.on_commit(lambda: check_low_balances.enqueue(pupil_ids=pupil_ids))
