"""The access matrix of the API by scope: what a bearer token may call, given what the person consented to.

``SCOPE_OF`` names the scope of every operation of the OpenAPI schema; ``test_every_operation_has_a_scope``
walks the schema and fails when an operation has no row here, so a new endpoint cannot land without
saying which consent it needs. For every row: a token lacking the scope gets 403 ``insufficient_scope``
with the RFC 6750 challenge, a token holding it passes the authentication step, and a bad token gets 401
``invalid_token`` — on writes too, with a session cookie beside it (it must not fall through to the
session's CSRF check). The session's own rows are in ``tests/test_access_matrix.py``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client, RequestFactory
from django.utils import timezone
from oauth2_provider.models import AccessToken, Application

from portal.models import User
from registry.models import Pupil, School, SchoolClass
from tests.conftest import PASSWORD
from tests.diary.conftest import make_guardian
from tests.grants import make_grant

PERSON_SCOPES = (
    "openid",
    "profile",
    "email",
    "phone",
    "snils",
    "diary.read",
    "visits.read",
    "trust",
    "teacher.write",
    "notifications",
    "absence",
    "messages",
    "export",
    "consent",
)
SCOPE_OF: dict[str, str] = {
    "GET /api/v1/me": "openid",
    "GET /api/v1/students/{student_id}/diary": "diary.read",
    "GET /api/v1/students/{student_id}/marks": "diary.read",
    "GET /api/v1/students/{student_id}/marks/{mark_id}/history": "diary.read",
    "GET /api/v1/students/{student_id}/homework": "diary.read",
    "GET /api/v1/students/{student_id}/attendance": "diary.read",
    # The pupil's tick is a note on their own diary, not a change anyone else relies on.
    "PUT /api/v1/homework/{homework_id}/done": "diary.read",
    # hw (issue 16): the answers are read and handed in with the diary; the teacher's review writes marks.
    "GET /api/v1/homework/{homework_id}/submissions": "diary.read",
    "POST /api/v1/homework/{homework_id}/submissions": "diary.read",
    "PUT /api/v1/homework/{homework_id}/submissions": "teacher.write",
    "GET /api/v1/students/{student_id}/visits": "visits.read",
    "GET /api/v1/students/{student_id}/meals": "visits.read",
    # The person's own warning about the child's balance, not a change of the child's data.
    "PUT /api/v1/students/{student_id}/meals/threshold": "visits.read",
    "GET /api/v1/trusted-persons": "trust",
    "POST /api/v1/trusted-persons": "trust",
    "DELETE /api/v1/trusted-persons/{grant_id}": "trust",
    "GET /api/v1/trusted-persons/{grant_id}/views": "trust",
    "GET /api/v1/students/{student_id}/trusted-views": "trust",
    "GET /api/v1/subscriptions": "trust",
    "POST /api/v1/subscriptions/{grant_id}/accept": "trust",
    "POST /api/v1/subscriptions/{grant_id}/decline": "trust",
    "POST /api/v1/subscriptions/{grant_id}/leave": "trust",
    "PUT /api/v1/lessons/{lesson_id}/marks": "teacher.write",
    "PUT /api/v1/lessons/{lesson_id}/attendance": "teacher.write",
    "PUT /api/v1/lessons/{lesson_id}/topic": "teacher.write",
    "PUT /api/v1/lessons/{lesson_id}/plan": "teacher.write",
    "PUT /api/v1/lessons/{lesson_id}/homework": "teacher.write",
    "POST /api/v1/lessons/{lesson_id}/replace": "teacher.write",
    "POST /api/v1/lessons/{lesson_id}/cancel": "teacher.write",
    "POST /api/v1/lessons/{lesson_id}/move": "teacher.write",
    "PUT /api/v1/students/{student_id}/finals": "teacher.write",
    "GET /api/v1/teacher/gradebook": "teacher.write",
    "GET /api/v1/students/{student_id}/absence-notes": "diary.read",
    # A note changes what the school records (the attendance it pre-sets): a consent of its own, not a read.
    "POST /api/v1/students/{student_id}/absence-notes": "absence",
    "POST /api/v1/absence-notes/{note_id}/withdraw": "absence",
    # Announcements are read with the diary; marking one read is a note of the reader's own, like a homework tick.
    "GET /api/v1/announcements": "diary.read",
    "POST /api/v1/announcements/{announcement_id}/read": "diary.read",
    # Posting, receipts and the reminder are the school side's writing.
    "POST /api/v1/announcements": "teacher.write",
    "GET /api/v1/announcements/{announcement_id}/receipts": "teacher.write",
    "POST /api/v1/announcements/{announcement_id}/remind": "teacher.write",
    # Notifications quote children's marks and visits, so they are a consent of their own.
    "GET /api/v1/notifications": "notifications",
    "POST /api/v1/notifications/read": "notifications",
    "GET /api/v1/notifications/settings": "notifications",
    "PUT /api/v1/notifications/settings": "notifications",
    # issue 17 (alerts): the cadence and a child's alerts are notification settings too
    "GET /api/v1/notifications/cadence": "notifications",
    "PUT /api/v1/notifications/cadence": "notifications",
    "GET /api/v1/students/{student_id}/alerts": "notifications",
    "PUT /api/v1/students/{student_id}/alerts": "notifications",
    # Conversations quote what families and teachers wrote about a child: a consent of their own.
    "GET /api/v1/threads": "messages",
    "POST /api/v1/threads": "messages",
    "GET /api/v1/threads/recipients": "messages",
    "GET /api/v1/threads/{thread_id}": "messages",
    "POST /api/v1/threads/{thread_id}/messages": "messages",
    "POST /api/v1/threads/{thread_id}/read": "messages",
    "PATCH /api/v1/threads/{thread_id}/messages/{message_id}": "messages",
    "POST /api/v1/threads/{thread_id}/messages/{message_id}/withdraw": "messages",
    "PUT /api/v1/threads/{thread_id}/mutes": "messages",
    # privacy2 (issue 18): an archive holds more than every other scope reads, so it has a scope of its own;
    # accepting the processing terms is a legal act of the person, not "recognising you" (openid).
    "POST /api/v1/me/exports": "export",
    "POST /api/v1/students/{student_id}/exports": "export",
    "GET /api/v1/exports/{export_id}": "export",
    "POST /api/v1/exports/{export_id}/retry": "export",
    "GET /api/v1/exports/{export_id}/download": "export",
    "GET /api/v1/terms": "consent",
    "POST /api/v1/terms/accept": "consent",
    # The schools' turnstile and canteen systems: a client-credentials token, never a person's.
    "POST /api/v1/ingest/passes": "ingest",
    "POST /api/v1/ingest/meals": "ingest",
}
PERSON_OPERATIONS = [key for key, scope in SCOPE_OF.items() if scope != "ingest"]


@dataclass(frozen=True)
class World:
    guardian: User
    trusted: User  # holds an active grant to the pupil's visits and meals only
    pupil: Pupil
    application: Application


def account(email: str, phone: str, **extra: Any) -> User:
    now = timezone.now()
    return User.objects.create_user(
        email,
        PASSWORD,
        surname="Смирнова",
        given_name="Ольга",
        patronymic="Игоревна",
        phone=phone,
        snils="11223344595" if email.startswith("guardian") else "",
        birth_date=date(1986, 3, 14),
        email_confirmed_at=now,
        phone_confirmed_at=now,
        **extra,
    )


@pytest.fixture
def world(db: None) -> World:
    school = School.objects.create(code="s1", name="Школа №1")
    pupil = Pupil(
        school=school,
        school_class=SchoolClass.objects.create(school=school, grade=7, letter="А"),
        surname="Смирнов",
        given_name="Иван",
        birth_date=date(2013, 5, 1),
    )
    pupil.refresh_fio_key()
    pupil.save()
    guardian = account("guardian@example.ru", "+79000000101")
    make_guardian(pupil, guardian)
    trusted = account("trusted@example.ru", "+79000000102")
    make_grant(pupil, trusted, "visits_meals")
    application = Application.objects.create(
        name="Мобильный дневник",
        client_type=Application.CLIENT_PUBLIC,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris="https://app.example/cb",
        algorithm=Application.RS256_ALGORITHM,
    )
    return World(guardian=guardian, trusted=trusted, pupil=pupil, application=application)


def token_of(world: World, scopes: tuple[str, ...] | list[str], user: User | None = None) -> str:
    raw = secrets.token_urlsafe(30)
    AccessToken.objects.create(
        user=user or world.guardian,
        application=world.application,
        token=raw,
        scope=" ".join(scopes),
        expires=timezone.now() + timedelta(minutes=30),
    )
    return raw


def call(client: Client, operation: str, world: World, token: str, **extra: Any) -> Any:
    method, template = operation.split(" ")
    path = (
        template.replace("{student_id}", str(world.pupil.public_id))
        .replace("{grant_id}", "999999")
        .replace("{lesson_id}", "999999")
        .replace("{homework_id}", "999999")
        .replace("{thread_id}", "999999")
        .replace("{message_id}", "999999")
        .replace("{export_id}", "00000000-0000-0000-0000-000000000001")
    )
    return getattr(client, method.lower())(
        path,
        "{}" if method != "GET" else None,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        **extra,
    )


def test_every_operation_has_a_scope(db: None) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operations = {
        f"{method.upper()} {path}"
        for path, item in schema["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert operations - SCOPE_OF.keys() == set(), "API operations without a declared scope in SCOPE_OF"
    assert SCOPE_OF.keys() - operations == set(), "rows of SCOPE_OF that name no operation"


@pytest.mark.parametrize("operation", PERSON_OPERATIONS)
def test_a_token_without_the_scope_gets_403_insufficient_scope(world: World, operation: str) -> None:
    scope = SCOPE_OF[operation]
    token = token_of(world, [other for other in PERSON_SCOPES if other != scope])
    response = call(Client(), operation, world, token)
    assert response.status_code == 403, (operation, response.content)
    body = response.json()
    assert body["code"] == "insufficient_scope"
    assert f"«{scope}»" in body["message"], "Russian by default, naming the scope"
    assert response["WWW-Authenticate"] == f'Bearer error="insufficient_scope", scope="{scope}"'


@pytest.mark.parametrize("operation", PERSON_OPERATIONS)
def test_a_token_with_the_scope_passes_authentication(world: World, operation: str) -> None:
    token = token_of(world, [SCOPE_OF[operation]])
    response = call(Client(enforce_csrf_checks=True), operation, world, token)
    assert response.status_code != 401, (operation, response.content)
    assert response.status_code != 403 or response.json()["code"] != "insufficient_scope", operation
    assert "WWW-Authenticate" not in response


@pytest.mark.parametrize("operation", list(SCOPE_OF))
def test_a_bad_token_gets_401_invalid_token_even_beside_a_session(world: World, operation: str) -> None:
    """Before: a bad token on a write fell through to the session and answered 403 "CSRF check failed"."""
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.guardian)
    response = call(browser, operation, world, "not-a-token")
    assert response.status_code == 401, (operation, response.content)
    assert response.json()["code"] == "not_authenticated"
    if SCOPE_OF[operation] != "ingest":  # the ingest API keeps its own plain 401
        assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_an_expired_token_gets_invalid_token(world: World, time_machine: Any) -> None:
    token = token_of(world, PERSON_SCOPES)
    time_machine.move_to(timezone.now() + timedelta(minutes=31))
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer error="invalid_token"'


def test_the_scope_error_speaks_english_on_request(world: World) -> None:
    token = token_of(world, ["openid"])
    response = Client().get(
        f"/api/v1/students/{world.pupil.public_id}/marks",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.json() == {
        "code": "insufficient_scope",
        "message": "The application was not allowed this: it needs the permission “diary.read”.",
    }


def test_a_sign_in_token_does_not_read_the_childs_marks(world: World) -> None:
    """Seen: a token granted only ``openid`` read the marks."""
    path = f"/api/v1/students/{world.pupil.public_id}/marks"
    assert Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token_of(world, ['openid'])}").status_code == 403
    assert Client().get(path, HTTP_AUTHORIZATION=f"Bearer {token_of(world, ['diary.read'])}").status_code == 200


def test_the_session_needs_no_scope(world: World) -> None:
    browser = Client()
    browser.force_login(world.guardian)
    assert browser.get(f"/api/v1/students/{world.pupil.public_id}/marks").status_code == 200
    assert set(browser.get("/api/v1/me").json()) >= {"email", "phone", "snils", "children"}


def test_an_endpoint_that_declares_no_scope_refuses_every_token(world: World) -> None:
    """The API's default auth: forgetting a declaration lets only the session in (fails closed)."""
    from portal.oidc import BearerToken, InsufficientScope

    request = RequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token_of(world, PERSON_SCOPES)}")
    with pytest.raises(InsufficientScope) as refused:
        BearerToken()(request)
    assert refused.value.www_authenticate == 'Bearer error="insufficient_scope"'


