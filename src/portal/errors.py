"""The stable codes of the domain errors of the portal (accounts, contacts, codes, sign-in).

A code is the JSON ``code`` of an API answer: once released it does not change.
"""

from __future__ import annotations

from enum import StrEnum


class PortalCode(StrEnum):
    """Every code a ``DomainError`` of ``portal`` carries; each member has a row in docs/errors.md."""

    EMAIL_TAKEN = "email_taken"
    PHONE_TAKEN = "phone_taken"
    SNILS_TAKEN = "snils_taken"
    PASSWORD_WEAK = "password_weak"  # noqa: S105 (a code, not a password)
    CONTACT_UNCHANGED = "contact_unchanged"
    INVALID_CREDENTIALS = "invalid_credentials"
    PASSWORD_WRONG = "password_wrong"  # noqa: S105 (a code, not a password)
    SNILS_FORMAT = "snils_format"
    SNILS_CHECKSUM = "snils_checksum"
    PHONE_REQUIRED = "phone_required"
    PHONE_FORMAT = "phone_format"
    PHONE_NOT_MOBILE = "phone_not_mobile"
    NAME_REQUIRED = "name_required"
    NAME_TOO_LONG = "name_too_long"
    NAME_CHARACTERS = "name_characters"
    NAME_MIXED_SCRIPTS = "name_mixed_scripts"
    EMAIL_FORMAT = "email_format"
    BIRTH_DATE_FUTURE = "birth_date_future"
    BIRTH_DATE_TOO_OLD = "birth_date_too_old"
    CODE_RESEND_TOO_SOON = "code_resend_too_soon"
    CODE_HOURLY_LIMIT = "code_hourly_limit"
    CODE_MISSING = "code_missing"
    CODE_EXPIRED = "code_expired"
    CODE_ATTEMPTS_EXHAUSTED = "code_attempts_exhausted"
    CODE_WRONG = "code_wrong"
    CODE_TARGET_LIMIT = "code_target_limit"
    TOO_MANY_ATTEMPTS = "too_many_attempts"
    SECOND_FACTOR_WRONG = "second_factor_wrong"
    SECOND_FACTOR_EXPIRED = "second_factor_expired"
    SECOND_FACTOR_REQUIRED = "second_factor_required"
    TERMS_NOT_ACCEPTED = "terms_not_accepted"
