"""Reads of the portal that the web pages and the API share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

import access
from portal.identity import format_phone, format_snils
from portal.models import ClientConsent, User


@dataclass(frozen=True)
class AccountProfile:
    id: str  # the public, opaque id; never the database key
    surname: str
    given_name: str
    patronymic: str
    full_name: str
    email: str
    email_confirmed: bool
    phone: str
    phone_display: str
    phone_confirmed: bool
    snils: str | None
    snils_verified: bool  # a typed SNILS is only a claim until a trusted source verifies it
    snils_verified_by: str  # portal.models.SnilsSource, or "" while unverified
    birth_date: date | None
    is_minor: bool
    roles: list[str]


def account_roles(user: User) -> list[str]:
    """What the account is in the schools' registries (guardian, pupil, teacher…), plus operator."""
    from registry.models import StaffMember

    roles = set(StaffMember.objects.filter(account=user).values_list("role", flat=True))
    if access.related_pupils(user, access.Relation.GUARDIAN).exists():
        roles.add("guardian")
    if access.related_pupils(user, access.Relation.SELF).exists():
        roles.add("pupil")
    if user.is_staff:
        roles.add("operator")
    return sorted(roles)


def account_profile(*, viewer: User, account: User | None = None) -> AccountProfile:
    account = account or viewer
    access.require(viewer, "account.view", account)
    return AccountProfile(
        id=str(account.public_id),
        surname=account.surname,
        given_name=account.given_name,
        patronymic=account.patronymic,
        full_name=account.full_name,
        email=account.email,
        email_confirmed=account.email_confirmed,
        phone=account.phone,
        phone_display=format_phone(account.phone),
        phone_confirmed=account.phone_confirmed,
        snils=format_snils(account.snils) if account.snils else None,
        snils_verified=account.snils_verified,
        snils_verified_by=account.snils_verified_by if account.snils_verified else "",
        birth_date=account.birth_date,
        is_minor=account.is_minor,
        roles=account_roles(account),
    )


@dataclass(frozen=True)
class CatalogueService:
    slug: str
    title: str | Promise
    description: str | Promise
    url_name: str


def service_catalogue() -> list[CatalogueService]:
    return [
        CatalogueService(
            slug="diary",
            title=_("Electronic school diary"),
            description=_("Marks, homework, attendance and the timetable of your child or your own."),
            url_name="portal:service_diary",
        ),
    ]


@dataclass(frozen=True)
class ConsentRow:
    id: int
    application: str
    scopes: list[str | Promise]
    granted_at: datetime


def client_consents(*, viewer: User) -> list[ConsentRow]:
    descriptions = oauth2_settings.SCOPES
    return [
        ConsentRow(
            id=consent.pk,
            application=consent.application.name or consent.application.client_id,
            scopes=[descriptions.get(scope, scope) for scope in consent.scopes.split()],
            granted_at=consent.granted_at,
        )
        for consent in ClientConsent.objects.filter(user=viewer).select_related("application").order_by("-granted_at")
    ]
