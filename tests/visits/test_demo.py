"""The demo's visits and meals (``load_demo``) and the benchmark generator (``generate_visits_data``)."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum

from diary.lessons import generate_lessons
from registry.models import Pupil, School
from tests.visits import family_fixtures
from visits.models import IngestClient, LowBalanceThreshold, MealAccount, MealEvent, Pass

# Fixtures shared by the family tests of visits and meals.
diary_school = family_fixtures.diary_school


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Pass, MealEvent, MealAccount, LowBalanceThreshold, IngestClient)
    }


def balance_from_events(pupil: Pupil) -> int:
    def total(kind: str) -> int:
        return int(MealEvent.objects.filter(pupil=pupil, kind=kind).aggregate(s=Sum("amount"))["s"] or 0)

    return total("top_up") - total("purchase")


def test_the_demo_loads_twice_and_changes_nothing(db: Any) -> None:
    call_command("load_demo", stdout=StringIO())
    first = counts()
    school = School.objects.get(code="demo")
    assert IngestClient.objects.filter(school=school).count() == 1
    threshold = LowBalanceThreshold.objects.get(account__email="olga.smirnova@dnevnik.test")
    assert (threshold.pupil.given_name, threshold.amount) == ("Артём", 50000)
    artyom = threshold.pupil
    if first["Pass"]:  # outside the summer the last three weeks have lessons
        passes = Pass.objects.filter(pupil=artyom)
        assert passes.filter(direction="in").exists()
        assert passes.filter(direction="out").exists()
        assert MealEvent.objects.filter(pupil=artyom, kind="purchase").exists()
        names = {item["name"] for event in MealEvent.objects.filter(kind="purchase") for item in event.items}
        assert "Борщ со сметаной" in names or "Котлета куриная с пюре" in names
        account = MealAccount.objects.get(pupil=artyom)
        assert account.balance == balance_from_events(artyom)
        assert account.balance >= 0
    call_command("load_demo", stdout=StringIO())
    assert counts() == first


def test_the_generator_on_a_tiny_school(diary_school: Any) -> None:
    generate_lessons(term=diary_school.term)
    out = StringIO()
    call_command(
        "generate_visits_data", school=diary_school.school.code, weeks=2, seed=3, stdout=out, stderr=StringIO()
    )
    assert "rows/s" in out.getvalue()
    made = counts()
    assert made["Pass"] > 0
    assert made["MealEvent"] > 0
    for pupil in Pupil.objects.filter(school=diary_school.school):
        assert MealAccount.objects.get(pupil=pupil).balance == balance_from_events(pupil)
    call_command(
        "generate_visits_data", school=diary_school.school.code, weeks=2, seed=3, stdout=StringIO(), stderr=StringIO()
    )
    assert counts() == made, "the same seed adds nothing"


def test_the_generator_needs_a_known_school(db: Any) -> None:
    with pytest.raises(CommandError):
        call_command("generate_visits_data", school="nope", weeks=1, stdout=StringIO())
