"""Reads of the diary for families (and the class's teachers): the week, marks by subject, homework, attendance.

Each selector asks ``access.get_diary`` first (404 for anyone who may not see the pupil) and keeps to the
subjects it names (a subject teacher reads only theirs), then runs a fixed number of queries whatever the
period holds: the week is the evening's hot path (DESIGN §5). A read through a trusted person's grant is
``logged`` for the guardians' view log: the policy only answers, the reader records.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import Any, TypeVar

from django.db.models import (
    CharField,
    DateTimeField,
    DecimalField,
    Exists,
    F,
    FilteredRelation,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Cast
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import access
from core.bounds import LocalTime
from core.choices import labels
from core.errors import DomainError
from core.periods import current_week
from core.prepared import Prepared
from diary import cache, grading, mark_history
from diary.answer_selectors import AnswerState, answer_states
from diary.errors import DiaryCode
from diary.models import Attendance, FinalMark, Homework, HomeworkDone, Lesson, Mark, MarkChange, TimetableEntry
from portal.models import User
from registry.models import Pupil, Subject, Term

Logged = TypeVar("Logged", access.Read, access.LessonRead)


def logged(read: Logged) -> Logged:
    """``read``, after telling the view log (``access.grant_read``, recorded by the trust app) when it went
    through a trusted person's grant. Every family read of a pupil's data or a lesson's files passes here."""
    if read.grant_id is not None:
        access.grant_read.send(sender=type(read), grant_id=read.grant_id, section=read.service)
    return read


# ---------------------------------------------------------------- the week


# The rows are plain dataclasses, not frozen ones: a frozen dataclass's ``__init__`` sets each field through
# ``object.__setattr__`` (1.8 µs for a lesson's 16 fields against 0.2 µs), and a week builds about a hundred rows.
@dataclass
class MarkRow:
    value: str
    scale: str
    five_point: Decimal | None
    weight: int
    kind: str
    kind_label: str
    comment: str
    # How the mark came to be what it is, when it changed after it was set: «5 → 4, изменена 02.12.2026
    # Ивановой Е. П.: причина», oldest first (``diary.mark_history``).
    history: list[str]


@dataclass
class AttachmentRow:
    name: str
    url: str
    size: int


@dataclass
class HomeworkRow:
    id: int
    text: str
    due_date: date | None
    done: bool
    attachments: list[AttachmentRow]  # no default: the API's schema lists it as always sent
    hand_in: bool = False  # the pupil hands in an answer on the site (issue 16)


@dataclass
class AttendanceRow:
    status: str
    status_label: str
    late_minutes: int | None
    comment: str


@dataclass
class LessonRow:
    id: int
    number: int
    starts_at: LocalTime  # documented as HH:MM:SS without an offset (a bell schedule has none)
    ends_at: LocalTime
    subject: str
    teacher: str
    room: str
    topic: str
    status: str
    cancelled: bool
    homework: list[HomeworkRow]
    marks: list[MarkRow]
    attendance: AttendanceRow | None
    planned_kind: str  # work the teacher announced for the lesson (test, control, exam); empty: none
    planned_kind_label: str
    planned_note: str


@dataclass
class DayRow:
    date: date
    lessons: list[LessonRow]


@dataclass
class StudentRow:
    student_id: str
    full_name: str
    school: str
    class_name: str


@dataclass
class DiaryWeek:
    student: StudentRow
    start: date
    end: date
    days: list[DayRow]


def student_row(pupil: Pupil) -> StudentRow:
    return StudentRow(
        student_id=str(pupil.public_id),
        full_name=pupil.full_name,
        school=pupil.school.name,
        class_name=str(pupil.school_class),
    )


def _mark_row(mark: Mark) -> MarkRow:
    return MarkRow(
        value=mark.value,
        scale=mark.scale,
        five_point=grading.to_five_point(mark.value, mark.scale),
        weight=mark.weight,
        kind=mark.kind,
        kind_label=str(mark.get_kind_display()),
        comment=mark.comment,
        history=[],
    )


