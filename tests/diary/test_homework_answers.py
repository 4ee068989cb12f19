"""Homework answers: the pupil hands in, the teacher replies, marks and returns, the family reads (issue 16)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from audit.models import AuditEvent
from diary.answer_selectors import answer_states
from diary.homework import set_homework
from diary.lessons import generate_lessons
from diary.models import Homework, HomeworkSubmission, Lesson, Mark
from notify.models import Kind, Notification
from tests.diary.conftest import client_for, make_account
from tests.grants import make_grant

PDF = b"%PDF-1.4\n%test\n"
URL = "/api/v1/homework/{}/submissions"


def moscow(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(settings.TIME_ZONE))


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture(autouse=True)
def _wednesday_of_the_week() -> Any:
    """The clock stands in the week of the homework, before its due lesson (Friday 6 November, 09:00)."""
    with time_machine.travel(moscow(date(2026, 11, 4), 12), tick=False):
        yield


@pytest.fixture
def school(diary_school: Any, settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path
    generate_lessons(term=diary_school.term)
    return diary_school


@pytest.fixture
def homework(school: Any) -> Homework:
    monday = Lesson.objects.get(school_class=school.class_7a, subject=school.algebra, date=date(2026, 11, 2))
    # due by Friday the 6th, 09:00 (the first lesson)
    return set_homework(
        teacher=school.math_teacher, lesson_id=monday.pk, text="Сочинение", hand_in=True, files_allowed=True
    )


def hand_in(user: Any, homework: Homework, text: str = "Мой ответ", **files: Any) -> Any:
    return client_for(user).post(URL.format(homework.pk), {"text": text, **files})


def test_the_teacher_marks_homework_to_hand_in_through_the_api(school: Any) -> None:
    monday = Lesson.objects.get(school_class=school.class_7a, subject=school.algebra, date=date(2026, 11, 2))
    response = client_for(school.math_teacher).put(
        f"/api/v1/lessons/{monday.pk}/homework",
        {"text": "№ 5", "hand_in": True, "files_allowed": False},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["hand_in"] is True
    assert response.json()["files_allowed"] is False


def test_the_pupil_hands_in_on_time_and_again_late_replacing_the_text(school: Any, homework: Homework) -> None:
    vera = school.pupils[2]
    with time_machine.travel(moscow(date(2026, 11, 5), 18), tick=False):
        response = hand_in(school.pupil_account, homework, "Черновик", files=pdf("a.pdf"))
    assert response.status_code == 201, response.content
    mine = response.json()["submissions"]
    assert [(row["pupil_id"], row["state"], row["late"]) for row in mine] == [(vera.pk, "handed_in", False)]
    assert [f["name"] for f in mine[0]["files"]] == ["a.pdf"]

    # after the due lesson began: accepted, flagged late; the text is replaced, the files kept
    with time_machine.travel(moscow(date(2026, 11, 6), 9, 1), tick=False):
        response = hand_in(school.pupil_account, homework, "Чистовик")
    assert response.status_code == 201, response.content
    row = response.json()["submissions"][0]
    assert (row["state"], row["late"], row["text"], len(row["files"])) == ("late", True, "Чистовик", 1)
    assert answer_states(pupil_id=vera.pk, homework_ids=[homework.pk])[homework.pk].state == "late"
    assert AuditEvent.objects.filter(action="diary.homework_handed_in").count() == 2


@pytest.mark.parametrize("who", ["parent", "trusted", "stranger", "teacher"])
def test_nobody_but_the_pupil_hands_in(school: Any, homework: Homework, who: str) -> None:
    trusted = make_account("trusted@example.ru", "+79000000199", "Доверенная", "Дарья")
    make_grant(school.pupils[0], trusted, "diary")
    user = {
        "parent": school.parent,
        "trusted": trusted,
        "stranger": make_account("x@example.ru", "+79000000198", "Чужой", "Иван"),
        "teacher": school.math_teacher,
    }[who]
    assert hand_in(user, homework).status_code == 404
    assert not HomeworkSubmission.objects.exists()


def test_family_and_trusted_person_read_the_answer_a_stranger_gets_404(school: Any, homework: Homework) -> None:
    anna = school.pupils[0]
    anna.account = make_account("anna@example.ru", "+79000000197", "Андреева", "Анна", birth_date=date(2012, 1, 1))
    anna.save(update_fields=["account"])
    trusted = make_account("trusted@example.ru", "+79000000199", "Доверенная", "Дарья")
    make_grant(anna, trusted, "diary")
    assert hand_in(anna.account, homework, "Ответ Анны").status_code == 201
    assert hand_in(school.pupil_account, homework, "Ответ Веры").status_code == 201

    for reader in (school.parent, trusted):
        response = client_for(reader).get(URL.format(homework.pk))
        assert response.status_code == 200
        assert [row["text"] for row in response.json()["submissions"]] == ["Ответ Анны"]
    stranger = make_account("x@example.ru", "+79000000198", "Чужой", "Иван")
    assert client_for(stranger).get(URL.format(homework.pk)).status_code == 404
    assert client_for(school.russian_teacher).get(URL.format(homework.pk)).status_code == 404
    assert client_for(stranger).get(URL.format(999999)).status_code == 404

    # the teacher sees the whole class, the missing too
    rows = client_for(school.math_teacher).get(URL.format(homework.pk)).json()["submissions"]
    assert [row["state"] for row in rows] == ["handed_in", "missing", "handed_in"]


def test_files_over_the_limit_are_refused_with_a_named_field(school: Any, homework: Homework, settings: Any) -> None:
    files = [pdf(f"{n}.pdf") for n in range(6)]
    response = hand_in(school.pupil_account, homework, files=files)
    assert response.status_code == 400
    assert response.json()["field"] == "files"
    assert not HomeworkSubmission.objects.exists()


def test_files_are_refused_where_not_allowed_and_homework_not_to_hand_in(school: Any, homework: Homework) -> None:
    Homework.objects.filter(pk=homework.pk).update(files_allowed=False)
    response = hand_in(school.pupil_account, homework, files=pdf("a.pdf"))
    assert (response.status_code, response.json()["code"]) == (400, "homework_files_not_allowed")
    Homework.objects.filter(pk=homework.pk).update(hand_in=False)
    assert hand_in(school.pupil_account, homework).json()["code"] == "homework_not_to_hand_in"


def review(user: Any, homework: Homework, entries: list[dict[str, Any]]) -> Any:
    return client_for(user).put(URL.format(homework.pk), {"entries": entries}, content_type="application/json")


def test_a_whole_class_replied_and_marked_in_one_request_a_stale_version_writes_nothing(
    school: Any, homework: Homework, django_capture_on_commit_callbacks: Any
) -> None:
    anna, boris, vera = school.pupils
    for pupil, email, phone in ((anna, "anna@example.ru", "+79000000197"), (boris, "b@example.ru", "+79000000196")):
        pupil.account = make_account(email, phone, pupil.surname, pupil.given_name, birth_date=date(2012, 1, 1))
        pupil.save(update_fields=["account"])
    for pupil in (anna, boris):
        assert hand_in(pupil.account, homework).status_code == 201
    assert hand_in(school.pupil_account, homework).status_code == 201

    with django_capture_on_commit_callbacks(execute=True):
        response = review(
            school.math_teacher,
            homework,
            [
                {"pupil_id": anna.pk, "reply": "Отлично", "value": "5"},
                {"pupil_id": boris.pk, "reply": "Доработай вывод", "return_for_rework": True},
                {"pupil_id": vera.pk, "value": "4", "weight": 2},
            ],
        )
    assert response.status_code == 200, response.content
    rows = {row["pupil_id"]: row for row in response.json()["submissions"]}
    assert (rows[anna.pk]["state"], rows[anna.pk]["reply"], rows[anna.pk]["mark"]) == ("marked", "Отлично", "5")
    assert rows[boris.pk]["state"] == "returned"
    assert (rows[vera.pk]["mark"], rows[vera.pk]["mark_weight"]) == ("4", 2)
    assert Mark.objects.get(pupil=vera, lesson=homework.lesson).kind == Mark.Kind.HOMEWORK
    told = set(Notification.objects.filter(kind=Kind.HOMEWORK_REVIEW).values_list("user_id", flat=True))
    assert {school.parent.pk, school.other_parent.pk, school.pupil_account.pk} <= told

    # a marked answer is closed; a returned one is handed in again
    assert hand_in(anna.account, homework).json()["code"] == "homework_answer_marked"
    assert hand_in(boris.account, homework).status_code == 201

    # a stale version for Вера: 409 with the current marks, and Анна's new reply is not written either
    version = rows[vera.pk]["mark_version"]
    review(school.math_teacher, homework, [{"pupil_id": vera.pk, "value": "3", "version": version}])
    response = review(
        school.math_teacher,
        homework,
        [
            {"pupil_id": anna.pk, "reply": "Передумала"},
            {"pupil_id": vera.pk, "value": "5", "version": version},
        ],
    )
    assert response.status_code == 409
    assert response.json()["code"] == "marks_stale"
    assert HomeworkSubmission.objects.get(pupil=anna).reply == "Отлично"
    assert Mark.objects.get(pupil=vera, lesson=homework.lesson).value == "3"


def test_review_is_the_lesson_teachers_and_names_a_pupil_without_an_answer(school: Any, homework: Homework) -> None:
    entries = [{"pupil_id": school.pupils[0].pk, "reply": "?"}]
    assert review(school.russian_teacher, homework, entries).status_code == 404
    assert review(school.pupil_account, homework, entries).status_code == 404
    response = review(school.math_teacher, homework, entries)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("homework_answer_missing", "entries[0].pupil_id")


def test_the_pupils_homework_list_carries_the_state_of_the_answer(school: Any, homework: Homework) -> None:
    assert hand_in(school.pupil_account, homework).status_code == 201
    vera = school.pupils[2]
    response = client_for(school.pupil_account).get(
        f"/api/v1/students/{vera.public_id}/homework?from=2026-11-02&to=2026-11-08"
    )
    assert response.status_code == 200
    items = {item["id"]: item for item in response.json()["items"]}
    assert items[homework.pk]["answer"]["state"] == "handed_in"
