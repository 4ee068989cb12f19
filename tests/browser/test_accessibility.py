"""Installable and accessible: the web app manifest and its icons, axe-core's check of the main pages (light and
dark theme, phone width) with no serious or critical violation, and the week's menu and tabs by keyboard alone.

axe-core comes inside ``axe-playwright-python`` (its ``axe.min.js``), injected through Playwright's evaluate, so
nothing is downloaded and the page's Content-Security-Policy does not stand in its way.
"""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core.management import call_command
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import TIMEOUT_MS, phone_page, sign_in

DEMO_PASSWORD = "Dnevnik-demo-2026"
BLOCKING = {"serious", "critical"}
SHOTS = Path(__file__).resolve().parents[2] / "test-results" / "a11y"


def _blocking_violations(page: Page) -> list[str]:
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


@pytest.mark.browser
def test_axe_sees_a_violation(browser: Browser) -> None:
    """The check can fail: an unlabelled field and grey-on-white text are found."""
    page = phone_page(browser)
    try:
        page.set_content(
            '<html lang="ru"><body><main><input type="text"><p style="color:#ddd">тихо</p></main></body></html>'
        )
        ids = {violation.split(" ")[0] for violation in _blocking_violations(page)}
        assert {"label", "color-contrast"} <= ids
    finally:
        page.context.close()


def _check_pages(page: Page, base_url: str, paths: list[str], scheme: str) -> dict[str, list[str]]:
    found = {}
    SHOTS.mkdir(parents=True, exist_ok=True)
    for path in paths:
        response = page.goto(f"{base_url}{path}")
        assert response is not None
        assert response.status == 200, path
        page.screenshot(path=str(SHOTS / f"{scheme}{path.replace('/', '_')}.png"), full_page=True)
        violations = _blocking_violations(page)
        if violations:
            found[path] = violations
    return found


