"""The stable codes of the domain errors of the diary (lessons, homework, marks, attendance).

A code is the JSON ``code`` of an API answer: once released it does not change.
"""

from __future__ import annotations

from enum import StrEnum


class DiaryCode(StrEnum):
    """Every code a ``DomainError`` of ``diary`` carries; each member has a row in docs/errors.md."""

    CLASS_NOT_IN_SCHOOL = "class_not_in_school"
    LESSON_CANCELLED = "lesson_cancelled"
    LESSON_DATE_OUTSIDE_TERM = "lesson_date_outside_term"
    LESSON_DATE_HOLIDAY = "lesson_date_holiday"
    INVALID_SLOT = "invalid_slot"
    LESSON_NOT_MOVED = "lesson_not_moved"
    LESSON_SLOT_OCCUPIED = "lesson_slot_occupied"
    TEACHER_BUSY = "teacher_busy"
    INVALID_SUBJECT = "invalid_subject"
    INVALID_TEACHER = "invalid_teacher"
    LESSON_NOT_REPLACED = "lesson_not_replaced"
    TOPIC_TOO_LONG = "topic_too_long"
    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    ATTACHMENT_EMPTY = "attachment_empty"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_TYPE = "attachment_type"
    INVALID_DUE_LESSON = "invalid_due_lesson"
    HOMEWORK_TEXT_REQUIRED = "homework_text_required"
    HOMEWORK_TEXT_TOO_LONG = "homework_text_too_long"
    INVALID_TERM = "invalid_term"
    PUPIL_NOT_IN_CLASS = "pupil_not_in_class"
    DUPLICATE_PUPIL = "duplicate_pupil"
    INVALID_ATTENDANCE_STATUS = "invalid_attendance_status"
    LATE_MINUTES_REQUIRED = "late_minutes_required"
    LATE_MINUTES_OUT_OF_RANGE = "late_minutes_out_of_range"
    LATE_MINUTES_NOT_ALLOWED = "late_minutes_not_allowed"
    COMMENT_TOO_LONG = "comment_too_long"
    MARKS_STALE = "marks_stale"
    MARK_DUPLICATE = "mark_duplicate"
    MARK_VALUE = "mark_value"
    MARK_WEIGHT = "mark_weight"
    MARK_KIND = "mark_kind"
    MARK_COMMENT = "mark_comment"
    MARK_SCALE = "mark_scale"
    FINAL_VALUE = "final_value"
    ABSENCE_REASON = "absence_reason"
    ABSENCE_COMMENT_TOO_LONG = "absence_comment_too_long"
    ABSENCE_DATE_PAST = "absence_date_past"
    ABSENCE_DATE_TOO_FAR = "absence_date_too_far"
    ABSENCE_PERIOD_REVERSED = "absence_period_reversed"
    ABSENCE_TOO_LONG = "absence_too_long"
    ABSENCE_LESSONS_ONE_DAY = "absence_lessons_one_day"
    ABSENCE_LESSON_NOT_OF_DAY = "absence_lesson_not_of_day"
    ABSENCE_OVERLAPS = "absence_overlaps"
    ABSENCE_NOTE_STARTED = "absence_note_started"
    ABSENCE_NOTE_WITHDRAWN = "absence_note_withdrawn"
