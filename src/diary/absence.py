"""The parent's absence note («ребёнок не придёт»): filing one, withdrawing it, and its reads.

A linked guardian tells the school that the pupil will miss a day, several days (at most ``MAX_DAYS``), or
some lessons of one day. Filing it **pre-sets the attendance** of those lessons as excused: real rows
(``Attendance.absence_note`` says whose), written once here, so that every read (the family's week, the
teacher's sheet, the API) shows them with no extra query and writes nothing. The teacher may still change a
row; the change clears ``absence_note``, so withdrawing the note later removes only the rows still as the
note set them. Lessons added to those days after the note was filed are not pre-set (the teacher marks them).

A note can be withdrawn until its first day begins (local midnight); after that it is part of the school's
record. Who files, reads and withdraws is the policy's (``access.ABSENCE_FILERS``, ``ABSENCE_READERS``,
``absence.withdraw``, ``tutored_class``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

import access
from audit.services import record_event
from core.bounds import MAX_DB_INT
from core.errors import Conflict, DomainError
from diary.errors import DiaryCode
from diary.models import AbsenceNote, Attendance, Lesson
from diary.selectors import StudentRow, student_row
from notify.models import Kind
from notify.services import in_site_language, notify
from registry.models import Pupil, SchoolClass

MAX_DAYS = 14  # a longer absence is an illness the school needs a doctor's certificate for, or a new note
MAX_AHEAD_DAYS = 60
COMMENT_MAX_LENGTH = 500
MAX_LESSONS = 12
RECENT_DAYS = 14  # the form tutor's page shows the notes of the last two weeks and every later one


def _fail(code: DiaryCode, message: Any, field: str) -> DomainError:
    return DomainError(code, message, field=field)


def _check_period(starts_on: date, ends_on: date, today: date) -> None:
    if starts_on < today:
        raise _fail(DiaryCode.ABSENCE_DATE_PAST, gettext_lazy("The first day is in the past."), "starts_on")
    if starts_on > today + timedelta(days=MAX_AHEAD_DAYS):
        raise _fail(
            DiaryCode.ABSENCE_DATE_TOO_FAR, gettext_lazy("The first day is more than 60 days ahead."), "starts_on"
        )
    if ends_on < starts_on:
        raise _fail(DiaryCode.ABSENCE_PERIOD_REVERSED, gettext_lazy("The last day is before the first."), "ends_on")
    if (ends_on - starts_on).days + 1 > MAX_DAYS:
        raise _fail(DiaryCode.ABSENCE_TOO_LONG, gettext_lazy("A note covers at most 14 days."), "ends_on")


def _chosen_lessons(
    pupil: Pupil, day: date, lesson_ids: Sequence[int], lesson_numbers: Sequence[int], field: str
) -> list[Lesson]:
    """The chosen lessons of the pupil's class on ``day`` (by id or by number in the bell schedule)."""
    chosen = list(lesson_ids) or list(lesson_numbers)
    if len(chosen) > MAX_LESSONS:
        raise _fail(DiaryCode.ABSENCE_LESSON_NOT_OF_DAY, gettext_lazy("Too many lessons chosen."), field)
    of_day = list(
        Lesson.objects.filter(school_class_id=pupil.school_class_id, date=day)
        .exclude(status=Lesson.Status.CANCELLED)
        .select_related("slot")
    )
    key = (lambda lesson: lesson.pk) if lesson_ids else (lambda lesson: lesson.slot.number)
    by_key = {key(lesson): lesson for lesson in of_day}
    found: list[Lesson] = []
    for i, value in enumerate(chosen):
        lesson = by_key.get(value) if 0 < value <= MAX_DB_INT else None
        if lesson is None:
            raise _fail(
                DiaryCode.ABSENCE_LESSON_NOT_OF_DAY,
                gettext_lazy("This lesson is not in the class's timetable on that day."),
                f"{field}[{i}]",
            )
        if lesson not in found:
            found.append(lesson)
    return found


def _tell_form_tutor(note: AbsenceNote, pupil: Pupil) -> None:
    tutors = access.related_accounts([pupil.pk], [access.Relation.FORM_TUTOR])[pupil.pk]
    days = _days_text(note.starts_on, note.ends_on)
    with in_site_language():
        notify(
            kind=Kind.ABSENCE_NOTE,
            user_ids=tutors,
            subject=_("Absence note: %(pupil)s, %(class)s") % {"pupil": pupil.full_name, "class": pupil.school_class},
            body=f"{days}. {note.get_reason_display()}." + (f" {note.comment}" if note.comment else ""),
            link=reverse("teacher:absence", args=[pupil.school_class_id]),
            school_id=pupil.school_id,
        )


