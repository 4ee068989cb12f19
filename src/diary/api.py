"""JSON API of the diary for families: /students/{student_id}/diary, /marks, /homework, /attendance.

Thin: read the query, call one selector (which asks ``access``: 404 for anyone who may not see the
pupil), serialise. Periods: ISO dates; none → the current week; from > to or more than 31 days → 400.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, time
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema

from core.periods import FROM, TO, period
from diary import selectors
from diary.homework import tick_homework
from portal.oidc import api_auth
from portal.web import api_user

router = Router(tags=["diary"], auth=api_auth("diary.read"))


class StudentOut(Schema):
    student_id: str
    full_name: str
    school: str
    class_name: str


class MarkOut(Schema):
    value: str
    scale: str
    five_point: Decimal | None
    weight: int
    kind: str
    kind_label: str
    comment: str


class AttachmentOut(Schema):
    name: str
    url: str
    size: int


class HomeworkOut(Schema):
    id: int
    text: str
    due_date: date | None
    done: bool
    attachments: list[AttachmentOut]


class AttendanceOut(Schema):
    status: str
    status_label: str
    late_minutes: int | None
    comment: str


class LessonOut(Schema):
    id: int
    number: int
    starts_at: time
    ends_at: time
    subject: str
    teacher: str
    room: str
    topic: str
    status: str
    cancelled: bool
    homework: list[HomeworkOut]
    marks: list[MarkOut]
    attendance: AttendanceOut | None


class DayOut(Schema):
    date: date
    lessons: list[LessonOut]


class DiaryOut(Schema):
    student: StudentOut
    start: date
    end: date
    days: list[DayOut]


class ChartPointOut(Schema):
    date: date
    five_point: Decimal
    weight: int
    average: Decimal | None


class SubjectMarkOut(Schema):
    date: date
    value: str
    scale: str
    five_point: Decimal | None
    weight: int
    kind: str
    kind_label: str
    comment: str


class SubjectOut(Schema):
    subject_id: int
    subject: str
    marks: list[SubjectMarkOut]
    average: Decimal | None
    class_average: Decimal | None
    trend: str
    term_final: str | None
    year_final: str | None
    points: list[ChartPointOut]


class TermOut(Schema):
    id: int
    name: str
    starts_on: date
    ends_on: date


class MarksOut(Schema):
    student: StudentOut
    term: TermOut | None
    terms: list[TermOut]
    subjects: list[SubjectOut]


class HomeworkItemOut(Schema):
    id: int
    lesson_date: date
    subject: str
    text: str
    due_date: date | None
    done: bool
    attachments: list[AttachmentOut]


class HomeworkListOut(Schema):
    student: StudentOut
    start: date
    end: date
    items: list[HomeworkItemOut]


class AttendanceItemOut(Schema):
    date: date
    number: int
    subject: str
    status: str
    status_label: str
    late_minutes: int | None
    comment: str


class AttendanceSummaryOut(Schema):
    student: StudentOut
    start: date
    end: date
    counts: dict[str, int]
    items: list[AttendanceItemOut]


# A module-level parameter singleton, as ``core.periods.FROM`` and ``TO``.
TERM = Query(None, description="A term id (default: the term holding today, else the latest begun)")


@router.get(
    "/students/{student_id}/diary",
    response=DiaryOut,
    url_name="student_diary",
    summary="The pupil's week: days → lessons with topic, homework, marks and attendance",
)
def student_diary(request: HttpRequest, student_id: str, start: date | None = FROM, end: date | None = TO) -> Any:
    first, last = period(start, end)
    return asdict(selectors.diary_week(viewer=api_user(request), student_id=student_id, start=first, end=last))


@router.get(
    "/students/{student_id}/marks",
    response=MarksOut,
    url_name="student_marks",
    summary="Marks by subject with weighted averages, the class average, finals and chart points",
)
def student_marks(request: HttpRequest, student_id: str, term: int | None = TERM) -> Any:
    return asdict(selectors.subject_marks(viewer=api_user(request), student_id=student_id, term_id=term))


@router.get(
    "/students/{student_id}/homework",
    response=HomeworkListOut,
    url_name="student_homework",
    summary="Homework due in the period",
)
def student_homework(request: HttpRequest, student_id: str, start: date | None = FROM, end: date | None = TO) -> Any:
    first, last = period(start, end)
    return asdict(selectors.homework_list(viewer=api_user(request), student_id=student_id, start=first, end=last))


@router.get(
    "/students/{student_id}/attendance",
    response=AttendanceSummaryOut,
    url_name="student_attendance",
    summary="Absences and lateness in the period, with counts by status",
)
def student_attendance(request: HttpRequest, student_id: str, start: date | None = FROM, end: date | None = TO) -> Any:
    first, last = period(start, end)
    return asdict(selectors.attendance_summary(viewer=api_user(request), student_id=student_id, start=first, end=last))


class HomeworkDoneIn(Schema):
    done: bool


@router.put(
    "/homework/{homework_id}/done",
    response=HomeworkDoneIn,
    url_name="homework_done",
    summary="The pupil ticks their homework done or not done",
)
def homework_done(request: HttpRequest, homework_id: int, payload: HomeworkDoneIn) -> HomeworkDoneIn:
    tick_homework(account=api_user(request), homework_id=homework_id, done=payload.done)
    return payload
