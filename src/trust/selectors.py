"""Reads of the trusted-persons service: a child's list of grants for its guardians, the view log, and the
invitee's «Подписки».

A state is shown as it is *now*: an unanswered invitation past ``expires_at`` is ``expired`` and a grant
past its ``ends_at`` is ``ended`` even before the sweep has run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from uuid import UUID

from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

import access
from core.sms import mask_phone
from portal.identity import format_snils
from portal.models import User
from registry.models import Pupil
from trust.matching import invitations_for
from trust.models import Grant, View

State = Grant.State
ENDED = "ended"  # shown only: an active grant whose end date passed
RECENT = timedelta(days=30)


@dataclass(frozen=True)
class GrantRow:
    """One grant as the guardians' list, the invitee's «Подписки» and the API show it (times in Moscow time).

    ``GET /api/v1/trusted-persons`` answers these fields as they are, in this order; the invitee's
    ``/subscriptions`` answers a part of them (``trust.api.SubscriptionOut``).
    """

    id: int
    student_id: str  # the child's public id: for guardians always, for the invitee only while access is open
    child_name: str
    class_name: str
    service: str
    service_label: str
    state: str
    state_label: str
    state_at: datetime  # the time of the current state
    created_at: datetime
    expires_at: datetime
    opens_by: datetime | None
    ends_at: datetime | None  # the moment access stops (midnight after ``ends_on``)
    ends_on: date | None  # the last day of access, as the guardian chose it
    invitee: str  # surname and masked SNILS / phone as the guardian typed them
    invitee_name: str  # the account's full name once it has answered
    inviter: str
    last_viewed_at: datetime | None


@dataclass(frozen=True)
class ViewRow:
    """One read of a child's data by a trusted person, for the child's guardians."""

    viewed_at: datetime
    section: str
    grant_id: int
    service: str
    invitee: str
    invitee_name: str


def _local(moment: datetime | None) -> datetime | None:
    """Times are shown in Moscow time with the offset, like the diary's and the visits'."""
    return timezone.localtime(moment) if moment is not None else None


def _ends_on(ends_at: datetime | None) -> date | None:
    """The last day of access: an end date chosen as a day lasts until the midnight after it."""
    return timezone.localtime(ends_at - timedelta(microseconds=1)).date() if ends_at else None


def mask_snils(digits: str) -> str:
    return f"***-***-*** {format_snils(digits)[-2:]}"


def invitee_display(grant: Grant) -> str:
    contacts = [
        mask_snils(grant.invitee_snils) if grant.invitee_snils else "",
        mask_phone(grant.invitee_phone) if grant.invitee_phone else "",
    ]
    return ", ".join([grant.invitee_surname, *(contact for contact in contacts if contact)])


def shown_state(grant: Grant, now: datetime) -> tuple[str, str, datetime]:
    """The state, its label and its time as a person should see them at ``now``."""
    if grant.state == State.PENDING and grant.expires_at <= now:
        return State.EXPIRED, str(State.EXPIRED.label), grant.expires_at
    if grant.state in (State.ACTIVE, State.ACCEPTED) and grant.ends_at is not None and grant.ends_at <= now:
        return ENDED, str(_("the end date passed")), grant.ends_at
    if grant.state == State.EXPIRED and grant.end_reason == "end_date":
        return ENDED, str(_("the end date passed")), grant.ended_at or grant.created_at
    at = (
        {
            State.PENDING: grant.created_at,
            State.ACCEPTED: grant.answered_at,
            State.DECLINED: grant.answered_at,
            State.ACTIVE: grant.activated_at,
        }.get(State(grant.state))
        or grant.ended_at
        or grant.created_at
    )
    return grant.state, str(State(grant.state).label), at


def _row(grant: Grant, now: datetime, *, for_guardian: bool) -> GrantRow:
    state, label, at = shown_state(grant, now)
    pupil = grant.pupil
    show_id = for_guardian or state == State.ACTIVE
    return GrantRow(
        id=grant.pk,
        student_id=str(pupil.public_id) if show_id else "",
        child_name=pupil.full_name,
        class_name=str(pupil.school_class),
        service=grant.service,
        service_label=str(grant.get_service_display()),
        state=state,
        state_label=label,
        state_at=timezone.localtime(at),
        created_at=timezone.localtime(grant.created_at),
        expires_at=timezone.localtime(grant.expires_at),
        opens_by=_local(grant.opens_by),
        ends_at=_local(grant.ends_at),
        ends_on=_ends_on(grant.ends_at),
        invitee=invitee_display(grant),
        invitee_name=grant.invitee.full_name if grant.invitee_id and grant.invitee else "",
        inviter=grant.inviter.full_name,
        last_viewed_at=_local(getattr(grant, "last_viewed_at", None)),
    )


def _grants() -> QuerySet[Grant]:
    # The aggregate makes a GROUP BY query, which ignores ``Meta.ordering``: newest first must be asked again.
    return (
        Grant.objects.select_related("pupil__school_class", "inviter", "invitee")
        .annotate(last_viewed_at=Max("views__viewed_at"))
        .order_by("-created_at", "-pk")
    )


def _managed_pupil(viewer: User, student_id: UUID | str) -> Pupil:
    return access.require(
        viewer, "trust.manage", Pupil.objects.by_public_id(student_id).select_related("school_class").first()
    )


def student_grants(*, viewer: User, student_id: UUID | str) -> tuple[Pupil, list[GrantRow]]:
    """Every invitation and grant of the child, newest first, for any of its adult linked guardians."""
    pupil = _managed_pupil(viewer, student_id)
    now = timezone.now()
    return pupil, [_row(grant, now, for_guardian=True) for grant in _grants().filter(pupil=pupil)]


def guarded_grants(*, viewer: User) -> list[GrantRow]:
    """``student_grants`` of every child the viewer guards, in one query."""
    now = timezone.now()
    pupils = [pupil for pupil in invitable_children(user=viewer)]
    return [_row(grant, now, for_guardian=True) for grant in _grants().filter(pupil__in=pupils)]


def grant_row(*, viewer: User, grant_id: int) -> GrantRow:
    """One grant as its child's guardians see it."""
    grant = access.require(viewer, "grant.manage", _grants().filter(pk=grant_id).first())
    return _row(grant, timezone.now(), for_guardian=True)


