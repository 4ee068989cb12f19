"""JSON API of the portal: the caller's own account."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date

from django.http import HttpRequest
from ninja import Router, Schema

from dnevnik.web import api_user
from portal import selectors
from registry import selectors as registry_selectors

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
    snils_verified: bool  # an unverified SNILS is only what the person typed
    birth_date: date | None
    is_minor: bool
    roles: list[str]
    children: list[ChildOut]


@router.get("/me", response=MeOut, url_name="me", summary="The caller's profile, roles and children")
def me(request: HttpRequest) -> MeOut:
    viewer = api_user(request)
    profile = selectors.account_profile(viewer=viewer)
    children = [asdict(student) for student in registry_selectors.linked_students(viewer=viewer)]
    return MeOut.model_validate({**asdict(profile), "children": children})
