"""A person registers, confirms both contacts, signs out and in again, all in a real Chromium.

Texts are not asserted (the Russian catalogue may not be compiled): the checks are on URLs,
``data-testid`` hooks, error elements and the person's name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import at_path, sign_in, sign_out
from tests.conftest import last_email_code, last_sms_code, registration_data
from tests.snils import enrol

SCREENSHOT = Path("/tmp/cabinet.png")  # noqa: S108 - a fixed, well-known place to look at the cabinet
FULL_NAME = "Смирнова Ольга Игоревна"
TEXT_FIELDS = ("surname", "given_name", "patronymic", "email", "phone", "snils", "new_password", "new_password_again")


def _path(url: str) -> str:
    return urlsplit(url).path


def _fill_registration(page: Page, data: dict[str, Any]) -> None:
    for field in TEXT_FIELDS:
        page.fill(f"#id_{field}", data[field])
    page.fill("#id_birth_date", data["birth_date"])  # type=date takes ISO yyyy-mm-dd
    if data.get("consent"):
        page.check("#id_consent")


def _expect_cabinet(page: Page) -> None:
    expect(page).to_have_url(at_path("/cabinet/"))
    expect(page.locator("[data-testid=full-name]")).to_have_text(FULL_NAME)
    expect(page.locator("[data-testid=menu]")).to_be_visible()
    expect(page.locator("[data-testid=signout]")).to_have_count(1)


def _sign_out(page: Page) -> None:
    sign_out(page)
    expect(page.locator("[data-testid=signout]")).to_have_count(0)


def _sign_in(page: Page, base_url: str, login: str) -> None:
    sign_in(page, base_url, login)
    _expect_cabinet(page)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_register_confirm_sign_in_by_snils_and_phone_then_sign_out(page: Page, live_server: Any) -> None:
    from portal.models import User

    base_url = live_server.url
    data = registration_data()
    # The pension fund's check (the test double) knows her: her SNILS is verified at registration, so it signs in.
    enrol("11223344595", data["surname"], data["given_name"])

    # Registration.
    page.goto(f"{base_url}/register/")
    expect(page.locator("html")).to_have_attribute("lang", "ru")
    _fill_registration(page, data)
    page.click("form.card button[type=submit]")
    expect(page).to_have_url(at_path("/confirm/"))

    user = User.objects.get()
    assert user.full_name == FULL_NAME
    assert not user.contacts_confirmed
    assert user.snils_verified

    # Both codes, read from the outboxes the live server wrote to.
    page.fill("#id_email-code", last_email_code(user.email))
    page.click("button[name=action][value=confirm_email]")
    expect(page).to_have_url(at_path("/confirm/"))
    expect(page.locator("#id_email-code")).to_have_count(0)

    page.fill("#id_phone-code", last_sms_code(user.phone))
    page.click("button[name=action][value=confirm_phone]")
    _expect_cabinet(page)
    user.refresh_from_db()
    assert user.contacts_confirmed

    # Out, then in again with the SNILS as people write it.
    _sign_out(page)
    _sign_in(page, base_url, "112-233-445 95")

    # Out, then in again with the phone in the national format.
    _sign_out(page)
    _sign_in(page, base_url, "8 912 345-67-89")
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    # Out for good: the cabinet sends the visitor to the sign-in page, and back after it.
    _sign_out(page)
    page.goto(f"{base_url}/cabinet/")
    expect(page).to_have_url(at_path("/signin/"))
    assert parse_qs(urlsplit(page.url).query).get("next") == ["/cabinet/"]
    expect(page.locator("#id_login")).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_registration_with_bad_snils_and_landline_shows_errors_and_creates_nothing(
    page: Page, live_server: Any
) -> None:
    from django.core import mail

    from core import sms
    from portal.models import User

    base_url = live_server.url
    data = registration_data(snils="112-233-445 96", phone="+7 495 123-45-67")

    page.goto(f"{base_url}/register/")
    _fill_registration(page, data)
    page.click("form.card button[type=submit]")

    # The form comes back on the same address with an error under each wrong field.
    snils_error = page.locator("p.error[data-field=snils]")
    phone_error = page.locator("p.error[data-field=phone]")
    expect(snils_error).to_be_visible()
    expect(phone_error).to_be_visible()
    assert _path(page.url) == "/register/"
    for error in (snils_error, phone_error):
        text = error.first.inner_text().strip()
        assert text, "an error element without a message"
    expect(page.locator("p.error[data-field=email]")).to_have_count(0)
    expect(page.locator("p.error[data-field=surname]")).to_have_count(0)
    expect(page.locator(".field.invalid #id_snils")).to_have_count(1)
    expect(page.locator(".field.invalid #id_phone")).to_have_count(1)

    # What the person typed is kept, so they only fix the wrong fields.
    expect(page.locator("#id_surname")).to_have_value(data["surname"])
    expect(page.locator("#id_email")).to_have_value(data["email"])

    assert User.objects.count() == 0
    assert mail.outbox == []
    assert sms.outbox == []
