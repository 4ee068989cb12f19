"""The second factor (issue 18): required for staff roles by a setting, optional for families, TOTP and
recovery codes through the real pages, the sign-in limits counting wrong codes, the OIDC authorize path."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import AuditEvent
from portal import services
from portal.models import User
from registry.models import School, StaffMember
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

STAFF = ["teacher", "form_tutor", "registrar", "operator"]
# The page each staff role works on, and what it answers once the second factor is passed.
STAFF_PAGES = {"teacher": "/teacher/", "registrar": "/backoffice/", "operator": "/admin/"}
CODES = re.compile(r"<li><code>([a-z0-9]{5}-[a-z0-9]{5})</code></li>")


def account(email: str, phone: str, **extra: Any) -> User:
    now = timezone.now()
    return User.objects.create_user(
        email,
        PASSWORD,
        surname="Иванова",
        given_name="Елена",
        phone=phone,
        email_confirmed_at=now,
        phone_confirmed_at=now,
        **extra,
    )


def staff_account(role: str) -> User:
    """A teacher, a registrar (of a school of the registry) or an operator (``is_staff``)."""
    if role == "operator":
        return account("operator@example.ru", "+79000000003", is_staff=True, is_superuser=True)
    user = account(f"{role}@example.ru", "+79000000005")
    school = School.objects.create(code="s1", name="S1")
    StaffMember.objects.create(school=school, account=user, role=role)
    return user


@pytest.fixture
def required(settings: Any) -> None:
    settings.SECOND_FACTOR_REQUIRED_FOR = STAFF


def sign_in(client: Client, user: User, next_url: str = "") -> Any:
    return client.post("/signin/", {"login": user.email, "password": PASSWORD, "next": next_url})


def code_now(device: TOTPDevice) -> str:
    device.refresh_from_db()
    return str(totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)).zfill(device.digits)


def new_window(device: TOTPDevice) -> None:
    """The next 30 seconds: a TOTP code is accepted once (django-otp remembers the last one used)."""
    TOTPDevice.objects.filter(pk=device.pk).update(last_t=-1)


def enrol_totp(client: Client, user: User) -> tuple[TOTPDevice, list[str]]:
    """Through «Вход и защита»: the QR page, the first code; returns the device and the recovery codes shown."""
    page = client.get("/cabinet/security/totp/")
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in page.content.decode()
    assert 'src="data:image/svg+xml' in page.content.decode()  # the QR code, as a data: image (CSP)
    response = client.post("/cabinet/security/totp/", {"code": code_now(device)})
    assert response.status_code == 302
    assert response["Location"] == "/cabinet/security/recovery-codes/"
    codes = CODES.findall(client.get("/cabinet/security/recovery-codes/").content.decode())
    new_window(device)
    return TOTPDevice.objects.get(pk=device.pk, confirmed=True), codes


def second_step(client: Client, code: str) -> Any:
    return client.post("/signin/second-factor/", {"code": code})


# Families: optional


def test_a_family_signs_in_with_the_password_alone_until_it_turns_the_second_factor_on(client: Client) -> None:
    olga = account("olga@example.ru", "+79000000001")
    assert sign_in(client, olga)["Location"] == "/cabinet/"
    security = client.get("/cabinet/security/")
    assert security.status_code == 200
    assert "Второй фактор для вас необязателен" in security.content.decode()
    device, codes = enrol_totp(client, olga)
    assert len(codes) == 10
    assert len(set(codes)) == 10
    client.post("/signout/")

    response = sign_in(client, olga)
    assert response["Location"] == "/signin/second-factor/"
    assert client.get("/cabinet/").status_code == 302  # the password alone opens nothing
    assert second_step(client, code_now(device))["Location"] == "/cabinet/"
    assert client.get("/cabinet/").status_code == 200
    assert AuditEvent.objects.filter(action="portal.second_factor_passed", target=f"portal.user:{olga.pk}").exists()


def test_recovery_codes_are_shown_once_work_once_and_say_how_many_are_left(client: Client) -> None:
    olga = account("olga@example.ru", "+79000000001")
    sign_in(client, olga)
    _device, codes = enrol_totp(client, olga)
    again = client.get("/cabinet/security/recovery-codes/").content.decode()
    assert not CODES.findall(again)  # shown once
    assert "Осталось 10 кодов восстановления" in again
    client.post("/signout/")

    sign_in(client, olga)
    response = second_step(client, codes[0].upper().replace("-", " "))  # as typed from paper
    assert response["Location"] == "/cabinet/"
    page = client.get("/cabinet/").content.decode()
    assert "Вы вошли с кодом восстановления. Осталось 9 кодов восстановления." in page
    client.post("/signout/")

    sign_in(client, olga)
    refused = second_step(client, codes[0])
    assert refused.status_code == 200
    assert "Неверный код" in refused.content.decode()
    assert second_step(client, codes[1])["Location"] == "/cabinet/"


def test_new_recovery_codes_replace_the_old_ones(client: Client) -> None:
    olga = account("olga@example.ru", "+79000000001")
    sign_in(client, olga)
    _device, old = enrol_totp(client, olga)
    assert client.post("/cabinet/security/recovery-codes/")["Location"] == "/cabinet/security/recovery-codes/"
    new = CODES.findall(client.get("/cabinet/security/recovery-codes/").content.decode())
    assert len(new) == 10
    assert not set(new) & set(old)
    assert StaticToken.objects.filter(device__user=olga).count() == 10
    client.post("/signout/")
    sign_in(client, olga)
    assert second_step(client, old[0]).status_code == 200
    assert second_step(client, new[0])["Location"] == "/cabinet/"


def test_a_family_turns_the_second_factor_off_again(client: Client) -> None:
    olga = account("olga@example.ru", "+79000000001")
    sign_in(client, olga)
    device, _codes = enrol_totp(client, olga)
    response = client.post(f"/cabinet/security/totp/{device.pk}/remove/")
    assert response["Location"] == "/cabinet/security/"
    assert not TOTPDevice.objects.filter(user=olga).exists()
    assert not StaticToken.objects.filter(device__user=olga).exists()  # no factor left: no way back needed
    client.post("/signout/")
    assert sign_in(client, olga)["Location"] == "/cabinet/"


def test_someone_elses_factor_cannot_be_removed(client: Client) -> None:
    olga, other = account("olga@example.ru", "+79000000001"), account("other@example.ru", "+79000000002")
    other_client = Client()
    sign_in(other_client, other)
    device, _codes = enrol_totp(other_client, other)
    sign_in(client, olga)
    assert client.post(f"/cabinet/security/totp/{device.pk}/remove/").status_code == 404
    assert client.post(f"/cabinet/security/passkey/{device.pk}/remove/").status_code == 404
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


def test_the_second_step_is_not_there_without_a_password_first(client: Client) -> None:
    assert client.get("/signin/second-factor/")["Location"] == "/signin/"
    assert second_step(client, "123456")["Location"] == "/signin/"


def test_the_pending_sign_in_expires(client: Client, settings: Any) -> None:
    olga = account("olga@example.ru", "+79000000001")
    sign_in(client, olga)
    device, _codes = enrol_totp(client, olga)
    client.post("/signout/")
    sign_in(client, olga)
    settings.SECOND_FACTOR_PENDING_SECONDS = -1
    assert second_step(client, code_now(device))["Location"] == "/signin/"
    assert client.get("/cabinet/").status_code == 302


# Staff: required by the setting


@pytest.mark.parametrize("role", STAFF)
def test_staff_are_led_to_enrol_right_after_the_password_and_reach_no_staff_page_before(
    role: str, client: Client, required: None
) -> None:
    user = staff_account(role)
    response = sign_in(client, user)
    assert response["Location"] == "/cabinet/security/"
    assert "Ваша роль в школе требует второй фактор" in client.get("/cabinet/security/").content.decode()
    page = STAFF_PAGES.get(role, "/teacher/")
    assert client.get(page)["Location"] == "/cabinet/security/"
    # The API's session writes too (a bearer token comes only from the authorize page, which asks the same).
    write = client.put("/api/v1/lessons/999999/topic", {"topic": "x"}, content_type="application/json")
    assert write.status_code == 403
    assert write.json()["code"] == "second_factor_required"

    device, codes = enrol_totp(client, user)
    assert len(codes) == 10
    assert client.get(page).status_code == 200
    write = client.put("/api/v1/lessons/999999/topic", {"topic": "x"}, content_type="application/json")
    assert write.status_code == 404  # past the gate: no such lesson

    client.post("/signout/")
    assert sign_in(client, user, next_url=page)["Location"] == "/signin/second-factor/"
    assert client.get(page).status_code == 302
    assert second_step(client, code_now(device))["Location"] == page
    assert client.get(page).status_code == 200


@pytest.mark.parametrize("role", ["teacher", "registrar", "operator"])
def test_staff_cannot_turn_off_their_last_factor(role: str, client: Client, required: None) -> None:
    user = staff_account(role)
    sign_in(client, user)
    device, _codes = enrol_totp(client, user)
    client.post(f"/cabinet/security/totp/{device.pk}/remove/")
    assert TOTPDevice.objects.filter(pk=device.pk).exists()
    assert "требует второй фактор" in client.get("/cabinet/security/").content.decode()


def test_with_the_requirement_off_staff_sign_in_with_the_password(client: Client, settings: Any) -> None:
    """The embedded demo's default (HTTPS off): ``make run``'s demo sign-ins work with the password alone."""
    settings.SECOND_FACTOR_REQUIRED_FOR = []
    teacher = staff_account("teacher")
    assert sign_in(client, teacher)["Location"] == "/cabinet/"
    assert client.get("/teacher/").status_code == 200


def test_families_are_not_required_even_when_staff_are(client: Client, required: None) -> None:
    olga = account("olga@example.ru", "+79000000001")
    assert sign_in(client, olga)["Location"] == "/cabinet/"


def test_a_session_signed_in_before_the_requirement_is_sent_to_enrol(client: Client, settings: Any) -> None:
    registrar = staff_account("registrar")
    sign_in(client, registrar)
    assert client.get("/backoffice/").status_code == 200
    settings.SECOND_FACTOR_REQUIRED_FOR = STAFF
    assert client.get("/backoffice/")["Location"] == "/cabinet/security/"


# The sign-in limits


def test_wrong_codes_count_against_the_sign_in_limit_of_the_account(client: Client) -> None:
    olga = account("olga@example.ru", "+79000000001")
    sign_in(client, olga)
    device, _codes = enrol_totp(client, olga)
    client.post("/signout/")
    sign_in(client, olga)
    right = code_now(device)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        refused = second_step(client, wrong)
        assert refused.status_code == 200
        assert "Неверный код" in refused.content.decode()
    limited = second_step(client, right)  # the limit is checked before the code, so even a right one waits
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert "Слишком много попыток" in limited.content.decode()
    assert client.get("/cabinet/").status_code == 302
    # The password step shares the limit: the account's sign-in pauses, from any browser.
    other = Client()
    paused = sign_in(other, olga)
    assert paused.status_code == 200
    assert "Неверный логин или пароль" in paused.content.decode()


def test_a_right_code_clears_the_failures_and_a_right_password_alone_does_not(client: Client) -> None:
    olga = account("olga@example.ru", "+79000000001")
    sign_in(client, olga)
    device, _codes = enrol_totp(client, olga)
    client.post("/signout/")
    for _ in range(4):
        sign_in(client, olga)  # a right password starts a pending sign-in each time…
        second_step(client, "000000" if code_now(device) != "000000" else "111111")
    sign_in(client, olga)  # …and does not wipe the wrong codes before it
    assert second_step(client, code_now(device))["Location"] == "/cabinet/"
    client.post("/signout/")
    new_window(device)
    for _ in range(4):  # the count started afresh with the full sign-in
        sign_in(client, olga)
        assert second_step(client, "000000" if code_now(device) != "000000" else "111111").status_code == 200


def test_wrong_codes_count_per_address_too(client: Client, settings: Any) -> None:
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "signin_address": (3, settings.RATE_LIMITS["signin_address"][1])}
    olga = account("olga@example.ru", "+79000000001")
    sign_in(client, olga)
    device, _codes = enrol_totp(client, olga)
    client.post("/signout/")
    sign_in(client, olga)
    for wrong in ("abcde-fghij", "abcde-fghjk", "abcde-fghjm"):
        assert second_step(client, wrong).status_code == 200
    assert second_step(client, code_now(device)).status_code == 429


# The OIDC authorize page applies the same step


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")
    return verifier, challenge


@pytest.mark.parametrize("role", ["teacher", "registrar", "operator"])
def test_staff_signing_into_the_app_through_authorize_pass_the_second_factor(
    role: str, client: Client, required: None
) -> None:
    user = staff_account(role)
    enrolling = Client()
    sign_in(enrolling, user)
    device, _codes = enrol_totp(enrolling, user)
    redirect_uri = "https://app.example/cb"
    services.register_oidc_client(name="Приложение", client_id="app", redirect_uris=[redirect_uri])
    verifier, challenge = _pkce()
    query = urlencode(
        {
            "response_type": "code",
            "client_id": "app",
            "redirect_uri": redirect_uri,
            "scope": "openid profile",
            "state": "s1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    authorize = f"/o/authorize/?{query}"
    to_signin = client.get(authorize)
    assert to_signin["Location"].startswith("/signin/?next=")
    next_url = parse_qs(urlparse(to_signin["Location"]).query)["next"][0]
    assert sign_in(client, user, next_url=next_url)["Location"] == "/signin/second-factor/"
    assert client.get(authorize)["Location"].startswith("/signin/?next=")  # the password alone: not signed in
    assert second_step(client, code_now(device))["Location"] == next_url
    consent = client.get(next_url)
    assert consent.status_code == 200
    assert 'id="consent"' in consent.content.decode()
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', consent.content.decode()))
    answer = client.post(next_url, {**fields, "allow": "1"})
    assert answer["Location"].startswith(redirect_uri)
    code = parse_qs(urlparse(answer["Location"]).query)["code"][0]
    token = Client().post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "client_id": "app",
            "code_verifier": verifier,
        },
    )
    assert token.status_code == 200
    assert "access_token" in token.json()


def test_an_unverified_staff_session_at_authorize_is_sent_to_enrol(client: Client, required: None) -> None:
    teacher = staff_account("teacher")
    sign_in(client, teacher)  # required, no factor yet: signed in, unverified
    response = client.get("/o/authorize/?client_id=app")
    assert response["Location"] == "/cabinet/security/"


def test_an_operator_resets_the_factors_of_a_person_who_lost_them(client: Client) -> None:
    olga = account("olga@example.ru", "+79000000001")
    sign_in(client, olga)
    enrol_totp(client, olga)
    operator = Client()
    operator.force_login(account("operator@example.ru", "+79000000003", is_staff=True, is_superuser=True))
    assert operator.get(f"/admin/otp_totp/totpdevice/{olga.pk}/config/").status_code == 404  # no secret shown
    response = operator.post("/admin/portal/user/", {"action": "reset_second_factor", "_selected_action": [olga.pk]})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=olga).exists()
    assert not StaticToken.objects.filter(device__user=olga).exists()
    assert AuditEvent.objects.filter(action="portal.second_factor_reset", target=f"portal.user:{olga.pk}").exists()
    client.post("/signout/")
    assert sign_in(client, olga)["Location"] == "/cabinet/"


def test_a_mistyped_first_code_of_a_new_app_locks_nothing(client: Client) -> None:
    olga = account("olga@example.ru", "+79000000001")
    sign_in(client, olga)
    client.get("/cabinet/security/totp/")
    device = TOTPDevice.objects.get(user=olga, confirmed=False)
    wrong = "000000" if code_now(device) != "000000" else "111111"
    for _ in range(6):
        refused = client.post("/cabinet/security/totp/", {"code": wrong})
        assert refused.status_code == 200
        assert "Неверный код: проверьте время на телефоне." in refused.content.decode()
    assert client.post("/cabinet/security/totp/", {"code": code_now(device)}).status_code == 302


def test_passkey_ceremonies_at_the_second_step_name_the_pending_account_and_count_as_attempts(
    client: Client,
) -> None:
    """The server side of the passkey step (the whole ceremony runs in tests/browser/test_second_factor.py)."""
    olga = account("olga@example.ru", "+79000000001")
    sign_in(client, olga)
    enrol_totp(client, olga)
    client.post("/signout/")
    anonymous = client.post("/passkeys/authenticate/begin/").json()
    assert anonymous["userVerification"] == "required"  # a sign-in by passkey alone: the screen lock too
    assert anonymous.get("allowCredentials", []) == []  # usernameless: nobody's credentials are listed
    sign_in(client, olga)
    pending = client.post("/passkeys/authenticate/begin/").json()
    assert pending["userVerification"] == "discouraged"  # the password was the first factor
    for _ in range(5):
        client.post("/passkeys/authenticate/begin/")
        refused = client.post("/passkeys/authenticate/complete/", {"id": "x"}, content_type="application/json")
        assert refused.status_code in (400, 404, 422), refused.content
    limited = client.post("/passkeys/authenticate/complete/", {"id": "x"}, content_type="application/json")
    assert limited.status_code == 429
    assert limited.json()["code"] == "too_many_attempts"
    assert int(limited["Retry-After"]) > 0
    assert client.get("/cabinet/").status_code == 302
