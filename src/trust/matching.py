"""Which accounts an invitation names: the surname (case-insensitive, ё = е) **and** a *verified* SNILS
or a *confirmed* phone. Never one of them alone, so knowing a SNILS or a phone is not enough to receive
someone's invitation; and a SNILS merely typed into a profile names nobody (anyone can type one).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from portal.identity import name_key as surname_key
from portal.models import User


def invitations_for(user: Any) -> Q:
    """A filter on ``Grant`` selecting the invitations addressed to ``user`` (whatever their state)."""
    by_contact = Q(pk__in=[])
    if user.verified_snils:
        by_contact |= Q(invitee_snils=user.verified_snils)
    if user.phone and user.phone_confirmed_at is not None:
        by_contact |= Q(invitee_phone=user.phone)
    return Q(invitee_surname_key=surname_key(user.surname)) & by_contact


def is_addressed_to(grant: Any, user: Any) -> bool:
    if surname_key(user.surname) != grant.invitee_surname_key:
        return False
    return bool(
        (user.verified_snils and grant.invitee_snils == user.verified_snils)
        or (user.phone_confirmed_at is not None and user.phone and grant.invitee_phone == user.phone)
    )


def addressees(grant: Any) -> list[Any]:
    """The active accounts the invitation names right now (the other direction of ``invitations_for``)."""
    by_contact = Q(pk__in=[])
    if grant.invitee_snils:
        by_contact |= Q(snils=grant.invitee_snils, snils_verified_at__isnull=False)
    if grant.invitee_phone:
        by_contact |= Q(phone=grant.invitee_phone, phone_confirmed_at__isnull=False)
    return [user for user in User.objects.filter(by_contact, is_active=True) if is_addressed_to(grant, user)]
