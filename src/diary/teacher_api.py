"""JSON API of the diary for teachers: writing a lesson's marks, homework, attendance and topic.

Thin handlers: parse → one service of ``diary`` (which asks ``access``) → serialise. A lesson of
another teacher is a 404 (the service raises ``NotFound``); a stale mark is a 409 with the current marks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

from django.db import transaction
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import BaseModel

from core.bounds import MAX_INT32, DbId
from core.errors import NotFound
from diary import gradebook as selectors
from diary.attendance import AttendanceInput, set_lesson_attendance
from diary.homework import set_homework
from diary.lessons import cancel_lesson, move_lesson, replace_lesson, set_lesson_plan, set_lesson_topic
from diary.marks import MarkInput, set_final_mark, set_lesson_marks
from diary.models import Attendance
from portal.oidc import api_auth
from portal.web import api_user
from registry.models import Pupil

router = Router(tags=["teacher"], auth=api_auth("teacher.write"))


# A class's marks in and out are plain pydantic models, not ninja's ``Schema``: its wrap validator (which reads
# ORM objects through ``DjangoGetter``) runs for every mark, and was a tenth of a 30-mark entry's CPU; these
# carry JSON and dicts only.
class MarkIn(BaseModel):
    pupil_id: DbId
    value: str | None = Field(None, max_length=8)
    weight: int = Field(1, ge=1, le=10)
    kind: str = Field("classwork", max_length=10)
    comment: str = Field("", max_length=500)
    version: int | None = Field(None, ge=1, le=MAX_INT32)
    reason: str = Field("", max_length=500, description="Why a mark set more than 24 hours ago changes")


class MarksIn(BaseModel):
    scale: str = Field("five", max_length=10)
    marks: list[MarkIn] = Field(..., max_length=200)


class GradebookMark(BaseModel):
    id: int
    value: str
    scale: str
    weight: int
    kind: str
    comment: str
    version: int


class LessonMarkOut(GradebookMark):
    pupil_id: int


class LessonMarksOut(BaseModel):
    lesson_id: int
    marks: list[LessonMarkOut]


class CurrentMark(Schema):
    pupil_id: int
    kind: str
    value: str | None = None
    weight: int | None = None
    comment: str = ""
    version: int | None = None


class StaleOut(Schema):
    """The 409 body: the error's ``code``, ``message`` and ``field`` plus the error's data (``current``)."""

    code: str
    message: str
    field: str | None = None
    current: list[CurrentMark]


class AttendanceEntryIn(Schema):
    pupil_id: DbId
    status: str | None = Field(None, max_length=10)
    late_minutes: int | None = Field(None, ge=0, le=300)
    comment: str = Field("", max_length=300)


class AttendanceIn(Schema):
    entries: list[AttendanceEntryIn] = Field(..., max_length=200)


class LessonAttendanceEntryOut(Schema):
    pupil_id: int
    status: str
    late_minutes: int | None
    comment: str


class LessonAttendanceOut(Schema):
    lesson_id: int
    attendance: list[LessonAttendanceEntryOut]


class TopicIn(Schema):
    topic: str = Field(..., max_length=300)


class TopicOut(Schema):
    lesson_id: int
    topic: str


class PlanIn(Schema):
    kind: str = Field(..., max_length=10, description="test, control or exam; empty: nothing announced")
    note: str = Field("", max_length=200)


class PlanOut(Schema):
    lesson_id: int
    kind: str
    note: str


class HomeworkIn(Schema):
    text: str = Field(..., max_length=10000)
    due_lesson_id: DbId | None = None
    hand_in: bool | None = Field(None, description="The pupils hand in an answer (null: unchanged)")
    files_allowed: bool | None = Field(None, description="The answer may carry files (null: unchanged)")


class LessonHomeworkOut(Schema):
    id: int
    lesson_id: int
    text: str
    due_lesson_id: int | None
    hand_in: bool
    files_allowed: bool


@router.put(
    "/lessons/{lesson_id}/marks", response={200: LessonMarksOut, 409: StaleOut}, url_name="teacher_lesson_marks"
)
def put_lesson_marks(request: HttpRequest, lesson_id: DbId, payload: MarksIn) -> Any:
    """Set the marks of a whole lesson at once; each existing mark carries its ``version``."""
    marks = [
        MarkInput(
            pupil_id=m.pupil_id,
            value=m.value,
            weight=m.weight,
            kind=m.kind,
            comment=m.comment,
            version=m.version,
            reason=m.reason,
        )
        for m in payload.marks
    ]
    written = set_lesson_marks(teacher=api_user(request), lesson_id=lesson_id, marks=marks, scale=payload.scale)
    return Status(200, {"lesson_id": lesson_id, "marks": selectors.marks_out(written)})


@router.put("/lessons/{lesson_id}/attendance", response=LessonAttendanceOut, url_name="teacher_lesson_attendance")
def put_lesson_attendance(request: HttpRequest, lesson_id: DbId, payload: AttendanceIn) -> Any:
    """Record absences and latenesses of a lesson; ``status`` null means present."""
    entries = [
        AttendanceInput(pupil_id=e.pupil_id, status=e.status, late_minutes=e.late_minutes, comment=e.comment)
        for e in payload.entries
    ]
    set_lesson_attendance(teacher=api_user(request), lesson_id=lesson_id, entries=entries)
    rows = Attendance.objects.filter(lesson_id=lesson_id).order_by("pupil_id")
    return {"lesson_id": lesson_id, "attendance": list(rows.values("pupil_id", "status", "late_minutes", "comment"))}


@router.put("/lessons/{lesson_id}/topic", response=TopicOut, url_name="teacher_lesson_topic")
def put_lesson_topic(request: HttpRequest, lesson_id: DbId, payload: TopicIn) -> Any:
    lesson = set_lesson_topic(teacher=api_user(request), lesson_id=lesson_id, topic=payload.topic)
    return {"lesson_id": lesson.pk, "topic": lesson.topic}


@router.put("/lessons/{lesson_id}/plan", response=PlanOut, url_name="teacher_lesson_plan")
def put_lesson_plan(request: HttpRequest, lesson_id: DbId, payload: PlanIn) -> Any:
    """Announce the work planned for a lesson (a test, a control work, an exam) with a note; an empty kind
    withdraws it. The family sees it on the lesson and among the marks still to come."""
    lesson = set_lesson_plan(teacher=api_user(request), lesson_id=lesson_id, kind=payload.kind, note=payload.note)
    return {"lesson_id": lesson.pk, "kind": lesson.planned_kind, "note": lesson.planned_note}


@router.put("/lessons/{lesson_id}/homework", response=LessonHomeworkOut, url_name="teacher_lesson_homework")
def put_lesson_homework(request: HttpRequest, lesson_id: DbId, payload: HomeworkIn) -> Any:
    """Set the lesson's homework text and due lesson (attachments go through the web page)."""
    with transaction.atomic():
        homework = set_homework(
            teacher=api_user(request),
            lesson_id=lesson_id,
            text=payload.text,
            due_lesson_id=payload.due_lesson_id,
            hand_in=payload.hand_in,
            files_allowed=payload.files_allowed,
        )
    return {
        "id": homework.pk,
        "lesson_id": homework.lesson_id,
        "text": homework.text,
        "due_lesson_id": homework.due_lesson_id,
        "hand_in": homework.hand_in,
        "files_allowed": homework.files_allowed,
    }


