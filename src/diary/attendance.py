"""Writes of attendance: the teacher marks who was absent or late at their lesson.

No row means present, so marking a pupil present removes their row. A whole lesson's entries are
checked first and written together: one bad entry and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import access
from audit.services import record_event
from core.errors import DomainError
from diary import versions
from diary.errors import DiaryCode
from diary.models import Attendance, Lesson
from diary.notifications import ABSENCE, announce
from registry.models import Pupil

LATE_MINUTES_MIN = 1
LATE_MINUTES_MAX = 45
COMMENT_MAX_LENGTH = 300


@dataclass
class AttendanceInput:
    """One pupil's attendance at a lesson as the teacher entered it; ``status`` None means present."""

    pupil_id: int
    status: str | None
    late_minutes: int | None = None
    comment: str = ""


def _check_entries(lesson: Lesson, entries: Sequence[AttendanceInput]) -> None:
    in_class = set(
        Pupil.objects.filter(
            pk__in=[entry.pupil_id for entry in entries], school_class_id=lesson.school_class_id
        ).values_list("pk", flat=True)
    )
    seen: set[int] = set()
    for i, entry in enumerate(entries):

        def fail(code: DiaryCode, message: Any, field: str, i: int = i) -> DomainError:
            return DomainError(code, message, field=f"entries[{i}].{field}")

        if entry.pupil_id not in in_class:
            raise fail(DiaryCode.PUPIL_NOT_IN_CLASS, _("The pupil is not in the lesson's class."), "pupil_id")
        if entry.pupil_id in seen:
            raise fail(DiaryCode.DUPLICATE_PUPIL, _("The pupil is listed twice."), "pupil_id")
        seen.add(entry.pupil_id)
        if entry.status is not None and entry.status not in Attendance.Status.values:
            raise fail(DiaryCode.INVALID_ATTENDANCE_STATUS, _("Unknown attendance status."), "status")
        minutes = entry.late_minutes
        if entry.status == Attendance.Status.LATE:
            if minutes is None:
                raise fail(DiaryCode.LATE_MINUTES_REQUIRED, _("Say how many minutes late."), "late_minutes")
            if (
                isinstance(minutes, bool)
                or not isinstance(minutes, int)
                or not (LATE_MINUTES_MIN <= minutes <= LATE_MINUTES_MAX)
            ):
                raise fail(DiaryCode.LATE_MINUTES_OUT_OF_RANGE, _("Late is from 1 to 45 minutes."), "late_minutes")
        elif minutes is not None:
            raise fail(
                DiaryCode.LATE_MINUTES_NOT_ALLOWED, _("Minutes late are only for a pupil who was late."), "late_minutes"
            )
        if len(entry.comment) > COMMENT_MAX_LENGTH:
            raise fail(DiaryCode.COMMENT_TOO_LONG, _("The comment is too long (at most 300 characters)."), "comment")


@transaction.atomic
def set_lesson_attendance(*, teacher: Any, lesson_id: int, entries: Sequence[AttendanceInput]) -> list[Attendance]:
    """Record the absences and lateness of a lesson's pupils listed in ``entries``; pupils not listed stay
    as they were. Returns the rows of the listed pupils who were not present, in the order given."""
    lesson = access.require(
        teacher, "lesson.write", Lesson.objects.select_for_update(of=("self",)).filter(pk=lesson_id).first()
    )
    if lesson.status == Lesson.Status.CANCELLED:
        raise DomainError(DiaryCode.LESSON_CANCELLED, _("The lesson is cancelled."))
    _check_entries(lesson, entries)

    existing = {
        row.pupil_id: row
        for row in Attendance.objects.filter(lesson=lesson, pupil_id__in=[entry.pupil_id for entry in entries])
    }
    now = timezone.now()
    to_create: list[Attendance] = []
    to_update: list[Attendance] = []
    to_delete: list[int] = []
    changes: list[dict[str, Any]] = []
    result: list[Attendance] = []
    for entry in entries:
        row = existing.get(entry.pupil_id)
        comment = entry.comment.strip()
        if entry.status is None:
            if row is not None:
                to_delete.append(row.pk)
                changes.append({"pupil_id": entry.pupil_id, "old": row.status, "new": None})
            continue
        if row is None:
            row = Attendance(
                lesson=lesson,
                pupil_id=entry.pupil_id,
                status=entry.status,
                late_minutes=entry.late_minutes,
                comment=comment,
                recorded_by=teacher,
                recorded_at=now,
            )
            to_create.append(row)
            changes.append({"pupil_id": entry.pupil_id, "old": None, "new": entry.status})
        elif (row.status, row.late_minutes, row.comment) != (entry.status, entry.late_minutes, comment):
            changes.append({"pupil_id": entry.pupil_id, "old": row.status, "new": entry.status})
            row.status, row.late_minutes, row.comment = entry.status, entry.late_minutes, comment
            row.recorded_by, row.recorded_at = teacher, now
            row.absence_note = None  # the teacher's mark now, not the family's note: a withdrawal keeps it
            to_update.append(row)
        result.append(row)
    if to_delete:
        Attendance.objects.filter(pk__in=to_delete).delete()
    if to_update:
        Attendance.objects.bulk_update(
            to_update, ["status", "late_minutes", "comment", "recorded_by", "recorded_at", "absence_note"]
        )
    if to_create:
        Attendance.objects.bulk_create(to_create)
    if changes:  # the cached reads of these pupils (diary.versions)
        versions.changed(pupils={change["pupil_id"] for change in changes})
    if changes:
        record_event(actor=teacher, action="diary.attendance_set", target=lesson, changes=changes)
        announce(
            event=ABSENCE,
            lesson_id=lesson.pk,
            pupil_ids=[change["pupil_id"] for change in changes if change["new"] is not None],
        )
    return result
