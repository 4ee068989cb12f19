"""Family pages of the diary: the week, marks by subject (with a chart and the target calculator),
homework and attendance. Thin: parse the query, call the selector (404 for anyone who may not see the
pupil, through ``access``), render. The same selectors serve the JSON API."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

import access
from core import periods
from core.errors import DomainError
from core.forms import DomainForm
from core.periods import query_date
from core.uploads import ALLOWED_TYPES, MAX_ATTACHMENT_SIZE, MAX_ATTACHMENTS, serve
from diary import absence as absence_notes
from diary import answer_selectors, cache, grading, marks_render, selectors, week_render
from diary.answers import hand_in_answer
from diary.family import chosen_week, family_context, week_pager
from diary.homework import TEXT_MAX_LENGTH, tick_homework
from diary.models import AbsenceNote, HomeworkAttachment

# The session key of a refused hand-in's text (``hand_in``).
ANSWER_DRAFT = "diary.answer_draft"
# What the pupil's hand-in form says of its limits (``diary.answers`` enforces them).
ANSWER_LIMITS = {
    "text": TEXT_MAX_LENGTH,
    "files": MAX_ATTACHMENTS,
    "size": MAX_ATTACHMENT_SIZE,
    "types": ", ".join(sorted(ALLOWED_TYPES)),
}


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
    visible = access.visible_students(request.user)  # the child switcher, and the access check of a family read
    read = selectors.diary_read(viewer=request.user, student_id=student_id, among=visible)
    frame = family_context(request, student_id, "week", visible)
    context: dict[str, Any] = {**frame, **week_pager(start), "student": selectors.student_row(read.pupil)}
    context["diary"] = {"start": start, "end": end}
    if frame["own_diary"]:  # the pupil's own week has homework tick forms (CSRF, this page's URL): not cached
        context["days"] = _school_days(selectors.diary_week(read=read, start=start, end=end))
        # Only homework to hand in asks for answers: a week without any costs no statement more.
        homework_ids = [
            homework.id
            for day in context["days"]
            for lesson in day.lessons
            for homework in lesson.homework
            if homework.hand_in
        ]
        context["answer_limits"] = ANSWER_LIMITS
        context["answers"] = answer_selectors.pupil_answers(student_id=read.pupil.public_id, homework_ids=homework_ids)
        context["answer_draft"] = _answer_draft(request)
    else:
        # The days rendered once per version of the pupil's and the class's diary (``diary.cache``), in Python
        # (``diary.week_render``): rendering them was most of the page's CPU.
        context["days_html"] = cache.cached(
            read, "week.html", lambda: _render_days(read, start, end, context["today"]), start, end
        )
    return render(request, "diary/family/week.html", context)


def _school_days(week: selectors.DiaryWeek) -> list[selectors.DayRow]:
    return [day for day in week.days if day.lessons or day.date.weekday() < 5]


def _render_days(read: access.Read, start: date, end: date, today: date) -> SafeString:
    days = _school_days(selectors.diary_week(read=read, start=start, end=end))
    return week_render.days_markup(days, today)  # the template's bytes without the pupil's own forms


@login_required
@require_GET
def marks(request: HttpRequest, student_id: UUID) -> HttpResponse:
    term_raw = request.GET.get("term", "")
    term_id = int(term_raw) if term_raw.isdigit() else None
    try:
        report = selectors.subject_marks(viewer=request.user, student_id=student_id, term_id=term_id)
    except DomainError:  # a term of another school or none at all: show the default term
        report = selectors.subject_marks(viewer=request.user, student_id=student_id)
    subjects = marks_render.subjects_markup(report.subjects)

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
    answers = answer_selectors.pupil_answers(
        student_id=student_id, homework_ids=[item.id for item in report.items if item.answer.state != "not_required"]
    )
    return render(
        request,
        "diary/family/homework.html",
        {
            **family_context(request, student_id, "homework"),
            "report": report,
            "answers": answers,
            "answer_limits": ANSWER_LIMITS,
            "answer_draft": _answer_draft(request),
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
def answer_file(request: HttpRequest, file_id: int) -> FileResponse:
    """A file of a pupil's answer, for those who read the answer (never a public media URL)."""
    found = answer_selectors.answer_file(viewer=request.user, file_id=file_id)
    return serve(found.file, name=found.name, content_type=found.content_type)


