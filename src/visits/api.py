"""Family API of visits and meals: ``/students/{id}/visits`` and ``/students/{id}/meals``.

Thin: read the period (the diary's rules: none → the current week; from > to or more than 31 days → 400),
call one selector (404 for anyone who may not see the pupil's visits and meals), serialise. Times are
ISO 8601 in Moscow time (+03:00); money is in kopecks, with roubles as a decimal string beside it.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Router, Schema
from pydantic import BeforeValidator, Field, WithJsonSchema

from core.periods import FROM, TO, period
from portal.oidc import api_auth
from portal.web import api_user
from visits import selectors
from visits.services import MAX_THRESHOLD_RUB, set_low_balance_threshold

router = Router(tags=["visits"], auth=api_auth("visits.read"))


@router.get(
    "/students/{student_id}/visits",
    response=selectors.VisitsPeriod,
    url_name="student_visits",
    summary="Turnstile passes by day with arrival, leaving, time inside and the late flag",
)
def student_visits(
    request: HttpRequest, student_id: UUID, start: date | None = FROM, end: date | None = TO
) -> selectors.VisitsPeriod:
    first, last = period(start, end)
    return selectors.visits_period(viewer=api_user(request), student_id=student_id, start=first, end=last)


@router.get(
    "/students/{student_id}/meals",
    response=selectors.MealsPeriod,
    url_name="student_meals",
    summary="Meal purchases and top-ups by day, the period's totals, the balance and your threshold",
)
def student_meals(
    request: HttpRequest, student_id: UUID, start: date | None = FROM, end: date | None = TO
) -> selectors.MealsPeriod:
    first, last = period(start, end)
    return selectors.meals_period(viewer=api_user(request), student_id=student_id, start=first, end=last)


ROUBLES_TEXT = r"^[0-9]{1,6}(\.[0-9]{1,2})?$"


def _roubles_text(value: Any) -> Any:
    """A string amount is digits with at most two decimals, as the document says (no "1e3", no spaces)."""
    if isinstance(value, str) and not re.fullmatch(ROUBLES_TEXT, value):
        raise ValueError("not an amount in roubles")
    return value


Roubles = Annotated[
    Decimal,
    BeforeValidator(_roubles_text),
    Field(ge=0, le=MAX_THRESHOLD_RUB),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "number", "minimum": 0, "maximum": int(MAX_THRESHOLD_RUB)},
                {"type": "string", "pattern": ROUBLES_TEXT},
            ]
        }
    ),
]


class ThresholdIn(Schema):
    amount: Roubles | None  # null clears the threshold


class ThresholdOut(Schema):
    threshold: int | None  # kopecks; null: none set


@router.put(
    "/students/{student_id}/meals/threshold",
    response=ThresholdOut,
    url_name="student_meals_threshold",
    summary="Set (or clear with null) your low-balance warning for the child (adult linked guardians)",
)
def set_threshold(request: HttpRequest, student_id: UUID, payload: ThresholdIn) -> Any:
    threshold = set_low_balance_threshold(user=api_user(request), student_id=student_id, amount_rub=payload.amount)
    return {"threshold": threshold.amount if threshold is not None else None}
