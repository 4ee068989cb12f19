"""Dated lessons: generation from the timetable (holidays skipped, idempotent) and changes to one lesson."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from audit.models import AuditEvent
from core.errors import DomainError, NotFound
from diary.lessons import cancel_lesson, generate_lessons, move_lesson, replace_lesson, set_lesson_topic
from diary.models import Lesson, TimetableEntry
from registry.models import StaffMember
from tests.diary.conftest import HOLIDAY, make_account

# November 2026 (term 2–30, holiday on Wednesday the 4th), counted on a calendar:
# Mondays 2, 9, 16, 23, 30 → 5; Tuesdays 3, 10, 17, 24 → 4; Wednesdays 11, 18, 25 → 3 (4 is the holiday);
# Thursdays 5, 12, 19, 26 → 4; Fridays 6, 13, 20, 27 → 4.
# 7А: algebra Mon + Wed + Fri = 5 + 3 + 4 = 12, russian Mon + Thu = 5 + 4 = 9; 7Б: russian Tue = 4.
ALGEBRA_7A = 12
RUSSIAN_7A = 9
RUSSIAN_7B = 4


def lesson_at(school: Any, day: date, slot_index: int, school_class: Any = None) -> Lesson:
    return Lesson.objects.get(school_class=school_class or school.class_7a, date=day, slot=school.slots[slot_index])


@pytest.fixture
def school(diary_school: Any) -> Any:
    generate_lessons(term=diary_school.term)
    return diary_school


@pytest.fixture
def registrar(diary_school: Any) -> Any:
    account = make_account("registrar@example.ru", "+79000000201", "Регистраторова", "Раиса")
    StaffMember.objects.create(school=diary_school.school, account=account, role=StaffMember.Role.REGISTRAR)
    return account


def test_generation_creates_the_term_without_the_holiday(diary_school: Any) -> None:
    created = generate_lessons(term=diary_school.term)

    assert created == ALGEBRA_7A + RUSSIAN_7A + RUSSIAN_7B
    lessons = Lesson.objects.filter(term=diary_school.term)
    assert lessons.filter(school_class=diary_school.class_7a, subject=diary_school.algebra).count() == ALGEBRA_7A
    assert lessons.filter(school_class=diary_school.class_7a, subject=diary_school.russian).count() == RUSSIAN_7A
    assert lessons.filter(school_class=diary_school.class_7b).count() == RUSSIAN_7B
    assert not lessons.filter(date=HOLIDAY).exists()
    wednesdays = lessons.filter(school_class=diary_school.class_7a, date__week_day=4)
    assert sorted(d.day for d in wednesdays.values_list("date", flat=True)) == [11, 18, 25]
    first = lesson_at(diary_school, date(2026, 11, 2), 0)
    assert (first.subject, first.teacher, first.room, first.status) == (
        diary_school.algebra,
        diary_school.math_teacher,
        "21",
        Lesson.Status.SCHEDULED,
    )
    assert first.timetable_entry is not None
    assert first.timetable_entry.weekday == 0


def test_generation_for_one_class(diary_school: Any) -> None:
    assert generate_lessons(term=diary_school.term, school_class=diary_school.class_7b) == RUSSIAN_7B
    assert not Lesson.objects.filter(school_class=diary_school.class_7a).exists()


def test_generation_is_idempotent_and_adds_what_a_timetable_change_needs(school: Any) -> None:
    assert generate_lessons(term=school.term) == 0
    assert Lesson.objects.count() == ALGEBRA_7A + RUSSIAN_7A + RUSSIAN_7B

    TimetableEntry.objects.create(
        school_class=school.class_7b,
        weekday=3,
        slot=school.slots[2],
        subject=school.algebra,
        teacher=school.math_teacher,
    )
    assert generate_lessons(term=school.term) == 4  # Thursdays 5, 12, 19, 26
    assert generate_lessons(term=school.term) == 0


def test_regeneration_does_not_bring_back_a_moved_or_cancelled_lesson(school: Any) -> None:
    monday = lesson_at(school, date(2026, 11, 9), 0)
    move_lesson(actor=school.math_teacher, lesson_id=monday.pk, date=date(2026, 11, 17), slot_id=school.slots[2].pk)
    cancel_lesson(actor=school.math_teacher, lesson_id=lesson_at(school, date(2026, 11, 13), 0).pk)

    assert generate_lessons(term=school.term) == 0
    assert not Lesson.objects.filter(date=date(2026, 11, 9), slot=school.slots[0]).exists()


def test_generation_refuses_a_class_of_another_school(diary_school: Any) -> None:
    from registry.models import School, SchoolClass

    other = SchoolClass.objects.create(school=School.objects.create(code="d2", name="Школа № 2"), grade=7, letter="А")
    with pytest.raises(DomainError) as error:
        generate_lessons(term=diary_school.term, school_class=other)
    assert error.value.code == "class_not_in_school"


def test_cancel_by_the_teacher_and_by_the_registrar(school: Any, registrar: Any) -> None:
    lesson = lesson_at(school, date(2026, 11, 2), 0)
    cancelled = cancel_lesson(actor=school.math_teacher, lesson_id=lesson.pk)
    assert cancelled.status == Lesson.Status.CANCELLED
    assert AuditEvent.objects.filter(action="diary.lesson_cancelled", target=f"diary.lesson:{lesson.pk}").exists()

    other = lesson_at(school, date(2026, 11, 2), 1)
    assert cancel_lesson(actor=registrar, lesson_id=other.pk).status == Lesson.Status.CANCELLED
    assert cancel_lesson(actor=registrar, lesson_id=other.pk).status == Lesson.Status.CANCELLED  # twice: no change


@pytest.mark.parametrize("who", ["russian_teacher", "form_tutor", "parent", "pupil_account"])
def test_others_cannot_change_a_lesson(school: Any, who: str) -> None:
    actor = getattr(school, who)
    lesson = lesson_at(school, date(2026, 11, 2), 0)  # algebra, the math teacher's
    with pytest.raises(NotFound):
        cancel_lesson(actor=actor, lesson_id=lesson.pk)
    with pytest.raises(NotFound):
        move_lesson(actor=actor, lesson_id=lesson.pk, date=date(2026, 11, 3), slot_id=school.slots[2].pk)
    with pytest.raises(NotFound):
        replace_lesson(
            actor=actor, lesson_id=lesson.pk, subject_id=school.russian.pk, teacher_id=school.russian_teacher.pk
        )
    lesson.refresh_from_db()
    assert lesson.status == Lesson.Status.SCHEDULED


def test_a_registrar_of_another_school_cannot_change_a_lesson(school: Any) -> None:
    from registry.models import School

    account = make_account("registrar2@example.ru", "+79000000202")
    StaffMember.objects.create(
        school=School.objects.create(code="d2", name="Школа № 2"), account=account, role=StaffMember.Role.REGISTRAR
    )
    with pytest.raises(NotFound):
        cancel_lesson(actor=account, lesson_id=lesson_at(school, date(2026, 11, 2), 0).pk)


def test_missing_lesson_is_not_found(school: Any) -> None:
    with pytest.raises(NotFound):
        cancel_lesson(actor=school.math_teacher, lesson_id=10**9)


def test_move_a_lesson(school: Any, registrar: Any) -> None:
    lesson = lesson_at(school, date(2026, 11, 2), 0)
    moved = move_lesson(actor=registrar, lesson_id=lesson.pk, date=date(2026, 11, 3), slot_id=school.slots[2].pk)

    assert (moved.date, moved.slot, moved.status) == (date(2026, 11, 3), school.slots[2], Lesson.Status.MOVED)
    lesson.refresh_from_db()
    assert lesson.date == date(2026, 11, 3)
    event = AuditEvent.objects.get(action="diary.lesson_moved")
    assert event.data["from_date"] == "2026-11-02"
    # the slot it left is free again
    move_lesson(
        actor=school.russian_teacher,
        lesson_id=lesson_at(school, date(2026, 11, 2), 1).pk,
        date=date(2026, 11, 2),
        slot_id=school.slots[0].pk,
    )


@pytest.mark.parametrize(
    ("day", "slot_index", "code", "field"),
    [
        (date(2026, 11, 1), 2, "lesson_date_outside_term", "date"),
        (date(2026, 12, 1), 2, "lesson_date_outside_term", "date"),
        (HOLIDAY, 2, "lesson_date_holiday", "date"),
        (date(2026, 11, 2), 1, "lesson_slot_occupied", "slot_id"),  # russian of 7А on Monday 2nd
        (date(2026, 11, 2), 0, "lesson_not_moved", "date"),
    ],
)
def test_move_refusals(school: Any, day: date, slot_index: int, code: str, field: str) -> None:
    lesson = lesson_at(school, date(2026, 11, 2), 0)
    with pytest.raises(DomainError) as error:
        move_lesson(actor=school.math_teacher, lesson_id=lesson.pk, date=day, slot_id=school.slots[slot_index].pk)
    assert (error.value.code, error.value.field) == (code, field)
    lesson.refresh_from_db()
    assert (lesson.date, lesson.status) == (date(2026, 11, 2), Lesson.Status.SCHEDULED)


def test_move_refuses_a_busy_teacher_a_foreign_slot_and_a_cancelled_lesson(school: Any) -> None:
    from diary.models import LessonSlot
    from registry.models import School

    # the russian teacher has 7Б on Tuesday 3rd, slot 1
    russian = lesson_at(school, date(2026, 11, 5), 0)
    with pytest.raises(DomainError) as error:
        move_lesson(
            actor=school.russian_teacher, lesson_id=russian.pk, date=date(2026, 11, 3), slot_id=school.slots[0].pk
        )
    assert (error.value.code, error.value.field) == ("teacher_busy", "slot_id")

    foreign = LessonSlot.objects.create(
        school=School.objects.create(code="d2", name="Школа № 2"),
        number=1,
        starts_at=school.slots[0].starts_at,
        ends_at=school.slots[0].ends_at,
    )
    with pytest.raises(DomainError) as error:
        move_lesson(actor=school.russian_teacher, lesson_id=russian.pk, date=date(2026, 11, 6), slot_id=foreign.pk)
    assert (error.value.code, error.value.field) == ("invalid_slot", "slot_id")

    cancel_lesson(actor=school.russian_teacher, lesson_id=russian.pk)
    with pytest.raises(DomainError) as error:
        move_lesson(
            actor=school.russian_teacher, lesson_id=russian.pk, date=date(2026, 11, 6), slot_id=school.slots[2].pk
        )
    assert error.value.code == "lesson_cancelled"


def test_move_into_the_slot_of_a_cancelled_lesson(school: Any) -> None:
    cancel_lesson(actor=school.russian_teacher, lesson_id=lesson_at(school, date(2026, 11, 2), 1).pk)
    lesson = lesson_at(school, date(2026, 11, 6), 0)
    moved = move_lesson(
        actor=school.math_teacher, lesson_id=lesson.pk, date=date(2026, 11, 2), slot_id=school.slots[1].pk
    )
    assert moved.status == Lesson.Status.MOVED


def test_replace_a_lesson(school: Any, registrar: Any) -> None:
    lesson = lesson_at(school, date(2026, 11, 2), 0)
    replaced = replace_lesson(
        actor=registrar, lesson_id=lesson.pk, subject_id=school.russian.pk, teacher_id=school.russian_teacher.pk
    )

    assert (replaced.subject, replaced.teacher, replaced.status) == (
        school.russian,
        school.russian_teacher,
        Lesson.Status.REPLACED,
    )
    event = AuditEvent.objects.get(action="diary.lesson_replaced")
    assert event.data["old"] == {"subject_id": school.algebra.pk, "teacher_id": school.math_teacher.pk}
    # the substitute now writes the lesson; the former teacher no longer does
    set_lesson_topic(teacher=school.russian_teacher, lesson_id=lesson.pk, topic="Причастный оборот")
    with pytest.raises(NotFound):
        set_lesson_topic(teacher=school.math_teacher, lesson_id=lesson.pk, topic="Уравнения")


def test_replace_refusals(school: Any) -> None:
    from registry.models import School, Subject

    lesson = lesson_at(school, date(2026, 11, 2), 0)
    foreign_subject = Subject.objects.create(school=School.objects.create(code="d2", name="Школа № 2"), name="Химия")
    cases = [
        ({"subject_id": foreign_subject.pk, "teacher_id": school.russian_teacher.pk}, "invalid_subject", "subject_id"),
        ({"subject_id": school.russian.pk, "teacher_id": school.parent.pk}, "invalid_teacher", "teacher_id"),
        ({"subject_id": school.algebra.pk, "teacher_id": school.math_teacher.pk}, "lesson_not_replaced", "subject_id"),
    ]
    for kwargs, code, field in cases:
        with pytest.raises(DomainError) as error:
            replace_lesson(actor=school.math_teacher, lesson_id=lesson.pk, **kwargs)
        assert (error.value.code, error.value.field) == (code, field)

    busy = lesson_at(school, date(2026, 11, 3), 0, school.class_7b)  # russian teacher, Tuesday slot 1
    TimetableEntry.objects.create(
        school_class=school.class_7a,
        weekday=1,
        slot=school.slots[0],
        subject=school.algebra,
        teacher=school.math_teacher,
    )
    generate_lessons(term=school.term)
    tuesday = lesson_at(school, busy.date, 0)
    with pytest.raises(DomainError) as error:
        replace_lesson(
            actor=school.math_teacher,
            lesson_id=tuesday.pk,
            subject_id=school.russian.pk,
            teacher_id=school.russian_teacher.pk,
        )
    assert (error.value.code, error.value.field) == ("teacher_busy", "teacher_id")
    lesson.refresh_from_db()
    assert lesson.status == Lesson.Status.SCHEDULED


def test_topic_by_the_teacher(school: Any) -> None:
    lesson = lesson_at(school, date(2026, 11, 2), 0)
    updated = set_lesson_topic(teacher=school.math_teacher, lesson_id=lesson.pk, topic="  Линейные  уравнения ")
    assert updated.topic == "Линейные уравнения"
    lesson.refresh_from_db()
    assert lesson.topic == "Линейные уравнения"
    assert AuditEvent.objects.filter(action="diary.lesson_topic_set").count() == 1

    with pytest.raises(DomainError) as error:
        set_lesson_topic(teacher=school.math_teacher, lesson_id=lesson.pk, topic="а" * 301)
    assert (error.value.code, error.value.field) == ("topic_too_long", "topic")


@pytest.mark.parametrize("who", ["russian_teacher", "form_tutor", "parent", "pupil_account"])
def test_topic_by_anyone_else_is_not_found(school: Any, who: str) -> None:
    lesson = lesson_at(school, date(2026, 11, 2), 0)
    with pytest.raises(NotFound):
        set_lesson_topic(teacher=getattr(school, who), lesson_id=lesson.pk, topic="Чужая тема")
    lesson.refresh_from_db()
    assert lesson.topic == ""
