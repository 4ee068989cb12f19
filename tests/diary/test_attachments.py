"""Homework files are served through an access check, never as public media URLs."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from diary.homework import set_homework
from diary.lessons import generate_lessons
from diary.models import HomeworkAttachment, Lesson
from tests.diary.conftest import client_for, make_account
from tests.grants import make_grant


@pytest.fixture
def attachment(diary_school: Any) -> HomeworkAttachment:
    generate_lessons(term=diary_school.term)
    lesson = Lesson.objects.filter(school_class=diary_school.class_7a, subject=diary_school.algebra).first()
    assert lesson is not None
    set_homework(
        teacher=diary_school.math_teacher,
        lesson_id=lesson.pk,
        text="№ 123",
        files=[SimpleUploadedFile("task.txt", b"solve it", content_type="text/plain")],
    )
    return HomeworkAttachment.objects.get()


def test_the_family_and_the_subjects_staff_download_it(diary_school: Any, attachment: HomeworkAttachment) -> None:
    url = f"/diary/attachments/{attachment.pk}/"
    for reader in (
        diary_school.parent,
        diary_school.pupil_account,
        diary_school.math_teacher,
        diary_school.form_tutor,
    ):
        response = client_for(reader).get(url)
        assert response.status_code == 200, reader
        assert response.getvalue() == b"solve it"


def test_anyone_else_gets_404(diary_school: Any, attachment: HomeworkAttachment) -> None:
    url = f"/diary/attachments/{attachment.pk}/"
    stranger = make_account("stranger@example.ru", "+79000000199")
    assert client_for(stranger).get(url).status_code == 404
    # The Russian teacher teaches 7А, but not the algebra the file belongs to.
    assert client_for(diary_school.russian_teacher).get(url).status_code == 404
    assert client_for(None).get(url)["Location"].startswith("/signin/")
    assert client_for(diary_school.parent).get("/diary/attachments/999999/").status_code == 404


def test_the_week_links_to_the_checked_download(diary_school: Any, attachment: HomeworkAttachment) -> None:
    anna = diary_school.pupils[0]
    lesson = attachment.homework.lesson
    response = client_for(diary_school.parent).get(
        f"/api/v1/students/{anna.public_id}/diary", {"from": lesson.date.isoformat(), "to": lesson.date.isoformat()}
    )
    assert f"/diary/attachments/{attachment.pk}/" in response.content.decode()


def test_a_download_through_a_grant_is_in_the_guardians_view_log(
    diary_school: Any, attachment: HomeworkAttachment
) -> None:
    anna = diary_school.pupils[0]
    nanny = make_account("nanny@example.ru", "+79000000198", "Нянина", "Нина")
    grant = make_grant(anna, nanny, "diary")
    guardian = client_for(diary_school.parent)
    api_log = f"/api/v1/trusted-persons/{grant.pk}/views"
    assert client_for(diary_school.parent).get(f"/diary/attachments/{attachment.pk}/").status_code == 200
    assert guardian.get(api_log).json() == []  # the guardian's own reads are not logged

    assert client_for(nanny).get(f"/diary/attachments/{attachment.pk}/").getvalue() == b"solve it"
    assert [(view["grant_id"], view["section"]) for view in guardian.get(api_log).json()] == [(grant.pk, "diary")]
    page = guardian.get(f"/diary/{anna.public_id}/trusted/").content.decode()
    assert page.count('data-testid="view"') == 1
    assert "Нянина" in page.split('data-testid="view-log"')[1]


def test_a_grant_for_a_child_of_another_class_opens_no_file(diary_school: Any, attachment: HomeworkAttachment) -> None:
    gleb = diary_school.stranger_pupil  # 7Б; the file is of 7А
    nanny = make_account("nanny@example.ru", "+79000000198", "Нянина", "Нина")
    make_grant(gleb, nanny, "diary")
    make_grant(diary_school.pupils[0], nanny, "visits_meals")
    assert client_for(nanny).get(f"/diary/attachments/{attachment.pk}/").status_code == 404
