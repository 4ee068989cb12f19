"""Reads of homework answers: the state of one pupil's answer (one query for many homework), and a homework's
answers as its teacher (the whole class) or a family reader (their pupils only) sees them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import FilteredRelation, Q, QuerySet

import access
from core.errors import NotFound
from diary.models import Homework, HomeworkSubmission, Mark, SubmissionFile
from registry.models import Pupil

NOT_REQUIRED, MISSING, HANDED_IN, LATE, RETURNED, MARKED = (
    "not_required",
    "missing",
    "handed_in",
    "late",
    "returned",
    "marked",
)


def _state(hand_in: bool, state: str | None, late: bool | None) -> str:
    if not hand_in:
        return NOT_REQUIRED
    if state is None:
        return MISSING
    if state == HomeworkSubmission.State.HANDED_IN:
        return LATE if late else HANDED_IN
    return RETURNED if state == HomeworkSubmission.State.RETURNED else MARKED


@dataclass(frozen=True)
class AnswerState:
    """Where a pupil's answer to one homework stands: ``state`` is one of not_required, missing, handed_in,
    late, returned, marked; ``late`` stays true for a late answer that was marked or returned."""

    state: str
    late: bool
    handed_in_at: datetime | None
    reply: str


def answer_states(*, pupil_id: int, homework_ids: Iterable[int]) -> dict[int, AnswerState]:
    """The state of ``pupil_id``'s answer to each homework, in one query (what an alert of "not handed in" asks)."""
    rows = (
        Homework.objects.filter(pk__in=list(homework_ids))
        .annotate(mine=FilteredRelation("submissions", condition=Q(submissions__pupil_id=pupil_id)))
        .values_list("pk", "hand_in", "mine__state", "mine__late", "mine__handed_in_at", "mine__reply")
    )
    return {
        pk: AnswerState(
            state=_state(hand_in, state, late), late=bool(late), handed_in_at=handed_in_at, reply=reply or ""
        )
        for pk, hand_in, state, late, handed_in_at, reply in rows
    }


def _logged(read: access.Read | access.LessonRead) -> None:
    # ``selectors.logged``, which imports this module for ``answer_states``: the same signal, sent here.
    if read.grant_id is not None:
        access.grant_read.send(sender=type(read), grant_id=read.grant_id, section=read.service)


@dataclass(frozen=True)
class AnswerFileRow:
    id: int
    name: str
    size: int


@dataclass(frozen=True)
class SubmissionRow:
    pupil_id: int
    pupil: str
    state: str
    late: bool
    text: str
    handed_in_at: datetime | None
    reply: str
    replied_at: datetime | None
    files: list[AnswerFileRow]
    mark: str | None
    mark_weight: int | None
    mark_version: int | None


@dataclass(frozen=True)
class SubmissionsReport:
    homework_id: int
    hand_in: bool
    files_allowed: bool
    submissions: list[SubmissionRow]


def homework_submissions(*, viewer: Any, homework_id: int) -> SubmissionsReport:
    """A homework's answers: the teacher of the lesson (or staff reading its subject) sees the whole class, the
    missing too; a family reader of the diary only their pupils; anyone else ``NotFound``. A fixed number of
    queries; a family read goes to the view log when through a trusted person's grant."""
    homework = Homework.objects.select_related("lesson").filter(pk=homework_id).first()
    if homework is None:
        raise NotFound()
    lesson = homework.lesson
    pupils: QuerySet[Pupil]
    whole_class = access.can(viewer, "lesson.read_class", lesson)
    if whole_class:
        pupils = Pupil.objects.filter(school_class_id=lesson.school_class_id, status=Pupil.Status.STUDYING)
    else:
        pupils = access.answer_reading_pupils(viewer, lesson.school_class_id)
    listed = list(pupils.order_by("surname", "given_name", "pk"))
    if not listed:
        raise NotFound()
    if not whole_class:
        _logged(access.read_lesson(viewer, lesson))  # a family read: the view log, when through a grant
    ids = [pupil.pk for pupil in listed]
    answers = {
        row.pupil_id: row
        for row in HomeworkSubmission.objects.filter(homework=homework, pupil_id__in=ids).prefetch_related("files")
    }
    marks = {
        mark.pupil_id: mark
        for mark in Mark.objects.filter(lesson=lesson, kind=Mark.Kind.HOMEWORK, pupil_id__in=ids).only(
            "pupil_id", "value", "weight", "version"
        )
    }
    rows = []
    for pupil in listed:
        answer = answers.get(pupil.pk)
        mark = marks.get(pupil.pk)
        rows.append(
            SubmissionRow(
                pupil_id=pupil.pk,
                pupil=f"{pupil.surname} {pupil.given_name}",
                state=_state(homework.hand_in, answer.state if answer else None, answer.late if answer else None),
                late=bool(answer and answer.late),
                text=answer.text if answer else "",
                handed_in_at=answer.handed_in_at if answer else None,
                reply=answer.reply if answer else "",
                replied_at=answer.replied_at if answer else None,
                files=[AnswerFileRow(id=f.pk, name=f.name, size=f.size) for f in answer.files.all()] if answer else [],
                mark=mark.value if mark else None,
                mark_weight=mark.weight if mark else None,
                mark_version=mark.version if mark else None,
            )
        )
    return SubmissionsReport(
        homework_id=homework.pk, hand_in=homework.hand_in, files_allowed=homework.files_allowed, submissions=rows
    )


