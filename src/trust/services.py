"""Writes of the trusted-persons service: invite, answer, activate, revoke, leave, and the view log."""

from __future__ import annotations

from trust.models import View


def record_view(*, grant_id: int, section: str) -> None:
    """A trusted person read the child's data through ``grant_id`` (called by ``access.get_student``)."""
    View.objects.create(grant_id=grant_id, section=section)