def _days_text(starts_on: date, ends_on: date) -> str:
    if starts_on == ends_on:
        return formats.date_format(starts_on, "d.m.Y")
    return _("%(start)s–%(end)s") % {
        "start": formats.date_format(starts_on, "d.m.Y"),
        "end": formats.date_format(ends_on, "d.m.Y"),
    }


@transaction.atomic
def file_absence_note(
    *,
    guardian: Any,
    student_id: Any,
    starts_on: date,
    ends_on: date | None = None,
    lesson_ids: Sequence[int] = (),
    lesson_numbers: Sequence[int] = (),
    reason: str,
    comment: str = "",
) -> AbsenceNote:
    """File a note that the pupil will miss the days from ``starts_on`` to ``ends_on`` (one day when it is
    None), or only the chosen lessons of one day, and pre-set those lessons' attendance as excused."""
    pupil = access.family_pupil(guardian, student_id, access.ABSENCE_FILERS)
    ends_on = ends_on or starts_on
    if reason not in AbsenceNote.Reason.values:
        raise _fail(DiaryCode.ABSENCE_REASON, gettext_lazy("Choose the reason from the list."), "reason")
    comment = comment.strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise _fail(
            DiaryCode.ABSENCE_COMMENT_TOO_LONG,
            gettext_lazy("The comment is too long (at most 500 characters)."),
            "comment",
        )
    _check_period(starts_on, ends_on, timezone.localdate())
    field = "lesson_ids" if lesson_ids else "lesson_numbers"
    if (lesson_ids or lesson_numbers) and ends_on != starts_on:
        raise _fail(
            DiaryCode.ABSENCE_LESSONS_ONE_DAY, gettext_lazy("Choose lessons only for a note of one day."), field
        )
    # One note at a time per pupil: the overlap check and the insert must not interleave with another's.
    Pupil.objects.select_for_update().filter(pk=pupil.pk).first()
    chosen = (
        _chosen_lessons(pupil, starts_on, lesson_ids, lesson_numbers, field) if lesson_ids or lesson_numbers else []
    )
    if AbsenceNote.objects.in_force(starts_on, ends_on).filter(pupil=pupil).exists():
        raise _fail(
            DiaryCode.ABSENCE_OVERLAPS,
            gettext_lazy("A note for some of these days is already filed; withdraw it first."),
            "starts_on",
        )
    note = AbsenceNote.objects.create(
        pupil=pupil, starts_on=starts_on, ends_on=ends_on, reason=reason, comment=comment, filed_by=guardian
    )
    if chosen:
        note.lessons.set(chosen)
        lessons: list[Lesson] = chosen
    else:
        lessons = list(
            Lesson.objects.filter(school_class_id=pupil.school_class_id, date__range=(starts_on, ends_on)).exclude(
                status=Lesson.Status.CANCELLED
            )
        )
    marked = set(
        Attendance.objects.filter(pupil=pupil, lesson__in=lessons).values_list("lesson_id", flat=True)
    )  # what a teacher already marked stays theirs
    now = timezone.now()
    Attendance.objects.bulk_create(
        [
            Attendance(
                pupil=pupil,
                lesson=lesson,
                status=Attendance.Status.ABSENT_EXCUSED,
                recorded_by=guardian,
                recorded_at=now,
                absence_note=note,
            )
            for lesson in lessons
            if lesson.pk not in marked
        ]
    )
    record_event(
        actor=guardian,
        action="diary.absence_note_filed",
        target=note,
        pupil_id=pupil.pk,
        starts_on=starts_on.isoformat(),
        ends_on=ends_on.isoformat(),
        lessons=[lesson.pk for lesson in chosen],
    )
    _tell_form_tutor(note, pupil)
    return note


def can_withdraw(note: AbsenceNote, now: datetime | None = None) -> bool:
    """Until the first day of the note begins (midnight, school time), and only once."""
    return note.withdrawn_at is None and timezone.localdate(now or timezone.now()) < note.starts_on


