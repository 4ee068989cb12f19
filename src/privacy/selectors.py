"""Reads of «Мои данные»: what is kept about the person and each child, who sees it, consents and audit events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

import access
from audit.models import AuditEvent
from core.errors import NotFound
from diary.models import TimetableEntry
from portal import services as portal_services
from portal.models import TermsAcceptance, User
from privacy.models import DataExport
from registry.models import Guardian, Pupil
from trust.models import Grant

AUDIT_PAGE_SIZE = 20

# What each audit action reads as in «Мои данные»; an action not here is shown by its code
# (``tests/privacy/test_event_phrases.py`` fails when an action written in ``src`` has no phrase).
EVENT_PHRASES: dict[str, StrOrPromise] = {
    "portal.terms_accepted": _("Processing terms accepted"),
    "portal.snils_verified": _("SNILS verified"),
    "portal.snils_claim_dropped": _("Unverified SNILS removed"),
    "portal.totp_enrolled": _("Authenticator app added"),
    "portal.passkey_enrolled": _("Passkey added"),
    "portal.recovery_codes_generated": _("Recovery codes issued"),
    "portal.second_factor_passed": _("Second factor passed at sign-in"),
    "portal.second_factor_failed": _("Wrong second-factor code"),
    "portal.second_factor_removed": _("Second factor removed"),
    "portal.second_factor_reset": _("Second factor reset by the operator"),
    "privacy.export_requested": _("Data export requested"),
    "privacy.export_retried": _("Data export requested again after a failure"),
    "privacy.export_downloaded": _("Data export downloaded"),
    "registry.import": _("Registry import"),
    "registry.link": _("Account linked to the school registry"),
    "registry.unlink": _("Account unlinked from the school registry"),
    "registry.link_request": _("Request to link to the school sent"),
    "registry.link_request_approved": _("Link request approved by the registrar"),
    "registry.link_request_rejected": _("Link request rejected by the registrar"),
    "registry.record_created": _("Registry record created"),
    "registry.record_changed": _("Registry record changed"),
    "registry.record_deleted": _("Registry record deleted"),
    "registry.guardian_restricted": _("A guardian's access restricted by the school"),
    "registry.guardian_restriction_lifted": _("A guardian's access restriction lifted"),
    "registry.guardian_restriction_ended": _("A guardian's access restriction ended"),
    "diary.mark_set": _("Mark set"),
    "diary.mark_removed": _("Mark removed"),
    "diary.final_set": _("Final mark set"),
    "diary.attendance_set": _("Attendance recorded"),
    "diary.homework_set": _("Homework set"),
    "diary.homework_changed": _("Homework changed"),
    "diary.homework_deleted": _("Homework deleted"),
    "diary.homework_ticked": _("Homework ticked as done"),
    "diary.homework_unticked": _("Homework tick removed"),
    "diary.homework_handed_in": _("Homework handed in"),
    "diary.homework_reviewed": _("Homework answer reviewed by the teacher"),
    "diary.absence_note_filed": _("Absence note filed"),
    "diary.absence_note_withdrawn": _("Absence note withdrawn"),
    "diary.alerts_set": _("Diary alerts changed"),
    "diary.lessons_generated": _("Lessons generated from the timetable"),
    "diary.lesson_topic_set": _("Lesson topic set"),
    "diary.lesson_plan_set": _("Lesson plan set"),
    "diary.lesson_replaced": _("Lesson given by a replacement teacher"),
    "diary.lesson_cancelled": _("Lesson cancelled"),
    "trust.invite": _("Trusted person invited"),
    "trust.accept": _("Invitation accepted"),
    "trust.decline": _("Invitation declined"),
    "trust.activate": _("Trusted access opened"),
    "trust.revoke": _("Trusted access revoked"),
    "trust.leave": _("Trusted person left the access"),
    "trust.expire": _("Invitation expired"),
    "trust.end": _("Trusted access ended"),
    "visits.add_card": _("Pass card added"),
    "visits.change_card": _("Pass card changed"),
    "visits.delete_card": _("Pass card removed"),
    "visits.ingest": _("Passes and meals received from the school's systems"),
    "visits.register_ingest_client": _("School system connected"),
    "visits.threshold_set": _("Low-balance warning set"),
    "visits.threshold_clear": _("Low-balance warning removed"),
    "notify.preferences_set": _("Notification settings changed"),
    "notify.cadence_set": _("Notification frequency changed"),
    "news.announcement_posted": _("Announcement posted"),
    "news.announcement_reminded": _("Announcement reminder sent"),
    "messaging.thread_started": _("Conversation started"),
    "messaging.thread_disclosed": _("Conversation disclosed on a written request"),
    "messaging.threads_closed_to_restricted_guardian": _("Conversations closed to a restricted guardian"),
    "messaging.message_posted": _("Message sent"),
    "messaging.message_edited": _("Message edited"),
    "messaging.message_withdrawn": _("Message withdrawn"),
    "messaging.muted": _("Participant muted in a conversation"),
    "messaging.unmuted": _("Participant unmuted in a conversation"),
    # issue 18 (erasure), written by the erasure app
    "erasure.account_closed": _("Account closed at the person's request"),
    "erasure.account_restored": _("Account deletion cancelled"),
    "erasure.account_anonymised": _("Account's personal data anonymised"),
    "erasure.pupil_erased": _("Registry record erased"),
    "erasure.destroyed": _("Data destroyed at the end of the retention period"),
}


def event_phrase(action: str) -> StrOrPromise:
    """How ``action`` reads in «Мои данные»: its phrase, or the code itself when it has none."""
    return EVENT_PHRASES.get(action, action)


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


@dataclass(frozen=True)
class EventRow:
    at: datetime
    action: str
    phrase: StrOrPromise


@dataclass
class ChildData:
    pupil: Pupil
    guardians: list[Guardian]
    trusted: list[Grant]
    teachers: list[str]
    consents: list[TermsAcceptance] = field(default_factory=list)
    # The viewer has given no consent for this child's data (a guardian linked by a registry import, or before
    # consents were recorded): «Мои данные» asks for it.
    needs_consent: bool = False


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
    events_page: Page[Any] = Paginator(events, AUDIT_PAGE_SIZE).get_page(page)
    events_page.object_list = [
        EventRow(at=event.at, action=event.action, phrase=event_phrase(event.action)) for event in events_page
    ]
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
                needs_consent=not any(
                    c.pupil_id == child.pk and c.account_id == viewer.pk and c.for_child for c in consents
                ),
            )
            for child in children
        ],
        events=events_page,
    )


@dataclass(frozen=True)
class ExportRow:
    """An export as the API shows it; ``download_url`` only while the archive waits, once, to be downloaded."""

    id: str
    state: str  # queued | running | ready | downloaded | failed | expired
    state_label: str
    progress: int
    student_id: str | None  # the child's, for a guardian's export of a child; null for one's own
    requested_at: datetime
    ready_at: datetime | None
    expires_at: datetime | None
    downloaded_at: datetime | None
    download_url: str | None


def export_row(export: DataExport) -> ExportRow:
    downloadable = export.state == DataExport.State.READY and (
        export.expires_at is not None and export.expires_at > timezone.now()
    )
    return ExportRow(
        id=str(export.pk),
        state=export.state,
        state_label=str(export.get_state_display()),
        progress=export.progress,
        student_id=str(export.pupil.public_id) if export.pupil else None,
        requested_at=export.created_at,
        ready_at=export.ready_at,
        expires_at=export.expires_at,
        downloaded_at=export.downloaded_at,
        download_url=reverse("api:export_download", kwargs={"export_id": export.pk}) if downloadable else None,
    )


@dataclass(frozen=True)
class ChildConsentDue:
    student_id: str
    name: str


@dataclass(frozen=True)
class TermsStatus:
    """The current processing terms and where the caller stands: accepted for themself, and the children they
    guard whose data has no consent of theirs yet (``POST /terms/accept`` with ``student_id`` gives it)."""

    version: str
    published_at: datetime
    text: str
    url: str
    accepted: bool
    accepted_at: datetime | None
    children_without_consent: list[ChildConsentDue]


def terms_status(*, viewer: User) -> TermsStatus:
    """Four queries whatever the caller has; ``NotFound`` before any version is published."""
    current = portal_services.current_terms()
    if current is None:
        raise NotFound()
    own = (
        TermsAcceptance.objects.filter(account=viewer, version=current, for_child=False).order_by("-at", "-pk").first()
    )
    children = list(access.related_pupils(viewer, access.Relation.GUARDIAN).order_by("surname", "given_name", "pk"))
    consented = set(
        TermsAcceptance.objects.filter(account=viewer, for_child=True, pupil__in=children).values_list(
            "pupil_id", flat=True
        )
    )
    return TermsStatus(
        version=current.version,
        published_at=current.published_at,
        text=current.text,
        url=current.url,
        accepted=own is not None,
        accepted_at=own.at if own else None,
        children_without_consent=[
            ChildConsentDue(student_id=str(child.public_id), name=child.full_name)
            for child in children
            if child.pk not in consented
        ],
    )
