"""The demo diary (``load_demo``) and the benchmark generator (``generate_diary_data``)."""

from __future__ import annotations

import time
from io import StringIO
from typing import Any

from django.core.management import call_command
from django.utils import timezone
from pytrovich.detector import PetrovichGenderDetector
from pytrovich.enums import Gender

from diary.demo import load_diary_demo
from diary.models import Attendance, Homework, Lesson, LessonSlot, Mark, TimetableEntry
from portal.models import User
from registry.models import Guardian, Pupil, School, StaffMember


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (LessonSlot, TimetableEntry, Lesson, Mark, Homework, Attendance, StaffMember)
    }


def test_load_demo_fills_the_diary_and_is_idempotent(db: Any) -> None:
    started = time.monotonic()
    call_command("load_demo", stdout=StringIO())
    assert time.monotonic() - started < 10
    first = counts()
    school = School.objects.get(code="demo")
    today = timezone.localdate()
    assert first["LessonSlot"] == 7
    assert first["TimetableEntry"] > 60
    slot = LessonSlot.objects.get(school=school, number=1)
    assert (f"{slot.starts_at:%H:%M}", f"{slot.ends_at:%H:%M}") == ("08:30", "09:15")
    past = Lesson.objects.filter(school_class__school=school, date__lte=today)
    if past.exists():  # the demo year starts on 1 September: outside summer there are past lessons
        assert not past.filter(topic="").exclude(status=Lesson.Status.CANCELLED).exists()
        assert first["Mark"] > 0
        assert first["Homework"] > 0
    assert Lesson.objects.filter(school_class__school=school, date__gt=today, topic="").exists()
    elena = StaffMember.objects.filter(account__email="elena.ivanova@dnevnik.test", role="teacher")
    assert elena.exists()
    assert TimetableEntry.objects.filter(teacher__email="elena.ivanova@dnevnik.test").exists()
    assert TimetableEntry.objects.filter(teacher__email="pavel.kuznetsov@dnevnik.test").exists()
    # No teacher is in two places at once.
    slots = list(TimetableEntry.objects.values_list("weekday", "slot_id", "teacher_id"))
    assert len(slots) == len(set(slots))
    call_command("load_demo", stdout=StringIO())
    assert load_diary_demo(school) == {"lessons_generated": 0, "lessons_filled": 0}
    assert counts() == first


def test_generate_diary_data_small_run(db: Any) -> None:
    out = StringIO()
    call_command(
        "generate_diary_data", schools=2, classes_per_school=2, pupils_per_class=5, weeks=2, seed=7, stdout=out
    )
    assert School.objects.filter(code__startswith="bench-").count() == 2
    assert Pupil.objects.filter(school__code__startswith="bench-").count() == 20
    lessons = Lesson.objects.filter(school_class__school__code__startswith="bench-")
    assert lessons.exists()
    assert Mark.objects.filter(lesson__in=lessons).exists()
    assert "done" in out.getvalue().lower()


def _mismatched(people: list[tuple[str, str, str]]) -> list[str]:
    """The names whose surname, given name and patronymic do not say one gender (petrovich reads each alone)."""
    detector = PetrovichGenderDetector()
    wrong = []
    for surname, given_name, patronymic in people:
        genders = {
            detector.detect(lastname=surname),
            detector.detect(firstname=given_name),
            *([detector.detect(middlename=patronymic)] if patronymic else []),
        }
        if {Gender.MALE, Gender.FEMALE} <= genders:
            wrong.append(f"{surname} {given_name} {patronymic}".strip())
    return wrong


def _everyone() -> list[tuple[str, str, str]]:
    fields = ("surname", "given_name", "patronymic")
    return [
        *User.objects.values_list(*fields),
        *Pupil.objects.values_list(*fields),
        *Guardian.objects.values_list(*fields),
    ]


def test_the_check_finds_a_man_s_surname_on_a_woman() -> None:
    assert _mismatched([("Иванов", "Анна", ""), ("Иванова", "Анна", "Павловна"), ("Петров", "Иван", "Ильич")]) == [
        "Иванов Анна"
    ]
    assert _mismatched([("Смирнова", "Мария", "Иванович")]) == ["Смирнова Мария Иванович"]


def test_generated_people_have_one_gender_in_their_names(db: Any) -> None:
    """Every generated teacher (with a patronymic), pupil and demo person: surname, name and patronymic agree."""
    call_command("load_demo", stdout=StringIO())
    call_command(
        "generate_diary_data", schools=1, classes_per_school=10, pupils_per_class=5, weeks=1, seed=3, stdout=StringIO()
    )
    assert _mismatched(_everyone()) == []
    teachers = User.objects.filter(email__endswith=".bench.test")
    assert teachers.count() == 10
    assert not teachers.filter(patronymic="").exists()
    assert teachers.filter(surname__endswith="а").exists()
    assert teachers.exclude(surname__endswith="а").exists()