def me(world: World, scopes: list[str], user: User | None = None) -> dict[str, Any]:
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token_of(world, scopes, user)}")
    assert response.status_code == 200, response.content
    body: dict[str, Any] = response.json()
    return body


def test_me_with_a_sign_in_token_names_only_the_account(world: World) -> None:
    """Seen: a token granted only ``openid`` read the SNILS, email, phone and birth date."""
    assert me(world, ["openid"]) == {"id": str(world.guardian.public_id)}


def test_me_shows_each_field_under_its_scope(world: World) -> None:
    profile = me(world, ["openid", "profile"])
    assert profile == {
        "id": str(world.guardian.public_id),
        "surname": "Смирнова",
        "given_name": "Ольга",
        "patronymic": "Игоревна",
        "full_name": "Смирнова Ольга Игоревна",
        "birth_date": "1986-03-14",
        "is_minor": False,
        "roles": ["guardian"],
    }
    assert me(world, ["openid", "email"]) == {
        "id": str(world.guardian.public_id),
        "email": "guardian@example.ru",
        "email_confirmed": True,
    }
    assert me(world, ["openid", "phone"]) == {
        "id": str(world.guardian.public_id),
        "phone": "+79000000101",
        "phone_confirmed": True,
    }
    assert me(world, ["openid", "snils"])["snils"] == "112-233-445 95"
    assert set(me(world, ["openid", "snils"])) <= {"id", "snils", "snils_verified", "snils_state"}


