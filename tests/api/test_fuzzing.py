"""Schemathesis over the whole OpenAPI document, as each kind of caller (issue 11, part 4).

For every operation of ``/api/v1/openapi.json`` Schemathesis generates requests from the schema —
valid ones, boundary values and deliberately invalid ones — and sends them in-process to the WSGI
application, on the test database. A run fails on any 5xx, on a status the operation does not
document, on a body or content type that does not match the document, and on invalid input that is
accepted. So the document has to say what the API really answers (``dnevnik.api`` adds the shared
error answers; ``core.bounds`` the ranges of ids) and bad input has to stop at a 400.

How deep paths are reached, not only 404s: generated ids (a random ``lesson_id``, a random
``student_id``) almost never name a real row. So each generated case is sent a second time with the
ids it carries replaced by the real ids of the objects that its caller may use (``Caller.known`` of
``build_callers``: the guardian's child and grants, the teacher's lesson, pupil, class, subject and
term, the trusted person's invitation…): always in the path and the query, and for half of the cases
in the body too (lists of marks and attendance entries, events of an ingest batch), the other half
keeping the generated body so that its odd values reach a real lesson's handler. That copy is checked
for everything but "invalid input is rejected" (with real ids it may have become valid); a copy
already sent for the operation is not sent again.

Each case goes to one caller, chosen from its data (``role_for``): with about 45 cases per operation
(Schemathesis' examples, its coverage phase of boundary values, and ``MAX_EXAMPLES`` fuzzed ones) each
caller gets several per operation, and the whole run costs about 40 s of CPU.

Deterministic for CI: ``derandomize=True`` (the examples come from the test's name, not a random
seed) and a bounded ``max_examples``; no Hypothesis example database is written.

The callers are bearer tokens made directly (``AccessToken``) with every scope a person's client may
ask for, and a client-credentials token with ``ingest`` for the school's turnstile system.
"""

from __future__ import annotations

import secrets
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from oauth2_provider.models import AccessToken
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from diary.attendance import AttendanceInput, set_lesson_attendance
from diary.homework import set_homework
from diary.lessons import generate_lessons
from diary.marks import MarkInput, set_lesson_marks
from diary.models import Lesson
from notify.services import notify
from portal import services as portal_services
from portal.models import User
from registry.models import StaffMember
from tests.diary.conftest import TERM_START, build_diary_school, make_account
from tests.grants import make_grant
from visits.ingest import register_ingest_client

PERSON_SCOPES = (
    "openid profile email phone snils diary.read visits.read trust teacher.write notifications absence messages "
    "export consent"
)
GUARDIAN, TEACHER, REGISTRAR, TRUSTED, INGEST = "guardian", "teacher", "registrar", "trusted", "ingest"
ROLES = (GUARDIAN, TEACHER, REGISTRAR, TRUSTED, INGEST)
# Per operation and phase: 33 operations × 5 callers stay within about a minute on SQLite.
MAX_EXAMPLES = 10

CONFORMANCE = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Caller:
    token: str
    known: dict[str, Any]  # parameter or property name -> the real value this caller may use


def _token(user: User | None, application: Any, scope: str) -> str:
    token = secrets.token_urlsafe(32)
    AccessToken.objects.create(
        user=user, application=application, token=token, scope=scope, expires=timezone.now() + timedelta(hours=1)
    )
    return token


