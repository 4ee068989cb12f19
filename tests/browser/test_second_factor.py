"""The second factor in a real Chromium at 390 px: a TOTP app's QR page, the code step, the recovery codes,
and passkeys through Chromium's virtual authenticator (CDP ``WebAuthn``): added in the cabinet, used as the
second step after the password, and as a sign-in by itself («Войти с ключом доступа»)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from django_otp.oath import totp
from playwright.sync_api import Page, expect

from tests.browser.conftest import at_path, sign_in, sign_out
from tests.conftest import PASSWORD

SHOTS = Path("test-results")


def _account() -> Any:
    from portal.models import User

    now = timezone.now()
    return User.objects.create_user(
        "olga@example.ru",
        PASSWORD,
        surname="Смирнова",
        given_name="Ольга",
        phone="+79123456789",
        email_confirmed_at=now,
        phone_confirmed_at=now,
    )


def _shoot(page: Page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"second-factor-{name}.png"), full_page=True)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{name}: the page is {width} px wide at 390 px"


def _virtual_authenticator(page: Page) -> None:
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_totp_app_set_up_and_used_at_390_px(page: Page, live_server: Any) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    olga = _account()
    base = live_server.url
    sign_in(page, base, olga.email)
    page.click("[data-testid=security-link]")
    expect(page).to_have_url(at_path("/cabinet/security/"))
    expect(page.locator("h1")).to_have_text("Вход и защита")
    page.click("[data-testid=totp-setup]")
    expect(page.locator("[data-testid=qr]")).to_be_visible()
    secret = page.locator("[data-testid=secret]").inner_text()
    assert len(secret.split(" ")) == 8
    assert all(len(group) == 4 for group in secret.split(" "))
    _shoot(page, "totp")
    device = TOTPDevice.objects.get(user=olga, confirmed=False)
    page.fill("#id_code", f"{totp(device.bin_key):06d}")
    page.click("[data-testid=totp-form] button[type=submit]")
    expect(page).to_have_url(at_path("/cabinet/security/recovery-codes/"))
    expect(page.locator("[data-testid=recovery-codes] li")).to_have_count(10)
    _shoot(page, "recovery-codes")
    codes = page.locator("[data-testid=recovery-codes] code").all_inner_texts()
    page.click("[data-testid=continue]")
    sign_out(page)

    page.fill("#id_login", olga.email)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    expect(page).to_have_url(at_path("/signin/second-factor/"))
    expect(page.locator("h1")).to_have_text("Второй шаг входа")
    _shoot(page, "code-step")
    page.fill("#id_code", codes[0])
    page.click("[data-testid=second-factor-form] button[type=submit]")
    expect(page).to_have_url(at_path("/cabinet/"))
    expect(page.locator(".messages")).to_contain_text("Осталось 9 кодов восстановления")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_passkey_added_then_used_as_the_second_step_and_to_sign_in_without_a_password(
    page: Page, live_server: Any
) -> None:
    from django_otp_webauthn.models import WebAuthnCredential

    olga = _account()
    base = live_server.url
    assert base.startswith("http://localhost:"), base  # browsers allow passkeys on localhost, not on an IP
    _virtual_authenticator(page)
    sign_in(page, base, olga.email)
    page.goto(f"{base}/cabinet/security/")
    page.click("#passkey-register-button")
    expect(page).to_have_url(at_path("/cabinet/security/recovery-codes/"))
    expect(page.locator("[data-testid=recovery-codes] li")).to_have_count(10)
    assert WebAuthnCredential.objects.filter(user=olga, discoverable=True).count() == 1
    page.goto(f"{base}/cabinet/security/")
    expect(page.locator("[data-testid=passkeys] li")).to_have_count(1)
    _shoot(page, "security")
    sign_out(page)

    # The password, then the passkey as the second step.
    page.fill("#id_login", olga.email)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    expect(page).to_have_url(at_path("/signin/second-factor/"))
    page.click("#passkey-verification-button")
    expect(page).to_have_url(at_path("/cabinet/"))
    sign_out(page)

    # No login, no password: «Войти с ключом доступа».
    expect(page.locator("#passkey-verification-button")).to_have_text("Войти с ключом доступа")
    _shoot(page, "signin")
    page.click("#passkey-verification-button")
    expect(page).to_have_url(at_path("/cabinet/"))
    expect(page.locator("[data-testid=full-name]")).to_contain_text("Смирнова Ольга")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_teacher_is_led_to_add_a_passkey_before_the_gradebook(page: Page, live_server: Any, settings: Any) -> None:
    from registry.models import School, StaffMember

    settings.SECOND_FACTOR_REQUIRED_FOR = ["teacher", "form_tutor", "registrar", "operator"]
    teacher = _account()
    StaffMember.objects.create(school=School.objects.create(code="s1", name="S1"), account=teacher, role="teacher")
    base = live_server.url
    _virtual_authenticator(page)
    page.goto(f"{base}/teacher/")
    page.fill("#id_login", teacher.email)
    page.fill("#id_password", PASSWORD)
    page.press("#id_password", "Enter")
    expect(page).to_have_url(at_path("/cabinet/security/"))
    expect(page.locator("[data-testid=factor-required]")).to_be_visible()
    _shoot(page, "enrol-required")
    page.goto(f"{base}/teacher/")
    expect(page).to_have_url(at_path("/cabinet/security/"))  # no staff page before the second factor
    page.click("#passkey-register-button")
    expect(page).to_have_url(at_path("/cabinet/security/recovery-codes/"))
    page.click("[data-testid=continue]")
    expect(page).to_have_url(at_path("/teacher/"))
