"""Family pages of the diary: the week, marks by subject (with a chart and the target calculator),
homework and attendance. Thin: parse the query, call the selector (404 for anyone who may not see the
pupil, through ``access``), render. The same selectors serve the JSON API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

import access
from core import periods
from core.errors import DomainError
from core.periods import query_date
from core.uploads import serve
from diary import grading, selectors
from diary.family import chosen_week, family_context, week_pager
from diary.homework import tick_homework
from diary.models import HomeworkAttachment

CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 320, 120, 24


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The first child's week (or, for a trusted person with visits and meals only, the child's visits),
    or how to link an account to a pupil."""
    visible = access.visible_students(request.user)
    for child in visible:
        if access.DIARY in child.services:
            return redirect("diary:week", student_id=child.pupil.public_id)
    for child in visible:
        if access.VISITS_MEALS in child.services:
            return redirect("visits:visits", student_id=child.pupil.public_id)
    return render(request, "diary/family/none.html")


@login_required
@require_GET
def week(request: HttpRequest, student_id: UUID) -> HttpResponse:
    start, end = chosen_week(request)
    diary = selectors.diary_week(viewer=request.user, student_id=student_id, start=start, end=end)
    days = [day for day in diary.days if day.lessons or day.date.weekday() < 5]
    return render(
        request,
        "diary/family/week.html",
        {
            **family_context(request, student_id, "week"),
            **week_pager(start),
            "diary": diary,
            "days": days,
            "student": diary.student,
        },
    )


@dataclass(frozen=True)
class Chart:
    """An inline SVG line of one subject's marks (on the 5-point scale) over time.

    Coordinates are strings formatted here rather than floats: under the Russian locale the template would
    render 24.0 as "24,0", which SVG cannot parse.
    """

    width: int
    height: int
    line: str  # the polyline's points of the running average
    dots: list[tuple[str, str, str]]  # x, y, title of each mark
    grid: list[tuple[str, int]]  # y and the label of the 2..5 lines


def _chart(points: list[selectors.ChartPoint]) -> Chart | None:
    if not points:
        return None
    inner_w, inner_h = CHART_WIDTH - 2 * CHART_PAD, CHART_HEIGHT - 2 * CHART_PAD
    first, last = points[0].date, points[-1].date
    span = max((last - first).days, 1)

    def x(day: date, index: int) -> str:
        if first == last:
            return f"{CHART_PAD + inner_w * (index + 1) / (len(points) + 1):.1f}"
        return f"{CHART_PAD + inner_w * (day - first).days / span:.1f}"

    def y(value: Decimal) -> str:
        clamped = min(max(float(value), 1.0), 5.0)
        return f"{CHART_PAD + inner_h * (5.0 - clamped) / 4.0:.1f}"

    dots = [
        (x(point.date, i), y(point.five_point), f"{point.date:%d.%m}: {point.five_point.normalize()}")
        for i, point in enumerate(points)
    ]
    line = " ".join(
        f"{x(point.date, i)},{y(point.average)}" for i, point in enumerate(points) if point.average is not None
    )
    grid = [(y(Decimal(level)), level) for level in (5, 4, 3, 2)]
    return Chart(width=CHART_WIDTH, height=CHART_HEIGHT, line=line, dots=dots, grid=grid)


@login_required
@require_GET
def marks(request: HttpRequest, student_id: UUID) -> HttpResponse:
    term_raw = request.GET.get("term", "")
    term_id = int(term_raw) if term_raw.isdigit() else None
    try:
        report = selectors.subject_marks(viewer=request.user, student_id=student_id, term_id=term_id)
    except DomainError:  # a term of another school or none at all: show the default term
        report = selectors.subject_marks(viewer=request.user, student_id=student_id)
    subjects = [{"data": subject, "chart": _chart(subject.points)} for subject in report.subjects]

    calculator: dict[str, Any] = {"subject": request.GET.get("subject", ""), "target": request.GET.get("target", "")}
    if calculator["subject"] and calculator["target"]:
        chosen = next((s for s in report.subjects if str(s.subject_id) == calculator["subject"]), None)
        try:
            target = Decimal(calculator["target"].replace(",", "."))
        except InvalidOperation:
            target = None
        if chosen is None or target is None or not Decimal(1) <= target <= Decimal(5):
            calculator["error"] = True
        else:
            calculator["chosen"] = chosen
            calculator["needed"] = grading.marks_needed(current=chosen.current, target=target, mark=5, weight=1)
            calculator["needed_fours"] = grading.marks_needed(current=chosen.current, target=target, mark=4, weight=1)
    return render(
        request,
        "diary/family/marks.html",
        {
            **family_context(request, student_id, "marks"),
            "report": report,
            "subjects": subjects,
            "calculator": calculator,
            "student": report.student,
        },
    )


def _period_from(request: HttpRequest, default: tuple[date, date]) -> tuple[tuple[date, date], str | None]:
    start, end = query_date(request.GET.get("from")), query_date(request.GET.get("to"))
    if start is None and end is None:
        return default, None
    try:
        return periods.period(start, end), None
    except DomainError as error:
        return default, str(error.message)


@login_required
@require_GET
def homework(request: HttpRequest, student_id: UUID) -> HttpResponse:
    (start, end), error = _period_from(request, periods.current_week())
    report = selectors.homework_list(viewer=request.user, student_id=student_id, start=start, end=end)
    return render(
        request,
        "diary/family/homework.html",
        {
            **family_context(request, student_id, "homework"),
            "report": report,
            "error": error,
            "student": report.student,
        },
    )


@login_required
@require_GET
def attendance(request: HttpRequest, student_id: UUID) -> HttpResponse:
    today = timezone.localdate()
    (start, end), error = _period_from(request, (today - timedelta(days=periods.MAX_SPAN_DAYS - 1), today))
    report = selectors.attendance_summary(viewer=request.user, student_id=student_id, start=start, end=end)
    return render(
        request,
        "diary/family/attendance.html",
        {
            **family_context(request, student_id, "attendance"),
            "report": report,
            "error": error,
            "student": report.student,
        },
    )


@login_required
def attachment(request: HttpRequest, attachment_id: int) -> FileResponse:
    """A homework file, for those who may read the lesson it was set at (never a public media URL)."""
    found = HomeworkAttachment.objects.select_related("homework__lesson").filter(pk=attachment_id).first()
    if found is None:
        raise Http404
    selectors.logged(access.read_lesson(request.user, found.homework.lesson))
    return serve(found.file, name=found.name, content_type=found.content_type)


@login_required
@require_POST
def homework_done(request: HttpRequest, homework_id: int) -> HttpResponse:
    """The pupil ticks their homework done (or not done), then returns to the page they came from."""
    tick_homework(account=request.user, homework_id=homework_id, done=request.POST.get("done") == "1")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("diary:home")
    return redirect(target)
