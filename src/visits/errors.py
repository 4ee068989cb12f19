"""The stable codes of the domain errors of visits and meals (the ingest API, balance thresholds).

A code is the JSON ``code`` of an API answer: once released it does not change.
"""

from __future__ import annotations

from enum import StrEnum


class VisitsCode(StrEnum):
    """Every code a ``DomainError`` of ``visits`` carries; each member has a row in docs/errors.md."""

    BATCH_TOO_LARGE = "batch_too_large"
    INVALID_THRESHOLD = "invalid_threshold"
