"""Homework: set by the lesson's teacher (due lesson, attachments and their limits), ticked by the pupil."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from audit.models import AuditEvent
from core.errors import DomainError, NotFound
from diary.homework import delete_homework, set_homework, tick_homework
from diary.lessons import cancel_lesson, generate_lessons
from diary.models import Homework, HomeworkAttachment, HomeworkDone, Lesson

PDF = b"%PDF-1.4\n%test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def upload(name: str, content: bytes = PDF, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


def algebra(school: Any, day: date) -> Lesson:
    return Lesson.objects.get(school_class=school.class_7a, subject=school.algebra, date=day)


@pytest.fixture
def school(diary_school: Any, settings: Any, tmp_path: Path) -> Any:
    settings.MEDIA_ROOT = tmp_path
    generate_lessons(term=diary_school.term)
    return diary_school


def test_homework_is_due_by_the_next_lesson_of_the_subject(school: Any) -> None:
    monday = algebra(school, date(2026, 11, 2))
    homework = set_homework(teacher=school.math_teacher, lesson_id=monday.pk, text=" № 12, 14 ")

    # the next algebra is Friday the 6th: Wednesday the 4th is a holiday, and the russian lesson in between is skipped
    assert homework.text == "№ 12, 14"
    assert homework.due_lesson == algebra(school, date(2026, 11, 6))
    assert AuditEvent.objects.filter(action="diary.homework_set", target=f"diary.homework:{homework.pk}").exists()


def test_default_due_lesson_skips_a_cancelled_one_and_is_empty_at_the_end_of_term(school: Any) -> None:
    cancel_lesson(actor=school.math_teacher, lesson_id=algebra(school, date(2026, 11, 6)).pk)
    homework = set_homework(teacher=school.math_teacher, lesson_id=algebra(school, date(2026, 11, 2)).pk, text="№ 1")
    assert homework.due_lesson == algebra(school, date(2026, 11, 9))

    last = set_homework(teacher=school.math_teacher, lesson_id=algebra(school, date(2026, 11, 30)).pk, text="№ 2")
    assert last.due_lesson is None


def test_one_homework_per_lesson_is_updated_in_place(school: Any) -> None:
    monday = algebra(school, date(2026, 11, 2))
    first = set_homework(teacher=school.math_teacher, lesson_id=monday.pk, text="№ 1")
    later = algebra(school, date(2026, 11, 11))
    second = set_homework(teacher=school.math_teacher, lesson_id=monday.pk, text="№ 1 и 2", due_lesson_id=later.pk)

    assert second.pk == first.pk
    assert Homework.objects.filter(lesson=monday).count() == 1
    first.refresh_from_db()
    assert (first.text, first.due_lesson) == ("№ 1 и 2", later)
    assert AuditEvent.objects.filter(action="diary.homework_changed").count() == 1


def test_due_lesson_must_be_a_later_lesson_of_the_class(school: Any) -> None:
    friday = algebra(school, date(2026, 11, 6))
    russian_same_class = Lesson.objects.get(
        school_class=school.class_7a, subject=school.russian, date=date(2026, 11, 9)
    )
    homework = set_homework(
        teacher=school.math_teacher, lesson_id=friday.pk, text="Эссе", due_lesson_id=russian_same_class.pk
    )  # another subject of the same class is fine
    assert homework.due_lesson == russian_same_class

    other_class = Lesson.objects.filter(school_class=school.class_7b, date__gt=friday.date).first()
    assert other_class is not None
    for due in (algebra(school, date(2026, 11, 2)).pk, friday.pk, other_class.pk, 10**9):
        with pytest.raises(DomainError) as error:
            set_homework(teacher=school.math_teacher, lesson_id=friday.pk, text="№ 3", due_lesson_id=due)
        assert (error.value.code, error.value.field) == ("invalid_due_lesson", "due_lesson_id")


def test_text_is_required(school: Any) -> None:
    with pytest.raises(DomainError) as error:
        set_homework(teacher=school.math_teacher, lesson_id=algebra(school, date(2026, 11, 2)).pk, text="  ")
    assert (error.value.code, error.value.field) == ("homework_text_required", "text")


def test_attachments_are_stored(school: Any, tmp_path: Path) -> None:
    monday = algebra(school, date(2026, 11, 2))
    homework = set_homework(
        teacher=school.math_teacher,
        lesson_id=monday.pk,
        text="Решить",
        files=[
            upload("задачи.pdf"),
            upload("схема.png", PNG, "image/png"),
            upload("notes.txt", b"read it", "text/plain; charset=utf-8"),
        ],
    )

    attachments = sorted(homework.attachments.all(), key=lambda a: a.name)
    assert [(a.name, a.size, a.content_type) for a in attachments] == [
        ("notes.txt", 7, "text/plain"),
        ("задачи.pdf", len(PDF), "application/pdf"),
        ("схема.png", len(PNG), "image/png"),
    ]
    for attachment in attachments:
        assert attachment.file.name.startswith("homework/")
        assert (tmp_path / attachment.file.name).exists()
    with attachments[1].file.open("rb") as stored:
        assert stored.read() == PDF

    # more files are added to the same homework
    set_homework(teacher=school.math_teacher, lesson_id=monday.pk, text="Решить", files=[upload("ещё.pdf")])
    assert homework.attachments.count() == 4


@pytest.mark.parametrize(
    ("file", "code"),
    [
        (upload("virus.exe", b"MZ\x90\x00", "application/octet-stream"), "attachment_type"),
        (upload("fake.pdf", b"MZ\x90\x00", "application/pdf"), "attachment_type"),  # content is not a PDF
        (upload("doc.pdf", PDF, "text/html"), "attachment_type"),  # declared type does not match
        (upload("noext", PDF), "attachment_type"),
        (upload("report.docx", b"PK\x03\x04rest", "application/pdf"), "attachment_type"),
        (upload("empty.pdf", b""), "attachment_empty"),
        (upload("big.pdf", PDF + b"0" * (10 * 1024 * 1024)), "attachment_too_large"),
    ],
)
def test_attachment_refusals(school: Any, file: SimpleUploadedFile, code: str) -> None:
    monday = algebra(school, date(2026, 11, 2))
    with pytest.raises(DomainError) as error:
        set_homework(teacher=school.math_teacher, lesson_id=monday.pk, text="Решить", files=[upload("ok.pdf"), file])
    assert (error.value.code, error.value.field) == (code, "files")
    assert not Homework.objects.exists()
    assert not HomeworkAttachment.objects.exists()


def test_a_docx_and_exactly_10_mb_pass(school: Any) -> None:
    homework = set_homework(
        teacher=school.math_teacher,
        lesson_id=algebra(school, date(2026, 11, 2)).pk,
        text="Решить",
        files=[
            upload("report.docx", b"PK\x03\x04rest", DOCX_TYPE),
            upload("max.pdf", PDF + b"0" * (10 * 1024 * 1024 - len(PDF))),
        ],
    )
    assert homework.attachments.count() == 2


def test_at_most_five_files(school: Any) -> None:
    monday = algebra(school, date(2026, 11, 2))
    with pytest.raises(DomainError) as error:
        set_homework(
            teacher=school.math_teacher,
            lesson_id=monday.pk,
            text="Решить",
            files=[upload(f"{n}.pdf") for n in range(6)],
        )
    assert (error.value.code, error.value.field) == ("too_many_attachments", "files")

    set_homework(
        teacher=school.math_teacher, lesson_id=monday.pk, text="Решить", files=[upload(f"{n}.pdf") for n in range(4)]
    )
    with pytest.raises(DomainError) as error:
        set_homework(
            teacher=school.math_teacher, lesson_id=monday.pk, text="Решить", files=[upload("5.pdf"), upload("6.pdf")]
        )
    assert error.value.code == "too_many_attachments"
    assert HomeworkAttachment.objects.count() == 4


@pytest.mark.parametrize("who", ["russian_teacher", "form_tutor", "parent", "pupil_account"])
def test_only_the_lessons_teacher_sets_or_deletes_homework(school: Any, who: str) -> None:
    monday = algebra(school, date(2026, 11, 2))
    with pytest.raises(NotFound):
        set_homework(teacher=getattr(school, who), lesson_id=monday.pk, text="Чужое")
    set_homework(teacher=school.math_teacher, lesson_id=monday.pk, text="№ 1")
    with pytest.raises(NotFound):
        delete_homework(teacher=getattr(school, who), lesson_id=monday.pk)
    assert Homework.objects.count() == 1


def test_delete_homework_removes_its_files(
    school: Any, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    monday = algebra(school, date(2026, 11, 2))
    homework = set_homework(teacher=school.math_teacher, lesson_id=monday.pk, text="№ 1", files=[upload("a.pdf")])
    stored = tmp_path / homework.attachments.get().file.name
    assert stored.exists()

    with django_capture_on_commit_callbacks(execute=True):
        delete_homework(teacher=school.math_teacher, lesson_id=monday.pk)
    assert not Homework.objects.exists()
    assert not stored.exists()
    assert AuditEvent.objects.filter(action="diary.homework_deleted").exists()
    delete_homework(teacher=school.math_teacher, lesson_id=monday.pk)  # nothing left: not an error


def test_the_pupil_ticks_homework(school: Any) -> None:
    homework = set_homework(teacher=school.math_teacher, lesson_id=algebra(school, date(2026, 11, 2)).pk, text="№ 1")
    vera = school.pupils[2]

    tick_homework(account=school.pupil_account, homework_id=homework.pk, done=True)
    tick_homework(account=school.pupil_account, homework_id=homework.pk, done=True)
    assert list(HomeworkDone.objects.values_list("pupil", flat=True)) == [vera.pk]

    tick_homework(account=school.pupil_account, homework_id=homework.pk, done=False)
    assert not HomeworkDone.objects.exists()


@pytest.mark.parametrize("who", ["parent", "math_teacher", "form_tutor", "other_parent"])
def test_nobody_else_ticks_homework(school: Any, who: str) -> None:
    homework = set_homework(teacher=school.math_teacher, lesson_id=algebra(school, date(2026, 11, 2)).pk, text="№ 1")
    with pytest.raises(NotFound):
        tick_homework(account=getattr(school, who), homework_id=homework.pk, done=True)
    assert not HomeworkDone.objects.exists()


def test_a_pupil_of_another_class_cannot_tick(school: Any) -> None:
    from tests.diary.conftest import make_account

    account = make_account("gleb@example.ru", "+79000000301", "Глебов", "Глеб")
    school.stranger_pupil.account = account
    school.stranger_pupil.save()
    homework = set_homework(teacher=school.math_teacher, lesson_id=algebra(school, date(2026, 11, 2)).pk, text="№ 1")
    with pytest.raises(NotFound):
        tick_homework(account=account, homework_id=homework.pk, done=True)
    with pytest.raises(NotFound):
        tick_homework(account=school.pupil_account, homework_id=10**9, done=True)


def test_homework_on_a_cancelled_lesson_is_refused(school: Any) -> None:
    monday = algebra(school, date(2026, 11, 2))
    cancel_lesson(actor=school.math_teacher, lesson_id=monday.pk)
    with pytest.raises(DomainError) as error, transaction.atomic():
        set_homework(teacher=school.math_teacher, lesson_id=monday.pk, text="№ 1")
    assert error.value.code == "lesson_cancelled"
