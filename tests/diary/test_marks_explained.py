"""Marks that explain themselves, as the family reads them: the history of a changed mark on the week and the
marks page and in the API; per subject the average with and without this week, the trend over 4 weeks, and
the work the teacher announced for the lessons to come."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import time_machine
from django.test import Client
from django.urls import reverse

from diary.lessons import generate_lessons
from diary.models import Lesson, TimetableEntry
from registry.models import StaffMember
from tests.diary.conftest import client_for, make_account

MSK = ZoneInfo("Europe/Moscow")


def at(day: date, hour: int = 12) -> Any:
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=MSK), tick=False)


def lesson_on(school: Any, day: date, subject: Any = None) -> Lesson:
    return Lesson.objects.get(school_class=school.class_7a, subject=subject or school.algebra, date=day)


def put_marks(client: Client, lesson: Lesson, marks: list[dict[str, Any]]) -> Any:
    url = reverse("api:teacher_lesson_marks", kwargs={"lesson_id": lesson.pk})
    return client.put(url, json.dumps({"marks": marks}), content_type="application/json")


def put_plan(client: Client, lesson: Lesson, kind: str, note: str = "") -> Any:
    url = reverse("api:teacher_lesson_plan", kwargs={"lesson_id": lesson.pk})
    return client.put(url, json.dumps({"kind": kind, "note": note}), content_type="application/json")


def other_class_teacher(school: Any) -> Any:
    """A teacher of the school who teaches 7Б only."""
    teacher = make_account("physics@example.ru", "+79000000150", "Физикова", "Фаина")
    StaffMember.objects.create(school=school.school, account=teacher, role=StaffMember.Role.TEACHER)
    entry = TimetableEntry.objects.get(school_class=school.class_7b)
    entry.teacher = teacher
    entry.save()
    return teacher


def test_the_family_sees_why_a_mark_changed_on_the_week_the_marks_page_and_the_api(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    generate_lessons(term=diary_school.term)
    monday = date(2026, 11, 9)
    lesson = lesson_on(diary_school, monday)
    week_url = reverse("diary:week", args=[anna.public_id]) + "?week=2026-11-09"
    marks_url = reverse("diary:marks", args=[anna.public_id])
    diary_api = reverse("api:student_diary", args=[anna.public_id]) + "?from=2026-11-09&to=2026-11-15"
    marks_api = reverse("api:student_marks", args=[anna.public_id])
    with at(monday):
        assert put_marks(client_for(diary_school.math_teacher), lesson, [{"pupil_id": anna.pk, "value": "5"}])
    with at(date(2026, 11, 11)):
        parent = client_for(diary_school.parent)
        # Read (and cached) before the change: the change must show on the next read all the same.
        for url in (week_url, marks_url, diary_api, marks_api):
            assert parent.get(url).status_code == 200
        assert 'data-testid="mark-history"' not in parent.get(week_url).content.decode()
        changed = put_marks(
            client_for(diary_school.math_teacher),
            lesson,
            [{"pupil_id": anna.pk, "value": "4", "version": 1, "reason": "пересдача после болезни"}],
        )
        assert changed.status_code == 200
        text = "5 → 4, изменена 11.11.2026 Математиковой М.: пересдача после болезни"
        week_page = parent.get(week_url).content.decode()
        assert week_page.count('data-testid="mark-history"') == 1
        assert text in week_page
        marks_page = parent.get(marks_url).content.decode()
        assert f"09.11: {text}" in marks_page
        days = parent.get(diary_api).json()["days"]
        marks = [mark for day in days for item in day["lessons"] for mark in item["marks"]]
        assert [mark["history"] for mark in marks] == [[text]]
        subjects = parent.get(marks_api).json()["subjects"]
        assert [mark["history"] for subject in subjects for mark in subject["marks"]] == [[text]]
        # The pupil reads it too; a stranger and a teacher of another class get 404 on each of them.
        pupil = client_for(diary_school.pupil_account)
        assert text not in pupil.get(reverse("diary:week", args=[diary_school.pupils[2].public_id])).content.decode()
        stranger = make_account("stranger@example.ru", "+79000000199")
        for who in (stranger, other_class_teacher(diary_school), diary_school.other_parent):
            for url in (week_url, marks_url, diary_api, marks_api):
                assert client_for(who).get(url).status_code == 404, (who, url)


def test_averages_with_and_without_this_week_and_the_trend_over_four_weeks(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    generate_lessons(term=diary_school.term)
    algebra = [(date(2026, 11, 2), "3", 1), (date(2026, 11, 16), "5", 2), (date(2026, 11, 23), "4", 1)]
    algebra.append((date(2026, 11, 30), "2", 1))
    russian = [(date(2026, 11, 2), "5", 1), (date(2026, 11, 30), "2", 1)]
    with at(date(2026, 11, 30), 15):
        for subject, marks in ((diary_school.algebra, algebra), (diary_school.russian, russian)):
            teacher = client_for(
                diary_school.math_teacher if subject == diary_school.algebra else diary_school.russian_teacher
            )
            for day, value, weight in marks:
                answer = put_marks(
                    teacher,
                    lesson_on(diary_school, day, subject),
                    [{"pupil_id": anna.pk, "value": value, "weight": weight}],
                )
                assert answer.status_code == 200, answer.content
        parent = client_for(diary_school.parent)
        subjects = {
            s["subject"]: s for s in parent.get(reverse("api:student_marks", args=[anna.public_id])).json()["subjects"]
        }
        # Algebra: now (3 + 5·2 + 4 + 2) / 5 = 3.80; before this Monday (30.11) (3 + 10 + 4) / 4 = 4.25; four
        # weeks ago (up to 02.11) 3.00, so up. Russian: now 3.50, before the week 5.00, four weeks ago 5.00: down.
        got = {
            name: (
                Decimal(s["average"]),
                Decimal(s["average_before_week"]),
                Decimal(s["average_weeks_ago"]),
                s["trend_weeks"],
            )
            for name, s in subjects.items()
        }
        assert got == {
            "Алгебра": (Decimal("3.80"), Decimal("4.25"), Decimal("3.00"), "up"),
            "Русский язык": (Decimal("3.50"), Decimal("5.00"), Decimal("5.00"), "down"),
        }
        page = parent.get(reverse("diary:marks", args=[anna.public_id])).content.decode()
        assert 'data-testid="average-before-week" data-value="4.25">4,25<' in page
        assert 'data-testid="trend" data-trend="up"' in page
        assert 'data-testid="trend" data-trend="down"' in page
        assert "4 оценки" in page
        assert "2 оценки" in page
        assert "до 4 недель назад" in page  # the small print says what the trend compares


def test_an_announced_test_is_shown_and_listed_as_upcoming_until_its_day(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    generate_lessons(term=diary_school.term)
    friday = date(2026, 11, 27)
    lesson = lesson_on(diary_school, friday)
    with at(date(2026, 11, 25)):
        teacher = client_for(diary_school.math_teacher)
        refused = put_plan(teacher, lesson, "quiz")
        assert refused.status_code == 400
        assert (refused.json()["code"], refused.json()["field"]) == ("planned_kind", "kind")
        too_long = put_plan(teacher, lesson, "control", "д" * 201)
        assert too_long.status_code in (400, 422)
        # Not their lesson: the Russian teacher and a teacher of another class get 404.
        assert put_plan(client_for(diary_school.russian_teacher), lesson, "control").status_code == 404
        assert put_plan(client_for(other_class_teacher(diary_school)), lesson, "control").status_code == 404
        parent = client_for(diary_school.parent)
        marks_api = reverse("api:student_marks", args=[anna.public_id])
        assert parent.get(marks_api).status_code == 200  # cached before the announcement
        done = put_plan(teacher, lesson, "control", "  Дроби,   проценты ")
        assert done.json() == {"lesson_id": lesson.pk, "kind": "control", "note": "Дроби, проценты"}
        week = parent.get(reverse("diary:week", args=[anna.public_id]) + "?week=2026-11-23").content.decode()
        assert 'data-testid="planned-work" data-kind="control"' in week
        assert "Контрольная работа" in week
        assert "Дроби, проценты" in week
        page = parent.get(reverse("diary:marks", args=[anna.public_id])).content.decode()
        assert 'data-testid="upcoming" data-date="2026-11-27" data-kind="control"' in page
        assert "27.11.2026: контрольная работа — Дроби, проценты" in page
        algebra = next(s for s in parent.get(marks_api).json()["subjects"] if s["subject"] == "Алгебра")
        assert algebra["upcoming"] == [
            {
                "lesson_id": lesson.pk,
                "date": "2026-11-27",
                "kind": "control",
                "kind_label": "контрольная работа",
                "note": "Дроби, проценты",
            }
        ]
    with at(friday, 8):
        parent = client_for(diary_school.parent)
        assert 'data-testid="upcoming"' in parent.get(reverse("diary:marks", args=[anna.public_id])).content.decode()
    with at(date(2026, 11, 28)):
        parent = client_for(diary_school.parent)
        assert (
            'data-testid="upcoming"' not in parent.get(reverse("diary:marks", args=[anna.public_id])).content.decode()
        )
        subjects = parent.get(reverse("api:student_marks", args=[anna.public_id])).json()["subjects"]
        assert [s["upcoming"] for s in subjects if s["upcoming"]] == []  # algebra had only the announcement


def test_the_teacher_announces_work_on_the_lesson_page(diary_school: Any) -> None:
    generate_lessons(term=diary_school.term)
    lesson = lesson_on(diary_school, date(2026, 11, 27))
    url = reverse("teacher:lesson", kwargs={"lesson_id": lesson.pk})
    with at(date(2026, 11, 25)):
        teacher = client_for(diary_school.math_teacher)
        page = teacher.get(url).content.decode()
        assert 'name="planned_kind"' in page
        assert 'name="planned_note"' in page
        data: dict[str, Any] = {
            "topic": "",
            "homework": "",
            "due_lesson": "",
            "planned_kind": "test",
            "planned_note": "Уравнения",
        }
        for pupil in diary_school.pupils:
            data.update({f"p{pupil.pk}-weight": 1, f"p{pupil.pk}-kind": "classwork"})
        assert teacher.post(url, data).status_code == 302
        lesson.refresh_from_db()
        assert (lesson.planned_kind, lesson.planned_note) == ("test", "Уравнения")
        assert client_for(diary_school.russian_teacher).post(url, data).status_code == 404
