"""Writes of homework: the teacher sets it on a lesson (text, attachments, due lesson) or removes it, and
the pupil ticks it done.

Attachments are limited in number, size and type; the type is checked by the file's extension, its
declared content type and its first bytes, so a renamed executable does not pass as a PDF.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import partial
from typing import Any

from django.core.files.storage import Storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

import access
from audit.services import record_event
from core.errors import DomainError, NotFound
from diary.errors import DiaryCode
from diary.models import Homework, HomeworkAttachment, HomeworkDone, Lesson
from diary.notifications import HOMEWORK, announce
from registry.models import Pupil

TEXT_MAX_LENGTH = 10_000
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_SIZE = 10 * 1024 * 1024

_ZIP = (b"PK\x03\x04",)
# extension → (content types a browser may declare for it, the first bytes the file must start with)
ALLOWED_TYPES: dict[str, tuple[frozenset[str], tuple[bytes, ...]]] = {
    "pdf": (frozenset({"application/pdf"}), (b"%PDF-",)),
    "jpg": (frozenset({"image/jpeg", "image/pjpeg"}), (b"\xff\xd8\xff",)),
    "jpeg": (frozenset({"image/jpeg", "image/pjpeg"}), (b"\xff\xd8\xff",)),
    "png": (frozenset({"image/png"}), (b"\x89PNG\r\n\x1a\n",)),
    "docx": (frozenset({"application/vnd.openxmlformats-officedocument.wordprocessingml.document"}), _ZIP),
    "xlsx": (frozenset({"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}), _ZIP),
    "pptx": (frozenset({"application/vnd.openxmlformats-officedocument.presentationml.presentation"}), _ZIP),
    "odt": (frozenset({"application/vnd.oasis.opendocument.text"}), _ZIP),
    "txt": (frozenset({"text/plain"}), ()),
}


def _extension(name: str) -> str:
    return os.path.splitext(name)[1].lstrip(".").lower()


def _content_type(upload: UploadedFile) -> str:
    return (upload.content_type or "").split(";", 1)[0].strip().lower()


def _starts_with(upload: UploadedFile, signatures: tuple[bytes, ...]) -> bool:
    if not signatures:
        return True
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    return any(head.startswith(signature) for signature in signatures)


def _check_files(files: Sequence[UploadedFile], *, already: int) -> None:
    if already + len(files) > MAX_ATTACHMENTS:
        raise DomainError(
            DiaryCode.TOO_MANY_ATTACHMENTS, _("At most 5 files can be attached to homework."), field="files"
        )
    for upload in files:
        size = upload.size or 0
        if size == 0:
            raise DomainError(DiaryCode.ATTACHMENT_EMPTY, _("The file is empty."), field="files")
        if size > MAX_ATTACHMENT_SIZE:
            raise DomainError(DiaryCode.ATTACHMENT_TOO_LARGE, _("A file can be at most 10 MB."), field="files")
        allowed = ALLOWED_TYPES.get(_extension(upload.name or ""))
        if allowed is None or _content_type(upload) not in allowed[0] or not _starts_with(upload, allowed[1]):
            raise DomainError(
                DiaryCode.ATTACHMENT_TYPE,
                _("Only PDF, JPEG, PNG, DOCX, XLSX, PPTX, TXT and ODT files can be attached."),
                field="files",
            )


def _due_lesson(lesson: Lesson, due_lesson_id: int | None) -> Lesson | None:
    later = Q(date__gt=lesson.date) | Q(date=lesson.date, slot__number__gt=lesson.slot.number)
    candidates = Lesson.objects.filter(later, school_class_id=lesson.school_class_id).exclude(
        status=Lesson.Status.CANCELLED
    )
    if due_lesson_id is None:
        return (
            candidates.filter(subject_id=lesson.subject_id, subgroup=lesson.subgroup)
            .order_by("date", "slot__number")
            .first()
        )
    due = candidates.filter(pk=due_lesson_id).first()
    if due is None:
        raise DomainError(
            DiaryCode.INVALID_DUE_LESSON,
            _("Homework is due by a later lesson of the same class."),
            field="due_lesson_id",
        )
    return due


@transaction.atomic
def set_homework(
    *, teacher: Any, lesson_id: int, text: str, due_lesson_id: int | None = None, files: Sequence[UploadedFile] = ()
) -> Homework:
    """Set the homework of a lesson, or change it: one homework per lesson; new files are added to it.

    Without ``due_lesson_id`` it is due by the next lesson of the same class and subject.
    """
    lesson = access.require(
        teacher,
        "lesson.write",
        Lesson.objects.select_for_update(of=("self",)).select_related("slot").filter(pk=lesson_id).first(),
    )
    if lesson.status == Lesson.Status.CANCELLED:
        raise DomainError(DiaryCode.LESSON_CANCELLED, _("The lesson is cancelled."))
    text = text.strip()
    if not text:
        raise DomainError(DiaryCode.HOMEWORK_TEXT_REQUIRED, _("Write what is to be done."), field="text")
    if len(text) > TEXT_MAX_LENGTH:
        raise DomainError(DiaryCode.HOMEWORK_TEXT_TOO_LONG, _("The homework text is too long."), field="text")
    due = _due_lesson(lesson, due_lesson_id)
    homework = Homework.objects.filter(lesson=lesson).order_by("pk").first()
    _check_files(files, already=homework.attachments.count() if homework is not None else 0)

    created = homework is None
    if homework is None:
        homework = Homework.objects.create(lesson=lesson, due_lesson=due, text=text, created_by=teacher)
    else:
        homework.text, homework.due_lesson = text, due
        homework.save(update_fields=["text", "due_lesson"])
    names = []
    for upload in files:
        name = os.path.basename(upload.name or "file")[-255:]
        attachment = HomeworkAttachment(
            homework=homework, name=name, size=upload.size or 0, content_type=_content_type(upload)
        )
        # Everything is validated before the first file is stored, so only a failing database write can
        # leave a stored file without its row.
        attachment.file.save(name, upload, save=False)
        attachment.save()
        names.append(name)
    record_event(
        actor=teacher,
        action="diary.homework_set" if created else "diary.homework_changed",
        target=homework,
        lesson_id=lesson.pk,
        due_lesson_id=due.pk if due is not None else None,
        files_added=names,
    )
    if created:
        announce(
            event=HOMEWORK,
            lesson_id=lesson.pk,
            pupil_ids=Pupil.objects.filter(
                school_class_id=lesson.school_class_id, status=Pupil.Status.STUDYING
            ).values_list("pk", flat=True),
        )
    return homework


@transaction.atomic
def delete_homework(*, teacher: Any, lesson_id: int) -> None:
    """Remove the homework of a lesson with its files and ticks; nothing to remove is not an error."""
    lesson = access.require(teacher, "lesson.write", Lesson.objects.filter(pk=lesson_id).first())
    for homework in Homework.objects.filter(lesson=lesson).prefetch_related("attachments"):
        files = [attachment.file for attachment in homework.attachments.all()]
        record_event(
            actor=teacher, action="diary.homework_deleted", target=homework, lesson_id=lesson.pk, text=homework.text
        )
        homework.delete()
        # Only once the rows are surely gone, so a rollback never leaves a row without its file.
        transaction.on_commit(partial(_delete_files, [(file.storage, file.name) for file in files]))


def _delete_files(stored: list[tuple[Storage, str | None]]) -> None:
    for storage, name in stored:
        if name:
            storage.delete(name)


@transaction.atomic
def tick_homework(*, account: Any, homework_id: int, done: bool) -> None:
    """The pupil's own tick (or untick): done. Only the pupil of the lesson's class may; others get NotFound."""
    homework = Homework.objects.select_related("lesson").filter(pk=homework_id).first()
    if homework is None or not (account.is_authenticated and account.is_active):
        raise NotFound()
    pupil = Pupil.objects.filter(account=account, school_class_id=homework.lesson.school_class_id).first()
    if pupil is None:
        raise NotFound()
    if done:
        _, created = HomeworkDone.objects.get_or_create(homework=homework, pupil=pupil)
        changed = created
    else:
        changed = HomeworkDone.objects.filter(homework=homework, pupil=pupil).delete()[0] > 0
    if changed:
        record_event(
            actor=account,
            action="diary.homework_ticked" if done else "diary.homework_unticked",
            target=homework,
            pupil_id=pupil.pk,
        )
