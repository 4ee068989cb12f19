"""Alerts on a pupil's diary with a moved clock: each fires once when its condition starts to hold, does
not repeat while it holds, and fires again only after it stopped holding and came back (issue 17)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from diary.alerts import set_alerts
from diary.homework import set_homework
from diary.lessons import generate_lessons
from diary.marks import MarkInput, set_lesson_marks
from diary.models import Alert, AlertHolding, Homework, Lesson, Mark
from notify.models import Kind, Notification
from tests.diary.conftest import DiarySchool, client_for, make_account

MOSCOW = ZoneInfo("Europe/Moscow")
Capture = Callable[..., Any]


def at(hour: int, day: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=MOSCOW)


@pytest.fixture
def lessons(diary_school: DiarySchool) -> list[Lesson]:
    generate_lessons(term=diary_school.term)
    return list(
        Lesson.objects.filter(school_class=diary_school.class_7a, subject=diary_school.algebra).order_by("date")[:8]
    )


class Teacher:
    """Puts Анна's marks as the algebra teacher would, after the commit like the worker."""

    def __init__(self, school: DiarySchool, capture: Capture) -> None:
        self.school, self.capture = school, capture

    def mark(self, lesson: Lesson, value: str | None, reason: str = "") -> None:
        anna = self.school.pupils[0]
        current = Mark.objects.filter(lesson=lesson, pupil=anna).first()
        entry = MarkInput(pupil_id=anna.pk, value=value, version=current.version if current else None, reason=reason)
        with self.capture(execute=True):
            set_lesson_marks(teacher=self.school.math_teacher, lesson_id=lesson.pk, marks=[entry])


@pytest.fixture
def teacher(diary_school: DiarySchool, django_capture_on_commit_callbacks: Capture) -> Teacher:
    return Teacher(diary_school, django_capture_on_commit_callbacks)


def alerts_to(diary_school: DiarySchool) -> list[Notification]:
    return list(Notification.objects.filter(user=diary_school.parent, kind=Kind.ALERT).order_by("pk"))


def test_defaults_are_off(diary_school: DiarySchool, lessons: list[Lesson], teacher: Teacher) -> None:
    teacher.mark(lessons[0], "2")
    assert alerts_to(diary_school) == []
    assert not Alert.objects.exists()


def test_a_low_mark_fires_once_and_again_only_after_it_stopped_and_came_back(
    diary_school: DiarySchool, lessons: list[Lesson], teacher: Teacher, time_machine: Any
) -> None:
    anna = diary_school.pupils[0]
    time_machine.move_to(at(8), tick=False)
    set_alerts(user=diary_school.parent, student_id=anna.public_id, chosen={"mark_at_or_below": Decimal(3)})
    time_machine.move_to(at(9), tick=False)
    teacher.mark(lessons[0], "2")
    [first] = alerts_to(diary_school)
    assert "Андреева Анна" in first.subject
    assert "Алгебра: оценка 2" in first.body
    # It holds: another mark, a good one, tells nothing new.
    time_machine.move_to(at(10), tick=False)
    teacher.mark(lessons[1], "5")
    assert len(alerts_to(diary_school)) == 1
    # It stops holding (the 2 corrected to a 4) and comes back (a 3 on the same lesson): once more.
    time_machine.move_to(at(11), tick=False)
    teacher.mark(lessons[0], "4")
    assert len(alerts_to(diary_school)) == 1
    time_machine.move_to(at(12), tick=False)
    teacher.mark(lessons[0], "3")
    assert len(alerts_to(diary_school)) == 2
    # Other families are not told.
    assert not Notification.objects.filter(user=diary_school.other_parent, kind=Kind.ALERT).exists()


def test_an_average_below_fires_when_it_falls_not_while_it_stays_and_again_after_it_rose(
    diary_school: DiarySchool, lessons: list[Lesson], teacher: Teacher, time_machine: Any
) -> None:
    anna = diary_school.pupils[0]
    time_machine.move_to(at(8), tick=False)
    set_alerts(user=diary_school.parent, student_id=anna.public_id, chosen={"average_below": Decimal("4")})
    for hour, (lesson, value, fired) in enumerate(
        zip(
            lessons,
            ["5", "2", "3", "5", "5", "2"],  # averages 5, 3.5, 3.33, 3.75, 4, 3.67
            [0, 1, 1, 1, 1, 2],
            strict=False,
        ),
        start=9,
    ):
        time_machine.move_to(at(hour), tick=False)
        teacher.mark(lesson, value)
        assert len(alerts_to(diary_school)) == fired, (value, fired)
    assert "Алгебра: средний балл 3,67 ниже 4" in alerts_to(diary_school)[-1].body