@dataclass(frozen=True)
class PupilAnswer:
    """One pupil's answer to one to-hand-in homework as the pupil and the family see it: the state (as
    ``AnswerState``), the text and files handed in, the teacher's reply and the homework mark of the lesson."""

    homework_id: int
    files_allowed: bool
    state: str
    late: bool
    text: str
    handed_in_at: datetime | None
    reply: str
    replied_at: datetime | None
    files: list[AnswerFileRow]
    mark: str | None

    @property
    def can_hand_in(self) -> bool:
        return self.state != MARKED


def pupil_answers(*, student_id: Any, homework_ids: Iterable[int]) -> dict[int, PupilAnswer]:
    """The answers of the pupil ``student_id`` (the public id) to those of ``homework_ids`` that are to be handed
    in (the caller has checked the read). Three queries whatever the count (one when none is to be handed in)."""
    homework = list(
        Homework.objects.filter(pk__in=list(homework_ids), hand_in=True).values_list("pk", "lesson_id", "files_allowed")
    )
    if not homework:
        return {}
    answers = {
        row.homework_id: row
        for row in HomeworkSubmission.objects.filter(
            homework_id__in=[pk for pk, _lesson, _files in homework], pupil__public_id=student_id
        ).prefetch_related("files")
    }
    marks = dict(
        Mark.objects.filter(
            lesson_id__in={lesson_id for _pk, lesson_id, _files in homework},
            pupil__public_id=student_id,
            kind=Mark.Kind.HOMEWORK,
        ).values_list("lesson_id", "value")
    )
    found = {}
    for pk, lesson_id, files_allowed in homework:
        answer = answers.get(pk)
        found[pk] = PupilAnswer(
            homework_id=pk,
            files_allowed=files_allowed,
            state=_state(True, answer.state if answer else None, answer.late if answer else None),
            late=bool(answer and answer.late),
            text=answer.text if answer else "",
            handed_in_at=answer.handed_in_at if answer else None,
            reply=answer.reply if answer else "",
            replied_at=answer.replied_at if answer else None,
            files=[AnswerFileRow(id=f.pk, name=f.name, size=f.size) for f in answer.files.all()] if answer else [],
            mark=marks.get(lesson_id),
        )
    return found


@dataclass(frozen=True)
class TeacherHomework:
    """The teacher's page of one homework: the task, its lesson, the class's answers, whether they may review."""

    homework: Homework
    report: SubmissionsReport
    can_review: bool


def teacher_homework(*, viewer: Any, homework_id: int) -> TeacherHomework:
    """A homework as its lesson's teacher (or the staff reading its subject in the class) sees it; else
    ``NotFound``."""
    homework = (
        Homework.objects.select_related("lesson__school_class", "lesson__subject", "due_lesson__slot")
        .filter(pk=homework_id)
        .first()
    )
    if homework is None or not access.can(viewer, "lesson.read_class", homework.lesson):
        raise NotFound()
    return TeacherHomework(
        homework=homework,
        report=homework_submissions(viewer=viewer, homework_id=homework_id),
        can_review=access.can(viewer, "lesson.write", homework.lesson),
    )


def answer_file(*, viewer: Any, file_id: int) -> SubmissionFile:
    """A file of a pupil's answer for those who read that answer (``access.read_answer``, logged when through a
    grant); else ``NotFound``."""
    found = (
        SubmissionFile.objects.select_related("submission__pupil", "submission__homework__lesson")
        .filter(pk=file_id)
        .first()
    )
    if found is None:
        raise NotFound()
    _logged(access.read_answer(viewer, found.submission.pupil, found.submission.homework.lesson))
    return found
