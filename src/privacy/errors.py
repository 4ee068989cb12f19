"""The stable codes of the domain errors of «Мои данные»: the export and the consents given through it.

A code is the JSON ``code`` of an API answer: once released it does not change.
"""

from __future__ import annotations

from enum import StrEnum


class PrivacyCode(StrEnum):
    """Every code a ``DomainError`` of ``privacy`` carries; each member has a row in docs/errors.md."""

    EXPORT_NOT_FAILED = "export_not_failed"
    TERMS_VERSION_OUTDATED = "terms_version_outdated"
