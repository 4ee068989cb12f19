"""The family pages of visits and meals: the week's passes with summaries and the late badge, week
navigation, the meals with the balance up front, and the threshold form only for the guardian."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import time_machine
from django.urls import reverse

from tests.diary.conftest import TERM_START, client_for
from tests.visits import family_fixtures
from tests.visits.family_fixtures import add_lesson, add_meal, add_pass, msk, set_balance

# Fixtures shared by the family tests of visits and meals.
diary_school = family_fixtures.diary_school
visits_school = family_fixtures.visits_school

MONDAY = TERM_START


def page(name: str, pupil: Any, week: Any = MONDAY) -> str:
    return reverse(name, kwargs={"student_id": pupil.public_id}) + (f"?week={week.isoformat()}" if week else "")


def test_the_visits_page(visits_school: Any) -> None:
    anna = visits_school.pupils[0]
    add_lesson(visits_school, MONDAY, 0)
    add_lesson(visits_school, MONDAY + timedelta(days=1), 0)
    add_pass(anna, msk(MONDAY, 8, 40))
    add_pass(anna, msk(MONDAY, 14, 10), "out", "Вход со двора")
    add_pass(visits_school.pupils[1], msk(MONDAY + timedelta(days=1), 8, 50))  # the turnstiles work on Tuesday
    response = client_for(visits_school.parent).get(page("visits:visits", anna, MONDAY + timedelta(days=2)))
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('data-testid="visit-day"') == 5  # Monday to Friday; a weekend without passes is left out
    assert html.count('data-testid="pass"') == 2
    assert "08:40" in html
    assert "14:10" in html
    assert "Вход со двора" in html
    assert 'data-testid="time-inside"' in html
    assert html.count('data-testid="late"') == 1  # Tuesday: a lesson at 09:00 and no pass
    assert f"?week={MONDAY - timedelta(days=7)}" in html
    assert f"?week={MONDAY + timedelta(days=7)}" in html
    assert 'data-testid="no-turnstiles"' not in html


def test_a_weekend_with_passes_is_shown(visits_school: Any) -> None:
    anna = visits_school.pupils[0]
    add_pass(anna, msk(MONDAY + timedelta(days=5), 10, 0))
    html = client_for(visits_school.parent).get(page("visits:visits", anna)).content.decode()
    assert html.count('data-testid="visit-day"') == 6
    assert 'data-testid="exit-unknown"' in html


def test_still_inside_today(visits_school: Any) -> None:
    anna = visits_school.pupils[0]
    add_pass(anna, msk(MONDAY, 8, 30))
    with time_machine.travel(msk(MONDAY, 11, 0), tick=False):
        html = client_for(visits_school.parent).get(page("visits:visits", anna, None)).content.decode()
    assert 'data-testid="still-inside"' in html
    assert 'class="card day today"' in html


def test_a_school_without_turnstiles_says_so(diary_school: Any) -> None:
    html = client_for(diary_school.parent).get(page("visits:visits", diary_school.pupils[0])).content.decode()
    assert 'data-testid="no-turnstiles"' in html


def test_a_bad_week_parameter_shows_the_current_week(visits_school: Any) -> None:
    response = client_for(visits_school.parent).get(
        reverse("visits:visits", kwargs={"student_id": visits_school.pupils[0].public_id}) + "?week=soon"
    )
    assert response.status_code == 200


def test_the_meals_page_for_the_guardian(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    add_meal(
        anna,
        msk(MONDAY, 12, 15),
        "purchase",
        10100,
        [
            {"name": "Борщ со сметаной", "quantity": 1, "price": 6500},
            {"name": "Компот из сухофруктов", "quantity": 2, "price": 1800},
        ],
    )
    add_meal(anna, msk(MONDAY, 7, 30), "top_up", 150000)
    set_balance(anna, 125401)
    html = client_for(diary_school.parent).get(page("visits:meals", anna)).content.decode()
    assert 'data-kopecks="125401"' in html
    assert "1\xa0254,01 ₽" in html or "1 254,01 ₽" in html
    assert "Борщ со сметаной" in html
    assert "×2" in html
    assert html.count('data-testid="purchase"') == 1
    assert html.count('data-testid="top-up"') == 1
    assert 'data-testid="threshold-form"' in html
    assert f"?week={MONDAY + timedelta(days=7)}" in html


def test_the_meals_page_for_the_pupil_has_no_form(diary_school: Any) -> None:
    vera = diary_school.pupils[2]
    response = client_for(diary_school.pupil_account).get(page("visits:meals", vera))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="balance"' in html
    assert 'data-testid="threshold-form"' not in html


def test_a_threshold_below_the_balance_is_shown(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    set_balance(anna, 10000)
    client = client_for(diary_school.parent)
    client.post(reverse("visits:threshold", kwargs={"student_id": anna.public_id}), {"amount": "300"})
    html = client.get(page("visits:meals", anna)).content.decode()
    assert 'data-testid="threshold"' in html
    assert "300,00" in html
