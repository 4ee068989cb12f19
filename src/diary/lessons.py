"""Writes of dated lessons: generating them from the timetable for a term, and changing one lesson
(cancel, move, replace, topic).

A lesson's own teacher changes it; the school's registrar may also cancel, move or replace it. Anyone
else gets ``NotFound``, as if the lesson did not exist (``access``).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

import access
from audit.services import record_event
from core.errors import DomainError, NotFound
from diary import versions
from diary.errors import DiaryCode
from diary.models import Lesson, LessonSlot, TimetableEntry
from registry.models import Holiday, SchoolClass, StaffMember, Subject, Term

TOPIC_MAX_LENGTH = 300
MOVED = "diary.lesson_moved"


def _holiday_dates(term: Term) -> set[date]:
    days: set[date] = set()
    holidays = Holiday.objects.filter(year_id=term.year_id, starts_on__lte=term.ends_on, ends_on__gte=term.starts_on)
    for holiday in holidays:
        day = holiday.starts_on
        while day <= holiday.ends_on:
            days.add(day)
            day += timedelta(days=1)
    return days


@transaction.atomic
def generate_lessons(*, term: Term, school_class: SchoolClass | None = None) -> int:
    """Create the term's dated lessons from the weekly timetable, skipping holidays; return how many.

    Idempotent: a lesson already generated for a timetable entry and date (even if since moved or
    cancelled) is not made again, and a slot already taken is left alone, so running it again after a
    timetable change adds only what is missing.
    """
    # One generation per term at a time: two at once would both see a date as missing.
    list(Term.objects.select_for_update().filter(pk=term.pk).values_list("pk", flat=True))
    school_id = term.year.school_id
    if school_class is not None and school_class.school_id != school_id:
        raise DomainError(
            DiaryCode.CLASS_NOT_IN_SCHOOL, _("The class is not of the term's school."), field="school_class"
        )
    entries = TimetableEntry.objects.filter(school_class__school_id=school_id)
    if school_class is not None:
        entries = entries.filter(school_class=school_class)
    entries_by_weekday: dict[int, list[TimetableEntry]] = {}
    for entry in entries:
        entries_by_weekday.setdefault(entry.weekday, []).append(entry)
    if not entries_by_weekday:
        return 0

    existing = Lesson.objects.filter(term=term, school_class_id__in={e.school_class_id for e in entries})
    done: set[tuple[int, date]] = set()
    taken: set[tuple[int, date, int, str]] = set()
    for lesson in existing.only(
        "pk", "timetable_entry_id", "school_class_id", "date", "moved_from", "slot_id", "subgroup", "status"
    ):
        if lesson.timetable_entry_id is not None:
            # A moved lesson still stands for the date the timetable gave it.
            done.add((lesson.timetable_entry_id, lesson.moved_from or lesson.date))
        if lesson.status != Lesson.Status.CANCELLED:
            taken.add((lesson.school_class_id, lesson.date, lesson.slot_id, lesson.subgroup))

    holidays = _holiday_dates(term)
    new: list[Lesson] = []
    day = term.starts_on
    while day <= term.ends_on:
        if day not in holidays:
            for entry in entries_by_weekday.get(day.weekday(), ()):
                place = (entry.school_class_id, day, entry.slot_id, entry.subgroup)
                if (entry.pk, day) in done or place in taken:
                    continue
                taken.add(place)
                new.append(
                    Lesson(
                        school_class_id=entry.school_class_id,
                        term=term,
                        timetable_entry=entry,
                        date=day,
                        slot_id=entry.slot_id,
                        subject_id=entry.subject_id,
                        teacher_id=entry.teacher_id,
                        room=entry.room,
                        subgroup=entry.subgroup,
                    )
                )
        day += timedelta(days=1)
    Lesson.objects.bulk_create(new, batch_size=1000)
    versions.changed(classes={lesson.school_class_id for lesson in new})  # bulk_create sends no signal
    if new:
        record_event(
            actor=None,
            action="diary.lessons_generated",
            target=term,
            created=len(new),
            school_class_id=school_class.pk if school_class is not None else None,
        )
    return len(new)


def _lesson_for_change(actor: Any, lesson_id: int) -> Lesson:
    """The lesson, locked, if ``actor`` teaches it or keeps the school's registry; else ``NotFound``."""
    lesson = (
        Lesson.objects.select_for_update(of=("self",))
        .select_related("school_class", "term", "slot")
        .filter(pk=lesson_id)
        .first()
    )
    if lesson is None or not (
        access.can(actor, "lesson.write", lesson) or access.can(actor, "registry.manage", lesson.school_class)
    ):
        raise NotFound()
    return lesson