def _attendance_row(row: Attendance) -> AttendanceRow:
    return AttendanceRow(
        status=row.status,
        status_label=str(row.get_status_display()),
        late_minutes=row.late_minutes,
        comment=row.comment,
    )


def _homework_rows(pupil: Pupil, homework_filter: Q) -> list[tuple[int, HomeworkRow]]:
    """Homework matching ``homework_filter`` with attachments and the pupil's tick, in ONE query.

    A LEFT JOIN to the attachments gives one row per attachment; the rows are folded back here.
    Returns ``(lesson_id, homework)`` pairs in the order of the lessons.
    """
    rows = (
        Homework.objects.filter(homework_filter)
        .annotate(done=Exists(HomeworkDone.objects.filter(homework=OuterRef("pk"), pupil=pupil)))
        .order_by("lesson__date", "lesson__slot__number", "pk", "attachments__pk")
        .values_list(
            "pk",
            "lesson_id",
            "text",
            "due_lesson__date",
            "done",
            "attachments__pk",
            "attachments__name",
            "attachments__size",
            "hand_in",
        )
    )
    found: dict[int, tuple[int, HomeworkRow]] = {}
    for pk, lesson_id, text, due_date, done, attachment_id, name, size, hand_in in rows:
        if pk not in found:
            row = HomeworkRow(id=pk, text=text, due_date=due_date, done=bool(done), attachments=[], hand_in=hand_in)
            found[pk] = (lesson_id, row)
        if attachment_id:
            url = reverse("diary:attachment", args=[attachment_id])
            found[pk][1].attachments.append(AttachmentRow(name=name, url=url, size=size or 0))
    return list(found.values())


def _week_lessons(*, pupil: int, school_class: int, start: date, end: date, teacher: int = 0) -> QuerySet[Lesson, Any]:
    """The lessons of the period with the pupil's attendance at each (one row at most a lesson and pupil, a
    unique constraint): a ``LEFT JOIN`` here rather than a statement of its own."""
    lessons = Lesson.objects.filter(school_class_id=school_class, date__range=(start, end)).annotate(
        presence=FilteredRelation("attendance", condition=Q(attendance__pupil_id=pupil))
    )
    if teacher:
        lessons = lessons.filter(subject_id__in=_taught(teacher, school_class))
    return lessons.order_by("date", "slot__number", "pk").values_list(
        "pk",
        "date",
        "slot__number",
        "slot__starts_at",
        "slot__ends_at",
        "subject__name",
        "teacher__surname",
        "teacher__given_name",
        "teacher__patronymic",
        "room",
        "topic",
        "status",
        "planned_kind",
        "planned_note",
        "presence__status",
        "presence__late_minutes",
        "presence__comment",
    )


def _taught(teacher: int, school_class: int) -> QuerySet[TimetableEntry, Any]:
    """The subjects ``teacher`` teaches the class: all a subject teacher reads of its diary (``access.get_diary``)."""
    return TimetableEntry.objects.filter(teacher_id=teacher, school_class_id=school_class).values("subject_id")


def _in_week(school_class: int, start: date, end: date, teacher: int) -> Q:
    period = Q(lesson__school_class_id=school_class, lesson__date__range=(start, end))
    return period & Q(lesson__subject_id__in=_taught(teacher, school_class)) if teacher else period


_NO_TIME = Value(None, output_field=DateTimeField())
_NO_NAME = Value("", output_field=CharField())


