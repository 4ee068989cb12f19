"""Writes of homework: the teacher sets it on a lesson (text, attachments, due lesson) or removes it, and
the pupil ticks it done.

Attachments obey the service's limits on files (``core.uploads``: number, size, type by extension, declared
content type and first bytes), with the diary's codes.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

import access
from audit.services import record_event
from core.errors import DomainError, NotFound
from core.uploads import UploadCodes, check_files, content_type, delete_files, stored_name
from diary.errors import DiaryCode
from diary.models import Homework, HomeworkAttachment, HomeworkDone, Lesson
from diary.notifications import HOMEWORK, announce
from registry.models import Pupil

TEXT_MAX_LENGTH = 10_000
ATTACHMENT_CODES = UploadCodes(
    too_many=DiaryCode.TOO_MANY_ATTACHMENTS,
    empty=DiaryCode.ATTACHMENT_EMPTY,
    too_large=DiaryCode.ATTACHMENT_TOO_LARGE,
    wrong_type=DiaryCode.ATTACHMENT_TYPE,
    too_many_message=_("At most 5 files can be attached to homework."),
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
    *,
    teacher: Any,
    lesson_id: int,
    text: str,
    due_lesson_id: int | None = None,
    files: Sequence[UploadedFile] = (),
    hand_in: bool | None = None,
    files_allowed: bool | None = None,
) -> Homework:
    """Set the homework of a lesson, or change it: one homework per lesson; new files are added to it.

    Without ``due_lesson_id`` it is due by the next lesson of the same class and subject. ``hand_in`` asks the
    pupils to hand in an answer (``diary.answers``), ``files_allowed`` lets them attach files; None keeps them.
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
    check_files(files, already=homework.attachments.count() if homework is not None else 0, codes=ATTACHMENT_CODES)

    created = homework is None
    if homework is None:
        homework = Homework.objects.create(
            lesson=lesson,
            due_lesson=due,
            text=text,
            created_by=teacher,
            hand_in=bool(hand_in),
            files_allowed=bool(hand_in and files_allowed),
        )
    else:
        homework.text, homework.due_lesson = text, due
        if hand_in is not None:
            homework.hand_in = hand_in
        if files_allowed is not None:
            homework.files_allowed = files_allowed
        homework.files_allowed = homework.files_allowed and homework.hand_in
        homework.save(update_fields=["text", "due_lesson", "hand_in", "files_allowed"])
    names = []
    for upload in files:
        name = stored_name(upload)
        attachment = HomeworkAttachment(
            homework=homework, name=name, size=upload.size or 0, content_type=content_type(upload)
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
        hand_in=homework.hand_in,
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
        transaction.on_commit(partial(delete_files, [(file.storage, file.name) for file in files]))


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