@router.get("/teacher/gradebook", response=selectors.GradebookGrid, url_name="teacher_gradebook")
def get_gradebook(
    request: HttpRequest, class_id: DbId, subject_id: DbId, term_id: DbId | None = None
) -> selectors.GradebookGrid:
    """The class × lessons grid of one subject and term, with weighted averages (teacher or form tutor)."""
    book = selectors.gradebook(
        teacher=api_user(request), school_class_id=class_id, subject_id=subject_id, term_id=term_id
    )
    return selectors.gradebook_grid(book)


class FinalIn(Schema):
    subject_id: DbId
    term_id: DbId | None = None  # empty: the year final
    value: str = Field(..., max_length=8)


@router.put(
    "/students/{student_id}/finals",
    response=FinalIn,
    url_name="teacher_final",
    summary="Set a term or year final (the teacher of that subject in the pupil's class)",
)
def put_final(request: HttpRequest, student_id: UUID, payload: FinalIn) -> Any:

    pupil_id = Pupil.objects.by_public_id(student_id).values_list("pk", flat=True).first()
    if pupil_id is None:
        raise NotFound()
    final = set_final_mark(
        teacher=api_user(request),
        pupil_id=pupil_id,
        subject_id=payload.subject_id,
        term_id=payload.term_id,
        value=payload.value,
    )
    return {"subject_id": final.subject_id, "term_id": final.term_id, "value": final.value}


class LessonStateOut(Schema):
    id: int
    date: dt.date
    slot_number: int
    subject_id: int
    teacher_id: int
    status: str


class MoveIn(Schema):
    date: dt.date
    slot_id: DbId


class ReplaceIn(Schema):
    subject_id: DbId
    teacher_id: DbId


def _lesson_state(lesson: Any) -> dict[str, Any]:
    return {
        "id": lesson.pk,
        "date": lesson.date,
        "slot_number": lesson.slot.number,
        "subject_id": lesson.subject_id,
        "teacher_id": lesson.teacher_id,
        "status": lesson.status,
    }


@router.post(
    "/lessons/{lesson_id}/cancel",
    response=LessonStateOut,
    url_name="lesson_cancel",
    summary="Cancel a lesson (its teacher or the school's registrar)",
)
def post_cancel(request: HttpRequest, lesson_id: DbId) -> Any:
    return _lesson_state(cancel_lesson(actor=api_user(request), lesson_id=lesson_id))


@router.post(
    "/lessons/{lesson_id}/move",
    response=LessonStateOut,
    url_name="lesson_move",
    summary="Move a lesson to another date and slot of its term",
)
def post_move(request: HttpRequest, lesson_id: DbId, payload: MoveIn) -> Any:
    return _lesson_state(
        move_lesson(actor=api_user(request), lesson_id=lesson_id, date=payload.date, slot_id=payload.slot_id)
    )


@router.post(
    "/lessons/{lesson_id}/replace",
    response=LessonStateOut,
    url_name="lesson_replace",
    summary="Replace a lesson's subject and teacher",
)
def post_replace(request: HttpRequest, lesson_id: DbId, payload: ReplaceIn) -> Any:
    return _lesson_state(
        replace_lesson(
            actor=api_user(request), lesson_id=lesson_id, subject_id=payload.subject_id, teacher_id=payload.teacher_id
        )
    )
