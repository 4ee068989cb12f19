"""The stable codes of the domain errors of notifications.

A code is the JSON ``code`` of an API answer: once released it does not change.
"""

from __future__ import annotations

from enum import StrEnum


class NotifyCode(StrEnum):
    """Every code a ``DomainError`` of ``notify`` carries; each member has a row in docs/errors.md."""

    UNKNOWN_NOTIFICATION_CHOICE = "unknown_notification_choice"
    PUSH_SUBSCRIPTION_INVALID = "push_subscription_invalid"
    DIGEST_TIME_INVALID = "digest_time_invalid"
