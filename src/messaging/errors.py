"""The stable codes of the domain errors of messages. Once released a code does not change."""

from __future__ import annotations

from enum import StrEnum


class MessagingCode(StrEnum):
    """Every code a ``DomainError`` of ``messaging`` carries; each member has a row in docs/errors.md."""

    MESSAGE_TEXT_REQUIRED = "message_text_required"
    MESSAGE_TEXT_TOO_LONG = "message_text_too_long"
    INVALID_RECIPIENT = "invalid_recipient"
    MUTED = "muted"
    EDIT_WINDOW_CLOSED = "edit_window_closed"
    MESSAGE_WITHDRAWN = "message_withdrawn"
    NOT_MUTABLE = "not_mutable"
    REQUEST_REFERENCE_REQUIRED = "request_reference_required"
    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    ATTACHMENT_EMPTY = "attachment_empty"
    ATTACHMENT_TOO_LARGE = "attachment_too_large"
    ATTACHMENT_TYPE = "attachment_type"
