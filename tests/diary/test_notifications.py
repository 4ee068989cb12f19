"""Families hear of absences and new homework in their cabinet inbox and by email, delivered by the task
worker after the commit through ``notify`` (which honours each person's opt-outs: ``tests/notify``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import mail

from diary.attendance import AttendanceInput, set_lesson_attendance
from diary.homework import set_homework
from diary.lessons import generate_lessons
from diary.models import Lesson
from notify.models import Notification


def first_algebra(diary_school: Any) -> Lesson:
    generate_lessons(term=diary_school.term)
    lesson = Lesson.objects.filter(school_class=diary_school.class_7a, subject=diary_school.algebra).first()
    assert lesson is not None
    return lesson


def recipients() -> list[str]:
    return sorted(email for message in mail.outbox for email in message.to)


def inboxes() -> list[int]:
    return sorted(Notification.objects.values_list("user_id", flat=True))


def test_an_absence_is_told_to_that_family_only(
    diary_school: Any, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    lesson = first_algebra(diary_school)
    anna, boris, _vera = diary_school.pupils
    with django_capture_on_commit_callbacks(execute=True):
        set_lesson_attendance(
            teacher=diary_school.math_teacher,
            lesson_id=lesson.pk,
            entries=[AttendanceInput(pupil_id=anna.pk, status="ill"), AttendanceInput(pupil_id=boris.pk, status=None)],
        )
    assert recipients() == [diary_school.parent.email]
    assert "Алгебра" in mail.outbox[0].body
    assert inboxes() == [diary_school.parent.pk]
    note = Notification.objects.get()
    assert (note.kind, note.link) == ("absence", f"/diary/{anna.public_id}/?week={lesson.date.isoformat()}")


def test_new_homework_is_told_to_every_family_of_the_class(
    diary_school: Any, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    lesson = first_algebra(diary_school)
    with django_capture_on_commit_callbacks(execute=True):
        set_homework(teacher=diary_school.math_teacher, lesson_id=lesson.pk, text="№ 5, 6")
    families = [diary_school.parent, diary_school.other_parent, diary_school.pupil_account]
    assert recipients() == sorted(user.email for user in families)
    assert inboxes() == sorted(user.pk for user in families)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        set_homework(teacher=diary_school.math_teacher, lesson_id=lesson.pk, text="№ 5, 6, 7")
    assert mail.outbox == [], "an edit is not announced again"
    assert len(inboxes()) == 3
