"""What an export holds: for each model that keeps data about an account or a pupil, how its rows are found.

``EXPORTED`` maps a model label to the lookups naming the account (a person's own export) and the pupil (a
guardian's export of a child, and a pupil's own export of their record). ``EXCLUDED`` lists, with the reason,
every model that has such a link and is left out. ``tests/privacy/test_export_completeness.py`` fails when a
model has a link to an account or a pupil (directly, or through an exported model) and is in neither list.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.apps import apps
from django.db.models import Model, Q, QuerySet


@dataclass(frozen=True)
class Source:
    account: tuple[str, ...] = ()  # lookups equal to the account
    pupil: tuple[str, ...] = ()  # lookups equal to the pupil
    omit: tuple[str, ...] = ()  # fields never written (secrets kept with the row)
    # A child's rows only where the requester takes part (a thread of the other guardian is theirs, not ours).
    participants_only: bool = False


EXPORTED: dict[str, Source] = {
    "portal.User": Source(account=("pk",), omit=("password",)),
    "portal.TermsAcceptance": Source(account=("account",), pupil=("pupil",)),
    "portal.ClientConsent": Source(account=("user",)),
    "audit.AuditEvent": Source(account=("actor",)),
    "notify.Notification": Source(account=("user",)),
    "notify.Preference": Source(account=("user",)),
    "notify.OutboundMessage": Source(account=("user",)),
    "notify.CadenceChoice": Source(account=("user",), pupil=("pupil",)),
    "notify.DigestSettings": Source(account=("user",)),
    "notify.DigestEntry": Source(account=("user",), pupil=("pupil",)),
    # A person's own alert settings; not in a child's export (it would show one guardian's to the other).
    "diary.Alert": Source(account=("user",)),
    "registry.Pupil": Source(account=("account",), pupil=("pk",)),
    "registry.Guardian": Source(account=("account",), pupil=("pupil",)),
    "registry.StaffMember": Source(account=("account",)),
    "registry.LinkRequest": Source(account=("account",), pupil=("pupil",)),
    "diary.Mark": Source(pupil=("pupil",)),
    "diary.MarkChange": Source(pupil=("pupil",)),
    "diary.FinalMark": Source(pupil=("pupil",)),
    "diary.HomeworkDone": Source(pupil=("pupil",)),
    "diary.HomeworkSubmission": Source(pupil=("pupil",)),
    "diary.SubmissionFile": Source(pupil=("submission__pupil",)),
    "diary.Attendance": Source(pupil=("pupil",)),
    "diary.AbsenceNote": Source(account=("filed_by",), pupil=("pupil",)),
    "visits.Card": Source(pupil=("pupil",)),
    "visits.Pass": Source(pupil=("pupil",)),
    "visits.MealEvent": Source(pupil=("pupil",)),
    "visits.MealAccount": Source(pupil=("pupil",)),
    "visits.LowBalanceThreshold": Source(account=("account",), pupil=("pupil",)),
    "visits.LateArrivalNotice": Source(pupil=("pupil",)),
    "trust.Grant": Source(account=("inviter", "invitee"), pupil=("pupil",)),
    "trust.View": Source(account=("grant__invitee",), pupil=("grant__pupil",)),
    "trust.Notice": Source(account=("account",), pupil=("grant__pupil",)),
    "news.AnnouncementRead": Source(account=("account",)),
    "messaging.Thread": Source(account=("started_by", "teacher"), pupil=("pupil",), participants_only=True),
    "messaging.Message": Source(
        account=("author", "thread__started_by", "thread__teacher"), pupil=("thread__pupil",), participants_only=True
    ),
    "messaging.MessageRevision": Source(
        account=("message__author", "message__thread__started_by"),
        pupil=("message__thread__pupil",),
        participants_only=True,
    ),
    "messaging.MessageAttachment": Source(
        account=("message__author", "message__thread__started_by"),
        pupil=("message__thread__pupil",),
        participants_only=True,
    ),
    "messaging.ThreadRead": Source(account=("user",)),
    "messaging.ThreadMute": Source(account=("user",)),
    # The person's request to delete the account (when asked, when the name and contacts go).
    "erasure.AccountDeletion": Source(account=("account",)),
}

EXCLUDED: dict[str, str] = {
    # Credentials, not data about the person: exporting them would hand a thief of the archive the account.
    "oauth2_provider.AccessToken": "a bearer token: a credential; the apps are listed by portal.ClientConsent",
    "oauth2_provider.RefreshToken": "a credential, as the access token",
    "oauth2_provider.Grant": "an authorization code living seconds: a credential",
    "oauth2_provider.IDToken": "a signed copy of the profile that is exported as portal.User",
    "oauth2_provider.DeviceGrant": "a device code: a credential (the device flow is off)",
    "oauth2_provider.Application": "a client registered by the operator, not a person's data",
    "otp_totp.TOTPDevice": "the TOTP secret: a credential",
    "otp_static.StaticDevice": "recovery codes: credentials",
    "django_otp_webauthn.WebAuthnCredential": "a passkey's public key and counters: a credential",
    "django_otp_webauthn.WebAuthnUserHandle": "the passkeys' random user handle: a credential identifier",
    "portal.OneTimeCode": "keyed hashes of confirmation codes that live 10 minutes: credentials",
    "notify.PushSubscription": "the browser's push endpoint and keys: a credential of the device",
    # Work of staff, not data about the staff member (who wrote a lesson topic); the registry row is exported.
    "admin.LogEntry": "the operator's own admin-site journal, about the objects changed",
    "diary.TimetableEntry": "a class's timetable: a teacher's work, the teacher's registry row is exported",
    "diary.Lesson": "a class's lesson: a teacher's work, not data about a pupil",
    "diary.Homework": "a class's homework: a teacher's work; a pupil's ticks are diary.HomeworkDone",
    "news.Announcement": "a school's announcement: an author's work, the same for the whole audience",
    # A registrar's custody record may cite a court decision and a safety reason: the school discloses it on a
    # written request (docs/privacy.md), never through a self-service archive that either guardian can download.
    "registry.GuardianRestriction": "a custody restriction: disclosed by the school's registrar on a written request",
    "diary.AlertHolding": "which of an alert's conditions hold now: derived from the exported marks and alerts",
    # The act of destruction names the registrar who erased a record: the registrar's work, kept for the
    # supervisory authority; the destroyed person's data are gone and the record holds none of them.
    "erasure.DestructionRecord": "a line of the act of destruction: the registrar's work, no data of a person",
    # The export's own bookkeeping (it holds the archive itself).
    "privacy.DataExport": "the request of an export and its archive: the archive is the export",
}


def _any(lookups: tuple[str, ...], value: int) -> Q:
    where = Q(pk__in=[])
    for lookup in lookups:
        where |= Q(**{lookup: value})
    return where


def rows(label: str, source: Source, *, account_id: int, pupil_id: int | None, child: bool) -> QuerySet[Model]:
    """The rows of one model for an export: a person's own (``child=False``: their account's rows, and their
    pupil record's when they are a pupil) or a guardian's of a child (the pupil's rows)."""
    manager = apps.get_model(label)._default_manager
    if child and pupil_id is not None:
        where = _any(source.pupil, pupil_id)
        if source.participants_only:
            where &= _any(source.account, account_id)
    else:
        where = _any(source.account, account_id)
        if pupil_id is not None:
            where |= _any(source.pupil, pupil_id)
    return manager.filter(where).distinct().order_by("pk")
