"""Fixtures for the family side of visits and meals: the diary's school with a turnstile system, and
helpers that put passes, meals and lessons where a test needs them (as the ingest would have stored them).

A test module takes the fixtures by assignment (``visits_school = family_fixtures.visits_school``), so
that test arguments of the same name do not read as redefined imports.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from oauth2_provider.models import get_application_model

from diary.models import Lesson
from registry.models import Pupil, School
from tests.diary.conftest import DiarySchool, diary_school  # noqa: F401
from visits.models import IngestClient, MealAccount, MealEvent, Pass

MSK = ZoneInfo("Europe/Moscow")
_ids = itertools.count(1)


def msk(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=MSK)


def give_turnstiles(school: School, since: datetime | None = None) -> IngestClient:
    """An ingest client for ``school`` (registered ``since``, by default before the test term): its passes
    count for late arrivals from then on."""
    model = get_application_model()
    application = model.objects.create(
        name=f"Турникеты {school.code}",
        client_type=model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=model.GRANT_CLIENT_CREDENTIALS,
    )
    return IngestClient.objects.create(
        application=application, school=school, created_at=since or msk(date(2026, 9, 1), 8)
    )


def add_pass(pupil: Pupil, at: datetime, direction: str = "in", entrance: str = "Главный вход") -> Pass:
    return Pass.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        event_id=f"p{next(_ids)}",
        occurred_at=at,
        direction=direction,
        entrance=entrance,
    )


def add_meal(
    pupil: Pupil, at: datetime, kind: str, amount: int, items: list[dict[str, Any]] | None = None
) -> MealEvent:
    return MealEvent.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        event_id=f"m{next(_ids)}",
        kind=kind,
        occurred_at=at,
        amount=amount,
        items=items or [],
    )


def set_balance(pupil: Pupil, kopecks: int) -> None:
    MealAccount.objects.update_or_create(pupil=pupil, defaults={"balance": kopecks})


def add_lesson(
    ds: DiarySchool, day: date, slot: int = 0, school_class: Any = None, status: str = Lesson.Status.SCHEDULED
) -> Lesson:
    return Lesson.objects.create(
        school_class=school_class or ds.class_7a,
        term=ds.term,
        date=day,
        slot=ds.slots[slot],
        subject=ds.algebra,
        teacher=ds.math_teacher,
        status=status,
    )


@pytest.fixture
def visits_school(diary_school: DiarySchool) -> DiarySchool:  # noqa: F811
    """``diary_school`` whose turnstiles report passes (it has an ingest client)."""
    give_turnstiles(diary_school.school)
    return diary_school
