"""The family API of the diary: who reads what, the content of the week, marks, homework, attendance,
bad periods, and the fixed query count of the week."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from diary.models import Attendance, FinalMark, Homework, HomeworkAttachment, HomeworkDone, Lesson, Mark
from tests.diary.conftest import TERM_START, client_for, make_account

WEEK = f"from={TERM_START.isoformat()}&to={(TERM_START + timedelta(days=6)).isoformat()}"


def lesson(ds: Any, day: date, slot: int = 0, subject: Any = None, teacher: Any = None, **extra: Any) -> Lesson:
    return Lesson.objects.create(
        school_class=extra.pop("school_class", ds.class_7a),
        term=ds.term,
        date=day,
        slot=ds.slots[slot],
        subject=subject or ds.algebra,
        teacher=teacher or ds.math_teacher,
        room="21",
        **extra,
    )


def mark(ds: Any, pupil: Any, on: Lesson, value: str, weight: int = 1, **extra: Any) -> Mark:
    return Mark.objects.create(pupil=pupil, lesson=on, value=value, weight=weight, created_by=on.teacher, **extra)


def url(name: str, pupil: Any, query: str = "") -> str:
    return reverse(f"api:{name}", kwargs={"student_id": pupil.public_id}) + (f"?{query}" if query else "")


@pytest.fixture
def week(diary_school: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    """Monday 2 November: algebra (topic, homework with a file, Анна's 5 and 4×2), russian (Анна late);
    Wednesday: a cancelled algebra lesson; Борис has a mark that Анна's family must not see."""
    settings.MEDIA_ROOT = str(tmp_path)
    ds = diary_school
    anna, boris = ds.pupils[0], ds.pupils[1]
    monday = TERM_START
    algebra = lesson(ds, monday, 0, topic="Линейные уравнения")
    russian = lesson(ds, monday, 1, ds.russian, ds.russian_teacher)
    cancelled = lesson(ds, monday + timedelta(days=2), 1, status=Lesson.Status.CANCELLED)
    mark(ds, anna, algebra, "5", comment="Молодец")
    mark(ds, anna, algebra, "4", weight=2, kind=Mark.Kind.TEST)
    mark(ds, boris, algebra, "2")
    homework = Homework.objects.create(
        lesson=algebra, due_lesson=cancelled, text="№ 12, 13", created_by=ds.math_teacher
    )
    attachment = HomeworkAttachment(homework=homework, name="задачи.pdf", size=3, content_type="application/pdf")
    attachment.file.save("tasks.pdf", ContentFile(b"pdf"), save=True)
    HomeworkDone.objects.create(homework=homework, pupil=anna)
    Attendance.objects.create(
        pupil=anna, lesson=russian, status=Attendance.Status.LATE, late_minutes=10, recorded_by=ds.russian_teacher
    )
    return {"algebra": algebra, "russian": russian, "cancelled": cancelled, "homework": homework}


def test_the_guardian_reads_the_week(diary_school: Any, week: dict[str, Any]) -> None:
    anna = diary_school.pupils[0]
    response = client_for(diary_school.parent).get(url("student_diary", anna, WEEK))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["student"]["student_id"] == str(anna.public_id)
    assert body["days"][0]["date"] == "2026-11-02"
    assert len(body["days"]) == 7
    monday, _, wednesday = body["days"][:3]
    algebra, russian = monday["lessons"]
    assert algebra["subject"] == "Алгебра"
    assert algebra["teacher"] == "Математикова Мария"
    assert algebra["starts_at"] == "09:00:00"
    assert algebra["topic"] == "Линейные уравнения"
    assert [(m["value"], m["weight"], m["kind"], m["comment"]) for m in algebra["marks"]] == [
        ("5", 1, "classwork", "Молодец"),
        ("4", 2, "test", ""),
    ]
    (homework,) = algebra["homework"]
    assert homework["text"] == "№ 12, 13"
    assert homework["done"] is True
    assert homework["due_date"] == "2026-11-04"
    assert [a["name"] for a in homework["attachments"]] == ["задачи.pdf"]
    only_file = HomeworkAttachment.objects.get()
    assert homework["attachments"][0]["url"] == f"/diary/attachments/{only_file.pk}/"
    assert russian["marks"] == []
    assert russian["attendance"]["status"] == "late"
    assert russian["attendance"]["late_minutes"] == 10
    (cancelled,) = wednesday["lessons"]
    assert cancelled["cancelled"] is True
    assert cancelled["status"] == "cancelled"


@pytest.mark.parametrize("who", ["pupil_account", "form_tutor", "math_teacher"])
def test_the_pupil_the_form_tutor_and_the_subjects_teacher_read(
    diary_school: Any, week: dict[str, Any], who: str
) -> None:
    vera = diary_school.pupils[2]
    mark(diary_school, vera, week["algebra"], "3")
    response = client_for(getattr(diary_school, who)).get(url("student_diary", vera, WEEK))
    assert response.status_code == 200
    assert [m["value"] for m in response.json()["days"][0]["lessons"][0]["marks"]] == ["3"]


def test_strangers_get_404_and_anonymous_401(diary_school: Any, week: dict[str, Any]) -> None:
    anna, boris = diary_school.pupils[0], diary_school.pupils[1]
    outsider = make_account("outsider@example.ru", "+79000000199")
    for name in ("student_diary", "student_marks", "student_homework", "student_attendance"):
        assert client_for(diary_school.other_parent).get(url(name, anna)).status_code == 404
        assert client_for(outsider).get(url(name, anna)).status_code == 404
        assert client_for(diary_school.parent).get(url(name, boris)).status_code == 404
        response = client_for(None).get(url(name, anna))
        assert response.status_code == 401
        assert response.json()["code"] == "not_authenticated"
    # A teacher of 7Б reads 7Б; a teacher of 7Б only does not read 7А.
    gleb = diary_school.stranger_pupil
    assert client_for(diary_school.russian_teacher).get(url("student_diary", gleb)).status_code == 200
    teacher_b = make_account("teacher-b@example.ru", "+79000000198")
    from diary.models import TimetableEntry

    TimetableEntry.objects.create(
        school_class=diary_school.class_7b,
        weekday=2,
        slot=diary_school.slots[2],
        subject=diary_school.algebra,
        teacher=teacher_b,
    )
    assert client_for(teacher_b).get(url("student_diary", anna)).status_code == 404
    assert client_for(diary_school.parent).get("/api/v1/students/not-a-uuid/diary").status_code == 404


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-11-10&to=2026-11-02", "from"),
        ("from=2026-11-01&to=2026-12-02", "to"),
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
    ],
)
def test_bad_periods_are_400_with_the_field(diary_school: Any, query: str, field: str) -> None:
    anna = diary_school.pupils[0]
    for name in ("student_diary", "student_homework", "student_attendance"):
        response = client_for(diary_school.parent).get(url(name, anna, query))
        assert response.status_code == 400, response.content
        assert response.json()["field"] == field