def _week_marks(*, pupil: int, school_class: int, start: date, end: date, teacher: int = 0) -> QuerySet[Mark, Any]:
    """The pupil's marks of the period and, in the same statement (``UNION ALL``), the changes that altered
    them (issue 16), which the family reads under each mark: a change is a row with its time and author."""
    marks = (
        Mark.objects.filter(_in_week(school_class, start, end, teacher), pupil_id=pupil)
        .order_by()
        .annotate(at=_NO_TIME, surname=_NO_NAME, given_name=_NO_NAME, patronymic=_NO_NAME)
        .values_list(
            "pk",
            "lesson_id",
            "kind",
            "value",
            "scale",
            "weight",
            "comment",
            "at",
            "surname",
            "given_name",
            "patronymic",
        )
    )
    changes = (
        MarkChange.objects.filter(_in_week(school_class, start, end, teacher), pupil_id=pupil)
        .exclude(old_value="")
        .order_by()
        .values_list(
            "pk",
            "lesson_id",
            "kind",
            "old_value",
            "new_value",
            "new_weight",
            "reason",
            "changed_at",
            "changed_by__surname",
            "changed_by__given_name",
            "changed_by__patronymic",
        )
    )
    return marks.union(changes, all=True)


def _week_homework(
    *, pupil: int, school_class: int, start: date, end: date, teacher: int = 0
) -> QuerySet[Homework, Any]:
    return (
        Homework.objects.filter(_in_week(school_class, start, end, teacher))
        .annotate(done=Exists(HomeworkDone.objects.filter(homework=OuterRef("pk"), pupil_id=pupil)))
        .order_by("lesson__date", "lesson__slot__number", "pk", "attachments__pk")
        .values_list(
            "pk",
            "lesson_id",
            "text",
            "due_lesson__date",
            "done",
            "attachments__pk",
            "attachments__name",
            "attachments__size",
            "hand_in",
        )
    )


_PERIOD = {"school_class": int, "start": date, "end": date}
_OF_PUPIL = {"pupil": int, **_PERIOD}
# The week's three queries, compiled once per process (``core.prepared``): for the family (every subject) and
# for a subject teacher (the subjects they teach the class).
WEEK_QUERIES = {
    teaches: (
        Prepared(_week_lessons, **_OF_PUPIL, **extra),
        Prepared(_week_marks, **_OF_PUPIL, **extra),
        Prepared(_week_homework, **_OF_PUPIL, **extra),
    )
    for teaches, extra in ((False, {}), (True, {"teacher": int}))
}


@lru_cache(maxsize=8)
def _attachment_url_parts(script_prefix: str) -> tuple[str, str]:
    head, _marker, tail = reverse("diary:attachment", args=[987654321]).partition("987654321")
    return head, tail


def _attachment_url(attachment_id: int) -> str:
    """``reverse("diary:attachment", …)`` without resolving the URL again for every file of the week."""
    head, tail = _attachment_url_parts(get_script_prefix())
    return f"{head}{attachment_id}{tail}"


