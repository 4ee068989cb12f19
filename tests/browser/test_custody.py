"""A registrar restricts a mother's access to her daughter, in a real Chromium at 390 px, in Russian; the
mother's «Мои дети» then lists only her other child. Screenshots go to ``test-results/custody/`` (git-ignored).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from registry.models import Guardian, StaffMember
from tests.browser.conftest import sign_in

SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "custody"


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    # Nothing sticks out sideways at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390, name


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_registrar_restricts_a_guardian_and_the_child_leaves_her_list(page: Page, live_server: Any) -> None:
    from tests.diary.conftest import build_diary_school, make_account

    SHOTS.mkdir(parents=True, exist_ok=True)
    school = build_diary_school()
    anna = school.pupils[0]
    registrar = make_account("registrar@example.ru", "+79000000199", "Петров", "Сергей")
    StaffMember.objects.create(school=anna.school, account=registrar, role=StaffMember.Role.REGISTRAR)
    guardian = Guardian.objects.get(pupil=anna, account=school.parent)

    sign_in(page, live_server.url, registrar.email)
    page.goto(f"{live_server.url}/backoffice/custody/{guardian.pk}/")
    expect(page.locator("h2")).to_contain_text("Ограничить доступ")
    page.fill("#id_reason", "Решение суда об ограничении родительских прав")
    page.fill("#id_document", "Решение № 2-123/2026 от 01.12.2026")
    _shot(page, "1-form")
    page.click("input[type=submit].default")
    expect(page.locator("[data-testid=restriction]")).to_contain_text("действует")
    _shot(page, "2-restricted")
    page.context.clear_cookies()  # the back office has its own header: a fresh session for the mother

    sign_in(page, live_server.url, school.parent.email)
    page.goto(f"{live_server.url}/diary/")
    expect(page.locator("main")).not_to_contain_text(anna.given_name)
    _shot(page, "3-mother-children")
