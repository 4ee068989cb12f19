"""JSON API of the diary for families: /students/{student_id}/diary, /marks, /homework, /attendance.

Thin: read the query, call one selector (which asks ``access``: 404 for anyone who may not see the
pupil), serialise. Periods: ISO dates; none → the current week; from > to or more than 31 days → 400.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Form, Query, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import TypeAdapter

from core.bounds import MAX_INT32, DbId
from core.periods import FROM, TO, period
from diary import absence, answer_selectors, cache, selectors
from diary.answers import ReviewInput, hand_in_answer, review_answers
from diary.homework import tick_homework
from diary.mark_history import MarkHistory, mark_history
from diary.teacher_api import StaleOut
from portal.oidc import api_auth
from portal.web import api_user

router = Router(tags=["diary"], auth=api_auth("diary.read"))


# The answers are serialised straight from the selectors' dataclasses by pydantic-core, without validating
# again what the selector has just built (the schema still comes from ``response=``).
DAYS_JSON = TypeAdapter(list[selectors.DayRow])
STUDENT_JSON = TypeAdapter(selectors.StudentRow)
MARKS_JSON = TypeAdapter(selectors.MarksReport)
# A family's answer is private to the caller, and revalidated (``ETag``) before it is reused.
CACHE_CONTROL = "private, no-cache"


def _json(body: bytes, tag: str) -> HttpResponse:
    return HttpResponse(body, content_type="application/json", headers={"ETag": tag, "Cache-Control": CACHE_CONTROL})


def _not_modified(tag: str) -> HttpResponse:
    return HttpResponse(status=304, headers={"ETag": tag, "Cache-Control": CACHE_CONTROL})


TERM = Query(None, description="A term id (default: the term holding today, else the latest begun)")


@router.get(
    "/students/{student_id}/diary",
    response=selectors.DiaryWeek,
    url_name="student_diary",
    summary="The pupil's week: days → lessons with topic, homework, marks and attendance",
)
def student_diary(
    request: HttpRequest, student_id: UUID, start: date | None = FROM, end: date | None = TO
) -> HttpResponse:
    first, last = period(start, end)
    read = selectors.diary_read(viewer=api_user(request), student_id=student_id)
    tag = cache.etag(read, "week", first, last)
    if cache.not_modified(request, tag):
        return _not_modified(tag)
    # The days are cached as JSON (``diary.cache``): unpickling and serialising the dataclasses again cost more
    # than the rest of a cached answer. The pupil's row comes from the access check of this very request.
    days = cache.cached(
        read, "week.json", lambda: DAYS_JSON.dump_json(selectors.week_days(read, first, last)), first, last
    )
    student = STUDENT_JSON.dump_json(selectors.student_row(read.pupil))
    body = b'{"student":%s,"start":"%s","end":"%s","days":%s}' % (
        student,
        first.isoformat().encode(),
        last.isoformat().encode(),
        days,
    )
    return _json(body, tag)


@router.get(
    "/students/{student_id}/marks",
    response=selectors.MarksReport,
    url_name="student_marks",
    summary="Marks by subject with weighted averages, the class average, finals and chart points",
)
def student_marks(request: HttpRequest, student_id: UUID, term: DbId | None = TERM) -> HttpResponse:
    read = selectors.diary_read(viewer=api_user(request), student_id=student_id)
    tag = cache.etag(read, "marks", term)
    if cache.not_modified(request, tag):
        return _not_modified(tag)
    return _json(MARKS_JSON.dump_json(selectors.subject_marks(read=read, term_id=term)), tag)


@router.get(
    "/students/{student_id}/homework",
    response=selectors.HomeworkReport,
    url_name="student_homework",
    summary="Homework due in the period",
)
def student_homework(
    request: HttpRequest, student_id: UUID, start: date | None = FROM, end: date | None = TO
) -> selectors.HomeworkReport:
    first, last = period(start, end)
    return selectors.homework_list(viewer=api_user(request), student_id=student_id, start=first, end=last)


@router.get(
    "/students/{student_id}/attendance",
    response=selectors.AttendanceReport,
    url_name="student_attendance",
    summary="Absences and lateness in the period, with counts by status",
)
def student_attendance(
    request: HttpRequest, student_id: UUID, start: date | None = FROM, end: date | None = TO
) -> selectors.AttendanceReport:
    first, last = period(start, end)
    return selectors.attendance_summary(viewer=api_user(request), student_id=student_id, start=first, end=last)


class HomeworkDoneIn(Schema):
    done: bool


@router.put(
    "/homework/{homework_id}/done",
    response=HomeworkDoneIn,
    url_name="homework_done",
    summary="The pupil ticks their homework done or not done",
)
def homework_done(request: HttpRequest, homework_id: DbId, payload: HomeworkDoneIn) -> HomeworkDoneIn:
    tick_homework(account=api_user(request), homework_id=homework_id, done=payload.done)
    return payload


@router.get(
    "/students/{student_id}/marks/{mark_id}/history",
    response=MarkHistory,
    url_name="student_mark_history",
    summary="Every change of one mark: old and new value, who, when and why",
)
def student_mark_history(request: HttpRequest, student_id: UUID, mark_id: DbId) -> MarkHistory:
    return mark_history(viewer=api_user(request), student_id=student_id, mark_id=mark_id)


# ---------------------------------------------------------------- absence notes («ребёнок не придёт»)


@router.get(
    "/students/{student_id}/absence-notes",
    response=absence.PupilNotes,
    url_name="student_absence_notes",
    summary="The pupil's absence notes, newest first (for the pupil's guardians and the pupil)",
)
def student_absence_notes(request: HttpRequest, student_id: UUID) -> absence.PupilNotes:
    return absence.pupil_notes(viewer=api_user(request), student_id=student_id)


class AbsenceNoteIn(Schema):
    starts_on: date
    ends_on: date | None = Field(None, description="The last day; empty: one day")
    lesson_ids: list[DbId] = Field(
        default_factory=list, max_length=absence.MAX_LESSONS, description="Only these lessons of a one-day note"
    )
    reason: str = Field(..., max_length=20, description="illness, family or other")
    comment: str = Field("", max_length=2000)


@router.post(
    "/students/{student_id}/absence-notes",
    response={201: absence.AbsenceNoteRow},
    url_name="student_absence_note_file",
    auth=api_auth("absence"),
    summary="A linked guardian tells the school the pupil will miss days or some lessons; the attendance of "
    "those lessons is pre-set as excused",
)
def student_absence_note_file(request: HttpRequest, student_id: UUID, payload: AbsenceNoteIn) -> Status:
    note = absence.file_absence_note(guardian=api_user(request), student_id=student_id, **payload.dict())
    return Status(201, absence.note_row(note))


@router.post(
    "/absence-notes/{note_id}/withdraw",
    response=absence.AbsenceNoteRow,
    url_name="absence_note_withdraw",
    auth=api_auth("absence"),
    summary="Withdraw an absence note before its first day begins",
)
def absence_note_withdraw(request: HttpRequest, note_id: DbId) -> absence.AbsenceNoteRow:
    note = absence.withdraw_absence_note(guardian=api_user(request), note_id=note_id)
    return absence.note_row(note)


# ---------------------------------------------------------------- homework answers


class ReviewIn(Schema):
    pupil_id: DbId
    reply: str | None = Field(None, max_length=5000, description="The teacher's reply (null: unchanged)")
    value: str | None = Field(None, max_length=8, description='The mark (null: unchanged, "": removed)')
    weight: int = Field(1, ge=1, le=10)
    kind: str = Field("homework", max_length=10)
    version: int | None = Field(None, ge=1, le=MAX_INT32, description="The mark's version the teacher saw")
    reason: str = Field("", max_length=500)
    return_for_rework: bool = False


class ReviewsIn(Schema):
    entries: list[ReviewIn] = Field(..., max_length=100)


@router.get(
    "/homework/{homework_id}/submissions",
    response=answer_selectors.SubmissionsReport,
    url_name="homework_submissions",
    summary="A homework's answers: the teacher sees the whole class, a family reader their pupils",
)
def homework_submissions(request: HttpRequest, homework_id: DbId) -> answer_selectors.SubmissionsReport:
    return answer_selectors.homework_submissions(viewer=api_user(request), homework_id=homework_id)


@router.post(
    "/homework/{homework_id}/submissions",
    response={201: answer_selectors.SubmissionsReport},
    url_name="homework_hand_in",
    summary="The pupil hands in (again, until marked) the answer: text and files",
)
def homework_hand_in(
    request: HttpRequest,
    homework_id: DbId,
    text: str = Form("", max_length=10_000),
    files: list[UploadedFile] = File(default=[]),  # noqa: B008
) -> Status:
    viewer = api_user(request)
    hand_in_answer(account=viewer, homework_id=homework_id, text=text, files=files)
    return Status(201, answer_selectors.homework_submissions(viewer=viewer, homework_id=homework_id))


@router.put(
    "/homework/{homework_id}/submissions",
    response={200: answer_selectors.SubmissionsReport, 409: StaleOut},
    url_name="homework_review",
    auth=api_auth("teacher.write"),
    summary="The teacher replies, marks or returns the answers of many pupils, all or nothing",
)
def homework_review(request: HttpRequest, homework_id: DbId, payload: ReviewsIn) -> Status:
    teacher = api_user(request)
    review_answers(
        teacher=teacher,
        homework_id=homework_id,
        entries=[ReviewInput(**entry.dict()) for entry in payload.entries],
    )
    return Status(200, answer_selectors.homework_submissions(viewer=teacher, homework_id=homework_id))