@transaction.atomic
def withdraw_absence_note(*, guardian: Any, note_id: int) -> AbsenceNote:
    """Withdraw the note before its first day: its pre-set attendance rows go, a teacher's own stay."""
    note = access.require(
        guardian, "absence.withdraw", AbsenceNote.objects.select_for_update().filter(pk=note_id).first()
    )
    if note.withdrawn_at is not None:
        raise Conflict(DiaryCode.ABSENCE_NOTE_WITHDRAWN, gettext_lazy("The note is already withdrawn."))
    if not can_withdraw(note):
        raise Conflict(
            DiaryCode.ABSENCE_NOTE_STARTED,
            gettext_lazy("The first day of the note has begun: it can no longer be withdrawn. Tell the form tutor."),
        )
    removed, _rows = Attendance.objects.filter(absence_note=note).delete()
    note.withdrawn_at, note.withdrawn_by = timezone.now(), guardian
    note.save(update_fields=["withdrawn_at", "withdrawn_by"])
    record_event(actor=guardian, action="diary.absence_note_withdrawn", target=note, attendance_removed=removed)
    return note


# ---------------------------------------------------------------- reads


@dataclass(frozen=True)
class NoteLesson:
    id: int
    date: date
    number: int
    subject: str


@dataclass(frozen=True)
class AbsenceNoteRow:
    id: int
    student_id: str
    student: str
    class_name: str
    starts_on: date
    ends_on: date
    lessons: list[NoteLesson]  # empty: the whole days
    reason: str
    reason_label: str
    comment: str
    filed_by: str
    filed_at: datetime
    withdrawn_at: datetime | None
    can_withdraw: bool


@dataclass(frozen=True)
class PupilNotes:
    student: StudentRow
    can_file: bool  # a linked guardian; the pupil's own account reads only
    notes: list[AbsenceNoteRow]


@dataclass(frozen=True)
class ClassNotes:
    class_id: int
    class_name: str
    notes: list[AbsenceNoteRow]


def _notes(notes: QuerySet[AbsenceNote]) -> list[AbsenceNoteRow]:
    """The rows of ``notes`` in two queries (the notes with their pupils and authors, their lessons)."""
    lessons = Lesson.objects.select_related("slot", "subject").order_by("slot__number")
    now = timezone.now()
    return [
        AbsenceNoteRow(
            id=note.pk,
            student_id=str(note.pupil.public_id),
            student=note.pupil.full_name,
            class_name=str(note.pupil.school_class),
            starts_on=note.starts_on,
            ends_on=note.ends_on,
            lessons=[
                NoteLesson(id=lesson.pk, date=lesson.date, number=lesson.slot.number, subject=lesson.subject.name)
                for lesson in note.lessons.all()
            ],
            reason=note.reason,
            reason_label=str(note.get_reason_display()),
            comment=note.comment,
            filed_by=note.filed_by.full_name,
            filed_at=note.filed_at,
            withdrawn_at=note.withdrawn_at,
            can_withdraw=can_withdraw(note, now),
        )
        for note in notes.select_related("pupil__school_class", "filed_by").prefetch_related(
            Prefetch("lessons", queryset=lessons)
        )
    ]


def note_row(note: AbsenceNote) -> AbsenceNoteRow:
    """The row of one note just written (two queries)."""
    return _notes(AbsenceNote.objects.filter(pk=note.pk))[0]


def pupil_notes(*, viewer: Any, student_id: Any) -> PupilNotes:
    """The pupil's notes, newest first, for their guardians and the pupil. Four queries."""
    pupil = access.family_pupil(viewer, student_id, access.ABSENCE_READERS)
    return PupilNotes(
        student=student_row(pupil),
        can_file=access.holds(viewer, pupil, *access.ABSENCE_FILERS),
        notes=_notes(AbsenceNote.objects.filter(pupil=pupil).order_by("-starts_on", "-pk")),
    )


def class_notes(*, viewer: Any, school_class_id: int) -> ClassNotes:
    """The notes of the class for its form tutor: every one still to come or under way, and those of the last
    ``RECENT_DAYS``, soonest first. Three queries."""
    school_class: SchoolClass = access.tutored_class(viewer, school_class_id)
    since = timezone.localdate() - timedelta(days=RECENT_DAYS)
    notes = AbsenceNote.objects.filter(Q(ends_on__gte=since), pupil__school_class=school_class).order_by(
        "starts_on", "pupil__surname", "pk"
    )
    return ClassNotes(class_id=school_class.pk, class_name=str(school_class), notes=_notes(notes))
