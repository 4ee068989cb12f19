"""Reads for the teacher: the classes and subjects a person teaches, and the gradebook of one of them.

A gradebook is the pupils of a class × the lessons of one subject in one term, each cell holding the
pupil's marks (with their versions, for the 409 on a stale write), each row its weighted average.
The teacher of that class and subject and the class's form tutor may read it; only a lesson's own
teacher writes (``can_write`` per lesson). A fixed number of queries whatever the grid holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

import access
from core.errors import NotFound
from diary import grading
from diary.models import Attendance, Homework, Lesson, Mark, TimetableEntry
from diary.selectors import TermRow
from registry.models import Pupil, SchoolClass, Subject, Term


@dataclass(frozen=True)
class CellMark:
    """One mark in a cell of the grid."""

    id: int
    value: str
    scale: str
    weight: int
    kind: str
    comment: str
    version: int


@dataclass
class GradebookRow:
    pupil: Pupil
    cells: list[list[CellMark]]  # one per lesson, in the order of ``Gradebook.lessons``
    average: Decimal | None


@dataclass
class Gradebook:
    school_class: SchoolClass
    subject: Subject
    term: Term
    terms: list[Term]
    lessons: list[Lesson]
    rows: list[GradebookRow]
    is_teacher: bool  # the viewer teaches this class and subject (else: the form tutor, read-only)
    viewer_id: int = 0
    class_average: Decimal | None = None
    writable_lesson_ids: set[int] = field(default_factory=set)


def _class_subjects(entries: QuerySet[TimetableEntry]) -> list[tuple[SchoolClass, Subject]]:
    """The distinct (class, subject) pairs of timetable entries, by grade, letter and subject; one query."""
    ordered = entries.select_related("school_class", "subject").order_by(
        "school_class__grade", "school_class__letter", "subject__name"
    )
    seen: dict[tuple[int, int], tuple[SchoolClass, Subject]] = {}
    for entry in ordered:
        seen.setdefault((entry.school_class_id, entry.subject_id), (entry.school_class, entry.subject))
    return list(seen.values())


def teacher_classes(*, teacher: access.Viewer) -> list[tuple[SchoolClass, Subject]]:
    """Every (class, subject) the person teaches by the timetable, by grade, letter and subject; one query."""
    return _class_subjects(access.taught_entries(teacher))


def tutored_classes(*, viewer: access.Viewer) -> list[tuple[SchoolClass, Subject]]:
    """(class, subject) pairs of the classes the person is the form tutor of, read-only; one query."""
    return _class_subjects(access.tutored_entries(viewer))


def school_terms(school_class: SchoolClass) -> list[Term]:
    return list(Term.objects.filter(year__school_id=school_class.school_id).order_by("starts_on"))


def current_term(terms: list[Term]) -> Term | None:
    """The term around today, else the last one that started, else the first."""
    today = timezone.localdate()
    for term in terms:
        if term.starts_on <= today <= term.ends_on:
            return term
    started = [term for term in terms if term.starts_on <= today]
    return started[-1] if started else (terms[0] if terms else None)


def gradebook(*, teacher: Any, school_class_id: int, subject_id: int, term_id: int | None) -> Gradebook:
    """The grid of one class, subject and term (``term_id`` None: the current term); six queries."""
    school_class = access.get_class(teacher, school_class_id, subject_id=subject_id)
    subject = Subject.objects.filter(pk=subject_id, school_id=school_class.school_id).first()
    if subject is None:
        raise NotFound()
    terms = school_terms(school_class)
    term = next((t for t in terms if t.pk == term_id), None) if term_id is not None else current_term(terms)
    if term is None:
        raise NotFound()
    pupils = list(
        Pupil.objects.filter(school_class=school_class, status=Pupil.Status.STUDYING).order_by(
            "surname", "given_name", "pk"
        )
    )
    lessons = list(
        Lesson.objects.filter(school_class=school_class, subject=subject, term=term)
        .exclude(status=Lesson.Status.CANCELLED)
        .select_related("slot")
        .order_by("date", "slot__number", "pk")
    )
    marks = (
        Mark.objects.filter(lesson__school_class=school_class, lesson__subject=subject, lesson__term=term)
        .exclude(lesson__status=Lesson.Status.CANCELLED)
        .order_by("pk")
        .values_list("id", "pupil_id", "lesson_id", "value", "scale", "weight", "kind", "comment", "version")
    )
    by_cell: dict[tuple[int, int], list[CellMark]] = {}
    for mark_id, pupil_id, lesson_id, value, scale, weight, kind, comment, version in marks:
        by_cell.setdefault((pupil_id, lesson_id), []).append(
            CellMark(id=mark_id, value=value, scale=scale, weight=weight, kind=kind, comment=comment, version=version)
        )
    rows = []
    all_marks: list[tuple[str, str, int]] = []
    for pupil in pupils:
        cells = [by_cell.get((pupil.pk, lesson.pk), []) for lesson in lessons]
        flat = [(m.value, m.scale, m.weight) for cell in cells for m in cell]
        all_marks.extend(flat)
        rows.append(GradebookRow(pupil=pupil, cells=cells, average=grading.weighted_average(flat)))
    return Gradebook(
        school_class=school_class,
        subject=subject,
        term=term,
        terms=terms,
        lessons=lessons,
        rows=rows,
        is_teacher=bool(getattr(school_class, "teaches", False)),
        viewer_id=teacher.pk,
        class_average=grading.weighted_average(all_marks),
        writable_lesson_ids={lesson.pk for lesson in lessons if lesson.teacher_id == teacher.pk},
    )


@dataclass(frozen=True)
class Named:
    id: int
    name: str


@dataclass(frozen=True)
class GradebookLesson:
    id: int
    date: date
    number: int
    topic: str
    status: str
    can_write: bool


@dataclass(frozen=True)
class GradebookPupilRow:
    pupil_id: int
    name: str
    average: Decimal | None
    cells: list[list[CellMark]]


@dataclass(frozen=True)
class GradebookGrid:
    """The grid as plain values: what ``GET /api/v1/teacher/gradebook`` answers."""

    school_class: Named
    subject: Named
    term: TermRow
    lessons: list[GradebookLesson]
    rows: list[GradebookPupilRow]
    class_average: Decimal | None


def gradebook_grid(book: Gradebook) -> GradebookGrid:
    term = book.term
    return GradebookGrid(
        school_class=Named(id=book.school_class.pk, name=str(book.school_class)),
        subject=Named(id=book.subject.pk, name=book.subject.name),
        term=TermRow(id=term.pk, name=term.name, starts_on=term.starts_on, ends_on=term.ends_on),
        lessons=[
            GradebookLesson(
                id=lesson.pk,
                date=lesson.date,
                number=lesson.slot.number,
                topic=lesson.topic,
                status=lesson.status,
                can_write=lesson.pk in book.writable_lesson_ids,
            )
            for lesson in book.lessons
        ],
        rows=[
            GradebookPupilRow(pupil_id=row.pupil.pk, name=row.pupil.full_name, average=row.average, cells=row.cells)
            for row in book.rows
        ],
        class_average=book.class_average,
    )


def lesson_for(*, viewer: Any, lesson_id: int) -> Lesson:
    """A lesson the viewer may read for the whole class: its teacher, a teacher of its subject in the class,
    or the class's form tutor."""
    lesson = (
        Lesson.objects.filter(pk=lesson_id).select_related("school_class", "subject", "slot", "term", "teacher").first()
    )
    return access.require(viewer, "lesson.read_class", lesson)