def week_days(diary: access.Read, start: date, end: date) -> list[DayRow]:
    """The days of the period with their lessons, homework and the pupil's marks (with how they changed) and
    attendance: three queries whatever the week holds."""
    pupil = diary.pupil
    teacher = diary.teacher_id or 0
    lessons_q, marks_q, homework_q = WEEK_QUERIES[bool(teacher)]
    period: dict[str, Any] = {"school_class": pupil.school_class_id, "start": start, "end": end}
    if teacher:
        period["teacher"] = teacher
    kinds, statuses = labels(Mark.Kind), labels(Attendance.Status)
    planned_kinds = labels(Lesson.PlannedKind)
    lesson_rows = list(lessons_q.rows(pupil=pupil.pk, **period))
    # The marks and the changes that altered them come in one statement: a change has its time (``at``).
    found: list[tuple[Any, ...]] = []
    changes: list[tuple[Any, ...]] = []
    for one in marks_q.rows(pupil=pupil.pk, **period):
        (changes if one[7] is not None else found).append(one)
    history: dict[tuple[int, str], list[str]] = defaultdict(list)
    for _pk, lesson_id, kind, old, new, _weight, reason, at, *names in sorted(
        changes, key=lambda row: (row[7], row[0])
    ):
        text = mark_history.describe_change(
            old_value=old, new_value=new, changed_at=at, reason=reason, author=(names[0], names[1], names[2])
        )
        history[(lesson_id, kind)].append(text)
    marks: dict[int, list[MarkRow]] = defaultdict(list)
    for _pk, lesson_id, kind, value, scale, weight, comment, *_none in sorted(found):
        five = grading.to_five_point(value, scale)
        explained = history.get((lesson_id, kind), [])
        marks[lesson_id].append(MarkRow(value, scale, five, weight, kind, kinds.get(kind, kind), comment, explained))
    homework: dict[int, list[HomeworkRow]] = defaultdict(list)
    seen: dict[int, HomeworkRow] = {}
    for pk, lesson_id, text, due_date, done, attachment_id, name, size, hand_in in homework_q.rows(
        pupil=pupil.pk, **period
    ):
        row = seen.get(pk)
        if row is None:
            row = HomeworkRow(id=pk, text=text, due_date=due_date, done=bool(done), attachments=[], hand_in=hand_in)
            seen[pk] = row
            homework[lesson_id].append(row)
        if attachment_id:
            row.attachments.append(AttachmentRow(name=name, url=_attachment_url(attachment_id), size=size or 0))
    by_day: dict[date, list[LessonRow]] = {start + timedelta(days=n): [] for n in range((end - start).days + 1)}
    cancelled = Lesson.Status.CANCELLED.value
    for lesson in lesson_rows:
        pk, day, number, starts_at, ends_at, subject, *names = lesson[:9]
        room, topic, status, plan, note, absent, late_minutes, absence_comment = lesson[9:]
        attendance = (
            AttendanceRow(absent, statuses.get(absent, absent), late_minutes, absence_comment)
            if absent is not None
            else None
        )
        by_day[day].append(
            LessonRow(
                id=pk,
                number=number,
                starts_at=starts_at,
                ends_at=ends_at,
                subject=subject,
                teacher=" ".join(filter(None, names)),
                room=room,
                topic=topic,
                status=status,
                cancelled=status == cancelled,
                homework=homework.get(pk, []),
                marks=marks.get(pk, []),
                attendance=attendance,
                planned_kind=plan,
                planned_kind_label=planned_kinds.get(plan, plan) if plan else "",
                planned_note=note,
            )
        )
    return [DayRow(date=day, lessons=rows) for day, rows in by_day.items()]


def diary_read(*, viewer: Any, student_id: Any, among: list[access.VisibleStudent] | None = None) -> access.Read:
    """The access check of a family read of the diary (``NotFound`` for anyone who may not), logged when it goes
    through a trusted person's grant: what the endpoints answer ``304 Not Modified`` on (``diary.cache``).
    ``among``: the viewer's family children this request already fetched (a page's child switcher), which
    decide a family read without asking again."""
    found = access.read_among(among, student_id, access.DIARY) if among is not None else None
    return logged(found or access.get_diary(viewer, student_id))


def diary_week(
    *, viewer: Any = None, student_id: Any = None, start: date, end: date, read: access.Read | None = None
) -> DiaryWeek:
    """Days → lessons with topic, homework, the pupil's marks and attendance. Six queries, always:
    the pupil (access), the lessons, the marks, the changes that altered them, the homework with
    attachments, the attendance; one when the week is in the cache (``diary.cache``). ``read``: the access
    check the caller already made.
    A subject teacher sees only the lessons of their subjects: the others are not theirs to read."""
    diary = read or diary_read(viewer=viewer, student_id=student_id)
    days = cache.cached(diary, "week", lambda: week_days(diary, start, end), start, end)
    return DiaryWeek(student=student_row(diary.pupil), start=start, end=end, days=days)


# ---------------------------------------------------------------- marks by subject


@dataclass
class ChartPoint:
    date: date
    five_point: Decimal
    weight: int
    average: Decimal | None  # the running weighted average after this mark


@dataclass
class SubjectMarkRow:
    date: date
    value: str
    scale: str
    five_point: Decimal | None
    weight: int
    kind: str
    kind_label: str
    comment: str
    history: list[str]  # as ``MarkRow.history``


@dataclass
class UpcomingRow:
    """Work the teacher announced for a lesson still to come (today or later): a mark that is known to come."""

    lesson_id: int
    date: date
    kind: str
    kind_label: str
    note: str


