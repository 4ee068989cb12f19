"""Trusted persons and subscriptions API: ``/trusted-persons`` (a guardian's side) and ``/subscriptions`` (the
invitee's «Подписки»).

Thin: each handler calls one service or selector. What the caller may not see is 404 (someone else's child
or invitation); a grant in a state that does not allow the action is 409 ``wrong_state``; inviting too fast
is 429 with ``Retry-After``. ``DELETE /trusted-persons/{id}`` answers 200 with the revoked grant, so a client
sees when and by whom it ended without another request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from pydantic import field_validator

from core.bounds import DbId, StudentId
from portal.oidc import api_auth
from portal.web import api_user
from trust import selectors, services
from trust.selectors import GrantRow, ViewRow

router = Router(tags=["trust"], auth=api_auth("trust"))


class SubscriptionOut(Schema):
    """An entry of the invitee's «Подписки»: a part of ``trust.selectors.GrantRow``.

    A schema of its own because it hides fields: what the guardian typed to find the invitee, when the
    invitation was made and expires, and the view log are the guardians' side of the grant.
    """

    id: int
    student_id: str | None  # only while the access is open: the diary / visits endpoints take it
    child_name: str
    class_name: str
    service: str
    service_label: str
    state: str
    state_label: str
    state_at: datetime
    opens_by: datetime | None
    ends_at: datetime | None
    ends_on: date | None
    inviter: str

    @field_validator("student_id")
    @classmethod
    def _hidden_is_null(cls, value: str | None) -> str | None:
        return value or None  # the selector's "" (not shown to the invitee) is null in the API


class InviteIn(Schema):
    student_id: StudentId
    service: str = Field(..., max_length=16)
    surname: str = Field(..., max_length=100)
    snils: str = Field("", max_length=32)  # any spelling: "123-456-789 01", "12345678901"
    phone: str = Field("", max_length=32)  # any spelling: "+7 916 000-00-01", "89160000001"
    ends_on: date | None = None


@router.get(
    "/trusted-persons",
    response=list[GrantRow],
    url_name="trusted_persons",
    summary="A guardian's invitations and grants: of one child, or of every child they guard",
)
def trusted_persons(request: HttpRequest, student_id: StudentId | None = None) -> list[GrantRow]:
    viewer = api_user(request)
    if student_id is None:
        return selectors.guarded_grants(viewer=viewer)
    _pupil, rows = selectors.student_grants(viewer=viewer, student_id=student_id)
    return rows


@router.post(
    "/trusted-persons",
    response={201: GrantRow},
    url_name="trusted_person_invite",
    summary="Invite a person named by surname and SNILS or mobile phone to read one child's service",
)
def invite(request: HttpRequest, payload: InviteIn) -> Any:
    viewer = api_user(request)
    (grant,) = services.invite_trusted_person(
        inviter=viewer,
        student_id=payload.student_id,
        services=[payload.service],
        surname=payload.surname,
        snils=payload.snils,
        phone=payload.phone,
        ends_on=payload.ends_on,
    )
    return Status(201, selectors.grant_row(viewer=viewer, grant_id=grant.pk))


@router.delete(
    "/trusted-persons/{grant_id}",
    response=GrantRow,
    url_name="trusted_person_revoke",
    summary="Revoke an invitation or a grant; it opens nothing from the next request on",
)
def revoke(request: HttpRequest, grant_id: DbId) -> GrantRow:
    viewer = api_user(request)
    services.revoke_grant(user=viewer, grant_id=grant_id)
    return selectors.grant_row(viewer=viewer, grant_id=grant_id)


@router.get(
    "/trusted-persons/{grant_id}/views",
    response=list[ViewRow],
    url_name="trusted_person_views",
    summary="When the trusted person of this grant read the child's data",
)
def grant_views(request: HttpRequest, grant_id: DbId) -> list[ViewRow]:
    services.flush_views()  # the reads noted in the spool first: the log is never behind
    return selectors.grant_views(viewer=api_user(request), grant_id=grant_id)


@router.get(
    "/students/{student_id}/trusted-views",
    response=list[ViewRow],
    url_name="student_trusted_views",
    summary="When each trusted person read the child's data (for the child's guardians)",
)
def student_views(request: HttpRequest, student_id: UUID) -> list[ViewRow]:
    services.flush_views()  # the reads noted in the spool first: the log is never behind
    return selectors.view_log(viewer=api_user(request), student_id=student_id)


@router.get(
    "/subscriptions",
    response=list[SubscriptionOut],
    url_name="subscriptions",
    summary="«Подписки»: invitations waiting for the caller's answer and the caller's own grants",
)
def subscriptions(request: HttpRequest) -> list[GrantRow]:
    return selectors.inbox(user=api_user(request))


def _answer(request: HttpRequest, grant_id: int, action: Callable[..., Any]) -> GrantRow:
    """Accept, decline or leave as the caller, then show the subscription as it now stands."""
    viewer = api_user(request)
    action(user=viewer, grant_id=grant_id)
    return selectors.subscription_row(user=viewer, grant_id=grant_id)


@router.post(
    "/subscriptions/{grant_id}/accept",
    response=SubscriptionOut,
    url_name="subscription_accept",
    summary="Accept an invitation: access opens within 24 hours",
)
def accept(request: HttpRequest, grant_id: DbId) -> GrantRow:
    return _answer(request, grant_id, services.accept_invitation)


@router.post(
    "/subscriptions/{grant_id}/decline",
    response=SubscriptionOut,
    url_name="subscription_decline",
    summary="Decline an invitation",
)
def decline(request: HttpRequest, grant_id: DbId) -> GrantRow:
    return _answer(request, grant_id, services.decline_invitation)


@router.post(
    "/subscriptions/{grant_id}/leave",
    response=SubscriptionOut,
    url_name="subscription_leave",
    summary="Give up a grant the caller holds",
)
def leave(request: HttpRequest, grant_id: DbId) -> GrantRow:
    return _answer(request, grant_id, services.leave_grant)