def _family_paths() -> list[str]:
    from registry.models import Pupil

    artyom = Pupil.objects.get(given_name="Артём", guardians__account__email="olga.smirnova@dnevnik.test")
    diary = f"/diary/{artyom.public_id}/"
    sections = ("", "marks/", "homework/", "attendance/", "visits/", "meals/", "trusted/")
    return [f"{diary}{section}" for section in sections] + [
        "/cabinet/",
        "/cabinet/school/",
        "/cabinet/services/",
        "/cabinet/subscriptions/",
        "/cabinet/notifications/",
        "/cabinet/notifications/settings/",
    ]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_main_pages_pass_axe(browser: Browser, live_server: Any, scheme: str) -> None:
    call_command("load_demo", stdout=StringIO())
    page = phone_page(browser)
    try:
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        violations = _check_pages(page, live_server.url, ["/signin/", "/register/", "/reset/"], scheme)
        sign_in(page, live_server.url, "olga.smirnova@dnevnik.test", DEMO_PASSWORD)
        violations.update(_check_pages(page, live_server.url, _family_paths(), scheme))
        assert violations == {}
    finally:
        page.context.close()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_app_is_installable(page: Page, live_server: Any) -> None:
    page.goto(f"{live_server.url}/signin/")
    href = page.locator("link[rel=manifest]").get_attribute("href")
    assert href
    manifest_url = f"{live_server.url}{href}"
    response = page.request.get(manifest_url)
    assert response.ok
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert (manifest["name"], manifest["short_name"], manifest["lang"]) == ("Дневник", "Дневник", "ru")
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#c8102e"
    sizes = set()
    for icon in manifest["icons"]:
        image = page.request.get(manifest_url.rsplit("/", 1)[0] + "/" + icon["src"])
        assert image.ok, icon
        assert image.headers["content-type"] == "image/png"
        assert image.body()[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(image.body()[16:20], "big"), int.from_bytes(image.body()[20:24], "big")
        assert f"{width}x{height}" == icon["sizes"]
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    assert page.locator("meta[name=theme-color]").count() == 2


def _focus_through(page: Page, presses: int) -> list[str]:
    """Press Tab ``presses`` times; what held the focus each time (its text, or its tag)."""
    reached = []
    for _ in range(presses):
        page.keyboard.press("Tab")
        reached.append(
            page.evaluate(
                "(() => { const e = document.activeElement;"
                " return (e.closest('summary') ? 'summary:' : '') + (e.innerText || e.tagName).trim(); })()"
            )
        )
    return reached


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_weeks_menu_and_tabs_by_keyboard(browser: Browser, live_server: Any) -> None:
    call_command("load_demo", stdout=StringIO())
    tabs = [
        "Неделя",
        "Оценки",
        "Домашние задания",
        "Посещаемость",
        "Посещение",
        "Питание",
        "Заявления об отсутствии",
        "Доверенные лица",
    ]
    menu = ["Личный кабинет", "Дневник", "Объявления", "Услуги", "Подписки", "Сообщения", "Выйти"]

    # On a phone: Tab reaches «Меню», Enter opens it, Tab goes through its entries, Escape closes it; the
    # tabs follow, each one reached even where the strip has scrolled it out of sight.
    page = phone_page(browser)
    try:
        sign_in(page, live_server.url, "olga.smirnova@dnevnik.test", DEMO_PASSWORD)
        page.goto(f"{live_server.url}/diary/")
        expect(page.locator("[data-testid=lesson]").first).to_be_visible()
        reached = _focus_through(page, 2)
        assert reached[1].startswith("summary:"), reached
        page.keyboard.press("Enter")
        expect(page.locator("[data-testid=signout]")).to_be_visible()
        in_menu = _focus_through(page, 8)
        assert [entry for entry in menu if any(text.startswith(entry) for text in in_menu)] == menu, in_menu
        page.keyboard.press("Escape")
        expect(page.locator("[data-testid=signout]")).to_be_hidden()
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
        after = _focus_through(page, 14)
        assert [tab for tab in tabs if tab in after] == tabs, after
        last = page.locator("nav.tabs a").last
        last.focus()
        expect(last).to_be_in_viewport()
    finally:
        page.context.close()

    # On a desktop the menu is open: its entries and then the tabs, in order, with no «Меню» button.
    context = browser.new_context(locale="ru-RU", viewport={"width": 1280, "height": 800})
    context.set_default_timeout(TIMEOUT_MS)
    desktop = context.new_page()
    try:
        sign_in(desktop, live_server.url, "olga.smirnova@dnevnik.test", DEMO_PASSWORD)
        desktop.goto(f"{live_server.url}/diary/")
        reached = _focus_through(desktop, 24)
        assert not any(text.startswith("summary:") for text in reached), reached
        assert [text for text in reached if text in menu or text in tabs] == ["Дневник", *menu, *tabs], reached
    finally:
        context.close()


def _staff_paths() -> dict[str, list[str]]:
    """The teacher's home, a gradebook and a lesson of Елена Сергеевна; the registrar's main back-office pages."""
    from diary.models import Lesson
    from registry.models import Guardian, Pupil

    lesson = (
        Lesson.objects.filter(teacher__email="elena.ivanova@dnevnik.test", marks__isnull=False)
        .order_by("-date")
        .first()
        or Lesson.objects.filter(teacher__email="elena.ivanova@dnevnik.test").order_by("date").first()
    )
    assert lesson is not None
    artyom = Pupil.objects.get(given_name="Артём", school__code="demo")
    guardian = Guardian.objects.filter(pupil=artyom).order_by("pk").first()
    assert guardian is not None
    return {
        "elena.ivanova@dnevnik.test": [
            "/teacher/",
            f"/teacher/gradebook/{lesson.school_class_id}/{lesson.subject_id}/",
            f"/teacher/lessons/{lesson.pk}/",
        ],
        "sergey.petrov@dnevnik.test": [
            "/backoffice/",
            "/backoffice/registry/pupil/",
            f"/backoffice/registry/pupil/{artyom.pk}/change/",
            "/backoffice/registry/import/",
            f"/backoffice/custody/{guardian.pk}/",
        ],
    }


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_staff_pages_pass_axe(browser: Browser, live_server: Any) -> None:
    """The teacher's and the registrar's pages at phone width, light and dark: no serious or critical violation."""
    call_command("load_demo", stdout=StringIO())
    violations: dict[str, list[str]] = {}
    for account, paths in _staff_paths().items():
        page = phone_page(browser)
        try:
            sign_in(page, live_server.url, account, DEMO_PASSWORD)
            for scheme in ("light", "dark"):
                page.emulate_media(color_scheme=scheme)
                found = _check_pages(page, live_server.url, paths, scheme)
                violations.update({f"{scheme} {path}": found[path] for path in found})
        finally:
            page.context.close()
    assert violations == {}