def _refuse_cancelled(lesson: Lesson) -> None:
    if lesson.status == Lesson.Status.CANCELLED:
        raise DomainError(DiaryCode.LESSON_CANCELLED, _("The lesson is cancelled."))


@transaction.atomic
def cancel_lesson(*, actor: Any, lesson_id: int) -> Lesson:
    """Cancel one lesson; its row stays (with any marks) and says so. Cancelling twice changes nothing."""
    lesson = _lesson_for_change(actor, lesson_id)
    if lesson.status != Lesson.Status.CANCELLED:
        old_status = lesson.status
        lesson.status = Lesson.Status.CANCELLED
        lesson.save(update_fields=["status"])
        record_event(actor=actor, action="diary.lesson_cancelled", target=lesson, old_status=old_status)
    return lesson


def _teacher_busy(*, teacher_id: int, day: date, slot_id: int, exclude_pk: int) -> bool:
    return (
        Lesson.objects.filter(teacher_id=teacher_id, date=day, slot_id=slot_id)
        .exclude(status=Lesson.Status.CANCELLED)
        .exclude(pk=exclude_pk)
        .exists()
    )


@transaction.atomic
def move_lesson(*, actor: Any, lesson_id: int, date: date, slot_id: int) -> Lesson:
    """Move one lesson to another date and slot of its term; the row keeps its marks and becomes "moved"."""
    lesson = _lesson_for_change(actor, lesson_id)
    _refuse_cancelled(lesson)
    term = lesson.term
    if not term.starts_on <= date <= term.ends_on:
        raise DomainError(DiaryCode.LESSON_DATE_OUTSIDE_TERM, _("The date is outside the lesson's term."), field="date")
    if date in _holiday_dates(term):
        raise DomainError(DiaryCode.LESSON_DATE_HOLIDAY, _("There are no lessons on a holiday."), field="date")
    slot = LessonSlot.objects.filter(pk=slot_id, school_id=lesson.school_class.school_id).first()
    if slot is None:
        raise DomainError(DiaryCode.INVALID_SLOT, _("No such lesson slot in the school."), field="slot_id")
    if (date, slot.pk) == (lesson.date, lesson.slot_id):
        raise DomainError(DiaryCode.LESSON_NOT_MOVED, _("The lesson is already at this date and slot."), field="date")
    # A whole-class lesson clashes with any lesson in the slot; a subgroup's only with its own or the whole class's.
    clash = (
        Lesson.objects.filter(school_class_id=lesson.school_class_id, date=date, slot=slot)
        .exclude(status=Lesson.Status.CANCELLED)
        .exclude(pk=lesson.pk)
    )
    if lesson.subgroup:
        clash = clash.filter(subgroup__in=["", lesson.subgroup])
    if clash.exists():
        raise DomainError(
            DiaryCode.LESSON_SLOT_OCCUPIED, _("The class already has a lesson in this slot."), field="slot_id"
        )
    if _teacher_busy(teacher_id=lesson.teacher_id, day=date, slot_id=slot.pk, exclude_pk=lesson.pk):
        raise DomainError(DiaryCode.TEACHER_BUSY, _("The teacher already has a lesson in this slot."), field="slot_id")
    from_date, from_slot = lesson.date, lesson.slot
    lesson.moved_from = lesson.moved_from or from_date
    lesson.date, lesson.slot, lesson.status = date, slot, Lesson.Status.MOVED
    try:
        with transaction.atomic():
            lesson.save(update_fields=["date", "moved_from", "slot", "status"])
    except IntegrityError:  # another move took the slot between the check and the write
        raise DomainError(
            DiaryCode.LESSON_SLOT_OCCUPIED, _("The class already has a lesson in this slot."), field="slot_id"
        ) from None
    record_event(
        actor=actor,
        action=MOVED,
        target=lesson,
        timetable_entry_id=lesson.timetable_entry_id,
        from_date=from_date.isoformat(),
        from_slot=from_slot.number,
        to_date=date.isoformat(),
        to_slot=slot.number,
    )
    return lesson


