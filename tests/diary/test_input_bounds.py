"""Ids and numbers out of the database's range are a 400 naming the field, never a 500 (issue 11, part 4).

On SQLite an integer above 2⁶³−1 that reaches a query raised ``OverflowError``; the schemas now bound
every id, so the request stops at validation with the shared error shape.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.bounds import MAX_DB_INT
from diary.lessons import generate_lessons
from diary.models import Attendance, FinalMark, Lesson, Mark
from tests.diary.conftest import TERM_START, client_for

TOO_BIG = MAX_DB_INT + 1
HUGE = 2**64


def send(client: Any, method: str, url: str, body: dict[str, Any] | None = None) -> Any:
    if method == "get":
        return client.get(url)
    return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")


def assert_invalid(response: Any, field: str) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert (body["code"], body["field"]) == ("invalid", field)
    assert body["message"]


@pytest.fixture
def lesson(diary_school: Any) -> Lesson:
    generate_lessons(term=diary_school.term)
    return Lesson.objects.get(school_class=diary_school.class_7a, subject=diary_school.algebra, date=TERM_START)


@pytest.mark.parametrize("pupil_id", [TOO_BIG, HUGE, 0, -1])
def test_a_mark_for_a_pupil_id_out_of_range(diary_school: Any, lesson: Lesson, pupil_id: int) -> None:
    response = send(
        client_for(diary_school.math_teacher),
        "put",
        f"/api/v1/lessons/{lesson.pk}/marks",
        {"marks": [{"pupil_id": diary_school.pupils[0].pk, "value": "5"}, {"pupil_id": pupil_id, "value": "4"}]},
    )
    assert_invalid(response, "marks.1.pupil_id")
    assert not Mark.objects.exists()


@pytest.mark.parametrize("pupil_id", [TOO_BIG, HUGE])
def test_attendance_for_a_pupil_id_out_of_range(diary_school: Any, lesson: Lesson, pupil_id: int) -> None:
    response = send(
        client_for(diary_school.math_teacher),
        "put",
        f"/api/v1/lessons/{lesson.pk}/attendance",
        {"entries": [{"pupil_id": pupil_id, "status": "absent"}]},
    )
    assert_invalid(response, "entries.0.pupil_id")
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("field", ["teacher_id", "subject_id"])
def test_a_replacement_with_an_id_out_of_range(diary_school: Any, lesson: Lesson, field: str) -> None:
    body = {"subject_id": diary_school.russian.pk, "teacher_id": diary_school.russian_teacher.pk, field: HUGE}
    response = send(client_for(diary_school.math_teacher), "post", f"/api/v1/lessons/{lesson.pk}/replace", body)
    assert_invalid(response, field)
    lesson.refresh_from_db()
    assert lesson.subject_id == diary_school.algebra.pk


@pytest.mark.parametrize("field", ["subject_id", "term_id"])
def test_a_final_with_an_id_out_of_range(diary_school: Any, field: str) -> None:
    anna = diary_school.pupils[0]
    body = {"subject_id": diary_school.algebra.pk, "term_id": diary_school.term.pk, "value": "5", field: HUGE}
    response = send(client_for(diary_school.math_teacher), "put", f"/api/v1/students/{anna.public_id}/finals", body)
    assert_invalid(response, field)
    assert not FinalMark.objects.exists()


def test_the_largest_id_the_database_holds_passes_validation(diary_school: Any, lesson: Lesson) -> None:
    """The bound is the column's, not a guess: 2⁶³−1 reaches the service, which finds no such pupil."""
    client = client_for(diary_school.math_teacher)
    marks = send(client, "put", f"/api/v1/lessons/{lesson.pk}/marks", {"marks": [{"pupil_id": MAX_DB_INT}]})
    assert (marks.status_code, marks.json()["code"]) == (400, "pupil_not_in_class")
    assert send(client, "post", f"/api/v1/lessons/{MAX_DB_INT}/cancel").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "field"),
    [
        ("post", "/api/v1/lessons/{big}/cancel", "lesson_id"),
        ("put", "/api/v1/lessons/{big}/topic", "lesson_id"),
        ("put", "/api/v1/homework/{big}/done", "homework_id"),
        ("get", "/api/v1/teacher/gradebook?class_id={big}&subject_id=1", "class_id"),
        ("get", "/api/v1/teacher/gradebook?class_id=1&subject_id=1&term_id={big}", "term_id"),
        ("get", "/api/v1/students/{student}/marks?term={big}", "term"),
        ("delete", "/api/v1/trusted-persons/{big}", "grant_id"),
        ("post", "/api/v1/subscriptions/{big}/accept", "grant_id"),
        ("get", "/api/v1/notifications?page={big}", "page"),
    ],
)
def test_ids_in_paths_and_queries_are_bounded(diary_school: Any, method: str, path: str, field: str) -> None:
    url = path.format(big=HUGE, student=diary_school.pupils[0].public_id)
    body: dict[str, Any] = {"topic": "x"} if path.endswith("/topic") else {"done": True}
    assert_invalid(send(client_for(diary_school.math_teacher), method, url, body), field)


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/api/v1/lessons/{lesson}/move", {"date": "2026-11-03", "slot_id": HUGE}, "slot_id"),
        ("put", "/api/v1/lessons/{lesson}/homework", {"text": "№ 1", "due_lesson_id": HUGE}, "due_lesson_id"),
        ("post", "/api/v1/notifications/read", {"ids": [1, HUGE]}, "ids.1"),
    ],
)
def test_ids_in_bodies_are_bounded(
    diary_school: Any, lesson: Lesson, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    url = path.format(lesson=lesson.pk)
    assert_invalid(send(client_for(diary_school.math_teacher), method, url, body), field)


@pytest.mark.parametrize("amount", ["1e3", " 100", "100000.01", -1, 10**30])
def test_a_threshold_out_of_its_documented_shape_or_range(diary_school: Any, amount: Any) -> None:
    anna = diary_school.pupils[0]
    url = f"/api/v1/students/{anna.public_id}/meals/threshold"
    assert_invalid(send(client_for(diary_school.parent), "put", url, {"amount": amount}), "amount")
