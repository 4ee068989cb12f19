"""Who reads visits and meals, on every new URL: guardians, the pupil, the form tutor and an active
``visits_meals`` trusted person may; a ``diary``-only trusted person, a pending or revoked grant, a subject
teacher, a guardian of another child, a classmate and a stranger get 404; the anonymous are sent to sign in (pages) or
get 401 (API)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.diary.conftest import client_for, make_account
from tests.grants import make_grant
from tests.visits import family_fixtures
from trust.models import Grant
from trust.models import View as GrantView
from trust.services import flush_views

# Fixtures shared by the family tests of visits and meals.
diary_school = family_fixtures.diary_school

PAGES = ("visits:visits", "visits:meals")
API = ("api:student_visits", "api:student_meals")
QUERY = "?from=2026-11-02&to=2026-11-08"


def urls(pupil: Any) -> list[str]:
    kwargs = {"student_id": pupil.public_id}
    return [reverse(name, kwargs=kwargs) for name in PAGES] + [reverse(name, kwargs=kwargs) + QUERY for name in API]


def grant_holder(ds: Any, email: str, phone: str, service: str, state: str = Grant.State.ACTIVE) -> Any:
    account = make_account(email, phone, "Андреева", "Галина")
    make_grant(ds.pupils[0], account, service, state=state)
    return account


@pytest.mark.parametrize("who", ["parent", "pupil", "form_tutor", "trusted_visits"])
def test_readers_read_every_url(diary_school: Any, who: str) -> None:
    ds = diary_school
    anna, _boris, vera = ds.pupils
    user, pupil = {
        "parent": (ds.parent, anna),
        "pupil": (ds.pupil_account, vera),
        "form_tutor": (ds.form_tutor, anna),
        "trusted_visits": (grant_holder(ds, "gv@example.ru", "+79000000301", "visits_meals"), anna),
    }[who]
    client = client_for(user)
    for url in urls(pupil):
        response = client.get(url)
        assert response.status_code == 200, (who, url, response.status_code)


def test_a_trusted_person_s_read_is_in_the_view_log(diary_school: Any) -> None:
    trusted = grant_holder(diary_school, "gv@example.ru", "+79000000301", "visits_meals")
    client_for(trusted).get(urls(diary_school.pupils[0])[2])
    flush_views()
    assert GrantView.objects.filter(section="visits_meals").count() == 1


@pytest.mark.parametrize(
    "who", ["trusted_diary", "pending", "revoked", "subject_teacher", "other_parent", "stranger", "classmate"]
)
def test_everyone_else_gets_404(diary_school: Any, who: str) -> None:
    ds = diary_school
    anna = ds.pupils[0]
    user = {
        "trusted_diary": lambda: grant_holder(ds, "gd@example.ru", "+79000000302", "diary"),
        "pending": lambda: grant_holder(ds, "gp@example.ru", "+79000000303", "visits_meals", Grant.State.PENDING),
        "revoked": lambda: grant_holder(ds, "gr@example.ru", "+79000000304", "visits_meals", Grant.State.REVOKED),
        "subject_teacher": lambda: ds.math_teacher,
        "other_parent": lambda: ds.other_parent,
        "stranger": lambda: make_account("x@example.ru", "+79000000305", "Чужой", "Человек"),
        "classmate": lambda: ds.pupil_account,
    }[who]()
    client = client_for(user)
    for url in urls(anna):
        response = client.get(url)
        assert response.status_code == 404, (who, url, response.status_code)
    assert (
        client.post(reverse("visits:threshold", kwargs={"student_id": anna.public_id}), {"amount": "100"}).status_code
        == 404
    )
    flush_views()
    assert not GrantView.objects.exists()


def test_an_unknown_student_is_404(diary_school: Any) -> None:
    client = client_for(diary_school.parent)
    assert client.get("/diary/00000000-0000-0000-0000-000000000000/visits/").status_code == 404
    assert client.get("/api/v1/students/not-a-uuid/meals").status_code == 404


def test_the_anonymous_sign_in_first(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    for url in urls(anna)[:2]:
        response = Client().get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/signin/"), url
    for url in urls(anna)[2:]:
        assert Client().get(url).status_code == 401, url
