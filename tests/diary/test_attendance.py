"""Attendance of a lesson: validated whole before anything is written, upserted, present removes the row."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from audit.models import AuditEvent
from core.errors import DomainError, NotFound
from diary.attendance import AttendanceInput, set_lesson_attendance
from diary.lessons import cancel_lesson, generate_lessons
from diary.models import Attendance, Lesson


@pytest.fixture
def school(diary_school: Any) -> Any:
    generate_lessons(term=diary_school.term)
    return diary_school


@pytest.fixture
def lesson(school: Any) -> Lesson:
    return Lesson.objects.get(school_class=school.class_7a, subject=school.algebra, date=date(2026, 11, 2))


def rows(lesson: Lesson) -> dict[int, tuple[str, int | None, str]]:
    return {row.pupil_id: (row.status, row.late_minutes, row.comment) for row in lesson.attendance.all()}


def test_absent_and_late_are_recorded(school: Any, lesson: Lesson) -> None:
    anna, boris, vera = school.pupils
    result = set_lesson_attendance(
        teacher=school.math_teacher,
        lesson_id=lesson.pk,
        entries=[
            AttendanceInput(anna.pk, Attendance.Status.ABSENT_ILL, comment="Справка"),
            AttendanceInput(boris.pk, "late", late_minutes=10),
            AttendanceInput(vera.pk, None),
        ],
    )

    assert [(row.pupil_id, row.status) for row in result] == [(anna.pk, "ill"), (boris.pk, "late")]
    assert all(row.pk for row in result)
    assert rows(lesson) == {anna.pk: ("ill", None, "Справка"), boris.pk: ("late", 10, "")}
    assert Attendance.objects.get(pupil=anna).recorded_by == school.math_teacher
    event = AuditEvent.objects.get(action="diary.attendance_set")
    assert event.target == f"diary.lesson:{lesson.pk}"
    assert len(event.data["changes"]) == 2


def test_upsert_and_present_removes_the_row(school: Any, lesson: Lesson) -> None:
    anna, boris, vera = school.pupils
    set_lesson_attendance(
        teacher=school.math_teacher,
        lesson_id=lesson.pk,
        entries=[AttendanceInput(anna.pk, "unexcused"), AttendanceInput(boris.pk, "late", late_minutes=5)],
    )
    first_id = Attendance.objects.get(pupil=anna).pk

    set_lesson_attendance(
        teacher=school.math_teacher,
        lesson_id=lesson.pk,
        entries=[
            AttendanceInput(anna.pk, "excused", comment="Соревнования"),
            AttendanceInput(boris.pk, None),
            AttendanceInput(vera.pk, "late", late_minutes=45),
        ],
    )

    assert rows(lesson) == {anna.pk: ("excused", None, "Соревнования"), vera.pk: ("late", 45, "")}
    assert Attendance.objects.get(pupil=anna).pk == first_id  # updated in place

    # the same again changes nothing and writes no audit event
    before = AuditEvent.objects.count()
    set_lesson_attendance(
        teacher=school.math_teacher,
        lesson_id=lesson.pk,
        entries=[AttendanceInput(anna.pk, "excused", comment="Соревнования"), AttendanceInput(boris.pk, None)],
    )
    assert AuditEvent.objects.count() == before
    # pupils left out stay as they were
    assert rows(lesson)[vera.pk] == ("late", 45, "")


@pytest.mark.parametrize(
    ("entry", "code", "field"),
    [
        ({"status": "sleeping"}, "invalid_attendance_status", "status"),
        ({"status": "late"}, "late_minutes_required", "late_minutes"),
        ({"status": "late", "late_minutes": 0}, "late_minutes_out_of_range", "late_minutes"),
        ({"status": "late", "late_minutes": 46}, "late_minutes_out_of_range", "late_minutes"),
        ({"status": "ill", "late_minutes": 5}, "late_minutes_not_allowed", "late_minutes"),
        ({"status": None, "late_minutes": 5}, "late_minutes_not_allowed", "late_minutes"),
        ({"status": "ill", "comment": "ы" * 301}, "comment_too_long", "comment"),
    ],
)
def test_a_bad_entry_writes_nothing(school: Any, lesson: Lesson, entry: dict[str, Any], code: str, field: str) -> None:
    anna, boris, vera = school.pupils
    set_lesson_attendance(teacher=school.math_teacher, lesson_id=lesson.pk, entries=[AttendanceInput(vera.pk, "ill")])
    with pytest.raises(DomainError) as error:
        set_lesson_attendance(
            teacher=school.math_teacher,
            lesson_id=lesson.pk,
            entries=[
                AttendanceInput(anna.pk, "ill"),
                AttendanceInput(vera.pk, None),
                AttendanceInput(boris.pk, **entry),
            ],
        )
    assert (error.value.code, error.value.field) == (code, f"entries[2].{field}")
    assert rows(lesson) == {vera.pk: ("ill", None, "")}


def test_pupils_must_be_of_the_class_and_listed_once(school: Any, lesson: Lesson) -> None:
    anna = school.pupils[0]
    for entries, code, field in [
        (
            [AttendanceInput(anna.pk, "ill"), AttendanceInput(school.stranger_pupil.pk, "ill")],
            "pupil_not_in_class",
            "entries[1].pupil_id",
        ),
        ([AttendanceInput(10**9, "ill")], "pupil_not_in_class", "entries[0].pupil_id"),
        ([AttendanceInput(anna.pk, "ill"), AttendanceInput(anna.pk, None)], "duplicate_pupil", "entries[1].pupil_id"),
    ]:
        with pytest.raises(DomainError) as error:
            set_lesson_attendance(teacher=school.math_teacher, lesson_id=lesson.pk, entries=entries)
        assert (error.value.code, error.value.field) == (code, field)
    assert not Attendance.objects.exists()


@pytest.mark.parametrize("who", ["russian_teacher", "form_tutor", "parent", "pupil_account"])
def test_anyone_but_the_lessons_teacher_gets_not_found(school: Any, lesson: Lesson, who: str) -> None:
    with pytest.raises(NotFound):
        set_lesson_attendance(
            teacher=getattr(school, who), lesson_id=lesson.pk, entries=[AttendanceInput(school.pupils[0].pk, "ill")]
        )
    with pytest.raises(NotFound):
        set_lesson_attendance(teacher=getattr(school, who), lesson_id=10**9, entries=[])
    assert not Attendance.objects.exists()


def test_a_cancelled_lesson_takes_no_attendance(school: Any, lesson: Lesson) -> None:
    cancel_lesson(actor=school.math_teacher, lesson_id=lesson.pk)
    with pytest.raises(DomainError) as error:
        set_lesson_attendance(
            teacher=school.math_teacher, lesson_id=lesson.pk, entries=[AttendanceInput(school.pupils[0].pk, "ill")]
        )
    assert error.value.code == "lesson_cancelled"
