"""The stable codes of the domain errors of the school registry (linking accounts to records, imports).

A code is the JSON ``code`` of an API answer: once released it does not change.
"""

from __future__ import annotations

from enum import StrEnum


class RegistryCode(StrEnum):
    """Every code a ``DomainError`` of ``registry`` carries; each member has a row in docs/errors.md."""

    SEPARATE_ACCOUNTS = "separate_accounts"
    LINK_EXISTS = "link_exists"
    ALREADY_PUPIL = "already_pupil"
    CONTACTS_UNCONFIRMED = "contacts_unconfirmed"
    BIRTH_DATE_REQUIRED = "birth_date_required"
    MINOR_GUARDIAN = "minor_guardian"
    SCHOOL_UNKNOWN = "school_unknown"
    CHILD_REQUIRED = "child_required"
    KIND_UNKNOWN = "kind_unknown"
    LINK_REQUEST_DECIDED = "link_request_decided"
    GUARDIAN_RECORD_MISSING = "guardian_record_missing"
    ALREADY_LINKED = "already_linked"
    PUPIL_REQUIRED = "pupil_required"
    REASON_REQUIRED = "reason_required"
    IMPORT_REJECTED = "import_rejected"
    SNILS_MISSING = "snils_missing"
    SNILS_MISMATCH = "snils_mismatch"
    DOCUMENT_REQUIRED = "document_required"
    RESTRICTION_DATES = "restriction_dates"
    RESTRICTION_OVER = "restriction_over"
