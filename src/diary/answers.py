"""Writes of homework answers: the pupil hands in text and files, the teacher replies, marks and returns.

Handing in again before the teacher has marked the answer replaces its text (earlier text is not kept) and adds
the new files; an answer handed in after its due lesson began is flagged late, never refused. The teacher's
review of several pupils is one transaction: a stale mark version (409) or a bad entry writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

import access
from audit.services import record_event
from core.errors import Conflict, DomainError, NotFound
from core.uploads import check_files, content_type, stored_name
from diary.errors import DiaryCode
from diary.homework import ATTACHMENT_CODES, TEXT_MAX_LENGTH
from diary.marks import InvalidMarks, MarkInput, set_lesson_marks
from diary.models import Homework, HomeworkSubmission, Lesson, Mark, SubmissionFile
from notify.models import Kind
from notify.services import notify
from registry.models import Pupil

REPLY_MAX_LENGTH = 5_000


def lesson_starts(lesson: Lesson) -> datetime:
    """When the lesson begins, in the site's time zone (the school's bell schedule has no offset)."""
    return timezone.make_aware(datetime.combine(lesson.date, lesson.slot.starts_at))


def _homework(homework_id: int) -> Homework:
    homework = (
        Homework.objects.select_related("lesson", "due_lesson__slot").filter(pk=homework_id).first()
        if isinstance(homework_id, int)
        else None
    )
    if homework is None:
        raise NotFound()
    return homework


@transaction.atomic
def hand_in_answer(
    *, account: Any, homework_id: int, text: str, files: Sequence[UploadedFile] = ()
) -> HomeworkSubmission:
    """The pupil's own account hands in (or again, until marked) the answer. Others: ``NotFound``."""
    homework = _homework(homework_id)
    pupil = access.answering_pupil(account, homework.lesson.school_class_id)
    if not homework.hand_in:
        raise DomainError(DiaryCode.HOMEWORK_NOT_TO_HAND_IN, _("This homework is not to be handed in."))
    text = text.strip()
    if len(text) > TEXT_MAX_LENGTH:
        raise DomainError(DiaryCode.HOMEWORK_TEXT_TOO_LONG, _("The answer is too long."), field="text")
    if files and not homework.files_allowed:
        raise DomainError(
            DiaryCode.HOMEWORK_FILES_NOT_ALLOWED, _("Files are not accepted for this homework."), field="files"
        )
    submission = HomeworkSubmission.objects.select_for_update().filter(homework=homework, pupil=pupil).first()
    if submission is not None and submission.state == HomeworkSubmission.State.MARKED:
        raise Conflict(DiaryCode.HOMEWORK_ANSWER_MARKED, _("The teacher has already marked this answer."), field="text")
    already = submission.files.count() if submission is not None else 0
    check_files(files, already=already, codes=ATTACHMENT_CODES)
    if not text and not files and not already:
        raise DomainError(DiaryCode.HOMEWORK_ANSWER_EMPTY, _("Write the answer or attach a file."), field="text")
    now = timezone.now()
    late = homework.due_lesson is not None and now >= lesson_starts(homework.due_lesson)
    if submission is None:
        submission = HomeworkSubmission.objects.create(
            homework=homework, pupil=pupil, text=text, handed_in_at=now, late=late
        )
    else:
        submission.text, submission.handed_in_at, submission.late = text, now, late
        submission.state = HomeworkSubmission.State.HANDED_IN
        submission.save(update_fields=["text", "handed_in_at", "late", "state"])
    names = []
    for upload in files:
        name = stored_name(upload)
        row = SubmissionFile(submission=submission, name=name, size=upload.size or 0, content_type=content_type(upload))
        row.file.save(name, upload, save=False)
        row.save()
        names.append(name)
    record_event(
        actor=account,
        action="diary.homework_handed_in",
        target=submission,
        homework_id=homework.pk,
        pupil_id=pupil.pk,
        late=late,
        files_added=names,
    )
    return submission


@dataclass(frozen=True)
class ReviewInput:
    """The teacher's word on one pupil's answer: a reply, a mark (the lesson's mark rules), a return."""

    pupil_id: int
    reply: str | None = None
    value: str | None = None  # None: the mark is left alone; "" removes it
    weight: int = 1
    kind: str = Mark.Kind.HOMEWORK
    version: int | None = None
    reason: str = ""
    return_for_rework: bool = False


