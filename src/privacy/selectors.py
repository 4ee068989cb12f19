"""Reads of «Мои данные»: what is kept about the person and each child, who sees it, consents and audit events."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

import access
from audit.models import AuditEvent
from diary.models import TimetableEntry
from portal.models import TermsAcceptance, User
from registry.models import Guardian, Pupil
from trust.models import Grant

AUDIT_PAGE_SIZE = 20

# (category, source) of what the service keeps; the same for every person of that kind.
OWN_CATEGORIES: list[tuple[StrOrPromise, StrOrPromise]] = [
    (_("Name, birth date, SNILS"), _("you, at registration and in the profile; SNILS verified by the registry")),
    (_("Email and phone"), _("you; confirmed with codes")),
    (_("Sign-in and protection: sessions, second factors, applications"), _("you")),
    (_("Acceptances of the processing terms"), _("you")),
    (_("Notifications and their settings"), _("the service; settings by you")),
    (_("Messages with the school"), _("you and the school's staff")),
    (_("Audit events of your actions"), _("the service")),
]
CHILD_CATEGORIES: list[tuple[StrOrPromise, StrOrPromise]] = [
    (_("Registry record: name, birth date, SNILS, class, guardians"), _("the school's registry")),
    (_("Diary: marks, homework, attendance, absence notes"), _("the school's teachers")),
    (_("Visits and meals: turnstile passes, meals, balance"), _("the school's systems (turnstiles, canteen)")),
    (_("Trusted persons and the log of their views"), _("the guardians; the service")),
    (_("Messages about the child"), _("the guardians and the school's staff")),
]


@dataclass
class ChildData:
    pupil: Pupil
    guardians: list[Guardian]
    trusted: list[Grant]
    teachers: list[str]
    consents: list[TermsAcceptance] = field(default_factory=list)


@dataclass
class MyData:
    categories: list[tuple[StrOrPromise, StrOrPromise]]
    child_categories: list[tuple[StrOrPromise, StrOrPromise]]
    consents: list[TermsAcceptance]
    own_pupil: Pupil | None
    guardian_consents: list[TermsAcceptance]
    children: list[ChildData]
    events: Page[Any]


def my_data(*, viewer: User, page: Any = 1) -> MyData:
    """Everything «Мои данные» shows; a fixed number of queries whatever the person has."""
    own_pupil = Pupil.objects.filter(account=viewer).select_related("school_class").first()
    children = list(access.related_pupils(viewer, access.Relation.GUARDIAN).select_related("school_class"))
    pupils = [*children, *([own_pupil] if own_pupil else [])]
    pupil_ids = [pupil.pk for pupil in pupils]
    guardians: dict[int, list[Guardian]] = {}
    for guardian in Guardian.objects.filter(pupil__in=pupil_ids, account__isnull=False).order_by("pk"):
        guardians.setdefault(guardian.pupil_id, []).append(guardian)
    trusted: dict[int, list[Grant]] = {}
    for grant in Grant.objects.filter(pupil__in=pupil_ids, state=Grant.State.ACTIVE).select_related("invitee"):
        trusted.setdefault(grant.pupil_id, []).append(grant)
    class_ids = {pupil.school_class_id for pupil in pupils}
    teachers: dict[int, set[str]] = {}
    for entry in TimetableEntry.objects.filter(school_class__in=class_ids).select_related("teacher", "subject"):
        if entry.teacher is not None:
            teachers.setdefault(entry.school_class_id, set()).add(f"{entry.teacher} ({entry.subject})")
    consents = list(
        TermsAcceptance.objects.filter(Q(account=viewer) | Q(pupil__in=pupil_ids))
        .select_related("version", "account", "pupil")
        .order_by("-at", "-pk")
    )
    targets = [f"portal.user:{viewer.pk}", *(f"registry.pupil:{pk}" for pk in pupil_ids)]
    events = AuditEvent.objects.filter(Q(actor=viewer) | Q(target__in=targets)).order_by("-at", "-pk")
    return MyData(
        categories=OWN_CATEGORIES,
        child_categories=CHILD_CATEGORIES,
        consents=[c for c in consents if c.account_id == viewer.pk],
        own_pupil=own_pupil,
        guardian_consents=[c for c in consents if own_pupil and c.pupil_id == own_pupil.pk and c.for_child],
        children=[
            ChildData(
                pupil=child,
                guardians=guardians.get(child.pk, []),
                trusted=trusted.get(child.pk, []),
                teachers=sorted(teachers.get(child.school_class_id, set())),
                consents=[c for c in consents if c.pupil_id == child.pk],
            )
            for child in children
        ],
        events=Paginator(events, AUDIT_PAGE_SIZE).get_page(page),
    )
