"""Grants made directly in the database, for tests of what a grant opens (not of how one is made:
``tests/trust`` goes through the services and the API for that)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from portal.models import User
from registry.models import Guardian, Pupil
from trust.matching import surname_key
from trust.models import Grant


def make_grant(pupil: Pupil, invitee: User, service: str, *, state: str = Grant.State.ACTIVE, **extra: Any) -> Grant:
    guardian = Guardian.objects.filter(pupil=pupil, account__isnull=False).select_related("account").first()
    assert guardian is not None, "the pupil needs a linked guardian"
    assert guardian.account is not None
    now = timezone.now()
    fields: dict[str, Any] = {
        "pupil": pupil,
        "service": service,
        "inviter": guardian.account,
        "guardian": guardian,
        "invitee_surname": invitee.surname,
        "invitee_surname_key": surname_key(invitee.surname),
        "invitee_phone": invitee.phone,
        "state": state,
        "expires_at": now + timedelta(days=30),
    }
    if state != Grant.State.PENDING:
        fields.update(invitee=invitee, answered_at=now, opens_by=now + timedelta(hours=24))
    if state == Grant.State.ACTIVE:
        fields["activated_at"] = now
    fields.update(extra)
    return Grant.objects.create(**fields)