def test_a_mark_changed_after_the_fact_fires_once_per_change_and_a_quick_correction_not_at_all(
    diary_school: DiarySchool, lessons: list[Lesson], teacher: Teacher, time_machine: Any
) -> None:
    anna = diary_school.pupils[0]
    time_machine.move_to(at(8), tick=False)
    set_alerts(user=diary_school.parent, student_id=anna.public_id, chosen={"changed_late": True})
    time_machine.move_to(at(9), tick=False)
    teacher.mark(lessons[0], "5")
    time_machine.move_to(at(20), tick=False)
    teacher.mark(lessons[0], "4")  # within 24 hours: a correction, not "after the fact"
    assert alerts_to(diary_school) == []
    time_machine.move_to(at(10, day=11), tick=False)
    teacher.mark(lessons[0], "3", reason="пересдача")
    [late] = alerts_to(diary_school)
    assert "Алгебра: оценка изменена 4 → 3" in late.body
    # It keeps holding (the change happened): other writes tell nothing new …
    time_machine.move_to(at(11, day=11), tick=False)
    teacher.mark(lessons[1], "5")
    assert len(alerts_to(diary_school)) == 1
    # … and a second change after the fact is a new one.
    time_machine.move_to(at(12, day=12), tick=False)
    teacher.mark(lessons[0], "5", reason="апелляция")
    assert len(alerts_to(diary_school)) == 2


def test_a_new_alert_tells_only_of_what_happens_from_now_on(
    diary_school: DiarySchool, lessons: list[Lesson], teacher: Teacher, time_machine: Any
) -> None:
    anna = diary_school.pupils[0]
    time_machine.move_to(at(9), tick=False)
    teacher.mark(lessons[0], "2")
    set_alerts(user=diary_school.parent, student_id=anna.public_id, chosen={"mark_at_or_below": Decimal(2)})
    assert AlertHolding.objects.count() == 1
    time_machine.move_to(at(10), tick=False)
    teacher.mark(lessons[1], "4")
    assert alerts_to(diary_school) == []
    teacher.mark(lessons[2], "2")
    assert len(alerts_to(diary_school)) == 1
    # Turned off, it tells nothing and keeps nothing.
    set_alerts(user=diary_school.parent, student_id=anna.public_id, chosen={"mark_at_or_below": None})
    teacher.mark(lessons[3], "1")
    assert len(alerts_to(diary_school)) == 1
    assert not AlertHolding.objects.exists()


def test_the_homework_alert_fires_after_the_due_lesson_once_and_stops_when_handed_in_late(
    diary_school: DiarySchool,
    lessons: list[Lesson],
    time_machine: Any,
    capsys: Any,
    django_capture_on_commit_callbacks: Capture,
) -> None:
    anna = diary_school.pupils[0]
    anna.account = make_account("anna@example.ru", "+79000000197", "Андреева", "Анна", birth_date=date(2012, 1, 1))
    anna.save(update_fields=["account"])
    time_machine.move_to(at(8, day=2), tick=False)
    monday = Lesson.objects.get(
        school_class=diary_school.class_7a, subject=diary_school.algebra, date=date(2026, 11, 2)
    )
    set_homework(teacher=diary_school.math_teacher, lesson_id=monday.pk, text="Сочинение", hand_in=True)
    set_alerts(user=diary_school.parent, student_id=anna.public_id, chosen={"homework_missed": True})

    def sweep() -> list[Notification]:
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_sweeps")
        return alerts_to(diary_school)

    # Before the due lesson (Friday the 6th, 09:00) nothing holds.
    time_machine.move_to(at(8, day=6), tick=False)
    assert sweep() == []
    # The due lesson has begun with no answer: once …
    time_machine.move_to(at(10, day=6), tick=False)
    [first] = sweep()
    assert "Алгебра: домашнее задание не сдано" in first.body
    assert "homework alerts: 1" in capsys.readouterr().out
    # … not again while it holds …
    time_machine.move_to(at(18, day=6), tick=False)
    assert len(sweep()) == 1
    # … and it stops when the pupil hands in late (the answer is flagged late, not refused).
    time_machine.move_to(at(19, day=6), tick=False)
    answer = client_for(anna.account).post(f"/api/v1/homework/{answer_of(monday)}/submissions", {"text": "Поздно"})
    assert answer.status_code == 201
    assert answer.json()["submissions"][0]["state"] == "late"
    assert len(sweep()) == 1
    assert not AlertHolding.objects.exists()
    # Later sweeps keep quiet: the answer is there.
    time_machine.move_to(at(10, day=13), tick=False)
    assert len(sweep()) == 1
    # Other families are not told.
    assert not Notification.objects.filter(user=diary_school.other_parent, kind=Kind.ALERT).exists()


def answer_of(lesson: Lesson) -> int:
    return Homework.objects.get(lesson=lesson).pk
