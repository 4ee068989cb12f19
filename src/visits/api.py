"""Family API of visits and meals: ``/students/{id}/visits`` and ``/students/{id}/meals``.

Thin: read the period (the diary's rules: none → the current week; from > to or more than 31 days → 400),
call one selector (404 for anyone who may not see the pupil's visits and meals), serialise. Times are
ISO 8601 in Moscow time (+03:00); money is in kopecks, with roubles as a decimal string beside it.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from core.periods import FROM, TO, period
from diary.api import StudentOut
from portal.oidc import api_auth
from portal.web import api_user
from visits import selectors
from visits.services import set_low_balance_threshold

router = Router(tags=["visits"], auth=api_auth("visits.read"))


class PassOut(Schema):
    at: datetime
    direction: str
    direction_label: str
    entrance: str


class DaySummaryOut(Schema):
    arrived_at: datetime | None
    left_at: datetime | None
    minutes_inside: int
    still_inside: bool
    exit_unknown: bool
    first_lesson_at: datetime | None
    late: bool


class VisitDayOut(Schema):
    date: date
    passes: list[PassOut]
    summary: DaySummaryOut


class VisitsOut(Schema):
    student: StudentOut
    start: date
    end: date
    has_turnstiles: bool
    days: list[VisitDayOut]


class MealItemOut(Schema):
    name: str
    quantity: int
    price: int
    price_rub: str


class MealEventOut(Schema):
    at: datetime
    kind: str
    kind_label: str
    amount: int
    amount_rub: str
    items: list[MealItemOut]


class MealDayOut(Schema):
    date: date
    purchases: list[MealEventOut]
    top_ups: list[MealEventOut]
    spent: int
    spent_rub: str
    topped_up: int
    topped_up_rub: str


class MealsOut(Schema):
    student: StudentOut
    start: date
    end: date
    days: list[MealDayOut]
    spent: int
    spent_rub: str
    topped_up: int
    topped_up_rub: str
    balance: int
    balance_rub: str
    balance_updated_at: datetime | None
    threshold: int | None
    threshold_rub: str | None
    can_set_threshold: bool


@router.get(
    "/students/{student_id}/visits",
    response=VisitsOut,
    url_name="student_visits",
    summary="Turnstile passes by day with arrival, leaving, time inside and the late flag",
)
def student_visits(request: HttpRequest, student_id: str, start: date | None = FROM, end: date | None = TO) -> Any:
    first, last = period(start, end)
    return asdict(selectors.visits_period(viewer=api_user(request), student_id=student_id, start=first, end=last))


@router.get(
    "/students/{student_id}/meals",
    response=MealsOut,
    url_name="student_meals",
    summary="Meal purchases and top-ups by day, the period's totals, the balance and your threshold",
)
def student_meals(request: HttpRequest, student_id: str, start: date | None = FROM, end: date | None = TO) -> Any:
    first, last = period(start, end)
    return asdict(selectors.meals_period(viewer=api_user(request), student_id=student_id, start=first, end=last))


class ThresholdIn(Schema):
    amount: Decimal | None  # roubles; null clears the threshold


class ThresholdOut(Schema):
    threshold: int | None  # kopecks; null: none set


@router.put(
    "/students/{student_id}/meals/threshold",
    response=ThresholdOut,
    url_name="student_meals_threshold",
    summary="Set (or clear with null) your low-balance warning for the child (adult linked guardians)",
)
def set_threshold(request: HttpRequest, student_id: str, payload: ThresholdIn) -> Any:
    threshold = set_low_balance_threshold(user=api_user(request), student_id=student_id, amount_rub=payload.amount)
    return {"threshold": threshold.amount if threshold is not None else None}
