"""JSON API of the portal: the caller's own account.

A token sees only the fields its scopes grant (``FIELD_SCOPES``); a field not granted is left out of the
answer, not sent empty, so "not allowed" never reads as "not filled in". The web session sees everything.
``children`` names children, so it needs a scope of a child's service (``diary.read`` or
``visits.read``), and each child lists only the services the token may read.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema

from access import DIARY, VISITS_MEALS
from portal import selectors
from portal.oidc import api_auth, token_scopes
from portal.selectors import LinkedStudent
from portal.web import api_user

router = Router(tags=["account"], auth=api_auth("openid"))

# The scope that shows each field of /me to a token; ``id`` comes with ``openid`` itself.
FIELD_SCOPES = {
    "id": "openid",
    "surname": "profile",
    "given_name": "profile",
    "patronymic": "profile",
    "full_name": "profile",
    "birth_date": "profile",
    "is_minor": "profile",
    "roles": "profile",
    "email": "email",
    "email_confirmed": "email",
    "phone": "phone",
    "phone_confirmed": "phone",
}
# The scope of each service a child is listed with under ``children``.
SERVICE_SCOPES = {DIARY: "diary.read", VISITS_MEALS: "visits.read"}


def field_scope(name: str) -> str | None:
    """None for ``children``, which follows the services (``SERVICE_SCOPES``)."""
    if name.startswith("snils"):  # the number and whatever is said about it
        return "snils"
    if name == "children":
        return None
    return FIELD_SCOPES[name]


# A schema of its own, not the selector's dataclass (``portal.selectors.AccountProfile``), because it hides
# fields: the token's scopes decide which are shown, so each is optional here and the
# answer leaves out those never set (``exclude_unset``); ``phone_display`` and ``snils_verified_by`` are for
# the web pages only. The children are the portal selectors' own ``LinkedStudent``.
class MeOut(Schema):
    """Every field but ``id`` is left out when the token's scopes do not grant it."""

    id: str
    surname: str | None = None
    given_name: str | None = None
    patronymic: str | None = None
    full_name: str | None = None
    email: str | None = None
    email_confirmed: bool | None = None
    phone: str | None = None
    phone_confirmed: bool | None = None
    snils: str | None = None
    snils_verified: bool | None = None  # an unverified SNILS is only what the person typed
    birth_date: date | None = None
    is_minor: bool | None = None
    roles: list[str] | None = None
    children: list[LinkedStudent] | None = None


def _children(viewer: Any, scopes: frozenset[str] | None) -> list[LinkedStudent] | None:
    if scopes is not None and not scopes & set(SERVICE_SCOPES.values()):
        return None
    children = selectors.linked_students(viewer=viewer)
    if scopes is None:
        return children
    granted = []
    for child in children:
        services = [service for service in child.services if SERVICE_SCOPES.get(service) in scopes]
        if services:
            granted.append(replace(child, services=services))
    return granted


@router.get(
    "/me",
    response=MeOut,
    url_name="me",
    exclude_unset=True,
    summary="The caller's profile, roles and children, as far as the token's scopes go",
)
def me(request: HttpRequest) -> MeOut:
    viewer = api_user(request)
    scopes = token_scopes(request)
    profile = asdict(selectors.account_profile(viewer=viewer))
    fields = {
        name: value
        for name, value in profile.items()
        if name in MeOut.model_fields and (scopes is None or field_scope(name) in scopes)
    }
    children = _children(viewer, scopes)
    if children is not None:
        fields["children"] = children
    return MeOut.model_validate(fields)