@login_required
@require_POST
def hand_in(request: HttpRequest, homework_id: int) -> HttpResponse:
    """The pupil hands in (again, until marked) the answer: text and files; back to the page they came from."""
    try:
        hand_in_answer(
            account=request.user,
            homework_id=homework_id,
            text=request.POST.get("text", ""),
            files=request.FILES.getlist("files"),
        )
    except DomainError as error:
        messages.error(request, error.message, extra_tags=error.code)
        # What the pupil typed comes back in the form of the next page (``_answer_draft``), not lost.
        request.session[ANSWER_DRAFT] = {
            "homework": homework_id,
            "text": request.POST.get("text", "")[:TEXT_MAX_LENGTH],
        }
    else:
        messages.success(request, _("The answer is handed in. The teacher will see it."))
    return redirect(_back(request))


def _answer_draft(request: HttpRequest) -> dict[str, Any] | None:
    """The text of a hand-in that was refused, once, for the form it came from (only after a refusal does
    the page touch the session)."""
    if ANSWER_DRAFT not in request.session:
        return None
    draft: dict[str, Any] = request.session.pop(ANSWER_DRAFT)
    return draft


def _back(request: HttpRequest) -> str:
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("diary:home")
    return target


@login_required
@require_POST
def homework_done(request: HttpRequest, homework_id: int) -> HttpResponse:
    """The pupil ticks their homework done (or not done), then returns to the page they came from."""
    tick_homework(account=request.user, homework_id=homework_id, done=request.POST.get("done") == "1")
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("diary:home")
    return redirect(target)


class AbsenceForm(DomainForm):
    """«Ребёнок не придёт»: the days, or some lessons of one day, the reason and a comment."""

    starts_on = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=gettext_lazy("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Leave empty for one day."),
    )
    lesson_numbers = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Only these lessons (of one day)"),
        coerce=int,
        required=False,
        choices=[(number, str(number)) for number in range(1, 9)],
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Leave empty if the child misses the whole day."),
    )
    reason = forms.ChoiceField(label=gettext_lazy("Reason"), choices=AbsenceNote.Reason.choices)
    comment = forms.CharField(
        label=gettext_lazy("Comment"),
        max_length=absence_notes.COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@login_required
def absence(request: HttpRequest, student_id: UUID) -> HttpResponse:
    """The child's absence notes; a linked guardian files one here (the pupil reads them)."""
    notes = absence_notes.pupil_notes(viewer=request.user, student_id=student_id)
    form = AbsenceForm(request.POST or None) if notes.can_file else None

    def file(data: dict[str, Any]) -> None:
        absence_notes.file_absence_note(
            guardian=request.user,
            student_id=student_id,
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
            lesson_numbers=data["lesson_numbers"],
            reason=data["reason"],
            comment=data["comment"],
        )

    if request.method == "POST":
        if form is None:
            raise Http404
        if form.submit(file):
            messages.success(request, _("The note is sent to the school. The form tutor will see it."))
            return redirect("diary:absence", student_id=student_id)
    return render(
        request,
        "diary/family/absence.html",
        {**family_context(request, student_id, "absence"), "notes": notes, "form": form, "student": notes.student},
    )


@login_required
@require_POST
def absence_withdraw(request: HttpRequest, note_id: int) -> HttpResponse:
    try:
        note = absence_notes.withdraw_absence_note(guardian=request.user, note_id=note_id)
    except DomainError as error:  # begun, or withdrawn already: the policy let the guardian this far
        messages.error(request, error.message, extra_tags=error.code)
        note = AbsenceNote.objects.select_related("pupil").get(pk=note_id)
    else:
        messages.success(request, _("The note is withdrawn."))
    return redirect("diary:absence", student_id=note.pupil.public_id)
