"""DESIGN §2: a teacher of a pupil's class reads the pupil's diary only in the subjects they teach the class;
the form tutor reads every subject. Through the pages, the API, the gradebook, the lesson page and the files.

The week of a subject teacher shows only the lessons of their subjects (not a 404: they may read part of
the diary, and the other lessons, their topics and the pupil's attendance there are not theirs to read)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from core.errors import NotFound
from diary import selectors
from diary.marks import mark_history
from diary.models import Attendance, FinalMark, Homework, HomeworkAttachment, Lesson
from tests.diary.conftest import TERM_START, client_for
from tests.diary.test_family_api import WEEK, heavy_week, lesson, mark, url


@pytest.fixture
def week(diary_school: Any, settings: Any, tmp_path: Any) -> dict[str, Any]:
    """Monday 2 November in 7А: algebra and russian, each with a topic, homework with a file, Анна's mark,
    Анна's attendance and a term final."""
    settings.MEDIA_ROOT = str(tmp_path)
    ds = diary_school
    anna = ds.pupils[0]
    lessons = {
        "algebra": lesson(ds, TERM_START, 0, topic="Линейные уравнения"),
        "russian": lesson(ds, TERM_START, 1, ds.russian, ds.russian_teacher, topic="Причастный оборот"),
    }
    files = {}
    for name, (one, value, status) in {
        "algebra": (lessons["algebra"], "5", Attendance.Status.ABSENT_EXCUSED),
        "russian": (lessons["russian"], "3", Attendance.Status.LATE),
    }.items():
        mark(ds, anna, one, value)
        homework = Homework.objects.create(lesson=one, text=f"Задание по {name}", created_by=one.teacher)
        attachment = HomeworkAttachment(homework=homework, name=f"{name}.pdf", size=3, content_type="application/pdf")
        attachment.file.save(f"{name}.pdf", ContentFile(b"pdf"), save=True)
        files[name] = attachment.pk
        late = 5 if status == Attendance.Status.LATE else None
        Attendance.objects.create(pupil=anna, lesson=one, status=status, late_minutes=late, recorded_by=one.teacher)
        FinalMark.objects.create(pupil=anna, subject=one.subject, term=ds.term, value=value, set_by=one.teacher)
    return {**lessons, "files": files}


READERS = {
    # viewer → the subjects of 7А they read
    "math_teacher": ["Алгебра"],
    "russian_teacher": ["Русский язык"],
    "form_tutor": ["Алгебра", "Русский язык"],
    "parent": ["Алгебра", "Русский язык"],
}


@pytest.mark.parametrize(("who", "subjects"), READERS.items())
def test_the_api_gives_each_reader_their_subjects(
    diary_school: Any, week: dict[str, Any], who: str, subjects: list[str]
) -> None:
    anna = diary_school.pupils[0]
    client = client_for(getattr(diary_school, who))

    days = client.get(url("student_diary", anna, WEEK)).json()["days"]
    lessons = [one for day in days for one in day["lessons"]]
    assert [one["subject"] for one in lessons] == subjects
    assert all(one["marks"] and one["homework"] and one["attendance"] for one in lessons)

    body = client.get(url("student_marks", anna, f"term={diary_school.term.pk}")).json()
    assert [row["subject"] for row in body["subjects"]] == subjects
    assert all(row["term_final"] and row["class_average"] for row in body["subjects"])

    items = client.get(url("student_homework", anna, WEEK)).json()["items"]
    assert [item["subject"] for item in items] == subjects

    body = client.get(url("student_attendance", anna, WEEK)).json()
    assert [item["subject"] for item in body["items"]] == subjects
    assert sum(body["counts"].values()) == len(subjects)


def test_the_pages_show_the_subject_teacher_their_subjects_only(diary_school: Any, week: dict[str, Any]) -> None:
    anna = diary_school.pupils[0]
    math, tutor = client_for(diary_school.math_teacher), client_for(diary_school.form_tutor)

    def page(client: Any, name: str, query: str) -> str:
        response = client.get(reverse(name, kwargs={"student_id": anna.public_id}) + query)
        assert response.status_code == 200, name
        return str(response.content.decode())

    for name, query in (
        ("diary:week", f"?week={TERM_START}"),
        ("diary:marks", f"?term={diary_school.term.pk}"),
        ("diary:homework", f"?{WEEK}"),
        ("diary:attendance", f"?{WEEK}"),
    ):
        assert "Алгебра" in page(math, name, query), name
        assert "Русский язык" not in page(math, name, query), name
        assert "Русский язык" in page(tutor, name, query), name
    week_page = page(math, "diary:week", f"?week={TERM_START}")
    assert "Линейные уравнения" in week_page
    assert "Причастный оборот" not in week_page
    assert "Задание по russian" not in week_page


def test_a_lesson_and_a_file_of_another_subject_are_not_found(diary_school: Any, week: dict[str, Any]) -> None:
    math, tutor = client_for(diary_school.math_teacher), client_for(diary_school.form_tutor)
    algebra, russian = week["algebra"], week["russian"]
    assert math.get(f"/teacher/lessons/{algebra.pk}/").status_code == 200
    assert math.get(f"/teacher/lessons/{russian.pk}/").status_code == 404
    assert tutor.get(f"/teacher/lessons/{russian.pk}/").status_code == 200
    assert math.get(f"/diary/attachments/{week['files']['algebra']}/").status_code == 200
    assert math.get(f"/diary/attachments/{week['files']['russian']}/").status_code == 404
    assert tutor.get(f"/diary/attachments/{week['files']['russian']}/").status_code == 200
    gradebook = "/api/v1/teacher/gradebook?class_id={}&subject_id={}"
    assert math.get(gradebook.format(diary_school.class_7a.pk, diary_school.russian.pk)).status_code == 404
    assert tutor.get(gradebook.format(diary_school.class_7a.pk, diary_school.russian.pk)).status_code == 200


def test_the_mark_history_of_another_subject_is_not_found(diary_school: Any, week: dict[str, Any]) -> None:
    anna = diary_school.pupils[0]
    assert mark_history(viewer=diary_school.math_teacher, pupil_id=anna.pk, lesson_id=week["algebra"].pk) == []
    with pytest.raises(NotFound):
        mark_history(viewer=diary_school.math_teacher, pupil_id=anna.pk, lesson_id=week["russian"].pk)
    assert mark_history(viewer=diary_school.form_tutor, pupil_id=anna.pk, lesson_id=week["russian"].pk) == []


def test_a_replacement_teacher_reads_the_lesson_they_teach(diary_school: Any, week: dict[str, Any]) -> None:
    """The lesson's own teacher reads its sheet even when the timetable gives the class another teacher."""
    russian = week["russian"]
    Lesson.objects.filter(pk=russian.pk).update(teacher=diary_school.math_teacher)
    assert client_for(diary_school.math_teacher).get(f"/teacher/lessons/{russian.pk}/").status_code == 200


def test_a_subject_teachers_week_takes_the_same_four_queries(diary_school: Any, django_assert_num_queries: Any) -> None:
    ds = diary_school
    heavy_week(ds)
    start = TERM_START + timedelta(days=7)
    for viewer, count in ((ds.math_teacher, 10), (ds.russian_teacher, 5), (ds.form_tutor, 15)):
        with django_assert_num_queries(4):  # the access check, the lessons with attendance, the marks, the homework
            week = selectors.diary_week(
                viewer=viewer, student_id=ds.pupils[0].public_id, start=start, end=start + timedelta(days=6)
            )
        assert sum(len(day.lessons) for day in week.days) == count
