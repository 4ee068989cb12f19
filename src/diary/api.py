"""JSON API of the diary for families: /students/{student_id}/diary, /marks, /homework, /attendance.

Thin: read the query, call one selector (which asks ``access``: 404 for anyone who may not see the
pupil), serialise. Periods: ISO dates; none → the current week; from > to or more than 31 days → 400.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from ninja import Query, Router, Schema
from pydantic import TypeAdapter

from core.bounds import DbId
from core.periods import FROM, TO, period
from diary import cache, selectors
from diary.homework import tick_homework
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