TREND_WEEKS = 4


@dataclass
class SubjectMarks:
    subject_id: int
    subject: str
    marks: list[SubjectMarkRow]
    average: Decimal | None
    class_average: Decimal | None
    trend: str
    term_final: str | None
    year_final: str | None
    points: list[ChartPoint]
    # The weighted average of the marks before this week (Monday), and of those up to four weeks ago; the
    # trend compares the latter with the average now: up, down, or flat (equal, or no marks back then).
    average_before_week: Decimal | None
    average_weeks_ago: Decimal | None
    trend_weeks: str
    upcoming: list[UpcomingRow]

    @property
    def current(self) -> list[tuple[Decimal, int]]:
        """``(five_point, weight)`` of the averaged marks, for the target calculator."""
        return [(mark.five_point, mark.weight) for mark in self.marks if mark.five_point is not None]


@dataclass
class TermRow:
    id: int
    name: str
    starts_on: date
    ends_on: date


@dataclass
class MarksReport:
    student: StudentRow
    term: TermRow | None
    terms: list[TermRow]
    subjects: list[SubjectMarks]


def _choose_term(terms: list[TermRow], term_id: int | None, today: date) -> TermRow | None:
    if term_id is not None:
        for term in terms:
            if term.id == term_id:
                return term
        raise DomainError(DiaryCode.INVALID_TERM, _("There is no such term."), field="term")
    for term in terms:
        if term.starts_on <= today <= term.ends_on:
            return term
    started = [term for term in terms if term.starts_on <= today]
    if started:
        return started[-1]
    return terms[-1] if terms else None


# The mark as a number in SQL, for the class average (pass / fail is filtered out before). The scale is
# applied in Python on the per-scale sums, so SQLite's integer arithmetic cannot truncate it.
_NUMBER_SQL = Cast("value", DecimalField(max_digits=8, decimal_places=3))


def subject_marks(
    *, viewer: Any = None, student_id: Any = None, term_id: int | None = None, read: access.Read | None = None
) -> MarksReport:
    """Marks by subject for a term (``subject_marks_of``), from the cache when nothing changed since."""
    diary = read or diary_read(viewer=viewer, student_id=student_id)
    return cache.cached(diary, "marks", lambda: subject_marks_of(diary, term_id), term_id)


def _of_subjects(path: str, school_class: int, teacher: int) -> Q:
    """The rows of the subjects ``teacher`` teaches the class (the field path ``path``); all for no teacher."""
    return Q(**{f"{path}__in": _taught(teacher, school_class)}) if teacher else Q()


def _terms(*, school: int) -> QuerySet[Term, Any]:
    return (
        Term.objects.filter(year__school_id=school)
        .order_by("starts_on", "pk")
        .values_list("pk", "name", "starts_on", "ends_on")
    )


def _term_marks(*, pupil: int, term: int, school_class: int = 0, teacher: int = 0) -> QuerySet[Mark, Any]:
    return (
        Mark.objects.filter(_of_subjects("lesson__subject_id", school_class, teacher), pupil_id=pupil)
        .filter(lesson__term_id=term)
        .order_by("lesson__date", "lesson__slot__number", "pk")
        .values_list(
            "lesson_id",
            "lesson__subject_id",
            "lesson__subject__name",
            "lesson__date",
            "value",
            "scale",
            "weight",
            "kind",
            "comment",
        )
    )


def _term_changes(*, pupil: int, term: int) -> QuerySet[MarkChange, Any]:
    """The changes that altered the pupil's marks of the term (not the first setting), oldest first: only
    those of the marks the reader sees are looked up."""
    return (
        MarkChange.objects.filter(pupil_id=pupil, lesson__term_id=term)
        .exclude(old_value="")
        .order_by("changed_at", "pk")
        .values_list(
            "lesson_id",
            "kind",
            "old_value",
            "new_value",
            "reason",
            "changed_at",
            "changed_by__surname",
            "changed_by__given_name",
            "changed_by__patronymic",
        )
    )


