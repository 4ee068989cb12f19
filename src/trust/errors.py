"""The stable codes of the domain errors of trusted persons (invitations and grants).

A code is the JSON ``code`` of an API answer: once released it does not change.
"""

from __future__ import annotations

from enum import StrEnum


class TrustCode(StrEnum):
    """Every code a ``DomainError`` of ``trust`` carries; each member has a row in docs/errors.md."""

    INVALID_SERVICE = "invalid_service"
    INVALID_END = "invalid_end"
    TOO_MANY_INVITATIONS = "too_many_invitations"
    MINOR_CANNOT_INVITE = "minor_cannot_invite"
    CONTACT_REQUIRED = "contact_required"
    CANNOT_INVITE_FAMILY = "cannot_invite_family"
    ALREADY_INVITED = "already_invited"
    TOO_MANY_GRANTS = "too_many_grants"
    WRONG_STATE = "wrong_state"
    MINOR_CANNOT_BE_TRUSTED = "minor_cannot_be_trusted"
    ALREADY_FAMILY = "already_family"
    ALREADY_TRUSTED = "already_trusted"
