"""The diary's small school with a registrar, a trusted person of Анна's diary (and one of her visits only),
and a second school whose registrar keeps nothing here."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from portal.models import User
from registry.models import School, SchoolClass, StaffMember
from tests.diary.conftest import DiarySchool, client_for, diary_school, make_account, make_pupil  # noqa: F401
from tests.grants import make_grant


@dataclass
class NewsSchool:
    ds: DiarySchool
    registrar: User
    trusted_diary: User  # Анна's grandmother, the diary
    trusted_visits: User  # Анна's aunt, visits and meals only
    other_registrar: User  # of another school
    other_class: SchoolClass  # 5А of this school, with Дима (no family linked)


@pytest.fixture
def news(diary_school: DiarySchool) -> NewsSchool:  # noqa: F811
    return build_news_school(diary_school)


def build_news_school(ds: DiarySchool) -> NewsSchool:
    registrar = make_account("registrar@example.ru", "+79000000501", "Петров", "Сергей")
    StaffMember.objects.create(school=ds.school, account=registrar, role=StaffMember.Role.REGISTRAR)
    other_school = School.objects.create(code="d2", name="Школа № 2")
    other_registrar = make_account("registrar2@example.ru", "+79000000502", "Иванов", "Иван")
    StaffMember.objects.create(school=other_school, account=other_registrar, role=StaffMember.Role.REGISTRAR)
    anna = ds.pupils[0]
    trusted_diary = make_account("grandma@example.ru", "+79000000503", "Андреева", "Галина")
    make_grant(anna, trusted_diary, "diary")
    trusted_visits = make_account("aunt@example.ru", "+79000000504", "Андреева", "Тамара")
    make_grant(anna, trusted_visits, "visits_meals")
    other_class = SchoolClass.objects.create(school=ds.school, grade=5, letter="А")
    make_pupil(other_class, "Дмитриев", "Дима")
    return NewsSchool(
        ds=ds,
        registrar=registrar,
        trusted_diary=trusted_diary,
        trusted_visits=trusted_visits,
        other_registrar=other_registrar,
        other_class=other_class,
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``action`` and what it left for after the commit (the notifications)."""

    def _run(action: Callable[[], Any]) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return action()

    return _run


def post(user: User | None, **body: Any) -> Any:
    data = {"title": "Родительское собрание", "body": "В четверг в 19:00, кабинет 21.", **body}
    return client_for(user).post(reverse("api:announcement_post"), json.dumps(data), content_type="application/json")


def api(client: Client, name: str, announcement_id: int, method: str = "post", **headers: Any) -> Any:
    url = reverse(f"api:{name}", kwargs={"announcement_id": announcement_id})
    return getattr(client, method)(url, headers=headers)
