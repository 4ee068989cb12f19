"""The access matrix: for every URL of the project, what each kind of visitor gets.

``test_every_url_has_rows`` walks the whole URL configuration and fails when a pattern has no row
here, so a new page or endpoint cannot land without saying who may use it and who may not.
Later issues add actors (guardian, pupil, trusted person, teacher, registrar) and their rows.

**Query budgets.** Each allowed (2xx) request of ``test_access`` counts its database queries
(``CaptureQueriesContext``) and compares them with ``tests/query_counts.json``, keyed
``"<method> <row key>[#n] <actor>"`` (``#n`` tells apart the rows that share a method and key, in
the order of ``ROWS``). More queries than recorded fail, as does an allowed request with no budget;
fewer pass with a warning to record the smaller number. The counts are taken with a cold
content-type cache (``counted_queries``), so they do not depend on the tests that ran before.

An entry is one number when SQLite and PostgreSQL make the same queries (today all do), or
``{"postgresql": n, "sqlite": m}`` where they differ; each vendor is held to its own number. To
record the budgets on purpose, after a change that needs more queries or adds rows::

    QUERY_BUDGETS_UPDATE=1 .venv/bin/pytest -p no:cacheprovider tests/test_access_matrix.py

rewrites the file (sorted, one entry a line, so the diff shows each change) with this run's counts
for the vendor it ran on; the other vendor's number stays until a run on it records its own (a
new entry assumes both alike). Entries of rows that no longer exist are dropped; entries the run
did not reach (``-k``) are kept.
"""

from __future__ import annotations

import json
import os
import uuid
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from diary.models import (
    AbsenceNote,
    Homework,
    HomeworkAttachment,
    HomeworkSubmission,
    Lesson,
    LessonSlot,
    Mark,
    SubmissionFile,
    TimetableEntry,
)
from messaging import services as messaging_services
from news.models import Announcement, AnnouncementClass
from portal import services
from portal.models import TermsVersion, User
from privacy.models import DataExport
from registry.models import (
    Guardian,
    GuardianRestriction,
    LinkRequest,
    Pupil,
    School,
    SchoolClass,
    SchoolYear,
    StaffMember,
    Subject,
    Term,
)
from tests.conftest import PASSWORD
from tests.diary.conftest import make_guardian
from tests.grants import make_grant
from visits.ingest import register_ingest_client
from visits.models import Card

ANONYMOUS, PERSON, OPERATOR, REGISTRAR = "anonymous", "person", "operator", "registrar"
# The family of ``World.pupil``: a linked guardian, and two trusted persons whose grants are active,
# one for the diary and one for visits and meals.
GUARDIAN, TRUSTED_DIARY, TRUSTED_VISITS = "guardian", "trusted_diary", "trusted_visits"
# The staff of ``World.pupil``'s class: the teacher of its algebra (not of its russian), and its form tutor.
SUBJECT_TEACHER, FORM_TUTOR = "subject_teacher", "form_tutor"
ACTORS = (ANONYMOUS, PERSON, OPERATOR, REGISTRAR, GUARDIAN, TRUSTED_DIARY, TRUSTED_VISITS, SUBJECT_TEACHER, FORM_TUTOR)


@dataclass(frozen=True)
class World:
    person: User
    other: User
    operator: User
    consent_of: dict[str, int]  # actor -> id of a "Sign in via the portal" consent they gave
    application_id: int
    registrar: User  # keeps the registry of ``school``
    school: School
    pupil: Pupil  # of ``school``
    foreign_pupil: Pupil  # of another school
    link_request: LinkRequest  # waiting in ``school``'s queue
    timetable_objects: dict[str, tuple[int, int]]  # "app/model" -> (pk in ``school``, pk in the other school)
    foreign_link_request: LinkRequest  # waiting in the other school's queue
    family: dict[str, User]  # GUARDIAN, TRUSTED_DIARY, TRUSTED_VISITS of ``pupil``
    ingest_client_id: int  # the turnstile system of ``school``
    grants: dict[str, int]  # TRUSTED_DIARY/TRUSTED_VISITS -> their active grant; "invitation" -> one pending
    # (for the diary, addressed to TRUSTED_VISITS)
    staff: dict[str, User]  # SUBJECT_TEACHER, FORM_TUTOR of ``pupil``'s class
    subjects: dict[str, int]  # "algebra" (taught by SUBJECT_TEACHER), "russian" (by another teacher) of ``school``
    lessons: dict[str, int]  # a lesson of ``pupil``'s class in each subject
    attachments: dict[str, int]  # a homework file of each of those lessons
    marks: dict[str, int]  # ``pupil``'s mark at each of those lessons
    threads: dict[str, int]  # "thread" of GUARDIAN with SUBJECT_TEACHER (algebra), its first "message" and "attachment"
    announcement_id: int = 0  # by SUBJECT_TEACHER to ``pupil``'s class, asking to confirm reading
    absence_note_id: int = 0  # of ``pupil``, filed by GUARDIAN for a day ahead


@dataclass(frozen=True)
class Row:
    key: str  # "namespace:name", or "namespace:<route>" for an unnamed pattern
    path: Callable[[World], str]
    # A status, or "→/prefix" for a redirect; an actor not named (the registrar, the family) = a person.
    expect: dict[str, int | str]
    method: str = "get"


SIGN_IN = "→/signin/?next="
ADMIN_SIGN_IN = "→/admin/login/?next="


def everyone(expect: int | str) -> dict[str, int | str]:
    return dict.fromkeys(ACTORS, expect)


def signed_in_only(expect_signed_in: int | str = 200) -> dict[str, int | str]:
    return {ANONYMOUS: SIGN_IN, PERSON: expect_signed_in, OPERATOR: expect_signed_in}


def family_reads(
    service: str, *, anonymous: int | str = SIGN_IN, others: int | str = 404, family: int | str = 200
) -> dict[str, int | str]:
    """A page or endpoint of ``World.pupil``'s data under ``service``: the guardian and the trusted person
    holding that service get ``family``, and so does the form tutor; a teacher of the class reads the diary
    (in their subjects: tests/diary/test_subject_teachers.py); everyone else (the other trusted person
    too) ``others``."""
    holder = TRUSTED_DIARY if service == "diary" else TRUSTED_VISITS
    teacher = family if service == "diary" else others
    return {
        ANONYMOUS: anonymous,
        PERSON: others,
        OPERATOR: others,
        GUARDIAN: family,
        holder: family,
        FORM_TUTOR: family,
        SUBJECT_TEACHER: teacher,
    }


def class_subject(subject: str, *, anonymous: int | str = SIGN_IN) -> dict[str, int | str]:
    """A read of ``World.pupil``'s class in one subject for the whole class (the gradebook, a lesson's sheet):
    the form tutor, and the subject teacher in algebra only."""
    return {
        ANONYMOUS: anonymous,
        PERSON: 404,
        OPERATOR: 404,
        FORM_TUTOR: 200,
        SUBJECT_TEACHER: 200 if subject == "algebra" else 404,
    }


def on_thread(expect: int | str = 200, *, anonymous: int | str = SIGN_IN) -> dict[str, int | str]:
    """``World.threads``: the guardian and the algebra teacher of ``World.pupil`` are on it; nobody else."""
    return {ANONYMOUS: anonymous, PERSON: 404, OPERATOR: 404, GUARDIAN: expect, SUBJECT_TEACHER: expect}


def staff_only(expect_staff: int | str = 200) -> dict[str, int | str]:
    return {ANONYMOUS: ADMIN_SIGN_IN, PERSON: ADMIN_SIGN_IN, OPERATOR: expect_staff}


def registrar_only(expect_registrar: int | str = 200) -> dict[str, int | str]:
    """The back office: a stranger signs in first, anyone but a registrar of the school gets 404."""
    return {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, REGISTRAR: expect_registrar}


def backoffice(model: str, which: str, suffix: str) -> Callable[[World], str]:
    return lambda world: f"/backoffice/registry/{model}/{getattr(world, which).pk}/{suffix}"


def scoped_model_rows(app_model: str, *, delete: int = 403) -> list[Row]:
    """The five back-office pages of a model kept per school: own school's object 200, the other's 404."""
    app, model = app_model.split("/")
    name = f"backoffice:{app}_{model}"

    def at(which: int, suffix: str) -> Callable[[World], str]:
        return lambda w: f"/backoffice/{app}/{model}/{w.timetable_objects[app_model][which]}/{suffix}"

    return [
        Row(f"{name}_changelist", lambda w: f"/backoffice/{app}/{model}/", registrar_only()),
        Row(f"{name}_add", lambda w: f"/backoffice/{app}/{model}/add/", registrar_only()),
        Row(f"{name}_change", at(0, "change/"), registrar_only()),
        Row(f"{name}_change", at(1, "change/"), registrar_only(404)),
        Row(f"{name}_history", at(0, "history/"), registrar_only()),
        Row(f"{name}_history", at(1, "history/"), registrar_only(404)),
        Row(f"{name}_delete", at(0, "delete/"), registrar_only(delete)),
    ]


def _guardian_of(world: World) -> int:
    return int(Guardian.objects.get(pupil=world.pupil, account=world.family[GUARDIAN]).pk)


def _future_restriction(world: World) -> int:
    """A restriction of ``World.pupil``'s guardian from a month ahead: it changes nobody's access today."""
    starts = timezone.now() + timedelta(days=30)
    guardian_id = _guardian_of(world)
    return int(
        GuardianRestriction.objects.create(guardian_id=guardian_id, reason="r", document="d", starts_at=starts).pk
    )


def _retention_policy(world: World, *, foreign: bool = False) -> int:
    """The retention periods of ``World.school`` (or of the other school), written once."""
    from erasure.models import RetentionPolicy

    school = world.foreign_pupil.school if foreign else world.school
    return int(RetentionPolicy.objects.get_or_create(school=school)[0].pk)


def _destruction_record(world: World) -> int:
    """A line of the act of ``World.school``: three passes destroyed by the retention job."""
    from erasure.models import DestructionRecord

    record, _created = DestructionRecord.objects.get_or_create(
        school=world.school, category="passes", rule="retention", count=3, period_to=timezone.now()
    )
    return int(record.pk)


