"""The teacher's gradebook and lesson sheet, through the selectors and the web pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import NotFound
from diary.gradebook import gradebook, teacher_classes
from diary.lessons import generate_lessons
from diary.marks import MarkInput, set_lesson_marks
from diary.models import Attendance, Homework, Lesson, Mark
from tests.diary.conftest import client_for


def algebra_lessons(school: Any) -> list[Lesson]:
    generate_lessons(term=school.term, school_class=school.class_7a)
    return list(
        Lesson.objects.filter(school_class=school.class_7a, subject=school.algebra).order_by("date", "slot__number")
    )


def put_marks(school: Any, lesson: Lesson, *entries: MarkInput) -> None:
    set_lesson_marks(teacher=school.math_teacher, lesson_id=lesson.pk, marks=list(entries))


def test_teacher_classes_lists_each_class_and_subject_once(diary_school: Any) -> None:
    assert teacher_classes(teacher=diary_school.russian_teacher) == [
        (diary_school.class_7a, diary_school.russian),
        (diary_school.class_7b, diary_school.russian),
    ]
    assert teacher_classes(teacher=diary_school.form_tutor) == []


def test_gradebook_grid_and_weighted_averages(diary_school: Any) -> None:
    anna, boris, vera = diary_school.pupils
    lessons = algebra_lessons(diary_school)
    put_marks(diary_school, lessons[0], MarkInput(anna.pk, "5"), MarkInput(boris.pk, "3"))
    put_marks(
        diary_school,
        lessons[1],
        MarkInput(anna.pk, "4", weight=2, kind="test"),
        MarkInput(anna.pk, "3", kind="homework"),
    )
    book = gradebook(
        teacher=diary_school.math_teacher,
        school_class_id=diary_school.class_7a.pk,
        subject_id=diary_school.algebra.pk,
        term_id=diary_school.term.pk,
    )
    assert [lesson.pk for lesson in book.lessons] == [lesson.pk for lesson in lessons]
    assert [row.pupil for row in book.rows] == [anna, boris, vera]
    anna_row, boris_row, vera_row = book.rows
    assert [m.value for m in anna_row.cells[0]] == ["5"]
    assert sorted((m.value, m.kind, m.weight, m.version) for m in anna_row.cells[1]) == [
        ("3", "homework", 1, 1),
        ("4", "test", 2, 1),
    ]
    # (5·1 + 4·2 + 3·1) / 4 = 16 / 4
    assert anna_row.average == Decimal("4.00")
    assert boris_row.average == Decimal("3.00")
    assert vera_row.average is None
    # (5 + 8 + 3 + 3) / 5
    assert book.class_average == Decimal("3.80")
    assert book.is_teacher
    assert book.writable_lesson_ids == {lesson.pk for lesson in lessons}


def test_gradebook_takes_a_fixed_number_of_queries(diary_school: Any) -> None:
    anna, boris, vera = diary_school.pupils
    lessons = algebra_lessons(diary_school)
    args = {
        "teacher": diary_school.math_teacher,
        "school_class_id": diary_school.class_7a.pk,
        "subject_id": diary_school.algebra.pk,
        "term_id": diary_school.term.pk,
    }
    with CaptureQueriesContext(connection) as light:
        gradebook(**args)
    for lesson in lessons:
        put_marks(diary_school, lesson, MarkInput(anna.pk, "5"), MarkInput(boris.pk, "4"), MarkInput(vera.pk, "3"))
    with CaptureQueriesContext(connection) as heavy:
        gradebook(**args)
    assert len(light) == len(heavy) <= 6


def test_gradebook_is_for_the_subject_teacher_and_the_form_tutor_only(diary_school: Any) -> None:
    ids = {
        "school_class_id": diary_school.class_7a.pk,
        "subject_id": diary_school.algebra.pk,
        "term_id": diary_school.term.pk,
    }
    book = gradebook(teacher=diary_school.form_tutor, **ids)
    assert not book.is_teacher
    assert book.writable_lesson_ids == set()
    for stranger in (diary_school.russian_teacher, diary_school.parent, diary_school.pupil_account):
        with pytest.raises(NotFound):
            gradebook(teacher=stranger, **ids)


# Web pages


def test_teacher_home_lists_classes(diary_school: Any) -> None:
    response = client_for(diary_school.math_teacher).get("/teacher/")
    assert response.status_code == 200
    assert "7А — Алгебра" in response.content.decode()
    tutor_page = client_for(diary_school.form_tutor).get("/teacher/").content.decode()
    assert "7А — Алгебра" in tutor_page
    assert "7А — Русский язык" in tutor_page


def test_pages_need_signing_in(diary_school: Any) -> None:
    lessons = algebra_lessons(diary_school)
    anonymous = client_for(None)
    for url in (
        "/teacher/",
        f"/teacher/gradebook/{diary_school.class_7a.pk}/{diary_school.algebra.pk}/",
        f"/teacher/lessons/{lessons[0].pk}/",
    ):
        response = anonymous.get(url)
        assert response.status_code == 302
        assert "/signin" in response["Location"]


def test_gradebook_page_shows_marks_and_averages(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    lessons = algebra_lessons(diary_school)
    put_marks(diary_school, lessons[0], MarkInput(anna.pk, "5"), MarkInput(anna.pk, "4", kind="test", weight=3))
    url = f"/teacher/gradebook/{diary_school.class_7a.pk}/{diary_school.algebra.pk}/?term={diary_school.term.pk}"
    for viewer in (diary_school.math_teacher, diary_school.form_tutor):
        response = client_for(viewer).get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Андреева Анна" in page
        assert "4,25" in page
        assert "×3" in page
    for stranger in (diary_school.russian_teacher, diary_school.parent):
        assert client_for(stranger).get(url).status_code == 404


def sheet_data(
    school: Any, lesson: Lesson, marks: dict[int, dict[str, Any]] | None = None, **lesson_fields: Any
) -> dict[str, Any]:
    """The lesson page's form as a browser would post it: every pupil's row and the lesson fields."""
    data: dict[str, Any] = {"topic": lesson.topic, "homework": "", "due_lesson": ""}
    current = {(m.pupil_id): m for m in Mark.objects.filter(lesson=lesson)}
    for pupil in school.pupils:
        mark = current.get(pupil.pk)
        row = {
            "value": mark.value if mark else "",
            "weight": mark.weight if mark else 1,
            "kind": mark.kind if mark else "classwork",
            "comment": mark.comment if mark else "",
            "version": mark.version if mark else "",
            "status": "",
            "late_minutes": "",
            "attendance_comment": "",
        }
        row.update((marks or {}).get(pupil.pk, {}))
        data.update({f"p{pupil.pk}-{name}": value for name, value in row.items()})
    data.update(lesson_fields)
    return data


def test_lesson_page_posts_the_whole_class_in_one_request(diary_school: Any) -> None:
    anna, boris, vera = diary_school.pupils
    lessons = algebra_lessons(diary_school)
    lesson = lessons[0]
    client = client_for(diary_school.math_teacher)
    url = f"/teacher/lessons/{lesson.pk}/"
    assert client.get(url).status_code == 200
    data = sheet_data(
        diary_school,
        lesson,
        {
            anna.pk: {"value": "5"},
            boris.pk: {"value": "4", "weight": 2, "comment": "Молодец"},
            vera.pk: {"status": "late", "late_minutes": 10, "attendance_comment": "Автобус"},
        },
        topic="Линейные уравнения",
        homework="§ 12, № 3–5",
        due_lesson=str(lessons[1].pk),
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()
    marks = {m.pupil_id: (m.value, m.weight, m.comment, m.version) for m in Mark.objects.filter(lesson=lesson)}
    assert marks == {anna.pk: ("5", 1, "", 1), boris.pk: ("4", 2, "Молодец", 1)}
    late = Attendance.objects.get(lesson=lesson)
    assert (late.pupil_id, late.status, late.late_minutes) == (vera.pk, "late", 10)
    lesson.refresh_from_db()
    assert lesson.topic == "Линейные уравнения"
    homework = Homework.objects.get(lesson=lesson)
    assert (homework.text, homework.due_lesson_id) == ("§ 12, № 3–5", lessons[1].pk)
    page = client.get(url).content.decode()
    assert "Линейные уравнения" in page
    assert "Молодец" in page


def test_lesson_page_shows_errors_next_to_fields_and_saves_nothing(diary_school: Any) -> None:
    anna, boris, _vera = diary_school.pupils
    lesson = algebra_lessons(diary_school)[0]
    url = f"/teacher/lessons/{lesson.pk}/"
    response = client_for(diary_school.math_teacher).post(
        url, sheet_data(diary_school, lesson, {anna.pk: {"value": "5"}, boris.pk: {"value": "7"}}, topic="Тема")
    )
    assert response.status_code == 400
    assert 'data-testid="lesson-sheet"' in response.content.decode()
    assert not Mark.objects.filter(lesson=lesson).exists()
    lesson.refresh_from_db()
    assert lesson.topic == ""


def test_lesson_page_stale_write_gets_409_with_the_current_marks(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    lesson = algebra_lessons(diary_school)[0]
    url = f"/teacher/lessons/{lesson.pk}/"
    opened = sheet_data(diary_school, lesson)  # both browsers opened the empty sheet
    first = client_for(diary_school.math_teacher)
    assert first.post(url, {**opened, f"p{anna.pk}-value": "5"}).status_code == 302
    second = client_for(diary_school.math_teacher)
    response = second.post(url, {**opened, f"p{anna.pk}-value": "3", "topic": "Не сохранится"})
    assert response.status_code == 409
    page = response.content.decode()
    assert 'data-testid="stale"' in page
    assert "«5»" in page
    assert "«3»" in page
    assert f'name="p{anna.pk}-version" value="1"' in page
    assert Mark.objects.get(lesson=lesson).value == "5"
    lesson.refresh_from_db()
    assert lesson.topic == ""  # nothing of the stale request was saved


def test_lesson_page_is_404_for_other_teachers_and_read_only_for_the_form_tutor(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    lesson = algebra_lessons(diary_school)[0]
    generate_lessons(term=diary_school.term, school_class=diary_school.class_7b)
    russian_7b = Lesson.objects.filter(school_class=diary_school.class_7b).first()
    assert russian_7b is not None
    url = f"/teacher/lessons/{lesson.pk}/"
    data = sheet_data(diary_school, lesson, {anna.pk: {"value": "2"}})
    # The math teacher does not teach 7Б: neither reads nor writes its lessons.
    math = client_for(diary_school.math_teacher)
    assert math.get(f"/teacher/lessons/{russian_7b.pk}/").status_code == 404
    assert math.post(f"/teacher/lessons/{russian_7b.pk}/", {}).status_code == 404
    for stranger in (diary_school.parent, diary_school.pupil_account):
        assert client_for(stranger).get(url).status_code == 404
        assert client_for(stranger).post(url, data).status_code == 404
    tutor = client_for(diary_school.form_tutor)
    page = tutor.get(url)
    assert page.status_code == 200
    assert 'data-testid="save"' not in page.content.decode()
    assert tutor.post(url, data).status_code == 404
    assert client_for(diary_school.russian_teacher).post(url, data).status_code == 404
    assert not Mark.objects.filter(lesson=lesson).exists()


def test_lesson_page_attaches_a_file_to_the_homework(diary_school: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    lesson = algebra_lessons(diary_school)[0]
    url = f"/teacher/lessons/{lesson.pk}/"
    client = client_for(diary_school.math_teacher)
    upload = SimpleUploadedFile("zadachi.txt", "№ 1. Решить уравнение.".encode(), content_type="text/plain")
    response = client.post(
        url, {**sheet_data(diary_school, lesson, homework="Решить задачи из файла"), "attachment": upload}
    )
    assert response.status_code == 302, response.content.decode()
    homework = Homework.objects.get(lesson=lesson)
    assert [a.name for a in homework.attachments.all()] == ["zadachi.txt"]
    for attachment in homework.attachments.all():
        attachment.file.delete(save=False)
    bad = SimpleUploadedFile("virus.exe", b"MZ", content_type="application/octet-stream")
    response = client.post(url, {**sheet_data(diary_school, lesson, homework="Ещё"), "attachment": bad})
    assert response.status_code == 400
    assert Homework.objects.get(lesson=lesson).text == "Решить задачи из файла"


def test_a_pupils_second_mark_stays_when_the_row_is_saved(diary_school: Any) -> None:
    anna = diary_school.pupils[0]
    lesson = algebra_lessons(diary_school)[0]
    put_marks(diary_school, lesson, MarkInput(anna.pk, "5"), MarkInput(anna.pk, "3", kind="homework"))
    url = f"/teacher/lessons/{lesson.pk}/"
    client = client_for(diary_school.math_teacher)
    page = client.get(url).content.decode()
    assert "3 (" in page
    data = sheet_data(diary_school, lesson, {anna.pk: {"value": "4", "kind": "test"}})
    first = Mark.objects.filter(lesson=lesson, pupil=anna).order_by("pk").first()
    assert first is not None
    data.update({f"p{anna.pk}-version": first.version})
    assert client.post(url, data).status_code == 302
    marks = dict(Mark.objects.filter(lesson=lesson, pupil=anna).values_list("kind", "value"))
    assert marks == {"classwork": "4", "homework": "3"}
