"""The teacher's JSON API: a lesson's marks (with the 409), attendance, topic, homework, the gradebook."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client
from django.urls import reverse

from diary.lessons import generate_lessons
from diary.models import Attendance, Homework, Lesson, Mark
from tests.diary.conftest import client_for


def lessons_of(school: Any) -> list[Lesson]:
    generate_lessons(term=school.term)
    return list(
        Lesson.objects.filter(school_class=school.class_7a, subject=school.algebra).order_by("date", "slot__number")
    )


def put(client: Client, url: str, body: dict[str, Any]) -> Any:
    return client.put(url, json.dumps(body), content_type="application/json")


def marks_url(lesson: Lesson) -> str:
    return reverse("api:teacher_lesson_marks", kwargs={"lesson_id": lesson.pk})


def test_put_marks_returns_the_lessons_marks_with_versions(diary_school: Any) -> None:
    anna, boris, _vera = diary_school.pupils
    lesson = lessons_of(diary_school)[0]
    client = client_for(diary_school.math_teacher)
    response = put(
        client,
        marks_url(lesson),
        {
            "scale": "five",
            "marks": [
                {"pupil_id": anna.pk, "value": "5"},
                {"pupil_id": boris.pk, "value": "4", "weight": 2, "kind": "test", "comment": "Хорошо"},
            ],
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["lesson_id"] == lesson.pk
    assert [(m["pupil_id"], m["value"], m["weight"], m["kind"], m["comment"], m["version"]) for m in body["marks"]] == [
        (anna.pk, "5", 1, "classwork", "", 1),
        (boris.pk, "4", 2, "test", "Хорошо", 1),
    ]
    changed = put(client, marks_url(lesson), {"marks": [{"pupil_id": anna.pk, "value": "4", "version": 1}]})
    assert changed.status_code == 200
    assert [m["version"] for m in changed.json()["marks"] if m["pupil_id"] == anna.pk] == [2]


def test_two_writers_the_second_gets_409_with_the_current_mark(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    lesson = lessons_of(diary_school)[0]
    first, second = client_for(diary_school.math_teacher), client_for(diary_school.math_teacher)
    assert put(first, marks_url(lesson), {"marks": [{"pupil_id": anna.pk, "value": "5"}]}).status_code == 200
    response = put(second, marks_url(lesson), {"marks": [{"pupil_id": anna.pk, "value": "2"}]})
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "marks_stale"
    assert body["message"]
    assert body["current"] == [
        {"pupil_id": anna.pk, "kind": "classwork", "value": "5", "weight": 1, "comment": "", "version": 1}
    ]
    assert Mark.objects.get(lesson=lesson).value == "5"


def test_bad_input_is_400_naming_the_field(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    lesson = lessons_of(diary_school)[0]
    client = client_for(diary_school.math_teacher)
    schema = put(client, marks_url(lesson), {"marks": [{"pupil_id": anna.pk, "value": "5", "weight": 0}]})
    assert schema.status_code == 400
    assert schema.json()["field"] == "marks.0.weight"
    domain = put(client, marks_url(lesson), {"marks": [{"pupil_id": anna.pk, "value": "6"}]})
    assert domain.status_code == 400
    assert domain.json()["field"] == "marks[0].value"
    stranger = put(client, marks_url(lesson), {"marks": [{"pupil_id": diary_school.stranger_pupil.pk, "value": "5"}]})
    assert stranger.status_code == 400
    assert stranger.json()["field"] == "marks[0].pupil_id"
    missing = put(client, marks_url(lesson), {"scale": "five"})
    assert missing.status_code == 400
    assert missing.json()["field"] == "marks"
    assert not Mark.objects.exists()


def test_a_refused_marks_write_names_every_bad_entry_in_the_body(diary_school: Any) -> None:
    anna, boris, _vera = diary_school.pupils
    lesson = lessons_of(diary_school)[0]
    client = client_for(diary_school.math_teacher)
    response = put(
        client,
        marks_url(lesson),
        {
            "marks": [
                {"pupil_id": anna.pk, "value": "6"},
                {"pupil_id": boris.pk, "value": "5"},
                {"pupil_id": boris.pk, "value": "4"},
            ]
        },
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("mark_value", "marks[0].value")
    assert [(e["code"], e["field"]) for e in body["errors"]] == [
        ("mark_value", "marks[0].value"),
        ("mark_duplicate", "marks[2].pupil_id"),
    ]
    assert all(e["message"] for e in body["errors"])


def test_attendance_topic_and_homework(diary_school: Any) -> None:
    anna, boris, _vera = diary_school.pupils
    lessons = lessons_of(diary_school)
    lesson = lessons[0]
    client = client_for(diary_school.math_teacher)
    response = put(
        client,
        reverse("api:teacher_lesson_attendance", kwargs={"lesson_id": lesson.pk}),
        {
            "entries": [
                {"pupil_id": anna.pk, "status": "ill"},
                {"pupil_id": boris.pk, "status": "late", "late_minutes": 5},
            ]
        },
    )
    assert response.status_code == 200, response.content
    assert [(a["pupil_id"], a["status"], a["late_minutes"]) for a in response.json()["attendance"]] == [
        (anna.pk, "ill", None),
        (boris.pk, "late", 5),
    ]
    assert Attendance.objects.filter(lesson=lesson).count() == 2
    response = put(client, reverse("api:teacher_lesson_topic", kwargs={"lesson_id": lesson.pk}), {"topic": "Дроби"})
    assert response.status_code == 200
    assert response.json() == {"lesson_id": lesson.pk, "topic": "Дроби"}
    response = put(
        client,
        reverse("api:teacher_lesson_homework", kwargs={"lesson_id": lesson.pk}),
        {"text": "№ 1–3", "due_lesson_id": lessons[1].pk},
    )
    assert response.status_code == 200, response.content
    assert response.json()["due_lesson_id"] == lessons[1].pk
    assert Homework.objects.get(lesson=lesson).text == "№ 1–3"
    empty = put(client, reverse("api:teacher_lesson_homework", kwargs={"lesson_id": lesson.pk}), {"text": " "})
    assert empty.status_code == 400
    assert empty.json()["field"] == "text"


def test_gradebook_endpoint(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    lesson = lessons_of(diary_school)[0]
    put(
        client_for(diary_school.math_teacher),
        marks_url(lesson),
        {
            "marks": [
                {"pupil_id": anna.pk, "value": "5", "weight": 2},
                {"pupil_id": anna.pk, "value": "4", "kind": "homework"},
            ]
        },
    )
    url = reverse("api:teacher_gradebook")
    query = {
        "class_id": diary_school.class_7a.pk,
        "subject_id": diary_school.algebra.pk,
        "term_id": diary_school.term.pk,
    }
    for viewer in (diary_school.math_teacher, diary_school.form_tutor):
        response = client_for(viewer).get(url, query)
        assert response.status_code == 200, response.content
        body = response.json()
        assert body["subject"]["name"] == "Алгебра"
        assert body["lessons"][0]["id"] == lesson.pk
        assert body["lessons"][0]["can_write"] is (viewer == diary_school.math_teacher)
        assert body["rows"][0]["pupil_id"] == anna.pk
        assert body["rows"][0]["average"] == "4.67"
        assert {m["value"] for m in body["rows"][0]["cells"][0]} == {"5", "4"}
    assert client_for(diary_school.math_teacher).get(url, {**query, "class_id": "x"}).status_code == 400


def test_strangers_get_404_for_reads_and_writes(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    lesson = lessons_of(diary_school)[0]
    gradebook_query = {
        "class_id": diary_school.class_7a.pk,
        "subject_id": diary_school.algebra.pk,
        "term_id": diary_school.term.pk,
    }
    writes: list[tuple[str, dict[str, Any]]] = [
        (marks_url(lesson), {"marks": [{"pupil_id": anna.pk, "value": "2"}]}),
        (
            reverse("api:teacher_lesson_attendance", kwargs={"lesson_id": lesson.pk}),
            {"entries": [{"pupil_id": anna.pk, "status": "unexcused"}]},
        ),
        (reverse("api:teacher_lesson_topic", kwargs={"lesson_id": lesson.pk}), {"topic": "Чужая тема"}),
        (reverse("api:teacher_lesson_homework", kwargs={"lesson_id": lesson.pk}), {"text": "Чужое задание"}),
    ]
    # The russian teacher teaches 7А but not algebra; the form tutor reads but never writes.
    for viewer in (
        diary_school.russian_teacher,
        diary_school.form_tutor,
        diary_school.parent,
        diary_school.pupil_account,
    ):
        client = client_for(viewer)
        for url, body in writes:
            response = put(client, url, body)
            assert response.status_code == 404, (viewer, url)
            assert response.json()["code"] == "not_found"
    for viewer in (diary_school.russian_teacher, diary_school.parent, diary_school.pupil_account):
        assert client_for(viewer).get(reverse("api:teacher_gradebook"), gradebook_query).status_code == 404
    assert client_for(None).get(reverse("api:teacher_gradebook"), gradebook_query).status_code == 401
    assert put(client_for(None), writes[0][0], writes[0][1]).status_code == 401
    assert not Mark.objects.exists()
    assert not Attendance.objects.exists()
    assert not Homework.objects.exists()
    lesson.refresh_from_db()
    assert lesson.topic == ""


def test_a_teacher_of_another_class_gets_404(diary_school: Any) -> None:
    lessons_of(diary_school)
    lesson_7b = Lesson.objects.filter(school_class=diary_school.class_7b).first()
    assert lesson_7b is not None
    client = client_for(diary_school.math_teacher)
    response = put(
        client, marks_url(lesson_7b), {"marks": [{"pupil_id": diary_school.stranger_pupil.pk, "value": "5"}]}
    )
    assert response.status_code == 404
    response = client.get(
        reverse("api:teacher_gradebook"),
        {"class_id": diary_school.class_7b.pk, "subject_id": diary_school.russian.pk, "term_id": diary_school.term.pk},
    )
    assert response.status_code == 404
