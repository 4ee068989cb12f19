"""«Удалить учётную запись» on a phone, in Russian: the page says what closes at once and what the school
keeps, a wrong password is refused next to the field, the right one closes the account and signs out."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from portal.models import User
from tests.browser.conftest import PHONE_VIEWPORT, at_path, sign_in
from tests.conftest import PASSWORD
from tests.diary.conftest import make_account

SHOTS = Path(__file__).resolve().parents[2] / "test-results"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_person_deletes_the_account_on_a_phone(page: Page, live_server: Any) -> None:
    person = make_account("marina@example.ru", "+79000000501", "Крылова", "Марина")
    sign_in(page, live_server.url, person.email)
    page.click("[data-testid=delete-account-link]")
    expect(page).to_have_url(at_path("/cabinet/delete/"))
    expect(page.locator("h1")).to_have_text("Удалить учётную запись")
    expect(page.locator("main")).to_contain_text("через 30 дней")
    expect(page.locator("main")).to_contain_text("остаётся в школе")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]

    page.fill("#id_password", "не-тот-пароль")
    page.click("[data-testid=delete-account]")
    expect(page.locator("[data-field=password]")).to_have_text("Неверный пароль.")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "delete-account-390.png"), full_page=True)
    assert User.objects.get(pk=person.pk).is_active

    page.fill("#id_password", PASSWORD)
    page.click("[data-testid=delete-account]")
    expect(page).to_have_url(at_path("/account-deleted/"))
    expect(page.locator("[data-testid=account-closed]")).to_have_text("Учётная запись закрыта")
    expect(page.locator("main")).to_contain_text("будут стёрты через 30 дней")
    assert not User.objects.get(pk=person.pk).is_active
    page.goto(f"{live_server.url}/cabinet/")
    expect(page).to_have_url(at_path("/signin/"))