def _guardians_export(world: World, state: str = "ready") -> str:
    """An export of ``World.pupil``'s guardian's own data (privacy2, issue 18): ready (an archive waiting for its
    one download) or failed (waiting for a retry)."""
    now = timezone.now()
    export = DataExport.objects.create(
        account=world.family[GUARDIAN], state=state, ready_at=now, expires_at=now + timedelta(hours=24)
    )
    if state == DataExport.State.READY:
        export.file.save(f"{export.pk}.zip", ContentFile(b"PK\x05\x06" + bytes(18)), save=True)
    return str(export.pk)


def seed_terms() -> int:
    """The processing terms' version «1» of the data migration (issue 18)."""
    return TermsVersion.objects.get(version="1").pk


def admin_object(model: str, suffix: str) -> Callable[[World], str]:
    return lambda world: f"/admin/portal/{model}/{world.other.pk}/{suffix}"


ROWS: list[Row] = [
    Row("portal:home", lambda w: "/", {ANONYMOUS: 200, PERSON: "→/cabinet/", OPERATOR: "→/cabinet/"}),
    Row("portal:register", lambda w: "/register/", everyone(200)),
    Row("portal:confirm", lambda w: "/confirm/", signed_in_only()),
    Row("portal:signin", lambda w: "/signin/", everyone(200)),
    Row("portal:signout", lambda w: "/signout/", everyone(405)),
    Row("portal:signout", lambda w: "/signout/", everyone("→/signin/"), method="post"),
    Row("portal:reset", lambda w: "/reset/", everyone(200)),
    # The second factor (tests/portal/test_second_factor.py; the requirement on: test_staff_pages_with_the_
    # second_factor_required below). The step needs a pending sign-in (a right password a moment ago).
    Row("portal:second_factor", lambda w: "/signin/second-factor/", everyone("→/signin/")),
    Row("portal:second_factor", lambda w: "/signin/second-factor/", everyone("→/signin/"), method="post"),
    # Passkeys: a sign-in by passkey starts signed out (usernameless); finishing one needs its begun ceremony.
    Row("portal:passkey_auth_begin", lambda w: "/passkeys/authenticate/begin/", everyone(200), method="post"),
    Row("portal:passkey_auth_begin", lambda w: "/passkeys/authenticate/begin/", everyone(405)),
    Row("portal:passkey_auth_complete", lambda w: "/passkeys/authenticate/complete/", everyone(400), method="post"),
    Row(
        "portal:passkey_register_begin",
        lambda w: "/passkeys/register/begin/",
        everyone(200) | {ANONYMOUS: 403},
        method="post",
    ),
    Row(
        "portal:passkey_register_complete",
        lambda w: "/passkeys/register/complete/",
        everyone(400) | {ANONYMOUS: 403},
        method="post",
    ),
    Row("portal:passkey_jsi18n", lambda w: "/passkeys/jsi18n/", everyone(200)),
    Row("portal:security", lambda w: "/cabinet/security/", signed_in_only()),
    Row("portal:totp", lambda w: "/cabinet/security/totp/", signed_in_only()),
    Row("portal:recovery_codes", lambda w: "/cabinet/security/recovery-codes/", signed_in_only()),
    # Nobody of the matrix has a factor: no codes to make.
    Row("portal:recovery_codes", lambda w: "/cabinet/security/recovery-codes/", signed_in_only(404), method="post"),
    Row("portal:remove_factor", lambda w: "/cabinet/security/totp/1/remove/", signed_in_only(404), method="post"),
    Row("portal:remove_factor", lambda w: "/cabinet/security/passkey/1/remove/", signed_in_only(404), method="post"),
    Row("portal:remove_factor", lambda w: "/cabinet/security/totp/1/remove/", signed_in_only(405)),
    Row("portal:service_worker", lambda w: "/sw.js", everyone(200)),
    Row("portal:offline", lambda w: "/offline/", everyone(200)),
    Row("portal:reset_confirm", lambda w: "/reset/code/", everyone("→/reset/")),
    Row("portal:cabinet", lambda w: "/cabinet/", signed_in_only()),
    Row("portal:profile", lambda w: "/cabinet/profile/", signed_in_only()),
    Row("portal:contacts", lambda w: "/cabinet/contacts/", signed_in_only()),
    Row("portal:password", lambda w: "/cabinet/password/", signed_in_only()),
    Row("portal:services", lambda w: "/cabinet/services/", signed_in_only()),
    Row("portal:service_diary", lambda w: "/cabinet/services/diary/", signed_in_only()),
    Row("notify:inbox", lambda w: "/cabinet/notifications/", signed_in_only()),
    Row(
        "notify:read",
        lambda w: "/cabinet/notifications/read/",
        signed_in_only("→/cabinet/notifications/"),
        method="post",
    ),
    Row("notify:read", lambda w: "/cabinet/notifications/read/", signed_in_only(405)),
    Row("notify:settings", lambda w: "/cabinet/notifications/settings/", signed_in_only()),
    Row(
        "notify:settings",
        lambda w: "/cabinet/notifications/settings/",
        signed_in_only("→/cabinet/notifications/settings/"),
        method="post",
    ),
    Row("notify:cadence", lambda w: "/cabinet/notifications/cadence/", signed_in_only()),
    # An empty form posts no digest time: the page shows the error (200), nothing is saved.
    Row("notify:cadence", lambda w: "/cabinet/notifications/cadence/", signed_in_only(), method="post"),
    # An empty body is no subscription: 400 with its code; the browser's own call is in test_push.
    Row(
        "notify:push_subscribe", lambda w: "/cabinet/notifications/push/subscribe/", signed_in_only(400), method="post"
    ),
    Row("notify:push_subscribe", lambda w: "/cabinet/notifications/push/subscribe/", signed_in_only(405)),
    Row(
        "notify:push_unsubscribe", lambda w: "/cabinet/notifications/push/unsubscribe/", signed_in_only(), method="post"
    ),
    Row("notify:push_unsubscribe", lambda w: "/cabinet/notifications/push/unsubscribe/", signed_in_only(405)),
    # Trusted persons: the guardians of a child manage its grants; the invitee answers in «Подписки».
    Row("trust:service", lambda w: "/cabinet/services/trusted/", signed_in_only()),
    Row(
        "trust:student",
        lambda w: f"/diary/{w.pupil.public_id}/trusted/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
    ),
    Row(
        "trust:revoke",
        lambda w: f"/diary/trusted/{w.grants[TRUSTED_DIARY]}/revoke/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, GUARDIAN: "→/diary/"},
        method="post",
    ),
    Row("trust:revoke", lambda w: f"/diary/trusted/{w.grants[TRUSTED_DIARY]}/revoke/", signed_in_only(405)),
    Row("trust:subscriptions", lambda w: "/cabinet/subscriptions/", signed_in_only()),
    Row(
        "trust:accept",
        lambda w: f"/cabinet/subscriptions/{w.grants['invitation']}/accept/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, TRUSTED_VISITS: "→/cabinet/subscriptions/"},
        method="post",
    ),
    Row(
        "trust:decline",
        lambda w: f"/cabinet/subscriptions/{w.grants['invitation']}/decline/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, TRUSTED_VISITS: "→/cabinet/subscriptions/"},
        method="post",
    ),
    Row(
        "trust:leave",
        lambda w: f"/cabinet/subscriptions/{w.grants[TRUSTED_DIARY]}/leave/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, TRUSTED_DIARY: "→/cabinet/subscriptions/"},
        method="post",
    ),
    Row("trust:leave", lambda w: f"/cabinet/subscriptions/{w.grants[TRUSTED_DIARY]}/leave/", signed_in_only(405)),
    Row("portal:apps", lambda w: "/cabinet/apps/", signed_in_only()),
    # --- privacy (issue 18: consent by terms version, «Мои данные», the export) ---
    Row("portal:terms", lambda w: "/terms/", signed_in_only()),
    Row("portal:terms", lambda w: "/terms/", signed_in_only(200), method="post"),  # without the box: the form again
    Row("privacy:my_data", lambda w: "/cabinet/data/", signed_in_only()),
    Row("privacy:request_export", lambda w: "/cabinet/data/export/", signed_in_only("→/cabinet/data/"), method="post"),
    Row("privacy:request_export", lambda w: "/cabinet/data/export/", signed_in_only(405)),
    Row(
        "privacy:request_child_export",
        lambda w: f"/cabinet/data/children/{w.pupil.public_id}/export/",
        {
            ANONYMOUS: SIGN_IN,
            PERSON: 404,
            OPERATOR: 404,
            REGISTRAR: 404,
            GUARDIAN: "→/cabinet/data/",
            TRUSTED_DIARY: 404,
            TRUSTED_VISITS: 404,
            SUBJECT_TEACHER: 404,
            FORM_TUTOR: 404,
        },
        method="post",
    ),
    # Someone else's or no export: 404 alike (the requester's own: tests/privacy/test_export.py).
    Row("privacy:export_status", lambda w: f"/cabinet/data/export/{uuid.UUID(int=1)}/", signed_in_only(404)),
    Row("privacy:download", lambda w: f"/cabinet/data/export/{uuid.UUID(int=1)}/download/", signed_in_only(404)),
    # --- end of privacy ---
    # --- privacy2 (issue 18): a failed export's retry, the requester's own export, a guardian's consent for a
    # child in «Мои данные» (no box: back to the page with the reason), and the export and terms API ---
    Row(
        "privacy:retry_export",
        lambda w: f"/cabinet/data/export/{_guardians_export(w, 'failed')}/retry/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, GUARDIAN: "→/cabinet/data/"},
        method="post",
    ),
    Row("privacy:retry_export", lambda w: f"/cabinet/data/export/{uuid.UUID(int=1)}/retry/", signed_in_only(405)),
    Row(
        "privacy:export_status",
        lambda w: f"/cabinet/data/export/{_guardians_export(w)}/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
    ),
    Row(
        "privacy:download",
        lambda w: f"/cabinet/data/export/{_guardians_export(w)}/download/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
    ),
    Row(
        "privacy:child_consent",
        lambda w: f"/cabinet/data/children/{w.pupil.public_id}/consent/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, GUARDIAN: "→/cabinet/data/"},
        method="post",
    ),
    Row("privacy:child_consent", lambda w: f"/cabinet/data/children/{w.pupil.public_id}/consent/", signed_in_only(405)),
    Row("api:my_exports", lambda w: "/api/v1/me/exports", {ANONYMOUS: 401, PERSON: 202, OPERATOR: 202}, method="post"),
    Row(
        "api:student_exports",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/exports",
        everyone(404) | {ANONYMOUS: 401, GUARDIAN: 202},
        method="post",
    ),
    Row(
        "api:export",
        lambda w: f"/api/v1/exports/{_guardians_export(w)}",
        everyone(404) | {ANONYMOUS: 401, GUARDIAN: 200},
    ),
    Row(
        "api:export_retry",
        lambda w: f"/api/v1/exports/{_guardians_export(w, 'failed')}/retry",
        everyone(404) | {ANONYMOUS: 401, GUARDIAN: 202},
        method="post",
    ),
    Row(
        "api:export_download",
        lambda w: f"/api/v1/exports/{_guardians_export(w)}/download",
        everyone(404) | {ANONYMOUS: 401, GUARDIAN: 200},
    ),
    Row("api:terms", lambda w: "/api/v1/terms", {ANONYMOUS: 401, PERSON: 200, OPERATOR: 200}),
    Row(
        "api:terms_accept",
        lambda w: "/api/v1/terms/accept",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="post",
    ),  # no body: 400 naming the field
    # --- end of privacy2 ---
    # The family's diary: every page and endpoint names a student the caller must be allowed to see
    # (tests/diary has the staff and teacher rows).
    Row(
        "diary:home",
        lambda w: "/diary/",
        signed_in_only(200) | {GUARDIAN: "→/diary/", TRUSTED_DIARY: "→/diary/", TRUSTED_VISITS: "→/diary/"},
    ),
    Row("diary:week", lambda w: f"/diary/{w.pupil.public_id}/", family_reads("diary")),
    Row("diary:week", lambda w: f"/diary/{w.pupil.public_id}/", everyone(405) | {ANONYMOUS: SIGN_IN}, method="post"),
    Row("diary:marks", lambda w: f"/diary/{w.pupil.public_id}/marks/", family_reads("diary")),
    Row("diary:homework", lambda w: f"/diary/{w.pupil.public_id}/homework/", family_reads("diary")),
    Row("diary:attendance", lambda w: f"/diary/{w.pupil.public_id}/attendance/", family_reads("diary")),
    Row("diary:attachment", lambda w: "/diary/attachments/999999/", signed_in_only(404)),
    Row(
        "diary:attachment",
        lambda w: f"/diary/attachments/{w.attachments['algebra']}/",
        family_reads("diary"),
    ),
    Row(
        "diary:attachment",
        lambda w: f"/diary/attachments/{w.attachments['russian']}/",
        family_reads("diary") | {SUBJECT_TEACHER: 404},  # not the subject teacher's subject
    ),
    Row("diary:homework_done", lambda w: "/diary/homework/999999/done/", signed_in_only(404), method="post"),
    Row("diary:homework_done", lambda w: "/diary/homework/999999/done/", signed_in_only(405)),
    Row(
        "api:homework_done",
        lambda w: "/api/v1/homework/999999/done",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),
    Row(
        "api:lesson_cancel",
        lambda w: "/api/v1/lessons/999999/cancel",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404},
        method="post",
    ),
    Row(
        "api:lesson_move",
        lambda w: "/api/v1/lessons/999999/move",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="post",
    ),
    Row(
        "api:lesson_replace",
        lambda w: "/api/v1/lessons/999999/replace",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="post",
    ),
    Row(
        "api:teacher_final",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/finals",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),
    Row(
        "api:student_diary",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/diary",
        family_reads("diary", anonymous=401),
    ),
    Row("api:student_diary", lambda w: f"/api/v1/students/{w.pupil.public_id}/diary", everyone(405), method="post"),
    Row(
        "api:student_marks",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/marks",
        family_reads("diary", anonymous=401),
    ),
    Row(
        "api:student_mark_history",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/marks/{w.marks['algebra']}/history",
        family_reads("diary", anonymous=401),
    ),
    # The russian mark: the algebra teacher reads nothing of it (as a missing mark).
    Row(
        "api:student_mark_history",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/marks/{w.marks['russian']}/history",
        {**family_reads("diary", anonymous=401), SUBJECT_TEACHER: 404},
    ),
    Row(
        "api:student_homework",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/homework",
        family_reads("diary", anonymous=401),
    ),
    Row(
        "api:student_attendance",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/attendance",
        family_reads("diary", anonymous=401),
    ),
    # hw (issue 16, homework answers): the family and the lesson's staff read a homework's answers (a teacher of
    # another subject does not); only the pupil's own account hands in (none of the actors here: 404); the
    # teacher's review is a body-checked PUT (tests/diary/test_homework_answers.py has the allowed writes).
    Row(
        "api:homework_submissions",
        lambda w: f"/api/v1/homework/{homework_of(w.lessons['algebra'])}/submissions",
        family_reads("diary", anonymous=401),
    ),
    Row(
        "api:homework_submissions",
        lambda w: f"/api/v1/homework/{homework_of(w.lessons['russian'])}/submissions",
        {**family_reads("diary", anonymous=401), SUBJECT_TEACHER: 404},
    ),
    Row("api:homework_submissions", lambda w: "/api/v1/homework/999999/submissions", everyone(404) | {ANONYMOUS: 401}),
    Row(
        "api:homework_hand_in",
        lambda w: f"/api/v1/homework/{homework_of(w.lessons['algebra'])}/submissions",
        everyone(404) | {ANONYMOUS: 401},
        method="post",
    ),
    Row(
        "api:homework_review",
        lambda w: f"/api/v1/homework/{homework_of(w.lessons['algebra'])}/submissions",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),
    # hwpages (issue 16, homework answers on the pages): a file of the pupil's answer for those who read the answer
    # (the family, a trusted person with the diary, the lesson's staff; a teacher of another subject not); only the
    # pupil's own account hands in (none here: 404); the homework's page is the lesson's staff's, its form the
    # teacher's (an empty form saves nothing and comes back; the form tutor reads only).
    Row("diary:answer_file", lambda w: f"/diary/answers/files/{answer_file_of(w, 'algebra')}/", family_reads("diary")),
    Row(
        "diary:answer_file",
        lambda w: f"/diary/answers/files/{answer_file_of(w, 'russian')}/",
        family_reads("diary") | {SUBJECT_TEACHER: 404},
    ),
    Row("diary:answer_file", lambda w: "/diary/answers/files/999999/", signed_in_only(404)),
    Row(
        "diary:hand_in",
        lambda w: f"/diary/homework/{homework_of(w.lessons['algebra'])}/answer/",
        signed_in_only(404),
        method="post",
    ),
    Row("diary:hand_in", lambda w: "/diary/homework/999999/answer/", signed_in_only(405)),
    Row(
        "teacher:homework",
        lambda w: f"/teacher/homework/{homework_of(w.lessons['algebra'])}/",
        class_subject("algebra"),
    ),
    Row(
        "teacher:homework",
        lambda w: f"/teacher/homework/{homework_of(w.lessons['russian'])}/",
        class_subject("russian"),
    ),
    Row("teacher:homework", lambda w: "/teacher/homework/999999/", signed_in_only(404)),
    Row(
        "teacher:homework",
        lambda w: f"/teacher/homework/{homework_of(w.lessons['algebra'])}/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, FORM_TUTOR: 404, SUBJECT_TEACHER: "→/teacher/homework/"},
        method="post",
    ),
    # --- end of hwpages ---
    # The trusted-persons API (the same rules as the pages).
    Row(
        "api:trusted_persons",
        lambda w: f"/api/v1/trusted-persons?student_id={w.pupil.public_id}",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
    ),
    Row("api:trusted_persons", lambda w: "/api/v1/trusted-persons", {ANONYMOUS: 401, PERSON: 200, OPERATOR: 200}),
    Row(
        "api:trusted_person_invite",
        lambda w: "/api/v1/trusted-persons",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="post",
    ),  # no body: 400 naming the field
    Row(
        "api:trusted_person_revoke",
        lambda w: f"/api/v1/trusted-persons/{w.grants[TRUSTED_DIARY]}",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
        method="delete",
    ),
    Row(
        "api:trusted_person_views",
        lambda w: f"/api/v1/trusted-persons/{w.grants[TRUSTED_DIARY]}/views",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
    ),
    Row(
        "api:student_trusted_views",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/trusted-views",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
    ),
    Row("api:subscriptions", lambda w: "/api/v1/subscriptions", {ANONYMOUS: 401, PERSON: 200, OPERATOR: 200}),
    Row(
        "api:subscription_accept",
        lambda w: f"/api/v1/subscriptions/{w.grants['invitation']}/accept",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, TRUSTED_VISITS: 200},
        method="post",
    ),
    Row(
        "api:subscription_decline",
        lambda w: f"/api/v1/subscriptions/{w.grants['invitation']}/decline",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, TRUSTED_VISITS: 200},
        method="post",
    ),
    Row(
        "api:subscription_leave",
        lambda w: f"/api/v1/subscriptions/{w.grants[TRUSTED_DIARY]}/leave",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, TRUSTED_DIARY: 200},
        method="post",
    ),
    Row("api:notifications", lambda w: "/api/v1/notifications", {ANONYMOUS: 401, PERSON: 200, OPERATOR: 200}),
    Row(
        "api:notifications_read",
        lambda w: "/api/v1/notifications/read",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="post",
    ),  # no body
    Row(
        "api:notification_settings",
        lambda w: "/api/v1/notifications/settings",
        {ANONYMOUS: 401, PERSON: 200, OPERATOR: 200},
    ),
    Row(
        "api:notification_settings_set",
        lambda w: "/api/v1/notifications/settings",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),
    # issue 17 (alerts): the cadence API, and a child's alerts — set by a linked guardian (and the pupil for
    # themselves); a trusted person, a teacher, the form tutor and a stranger get 404. An empty PUT body is 400.
    Row(
        "api:notification_cadence",
        lambda w: "/api/v1/notifications/cadence",
        {ANONYMOUS: 401, PERSON: 200, OPERATOR: 200, GUARDIAN: 200},
    ),
    Row(
        "api:notification_cadence_set",
        lambda w: "/api/v1/notifications/cadence",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),
    Row(
        "api:student_alerts",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/alerts",
        everyone(404) | {ANONYMOUS: 401, GUARDIAN: 200},
    ),
    Row(
        "api:student_alerts_set",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/alerts",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),  # no body; tests/diary/test_alerts_api.py has who may
    Row(
        "diary:alerts",
        lambda w: f"/cabinet/notifications/alerts/{w.pupil.public_id}/",
        everyone(404) | {ANONYMOUS: SIGN_IN, GUARDIAN: 200},
    ),
    Row(
        "diary:alerts",
        lambda w: f"/cabinet/notifications/alerts/{w.pupil.public_id}/",
        everyone(404) | {ANONYMOUS: SIGN_IN, GUARDIAN: "→/cabinet/notifications/cadence/"},
        method="post",
    ),
    # Visits and meals of the family; a diary-only trusted person gets 404 here.
    Row("visits:visits", lambda w: f"/diary/{w.pupil.public_id}/visits/", family_reads("visits_meals")),
    Row("visits:meals", lambda w: f"/diary/{w.pupil.public_id}/meals/", family_reads("visits_meals")),
    Row(
        "visits:threshold",
        lambda w: f"/diary/{w.pupil.public_id}/meals/threshold/",
        family_reads("visits_meals", family=404) | {GUARDIAN: "→/diary/"},
        method="post",
    ),
    Row(
        "visits:threshold",
        lambda w: f"/diary/{w.pupil.public_id}/meals/threshold/",
        everyone(405) | {ANONYMOUS: SIGN_IN},
    ),
    Row(
        "api:student_visits",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/visits",
        family_reads("visits_meals", anonymous=401),
    ),
    Row(
        "api:student_meals",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/meals",
        family_reads("visits_meals", anonymous=401),
    ),
    Row(
        "api:student_meals_threshold",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/meals/threshold",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),  # no body; tests/visits has who may
    # The schools' turnstile and canteen systems: a client-credentials token of the school, never a person.
    Row("api:post_passes", lambda w: "/api/v1/ingest/passes", everyone(401), method="post"),
    Row("api:post_meals", lambda w: "/api/v1/ingest/meals", everyone(401), method="post"),
    # The teacher's gradebook and lesson pages: the class's staff, a subject teacher in their subject only.
    Row("teacher:home", lambda w: "/teacher/", signed_in_only(200)),
    Row(
        "teacher:gradebook",
        lambda w: f"/teacher/gradebook/{w.pupil.school_class_id}/{w.subjects['algebra']}/",
        class_subject("algebra"),
    ),
    Row(
        "teacher:gradebook",
        lambda w: f"/teacher/gradebook/{w.pupil.school_class_id}/{w.subjects['russian']}/",
        class_subject("russian"),
    ),
    Row("teacher:lesson", lambda w: f"/teacher/lessons/{w.lessons['algebra']}/", class_subject("algebra")),
    Row("teacher:lesson", lambda w: f"/teacher/lessons/{w.lessons['russian']}/", class_subject("russian")),
    Row("teacher:lesson", lambda w: "/teacher/lessons/999999/", signed_in_only(404)),
    Row("teacher:lesson", lambda w: "/teacher/lessons/999999/", signed_in_only(404), method="post"),
    Row(
        "api:teacher_gradebook",
        lambda w: f"/api/v1/teacher/gradebook?class_id={w.pupil.school_class_id}&subject_id={w.subjects['algebra']}",
        class_subject("algebra", anonymous=401),
    ),
    Row(
        "api:teacher_gradebook",
        lambda w: f"/api/v1/teacher/gradebook?class_id={w.pupil.school_class_id}&subject_id={w.subjects['russian']}",
        class_subject("russian", anonymous=401),
    ),
    Row("api:teacher_gradebook", lambda w: "/api/v1/teacher/gradebook", everyone(405), method="post"),
    Row(
        "api:teacher_lesson_marks",
        lambda w: "/api/v1/lessons/999999/marks",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),
    Row(
        "api:teacher_lesson_attendance",
        lambda w: "/api/v1/lessons/999999/attendance",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),
    Row(
        "api:teacher_lesson_topic",
        lambda w: "/api/v1/lessons/999999/topic",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),
    Row(
        "api:teacher_lesson_homework",
        lambda w: "/api/v1/lessons/999999/homework",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),
    # Marks that explain themselves (issue 16): a teacher announces the work planned for a lesson (as the topic).
    Row(
        "api:teacher_lesson_plan",
        lambda w: "/api/v1/lessons/999999/plan",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),
    # Announcements: every signed-in person reads the feed (their family's); the staff who teach or tutor a
    # class, and the registrar, write; the author alone sees the receipts and reminds.
    Row("news:feed", lambda w: "/news/", signed_in_only()),
    Row(
        "news:new",
        lambda w: "/news/new/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, REGISTRAR: 200, SUBJECT_TEACHER: 200, FORM_TUTOR: 200},
    ),
    Row(
        "news:new",
        lambda w: "/news/new/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, REGISTRAR: 200, SUBJECT_TEACHER: 200, FORM_TUTOR: 200},
        method="post",
    ),  # no data: the form again with its errors
    Row(
        "news:read",
        lambda w: f"/news/{w.announcement_id}/read/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, GUARDIAN: "→/news/", TRUSTED_DIARY: "→/news/"},
        method="post",
    ),
    Row("news:read", lambda w: f"/news/{w.announcement_id}/read/", signed_in_only(405)),
    Row(
        "news:receipts",
        lambda w: f"/news/{w.announcement_id}/receipts/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, SUBJECT_TEACHER: 200},
    ),
    Row(
        "news:remind",
        lambda w: f"/news/{w.announcement_id}/remind/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, SUBJECT_TEACHER: "→/news/"},
        method="post",
    ),
    Row("news:remind", lambda w: f"/news/{w.announcement_id}/remind/", signed_in_only(405)),
    Row("api:announcements", lambda w: "/api/v1/announcements", {ANONYMOUS: 401, PERSON: 200, OPERATOR: 200}),
    Row(
        "api:announcement_read",
        lambda w: f"/api/v1/announcements/{w.announcement_id}/read",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, GUARDIAN: 200, TRUSTED_DIARY: 200},
        method="post",
    ),
    Row(
        "api:announcement_post",
        lambda w: "/api/v1/announcements",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="post",
    ),  # no body
    Row(
        "api:announcement_receipts",
        lambda w: f"/api/v1/announcements/{w.announcement_id}/receipts",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, SUBJECT_TEACHER: 200},
    ),
    Row(
        "api:announcement_remind",
        lambda w: f"/api/v1/announcements/{w.announcement_id}/remind",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, SUBJECT_TEACHER: 200},
        method="post",
    ),
    # The parent's absence note: the guardian files and withdraws (the pupil reads); trusted persons and staff
    # get 404, the form tutor reads the class's notes on a page of their own.
    Row(
        "diary:absence",
        lambda w: f"/diary/{w.pupil.public_id}/absence/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
    ),
    Row(
        "diary:absence",
        lambda w: f"/diary/{w.pupil.public_id}/absence/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
        method="post",
    ),  # no data: the form again with its errors
    Row(
        "diary:absence_withdraw",
        lambda w: f"/diary/absence/{w.absence_note_id}/withdraw/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, GUARDIAN: "→/diary/"},
        method="post",
    ),
    Row("diary:absence_withdraw", lambda w: f"/diary/absence/{w.absence_note_id}/withdraw/", signed_in_only(405)),
    Row(
        "teacher:absence",
        lambda w: f"/teacher/absence/{w.pupil.school_class_id}/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: 404, FORM_TUTOR: 200},
    ),
    Row(
        "api:student_absence_notes",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/absence-notes",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
    ),
    Row(
        "api:student_absence_note_file",
        lambda w: f"/api/v1/students/{w.pupil.public_id}/absence-notes",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="post",
    ),  # no body; tests/diary/test_absence.py has who may
    Row(
        "api:absence_note_withdraw",
        lambda w: f"/api/v1/absence-notes/{w.absence_note_id}/withdraw",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
        method="post",
    ),
    # «Передайте свои данные в школу»: pages about the signed-in person only, no ids in the URL.
    Row("registry:school", lambda w: "/cabinet/school/", signed_in_only()),
    Row("registry:link", lambda w: "/cabinet/school/link/", signed_in_only()),
    Row("registry:link", lambda w: "/cabinet/school/link/", signed_in_only(200), method="post"),
    Row(
        "portal:revoke_app",
        lambda w: f"/cabinet/apps/{w.consent_of[PERSON]}/revoke/",
        {
            ANONYMOUS: SIGN_IN,
            PERSON: "→/cabinet/apps/",
            OPERATOR: 404,
            REGISTRAR: 404,
            GUARDIAN: 404,
            TRUSTED_DIARY: 404,
            TRUSTED_VISITS: 404,
            SUBJECT_TEACHER: 404,
            FORM_TUTOR: 404,
        },
        method="post",
    ),
    Row(
        "portal:revoke_app",
        lambda w: f"/cabinet/apps/{w.consent_of[OPERATOR]}/revoke/",
        {ANONYMOUS: SIGN_IN, PERSON: 404, OPERATOR: "→/cabinet/apps/"},
        method="post",
    ),
    Row("portal:revoke_app", lambda w: "/cabinet/apps/999999/revoke/", signed_in_only(404), method="post"),
    Row(
        "portal:revoke_app",
        lambda w: f"/cabinet/apps/{w.consent_of[PERSON]}/revoke/",
        {ANONYMOUS: SIGN_IN, PERSON: 405, OPERATOR: 405},
    ),
    # The OpenID Connect provider: public metadata; the rest answers by OAuth rules, not by session.
    Row("oauth2_provider:oidc-connect-discovery-info", lambda w: "/.well-known/openid-configuration", everyone(200)),
    Row("oauth2_provider:jwks-info", lambda w: "/.well-known/jwks.json", everyone(200)),
    # A request with no client is refused before anyone is asked to sign in (issue 14).
    Row("oauth2_provider:authorize", lambda w: "/o/authorize/", everyone(400)),
    Row("oauth2_provider:token", lambda w: "/o/token/", everyone(405)),
    Row("oauth2_provider:token", lambda w: "/o/token/", everyone(400), method="post"),
    Row("oauth2_provider:revoke-token", lambda w: "/o/revoke_token/", everyone(400), method="post"),
    Row("oauth2_provider:user-info", lambda w: "/o/userinfo/", everyone(401)),
    Row(
        "oauth2_provider:rp-initiated-logout",
        lambda w: "/o/logout/",
        {ANONYMOUS: "→http://testserver/", PERSON: 200, OPERATOR: 200},
    ),
    Row("set_language", lambda w: "/i18n/setlang/", everyone("→/"), method="post"),
    Row("api:me", lambda w: "/api/v1/me", {ANONYMOUS: 401, PERSON: 200, OPERATOR: 200}),
    Row("api:openapi-json", lambda w: "/api/v1/openapi.json", everyone(200)),
    Row("api:openapi-view", lambda w: "/api/v1/docs", everyone(200)),
    Row("api:api-root", lambda w: "/api/v1/", everyone(404)),
    # The operator's admin site: staff only; a person is sent to the admin's sign-in like a stranger.
    Row("admin:index", lambda w: "/admin/", staff_only()),
    # The admin's own password form would skip the second factor: operators sign in on the portal's page.
    Row("admin:login", lambda w: "/admin/login/", {ANONYMOUS: SIGN_IN, PERSON: SIGN_IN, OPERATOR: "→/admin/"}),
    Row(
        "admin:login",
        lambda w: "/admin/login/",
        {ANONYMOUS: SIGN_IN, PERSON: SIGN_IN, OPERATOR: "→/admin/"},
        method="post",
    ),
    Row(
        "admin:logout",
        lambda w: "/admin/logout/",
        {ANONYMOUS: "→/admin/", PERSON: "→/admin/", OPERATOR: "→/signin/"},
        method="post",
    ),
    Row("admin:password_change", lambda w: "/admin/password_change/", staff_only()),
    Row("admin:password_change_done", lambda w: "/admin/password_change/done/", staff_only()),
    Row("admin:autocomplete", lambda w: "/admin/autocomplete/", staff_only(403)),
    Row("admin:jsi18n", lambda w: "/admin/jsi18n/", staff_only()),
    Row("admin:view_on_site", lambda w: "/admin/r/1/1/", staff_only(404)),
    Row("admin:app_list", lambda w: "/admin/portal/", staff_only()),
    Row("admin:portal_user_changelist", lambda w: "/admin/portal/user/", staff_only()),
    Row("admin:portal_user_add", lambda w: "/admin/portal/user/add/", staff_only()),
    Row("admin:portal_user_change", admin_object("user", "change/"), staff_only()),
    Row("admin:portal_user_history", admin_object("user", "history/"), staff_only()),
    Row("admin:portal_user_delete", admin_object("user", "delete/"), staff_only()),
    Row("admin:auth_user_password_change", admin_object("user", "password/"), staff_only()),
    Row("admin:<path:object_id>/", admin_object("user", ""), staff_only("→/admin/portal/user/")),
    # --- privacy (issue 18): the terms' versions and the acceptances in the admin site ---
    Row("admin:portal_termsversion_changelist", lambda w: "/admin/portal/termsversion/", staff_only()),
    Row("admin:portal_termsversion_add", lambda w: "/admin/portal/termsversion/add/", staff_only()),
    Row(
        "admin:portal_termsversion_change", lambda w: f"/admin/portal/termsversion/{seed_terms()}/change/", staff_only()
    ),
    Row(
        "admin:portal_termsversion_history",
        lambda w: f"/admin/portal/termsversion/{seed_terms()}/history/",
        staff_only(),
    ),
    Row(
        "admin:portal_termsversion_delete", lambda w: f"/admin/portal/termsversion/{seed_terms()}/delete/", staff_only()
    ),
    Row("admin:portal_termsacceptance_changelist", lambda w: "/admin/portal/termsacceptance/", staff_only()),
    Row("admin:portal_termsacceptance_add", lambda w: "/admin/portal/termsacceptance/add/", staff_only(403)),
    Row(
        "admin:portal_termsacceptance_change",
        lambda w: "/admin/portal/termsacceptance/999999/change/",
        staff_only("→/admin/"),
    ),
    Row(
        "admin:portal_termsacceptance_history",
        lambda w: "/admin/portal/termsacceptance/999999/history/",
        staff_only("→/admin/"),
    ),
    Row(
        "admin:portal_termsacceptance_delete",
        lambda w: "/admin/portal/termsacceptance/999999/delete/",
        staff_only("→/admin/"),
    ),
    # --- end of privacy ---
    Row("admin:auth_group_changelist", lambda w: "/admin/auth/group/", staff_only()),
    Row("admin:auth_group_add", lambda w: "/admin/auth/group/add/", staff_only()),
    Row("admin:auth_group_change", lambda w: "/admin/auth/group/999999/change/", staff_only("→/admin/")),
    Row("admin:auth_group_history", lambda w: "/admin/auth/group/999999/history/", staff_only("→/admin/")),
    Row("admin:auth_group_delete", lambda w: "/admin/auth/group/999999/delete/", staff_only("→/admin/")),
    Row(
        "admin:django_tasks_database_dbtaskresult_changelist",
        lambda w: "/admin/django_tasks_database/dbtaskresult/",
        staff_only(),
    ),
    Row(
        "admin:django_tasks_database_dbtaskresult_add",
        lambda w: "/admin/django_tasks_database/dbtaskresult/add/",
        staff_only(403),
    ),
    Row(
        "admin:django_tasks_database_dbtaskresult_change",
        lambda w: "/admin/django_tasks_database/dbtaskresult/00000000-0000-0000-0000-000000000000/change/",
        staff_only("→/admin/"),
    ),
    Row(
        "admin:django_tasks_database_dbtaskresult_history",
        lambda w: "/admin/django_tasks_database/dbtaskresult/00000000-0000-0000-0000-000000000000/history/",
        staff_only("→/admin/"),
    ),
    Row(
        "admin:django_tasks_database_dbtaskresult_delete",
        lambda w: "/admin/django_tasks_database/dbtaskresult/00000000-0000-0000-0000-000000000000/delete/",
        staff_only(403),
    ),
    Row("admin:oauth2_provider_application_changelist", lambda w: "/admin/oauth2_provider/application/", staff_only()),
    Row("admin:oauth2_provider_application_add", lambda w: "/admin/oauth2_provider/application/add/", staff_only()),
    Row(
        "admin:oauth2_provider_application_change",
        lambda w: f"/admin/oauth2_provider/application/{w.application_id}/change/",
        staff_only(),
    ),
    Row(
        "admin:oauth2_provider_application_history",
        lambda w: f"/admin/oauth2_provider/application/{w.application_id}/history/",
        staff_only(),
    ),
    Row(
        "admin:oauth2_provider_application_delete",
        lambda w: f"/admin/oauth2_provider/application/{w.application_id}/delete/",
        staff_only(),
    ),
    # Messages: a thread about ``World.pupil`` between its guardian and its algebra teacher (the form tutor is
    # not on it); a trusted person, another teacher and strangers get 404 (tests/messaging has every rule).
    Row("messaging:list", lambda w: "/messages/", signed_in_only()),
    Row("messaging:new", lambda w: "/messages/new/", signed_in_only()),
    Row("messaging:new", lambda w: f"/messages/new/?student={w.pupil.public_id}", signed_in_only()),
    Row("messaging:new", lambda w: "/messages/new/", signed_in_only(), method="post"),  # the form again
    Row("messaging:thread", lambda w: f"/messages/{w.threads['thread']}/", on_thread()),
    Row("messaging:thread", lambda w: f"/messages/{w.threads['thread']}/", on_thread(), method="post"),  # no text
    Row(
        "messaging:mute",
        lambda w: f"/messages/{w.threads['thread']}/mute/",
        on_thread(404) | {SUBJECT_TEACHER: "→/messages/"},
        method="post",
    ),
    Row("messaging:mute", lambda w: f"/messages/{w.threads['thread']}/mute/", signed_in_only(405)),
    Row(
        "messaging:edit",
        lambda w: f"/messages/{w.threads['thread']}/{w.threads['message']}/edit/",
        on_thread(404) | {GUARDIAN: "→/messages/"},
        method="post",
    ),
    Row(
        "messaging:edit", lambda w: f"/messages/{w.threads['thread']}/{w.threads['message']}/edit/", signed_in_only(405)
    ),
    Row(
        "messaging:withdraw",
        lambda w: f"/messages/{w.threads['thread']}/{w.threads['message']}/withdraw/",
        on_thread(404) | {GUARDIAN: "→/messages/"},
        method="post",
    ),
    Row(
        "messaging:withdraw",
        lambda w: f"/messages/{w.threads['thread']}/{w.threads['message']}/withdraw/",
        signed_in_only(405),
    ),
    Row("messaging:attachment", lambda w: f"/messages/attachments/{w.threads['attachment']}/", on_thread()),
    Row("messaging:attachment", lambda w: "/messages/attachments/999999/", signed_in_only(404)),
    Row("api:threads", lambda w: "/api/v1/threads", {ANONYMOUS: 401, PERSON: 200, OPERATOR: 200}),
    Row(
        "api:thread_start", lambda w: "/api/v1/threads", {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400}, method="post"
    ),  # no body
    Row(
        "api:thread_recipients",
        lambda w: f"/api/v1/threads/recipients?student_id={w.pupil.public_id}",
        {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404, GUARDIAN: 200},
    ),
    Row("api:thread", lambda w: f"/api/v1/threads/{w.threads['thread']}", on_thread(anonymous=401)),
    Row("api:thread", lambda w: "/api/v1/threads/999999", {ANONYMOUS: 401, PERSON: 404, OPERATOR: 404}),
    Row(
        "api:thread_post",
        lambda w: f"/api/v1/threads/{w.threads['thread']}/messages",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="post",
    ),  # no body
    Row(
        "api:thread_read",
        lambda w: f"/api/v1/threads/{w.threads['thread']}/read",
        on_thread(anonymous=401),
        method="post",
    ),
    Row(
        "api:message_edit",
        lambda w: f"/api/v1/threads/{w.threads['thread']}/messages/{w.threads['message']}",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="patch",
    ),  # no body
    Row(
        "api:message_withdraw",
        lambda w: f"/api/v1/threads/{w.threads['thread']}/messages/{w.threads['message']}/withdraw",
        on_thread(404, anonymous=401) | {GUARDIAN: 200},
        method="post",
    ),
    Row(
        "api:thread_mute",
        lambda w: f"/api/v1/threads/{w.threads['thread']}/mutes",
        {ANONYMOUS: 401, PERSON: 400, OPERATOR: 400},
        method="put",
    ),  # no body
    # The registrar opens a thread of their school only on a written request (no list to browse).
    Row("backoffice:messaging_disclose", lambda w: "/backoffice/messages/disclose/", registrar_only()),
    Row("backoffice:messaging_disclose", lambda w: "/backoffice/messages/disclose/", registrar_only(), method="post"),
    # Custody limits (issue 18, `custody`): only a registrar of the pupil's school restricts a guardian and
    # lifts a restriction (a registrar of another school: tests/registry/test_custody.py).
    Row("backoffice:custody", lambda w: f"/backoffice/custody/{_guardian_of(w)}/", registrar_only()),
    Row("backoffice:custody", lambda w: f"/backoffice/custody/{_guardian_of(w)}/", registrar_only(), method="post"),
    Row(
        "backoffice:custody_lift",
        lambda w: f"/backoffice/custody/lift/{_future_restriction(w)}/",
        registrar_only("→/backoffice/custody/"),
        method="post",
    ),
    Row(
        "backoffice:custody_lift", lambda w: f"/backoffice/custody/lift/{_future_restriction(w)}/", registrar_only(404)
    ),
    # --- erasure (issue 18: retention, destruction records, account deletion) ---
    # Everyone signed in may close their own account (a staff account is refused by the service, not here); a
    # POST without the password shows the form again. The closed page says what happens next, to anyone.
    Row("erasure:delete_account", lambda w: "/cabinet/delete/", signed_in_only()),
    Row("erasure:delete_account", lambda w: "/cabinet/delete/", signed_in_only(200), method="post"),
    Row("erasure:deleted", lambda w: "/account-deleted/", everyone(200)),
    # The act of the registrar's schools (a registrar of another school sees only theirs: tests/erasure).
    Row("backoffice:erasure_act", lambda w: "/backoffice/erasure/act/", registrar_only()),
    Row("backoffice:erasure_act", lambda w: "/backoffice/erasure/act/?format=csv", registrar_only()),
    # Erasing a record: a registrar of the pupil's school only; without a ground the form again, nothing erased.
    Row("backoffice:erasure_pupil", lambda w: f"/backoffice/erasure/pupil/{w.pupil.public_id}/", registrar_only()),
    Row(
        "backoffice:erasure_pupil",
        lambda w: f"/backoffice/erasure/pupil/{w.foreign_pupil.public_id}/",
        registrar_only(404),
    ),
    Row(
        "backoffice:erasure_pupil",
        lambda w: f"/backoffice/erasure/pupil/{w.pupil.public_id}/",
        registrar_only(200),
        method="post",
    ),
    Row(
        "backoffice:erasure_pupil",
        lambda w: f"/backoffice/erasure/pupil/{uuid.UUID(int=1)}/",
        registrar_only(404),
    ),
    # The retention periods of the registrar's own school; another school's: 404; never deleted (403).
    Row(
        "backoffice:erasure_retentionpolicy_changelist",
        lambda w: "/backoffice/erasure/retentionpolicy/",
        registrar_only(),
    ),
    Row(
        "backoffice:erasure_retentionpolicy_add", lambda w: "/backoffice/erasure/retentionpolicy/add/", registrar_only()
    ),
    Row(
        "backoffice:erasure_retentionpolicy_change",
        lambda w: f"/backoffice/erasure/retentionpolicy/{_retention_policy(w)}/change/",
        registrar_only(),
    ),
    Row(
        "backoffice:erasure_retentionpolicy_change",
        lambda w: f"/backoffice/erasure/retentionpolicy/{_retention_policy(w, foreign=True)}/change/",
        registrar_only(404),
    ),
    Row(
        "backoffice:erasure_retentionpolicy_history",
        lambda w: f"/backoffice/erasure/retentionpolicy/{_retention_policy(w)}/history/",
        registrar_only(),
    ),
    Row(
        "backoffice:erasure_retentionpolicy_delete",
        lambda w: f"/backoffice/erasure/retentionpolicy/{_retention_policy(w)}/delete/",
        registrar_only(403),
    ),
    # Operators: every school's periods and the act of all destructions; a destruction record is read only.
    Row("admin:erasure_retentionpolicy_changelist", lambda w: "/admin/erasure/retentionpolicy/", staff_only()),
    Row("admin:erasure_retentionpolicy_add", lambda w: "/admin/erasure/retentionpolicy/add/", staff_only()),
    Row(
        "admin:erasure_retentionpolicy_change",
        lambda w: f"/admin/erasure/retentionpolicy/{_retention_policy(w)}/change/",
        staff_only(),
    ),
    Row(
        "admin:erasure_retentionpolicy_history",
        lambda w: f"/admin/erasure/retentionpolicy/{_retention_policy(w)}/history/",
        staff_only(),
    ),
    Row(
        "admin:erasure_retentionpolicy_delete",
        lambda w: f"/admin/erasure/retentionpolicy/{_retention_policy(w)}/delete/",
        staff_only(),
    ),
    Row("admin:erasure_destructionrecord_changelist", lambda w: "/admin/erasure/destructionrecord/", staff_only()),
    Row("admin:erasure_act", lambda w: "/admin/erasure/destructionrecord/act/", staff_only()),
    Row("admin:erasure_act", lambda w: "/admin/erasure/destructionrecord/act/?format=csv", staff_only()),
    Row("admin:erasure_destructionrecord_add", lambda w: "/admin/erasure/destructionrecord/add/", staff_only(403)),
    Row(
        "admin:erasure_destructionrecord_change",
        lambda w: f"/admin/erasure/destructionrecord/{_destruction_record(w)}/change/",
        staff_only(),
    ),
    Row(
        "admin:erasure_destructionrecord_history",
        lambda w: f"/admin/erasure/destructionrecord/{_destruction_record(w)}/history/",
        staff_only(),
    ),
    Row(
        "admin:erasure_destructionrecord_delete",
        lambda w: f"/admin/erasure/destructionrecord/{_destruction_record(w)}/delete/",
        staff_only(403),
    ),
    # --- end of erasure ---
    # The registrar's back office.
    Row("backoffice:index", lambda w: "/backoffice/", registrar_only()),
    Row("backoffice:app_list", lambda w: "/backoffice/registry/", registrar_only()),
    Row("backoffice:login", lambda w: "/backoffice/login/", everyone("→/signin/?next=")),
    Row("backoffice:logout", lambda w: "/backoffice/logout/", registrar_only("→/signin/"), method="post"),
    Row("backoffice:password_change", lambda w: "/backoffice/password_change/", registrar_only("→/cabinet/password/")),
    Row("backoffice:password_change_done", lambda w: "/backoffice/password_change/done/", registrar_only("→/cabinet/")),
    Row("backoffice:autocomplete", lambda w: "/backoffice/autocomplete/", registrar_only(403)),
    Row("backoffice:jsi18n", lambda w: "/backoffice/jsi18n/", registrar_only()),
    Row("backoffice:view_on_site", lambda w: "/backoffice/r/1/1/", registrar_only(404)),
    Row("backoffice:registry_import", lambda w: "/backoffice/registry/import/", registrar_only()),
    # A registrar verifies the SNILS of a person linked to a record of their school; of nobody else.
    Row("backoffice:snils_verify", lambda w: f"/backoffice/snils/{w.family[GUARDIAN].public_id}/", registrar_only()),
    Row("backoffice:snils_verify", lambda w: f"/backoffice/snils/{w.person.public_id}/", registrar_only(404)),
    Row(
        "backoffice:snils_verify",
        lambda w: f"/backoffice/snils/{w.family[GUARDIAN].public_id}/",
        registrar_only(200),
        method="post",
    ),
    Row(
        "backoffice:snils_verify",
        lambda w: f"/backoffice/snils/{w.person.public_id}/",
        registrar_only(404),
        method="post",
    ),
    Row("backoffice:registry_pupil_changelist", lambda w: "/backoffice/registry/pupil/", registrar_only()),
    Row("backoffice:registry_pupil_add", lambda w: "/backoffice/registry/pupil/add/", registrar_only()),
    Row("backoffice:registry_pupil_change", backoffice("pupil", "pupil", "change/"), registrar_only()),
    Row("backoffice:registry_pupil_change", backoffice("pupil", "foreign_pupil", "change/"), registrar_only(404)),
    Row("backoffice:registry_pupil_history", backoffice("pupil", "pupil", "history/"), registrar_only()),
    Row("backoffice:registry_pupil_history", backoffice("pupil", "foreign_pupil", "history/"), registrar_only(404)),
    Row("backoffice:registry_pupil_delete", backoffice("pupil", "pupil", "delete/"), registrar_only(403)),
    Row(
        "backoffice:<path:object_id>/", backoffice("pupil", "pupil", ""), registrar_only("→/backoffice/registry/pupil/")
    ),
    Row("backoffice:registry_schoolclass_changelist", lambda w: "/backoffice/registry/schoolclass/", registrar_only()),
    Row("backoffice:registry_schoolclass_add", lambda w: "/backoffice/registry/schoolclass/add/", registrar_only()),
    Row(
        "backoffice:registry_schoolclass_change",
        lambda w: f"/backoffice/registry/schoolclass/{w.pupil.school_class_id}/change/",
        registrar_only(),
    ),
    Row(
        "backoffice:registry_schoolclass_change",
        lambda w: f"/backoffice/registry/schoolclass/{w.foreign_pupil.school_class_id}/change/",
        registrar_only(404),
    ),
    Row(
        "backoffice:registry_schoolclass_history",
        lambda w: f"/backoffice/registry/schoolclass/{w.pupil.school_class_id}/history/",
        registrar_only(),
    ),
    Row(
        "backoffice:registry_schoolclass_delete",
        lambda w: f"/backoffice/registry/schoolclass/{w.pupil.school_class_id}/delete/",
        registrar_only(403),
    ),
    Row("backoffice:registry_linkrequest_changelist", lambda w: "/backoffice/registry/linkrequest/", registrar_only()),
    Row("backoffice:registry_linkrequest_add", lambda w: "/backoffice/registry/linkrequest/add/", registrar_only(403)),
    Row(
        "backoffice:registry_linkrequest_change", backoffice("linkrequest", "link_request", "change/"), registrar_only()
    ),
    Row(
        "backoffice:registry_linkrequest_change",
        backoffice("linkrequest", "foreign_link_request", "change/"),
        registrar_only(404),
    ),
    Row(
        "backoffice:registry_linkrequest_history",
        backoffice("linkrequest", "link_request", "history/"),
        registrar_only(),
    ),
    Row(
        "backoffice:registry_linkrequest_delete",
        backoffice("linkrequest", "link_request", "delete/"),
        registrar_only(403),
    ),
    Row(
        "backoffice:registry_linkrequest_decide",
        backoffice("linkrequest", "link_request", "decide/"),
        registrar_only(404),
    ),
    Row(
        "backoffice:registry_linkrequest_decide",
        backoffice("linkrequest", "foreign_link_request", "decide/"),
        registrar_only(404),
        method="post",
    ),
    Row("backoffice:(?P<url>.*)$", lambda w: "/backoffice/no-such-page/", registrar_only(404)),
    *scoped_model_rows("registry/schoolyear"),
    *scoped_model_rows("registry/subject"),
    *scoped_model_rows("diary/lessonslot"),
    *scoped_model_rows("diary/timetableentry"),
    *scoped_model_rows("visits/card", delete=200),  # a registrar may remove a lost card
    Row("admin:visits_card_changelist", lambda w: "/admin/visits/card/", staff_only()),
    Row("admin:visits_card_add", lambda w: "/admin/visits/card/add/", staff_only()),
    Row(
        "admin:visits_card_change",
        lambda w: f"/admin/visits/card/{w.timetable_objects['visits/card'][0]}/change/",
        staff_only(),
    ),
    Row(
        "admin:visits_card_history",
        lambda w: f"/admin/visits/card/{w.timetable_objects['visits/card'][0]}/history/",
        staff_only(),
    ),
    Row(
        "admin:visits_card_delete",
        lambda w: f"/admin/visits/card/{w.timetable_objects['visits/card'][0]}/delete/",
        staff_only(),
    ),
    Row("admin:visits_ingestclient_changelist", lambda w: "/admin/visits/ingestclient/", staff_only()),
    Row("admin:visits_ingestclient_add", lambda w: "/admin/visits/ingestclient/add/", staff_only(403)),
    Row(
        "admin:visits_ingestclient_change",
        lambda w: f"/admin/visits/ingestclient/{w.ingest_client_id}/change/",
        staff_only(),
    ),
    Row(
        "admin:visits_ingestclient_history",
        lambda w: f"/admin/visits/ingestclient/{w.ingest_client_id}/history/",
        staff_only(),
    ),
    Row(
        "admin:visits_ingestclient_delete",
        lambda w: f"/admin/visits/ingestclient/{w.ingest_client_id}/delete/",
        staff_only(),
    ),
    Row("admin:registry_school_changelist", lambda w: "/admin/registry/school/", staff_only()),
    Row("admin:registry_school_add", lambda w: "/admin/registry/school/add/", staff_only()),
    Row("admin:registry_school_change", lambda w: f"/admin/registry/school/{w.school.pk}/change/", staff_only()),
    Row("admin:registry_school_history", lambda w: f"/admin/registry/school/{w.school.pk}/history/", staff_only()),
    Row("admin:registry_school_delete", lambda w: f"/admin/registry/school/{w.school.pk}/delete/", staff_only()),
    Row("admin:registry_staffmember_changelist", lambda w: "/admin/registry/staffmember/", staff_only()),
    Row("admin:registry_staffmember_add", lambda w: "/admin/registry/staffmember/add/", staff_only()),
    Row(
        "admin:registry_staffmember_change",
        lambda w: "/admin/registry/staffmember/999999/change/",
        staff_only("→/admin/"),
    ),
    Row(
        "admin:registry_staffmember_history",
        lambda w: "/admin/registry/staffmember/999999/history/",
        staff_only("→/admin/"),
    ),
    Row(
        "admin:registry_staffmember_delete",
        lambda w: "/admin/registry/staffmember/999999/delete/",
        staff_only("→/admin/"),
    ),
    Row("admin:notify_outboundmessage_changelist", lambda w: "/admin/notify/outboundmessage/", staff_only()),
    Row("admin:notify_outboundmessage_add", lambda w: "/admin/notify/outboundmessage/add/", staff_only(403)),
    Row(
        "admin:notify_outboundmessage_change",
        lambda w: "/admin/notify/outboundmessage/999999/change/",
        staff_only("→/admin/"),
    ),
    Row(
        "admin:notify_outboundmessage_history",
        lambda w: "/admin/notify/outboundmessage/999999/history/",
        staff_only("→/admin/"),
    ),
    Row(
        "admin:notify_outboundmessage_delete",
        lambda w: "/admin/notify/outboundmessage/999999/delete/",
        staff_only("→/admin/"),
    ),
    Row("admin:(?P<url>.*)$", lambda w: "/admin/no-such-page/", staff_only(404)),
]


