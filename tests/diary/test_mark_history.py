"""Marks that explain themselves: a reason after 24 hours, the history the family reads, «5 → 4» in the
notification."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from diary.lessons import generate_lessons
from diary.models import Lesson, Mark
from notify.models import Kind, Notification
from tests.diary.conftest import client_for, make_account


def first_lesson(school: Any) -> Lesson:
    generate_lessons(term=school.term)
    return Lesson.objects.filter(school_class=school.class_7a, subject=school.algebra).order_by("date")[0]


def put(client: Client, lesson: Lesson, marks: list[dict[str, Any]]) -> Any:
    url = reverse("api:teacher_lesson_marks", kwargs={"lesson_id": lesson.pk})
    return client.put(url, json.dumps({"marks": marks}), content_type="application/json")


def history_url(pupil: Any, mark: Mark) -> str:
    return reverse("api:student_mark_history", kwargs={"student_id": pupil.public_id, "mark_id": mark.pk})


def test_a_change_within_a_day_needs_no_reason(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    lesson = first_lesson(diary_school)
    teacher = client_for(diary_school.math_teacher)
    assert put(teacher, lesson, [{"pupil_id": anna.pk, "value": "5"}]).status_code == 200
    with time_machine.travel(timezone.now() + timedelta(hours=23), tick=False):
        teacher = client_for(diary_school.math_teacher)  # a session of a day ago has expired
        assert put(teacher, lesson, [{"pupil_id": anna.pk, "value": "4", "version": 1}]).status_code == 200


def test_a_change_or_removal_after_a_day_needs_a_reason(
    diary_school: Any, django_capture_on_commit_callbacks: Any
) -> None:
    anna, boris, _vera = diary_school.pupils
    lesson = first_lesson(diary_school)
    teacher = client_for(diary_school.math_teacher)
    put(teacher, lesson, [{"pupil_id": anna.pk, "value": "5"}, {"pupil_id": boris.pk, "value": "3"}])
    with time_machine.travel(timezone.now() + timedelta(hours=25), tick=False):
        teacher = client_for(diary_school.math_teacher)
        refused = put(
            teacher,
            lesson,
            [{"pupil_id": anna.pk, "value": "4", "version": 1}, {"pupil_id": boris.pk, "value": None, "version": 1}],
        )
        assert refused.status_code == 400
        body = refused.json()
        assert (body["code"], body["field"]) == ("mark_reason_required", "marks[0].reason")
        assert [error["field"] for error in body["errors"]] == ["marks[0].reason", "marks[1].reason"]
        # Nothing half-written: both marks are as they were.
        assert dict(Mark.objects.filter(lesson=lesson).values_list("pupil_id", "value")) == {
            anna.pk: "5",
            boris.pk: "3",
        }
        with django_capture_on_commit_callbacks(execute=True):
            done = put(
                teacher,
                lesson,
                [{"pupil_id": anna.pk, "value": "4", "version": 1, "reason": "пересдача после болезни"}],
            )
        assert done.status_code == 200
    told = Notification.objects.filter(kind=Kind.MARK, user=diary_school.parent).latest("pk")
    assert told.body.endswith(": 5 → 4 (пересдача после болезни)")


def test_the_family_reads_the_history_and_a_stranger_gets_404(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    lesson = first_lesson(diary_school)
    teacher = client_for(diary_school.math_teacher)
    put(teacher, lesson, [{"pupil_id": anna.pk, "value": "5"}])
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        teacher = client_for(diary_school.math_teacher)
        put(teacher, lesson, [{"pupil_id": anna.pk, "value": "4", "version": 1, "reason": "ошибка в проверке"}])
    mark = Mark.objects.get(lesson=lesson, pupil=anna)
    answer = client_for(diary_school.parent).get(history_url(anna, mark))
    assert answer.status_code == 200
    changes = answer.json()["changes"]
    assert [(c["old_value"], c["new_value"], c["reason"]) for c in changes] == [
        ("", "5", ""),
        ("5", "4", "ошибка в проверке"),
    ]
    day = (timezone.localtime() + timedelta(days=2)).strftime("%d.%m.%Y")
    assert changes[1]["text"] == f"5 → 4, изменена {day} Математиковой М.: ошибка в проверке"
    assert changes[1]["changed_by"] == "Математиковой М."
    # The parent of another pupil, the teacher of another subject and a stranger see nothing.
    stranger = make_account("stranger@example.ru", "+79000000199")
    for who in (diary_school.other_parent, diary_school.russian_teacher, stranger):
        assert client_for(who).get(history_url(anna, mark)).status_code == 404
    # A mark id of another pupil under this pupil's id is a 404 too.
    assert client_for(diary_school.parent).get(history_url(diary_school.stranger_pupil, mark)).status_code == 404


def test_the_lesson_sheet_asks_for_the_reason_next_to_the_pupil(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    lesson = first_lesson(diary_school)
    teacher = client_for(diary_school.math_teacher)
    put(teacher, lesson, [{"pupil_id": anna.pk, "value": "5"}])
    with time_machine.travel(timezone.now() + timedelta(days=2), tick=False):
        teacher = client_for(diary_school.math_teacher)
        page = teacher.get(reverse("teacher:lesson", kwargs={"lesson_id": lesson.pk}))
        assert page.status_code == 200
        assert "mark_reason" in page.content.decode()
