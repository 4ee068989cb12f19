"""Homework answers on the web pages (issue 16): the teacher asks for answers on the lesson page and reviews the
whole class on the homework's page in one form; the pupil hands in on the homework and week pages; the family
reads; an answer's file is served behind the access check."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from diary.lessons import generate_lessons
from diary.models import Homework, HomeworkSubmission, Lesson, Mark, SubmissionFile
from tests.diary.conftest import client_for, make_account
from tests.diary.test_gradebook import sheet_data
from tests.diary.test_homework_answers import PDF, moscow
from tests.grants import make_grant
from trust.models import View
from trust.services import flush_views


@pytest.fixture(autouse=True)
def _wednesday() -> Any:
    with time_machine.travel(moscow(date(2026, 11, 4), 12), tick=False):
        yield


@pytest.fixture
def school(diary_school: Any, settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path
    generate_lessons(term=diary_school.term)
    anna = diary_school.pupils[0]
    anna.account = make_account("anna@example.ru", "+79000000197", "Андреева", "Анна", birth_date=date(2012, 1, 1))
    anna.save(update_fields=["account"])
    return diary_school


def monday(school: Any) -> Lesson:
    return Lesson.objects.get(school_class=school.class_7a, subject=school.algebra, date=date(2026, 11, 2))


def ask_for_answers(school: Any) -> Homework:
    """The teacher sets the homework on the lesson page with «to hand in» and «files allowed» ticked."""
    lesson = monday(school)
    data = sheet_data(school, lesson, homework="Сочинение о лете", hand_in="on", files_allowed="on")
    response = client_for(school.math_teacher).post(f"/teacher/lessons/{lesson.pk}/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Homework.objects.get(lesson=lesson)


def hand_in(user: Any, homework: Homework, text: str, *files: SimpleUploadedFile) -> Any:
    data: dict[str, Any] = {"text": text, "next": "/diary/"}
    if files:
        data["files"] = list(files)
    return client_for(user).post(f"/diary/homework/{homework.pk}/answer/", data, follow=True)


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_the_lesson_page_asks_for_answers_and_links_the_homework_page(school: Any) -> None:
    homework = ask_for_answers(school)
    assert (homework.hand_in, homework.files_allowed) == (True, True)
    page = client_for(school.math_teacher).get(f"/teacher/lessons/{homework.lesson_id}/").content.decode()
    assert f'href="/teacher/homework/{homework.pk}/"' in page
    # Unticked again: no longer to hand in.
    lesson = monday(school)
    data = sheet_data(school, lesson, homework="Сочинение о лете")
    assert client_for(school.math_teacher).post(f"/teacher/lessons/{lesson.pk}/", data).status_code == 302
    homework.refresh_from_db()
    assert (homework.hand_in, homework.files_allowed) == (False, False)


def test_the_pupil_hands_in_on_the_homework_and_week_pages_the_family_reads_only(school: Any) -> None:
    homework = ask_for_answers(school)
    anna = school.pupils[0]
    pages = {
        "homework": f"/diary/{anna.public_id}/homework/?from=2026-11-02&to=2026-11-08",
        "week": f"/diary/{anna.public_id}/?week=2026-11-02",
    }
    for url in pages.values():
        page = client_for(anna.account).get(url).content.decode()
        assert f'action="/diary/homework/{homework.pk}/answer/"' in page
        assert "не сдано" in page
        assert "До 5 файлов" in page
        assert 'maxlength="10000"' in page
    done = hand_in(anna.account, homework, "Летом я читал", pdf("сочинение.pdf"))
    assert "Ответ сдан" in done.content.decode()
    answer = HomeworkSubmission.objects.get(homework=homework, pupil=anna)
    assert (answer.text, answer.late, answer.files.count()) == ("Летом я читал", False, 1)

    # The parent and a trusted person with the diary read it; neither gets the form, nor can hand in.
    trusted = make_account("trusted@example.ru", "+79000000199", "Доверенная", "Дарья")
    make_grant(anna, trusted, "diary")
    for reader in (school.parent, trusted):
        page = client_for(reader).get(pages["homework"]).content.decode()
        assert "Летом я читал" in page
        assert "сочинение.pdf" in page
        assert "сдано" in page
        assert "/answer/" not in page
        assert hand_in(reader, homework, "Чужой ответ").status_code == 404
    assert HomeworkSubmission.objects.get(pk=answer.pk).text == "Летом я читал"

    # Bad input: a named error in Russian, nothing written.
    too_many = hand_in(anna.account, homework, "ещё", *[pdf(f"{n}.pdf") for n in range(5)])
    assert "файл" in too_many.content.decode().lower()
    assert answer.files.count() == 1


@pytest.mark.parametrize("page", ["homework", "week"])
def test_a_refused_hand_in_gives_back_what_the_pupil_typed(school: Any, page: str) -> None:
    """Six files are one too many: the error names it, nothing is saved, and the text is in the form again,
    once, on the page the pupil handed in from."""
    homework = ask_for_answers(school)
    anna = school.pupils[0]
    url = {
        "homework": f"/diary/{anna.public_id}/homework/?from=2026-11-02&to=2026-11-08",
        "week": f"/diary/{anna.public_id}/?week=2026-11-02",
    }[page]
    client = client_for(anna.account)
    files = [pdf(f"{n}.pdf") for n in range(6)]
    typed = "Летом я читал <Робинзона Крузо> & гулял"
    refused = client.post(
        f"/diary/homework/{homework.pk}/answer/", {"text": typed, "next": url, "files": files}, follow=True
    )
    body = refused.content.decode()
    assert refused.redirect_chain[-1][0] == url
    assert "файл" in body.lower()
    assert "Летом я читал &lt;Робинзона Крузо&gt; &amp; гулял</textarea>" in body
    assert not HomeworkSubmission.objects.filter(homework=homework).exists()
    assert "Робинзона" not in client.get(url).content.decode()


def test_an_answers_file_is_served_only_to_those_who_read_the_answer(school: Any) -> None:
    homework = ask_for_answers(school)
    anna = school.pupils[0]
    hand_in(anna.account, homework, "Ответ", pdf("ответ.pdf"))
    file = SubmissionFile.objects.get()
    url = f"/diary/answers/files/{file.pk}/"
    trusted = make_account("trusted@example.ru", "+79000000199", "Доверенная", "Дарья")
    grant = make_grant(anna, trusted, "diary")
    flush_views()
    View.objects.all().delete()
    for reader in (anna.account, school.parent, trusted, school.math_teacher):
        response = client_for(reader).get(url)
        assert response.status_code == 200, reader
        assert response.getvalue() == PDF
        assert "attachment" in response["Content-Disposition"]
    flush_views()
    assert View.objects.filter(grant=grant).exists()
    stranger = make_account("x@example.ru", "+79000000198", "Чужой", "Иван")
    for other in (school.other_parent, school.pupil_account, school.russian_teacher, stranger):
        assert client_for(other).get(url).status_code == 404, other
    assert client_for(school.parent).get("/diary/answers/files/999999/").status_code == 404
    assert "/media/" not in client_for(school.parent).get(f"/diary/{anna.public_id}/homework/").content.decode()


def review_data(homework: Homework, **rows: dict[str, Any]) -> dict[str, Any]:
    return {f"p{pupil_id}-{name}": value for pupil_id, row in rows.items() for name, value in row.items()}


def test_the_teacher_reviews_the_whole_class_in_one_form_and_a_stale_version_keeps_the_typing(school: Any) -> None:
    homework = ask_for_answers(school)
    anna, _boris, vera = school.pupils
    hand_in(anna.account, homework, "Ответ Анны")
    hand_in(school.pupil_account, homework, "Ответ Веры")
    url = f"/teacher/homework/{homework.pk}/"
    teacher = client_for(school.math_teacher)
    page = teacher.get(url).content.decode()
    assert page.count('data-testid="answer-row"') == 3
    assert 'data-state="missing"' in page
    assert "Ответ Анны" in page
    assert "не сдано" in page

    data = {
        f"p{anna.pk}-reply": "Хорошо",
        f"p{anna.pk}-value": "5",
        f"p{vera.pk}-reply": "Допиши вывод",
        f"p{vera.pk}-return_for_rework": "on",
    }
    assert teacher.post(url, data).status_code == 302
    states = dict(HomeworkSubmission.objects.values_list("pupil_id", "state"))
    assert states == {anna.pk: "marked", vera.pk: "returned"}
    mark = Mark.objects.get(lesson=homework.lesson, pupil=anna)
    assert (mark.value, mark.kind) == ("5", "homework")

    # The parent sees the reply and the mark.
    family = client_for(school.parent).get(f"/diary/{anna.public_id}/homework/?from=2026-11-02&to=2026-11-08")
    assert "Хорошо" in family.content.decode()
    assert 'data-testid="answer-mark"' in family.content.decode()

    # A stale version (someone changed the mark meanwhile): 409, nothing written, what was typed is kept.
    stale = {
        f"p{anna.pk}-value": "4",
        f"p{anna.pk}-version": str(mark.version - 1),
        f"p{anna.pk}-reply": "Хорошо",
        f"p{vera.pk}-reply": "Теперь лучше, но мало",
    }
    response = teacher.post(url, stale)
    assert response.status_code == 409
    body = response.content.decode()
    assert "Изменения не сохранены" in body
    assert "Теперь лучше, но мало" in body
    assert HomeworkSubmission.objects.get(pupil=vera).reply == "Допиши вывод"
    assert Mark.objects.get(pk=mark.pk).value == "5"

    # Both at once for one pupil: the field is named, nothing written.
    both = {f"p{vera.pk}-value": "4", f"p{vera.pk}-return_for_rework": "on"}
    refused = teacher.post(url, both)
    assert refused.status_code == 400
    assert "Либо" in refused.content.decode() or "либо" in refused.content.decode()
    assert not Mark.objects.filter(pupil=vera).exists()


def test_only_the_lessons_teacher_reviews_and_family_get_404(school: Any) -> None:
    homework = ask_for_answers(school)
    url = f"/teacher/homework/{homework.pk}/"
    for other in (school.russian_teacher, school.parent):
        assert client_for(other).get(url).status_code == 404
    assert client_for(school.math_teacher).get("/teacher/homework/999999/").status_code == 404