def _term_upcoming(*, school_class: int, term: int, today: date, teacher: int = 0) -> QuerySet[Lesson, Any]:
    """The work the teachers announced for the class's lessons still to come in the term."""
    return (
        Lesson.objects.filter(_of_subjects("subject_id", school_class, teacher), school_class_id=school_class)
        .filter(term_id=term, date__gte=today)
        .exclude(planned_kind="")
        .exclude(status=Lesson.Status.CANCELLED)
        .order_by("date", "slot__number", "pk")
        .values_list("pk", "date", "subject_id", "subject__name", "planned_kind", "planned_note")
    )


def _class_sums(*, school_class: int, term: int, teacher: int = 0) -> QuerySet[Mark, Any]:
    """The class's weighted sums of numeric marks by subject and scale (one aggregate)."""
    return (
        Mark.objects.filter(_of_subjects("lesson__subject_id", school_class, teacher))
        .filter(
            lesson__school_class_id=school_class,
            lesson__term_id=term,
            scale__in=["five", "ten", "hundred"],
            weight__gt=0,
        )
        .values("lesson__subject_id", "scale")
        .annotate(
            points=Sum(_NUMBER_SQL * F("weight"), output_field=DecimalField(max_digits=14, decimal_places=4)),
            weights=Sum("weight"),
        )
        .order_by()
        .values_list("lesson__subject_id", "scale", "points", "weights")
    )


def _term_finals(*, pupil: int, term: int, school_class: int = 0, teacher: int = 0) -> QuerySet[FinalMark, Any]:
    return (
        FinalMark.objects.filter(Q(term_id=term) | Q(term__isnull=True), pupil_id=pupil)
        .filter(_of_subjects("subject_id", school_class, teacher))
        .order_by("pk")
        .values_list("subject_id", "term_id", "value")
    )


def _both(build: Any, **params: type) -> dict[bool, Prepared]:
    """``build`` compiled once for the family (every subject) and once for a subject teacher."""
    return {False: Prepared(build, **params), True: Prepared(build, **{**params, "school_class": int, "teacher": int})}


# The marks page's queries, compiled once per process (``core.prepared``): building them was most of its CPU.
TERMS = Prepared(_terms, school=int)
TERM_MARKS = _both(_term_marks, pupil=int, term=int)
TERM_CHANGES = Prepared(_term_changes, pupil=int, term=int)
TERM_UPCOMING = _both(_term_upcoming, school_class=int, term=int, today=date)
CLASS_SUMS = _both(_class_sums, school_class=int, term=int)
TERM_FINALS = _both(_term_finals, pupil=int, term=int)