def url_keys(patterns: list[Any], namespace: tuple[str, ...] = ()) -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (*namespace, pattern.namespace) if pattern.namespace else namespace
            yield from url_keys(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield ":".join((*namespace, pattern.name or str(pattern.pattern)))


def test_every_url_has_rows() -> None:
    covered = {row.key for row in ROWS}
    missing = sorted(set(url_keys(get_resolver().url_patterns)) - covered)
    assert not missing, f"URL patterns without access-matrix rows: {missing}"


def test_rows_name_real_urls() -> None:
    assert {row.key for row in ROWS} <= set(url_keys(get_resolver().url_patterns))


@pytest.fixture
def world(db: None, settings: Any, tmp_path: Any) -> World:
    def account(email: str, phone: str, **extra: Any) -> User:
        return User.objects.create_user(email, PASSWORD, surname="Тестов", given_name="Тест", phone=phone, **extra)

    person = account("person@example.ru", "+79000000001")
    operator = account("operator@example.ru", "+79000000003", is_staff=True, is_superuser=True)
    registrar = account("registrar@example.ru", "+79000000004")
    app = services.register_oidc_client(name="App", client_id="app", redirect_uris=["https://app.example/cb"])
    school, foreign_school = School.objects.create(code="s1", name="S1"), School.objects.create(code="s2", name="S2")
    StaffMember.objects.create(school=school, account=registrar, role=StaffMember.Role.REGISTRAR)

    def pupil_of(of: School) -> Pupil:
        record = Pupil(
            school=of,
            school_class=SchoolClass.objects.create(school=of, grade=7, letter="А"),
            surname="Учеников",
            given_name="Иван",
            birth_date=date(2012, 1, 1),
        )
        record.refresh_fio_key()
        record.save()
        return record

    teacher = account("teacher@example.ru", "+79000000005")  # teaches in both schools; no actor of the matrix

    def timetable_of(of: School) -> dict[str, int]:
        slot = LessonSlot.objects.create(school=of, number=1, starts_at=time(9), ends_at=time(9, 45))
        subject = Subject.objects.create(school=of, name="Алгебра")
        entry = TimetableEntry.objects.create(
            school_class=SchoolClass.objects.filter(school=of).get(),
            weekday=0,
            slot=slot,
            subject=subject,
            teacher=teacher,
        )
        year = SchoolYear.objects.create(
            school=of, name="2026/2027", starts_on=date(2026, 9, 1), ends_on=date(2027, 5, 31)
        )
        card = Card.objects.create(school=of, number=f"card-{of.code}", pupil=Pupil.objects.filter(school=of).get())
        return {
            "registry/schoolyear": year.pk,
            "registry/subject": subject.pk,
            "diary/lessonslot": slot.pk,
            "diary/timetableentry": entry.pk,
            "visits/card": card.pk,
        }

    pupil, foreign_pupil = pupil_of(school), pupil_of(foreign_school)
    own, foreign = timetable_of(school), timetable_of(foreign_school)
    guardian = account("guardian@example.ru", "+79000000006", birth_date=date(1985, 1, 1))
    make_guardian(pupil, guardian)
    family, grants = {GUARDIAN: guardian}, {}
    for actor, service, phone in (
        (TRUSTED_DIARY, "diary", "+79000000007"),
        (TRUSTED_VISITS, "visits_meals", "+79000000008"),
    ):
        family[actor] = account(f"{actor}@example.ru", phone, phone_confirmed_at=timezone.now())
        grants[actor] = make_grant(pupil, family[actor], service).pk
    grants["invitation"] = make_grant(pupil, family[TRUSTED_VISITS], "diary", state="pending").pk
    staff = {SUBJECT_TEACHER: teacher, FORM_TUTOR: account("tutor@example.ru", "+79000000009")}
    StaffMember.objects.create(
        school=school, account=staff[FORM_TUTOR], role=StaffMember.Role.FORM_TUTOR, school_class=pupil.school_class
    )
    settings.MEDIA_ROOT = str(tmp_path)
    subjects, lessons, attachments = _class_lessons(pupil, teacher, account("russian@example.ru", "+79000000010"))
    ingest_client = register_ingest_client(school=school, name="Турникеты")
    marks = {
        name: Mark.objects.create(pupil=pupil, lesson_id=lesson_id, value="5", created_by=teacher).pk
        for name, lesson_id in lessons.items()
    }
    announcement = Announcement.objects.create(
        school=school, author=teacher, title="Собрание", body="В четверг", audience="classes", needs_confirmation=True
    )
    AnnouncementClass.objects.create(announcement=announcement, school_class=pupil.school_class)
    ahead = timezone.localdate() + timedelta(days=3)
    note = AbsenceNote.objects.create(pupil=pupil, starts_on=ahead, ends_on=ahead, reason="illness", filed_by=guardian)
    thread = messaging_services.start_thread(
        author=guardian,
        student_id=str(pupil.public_id),
        teacher_id=str(teacher.public_id),
        subject_id=subjects["algebra"],
        text="Добрый вечер",
        files=[SimpleUploadedFile("1.txt", b"1", content_type="text/plain")],
    )
    message = thread.messages.get()
    return World(
        announcement_id=announcement.pk,
        absence_note_id=note.pk,
        threads={"thread": thread.pk, "message": message.pk, "attachment": message.attachments.get().pk},
        staff=staff,
        subjects=subjects,
        lessons=lessons,
        attachments=attachments,
        marks=marks,
        ingest_client_id=ingest_client.ingest_client.pk,
        family=family,
        grants=grants,
        timetable_objects={key: (own[key], foreign[key]) for key in own},
        registrar=registrar,
        school=school,
        pupil=pupil,
        foreign_pupil=foreign_pupil,
        link_request=LinkRequest.objects.create(account=person, school=school, kind=LinkRequest.Kind.PUPIL),
        foreign_link_request=LinkRequest.objects.create(
            account=person, school=foreign_school, kind=LinkRequest.Kind.PUPIL
        ),
        person=person,
        other=account("other@example.ru", "+79000000002"),
        operator=operator,
        application_id=app.application.pk,
        consent_of={
            actor: services.record_client_consent(user=user, application=app.application, scopes=["openid"]).pk
            for actor, user in ((PERSON, person), (OPERATOR, operator))
        },
    )


def _class_lessons(
    pupil: Pupil, algebra_teacher: User, russian_teacher: User
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """A lesson of ``pupil``'s class in algebra (its timetable's) and in russian, each with a homework file."""
    school_class = pupil.school_class
    year = SchoolYear.objects.get(school=pupil.school)
    term = Term.objects.create(year=year, number=1, name="1", starts_on=year.starts_on, ends_on=year.ends_on)
    russian = Subject.objects.create(school=pupil.school, name="Русский язык")
    slot = LessonSlot.objects.get(school=pupil.school)
    TimetableEntry.objects.create(
        school_class=school_class, weekday=1, slot=slot, subject=russian, teacher=russian_teacher
    )
    algebra = Subject.objects.get(school=pupil.school, name="Алгебра")
    subjects, lessons, attachments = {}, {}, {}
    for name, subject, teacher, day in (
        ("algebra", algebra, algebra_teacher, date(2026, 11, 2)),
        ("russian", russian, russian_teacher, date(2026, 11, 3)),
    ):
        lesson = Lesson.objects.create(
            school_class=school_class, term=term, date=day, slot=slot, subject=subject, teacher=teacher
        )
        homework = Homework.objects.create(lesson=lesson, text="№ 1", created_by=teacher)
        attachment = HomeworkAttachment(homework=homework, name="1.txt", size=1, content_type="text/plain")
        attachment.file.save("1.txt", ContentFile(b"1"), save=True)
        subjects[name], lessons[name], attachments[name] = subject.pk, lesson.pk, attachment.pk
    return subjects, lessons, attachments


def homework_of(lesson_id: int) -> int:
    """The homework set at a lesson of ``World.lessons``."""
    return Homework.objects.values_list("pk", flat=True).get(lesson_id=lesson_id)


def answer_file_of(world: World, lesson: str) -> int:
    """A file of ``World.pupil``'s answer to the homework of a lesson of ``World.lessons`` (made on first use)."""
    homework = Homework.objects.get(lesson_id=world.lessons[lesson])
    submission, _created = HomeworkSubmission.objects.get_or_create(
        homework=homework, pupil=world.pupil, defaults={"text": "Ответ"}
    )
    found = submission.files.first()
    if found is None:
        found = SubmissionFile(submission=submission, name="1.txt", size=1, content_type="text/plain")
        found.file.save("1.txt", ContentFile(b"1"), save=True)
    return found.pk


def client_for(actor: str, world: World) -> Client:
    client = Client()
    if actor in world.family:
        client.force_login(world.family[actor])
    elif actor in world.staff:
        client.force_login(world.staff[actor])
    elif actor != ANONYMOUS:
        client.force_login(getattr(world, actor))
    return client


QUERY_COUNTS = Path(__file__).with_name("query_counts.json")
VENDORS = ("postgresql", "sqlite")
Budget = int | dict[str, int]  # one number for every vendor, or one per vendor where they differ


def budget_key(row: Row, actor: str) -> str:
    twins = [other for other in ROWS if (other.method, other.key) == (row.method, row.key)]
    nth = next(i for i, other in enumerate(twins, 1) if other is row)
    return f"{row.method} {row.key}{f'#{nth}' if len(twins) > 1 else ''} {actor}"


def allowed(row: Row, actor: str) -> bool:
    expected = row.expect.get(actor, row.expect[PERSON])
    return isinstance(expected, int) and 200 <= expected < 300


def recorded_for(vendor: str, budget: Budget | None, count: int) -> Budget:
    """``budget`` with ``vendor``'s number set to ``count``: one number again when the vendors agree."""
    if budget is None:
        budget = count  # the other vendor is assumed alike until its own run says otherwise
    per_vendor = dict(budget) if isinstance(budget, dict) else dict.fromkeys(VENDORS, budget)
    per_vendor[vendor] = count
    return count if len(set(per_vendor.values())) == 1 else dict(sorted(per_vendor.items()))


@pytest.fixture(scope="module")
def query_budgets() -> Iterator[dict[str, Budget]]:
    """The recorded budgets; with QUERY_BUDGETS_UPDATE=1, rewritten from what the module counted."""
    budgets: dict[str, Budget] = json.loads(QUERY_COUNTS.read_text()) if QUERY_COUNTS.exists() else {}
    yield budgets
    if os.environ.get("QUERY_BUDGETS_UPDATE") == "1":
        wanted = {budget_key(row, actor) for row in ROWS for actor in ACTORS if allowed(row, actor)}
        entries = [f"  {json.dumps(key)}: {json.dumps(budgets[key])}" for key in sorted(wanted & set(budgets))]
        QUERY_COUNTS.write_text("{\n" + ",\n".join(entries) + "\n}\n")


@contextmanager
def counted_queries() -> Iterator[CaptureQueriesContext]:
    """The queries of a request with the content types' per-process cache emptied first, so that the
    count does not depend on which tests ran before it (the budgets are cold-cache counts)."""
    ContentType.objects.clear_cache()
    with CaptureQueriesContext(connection) as queries:
        yield queries


def check_query_budget(budgets: dict[str, Budget], row: Row, actor: str, queries: int) -> None:
    """An allowed request may make as many queries as recorded for it, no more (module docstring)."""
    key, vendor = budget_key(row, actor), connection.vendor
    if os.environ.get("QUERY_BUDGETS_UPDATE") == "1":
        budgets[key] = recorded_for(vendor, budgets.get(key), queries)
        return
    budget = budgets.get(key)
    assert budget is not None, f"no query budget for {key!r}: record it with QUERY_BUDGETS_UPDATE=1"
    limit = budget[vendor] if isinstance(budget, dict) else budget
    assert queries <= limit, f"{key}: {queries} queries, the budget is {limit} (QUERY_BUDGETS_UPDATE=1 if on purpose)"
    if queries < limit:
        warnings.warn(f"{key}: {queries} queries, fewer than its budget {limit}; record it", stacklevel=1)


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("row", ROWS, ids=lambda row: f"{row.method} {row.key}")
def test_access(world: World, row: Row, actor: str, query_budgets: dict[str, Budget]) -> None:
    client, path = client_for(actor, world), row.path(world)
    with counted_queries() as queries:
        response = getattr(client, row.method)(path)
    expected = row.expect.get(actor, row.expect[PERSON])
    if isinstance(expected, str):
        assert response.status_code == 302, f"{actor} on {row.key}: {response.status_code}"
        assert response["Location"].startswith(expected.removeprefix("→")), response["Location"]
    else:
        assert response.status_code == expected, f"{actor} on {row.key}: {response.status_code}"
    if allowed(row, actor):
        check_query_budget(query_budgets, row, actor, len(queries))


def test_other_peoples_accounts_are_not_reachable_by_id(world: World) -> None:
    """No page or endpoint takes a person's id; the API answers about the caller only."""
    client = client_for(PERSON, world)
    assert client.get("/api/v1/me").json()["id"] == str(world.person.public_id)
    for path in (f"/api/v1/me?id={world.other.public_id}", f"/cabinet/?user={world.other.pk}"):
        assert str(world.other.email) not in client.get(path).content.decode()


def test_a_query_budget_holds_a_request_to_its_recorded_number(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QUERY_BUDGETS_UPDATE", raising=False)
    row = ROWS[0]
    key = budget_key(row, PERSON)
    check_query_budget({key: 3}, row, PERSON, 3)
    with pytest.raises(AssertionError, match="the budget is 3"):
        check_query_budget({key: 3}, row, PERSON, 4)
    with pytest.raises(AssertionError, match="no query budget"):
        check_query_budget({}, row, PERSON, 1)
    with pytest.raises(AssertionError, match="the budget is 2"):
        check_query_budget({key: {connection.vendor: 2, "other": 9}}, row, PERSON, 3)


def test_an_update_records_each_vendor_and_one_number_where_they_agree() -> None:
    assert recorded_for("sqlite", None, 5) == 5
    assert recorded_for("sqlite", 5, 6) == {"postgresql": 5, "sqlite": 6}
    assert recorded_for("postgresql", {"postgresql": 5, "sqlite": 6}, 6) == 6


# The rows above run with the second factor not required (the default off HTTPS). With it required, every
# staff page that lets a staff actor in sends a session that has not passed the second factor to enrol, and
# lets one that has passed it in as before.
STAFF_ACTORS = (OPERATOR, REGISTRAR, SUBJECT_TEACHER, FORM_TUTOR)
STAFF_ROWS = [
    row
    for row in ROWS
    if row.method == "get"
    and row.key.startswith(("teacher:", "backoffice:", "admin:"))
    and any(allowed(row, actor) for actor in STAFF_ACTORS)
]


def verified_client(user: User) -> Client:
    """A session that passed the second factor (a TOTP app), as ``portal.second_factor.finish`` leaves it."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    client = Client()
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="TOTP", confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.mark.parametrize("row", STAFF_ROWS, ids=lambda row: f"{row.method} {row.key}")
def test_staff_pages_with_the_second_factor_required(world: World, row: Row, settings: Any) -> None:
    settings.SECOND_FACTOR_REQUIRED_FOR = ["teacher", "form_tutor", "registrar", "operator"]
    path = row.path(world)
    for actor in STAFF_ACTORS:
        if not allowed(row, actor):
            continue
        user = world.staff.get(actor) or getattr(world, actor)
        response = client_for(actor, world).get(path)
        assert response.status_code == 302, f"{actor} on {row.key}: {response.status_code}"
        assert response["Location"] == "/cabinet/security/", response["Location"]
        expected = row.expect.get(actor, row.expect[PERSON])
        assert verified_client(user).get(path).status_code == expected, f"{actor} on {row.key}"
