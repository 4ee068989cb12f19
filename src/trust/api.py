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

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from portal.oidc import api_auth
from portal.web import api_user
from trust import selectors, services
from trust.selectors import GrantRow

router = Router(tags=["trust"], auth=api_auth("trust"))


class GrantOut(Schema):
    id: int
    student_id: str
    child_name: str
    class_name: str
    service: str
    service_label: str
    state: str
    state_label: str
    state_at: datetime
    created_at: datetime
    expires_at: datetime
    opens_by: datetime | None
    ends_at: datetime | None  # the moment access stops (midnight after ``ends_on``)
    ends_on: date | None  # the last day of access, as the guardian chose it
    invitee: str  # surname and masked SNILS / phone as the guardian typed them
    invitee_name: str  # the account's full name once it has answered
    inviter: str
    last_viewed_at: datetime | None


class SubscriptionOut(Schema):
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


class InviteIn(Schema):
    student_id: str
    service: str
    surname: str
    snils: str = ""
    phone: str = ""
    ends_on: date | None = None


class ViewOut(Schema):
    viewed_at: datetime
    section: str
    grant_id: int
    service: str
    invitee: str
    invitee_name: str


def _local(moment: datetime | None) -> datetime | None:
    """Times in the API are Moscow time with the offset, like the diary's and the visits'."""
    return timezone.localtime(moment) if moment is not None else None


def _grant(row: GrantRow) -> dict[str, Any]:
    grant = row.grant
    return {
        "id": grant.pk,
        "student_id": row.student_id,
        "child_name": row.child_name,
        "class_name": row.class_name,
        "service": grant.service,
        "service_label": row.service_label,
        "state": row.state,
        "state_label": row.state_label,
        "state_at": _local(row.at),
        "created_at": _local(grant.created_at),
        "expires_at": _local(grant.expires_at),
        "opens_by": _local(row.opens_by),
        "ends_at": _local(row.ends_at),
        "ends_on": row.ends_on,
        "invitee": row.invitee_display,
        "invitee_name": row.invitee_name,
        "inviter": row.inviter_name,
        "last_viewed_at": _local(row.last_viewed_at),
    }


def _subscription(row: GrantRow) -> dict[str, Any]:
    return {
        "id": row.grant.pk,
        "student_id": row.student_id or None,
        "child_name": row.child_name,
        "class_name": row.class_name,
        "service": row.grant.service,
        "service_label": row.service_label,
        "state": row.state,
        "state_label": row.state_label,
        "state_at": _local(row.at),
        "opens_by": _local(row.opens_by),
        "ends_at": _local(row.ends_at),
        "ends_on": row.ends_on,
        "inviter": row.inviter_name,
    }


def _views(rows: list[tuple[Any, GrantRow]]) -> list[dict[str, Any]]:
    return [
        {
            "viewed_at": _local(view.viewed_at),
            "section": view.section,
            "grant_id": row.grant.pk,
            "service": row.grant.service,
            "invitee": row.invitee_display,
            "invitee_name": row.invitee_name,
        }
        for view, row in rows
    ]


@router.get(
    "/trusted-persons",
    response=list[GrantOut],
    url_name="trusted_persons",
    summary="A guardian's invitations and grants: of one child, or of every child they guard",
)
def trusted_persons(request: HttpRequest, student_id: str | None = None) -> Any:
    viewer = api_user(request)
    if student_id is None:
        return [_grant(row) for row in selectors.guarded_grants(viewer=viewer)]
    _pupil, rows = selectors.student_grants(viewer=viewer, student_id=student_id)
    return [_grant(row) for row in rows]


@router.post(
    "/trusted-persons",
    response={201: GrantOut},
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
    return Status(201, _grant(selectors.grant_row(viewer=viewer, grant_id=grant.pk)))


@router.delete(
    "/trusted-persons/{grant_id}",
    response=GrantOut,
    url_name="trusted_person_revoke",
    summary="Revoke an invitation or a grant; it opens nothing from the next request on",
)
def revoke(request: HttpRequest, grant_id: int) -> Any:
    viewer = api_user(request)
    services.revoke_grant(user=viewer, grant_id=grant_id)
    return _grant(selectors.grant_row(viewer=viewer, grant_id=grant_id))


@router.get(
    "/trusted-persons/{grant_id}/views",
    response=list[ViewOut],
    url_name="trusted_person_views",
    summary="When the trusted person of this grant read the child's data",
)
def grant_views(request: HttpRequest, grant_id: int) -> Any:
    return _views(selectors.grant_views(viewer=api_user(request), grant_id=grant_id))


@router.get(
    "/students/{student_id}/trusted-views",
    response=list[ViewOut],
    url_name="student_trusted_views",
    summary="When each trusted person read the child's data (for the child's guardians)",
)
def student_views(request: HttpRequest, student_id: str) -> Any:
    return _views(selectors.view_log(viewer=api_user(request), student_id=student_id))


@router.get(
    "/subscriptions",
    response=list[SubscriptionOut],
    url_name="subscriptions",
    summary="«Подписки»: invitations waiting for the caller's answer and the caller's own grants",
)
def subscriptions(request: HttpRequest) -> Any:
    return [_subscription(row) for row in selectors.inbox(user=api_user(request))]


def _answer(request: HttpRequest, grant_id: int, action: Callable[..., Any]) -> dict[str, Any]:
    """Accept, decline or leave as the caller, then show the subscription as it now stands."""
    viewer = api_user(request)
    action(user=viewer, grant_id=grant_id)
    return _subscription(selectors.subscription_row(user=viewer, grant_id=grant_id))


@router.post(
    "/subscriptions/{grant_id}/accept",
    response=SubscriptionOut,
    url_name="subscription_accept",
    summary="Accept an invitation: access opens within 24 hours",
)
def accept(request: HttpRequest, grant_id: int) -> Any:
    return _answer(request, grant_id, services.accept_invitation)


@router.post(
    "/subscriptions/{grant_id}/decline",
    response=SubscriptionOut,
    url_name="subscription_decline",
    summary="Decline an invitation",
)
def decline(request: HttpRequest, grant_id: int) -> Any:
    return _answer(request, grant_id, services.decline_invitation)


@router.post(
    "/subscriptions/{grant_id}/leave",
    response=SubscriptionOut,
    url_name="subscription_leave",
    summary="Give up a grant the caller holds",
)
def leave(request: HttpRequest, grant_id: int) -> Any:
    return _answer(request, grant_id, services.leave_grant)