def subject_marks_of(diary: access.Read, term_id: int | None) -> MarksReport:
    """Marks by subject for a term, with the weighted average, the class's average, finals and chart points.

    Seven queries: the pupil (access), the school's terms, the pupil's marks, the class averages (one
    aggregate), the finals, the changes of the marks, the work announced for the lessons to come. ``term_id``
    None: the term holding today, else the latest one begun. A subject teacher gets their subjects only.
    """
    pupil = diary.pupil
    terms = [
        TermRow(id=pk, name=name, starts_on=starts_on, ends_on=ends_on)
        for pk, name, starts_on, ends_on in TERMS.rows(school=pupil.school_id)
    ]
    today = timezone.localdate()
    term = _choose_term(terms, term_id, today)
    if term is None:
        return MarksReport(student=student_row(pupil), term=None, terms=terms, subjects=[])

    teacher = diary.teacher_id or 0
    teaches = bool(teacher)
    of: dict[str, Any] = {"pupil": pupil.pk, "term": term.id, "school_class": pupil.school_class_id, "teacher": teacher}
    marks = TERM_MARKS[teaches].rows(**of)
    kinds = labels(Mark.Kind)
    changes: dict[tuple[int, str], list[str]] = {}
    for lesson_id, kind, old, new, reason, at, *author in TERM_CHANGES.rows(**of):
        text = mark_history.describe_change(
            old_value=old, new_value=new, changed_at=at, reason=reason, author=(author[0], author[1], author[2])
        )
        changes.setdefault((lesson_id, kind), []).append(text)
    upcoming: dict[int, list[UpcomingRow]] = defaultdict(list)
    upcoming_names: dict[int, str] = {}
    planned_kinds = labels(Lesson.PlannedKind)
    for lesson_id, day, subject_id, subject_name, kind, note in TERM_UPCOMING[teaches].rows(today=today, **of):
        upcoming_names[subject_id] = subject_name
        upcoming[subject_id].append(UpcomingRow(lesson_id, day, kind, planned_kinds.get(kind, kind), note))
    week_start = current_week(today)[0]
    weeks_ago = today - timedelta(weeks=TREND_WEEKS)
    class_sums: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for subject_id, scale, points, weights in CLASS_SUMS[teaches].rows(**of):
        five = grading.to_five_point(str(points), scale)
        if five is not None and weights:
            class_sums[subject_id][0] += five
            class_sums[subject_id][1] += weights
    class_averages = {
        subject_id: grading.round2(points / weights) for subject_id, (points, weights) in class_sums.items() if weights
    }
    finals: dict[int, dict[str, str]] = defaultdict(dict)
    for subject_id, final_term, value in TERM_FINALS[teaches].rows(**of):
        finals[subject_id]["term" if final_term else "year"] = value

    by_subject: dict[int, tuple[str, list[SubjectMarkRow]]] = {}
    for lesson_id, subject_id, subject_name, day, value, scale, weight, kind, comment in marks:
        by_subject.setdefault(subject_id, (subject_name, []))[1].append(
            SubjectMarkRow(
                date=day,
                value=value,
                scale=scale,
                five_point=grading.to_five_point(value, scale),
                weight=weight,
                kind=kind,
                kind_label=kinds.get(kind, kind),
                comment=comment,
                history=changes.get((lesson_id, kind), []),
            )
        )

    subjects: list[SubjectMarks] = []
    for subject_id, (name, rows) in by_subject.items():
        triples = [(row.value, row.scale, row.weight) for row in rows]
        average = grading.weighted_average(triples)
        then = grading.weighted_average((row.value, row.scale, row.weight) for row in rows if row.date <= weeks_ago)
        running = grading.running_averages(triples)
        points = [
            ChartPoint(date=row.date, five_point=five, weight=row.weight, average=average)
            for row, average in zip(rows, running, strict=True)
            if (five := row.five_point) is not None
        ]
        subjects.append(
            SubjectMarks(
                subject_id=subject_id,
                subject=name,
                marks=rows,
                average=average,
                class_average=class_averages.get(subject_id),
                trend=grading.trend([p.average for p in points]),
                term_final=finals.get(subject_id, {}).get("term"),
                year_final=finals.get(subject_id, {}).get("year"),
                points=points,
                average_before_week=grading.weighted_average(
                    (row.value, row.scale, row.weight) for row in rows if row.date < week_start
                ),
                average_weeks_ago=then,
                trend_weeks=grading.trend([then, average]),
                upcoming=upcoming.get(subject_id, []),
            )
        )
    # Subjects with announced work but no marks yet show what is to come.
    for subject_id in sorted(set(upcoming) - set(by_subject) - set(finals)):
        subjects.append(
            SubjectMarks(
                subject_id=subject_id,
                subject=upcoming_names[subject_id],
                marks=[],
                average=None,
                class_average=class_averages.get(subject_id),
                trend="flat",
                term_final=None,
                year_final=None,
                points=[],
                average_before_week=None,
                average_weeks_ago=None,
                trend_weeks="flat",
                upcoming=upcoming[subject_id],
            )
        )
    # Subjects with a final but no marks in the term still show their final.
    if finals:
        missing = set(finals) - set(by_subject)
        if missing:
            for subject in Subject.objects.filter(pk__in=missing):
                subjects.append(
                    SubjectMarks(
                        subject_id=subject.pk,
                        subject=subject.name,
                        marks=[],
                        average=None,
                        class_average=class_averages.get(subject.pk),
                        trend="flat",
                        term_final=finals[subject.pk].get("term"),
                        year_final=finals[subject.pk].get("year"),
                        points=[],
                        average_before_week=None,
                        average_weeks_ago=None,
                        trend_weeks="flat",
                        upcoming=upcoming.get(subject.pk, []),
                    )
                )
    subjects.sort(key=lambda item: item.subject)
    return MarksReport(student=student_row(pupil), term=term, terms=terms, subjects=subjects)


