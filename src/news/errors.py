"""The stable codes of the domain errors of announcements.

A code is the JSON ``code`` of an API answer: once released it does not change.
"""

from __future__ import annotations

from enum import StrEnum


class NewsCode(StrEnum):
    """Every code a ``DomainError`` of ``news`` carries; each member has a row in docs/errors.md."""

    TITLE_REQUIRED = "announcement_title_required"
    TITLE_TOO_LONG = "announcement_title_too_long"
    BODY_REQUIRED = "announcement_body_required"
    BODY_TOO_LONG = "announcement_body_too_long"
    AUDIENCE_REQUIRED = "announcement_audience_required"
    CLASS_NOT_ALLOWED = "announcement_class_not_allowed"
    GRADES_NOT_ALLOWED = "announcement_grades_not_allowed"
    GRADE_INVALID = "announcement_grade_invalid"
    SCHOOL_NOT_ALLOWED = "announcement_school_not_allowed"
    CONFIRMATION_NOT_REQUESTED = "announcement_confirmation_not_requested"
    ALREADY_REMINDED = "announcement_already_reminded"