def build_callers(capture: Callable[..., Any]) -> dict[str, Caller]:
    """The diary test school with some of everything, built through the services, and one token per role."""
    with capture(execute=True):
        school = build_diary_school()
        generate_lessons(term=school.term)
        anna = school.pupils[0]
        lessons = list(
            Lesson.objects.filter(school_class=school.class_7a, subject=school.algebra).order_by("date", "slot__number")
        )
        lesson, later = lessons[0], lessons[1]
        teacher = school.math_teacher
        set_lesson_marks(teacher=teacher, lesson_id=lesson.pk, marks=[MarkInput(pupil_id=anna.pk, value="5")])
        set_lesson_attendance(
            teacher=teacher, lesson_id=lesson.pk, entries=[AttendanceInput(pupil_id=anna.pk, status="ill")]
        )
        homework = set_homework(teacher=teacher, lesson_id=lesson.pk, text="№ 1", due_lesson_id=later.pk)
        registrar = make_account("registrar@example.ru", "+79000000191", "Регистратова", "Рита")
        StaffMember.objects.create(school=school.school, account=registrar, role=StaffMember.Role.REGISTRAR)
        trusted = make_account("trusted@example.ru", "+79000000192", "Доверенная", "Дарья")
        grant = make_grant(anna, trusted, "diary")
        invitation = make_grant(anna, trusted, "visits_meals", state="pending")
        notify(kind="mark", user_ids=[school.parent.pk, trusted.pk, teacher.pk], subject="Оценка")
        app = portal_services.register_oidc_client(
            name="Мобильное приложение", client_id="mobile", redirect_uris=["https://app.example/cb"]
        ).application
        ingest = register_ingest_client(school=school.school, name="Турникеты").ingest_client
    period = {"from": TERM_START.isoformat(), "to": (TERM_START + timedelta(days=6)).isoformat()}
    family = {"student_id": str(anna.public_id), "homework_id": homework.pk, **period}
    lesson_ids = {
        "lesson_id": lesson.pk,
        "pupil_id": anna.pk,
        "subject_id": school.algebra.pk,
        "teacher_id": teacher.pk,
        "slot_id": school.slots[2].pk,
        "due_lesson_id": later.pk,
        "date": (TERM_START + timedelta(days=1)).isoformat(),
    }
    return {
        GUARDIAN: Caller(_token(school.parent, app, PERSON_SCOPES), {**family, "grant_id": grant.pk}),
        TEACHER: Caller(
            _token(teacher, app, PERSON_SCOPES),
            {
                **family,
                **lesson_ids,
                "class_id": school.class_7a.pk,
                "term_id": school.term.pk,
                "term": school.term.pk,
            },
        ),
        REGISTRAR: Caller(_token(registrar, app, PERSON_SCOPES), {**family, **lesson_ids}),
        TRUSTED: Caller(_token(trusted, app, PERSON_SCOPES), {**family, "grant_id": invitation.pk}),
        INGEST: Caller(
            _token(None, ingest.application, "ingest"),
            {"student_id": str(anna.public_id), "occurred_at": timezone.localtime().isoformat()},
        ),
    }


@pytest.fixture
def wsgi_in_test_transaction() -> Iterator[None]:
    """Requests through the real WSGI handler, inside the test's transaction.

    The handler closes "obsolete" connections when a request ends, and a connection inside the test's
    transaction looks obsolete (autocommit off): Django's own test client unhooks this signal for the
    same reason, so this fixture does too, for the length of the test.
    """
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def callers(db: None, django_capture_on_commit_callbacks: Any, wsgi_in_test_transaction: None) -> dict[str, Caller]:
    return build_callers(django_capture_on_commit_callbacks)


@pytest.fixture
def deep_requests_passed() -> set[str]:
    """The real-id copies already sent (and passed) for this operation: many generated cases differ only
    in an id that the copy replaces, and sending the same request again would only cost time."""
    return set()


def role_for(case: Any) -> tuple[str, bool]:
    """The caller a case is sent as, and whether its real-id copy keeps the generated body.

    A function of the case's data, so a replayed or shrunk case keeps both. (Drawing the caller with
    ``@schema.given`` would switch off Schemathesis' coverage phase, the boundary values of each
    parameter.) Half of the copies keep the generated body, so odd values in it (a huge ``pupil_id``)
    reach the handler of a real lesson instead of stopping at its 404; the other half get real ids in
    the body too, so marks and attendance are really written.
    """
    digest = zlib.crc32(repr((case.path_parameters, case.query, case.body)).encode())
    return ROLES[digest % len(ROLES)], bool(digest // len(ROLES) % 2)


def with_known_ids(value: Any, known: dict[str, Any]) -> Any:
    """``value`` with every property named in ``known`` set to the real value, however deep."""
    if isinstance(value, dict):
        return {key: known[key] if key in known else with_known_ids(item, known) for key, item in value.items()}
    if isinstance(value, list):
        return [with_known_ids(item, known) for item in value]
    return value


# Loaded once, at collection: one test per operation. (Schemathesis' lazy fixture-based loader needs a
# private attribute that pytest 9 no longer has.)
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_answers_as_documented(case: Any, callers: dict[str, Caller], deep_requests_passed: set[str]) -> None:
    """A generated case as one of the callers, then again with that caller's real ids (see the module's docstring)."""
    role, keep_body = role_for(case)
    caller = callers[role]
    headers = {"Authorization": f"Bearer {caller.token}"}
    deep = case.operation.Case(
        path_parameters=with_known_ids(case.path_parameters or {}, caller.known),
        query=with_known_ids(case.query or {}, caller.known),
        body=case.body if keep_body else with_known_ids(case.body, caller.known),
        media_type=case.media_type,
    )
    deep_request = repr((role, deep.path_parameters, deep.query, deep.body))
    try:
        case.call_and_validate(headers=headers, checks=[*CONFORMANCE, negative_data_rejection])
        if deep_request not in deep_requests_passed:
            deep.call_and_validate(headers=headers, checks=CONFORMANCE)
            deep_requests_passed.add(deep_request)
    except BaseException as failure:
        failure.add_note(f"Called as the {role}.")
        raise
