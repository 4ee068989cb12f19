"""Finals through the teacher API, and the pupil's homework tick through the web and the API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from diary.homework import set_homework
from diary.lessons import generate_lessons
from diary.models import FinalMark, HomeworkDone, Lesson
from tests.diary.conftest import client_for


def put(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.put(url, data=json.dumps(body), content_type="application/json")


def test_the_subject_teacher_sets_a_final(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    url = f"/api/v1/students/{anna.public_id}/finals"
    body = {"subject_id": diary_school.algebra.pk, "term_id": diary_school.term.pk, "value": "5"}
    response = put(client_for(diary_school.math_teacher), url, body)
    assert response.status_code == 200
    assert FinalMark.objects.get(pupil=anna).value == "5"
    assert put(client_for(diary_school.russian_teacher), url, body).status_code == 404
    assert put(client_for(diary_school.parent), url, body).status_code == 404
    assert put(client_for(diary_school.math_teacher), url, {**body, "value": "7"}).json()["code"] == "final_value"
    assert put(client_for(diary_school.math_teacher), "/api/v1/students/nonsense/finals", body).status_code == 404


@pytest.fixture
def homework_id(diary_school: Any) -> int:
    generate_lessons(term=diary_school.term)
    lesson = Lesson.objects.filter(school_class=diary_school.class_7a, subject=diary_school.algebra).first()
    assert lesson is not None
    return set_homework(teacher=diary_school.math_teacher, lesson_id=lesson.pk, text="№ 1").pk


def test_the_pupil_ticks_homework_on_the_week_page(diary_school: Any, homework_id: int) -> None:
    vera = diary_school.pupils[2]
    client = client_for(diary_school.pupil_account)
    week = client.get(f"/diary/{vera.public_id}/?week=2026-11-02").content.decode()
    assert 'data-testid="tick-homework"' in week
    response = client.post(f"/diary/homework/{homework_id}/done/", {"done": "1", "next": f"/diary/{vera.public_id}/"})
    assert response["Location"] == f"/diary/{vera.public_id}/"
    assert HomeworkDone.objects.filter(pupil=vera, homework_id=homework_id).exists()
    assert put(client, f"/api/v1/homework/{homework_id}/done", {"done": False}).json() == {"done": False}
    assert not HomeworkDone.objects.filter(pupil=vera).exists()


def test_nobody_else_ticks_it(diary_school: Any, homework_id: int) -> None:
    anna = diary_school.pupils[0]
    parent = client_for(diary_school.parent)
    assert 'data-testid="tick-homework"' not in parent.get(f"/diary/{anna.public_id}/?week=2026-11-02").content.decode()
    assert parent.post(f"/diary/homework/{homework_id}/done/", {"done": "1"}).status_code == 404
    assert (
        put(client_for(diary_school.math_teacher), f"/api/v1/homework/{homework_id}/done", {"done": True}).status_code
        == 404
    )
    assert not HomeworkDone.objects.exists()
