"""Registrars keep the year, the bell schedule and the timetable in the back office, and generate lessons."""

from __future__ import annotations

from typing import Any

from diary.models import Lesson, TimetableEntry
from registry.models import SchoolYear, StaffMember
from tests.diary.conftest import client_for, make_account


def registrar_of(school: Any, email: str = "registrar@example.ru") -> Any:
    registrar = make_account(email, "+79000000190")
    StaffMember.objects.create(school=school, account=registrar, role=StaffMember.Role.REGISTRAR)
    return registrar


def test_the_registrar_generates_the_years_lessons(diary_school: Any) -> None:
    client = client_for(registrar_of(diary_school.school))
    year = SchoolYear.objects.get(school=diary_school.school)
    response = client.post(
        "/backoffice/registry/schoolyear/", {"action": "generate_year_lessons", "_selected_action": [year.pk]}
    )
    assert response.status_code == 302
    assert Lesson.objects.filter(term=diary_school.term).count() == 25  # November 2026 without the 4th
    assert client.get("/backoffice/diary/timetableentry/").status_code == 200


def test_the_timetable_form_offers_only_the_schools_own_teachers_and_slots(diary_school: Any) -> None:
    client = client_for(registrar_of(diary_school.school))
    page = client.get("/backoffice/diary/timetableentry/add/").content.decode()
    assert "Математикова" in page
    assert "Классная" not in page, "a form tutor who teaches nothing is not offered as a teacher"


def test_another_schools_registrar_sees_none_of_it(diary_school: Any) -> None:
    from registry.models import School

    other = School.objects.create(code="x", name="X")
    client = client_for(registrar_of(other, "other-registrar@example.ru"))
    entry = TimetableEntry.objects.first()
    assert entry is not None
    assert client.get(f"/backoffice/diary/timetableentry/{entry.pk}/change/").status_code == 404
    assert "Алгебра" not in client.get("/backoffice/diary/timetableentry/").content.decode()
