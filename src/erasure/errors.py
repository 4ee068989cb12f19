"""The stable codes of the domain errors of retention and erasure. Once released a code does not change."""

from __future__ import annotations

from enum import StrEnum


class ErasureCode(StrEnum):
    """Every code a ``DomainError`` of ``erasure`` carries; each member has a row in docs/errors.md."""

    PASSWORD_WRONG = "deletion_password_wrong"  # noqa: S105 (a code, not a password)
    STAFF_ACCOUNT = "staff_account_not_deletable"
    REASON_REQUIRED = "erasure_reason_required"
    PUPIL_STUDYING = "pupil_still_studying"
