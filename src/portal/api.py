"""JSON API of the portal: the caller's own account."""

from __future__ import annotations

from datetime import date
from typing import cast

from django.http import HttpRequest
from ninja import Router, Schema

from portal import selectors
from portal.models import User

router = Router(tags=["account"])


class ChildOut(Schema):
    student_id: str
    full_name: str
    school: str
    class_name: str
    relation: str
    services: list[str]


class MeOut(Schema):
    id: str
    surname: str
    given_name: str
    patronymic: str
    full_name: str
    email: str
    email_confirmed: bool
    phone: str
    phone_confirmed: bool
    snils: str | None
    birth_date: date | None
    is_minor: bool
    roles: list[str]
    children: list[ChildOut]


@router.get("/me", response=MeOut, url_name="me", summary="The caller's profile, roles and children")
def me(request: HttpRequest) -> MeOut:
    profile = selectors.account_profile(viewer=cast(User, request.auth))  # type: ignore[attr-defined]
    return MeOut(
        id=profile.public_id,
        surname=profile.surname,
        given_name=profile.given_name,
        patronymic=profile.patronymic,
        full_name=profile.full_name,
        email=profile.email,
        email_confirmed=profile.email_confirmed,
        phone=profile.phone,
        phone_confirmed=profile.phone_confirmed,
        snils=profile.snils,
        birth_date=profile.birth_date,
        is_minor=profile.is_minor,
        roles=profile.roles,
        # Students become visible through registry links, which arrive with the registry.
        children=[],
    )
