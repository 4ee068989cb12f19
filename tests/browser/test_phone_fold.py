"""The week on a phone: the first lesson is above the fold of a 390×844 screen (a compact top menu and a
single-row tab strip that scrolls sideways on its own), nothing scrolls the page sideways, and the same page
on a desktop. Screenshots go to ``test-results/phone/`` (git-ignored) for a person to look at."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import PHONE_VIEWPORT, TIMEOUT_MS, phone_page, sign_in

DEMO_PASSWORD = "Dnevnik-demo-2026"
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "phone"
DESKTOP = {"width": 1280, "height": 800}


def _open_week(page: Page, base_url: str) -> None:
    from registry.models import Pupil

    artyom = Pupil.objects.get(given_name="Артём", guardians__account__email="olga.smirnova@dnevnik.test")
    sign_in(page, base_url, "olga.smirnova@dnevnik.test", DEMO_PASSWORD)
    page.goto(f"{base_url}/diary/{artyom.public_id}/")
    expect(page.locator("[data-testid=lesson]").first).to_be_visible()


def _first_lesson_top(page: Page) -> float:
    box = page.locator("[data-testid=lesson]").first.bounding_box()
    assert box is not None
    return box["y"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_first_lesson_of_the_week_is_above_the_fold(browser: Browser, live_server: Any) -> None:
    call_command("load_demo", stdout=StringIO())
    SHOTS.mkdir(parents=True, exist_ok=True)

    phone = phone_page(browser)
    try:
        _open_week(phone, live_server.url)
        phone.screenshot(path=str(SHOTS / "week-phone.png"))
        assert _first_lesson_top(phone) < PHONE_VIEWPORT["height"]
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
        # The eight tabs are one row that scrolls inside itself.
        tabs = phone.locator("nav.tabs a")
        assert tabs.count() == 8
        tops = {round(box["y"]) for box in (tabs.nth(i).bounding_box() for i in range(8)) if box}
        assert len(tops) == 1
        # The menu is folded on a phone; opening it shows every entry.
        signout = phone.locator("[data-testid=signout]")
        expect(signout).to_be_hidden()
        phone.locator("[data-testid=menu] > summary").click()
        expect(signout).to_be_visible()
        phone.screenshot(path=str(SHOTS / "week-phone-menu.png"))
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE_VIEWPORT["width"]
        phone.keyboard.press("Escape")  # closes the menu (menu.js)
        expect(signout).to_be_hidden()
        # The last tab, opened from the strip, is scrolled into view on its page.
        tabs.last.click()
        expect(phone).to_have_url(re.compile(r"/trusted/$"))
        # The URL changes before the new page's deferred tabs.js has run: wait for it, then measure.
        phone.wait_for_load_state("load")
        expect(phone.locator("nav.tabs a[aria-current]")).to_be_in_viewport(ratio=1)
        current = phone.locator("nav.tabs a[aria-current]").bounding_box()
        assert current is not None
        assert current["x"] >= 0
        assert current["x"] + current["width"] <= PHONE_VIEWPORT["width"]
        phone.screenshot(path=str(SHOTS / "trusted-phone.png"))
    finally:
        phone.context.close()

    context = browser.new_context(locale="ru-RU", viewport=DESKTOP)  # type: ignore[arg-type]
    context.set_default_timeout(TIMEOUT_MS)
    desktop = context.new_page()
    try:
        _open_week(desktop, live_server.url)
        desktop.screenshot(path=str(SHOTS / "week-desktop.png"))
        assert _first_lesson_top(desktop) < DESKTOP["height"]
        assert desktop.evaluate("document.documentElement.scrollWidth") <= DESKTOP["width"]
        # On a desktop the menu's entries are in view without opening anything, and the tabs wrap rather than hide.
        expect(desktop.locator("[data-testid=signout]")).to_be_visible()
        last_tab = desktop.locator("nav.tabs a").last.bounding_box()
        assert last_tab is not None
        assert last_tab["x"] + last_tab["width"] <= DESKTOP["width"]
        expect(desktop.locator("nav.tabs a").last).to_be_in_viewport(ratio=1)
    finally:
        context.close()