@dataclass
class LessonSheet:
    """Everything the lesson page shows: the pupils, their marks and attendance, the homework."""

    lesson: Lesson
    pupils: list[Pupil]
    marks: dict[int, list[Mark]]
    attendance: dict[int, Attendance]
    homework: Homework | None
    next_lessons: list[Lesson]


def lesson_sheet(*, lesson: Lesson) -> LessonSheet:
    pupils = list(
        Pupil.objects.filter(school_class_id=lesson.school_class_id, status=Pupil.Status.STUDYING).order_by(
            "surname", "given_name", "pk"
        )
    )
    marks: dict[int, list[Mark]] = {}
    for mark in Mark.objects.filter(lesson=lesson).order_by("pk"):
        marks.setdefault(mark.pupil_id, []).append(mark)
    attendance = {row.pupil_id: row for row in Attendance.objects.filter(lesson=lesson)}
    homework = Homework.objects.filter(lesson=lesson).prefetch_related("attachments").order_by("-pk").first()
    next_lessons = list(
        Lesson.objects.filter(
            school_class_id=lesson.school_class_id, subject_id=lesson.subject_id, date__gt=lesson.date
        )
        .exclude(status=Lesson.Status.CANCELLED)
        .order_by("date", "slot__number")[:5]
    )
    return LessonSheet(
        lesson=lesson, pupils=pupils, marks=marks, attendance=attendance, homework=homework, next_lessons=next_lessons
    )


_MARK_OUT = ("id", "pupil_id", "value", "scale", "weight", "kind", "comment", "version")


def marks_out(marks: list[Mark]) -> list[dict[str, Any]]:
    """The lesson's marks after a write, as the API answers them, from the instances the write returned (the
    marks of the whole lesson, read under its lock): no second read."""
    return [{name: getattr(mark, name) for name in _MARK_OUT} for mark in marks]
