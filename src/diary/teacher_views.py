"""Teacher pages of the diary: my classes, the gradebook grid, and one lesson's sheet.

The lesson sheet posts the whole class in ONE request: marks, attendance, topic and homework are
written in one transaction through the diary's services; a stale mark (409) rolls everything back and
the page comes again with the current values and a clear message.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import access
from access import can
from core.errors import DomainError, NotFound
from core.forms import DomainForm, label_row_fields
from diary import absence, answer_selectors
from diary import gradebook as selectors
from diary.answers import REPLY_MAX_LENGTH, ReviewInput, review_answers
from diary.attendance import AttendanceInput, set_lesson_attendance
from diary.errors import DiaryCode
from diary.homework import set_homework
from diary.lessons import set_lesson_plan, set_lesson_topic
from diary.marks import MarkInput, StaleMarks, set_lesson_marks
from diary.models import Attendance, Lesson, Mark
from portal.web import verified_staff

_INDEXED_FIELD = re.compile(r"^(marks|entries)\[(\d+)\]\.(\w+)$")


@login_required
@verified_staff
def home(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "diary/teacher/home.html",
        {
            "taught": selectors.teacher_classes(teacher=request.user),
            "tutored": selectors.tutored_classes(viewer=request.user),
            "tutored_classes": list(access.tutored_classes(request.user)),
        },
    )


@login_required
@verified_staff
def absence_notes(request: HttpRequest, class_id: int) -> HttpResponse:
    """The form tutor's page of the class's absence notes."""
    notes = absence.class_notes(viewer=request.user, school_class_id=class_id)
    return render(request, "diary/teacher/absence.html", {"notes": notes})


@login_required
@verified_staff
def gradebook(request: HttpRequest, class_id: int, subject_id: int) -> HttpResponse:
    term_id = request.GET.get("term")
    book = selectors.gradebook(
        teacher=request.user,
        school_class_id=class_id,
        subject_id=subject_id,
        term_id=int(term_id) if term_id and term_id.isdigit() else None,
    )
    return render(request, "diary/teacher/gradebook.html", {"book": book})


class PupilForm(forms.Form):
    """One pupil's row on the lesson sheet: a mark and attendance."""

    value = forms.CharField(label=gettext_lazy("Mark"), max_length=8, required=False)
    weight = forms.IntegerField(label=gettext_lazy("Weight"), min_value=1, max_value=10, initial=1)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Mark.Kind.choices, initial=Mark.Kind.CLASSWORK)
    comment = forms.CharField(label=gettext_lazy("Comment"), max_length=500, required=False)
    mark_reason = forms.CharField(label=gettext_lazy("Why the mark is changed"), max_length=500, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(
        label=gettext_lazy("Attendance"),
        required=False,
        choices=[("", gettext_lazy("present")), *Attendance.Status.choices],
    )
    late_minutes = forms.IntegerField(label=gettext_lazy("Minutes late"), min_value=1, max_value=300, required=False)
    attendance_comment = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("status") == Attendance.Status.LATE and not cleaned.get("late_minutes"):
            self.add_error("late_minutes", ValidationError(_("How many minutes late?"), code="late_minutes_required"))
        return cleaned


class LessonForm(DomainForm):
    topic = forms.CharField(label=gettext_lazy("Topic"), max_length=300, required=False)
    planned_kind = forms.ChoiceField(
        label=gettext_lazy("Planned work"), required=False, choices=[("", "—"), *Lesson.PlannedKind.choices]
    )
    planned_note = forms.CharField(label=gettext_lazy("Planned work note"), max_length=200, required=False)
    homework = forms.CharField(label=gettext_lazy("Homework"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    due_lesson = forms.TypedChoiceField(label=gettext_lazy("Due by"), coerce=int, required=False, empty_value=None)
    hand_in = forms.BooleanField(label=gettext_lazy("To hand in (the pupils answer on the site)"), required=False)
    files_allowed = forms.BooleanField(label=gettext_lazy("Files allowed in the answer"), required=False)
    attachment = forms.FileField(label=gettext_lazy("Attachment"), required=False)

    def __init__(self, *args: Any, due_choices: list[tuple[Any, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["due_lesson"].choices = [("", "—"), *due_choices]  # type: ignore[attr-defined]


def _pupil_initial(sheet: selectors.LessonSheet, pupil_id: int) -> dict[str, Any]:
    initial: dict[str, Any] = {"weight": 1, "kind": Mark.Kind.CLASSWORK}
    marks = sheet.marks.get(pupil_id) or []
    if marks:
        mark = marks[0]
        initial.update(value=mark.value, weight=mark.weight, kind=mark.kind, comment=mark.comment, version=mark.version)
    attendance = sheet.attendance.get(pupil_id)
    if attendance is not None:
        initial.update(
            status=attendance.status, late_minutes=attendance.late_minutes, attendance_comment=attendance.comment
        )
    return initial


def _forms(request: HttpRequest | None, sheet: selectors.LessonSheet) -> tuple[LessonForm, list[tuple[Any, PupilForm]]]:
    due_choices = [(lesson.pk, f"{lesson.date:%d.%m}, {lesson.slot.number}") for lesson in sheet.next_lessons]
    homework = sheet.homework
    lesson_initial = {
        "topic": sheet.lesson.topic,
        "planned_kind": sheet.lesson.planned_kind,
        "planned_note": sheet.lesson.planned_note,
        "homework": homework.text if homework else "",
        "due_lesson": homework.due_lesson_id if homework else None,
        "hand_in": homework.hand_in if homework else False,
        "files_allowed": homework.files_allowed if homework else False,
    }
    data = request.POST if request is not None else None
    files = request.FILES if request is not None else None
    lesson_form = LessonForm(data, files, initial=lesson_initial, due_choices=due_choices)
    rows = []
    for pupil in sheet.pupils:
        form = PupilForm(data, prefix=f"p{pupil.pk}", initial=_pupil_initial(sheet, pupil.pk))
        label_row_fields(form, f"{pupil.surname} {pupil.given_name}")
        if sheet.marks.get(pupil.pk):
            # Another kind would be another mark: the row edits the pupil's first mark, as it is.
            form.fields["kind"].disabled = True
        rows.append((pupil, form))
    return lesson_form, rows


def _changed_marks(rows: list[tuple[Any, PupilForm]], sheet: selectors.LessonSheet) -> list[tuple[PupilForm, Any]]:
    changed = []
    for pupil, form in rows:
        data = form.cleaned_data
        value = (data["value"] or "").strip() or None
        marks = sheet.marks.get(pupil.pk) or []
        current = marks[0] if marks else None
        if current is None and value is None:
            continue
        if current is not None and (value, data["weight"], data["comment"]) == (
            current.value,
            current.weight,
            current.comment,
        ):
            continue
        changed.append(
            (
                form,
                MarkInput(
                    pupil_id=pupil.pk,
                    value=value,
                    weight=data["weight"],
                    kind=data["kind"],
                    comment=data["comment"],
                    version=data["version"],
                    reason=data["mark_reason"],
                ),
            )
        )
    return changed


def _changed_attendance(rows: list[tuple[Any, PupilForm]], sheet: selectors.LessonSheet) -> list[tuple[PupilForm, Any]]:
    changed = []
    for pupil, form in rows:
        data = form.cleaned_data
        status = data["status"] or None
        late = data["late_minutes"] if status == Attendance.Status.LATE else None
        comment = data["attendance_comment"] if status else ""
        current = sheet.attendance.get(pupil.pk)
        was = (current.status, current.late_minutes, current.comment) if current else (None, None, "")
        if (status, late, comment) != was:
            changed.append(
                (form, AttendanceInput(pupil_id=pupil.pk, status=status, late_minutes=late, comment=comment))
            )
    return changed


def _show_error(error: DomainError, lesson_form: LessonForm, sent: dict[str, list[tuple[PupilForm, Any]]]) -> None:
    """Put a service's refusal next to the field it names: a pupil's row, or the lesson's form."""
    found = _INDEXED_FIELD.match(error.field or "")
    if found:
        group, index, name = found.group(1), int(found.group(2)), found.group(3)
        forms_sent = sent.get(group, [])
        if index < len(forms_sent):
            form = forms_sent[index][0]
            target = {
                "status": "status",
                "late_minutes": "late_minutes",
                "comment": ("comment" if group == "marks" else "attendance_comment"),
                "reason": "mark_reason",
            }.get(name, name)
            form.add_error(target if target in form.fields else None, ValidationError(error.message, code=error.code))
            return
    renamed = {
        "text": "homework",
        "due_lesson_id": "due_lesson",
        "files": "attachment",
        "kind": "planned_kind",
        "note": "planned_note",
    }
    field = renamed.get(error.field or "", error.field)
    lesson_form.add_domain_error(DomainError(error.code, error.message, field=field))


@login_required
@verified_staff
def lesson(request: HttpRequest, lesson_id: int) -> HttpResponse:
    the_lesson = selectors.lesson_for(viewer=request.user, lesson_id=lesson_id)
    can_write = can(request.user, "lesson.write", the_lesson)
    if request.method == "POST" and not can_write:
        raise NotFound()
    sheet = selectors.lesson_sheet(lesson=the_lesson)
    lesson_form, rows = _forms(request if request.method == "POST" else None, sheet)
    stale: list[dict[str, Any]] | None = None
    if request.method == "POST" and lesson_form.is_valid() and all(form.is_valid() for _, form in rows):
        outcome = _save(request, sheet, lesson_form, rows)
        if outcome is True:
            messages.success(request, _("Saved."))
            return redirect("teacher:lesson", lesson_id=the_lesson.pk)
        if isinstance(outcome, list):  # stale: show the current values, and what the teacher typed
            stale = outcome
            typed = {pupil.pk: form.cleaned_data.get("value") for pupil, form in rows}
            sheet = selectors.lesson_sheet(lesson=the_lesson)
            lesson_form, rows = _forms(None, sheet)
            for item in stale:
                item["typed"] = typed.get(item.get("pupil_id"))
    status = 409 if stale is not None else (400 if request.method == "POST" else 200)
    other_marks = {pupil_id: marks[1:] for pupil_id, marks in sheet.marks.items() if len(marks) > 1}
    return render(
        request,
        "diary/teacher/lesson.html",
        {
            "lesson": the_lesson,
            "sheet": sheet,
            "lesson_form": lesson_form,
            "can_write": can_write,
            "rows": [(pupil, form, other_marks.get(pupil.pk, [])) for pupil, form in rows],
            "stale": stale,
            "pupil_names": {pupil.pk: pupil.full_name for pupil in sheet.pupils},
        },
        status=status,
    )


def _save(
    request: HttpRequest, sheet: selectors.LessonSheet, lesson_form: LessonForm, rows: list[tuple[Any, PupilForm]]
) -> bool | list[dict[str, Any]]:
    """Write everything in one transaction. True when saved; the current marks when stale; False on an error."""
    teacher, lesson = request.user, sheet.lesson
    marks = _changed_marks(rows, sheet)
    attendance = _changed_attendance(rows, sheet)
    sent = {"marks": marks, "entries": attendance}
    data = lesson_form.cleaned_data
    try:
        with transaction.atomic():
            if marks:
                set_lesson_marks(teacher=teacher, lesson_id=lesson.pk, marks=[m for _, m in marks])
            if attendance:
                set_lesson_attendance(teacher=teacher, lesson_id=lesson.pk, entries=[a for _, a in attendance])
            if data["topic"] != lesson.topic:
                set_lesson_topic(teacher=teacher, lesson_id=lesson.pk, topic=data["topic"])
            if (data["planned_kind"], data["planned_note"]) != (lesson.planned_kind, lesson.planned_note):
                set_lesson_plan(
                    teacher=teacher, lesson_id=lesson.pk, kind=data["planned_kind"], note=data["planned_note"]
                )
            homework = sheet.homework
            text = data["homework"].strip()
            files = [data["attachment"]] if data.get("attachment") else []
            asked = (data["hand_in"], data["hand_in"] and data["files_allowed"])
            if text and (
                homework is None
                or files
                or text != homework.text
                or data["due_lesson"] != homework.due_lesson_id
                or asked != (homework.hand_in, homework.files_allowed)
            ):
                set_homework(
                    teacher=teacher,
                    lesson_id=lesson.pk,
                    text=text,
                    due_lesson_id=data["due_lesson"],
                    files=files,
                    hand_in=asked[0],
                    files_allowed=asked[1],
                )
            elif files and not text:
                lesson_form.add_error(
                    "homework", ValidationError(_("Write what is to be done."), code=DiaryCode.HOMEWORK_TEXT_REQUIRED)
                )
                raise _Invalid()
    except StaleMarks as error:
        return list(error.current)
    except _Invalid:
        return False
    except DomainError as error:
        for each in getattr(error, "errors", None) or [error]:
            _show_error(each, lesson_form, sent)
        return False
    return True


class _Invalid(Exception):
    """The form found a problem inside the transaction; roll back."""


class ReviewForm(forms.Form):
    """The teacher's word on one pupil's answer on the homework's page: a reply, a mark, a return for rework."""

    reply = forms.CharField(
        label=gettext_lazy("Reply"),
        max_length=REPLY_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    value = forms.CharField(label=gettext_lazy("Mark"), max_length=8, required=False)
    reason = forms.CharField(label=gettext_lazy("Why the mark is changed"), max_length=500, required=False)
    return_for_rework = forms.BooleanField(label=gettext_lazy("Return for rework"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


def _review_forms(data: Any, page: answer_selectors.TeacherHomework) -> list[tuple[Any, ReviewForm | None]]:
    rows: list[tuple[Any, ReviewForm | None]] = []
    for row in page.report.submissions:
        form = None
        if row.state != answer_selectors.MISSING and page.can_review:
            initial = {"reply": row.reply, "value": row.mark or "", "version": row.mark_version}
            form = ReviewForm(data, prefix=f"p{row.pupil_id}", initial=initial)
        rows.append((row, form))
    return rows


def _reviews(rows: list[tuple[Any, ReviewForm | None]]) -> list[tuple[ReviewForm, ReviewInput]]:
    """What the teacher changed, one entry per pupil (rows left as they were send nothing)."""
    entries = []
    for row, form in rows:
        if form is None:
            continue
        data = form.cleaned_data
        reply = data["reply"].strip()
        value = data["value"].strip()
        entry = ReviewInput(
            pupil_id=row.pupil_id,
            reply=reply if reply != row.reply else None,
            value=value if value != (row.mark or "") else None,
            weight=row.mark_weight or 1,
            kind=Mark.Kind.HOMEWORK,
            version=data["version"],
            reason=data["reason"],
            return_for_rework=data["return_for_rework"],
        )
        if entry.reply is not None or entry.value is not None or entry.return_for_rework:
            entries.append((form, entry))
    return entries


def _show_review_error(error: DomainError, sent: list[tuple[ReviewForm, ReviewInput]]) -> bool:
    """Put a refusal next to the pupil's field it names (``entries[i]`` of the review, ``marks[i]`` of the marks
    written through it); False when it names none."""
    found = _INDEXED_FIELD.match(error.field or "")
    if not found:
        return False
    group, index, name = found.group(1), int(found.group(2)), found.group(3)
    forms_sent = [form for form, entry in sent if group == "entries" or entry.value is not None]
    if index >= len(forms_sent):
        return False
    form = forms_sent[index]
    field = {"pupil_id": None, "weight": "value", "kind": "value"}.get(name, name)
    form.add_error(field if field in form.fields else None, ValidationError(error.message, code=error.code))
    return True


@login_required
@verified_staff
def homework_page(request: HttpRequest, homework_id: int) -> HttpResponse:
    """One homework's answers, the whole class: who handed in, late, missing, returned, marked; ONE form takes
    replies, marks and returns for several pupils, all or nothing (a stale mark: 409, what was typed kept)."""
    page = answer_selectors.teacher_homework(viewer=request.user, homework_id=homework_id)
    if request.method == "POST" and not page.can_review:
        raise NotFound()
    rows = _review_forms(request.POST if request.method == "POST" else None, page)
    status, stale, problem = 200, None, None
    if request.method == "POST":
        status = 400
        if all(form.is_valid() for _row, form in rows if form is not None):
            sent = _reviews(rows)
            try:
                if sent:
                    review_answers(
                        teacher=request.user, homework_id=homework_id, entries=[entry for _form, entry in sent]
                    )
            except StaleMarks as error:
                status, stale = 409, list(error.current)
                rows = _review_forms(_with_current_versions(request.POST, stale), page)
                for _row, form in rows:
                    if form is not None:
                        form.is_valid()
            except DomainError as error:
                for each in getattr(error, "errors", None) or [error]:
                    if not _show_review_error(each, sent):
                        problem = each.message
            else:
                messages.success(request, _("Saved.") if sent else _("Nothing to save: nothing was changed."))
                return redirect("teacher:homework", homework_id=homework_id)
    names = {row.pupil_id: row.pupil for row in page.report.submissions}
    return render(
        request,
        "diary/teacher/homework.html",
        {
            "page": page,
            "homework": page.homework,
            "lesson": page.homework.lesson,
            "rows": rows,
            "stale": [{**item, "pupil": names.get(item["pupil_id"], "")} for item in stale or []],
            "problem": problem,
        },
        status=status,
    )


def _with_current_versions(data: Any, current: list[dict[str, Any]]) -> Any:
    """The teacher's typing, with the versions of the marks as they are now: saving again is a knowing choice."""
    fresh = data.copy()
    for item in current:
        fresh[f"p{item['pupil_id']}-version"] = "" if item.get("version") is None else str(item["version"])
    return fresh