@transaction.atomic
def replace_lesson(*, actor: Any, lesson_id: int, subject_id: int, teacher_id: int) -> Lesson:
    """Give one lesson another subject and teacher (a substitution); the row becomes "replaced"."""
    lesson = _lesson_for_change(actor, lesson_id)
    _refuse_cancelled(lesson)
    school_id = lesson.school_class.school_id
    subject = Subject.objects.filter(pk=subject_id, school_id=school_id).first()
    if subject is None:
        raise DomainError(DiaryCode.INVALID_SUBJECT, _("No such subject in the school."), field="subject_id")
    teaches_here = StaffMember.objects.filter(
        school_id=school_id,
        account_id=teacher_id,
        account__is_active=True,
        role__in=[StaffMember.Role.TEACHER, StaffMember.Role.FORM_TUTOR],
    ).exists()
    if not teaches_here:
        raise DomainError(DiaryCode.INVALID_TEACHER, _("No such teacher in the school."), field="teacher_id")
    if (subject.pk, teacher_id) == (lesson.subject_id, lesson.teacher_id):
        raise DomainError(
            DiaryCode.LESSON_NOT_REPLACED, _("The lesson already has this subject and teacher."), field="subject_id"
        )
    if teacher_id != lesson.teacher_id and _teacher_busy(
        teacher_id=teacher_id, day=lesson.date, slot_id=lesson.slot_id, exclude_pk=lesson.pk
    ):
        raise DomainError(
            DiaryCode.TEACHER_BUSY, _("The teacher already has a lesson in this slot."), field="teacher_id"
        )
    old = {"subject_id": lesson.subject_id, "teacher_id": lesson.teacher_id}
    lesson.subject, lesson.teacher_id, lesson.status = subject, teacher_id, Lesson.Status.REPLACED
    lesson.save(update_fields=["subject", "teacher", "status"])
    record_event(
        actor=actor,
        action="diary.lesson_replaced",
        target=lesson,
        old=old,
        new={"subject_id": subject.pk, "teacher_id": teacher_id},
    )
    return lesson


@transaction.atomic
def set_lesson_topic(*, teacher: Any, lesson_id: int, topic: str) -> Lesson:
    """Set (or clear, with an empty topic) what the lesson was about."""
    lesson = access.require(
        teacher, "lesson.write", Lesson.objects.select_for_update(of=("self",)).filter(pk=lesson_id).first()
    )
    topic = " ".join(topic.split())
    if len(topic) > TOPIC_MAX_LENGTH:
        raise DomainError(DiaryCode.TOPIC_TOO_LONG, _("The topic is too long (at most 300 characters)."), field="topic")
    if topic != lesson.topic:
        old = lesson.topic
        lesson.topic = topic
        lesson.save(update_fields=["topic"])
        record_event(actor=teacher, action="diary.lesson_topic_set", target=lesson, old=old, new=topic)
    return lesson


PLANNED_NOTE_MAX_LENGTH = 200


@transaction.atomic
def set_lesson_plan(*, teacher: Any, lesson_id: int, kind: str, note: str) -> Lesson:
    """Announce (or, with an empty kind, withdraw) the work planned for the lesson: a test, a control work or an
    exam, with an optional note. The same people as the topic may; the family sees it on the week and the
    marks page until the lesson's day has passed."""
    lesson = access.require(
        teacher, "lesson.write", Lesson.objects.select_for_update(of=("self",)).filter(pk=lesson_id).first()
    )
    if kind not in {"", *Lesson.PlannedKind.values}:
        raise DomainError(
            DiaryCode.PLANNED_KIND, _("Choose a test, a control work or an exam (or nothing)."), field="kind"
        )
    note = " ".join(note.split()) if kind else ""
    if len(note) > PLANNED_NOTE_MAX_LENGTH:
        raise DomainError(
            DiaryCode.PLANNED_NOTE_TOO_LONG, _("The note is too long (at most 200 characters)."), field="note"
        )
    if (kind, note) != (lesson.planned_kind, lesson.planned_note):
        old = {"kind": lesson.planned_kind, "note": lesson.planned_note}
        lesson.planned_kind, lesson.planned_note = kind, note
        lesson.save(update_fields=["planned_kind", "planned_note"])
        record_event(
            actor=teacher, action="diary.lesson_plan_set", target=lesson, old=old, new={"kind": kind, "note": note}
        )
    return lesson
