"""Cancelling, moving and replacing a lesson through the API: its teacher or the registrar, nobody else."""

from __future__ import annotations

import json
from typing import Any

from diary.lessons import generate_lessons
from diary.models import Lesson
from registry.models import StaffMember
from tests.diary.conftest import TERM_START, client_for, make_account


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, data=json.dumps(body or {}), content_type="application/json")


def monday_algebra(diary_school: Any) -> Lesson:
    generate_lessons(term=diary_school.term)
    return Lesson.objects.get(school_class=diary_school.class_7a, subject=diary_school.algebra, date=TERM_START)


def test_the_teacher_cancels_and_the_family_sees_it(diary_school: Any) -> None:
    lesson = monday_algebra(diary_school)
    assert post(client_for(diary_school.russian_teacher), f"/api/v1/lessons/{lesson.pk}/cancel").status_code == 404
    response = post(client_for(diary_school.math_teacher), f"/api/v1/lessons/{lesson.pk}/cancel")
    assert response.json()["status"] == "cancelled"
    anna = diary_school.pupils[0]
    week = client_for(diary_school.parent).get(
        f"/api/v1/students/{anna.public_id}/diary", {"from": TERM_START.isoformat(), "to": TERM_START.isoformat()}
    )
    statuses = [lesson["status"] for day in week.json()["days"] for lesson in day["lessons"]]
    assert "cancelled" in statuses


def test_the_registrar_moves_a_lesson_within_the_term_and_not_onto_a_holiday(diary_school: Any) -> None:
    registrar = make_account("registrar@example.ru", "+79000000191")
    StaffMember.objects.create(school=diary_school.school, account=registrar, role=StaffMember.Role.REGISTRAR)
    lesson = monday_algebra(diary_school)
    client = client_for(registrar)
    holiday = post(
        client, f"/api/v1/lessons/{lesson.pk}/move", {"date": "2026-11-04", "slot_id": diary_school.slots[2].pk}
    )
    assert (holiday.status_code, holiday.json()["code"], holiday.json()["field"]) == (
        400,
        "lesson_date_holiday",
        "date",
    )
    moved = post(
        client, f"/api/v1/lessons/{lesson.pk}/move", {"date": "2026-11-03", "slot_id": diary_school.slots[2].pk}
    )
    assert (moved.json()["status"], moved.json()["date"], moved.json()["slot_number"]) == ("moved", "2026-11-03", 3)
    assert generate_lessons(term=diary_school.term) == 0, "regeneration does not bring the lesson back"


def test_a_replacement_and_a_stranger(diary_school: Any) -> None:
    lesson = monday_algebra(diary_school)
    body = {"subject_id": diary_school.russian.pk, "teacher_id": diary_school.russian_teacher.pk}
    assert post(client_for(diary_school.parent), f"/api/v1/lessons/{lesson.pk}/replace", body).status_code == 404
    replaced = post(client_for(diary_school.math_teacher), f"/api/v1/lessons/{lesson.pk}/replace", body).json()
    assert (replaced["status"], replaced["subject_id"]) == ("replaced", diary_school.russian.pk)