def test_me_lists_children_only_with_a_service_scope_and_only_those_services(world: World) -> None:
    assert "children" not in me(world, ["openid", "profile", "trust", "notifications"])
    (diary,) = me(world, ["openid", "diary.read"])["children"]
    assert (diary["student_id"], diary["services"]) == (str(world.pupil.public_id), ["diary"])
    (visits,) = me(world, ["openid", "visits.read"])["children"]
    assert visits["services"] == ["visits_meals"]
    (both,) = me(world, ["openid", "diary.read", "visits.read"])["children"]
    assert both["services"] == ["diary", "visits_meals"]
    # A trusted person of visits and meals, with a diary-only token: the child is not theirs to name here.
    assert me(world, ["openid", "diary.read"], world.trusted)["children"] == []
    (trusted,) = me(world, ["openid", "visits.read"], world.trusted)["children"]
    assert (trusted["relation"], trusted["services"]) == ("trusted", ["visits_meals"])


def test_every_field_of_me_has_a_scope() -> None:
    from portal.api import MeOut, field_scope

    for name in MeOut.model_fields:
        assert name == "children" or field_scope(name) in PERSON_SCOPES, name


def test_the_consent_screen_names_each_scope_the_mobile_app_asks_in_plain_russian(world: World) -> None:
    from dnevnik.management.commands.load_demo import MOBILE_SCOPES
    from tests.visits.conftest import authorization_query

    browser = Client()
    browser.force_login(world.guardian)
    page = browser.get(f"/o/authorize/?{authorization_query(MOBILE_SCOPES, 'v' * 50)}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "сможет:" in text
    for line in (
        "Узнавать вас, когда вы входите через портал",
        "Видеть ваши фамилию, имя, отчество, дату рождения и роли в школах",
        "Видеть адрес вашей электронной почты",
        "Видеть номер вашего мобильного телефона",
        "Видеть оценки, домашние задания и посещаемость ваших детей",
        "Видеть проходы ваших детей через турникеты",
        "Приглашать доверенных лиц к данным ваших детей",
    ):
        assert line in text, line
    assert "СНИЛС" not in text, "the app did not ask for the SNILS"


def test_a_token_from_the_real_flow_reads_what_it_was_granted(world: World) -> None:
    from tests.visits.conftest import person_token

    marks = f"/api/v1/students/{world.pupil.public_id}/marks"
    sign_in_only = person_token(world.guardian, "openid")
    assert Client().get(marks, HTTP_AUTHORIZATION=f"Bearer {sign_in_only}").status_code == 403
    diary = person_token(world.guardian, "openid diary.read")
    assert Client().get(marks, HTTP_AUTHORIZATION=f"Bearer {diary}").status_code == 200
    assert Client().get("/api/v1/subscriptions", HTTP_AUTHORIZATION=f"Bearer {diary}").status_code == 403
