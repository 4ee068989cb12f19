"""Reads of the registry that the cabinet, the API and the back office share."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.db.models import QuerySet
from django_stubs_ext import StrOrPromise

import access
from portal.models import User
from portal.selectors import LinkedStudent, linked_students
from registry.matching import difference_message
from registry.models import LinkRequest, School, StaffMember


@dataclass(frozen=True)
class Problem:
    """One difference the person is told about: its field code and what to do (no registry value)."""

    code: str
    message: StrOrPromise


@dataclass(frozen=True)
class LinkRequestRow:
    """One of the person's own requests, with only what they typed and what they may learn."""

    id: int
    kind: str
    kind_label: StrOrPromise
    school: str
    child_name: str
    child_birth_date: date | None
    state: str
    state_label: StrOrPromise
    created_at: datetime
    decided_at: datetime | None
    reason: str
    problems: list[Problem] = field(default_factory=list)


def _row(request: LinkRequest) -> LinkRequestRow:
    child = " ".join(
        part for part in (request.child_surname, request.child_given_name, request.child_patronymic) if part
    )
    pending = request.state == LinkRequest.State.PENDING
    return LinkRequestRow(
        id=request.pk,
        kind=request.kind,
        kind_label=request.get_kind_display(),
        school=request.school.name,
        child_name=child,
        child_birth_date=request.child_birth_date,
        state=request.state,
        state_label=request.get_state_display(),
        created_at=request.created_at,
        decided_at=request.decided_at,
        reason=request.reason if request.state == LinkRequest.State.REJECTED else "",
        problems=[Problem(code=code, message=difference_message(code)) for code in request.differences]
        if pending
        else [],
    )


@dataclass(frozen=True)
class SchoolLinks:
    """The cabinet's «Передайте свои данные в школу»: links in place and the person's requests."""

    contacts_confirmed: bool
    birth_date_given: bool
    students: list[LinkedStudent]
    requests: list[LinkRequestRow]

    @property
    def pending(self) -> list[LinkRequestRow]:
        return [row for row in self.requests if row.state == LinkRequest.State.PENDING]


def school_links(*, viewer: User) -> SchoolLinks:
    """The person's own links and requests, in three queries whatever their number."""
    requests = (
        LinkRequest.objects.filter(account=viewer).select_related("school", "account").order_by("-created_at", "-pk")
    )
    return SchoolLinks(
        contacts_confirmed=viewer.contacts_confirmed,
        birth_date_given=viewer.birth_date is not None,
        students=linked_students(viewer=viewer),
        requests=[_row(request) for request in requests if access.can(viewer, "link_request.view", request)],
    )


def school_choices() -> QuerySet[School]:
    return School.objects.order_by("name")


def link_queue(*, registrar: User, school_id: int | None = None) -> QuerySet[LinkRequest]:
    """Pending requests of the schools ``registrar`` keeps (one of them with ``school_id``), oldest first."""
    schools = access.registrar_school_ids(registrar)
    if school_id is not None:
        schools &= {school_id}
    return (
        LinkRequest.objects.filter(school_id__in=schools, state=LinkRequest.State.PENDING)
        .select_related("account", "school", "pupil", "guardian")
        .order_by("created_at", "pk")
    )


def link_request_for_registrar(*, registrar: User, request_id: int) -> LinkRequest:
    """One request of the registrar's school, ready for ``linking.pending_differences``; else ``NotFound``."""
    found = LinkRequest.objects.select_related("account", "school", "pupil", "guardian").filter(pk=request_id)
    return access.require(registrar, "registry.manage", found.first())


def account_roles(*, account: User) -> set[str]:
    """What the account is in the schools' registries: guardian, pupil, and its staff roles (teacher…).

    The registry's answer to ``portal.signals.account_roles_asked`` (connected in ``RegistryConfig.ready``).
    """
    roles = set(StaffMember.objects.filter(account=account).values_list("role", flat=True))
    if access.related_pupils(account, access.Relation.GUARDIAN).exists():
        roles.add("guardian")
    if access.related_pupils(account, access.Relation.SELF).exists():
        roles.add("pupil")
    return roles


def quiet_hours(*, school_id: int) -> tuple[time, time] | None:
    """The school's quiet hours (start, end), or ``None`` for a school that does not exist."""
    window = School.objects.filter(pk=school_id).values_list("quiet_hours_start", "quiet_hours_end").first()
    return (window[0], window[1]) if window else None