@transaction.atomic
def review_answers(*, teacher: Any, homework_id: int, entries: Sequence[ReviewInput]) -> list[HomeworkSubmission]:
    """Replies, marks and returns for many pupils at once, all or nothing (``StaleMarks`` 409, ``InvalidMarks``).

    The marks are the lesson's where the homework was set, through ``set_lesson_marks`` (weight, kind, version).
    """
    homework = _homework(homework_id)
    access.require(teacher, "lesson.write", homework.lesson)
    submissions = {
        row.pupil_id: row
        for row in HomeworkSubmission.objects.select_for_update().filter(
            homework=homework, pupil_id__in=[entry.pupil_id for entry in entries]
        )
    }
    errors: list[DomainError] = []
    for index, entry in enumerate(entries):
        if entry.pupil_id not in submissions:
            errors.append(
                DomainError(
                    DiaryCode.HOMEWORK_ANSWER_MISSING,
                    _("This pupil has not handed in an answer."),
                    field=f"entries[{index}].pupil_id",
                )
            )
        elif entry.reply is not None and len(entry.reply) > REPLY_MAX_LENGTH:
            errors.append(
                DomainError(
                    DiaryCode.HOMEWORK_TEXT_TOO_LONG, _("The reply is too long."), field=f"entries[{index}].reply"
                )
            )
        elif entry.return_for_rework and entry.value:
            errors.append(
                DomainError(
                    DiaryCode.HOMEWORK_REVIEW_PUPIL,
                    _("Either mark the answer or return it for rework."),
                    field=f"entries[{index}].return_for_rework",
                )
            )
    if errors:
        raise InvalidMarks(errors)
    marks = [
        MarkInput(
            pupil_id=entry.pupil_id,
            value=entry.value,
            weight=entry.weight,
            kind=entry.kind,
            version=entry.version,
            reason=entry.reason,
        )
        for entry in entries
        if entry.value is not None
    ]
    if marks:
        set_lesson_marks(teacher=teacher, lesson_id=homework.lesson_id, marks=marks)
    now = timezone.now()
    told: list[int] = []
    for entry in entries:
        submission = submissions[entry.pupil_id]
        fields: list[str] = []
        if entry.reply is not None and entry.reply.strip() != submission.reply:
            submission.reply, submission.replied_at, submission.replied_by = entry.reply.strip(), now, teacher
            fields += ["reply", "replied_at", "replied_by"]
        state = submission.state
        if entry.return_for_rework:
            state = HomeworkSubmission.State.RETURNED
        elif entry.value:
            state = HomeworkSubmission.State.MARKED
        elif entry.value == "":
            state = HomeworkSubmission.State.HANDED_IN
        if state != submission.state:
            submission.state = state
            fields.append("state")
        if fields:
            submission.save(update_fields=fields)
            record_event(
                actor=teacher,
                action="diary.homework_reviewed",
                target=submission,
                homework_id=homework.pk,
                pupil_id=entry.pupil_id,
                state=submission.state,
                replied="reply" in fields,
            )
            told.append(entry.pupil_id)
    if told:
        _tell(homework, told)
    return list(submissions.values())


def _tell(homework: Homework, pupil_ids: list[int]) -> None:
    """Tell each pupil's family readers of the diary that the teacher replied, marked or returned the answer."""
    readers = access.family_readers(pupil_ids, access.DIARY)
    lesson = Lesson.objects.select_related("subject", "school_class").get(pk=homework.lesson_id)
    public_ids = dict(Pupil.objects.filter(pk__in=pupil_ids).values_list("pk", "public_id"))
    subject = lesson.subject.name
    for pupil_id in pupil_ids:
        users = readers.get(pupil_id, set())
        if users:
            notify(
                kind=Kind.HOMEWORK_REVIEW,
                user_ids=sorted(users),
                subject=gettext("The teacher has reviewed the homework answer: %(subject)s") % {"subject": subject},
                link=reverse("diary:homework", kwargs={"student_id": public_ids[pupil_id]}),
                pupil_id=pupil_id,
                school_id=lesson.school_class.school_id,
                push_title=gettext("Homework answer reviewed: %(subject)s") % {"subject": subject},
            )
