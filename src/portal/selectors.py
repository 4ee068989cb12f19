"""Reads of the portal that the web pages and the API share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise
from oauth2_provider.settings import oauth2_settings

import access
from portal import signals
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


@dataclass(frozen=True)
class Panel:
    """A part of the cabinet that an app above the portal fills (``signals.cabinet_panels_asked``): the
    template to include and its context."""

    template: str
    context: dict[str, Any]


def cabinet_panels(user: User) -> list[Panel]:
    """The panels the apps above the portal show on the account's cabinet, in the receivers' order."""
    found = signals.cabinet_panels_asked.send(sender=User, account=user)
    return [cast(Panel, panel) for _receiver, panel in found if panel is not None]


def account_roles(user: User) -> list[str]:
    """What the account is in the schools' registries (guardian, pupil, teacher…), plus operator.

    The registry knows the first part and the portal may not import it: it answers
    ``signals.account_roles_asked``."""
    roles: set[str] = set()
    for _receiver, found in signals.account_roles_asked.send(sender=User, account=user):
        roles |= cast("set[str]", found)  # the stubs type a receiver's answer as a string
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


RELATION_LABELS: dict[str, StrOrPromise] = {
    "self": _("your own record"),
    "guardian": _("you are a guardian"),
    "trusted": _("you are a trusted person"),
}


@dataclass(frozen=True)
class LinkedStudent:
    """A student the person sees, as ``GET /api/v1/me`` lists it under ``children``."""

    student_id: str  # the pupil's public id
    full_name: str
    school: str
    class_name: str
    relation: str  # "guardian" | "self" | "trusted"
    services: list[str]

    @property
    def relation_label(self) -> StrOrPromise:
        return RELATION_LABELS.get(self.relation, self.relation)


def linked_students(*, viewer: User) -> list[LinkedStudent]:
    """Every student ``viewer`` may see, as ``access.visible_students`` decides (two queries); the pupils'
    names, schools and classes are read from the records ``access`` returns."""
    return [
        LinkedStudent(
            student_id=str(visible.pupil.public_id),
            full_name=visible.pupil.full_name,
            school=visible.pupil.school.name,
            class_name=str(visible.pupil.school_class),
            relation=visible.relation,
            services=list(visible.services),
        )
        for visible in access.visible_students(viewer)
    ]


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