# ---------------------------------------------------------------- homework


@dataclass
class HomeworkItem:
    id: int
    lesson_date: date
    subject: str
    text: str
    due_date: date | None
    done: bool
    attachments: list[AttachmentRow]
    # Where the pupil's answer stands (``diary.answer_selectors``): not_required for homework not to hand in.
    answer: AnswerState


@dataclass
class HomeworkReport:
    student: StudentRow
    start: date
    end: date
    items: list[HomeworkItem]


def homework_list(*, viewer: Any, student_id: Any, start: date, end: date) -> HomeworkReport:
    """Homework due in the period (or set in it, when it has no due lesson), with the state of the pupil's
    answer. Four queries."""
    diary = logged(access.get_diary(viewer, student_id))
    pupil = diary.pupil
    in_period = Q(diary.only("lesson__subject_id"), lesson__school_class_id=pupil.school_class_id) & (
        Q(due_lesson__date__range=(start, end)) | Q(due_lesson__isnull=True, lesson__date__range=(start, end))
    )
    rows = _homework_rows(pupil, in_period)
    lessons = {
        lesson.pk: lesson
        for lesson in Lesson.objects.filter(pk__in={lesson_id for lesson_id, _ in rows}).select_related("subject")
    }
    answers = answer_states(pupil_id=pupil.pk, homework_ids=[row.id for _, row in rows]) if rows else {}
    items = [
        HomeworkItem(
            id=row.id,
            lesson_date=lessons[lesson_id].date,
            subject=lessons[lesson_id].subject.name,
            text=row.text,
            due_date=row.due_date,
            done=row.done,
            attachments=row.attachments,
            answer=answers[row.id],
        )
        for lesson_id, row in rows
    ]
    items.sort(key=lambda item: (item.due_date or item.lesson_date, item.subject, item.id))
    return HomeworkReport(student=student_row(pupil), start=start, end=end, items=items)


# ---------------------------------------------------------------- attendance


@dataclass
class AttendanceItem:
    date: date
    number: int
    subject: str
    status: str
    status_label: str
    late_minutes: int | None
    comment: str


@dataclass
class AttendanceReport:
    student: StudentRow
    start: date
    end: date
    counts: dict[str, int]
    items: list[AttendanceItem]


def attendance_summary(*, viewer: Any, student_id: Any, start: date, end: date) -> AttendanceReport:
    """Absences and lateness in the period, with counts by status (every status, zeros too). Two queries."""
    diary = logged(access.get_diary(viewer, student_id))
    pupil = diary.pupil
    rows = (
        Attendance.objects.filter(diary.only("lesson__subject_id"), pupil=pupil, lesson__date__range=(start, end))
        .select_related("lesson__subject", "lesson__slot")
        .order_by("lesson__date", "lesson__slot__number")
    )
    counts = dict.fromkeys(Attendance.Status.values, 0)
    items = []
    for row in rows:
        counts[row.status] = counts.get(row.status, 0) + 1
        items.append(
            AttendanceItem(
                date=row.lesson.date,
                number=row.lesson.slot.number,
                subject=row.lesson.subject.name,
                status=row.status,
                status_label=str(row.get_status_display()),
                late_minutes=row.late_minutes,
                comment=row.comment,
            )
        )
    return AttendanceReport(student=student_row(pupil), start=start, end=end, counts=counts, items=items)


def teaches(*, account: User) -> bool:
    """Whether the account teaches anything: a timetable entry or a lesson (a replacement), in one query."""
    return access.teaches_anything(account)
