"""Fixtures for browser tests: Debian's Chromium driven through the Playwright sync API.

No pytest-playwright plugin: the browser is launched here from ``/usr/bin/chromium`` (no
``playwright install``). The sync API runs an event loop in the test thread, so Django's
async-safety check must be switched off before any database access (see STACK-NOTES.md).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, ViewportSize, expect, sync_playwright

from tests.conftest import PASSWORD

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PHONE_VIEWPORT: ViewportSize = {"width": 390, "height": 844}
TIMEOUT_MS = 15_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(
                f"Chromium ({CHROMIUM}) is not installed, and browser tests must run on CI: "
                "install it with `apt-get install -y chromium`.",
                pytrace=False,
            )
        pytest.skip(f"Chromium ({CHROMIUM}) is not installed: browser tests skipped")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def phone_page(browser: Browser) -> Page:
    """A fresh context (no cookies): a Russian-speaking person on a phone. Close its ``context`` when done."""
    context = browser.new_context(
        locale="ru-RU", viewport=PHONE_VIEWPORT, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """``phone_page`` per test."""
    opened = phone_page(browser)
    try:
        yield opened
    finally:
        opened.context.close()


def at_path(path: str) -> re.Pattern[str]:
    """The page's URL has exactly this path (any query string)."""
    return re.compile(rf"^https?://[^/]+{re.escape(path)}(\?.*)?$")


def sign_in(page: Page, base_url: str, login: str, password: str = PASSWORD) -> None:
    """Through the sign-in form; ends in the cabinet."""
    page.goto(f"{base_url}/signin/")
    page.fill("#id_login", login)
    page.fill("#id_password", password)
    page.press("#id_password", "Enter")
    expect(page).to_have_url(at_path("/cabinet/"))


def sign_out(page: Page) -> None:
    """Through the top menu (folded under «Меню» on a phone); ends on the sign-in page."""
    signout = page.locator("[data-testid=signout]")
    if not signout.is_visible():
        page.locator("[data-testid=menu] > summary").click()
    signout.click()
    expect(page).to_have_url(at_path("/signin/"))


def ask_to_link(page: Page, base_url: str, *, school_id: int, child: tuple[str, str, str, str] | None = None) -> None:
    """«Передайте свои данные в школу»: as the pupil, or (with ``child``: surname, name, patronymic, ISO birth
    date) as the guardian naming the child; ends on the person's school page."""
    page.goto(f"{base_url}/cabinet/school/link/")
    page.check(f"input[name=kind][value={'guardian' if child else 'pupil'}]")
    page.select_option("#id_school", str(school_id))
    if child is not None:
        for field, value in zip(("surname", "given_name", "patronymic", "birth_date"), child, strict=True):
            page.fill(f"#id_child_{field}", value)
        page.check("#id_child_consent")  # the guardian's consent for the child's data
    page.click("[data-testid=send]")
    expect(page).to_have_url(at_path("/cabinet/school/"))