def view_log(*, viewer: User, student_id: UUID | str, limit: int = 200) -> list[ViewRow]:
    """When each trusted person read the child's data, newest first."""
    pupil = _managed_pupil(viewer, student_id)
    return _views(View.objects.filter(grant__pupil=pupil), limit)


def grant_views(*, viewer: User, grant_id: int, limit: int = 200) -> list[ViewRow]:
    """The view log of one grant, for the child's guardians."""
    grant = access.require(viewer, "grant.manage", Grant.objects.select_related("pupil").filter(pk=grant_id).first())
    return _views(View.objects.filter(grant=grant), limit)


def _views(views: QuerySet[View], limit: int) -> list[ViewRow]:
    now = timezone.now()
    chosen = list(views.order_by("-viewed_at", "-pk")[:limit])
    rows = {
        grant.pk: _row(grant, now, for_guardian=True)
        for grant in _grants().filter(pk__in={view.grant_id for view in chosen})
    }
    return [
        ViewRow(
            viewed_at=timezone.localtime(view.viewed_at),
            section=view.section,
            grant_id=view.grant_id,
            service=rows[view.grant_id].service,
            invitee=rows[view.grant_id].invitee,
            invitee_name=rows[view.grant_id].invitee_name,
        )
        for view in chosen
    ]


def inbox(*, user: User) -> list[GrantRow]:
    """«Подписки»: invitations addressed to the user that still wait for an answer, and the user's own grants
    (live, or ended in the last 30 days). The child is shown by name and class only."""
    if not user.is_authenticated:
        return []
    now = timezone.now()
    waiting = Q(pk__in=[])
    if not user.is_minor:
        waiting = invitations_for(user) & Q(state=State.PENDING, invitee__isnull=True, expires_at__gt=now)
    own = Q(invitee=user) & (
        Q(state__in=(State.ACCEPTED, State.ACTIVE))
        | Q(ended_at__gte=now - RECENT)
        | Q(state=State.DECLINED, answered_at__gte=now - RECENT)
    )
    return [_row(grant, now, for_guardian=False) for grant in _grants().filter(waiting | own)]


def subscription_row(*, user: User, grant_id: int) -> GrantRow:
    """One entry of the user's «Подписки» (after an answer, for the API's reply)."""
    for row in inbox(user=user):
        if row.id == grant_id:
            return row
    grant = access.require(user, "subscription.answer", _grants().filter(pk=grant_id).first())
    return _row(grant, timezone.now(), for_guardian=False)


def invitable_children(*, user: User) -> list[Pupil]:
    """The children the user may invite trusted persons for: their linked children, none for a minor."""
    return list(access.guarded_pupils(user).select_related("school_class").order_by("birth_date", "pk"))