def test_a_period_of_31_days_is_fine_and_no_dates_is_this_week(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    client = client_for(diary_school.parent)
    assert client.get(url("student_diary", anna, "from=2026-11-01&to=2026-12-01")).status_code == 200
    body = client.get(url("student_diary", anna)).json()
    start = date.fromisoformat(body["start"])
    assert start.weekday() == 0
    assert date.fromisoformat(body["end"]) == start + timedelta(days=6)


def test_marks_by_subject(diary_school: Any, week: dict[str, Any]) -> None:
    ds = diary_school
    anna, boris = ds.pupils[0], ds.pupils[1]
    later = lesson(ds, TERM_START + timedelta(days=4), 0)
    mark(ds, anna, later, "3", weight=2)  # algebra: 5 (w1), 4 (w2), 3 (w2) → 19 / 5 = 3.80
    mark(ds, anna, later, "pass", kind=Mark.Kind.HOMEWORK, scale=Mark.Scale.PASS_FAIL)
    russian = week["russian"]
    mark(ds, anna, russian, "90", scale=Mark.Scale.HUNDRED_POINT)  # 4.5
    FinalMark.objects.create(pupil=anna, subject=ds.algebra, term=ds.term, value="4", set_by=ds.math_teacher)
    response = client_for(ds.parent).get(url("student_marks", anna, f"term={ds.term.pk}"))
    assert response.status_code == 200
    body = response.json()
    assert body["term"]["id"] == ds.term.pk
    algebra, russian_row = body["subjects"]
    assert algebra["subject"] == "Алгебра"
    assert Decimal(algebra["average"]) == Decimal("3.80")
    # The class: Анна 5 + 8 + 6 and Борис 2 → 21 / 6 = 3.50
    assert Decimal(algebra["class_average"]) == Decimal("3.50")
    assert algebra["term_final"] == "4"
    assert algebra["trend"] == "down"
    assert [Decimal(p["five_point"]) for p in algebra["points"]] == [Decimal(5), Decimal(4), Decimal(3)]
    assert Decimal(russian_row["average"]) == Decimal("4.50")
    assert Decimal(russian_row["class_average"]) == Decimal("4.50")
    assert client_for(ds.parent).get(url("student_marks", boris)).status_code == 404
    assert client_for(ds.parent).get(url("student_marks", anna, "term=999999")).json()["field"] == "term"


def test_homework_and_attendance(diary_school: Any, week: dict[str, Any]) -> None:
    anna = diary_school.pupils[0]
    client = client_for(diary_school.parent)
    body = client.get(url("student_homework", anna, WEEK)).json()
    assert [(item["subject"], item["text"], item["done"]) for item in body["items"]] == [("Алгебра", "№ 12, 13", True)]
    body = client.get(url("student_attendance", anna, WEEK)).json()
    assert body["counts"] == {"ill": 0, "excused": 0, "unexcused": 0, "late": 1}
    assert body["items"][0]["subject"] == "Русский язык"


def heavy_week(ds: Any) -> None:
    """Three lessons a day on every weekday of the second week, each with marks of all the class,
    two homework items with two files each, and attendance."""
    anna = ds.pupils[0]
    start = TERM_START + timedelta(days=7)
    for offset in range(5):
        for slot in range(3):
            subject, teacher = (ds.algebra, ds.math_teacher) if slot != 1 else (ds.russian, ds.russian_teacher)
            one = lesson(ds, start + timedelta(days=offset), slot, subject, teacher, topic=f"Тема {offset}.{slot}")
            for pupil in ds.pupils:
                mark(ds, pupil, one, "4")
                mark(ds, pupil, one, "5", weight=2, kind=Mark.Kind.TEST)
            for n in range(2):
                homework = Homework.objects.create(lesson=one, text=f"Задание {n}", created_by=teacher)
                for k in range(2):
                    HomeworkAttachment.objects.create(
                        homework=homework,
                        file=f"homework/x{offset}{slot}{n}{k}.pdf",
                        name=f"{k}.pdf",
                        size=1,
                        content_type="application/pdf",
                    )
            Attendance.objects.create(pupil=anna, lesson=one, status=Attendance.Status.ABSENT_ILL, recorded_by=teacher)


def test_the_week_takes_the_same_few_queries_light_or_heavy(
    diary_school: Any, django_assert_max_num_queries: Any, django_assert_num_queries: Any
) -> None:
    from diary import selectors

    ds = diary_school
    anna = ds.pupils[0]
    lesson(ds, TERM_START, 0)  # the light week: one lesson, nothing else
    heavy_week(ds)
    light = (TERM_START, TERM_START + timedelta(days=6))
    heavy = (TERM_START + timedelta(days=7), TERM_START + timedelta(days=13))
    # Four: the access check, the lessons with the pupil's attendance, the marks with their changes (issue 16),
    # the homework.
    with django_assert_max_num_queries(4):
        light_week = selectors.diary_week(viewer=ds.parent, student_id=anna.public_id, start=light[0], end=light[1])
    with django_assert_num_queries(4):
        heavy_week_ = selectors.diary_week(viewer=ds.parent, student_id=anna.public_id, start=heavy[0], end=heavy[1])
    with django_assert_num_queries(1):  # the same week again: the access check, the rest from the cache
        selectors.diary_week(viewer=ds.parent, student_id=anna.public_id, start=light[0], end=light[1])
    assert sum(len(day.lessons) for day in light_week.days) == 1
    lessons = [one for day in heavy_week_.days for one in day.lessons]
    assert len(lessons) == 15
    assert all(len(one.marks) == 2 and len(one.homework) == 2 and one.attendance for one in lessons)
    assert all(len(homework.attachments) == 2 for one in lessons for homework in one.homework)
